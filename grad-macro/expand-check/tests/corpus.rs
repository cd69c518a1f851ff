//! Functions shaped like real uses of `#[differentiate]` (losses, energies, integrators,
//! layers) and like real mistakes. Each expands without a panic, and to today's outcome:
//! the adjoint for the supported subset, a compile error for everything else.

use grad_expand::Outcome::{self, Adjoint, Error};
use proc_macro2::TokenStream;
use quote::quote;

struct Case {
    name: &'static str,
    expected: Outcome,
    attr: TokenStream,
    item: TokenStream,
}

fn case(name: &'static str, expected: Outcome, attr: TokenStream, item: TokenStream) -> Case {
    Case {
        name,
        expected,
        attr,
        item,
    }
}

#[test]
fn corpus_expands_to_the_expected_outcome() {
    let cases: Vec<Case> = [losses(), physics(), integrators(), layers(), unsupported()]
        .into_iter()
        .flatten()
        .collect();
    let mut failures = Vec::new();

    for case in &cases {
        match grad_expand::check(case.attr.clone(), case.item.clone()) {
            Ok(outcome) if outcome == case.expected => {}
            Ok(outcome) => failures.push(format!(
                "{}: expected {:?}, got {outcome:?}",
                case.name, case.expected
            )),
            Err(broken) => failures.push(format!("{}: {broken}", case.name)),
        }
    }

    assert!(
        cases.len() >= 40,
        "the corpus shrank to {} cases",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn losses() -> Vec<Case> {
    vec![
        case(
            "mean_squared_error",
            Adjoint,
            quote!(wrt(pred)),
            quote! {
                pub fn mse(pred: &[f64], target: &[f64]) -> f64 {
                    let mut sum = 0.0;
                    for i in 0..pred.len() {
                        let r = pred[i] - target[i];
                        sum += r * r;
                    }
                    sum / pred.len() as f64
                }
            },
        ),
        case(
            "huber",
            Adjoint,
            quote!(),
            quote! {
                fn huber(r: f64, delta: f64) -> f64 {
                    if r.abs() <= delta {
                        0.5 * r * r
                    } else {
                        delta * (r.abs() - 0.5 * delta)
                    }
                }
            },
        ),
        case(
            "log_sum_exp",
            Adjoint,
            quote!(),
            quote! {
                fn log_sum_exp<F: Float>(z: &[F]) -> F {
                    let mut m = z[0];
                    for &v in z.iter() {
                        m = m.max(v);
                    }
                    let mut s = F::zero();
                    for &v in z.iter() {
                        s = s + (v - m).exp();
                    }
                    m + s.ln()
                }
            },
        ),
        case(
            "binary_cross_entropy",
            Adjoint,
            quote!(wrt(p)),
            quote! {
                fn bce(p: &[f32], y: &[f32]) -> f32 {
                    let eps = 1e-7;
                    let mut total = 0.0;
                    for (a, b) in p.iter().zip(y.iter()) {
                        let q = a.clamp(eps, 1.0 - eps);
                        total -= b * q.ln() + (1.0 - b) * (1.0 - q).ln();
                    }
                    total
                }
            },
        ),
        case(
            "l2_regularised",
            Adjoint,
            quote!(wrt(w)),
            quote! {
                fn ridge(w: &[f64], x: &[f64], y: f64, lambda: f64) -> f64 {
                    let mut pred = 0.0;
                    let mut norm = 0.0;
                    for (i, &wi) in w.iter().enumerate() {
                        pred += wi * x[i];
                        norm += wi * wi;
                    }
                    (pred - y).powi(2) + lambda * norm
                }
            },
        ),
        case(
            "softplus_sum",
            Adjoint,
            quote!(),
            quote! {
                fn softplus_sum(x: &Vec<f64>) -> f64 {
                    let mut s = 0.0;
                    for v in x.iter() {
                        s += if *v > 20.0 { *v } else { v.exp().ln_1p() };
                    }
                    s
                }
            },
        ),
        case(
            "hinge",
            Adjoint,
            quote!(wrt(w)),
            quote! {
                fn hinge(w: &[f64], x: &[f64], label: f64) -> f64 {
                    let mut margin = 0.0;
                    for i in 0..w.len() {
                        margin += w[i] * x[i];
                    }
                    (1.0 - label * margin).max(0.0)
                }
            },
        ),
        case(
            "cosine_similarity",
            Adjoint,
            quote!(),
            quote! {
                fn cosine(a: &[f64], b: &[f64]) -> f64 {
                    let mut ab = 0.0;
                    let mut aa = 0.0;
                    let mut bb = 0.0;
                    for i in 0..a.len() {
                        ab += a[i] * b[i];
                        aa += a[i] * a[i];
                        bb += b[i] * b[i];
                    }
                    ab / (aa.sqrt() * bb.sqrt())
                }
            },
        ),
    ]
}

fn physics() -> Vec<Case> {
    vec![
        case(
            "harmonic_chain",
            Adjoint,
            quote!(),
            quote! {
                fn chain_energy(q: &[f64], k: f64) -> f64 {
                    let mut e = 0.0;
                    for i in 1..q.len() {
                        let d = q[i] - q[i - 1];
                        e += 0.5 * k * d * d;
                    }
                    e
                }
            },
        ),
        case(
            "lennard_jones_pairs",
            Adjoint,
            quote!(wrt(pos)),
            quote! {
                fn lj<F: Float>(pos: &[F], sigma: F, eps: F) -> F {
                    let n = pos.len() / 3;
                    let mut e = F::zero();
                    for i in 0..n {
                        for j in (i + 1)..n {
                            let mut r2 = F::zero();
                            for d in 0..3 {
                                let dx = pos[3 * i + d] - pos[3 * j + d];
                                r2 = r2 + dx * dx;
                            }
                            let s6 = (sigma * sigma / r2).powi(3);
                            e = e + F::from(4.0).unwrap() * eps * (s6 * s6 - s6);
                        }
                    }
                    e
                }
            },
        ),
        case(
            "pendulum_energy",
            Adjoint,
            quote!(),
            quote! {
                fn pendulum(theta: f64, omega: f64, g: f64, l: f64) -> f64 {
                    0.5 * l * l * omega * omega + g * l * (1.0 - theta.cos())
                }
            },
        ),
        case(
            "coulomb_2d",
            Adjoint,
            quote!(wrt(x, y)),
            quote! {
                fn coulomb(x: &[f64], y: &[f64], q: &[f64]) -> f64 {
                    let mut e = 0.0;
                    for i in 0..x.len() {
                        for j in 0..i {
                            let r = (x[i] - x[j]).hypot(y[i] - y[j]);
                            e += q[i] * q[j] / r;
                        }
                    }
                    e
                }
            },
        ),
        case(
            "spring_grid",
            Adjoint,
            quote!(),
            quote! {
                fn grid<const N: usize>(u: [[f64; N]; N], k: f64) -> f64 {
                    let mut e = 0.0;
                    for i in 0..N - 1 {
                        for j in 0..N - 1 {
                            let dx = u[i + 1][j] - u[i][j];
                            let dy = u[i][j + 1] - u[i][j];
                            e += k * (dx * dx + dy * dy);
                        }
                    }
                    e
                }
            },
        ),
        case(
            "morse_potential",
            Adjoint,
            quote!(),
            quote! {
                fn morse(r: f64, d: f64, a: f64, r0: f64) -> f64 {
                    let t = 1.0 - (-a * (r - r0)).exp();
                    d * t * t
                }
            },
        ),
        case(
            "gravity_with_softening",
            Adjoint,
            quote!(wrt(p)),
            quote! {
                fn gravity(p: &[f64], m: &[f64]) -> f64 {
                    let soft = 1e-3;
                    let n = m.len();
                    let mut u = 0.0;
                    for i in 0..n {
                        for j in (i + 1)..n {
                            let dx = p[2 * i] - p[2 * j];
                            let dy = p[2 * i + 1] - p[2 * j + 1];
                            u -= m[i] * m[j] / (dx * dx + dy * dy + soft * soft).sqrt();
                        }
                    }
                    u
                }
            },
        ),
        case(
            "double_well",
            Adjoint,
            quote!(),
            quote! {
                fn double_well<F: Float>(x: F) -> F {
                    let x2 = x * x;
                    x2 * x2 - F::from(2).unwrap() * x2
                }
            },
        ),
    ]
}

fn integrators() -> Vec<Case> {
    vec![
        case(
            "euler_decay",
            Adjoint,
            quote!(wrt(k)),
            quote! {
                fn decay(y0: f64, k: f64, dt: f64, steps: usize) -> f64 {
                    let mut y = y0;
                    for _ in 0..steps {
                        y = y - dt * k * y;
                    }
                    y
                }
            },
        ),
        case(
            "leapfrog_oscillator",
            Adjoint,
            quote!(),
            quote! {
                fn leapfrog(x0: f64, v0: f64, omega: f64, dt: f64) -> f64 {
                    let mut x = x0;
                    let mut v = v0;
                    for _ in 0..100 {
                        v -= 0.5 * dt * omega * omega * x;
                        x += dt * v;
                        v -= 0.5 * dt * omega * omega * x;
                    }
                    0.5 * v * v + 0.5 * omega * omega * x * x
                }
            },
        ),
        case(
            "rk4_logistic",
            Adjoint,
            quote!(wrt(r)),
            quote! {
                fn rk4(y0: f64, r: f64, h: f64, n: usize) -> f64 {
                    let mut y = y0;
                    let mut i = 0;
                    while i < n {
                        let k1 = r * y * (1.0 - y);
                        let y2 = y + 0.5 * h * k1;
                        let k2 = r * y2 * (1.0 - y2);
                        let y3 = y + 0.5 * h * k2;
                        let k3 = r * y3 * (1.0 - y3);
                        let y4 = y + h * k3;
                        let k4 = r * y4 * (1.0 - y4);
                        y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
                        i += 1;
                    }
                    y
                }
            },
        ),
        case(
            "adaptive_until_small",
            Adjoint,
            quote!(),
            quote! {
                fn settle(x0: f64, rate: f64) -> f64 {
                    let mut x = x0;
                    loop {
                        x *= rate;
                        if x.abs() < 1e-6 {
                            break;
                        }
                    }
                    x
                }
            },
        ),
        case(
            "trapezoid_rule",
            Adjoint,
            quote!(),
            quote! {
                fn trapezoid(a: f64, b: f64, n: usize) -> f64 {
                    let h = (b - a) / n as f64;
                    let mut s = 0.5 * (a.sin() + b.sin());
                    for i in 1..n {
                        s += (a + h * i as f64).sin();
                    }
                    s * h
                }
            },
        ),
        case(
            "heat_equation_steps",
            Adjoint,
            quote!(wrt(u0)),
            quote! {
                fn heat(u0: &[f64], alpha: f64, steps: usize) -> f64 {
                    let mut u = u0.to_vec();
                    let n = u.len();
                    for _ in 0..steps {
                        let prev = u.clone();
                        for i in 1..n - 1 {
                            u[i] = prev[i] + alpha * (prev[i - 1] - 2.0 * prev[i] + prev[i + 1]);
                        }
                    }
                    let mut total = 0.0;
                    for i in 0..n {
                        total += u[i] * u[i];
                    }
                    total
                }
            },
        ),
        case(
            "newton_sqrt",
            Adjoint,
            quote!(),
            quote! {
                fn newton(a: f64) -> f64 {
                    let mut x = a;
                    for _ in 0..20 {
                        x = 0.5 * (x + a / x);
                    }
                    x
                }
            },
        ),
        case(
            "strided_backward_sum",
            Adjoint,
            quote!(),
            quote! {
                fn strided(xs: &[f64]) -> f64 {
                    let mut s = 0.0;
                    for i in (0..xs.len()).rev().step_by(2) {
                        if i == 0 {
                            continue;
                        }
                        s = s * 0.9 + xs[i];
                    }
                    s
                }
            },
        ),
    ]
}

fn layers() -> Vec<Case> {
    vec![
        case(
            "dense_tanh_layer",
            Adjoint,
            quote!(wrt(w, b)),
            quote! {
                fn dense(w: &[f64], b: &[f64], x: &[f64], out: usize) -> f64 {
                    let inp = x.len();
                    let mut total = 0.0;
                    for o in 0..out {
                        let mut z = b[o];
                        for i in 0..inp {
                            z += w[o * inp + i] * x[i];
                        }
                        total += z.tanh();
                    }
                    total
                }
            },
        ),
        case(
            "runtime_primitives",
            Adjoint,
            quote!(wrt(w1, b1)),
            quote! {
                pub fn net(w1: &[f64], b1: &[f64], x: &[f64], hidden: usize) -> f64 {
                    let z = grad_runtime::affine(w1, b1, x, hidden, 2);
                    let h = grad_runtime::relu_vec(&z);
                    grad_runtime::dot(&h, &h)
                }
            },
        ),
        case(
            "layer_norm",
            Adjoint,
            quote!(),
            quote! {
                fn layer_norm(x: &[f64]) -> f64 {
                    let n = x.len() as f64;
                    let mut mean = 0.0;
                    for v in x {
                        mean += v / n;
                    }
                    let mut var = 0.0;
                    for &v in x.iter() {
                        var += (v - mean) * (v - mean) / n;
                    }
                    let mut out = 0.0;
                    for i in 0..x.len() {
                        let y = (x[i] - mean) / (var + 1e-5).sqrt();
                        out += y * y * y;
                    }
                    out
                }
            },
        ),
        case(
            "fixed_size_conv",
            Adjoint,
            quote!(wrt(kernel)),
            quote! {
                fn conv(kernel: [f64; 3], signal: &[f64]) -> f64 {
                    let mut acc = 0.0;
                    for t in 0..signal.len() - 2 {
                        let mut y = 0.0;
                        for k in 0..3 {
                            y += kernel[k] * signal[t + k];
                        }
                        acc += y.max(0.0);
                    }
                    acc
                }
            },
        ),
        case(
            "local_buffer_softmax",
            Adjoint,
            quote!(),
            quote! {
                fn softmax_first(z: &[f64]) -> f64 {
                    let mut e = vec![0.0; z.len()];
                    let mut s = 0.0;
                    for i in 0..z.len() {
                        e[i] = z[i].exp();
                        s += e[i];
                    }
                    e[0] / s
                }
            },
        ),
        case(
            "matrix_rows",
            Adjoint,
            quote!(),
            quote! {
                fn frob(m: &[[f64; 4]]) -> f64 {
                    let mut s = 0.0;
                    for i in 0..m.len() {
                        for j in 0..4 {
                            s += m[i][j] * m[i][j];
                        }
                    }
                    s.sqrt()
                }
            },
        ),
        case(
            "gated_unit",
            Adjoint,
            quote!(),
            quote! {
                fn gate(a: f64, b: f64) -> f64 {
                    let s = 1.0 / (1.0 + (-b).exp());
                    let g = a * s;
                    if g > 0.0 && a < 1e300 || b < -10.0 {
                        g
                    } else {
                        g * 0.01
                    }
                }
            },
        ),
        case(
            "f32_attention_score",
            Adjoint,
            quote!(wrt(q)),
            quote! {
                fn score(q: &[f32], k: &[f32]) -> f32 {
                    let mut s = 0.0f32;
                    for (a, b) in q.iter().zip(k.iter()) {
                        s += a * b;
                    }
                    (s / (q.len() as f32).sqrt()).exp()
                }
            },
        ),
    ]
}

fn unsupported() -> Vec<Case> {
    vec![
        case(
            "closure_in_loss",
            Error,
            quote!(),
            quote! {
                fn loss(x: &[f64]) -> f64 {
                    x.iter().map(|v| v * v).sum()
                }
            },
        ),
        case(
            "match_on_mode",
            Error,
            quote!(),
            quote! {
                fn act(x: f64, mode: usize) -> f64 {
                    match mode {
                        0 => x.tanh(),
                        _ => x.max(0.0),
                    }
                }
            },
        ),
        case(
            "tuple_return",
            Error,
            quote!(),
            quote! {
                fn both(x: f64) -> (f64, f64) {
                    (x.sin(), x.cos())
                }
            },
        ),
        case(
            "labelled_break",
            Error,
            quote!(),
            quote! {
                fn first_big(xs: &[f64]) -> f64 {
                    let mut s = 0.0;
                    'scan: for i in 0..xs.len() {
                        for j in 0..i {
                            if xs[j] > 10.0 {
                                break 'scan;
                            }
                            s += xs[i] * xs[j];
                        }
                    }
                    s
                }
            },
        ),
        case(
            "early_return",
            Error,
            quote!(),
            quote! {
                fn guarded(x: f64) -> f64 {
                    if x < 0.0 {
                        return 0.0;
                    }
                    x.sqrt()
                }
            },
        ),
        case(
            "mut_reference_output",
            Error,
            quote!(),
            quote! {
                fn write(out: &mut [f64], x: f64) -> f64 {
                    out[0] = x;
                    x
                }
            },
        ),
        case(
            "struct_field_access",
            Error,
            quote!(),
            quote! {
                fn energy(p: Particle) -> f64 {
                    0.5 * p.m * p.v * p.v
                }
            },
        ),
        case(
            "nested_fn_and_macro",
            Error,
            quote!(),
            quote! {
                fn outer(x: f64) -> f64 {
                    fn sq(v: f64) -> f64 {
                        v * v
                    }
                    assert!(x > 0.0);
                    sq(x)
                }
            },
        ),
        case(
            "wrt_names_unknown_parameter",
            Error,
            quote!(wrt(theta)),
            quote! {
                fn f(x: f64) -> f64 {
                    x * x
                }
            },
        ),
        case(
            "no_float_output",
            Error,
            quote!(),
            quote! {
                fn count(x: &[f64]) -> usize {
                    x.len()
                }
            },
        ),
        case(
            "method_on_self",
            Error,
            quote!(),
            quote! {
                fn eval(&self, x: f64) -> f64 {
                    self.scale * x
                }
            },
        ),
        case(
            "not_a_function",
            Error,
            quote!(),
            quote! {
                struct Params {
                    w: Vec<f64>,
                }
            },
        ),
    ]
}

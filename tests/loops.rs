//! Gradients through loops: every kind of loop header, early exits, loop-carried floats,
//! calls inside loops, and a few physical and statistical models built from them.
//!
//! Each derivative is checked against central differences and, where one exists, against a
//! closed form derived in the comment above its check. Generic cases run at `f32` and `f64`.

// Index loops are the construct under test here, so clippy's preference for iterators is
// beside the point.
#![allow(clippy::needless_range_loop)]

#[macro_use]
mod common;

use common::{cast, check_closed_form, check_fd, concat};
use grad_runtime::differentiate;
use num_traits::Float;
use std::fmt::Debug;

at_both_precisions!(
    horner_polynomial,
    running_product,
    lower_triangular_product,
    lennard_jones_forces,
    mass_spring_euler,
    newton_square_root,
    softmax_regression,
    break_on_threshold,
    continue_skips_negatives,
    reversed_range,
    strided_range,
    strided_then_reversed,
    reversed_then_strided,
    inclusive_range,
    enumerate_weights,
    zip_dot_product,
    iterate_by_value,
    iterate_by_reference,
    loop_with_counter,
    while_float_condition,
    while_integer_condition,
    branch_inside_loop,
    call_inside_loop,
    vec_call_inside_loop,
    break_from_inner_loop_only,
    backward_recurrence,
    forward_substitution,
    running_maximum,
    while_on_accumulated_time,
);

fn float<F: Float>(value: f64) -> F {
    F::from(value).unwrap()
}

// Horner's scheme: the accumulator is overwritten on every trip.

#[differentiate]
fn horner<F: Float>(c: &[F], x: F) -> F {
    let mut acc = F::zero();
    for i in (0..c.len()).rev() {
        acc = acc * x + c[i];
    }
    acc
}

fn horner_polynomial<F: Float + Debug>() {
    let c: Vec<F> = cast(&[1.0, -2.0, 0.5, 3.0, -0.25]);
    let x: F = float(0.7);
    let mut c_adj = vec![F::zero(); c.len()];
    let mut x_adj = F::zero();
    let value = horner_adjoint(&c, &mut c_adj, x, &mut x_adj, F::one());
    assert_eq!(value, horner(&c, x));

    // p(x) = sum_k c_k x^k, so dp/dc_k = x^k and dp/dx = sum_k k c_k x^(k-1).
    let mut expected: Vec<F> = (0..c.len()).map(|k| x.powi(k as i32)).collect();
    let dx = (1..c.len()).fold(F::zero(), |s, k| {
        s + float::<F>(k as f64) * c[k] * x.powi(k as i32 - 1)
    });
    expected.push(dx);
    let grad = concat(&[&c_adj, &[x_adj]]);
    check_closed_form(&grad, &expected);

    let n = c.len();
    check_fd(|p: &[F]| horner(&p[..n], p[n]), &grad, &concat(&[&c, &[x]]));
}

// A running product, walked with `for &v in xs.iter()`.

#[differentiate]
fn product<F: Float>(xs: &[F]) -> F {
    let mut p = F::one();
    for &v in xs.iter() {
        p = p * v;
    }
    p
}

fn running_product<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[1.5, -0.8, 2.0, 0.6, 1.1]);
    let mut xs_adj = vec![F::zero(); xs.len()];
    let seed: F = float(0.5);
    let value = product_adjoint(&xs, &mut xs_adj, seed);
    assert_eq!(value, product(&xs));

    // d/dx_i prod_j x_j = prod_{j != i} x_j, computed without dividing so zeros would be fine.
    let expected: Vec<F> = (0..xs.len())
        .map(|i| {
            let others = (0..xs.len()).filter(|&j| j != i);
            seed * others.fold(F::one(), |p, j| p * xs[j])
        })
        .collect();
    check_closed_form(&xs_adj, &expected);

    let scaled: Vec<F> = xs_adj.iter().map(|&g| g / seed).collect();
    check_fd(|p: &[F]| product(p), &scaled, &xs);
}

// A triangular double loop over a packed lower-triangular matrix: `l[i * (i + 1) / 2 + j]`.

#[differentiate]
fn half_norm_lower<F: Float>(l: &[F], x: &[F]) -> F {
    let n = x.len();
    let mut energy = F::zero();
    for i in 0..n {
        let mut y = F::zero();
        for j in 0..=i {
            y = y + l[i * (i + 1) / 2 + j] * x[j];
        }
        energy = energy + y * y / (F::one() + F::one());
    }
    energy
}

fn lower_triangular_product<F: Float + Debug>() {
    let l: Vec<F> = cast(&[2.0, -0.5, 1.5, 0.3, 0.7, -1.2]);
    let x: Vec<F> = cast(&[0.4, -1.1, 0.9]);
    let mut l_adj = vec![F::zero(); l.len()];
    let mut x_adj = vec![F::zero(); x.len()];
    half_norm_lower_adjoint(&l, &mut l_adj, &x, &mut x_adj, F::one());

    // E = 1/2 |L x|^2 with y = L x: dE/dL_ij = y_i x_j (j <= i) and dE/dx_j = sum_{i >= j} y_i L_ij.
    let idx = |i: usize, j: usize| i * (i + 1) / 2 + j;
    let y: Vec<F> = (0..3)
        .map(|i| (0..=i).fold(F::zero(), |s, j| s + l[idx(i, j)] * x[j]))
        .collect();
    let mut expected_l = vec![F::zero(); l.len()];
    let mut expected_x = vec![F::zero(); x.len()];
    for i in 0..3 {
        for j in 0..=i {
            expected_l[idx(i, j)] = y[i] * x[j];
            expected_x[j] = expected_x[j] + y[i] * l[idx(i, j)];
        }
    }
    let grad = concat(&[&l_adj, &x_adj]);
    check_closed_form(&grad, &concat(&[&expected_l, &expected_x]));
    check_fd(
        |p: &[F]| half_norm_lower(&p[..6], &p[6..]),
        &grad,
        &concat(&[&l, &x]),
    );
}

// Lennard-Jones energy of particles in 3-D, summed over the pairs i < j.

#[differentiate]
fn lennard_jones<F: Float>(pos: &[F]) -> F {
    let n = pos.len() / 3;
    let four = F::from(4.0).unwrap();
    let mut energy = F::zero();
    for i in 0..n {
        for j in (i + 1)..n {
            let mut r2 = F::zero();
            for k in 0..3 {
                let d = pos[3 * i + k] - pos[3 * j + k];
                r2 = r2 + d * d;
            }
            let inv6 = F::one() / (r2 * r2 * r2);
            energy = energy + four * (inv6 * inv6 - inv6);
        }
    }
    energy
}

fn lennard_jones_forces<F: Float + Debug>() {
    let pos: Vec<F> = cast(&[
        0.0, 0.0, 0.0, //
        1.1, 0.1, -0.05, //
        0.5, 1.0, 0.2, //
        0.4, 0.35, 1.05,
    ]);
    let mut pos_adj = vec![F::zero(); pos.len()];
    lennard_jones_adjoint(&pos, &mut pos_adj, F::one());

    // With s = r^2 the pair energy is 4 (s^-6 - s^-3), so dE/ds = 4 (3 s^-4 - 6 s^-7) and
    // ds/dp_i = 2 (p_i - p_j) = -ds/dp_j. The gradient is minus the force on each particle.
    let mut expected = vec![F::zero(); pos.len()];
    for i in 0..4 {
        for j in (i + 1)..4 {
            let d: Vec<F> = (0..3).map(|k| pos[3 * i + k] - pos[3 * j + k]).collect();
            let s = d.iter().fold(F::zero(), |acc, &v| acc + v * v);
            let de_ds =
                float::<F>(4.0) * (float::<F>(3.0) * s.powi(-4) - float::<F>(6.0) * s.powi(-7));
            for k in 0..3 {
                let g = de_ds * float::<F>(2.0) * d[k];
                expected[3 * i + k] = expected[3 * i + k] + g;
                expected[3 * j + k] = expected[3 * j + k] - g;
            }
        }
    }
    check_closed_form(&pos_adj, &expected);
    check_fd(|p: &[F]| lennard_jones(p), &pos_adj, &pos);

    // Pair forces cancel: the total force on an isolated system is zero.
    for k in 0..3 {
        let total = (0..4).fold(F::zero(), |s, i| s + pos_adj[3 * i + k]);
        assert!(
            total.abs() < check_tol::<F>(),
            "net force {total:?} along axis {k}"
        );
    }
}

fn check_tol<F: Float>() -> F {
    common::closed_form_tol::<F>() * float(100.0)
}

// Explicit Euler for a unit mass on a spring of stiffness k, over a thousand steps.

#[differentiate(wrt(x0, v0, k))]
fn spring_euler<F: Float>(x0: F, v0: F, k: F, dt: F, steps: usize) -> F {
    let mut x = x0;
    let mut v = v0;
    for _ in 0..steps {
        let a = -k * x;
        x = x + dt * v;
        v = v + dt * a;
    }
    x
}

fn mass_spring_euler<F: Float + Debug>() {
    let (x0, v0, k, dt): (F, F, F, F) = (float(0.8), float(-0.3), float(4.0), float(0.01));
    let steps = 1000;
    let (mut x0_adj, mut v0_adj, mut k_adj) = (F::zero(), F::zero(), F::zero());
    let value = spring_euler_adjoint(
        x0,
        &mut x0_adj,
        v0,
        &mut v0_adj,
        k,
        &mut k_adj,
        dt,
        steps,
        F::one(),
    );

    // One step is (x, v) <- (I + u J)(x, v) with w = sqrt(k), u = dt w and J = [[0, 1/w], [-w, 0]].
    // J^2 = -I, so (I + u J)^N = rho^N (cos(N t) I + sin(N t) J) with rho = sqrt(1 + u^2) and
    // t = atan(u). Hence x_N = rho^N (c x0 + s v0 / w) with c = cos(N t), s = sin(N t), and
    //   dx_N/dx0 = rho^N c,   dx_N/dv0 = rho^N s / w,
    //   dx_N/dw  = rho^N [N u dt / (1 + u^2) (c x0 + s v0 / w)
    //                     + N dt / (1 + u^2) (c v0 / w - s x0) - s v0 / w^2],
    //   dx_N/dk  = dx_N/dw / (2 w).
    let n: F = float(steps as f64);
    let w = k.sqrt();
    let u = dt * w;
    let q = F::one() + u * u;
    let rho_n = q.powf(n / float(2.0));
    let (s, c) = (n * u.atan()).sin_cos();
    let dx_dw = rho_n
        * (n * u * dt / q * (c * x0 + s * v0 / w) + n * dt / q * (c * v0 / w - s * x0)
            - s * v0 / (w * w));
    let expected = [rho_n * c, rho_n * s / w, dx_dw / (float::<F>(2.0) * w)];
    let grad = [x0_adj, v0_adj, k_adj];
    let tol = check_tol::<F>();
    common::assert_close(&[value], &[rho_n * (c * x0 + s * v0 / w)], tol, tol);
    common::assert_close(&grad, &expected, tol, tol);
    check_fd(
        |p: &[F]| spring_euler(p[0], p[1], p[2], dt, steps),
        &grad,
        &[x0, v0, k],
    );
}

// Newton's iteration for sqrt(a), run until the iterate stops moving.

#[differentiate]
fn newton_sqrt<F: Float>(a: F) -> F {
    let mut x = a + F::one();
    let mut previous = F::zero();
    while (x - previous).abs() > F::epsilon() * x {
        previous = x;
        x = (x + a / x) / (F::one() + F::one());
    }
    x
}

fn newton_square_root<F: Float + Debug>() {
    for a in [0.25, 2.0, 9.0, 150.0] {
        let a: F = float(a);
        let mut a_adj = F::zero();
        let value = newton_sqrt_adjoint(a, &mut a_adj, F::one());
        common::assert_close(&[value], &[a.sqrt()], float(1e-6), F::zero());

        // x_{k+1} = (x_k + a / x_k) / 2 gives x'_{k+1} = (x'_k (1 - a / x_k^2) + 1 / x_k) / 2,
        // whose fixed point at x = sqrt(a) is d sqrt(a) / da = 1 / (2 sqrt(a)).
        check_closed_form(&[a_adj], &[F::one() / (float::<F>(2.0) * a.sqrt())]);
        check_fd(|p: &[F]| newton_sqrt(p[0]), &[a_adj], &[a]);
    }
}

// Softmax regression: mean-free cross-entropy over a small dataset, logits rebuilt per sample.

#[differentiate(wrt(w, b))]
fn softmax_loss<F: Float>(w: &[F], b: &[F], xs: &[F], labels: &[usize]) -> F {
    let classes = b.len();
    let dim = w.len() / classes;
    let mut loss = F::zero();
    for s in 0..labels.len() {
        let mut logits = vec![F::zero(); classes];
        for c in 0..classes {
            let mut z = b[c];
            for j in 0..dim {
                z = z + w[c * dim + j] * xs[s * dim + j];
            }
            logits[c] = z;
        }
        let mut total = F::zero();
        for &z in logits.iter() {
            total = total + z.exp();
        }
        loss = loss + total.ln() - logits[labels[s]];
    }
    loss
}

fn softmax_regression<F: Float + Debug>() {
    let (classes, dim) = (3, 2);
    let w: Vec<F> = cast(&[0.5, -0.3, 0.1, 0.8, -0.6, 0.2]);
    let b: Vec<F> = cast(&[0.05, -0.1, 0.2]);
    let xs: Vec<F> = cast(&[1.0, 0.5, -0.7, 1.2, 0.3, -0.9, 1.5, 1.5]);
    let labels = [0, 2, 1, 2];
    let mut w_adj = vec![F::zero(); w.len()];
    let mut b_adj = vec![F::zero(); b.len()];
    softmax_loss_adjoint(&w, &mut w_adj, &b, &mut b_adj, &xs, &labels, F::one());

    // L = sum_s (log sum_c exp z_sc - z_{s,y_s}) with z_sc = b_c + sum_j W_cj x_sj, so with
    // p_sc = softmax(z_s)_c: dL/db_c = sum_s (p_sc - [y_s = c]), dL/dW_cj = sum_s (p_sc - [y_s = c]) x_sj.
    let mut expected_w = vec![F::zero(); w.len()];
    let mut expected_b = vec![F::zero(); b.len()];
    for (s, &label) in labels.iter().enumerate() {
        let x = &xs[s * dim..(s + 1) * dim];
        let z: Vec<F> = (0..classes)
            .map(|c| (0..dim).fold(b[c], |z, j| z + w[c * dim + j] * x[j]))
            .collect();
        let total = z.iter().fold(F::zero(), |t, &v| t + v.exp());
        for c in 0..classes {
            let indicator = if c == label { F::one() } else { F::zero() };
            let residual = z[c].exp() / total - indicator;
            expected_b[c] = expected_b[c] + residual;
            for j in 0..dim {
                expected_w[c * dim + j] = expected_w[c * dim + j] + residual * x[j];
            }
        }
    }
    let grad = concat(&[&w_adj, &b_adj]);
    check_closed_form(&grad, &concat(&[&expected_w, &expected_b]));
    check_fd(
        |p: &[F]| softmax_loss(&p[..6], &p[6..], &xs, &labels),
        &grad,
        &concat(&[&w, &b]),
    );
}

// A `break` whose condition depends on the data.

#[differentiate]
fn squares_until<F: Float>(xs: &[F], limit: F) -> F {
    let mut s = F::zero();
    for &v in xs.iter() {
        s = s + v * v;
        if s > limit {
            break;
        }
    }
    s
}

fn break_on_threshold<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, -1.0, 1.5, 2.0, -0.7]);
    let limit: F = float(3.0);
    let mut xs_adj = vec![F::zero(); xs.len()];
    let mut limit_adj = F::zero();
    let value = squares_until_adjoint(&xs, &mut xs_adj, limit, &mut limit_adj, F::one());

    // The running sums are 0.25, 1.25, 3.5: the loop stops after the third element, so
    // ds/dx_i = 2 x_i for i < 3, zero after it, and the limit only selects a branch.
    common::assert_close(&[value], &[float(3.5)], check_tol::<F>(), F::zero());
    let two: F = float(2.0);
    let expected = [
        two * xs[0],
        two * xs[1],
        two * xs[2],
        F::zero(),
        F::zero(),
        F::zero(),
    ];
    let grad = concat(&[&xs_adj, &[limit_adj]]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| squares_until(&p[..5], p[5]),
        &grad,
        &concat(&[&xs, &[limit]]),
    );
}

// `continue` skips the negative entries.

#[differentiate]
fn positive_energy<F: Float>(xs: &[F], w: F) -> F {
    let mut s = F::zero();
    for i in 0..xs.len() {
        if xs[i] < F::zero() {
            continue;
        }
        s = s + w * xs[i] * xs[i];
    }
    s
}

fn continue_skips_negatives<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, -1.0, 1.5, -2.0, 0.7]);
    let w: F = float(1.3);
    let mut xs_adj = vec![F::zero(); xs.len()];
    let mut w_adj = F::zero();
    positive_energy_adjoint(&xs, &mut xs_adj, w, &mut w_adj, F::one());

    // s = w sum_{x_i >= 0} x_i^2: ds/dx_i = 2 w x_i on the kept entries, ds/dw = sum of their squares.
    let kept = |v: F| if v < F::zero() { F::zero() } else { v };
    let mut expected: Vec<F> = xs.iter().map(|&v| float::<F>(2.0) * w * kept(v)).collect();
    expected.push(xs.iter().fold(F::zero(), |s, &v| s + kept(v) * kept(v)));
    let grad = concat(&[&xs_adj, &[w_adj]]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| positive_energy(&p[..5], p[5]),
        &grad,
        &concat(&[&xs, &[w]]),
    );
}

// Range adaptors. Each accumulates `acc = acc * t + x[i]` in the visiting order, so the
// gradient tells the order apart: an index visited m trips before the end gets t^m.

/// Gradient of `acc = acc * t + x[i]` over `order`, with respect to `x` then `t`.
fn visiting_order_gradient<F: Float>(order: &[usize], x: &[F], t: F) -> Vec<F> {
    let trips = order.len();
    let mut grad = vec![F::zero(); x.len() + 1];
    for (m, &i) in order.iter().enumerate() {
        let power = (trips - 1 - m) as i32;
        grad[i] = grad[i] + t.powi(power);
        if power > 0 {
            grad[x.len()] = grad[x.len()] + float::<F>(power as f64) * x[i] * t.powi(power - 1);
        }
    }
    grad
}

#[differentiate]
fn by_reversed<F: Float>(x: &[F], t: F) -> F {
    let mut acc = F::zero();
    for i in (1..x.len()).rev() {
        acc = acc * t + x[i];
    }
    acc
}

#[differentiate]
fn by_stride<F: Float>(x: &[F], t: F) -> F {
    let mut acc = F::zero();
    for i in (1..x.len()).step_by(3) {
        acc = acc * t + x[i];
    }
    acc
}

#[differentiate]
fn by_stride_reversed<F: Float>(x: &[F], t: F) -> F {
    let mut acc = F::zero();
    for i in (0..x.len()).step_by(2).rev() {
        acc = acc * t + x[i];
    }
    acc
}

#[differentiate]
fn by_reversed_stride<F: Float>(x: &[F], t: F) -> F {
    let mut acc = F::zero();
    for i in (0..x.len()).rev().step_by(3) {
        acc = acc * t + x[i];
    }
    acc
}

#[differentiate]
fn by_inclusive<F: Float>(x: &[F], t: F) -> F {
    let mut acc = F::zero();
    let last = x.len() - 2;
    for i in 1..=last {
        acc = acc * t + x[i];
    }
    acc
}

type PolyAdjoint<F> = fn(&[F], &mut [F], F, &mut F, F) -> F;

fn check_visiting_order<F: Float + Debug>(
    primal: fn(&[F], F) -> F,
    adjoint: PolyAdjoint<F>,
    order: &[usize],
) {
    let x: Vec<F> = cast(&[0.3, -1.2, 0.8, 2.0, -0.4, 1.1, 0.6, -0.9]);
    let t: F = float(0.9);
    let mut x_adj = vec![F::zero(); x.len()];
    let mut t_adj = F::zero();
    adjoint(&x, &mut x_adj, t, &mut t_adj, F::one());
    let grad = concat(&[&x_adj, &[t_adj]]);
    check_closed_form(&grad, &visiting_order_gradient(order, &x, t));
    check_fd(|p: &[F]| primal(&p[..8], p[8]), &grad, &concat(&[&x, &[t]]));
}

fn reversed_range<F: Float + Debug>() {
    check_visiting_order::<F>(by_reversed, by_reversed_adjoint, &[7, 6, 5, 4, 3, 2, 1]);
}

fn strided_range<F: Float + Debug>() {
    check_visiting_order::<F>(by_stride, by_stride_adjoint, &[1, 4, 7]);
}

fn strided_then_reversed<F: Float + Debug>() {
    check_visiting_order::<F>(
        by_stride_reversed,
        by_stride_reversed_adjoint,
        &[6, 4, 2, 0],
    );
}

fn reversed_then_strided<F: Float + Debug>() {
    check_visiting_order::<F>(by_reversed_stride, by_reversed_stride_adjoint, &[7, 4, 1]);
}

fn inclusive_range<F: Float + Debug>() {
    check_visiting_order::<F>(by_inclusive, by_inclusive_adjoint, &[1, 2, 3, 4, 5, 6]);
}

// Iterator heads: `enumerate`, `zip`, by value and by reference.

#[differentiate]
fn index_weighted<F: Float>(xs: &[F]) -> F {
    let mut s = F::zero();
    for (i, &v) in xs.iter().enumerate() {
        s = s + F::from(i + 1).unwrap() * v * v;
    }
    s
}

fn enumerate_weights<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, -1.0, 1.5, 0.25]);
    let mut xs_adj = vec![F::zero(); xs.len()];
    index_weighted_adjoint(&xs, &mut xs_adj, F::one());

    // s = sum_i (i + 1) x_i^2, so ds/dx_i = 2 (i + 1) x_i.
    let expected: Vec<F> = (0..xs.len())
        .map(|i| float::<F>(2.0 * (i + 1) as f64) * xs[i])
        .collect();
    check_closed_form(&xs_adj, &expected);
    check_fd(|p: &[F]| index_weighted(p), &xs_adj, &xs);
}

#[differentiate]
fn zipped_dot<F: Float>(xs: &[F], ys: &[F]) -> F {
    let mut s = F::zero();
    for (&a, &b) in xs.iter().zip(ys.iter()) {
        s = s + a * b;
    }
    s
}

fn zip_dot_product<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, -1.0, 1.5]);
    let ys: Vec<F> = cast(&[2.0, 0.3, -0.7]);
    let mut xs_adj = vec![F::zero(); 3];
    let mut ys_adj = vec![F::zero(); 3];
    let seed: F = float(-1.5);
    zipped_dot_adjoint(&xs, &mut xs_adj, &ys, &mut ys_adj, seed);

    // d(x . y)/dx = y and d(x . y)/dy = x, each scaled by the seed.
    let scale = |v: &[F]| v.iter().map(|&e| seed * e).collect::<Vec<F>>();
    let grad = concat(&[&xs_adj, &ys_adj]);
    check_closed_form(&grad, &concat(&[&scale(&ys), &scale(&xs)]));

    let unscaled: Vec<F> = grad.iter().map(|&g| g / seed).collect();
    check_fd(
        |p: &[F]| zipped_dot(&p[..3], &p[3..]),
        &unscaled,
        &concat(&[&xs, &ys]),
    );
}

#[differentiate]
fn cubes_by_value<F: Float>(xs: Vec<F>) -> F {
    let mut s = F::zero();
    for v in xs {
        s = s + v * v * v;
    }
    s
}

fn iterate_by_value<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, -1.0, 1.5]);
    let mut xs_adj = vec![F::zero(); 3];
    cubes_by_value_adjoint(xs.clone(), &mut xs_adj, F::one());

    // d/dx_i sum_j x_j^3 = 3 x_i^2.
    let expected: Vec<F> = xs.iter().map(|&v| float::<F>(3.0) * v * v).collect();
    check_closed_form(&xs_adj, &expected);
    check_fd(|p: &[F]| cubes_by_value(p.to_vec()), &xs_adj, &xs);
}

#[differentiate]
fn squares_by_reference<F: Float>(xs: &[F]) -> F {
    let mut s = F::zero();
    for v in xs.iter() {
        s = s + *v * *v;
    }
    s
}

fn iterate_by_reference<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, -1.0, 1.5]);
    let mut xs_adj = vec![F::zero(); 3];
    squares_by_reference_adjoint(&xs, &mut xs_adj, F::one());

    // d/dx_i sum_j x_j^2 = 2 x_i.
    let expected: Vec<F> = xs.iter().map(|&v| float::<F>(2.0) * v).collect();
    check_closed_form(&xs_adj, &expected);
    check_fd(|p: &[F]| squares_by_reference(p), &xs_adj, &xs);
}

// `loop` with a counter and `break`, `while` on a float and on an integer.

#[differentiate]
fn geometric_sum<F: Float>(x: F, n: usize) -> F {
    let mut k = 0;
    let mut term = F::one();
    let mut acc = F::zero();
    loop {
        if k == n {
            break;
        }
        acc = acc + term;
        term = term * x;
        k += 1;
    }
    acc
}

fn loop_with_counter<F: Float + Debug>() {
    let x: F = float(0.8);
    let n = 7;
    let mut x_adj = F::zero();
    let value = geometric_sum_adjoint(x, &mut x_adj, n, F::one());

    // S = (1 - x^n) / (1 - x), so S' = (1 - n x^(n-1) + (n - 1) x^n) / (1 - x)^2.
    let nf: F = float(n as f64);
    let one = F::one();
    let expected_value = (one - x.powi(n as i32)) / (one - x);
    let expected =
        (one - nf * x.powi(n as i32 - 1) + (nf - one) * x.powi(n as i32)) / ((one - x) * (one - x));
    check_closed_form(&[value, x_adj], &[expected_value, expected]);
    check_fd(|p: &[F]| geometric_sum(p[0], n), &[x_adj], &[x]);
}

#[differentiate]
fn halve_below_one<F: Float>(x: F) -> F {
    let mut y = x;
    while y > F::one() {
        y = y / (F::one() + F::one());
    }
    y
}

fn while_float_condition<F: Float + Debug>() {
    let x: F = float(10.0);
    let mut x_adj = F::zero();
    let value = halve_below_one_adjoint(x, &mut x_adj, F::one());

    // 10 is halved four times to 0.625, so y = x / 16 near x = 10 and dy/dx = 1/16.
    check_closed_form(&[value, x_adj], &[float(0.625), float(0.0625)]);
    check_fd(|p: &[F]| halve_below_one(p[0]), &[x_adj], &[x]);
}

#[differentiate]
fn repeated_sine<F: Float>(x: F, n: usize) -> F {
    let mut y = x;
    let mut k = 0;
    while k < n {
        y = y.sin();
        k += 1;
    }
    y
}

fn while_integer_condition<F: Float + Debug>() {
    let x: F = float(1.2);
    let n = 5;
    let mut x_adj = F::zero();
    repeated_sine_adjoint(x, &mut x_adj, n, F::one());

    // Chain rule through y_{k+1} = sin(y_k): dy_n/dx = prod_{k < n} cos(y_k).
    let (mut y, mut expected) = (x, F::one());
    for _ in 0..n {
        expected = expected * y.cos();
        y = y.sin();
    }
    check_closed_form(&[x_adj], &[expected]);
    check_fd(|p: &[F]| repeated_sine(p[0], n), &[x_adj], &[x]);
}

// A branch inside a loop, overwriting a loop-local float.

#[differentiate]
fn soft_clipped_sum<F: Float>(xs: &[F], a: F) -> F {
    let mut s = F::zero();
    for i in 0..xs.len() {
        let mut y = a * xs[i];
        if y > F::one() {
            y = F::one() + F::one() - F::one() / y;
        }
        s = s + y;
    }
    s
}

fn branch_inside_loop<F: Float + Debug>() {
    let xs: Vec<F> = cast(&[0.5, 2.0, -1.0, 3.0]);
    let a: F = float(0.8);
    let mut xs_adj = vec![F::zero(); xs.len()];
    let mut a_adj = F::zero();
    soft_clipped_sum_adjoint(&xs, &mut xs_adj, a, &mut a_adj, F::one());

    // Per entry f(y) = y for y <= 1 and 2 - 1/y above, with y = a x: f'(y) = 1 or 1/y^2.
    // ds/dx_i = f'(y_i) a and ds/da = sum_i f'(y_i) x_i.
    let slope = |y: F| {
        if y > F::one() {
            F::one() / (y * y)
        } else {
            F::one()
        }
    };
    let mut expected: Vec<F> = xs.iter().map(|&x| slope(a * x) * a).collect();
    expected.push(xs.iter().fold(F::zero(), |s, &x| s + slope(a * x) * x));
    let grad = concat(&[&xs_adj, &[a_adj]]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| soft_clipped_sum(&p[..4], p[4]),
        &grad,
        &concat(&[&xs, &[a]]),
    );
}

// Calls of differentiated functions from inside a loop.

#[differentiate]
fn horner_at_points<F: Float>(c: &[F], ts: &[F]) -> F {
    let mut s = F::zero();
    for i in 0..ts.len() {
        s = s + horner(c, ts[i]);
    }
    s
}

fn call_inside_loop<F: Float + Debug>() {
    let c: Vec<F> = cast(&[1.0, -2.0, 0.5, 3.0]);
    let ts: Vec<F> = cast(&[0.3, -0.6, 1.1]);
    let mut c_adj = vec![F::zero(); 4];
    let mut ts_adj = vec![F::zero(); 3];
    horner_at_points_adjoint(&c, &mut c_adj, &ts, &mut ts_adj, F::one());

    // s = sum_i p(t_i): ds/dc_k = sum_i t_i^k (the buffer of c collects every call),
    // ds/dt_i = p'(t_i) = sum_k k c_k t_i^(k-1).
    let mut expected: Vec<F> = (0..4)
        .map(|k| ts.iter().fold(F::zero(), |s, &t| s + t.powi(k)))
        .collect();
    for &t in &ts {
        let slope = (1..4).fold(F::zero(), |s, k| {
            s + float::<F>(k as f64) * c[k] * t.powi(k as i32 - 1)
        });
        expected.push(slope);
    }
    let grad = concat(&[&c_adj, &ts_adj]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| horner_at_points(&p[..4], &p[4..]),
        &grad,
        &concat(&[&c, &ts]),
    );
}

#[differentiate]
fn cumulative<F: Float>(x: &[F]) -> Vec<F> {
    let mut out = vec![F::zero(); x.len()];
    let mut s = F::zero();
    for i in 0..x.len() {
        s = s + x[i];
        out[i] = s;
    }
    out
}

#[differentiate]
fn squared_partial_sums<F: Float>(x: &[F], count: usize) -> F {
    let mut e = F::zero();
    for r in 0..count {
        let y: Vec<F> = cumulative(x);
        e = e + y[r] * y[r];
    }
    e
}

fn vec_call_inside_loop<F: Float + Debug>() {
    let x: Vec<F> = cast(&[0.5, -1.0, 1.5, 0.25, -0.3]);
    let count = 4;
    let mut x_adj = vec![F::zero(); x.len()];
    squared_partial_sums_adjoint(&x, &mut x_adj, count, F::one());

    // e = sum_{r < 4} S_r^2 with S_r = x_0 + ... + x_r, so de/dx_i = 2 sum_{i <= r < 4} S_r.
    let sums: Vec<F> = (0..x.len())
        .map(|r| x[..=r].iter().fold(F::zero(), |s, &v| s + v))
        .collect();
    let expected: Vec<F> = (0..x.len())
        .map(|i| (i..count).fold(F::zero(), |s, r| s + float::<F>(2.0) * sums[r]))
        .collect();
    check_closed_form(&x_adj, &expected);
    check_fd(|p: &[F]| squared_partial_sums(p, count), &x_adj, &x);
}

// A `break` that leaves only the inner of two loops.

#[differentiate]
fn weighted_prefix_until<F: Float>(x: &[F]) -> F {
    let mut s = F::zero();
    for i in 0..3 {
        let weight = F::from(i + 1).unwrap();
        for j in 0..x.len() {
            if x[j] * F::from(i).unwrap() > F::one() {
                break;
            }
            s = s + weight * x[j] * x[j];
        }
    }
    s
}

fn break_from_inner_loop_only<F: Float + Debug>() {
    let x: Vec<F> = cast(&[0.3, 0.45, 0.8, -0.2, 1.7]);
    let mut x_adj = vec![F::zero(); x.len()];
    weighted_prefix_until_adjoint(&x, &mut x_adj, F::one());

    // Outer trip i reads x_0, x_1, ... up to (not including) the first j with i x_j > 1, and
    // adds (i + 1) x_j^2 for each. Trip 0 reads all five, trip 1 stops at x_4 = 1.7 and trip 2
    // at x_2 = 0.8, so ds/dx_j = 2 x_j sum of (i + 1) over the trips that read x_j.
    let weights = [6.0, 6.0, 3.0, 3.0, 1.0];
    let expected: Vec<F> = (0..5)
        .map(|j| float::<F>(2.0 * weights[j]) * x[j])
        .collect();
    check_closed_form(&x_adj, &expected);
    check_fd(|p: &[F]| weighted_prefix_until(p), &x_adj, &x);
}

// A backward recurrence written into a local `Vec`, read one element ahead.

#[differentiate]
fn discounted_tail<F: Float>(x: &[F], a: F) -> F {
    let n = x.len();
    let mut y = vec![F::zero(); n + 1];
    for i in (0..n).rev() {
        y[i] = y[i + 1] * a + x[i];
    }
    y[0] * y[1]
}

fn backward_recurrence<F: Float + Debug>() {
    let x: Vec<F> = cast(&[0.3, 0.83, -1.45, 1.2, 0.7]);
    let a: F = float(0.7);
    let mut x_adj = vec![F::zero(); x.len()];
    let mut a_adj = F::zero();
    discounted_tail_adjoint(&x, &mut x_adj, a, &mut a_adj, F::one());

    // y_i = sum_{k >= i} a^(k-i) x_k, so for f = y_0 y_1:
    //   df/dx_k = a^k y_1 + [k >= 1] a^(k-1) y_0,
    //   df/da   = y_0' y_1 + y_0 y_1'  with  y_i' = sum_{k > i} (k - i) a^(k-i-1) x_k.
    let tail = |i: usize| (i..5).fold(F::zero(), |s, k| s + a.powi((k - i) as i32) * x[k]);
    let slope = |i: usize| {
        (i + 1..5).fold(F::zero(), |s, k| {
            s + float::<F>((k - i) as f64) * a.powi((k - i - 1) as i32) * x[k]
        })
    };
    let (y0, y1) = (tail(0), tail(1));
    let mut expected: Vec<F> = (0..5_i32)
        .map(|k| {
            let second = if k >= 1 {
                a.powi(k - 1) * y0
            } else {
                F::zero()
            };
            a.powi(k) * y1 + second
        })
        .collect();
    expected.push(slope(0) * y1 + y0 * slope(1));
    let grad = concat(&[&x_adj, &[a_adj]]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| discounted_tail(&p[..5], p[5]),
        &grad,
        &concat(&[&x, &[a]]),
    );
}

// Forward substitution: a triangular solve whose rows read the unknowns solved before them.

#[differentiate]
fn solve_lower_energy<F: Float>(l: &[F], b: &[F]) -> F {
    let n = b.len();
    let mut y = vec![F::zero(); n];
    for i in 0..n {
        let mut r = b[i];
        for j in 0..i {
            r = r - l[i * n + j] * y[j];
        }
        y[i] = r / l[i * n + i];
    }
    let mut e = F::zero();
    for i in 0..n {
        e = e + F::from(i + 1).unwrap() * y[i] * y[i];
    }
    e
}

fn forward_substitution<F: Float + Debug>() {
    let n = 3;
    let l: Vec<F> = cast(&[2.0, 0.0, 0.0, 0.5, 1.5, 0.0, -0.3, 0.7, 1.2]);
    let b: Vec<F> = cast(&[1.0, -0.5, 0.8]);
    let mut l_adj = vec![F::zero(); l.len()];
    let mut b_adj = vec![F::zero(); n];
    solve_lower_energy_adjoint(&l, &mut l_adj, &b, &mut b_adj, F::one());

    // y = L^-1 b and E = sum_i (i + 1) y_i^2, so with g = dE/dy = 2 (i + 1) y_i the adjoint
    // solve L^T lambda = g gives dE/db = lambda and dE/dL = -lambda y^T on and below the diagonal
    // (the upper triangle is never read).
    let mut y = vec![F::zero(); n];
    for i in 0..n {
        let r = (0..i).fold(b[i], |r, j| r - l[i * n + j] * y[j]);
        y[i] = r / l[i * n + i];
    }
    let mut lambda = vec![F::zero(); n];
    for i in (0..n).rev() {
        let g = float::<F>(2.0 * (i + 1) as f64) * y[i];
        let r = (i + 1..n).fold(g, |r, k| r - l[k * n + i] * lambda[k]);
        lambda[i] = r / l[i * n + i];
    }
    let mut expected_l = vec![F::zero(); l.len()];
    for i in 0..n {
        for j in 0..=i {
            expected_l[i * n + j] = -lambda[i] * y[j];
        }
    }
    let grad = concat(&[&l_adj, &b_adj]);
    check_closed_form(&grad, &concat(&[&expected_l, &lambda]));
    check_fd(
        |p: &[F]| solve_lower_energy(&p[..9], &p[9..]),
        &grad,
        &concat(&[&l, &b]),
    );
}

// A running maximum kept in an overwritten float, chosen by a branch in the loop.

#[differentiate]
fn squared_maximum<F: Float>(x: &[F]) -> F {
    let mut best = x[0];
    for i in 1..x.len() {
        if x[i] > best {
            best = x[i];
        }
    }
    best * best
}

fn running_maximum<F: Float + Debug>() {
    let x: Vec<F> = cast(&[0.3, 0.8, -1.45, 1.2, 0.7]);
    let mut x_adj = vec![F::zero(); x.len()];
    squared_maximum_adjoint(&x, &mut x_adj, F::one());

    // Away from ties, max_i x_i is x_3 = 1.2 near this point, so the gradient is 2 x_3 e_3.
    let mut expected = vec![F::zero(); x.len()];
    expected[3] = float::<F>(2.0) * x[3];
    check_closed_form(&x_adj, &expected);
    check_fd(|p: &[F]| squared_maximum(p), &x_adj, &x);
}

// A `while` on an accumulated float time: explicit Euler for v' = -v^2 up to t = 1.

#[differentiate]
fn decay_until_one<F: Float>(v0: F, dt: F) -> F {
    let mut t = F::zero();
    let mut v = v0;
    while t < F::one() {
        v = v - dt * v * v;
        t = t + dt;
    }
    v
}

fn while_on_accumulated_time<F: Float + Debug>() {
    let (v0, dt): (F, F) = (float(1.3), float(0.06));
    let (mut v0_adj, mut dt_adj) = (F::zero(), F::zero());
    decay_until_one_adjoint(v0, &mut v0_adj, dt, &mut dt_adj, F::one());

    // Time reaches 0.96 after sixteen steps and 1.02 after seventeen, so near dt = 0.06 the
    // condition only counts seventeen trips. With v_{k+1} = v_k - dt v_k^2:
    // dv_{k+1}/dv_k = 1 - 2 dt v_k, hence dv_N/dv0 = prod_k (1 - 2 dt v_k), and dv_N/ddt follows
    // w_{k+1} = (1 - 2 dt v_k) w_k - v_k^2 with w_0 = 0.
    let (mut v, mut dv, mut w) = (v0, F::one(), F::zero());
    for _ in 0..17 {
        let factor = F::one() - float::<F>(2.0) * dt * v;
        w = factor * w - v * v;
        dv = dv * factor;
        v = v - dt * v * v;
    }
    check_closed_form(&[v0_adj, dt_adj], &[dv, w]);

    // The differences vary 100 dt rather than dt, so that their step (scaled to at least one)
    // stays well inside the interval where the trip count is seventeen.
    let hundred: F = float(100.0);
    check_fd(
        |p: &[F]| decay_until_one(p[0], p[1] / hundred),
        &[v0_adj, dt_adj / hundred],
        &[v0, dt * hundred],
    );
}

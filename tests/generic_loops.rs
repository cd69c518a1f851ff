//! A generic `while` loop with `break`, and a hidden layer built from nested loops.
mod common;
use grad_runtime::differentiate;
use num_traits::Float;

#[differentiate]
fn gen<F: Float>(x: F, y: F) -> F {
    let two = F::from(2.0).unwrap();
    let mut s = F::zero();
    let mut k = 0;
    while k < 3 {
        s = s + x.sin() * y.powi(2) / two;
        if s > F::from(10.0).unwrap() {
            break;
        }
        k += 1;
    }
    s.max(y)
}

#[differentiate]
fn layer(w: &[f64], x: &[f64], n: usize) -> f64 {
    let mut h = vec![0.0; n];
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..x.len() {
            z += w[i * x.len() + j] * x[j];
        }
        h[i] = z.tanh();
    }
    let mut total = 0.0;
    for (i, v) in h.iter().enumerate() {
        total += v * v * (i as f64 + 1.0);
    }
    total + grad_runtime::relu(h[0])
}

#[test]
fn generic_while() {
    let (x, y) = (0.3f64, 1.7f64);
    let (mut xa, mut ya) = (0.0, 0.0);
    let v = gen_adjoint(x, &mut xa, y, &mut ya, 1.0);
    assert_eq!(v, gen(x, y));
    common::check_fd(|p: &[f64]| gen(p[0], p[1]), &[xa, ya], &[x, y]);
}

#[test]
fn layer_grad() {
    let w = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
    let x = [0.7, -0.8];
    let mut wa = [0.0; 6];
    let mut xa = [0.0; 2];
    let v = layer_adjoint(&w, &mut wa, &x, &mut xa, 3, 1.0);
    assert_eq!(v, layer(&w, &x, 3));
    let mut all = w.to_vec();
    all.extend(x);
    let mut g = wa.to_vec();
    g.extend(xa);
    common::check_fd(|p: &[f64]| layer(&p[..6], &p[6..], 3), &g, &all);
}

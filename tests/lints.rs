//! Generated adjoints compile cleanly under a user's strictest lint settings: this file is
//! built with `-D warnings` by `cargo test` and linted by `cargo clippy --all-targets`.
#![deny(warnings)]
#![deny(clippy::all, clippy::pedantic)]
#![forbid(unsafe_code)]

use grad_runtime::differentiate;
use num_traits::Float;

/// Every construct of the supported subset in one function.
#[differentiate]
fn everything(xs: &[f64], weights: [f64; 3], grid: [[f64; 2]; 2], scale: f64, len: usize) -> f64 {
    let mut total = 0.0;
    let mut buffer = vec![0.0; len];
    let fixed = [scale, 2.0 * scale, scale * scale];
    for i in 0..len {
        buffer[i] = xs[i % xs.len()] * scale;
    }
    for (i, &value) in buffer.iter().enumerate() {
        if value < -1.0 || i == 1 {
            continue;
        }
        if value > 0.0 && i % 2 == 0 {
            total += value.sin();
        } else {
            total -= value.powi(2);
        }
    }
    for (weight, term) in weights.iter().zip(fixed.iter()) {
        total += weight * term;
    }
    let mut k: u32 = 0;
    while k < 2 {
        let diagonal = k as usize;
        total += grid[diagonal][diagonal].exp() / (1.0 + f64::from(k));
        k += 1;
    }
    let mut steps = 0;
    loop {
        steps += 1;
        total *= 0.99;
        if steps >= 3 {
            break;
        }
    }
    for j in (0..3).rev().step_by(2) {
        total += weights[j].max(scale).abs();
    }
    let last = if total > 1.0 { total.ln() } else { total };
    last + std::f64::consts::PI * grad_runtime::relu(scale)
}

/// The same through a generic float type.
#[differentiate]
fn generic<F: Float>(x: F, y: F) -> F {
    let half = F::from(0.5).unwrap();
    (x * y).tanh().max(F::zero()) + half * x.hypot(y)
}

#[test]
fn strict_lints_compile_and_run() {
    let x = [0.5, -1.5, 2.0];
    let mut x_adj = [0.0; 3];
    let mut w_adj = [0.0; 3];
    let mut m_adj = [[0.0; 2]; 2];
    let mut a_adj = 0.0;
    let w = [0.1, 0.2, 0.3];
    let m = [[0.4, 0.5], [0.6, 0.7]];
    let value = everything_adjoint(
        &x, &mut x_adj, w, &mut w_adj, m, &mut m_adj, 0.8, &mut a_adj, 5, 1.0,
    );
    assert!((value - everything(&x, w, m, 0.8, 5)).abs() < 1e-12);
    let (mut gx, mut gy) = (0.0_f32, 0.0_f32);
    let v = generic_adjoint(0.3_f32, &mut gx, 0.4, &mut gy, 1.0);
    assert!((v - generic(0.3_f32, 0.4)).abs() < 1e-6);
}

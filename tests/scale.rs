//! Scale: a loop of a million iterations differentiates without trouble, and the tape holds
//! exactly what must be saved.

use grad_runtime::differentiate;

/// Explicit Euler for x' = v, v' = -k x over `steps` steps: every step overwrites the state.
#[differentiate(wrt(x0, v0, k))]
fn oscillator(x0: f64, v0: f64, k: f64, dt: f64, steps: usize) -> f64 {
    let mut x = x0;
    let mut v = v0;
    for _ in 0..steps {
        let a = -k * x;
        x += dt * v;
        v += dt * a;
    }
    x
}

/// The exact derivative of `oscillator` with respect to `x0`, `v0`: the step is linear,
/// (x, v) <- M (x, v) with M = [[1, dt], [-k dt, 1]], so the output is the first row of
/// M^steps applied to (x0, v0).
fn first_row_of_power(k: f64, dt: f64, steps: usize) -> (f64, f64) {
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..steps {
        // (a, b) * M: row vector times the step matrix.
        let (na, nb) = (a - b * k * dt, a * dt + b);
        a = na;
        b = nb;
    }
    (a, b)
}

#[test]
fn a_million_steps() {
    let (dt, steps, k) = (1e-6, 1_000_000, 2.0);
    let (mut x0_adj, mut v0_adj, mut k_adj) = (0.0, 0.0, 0.0);
    let value = oscillator_adjoint(
        1.0,
        &mut x0_adj,
        0.5,
        &mut v0_adj,
        k,
        &mut k_adj,
        dt,
        steps,
        1.0,
    );
    assert_eq!(value, oscillator(1.0, 0.5, k, dt, steps));

    let (a, b) = first_row_of_power(k, dt, steps);
    assert!(
        (x0_adj - a).abs() < 1e-9 * a.abs().max(1.0),
        "{x0_adj} vs {a}"
    );
    assert!(
        (v0_adj - b).abs() < 1e-9 * b.abs().max(1.0),
        "{v0_adj} vs {b}"
    );

    // The stiffness has no simple closed form here; a central difference is accurate enough.
    let h = 1e-5;
    let numeric = (oscillator(1.0, 0.5, k + h, dt, steps) - oscillator(1.0, 0.5, k - h, dt, steps))
        / (2.0 * h);
    assert!(
        (k_adj - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
        "{k_adj} vs {numeric}"
    );
}

/// A long reduction whose adjoint needs no saved values at all.
#[differentiate]
fn sum_of_squares(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v;
    }
    s
}

#[test]
fn a_million_element_reduction() {
    let x: Vec<f64> = (0..1_000_000).map(|i| (i % 1000) as f64 * 1e-3).collect();
    let mut x_adj = vec![0.0; x.len()];
    sum_of_squares_adjoint(&x, &mut x_adj, 1.0);
    // d/dx_i sum x_j^2 = 2 x_i, exact in floating point.
    assert!(x_adj.iter().zip(&x).all(|(g, v)| *g == 2.0 * v));
}

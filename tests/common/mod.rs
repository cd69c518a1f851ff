//! Shared helpers of the integration tests: central differences and tolerant comparison.
// Each test file uses only some of the helpers.
#![allow(dead_code, unused_macros)]

/// Runs each generic case once at `f32` and once at `f64`, as separate tests.
macro_rules! at_both_precisions {
    ($($case:ident),* $(,)?) => {
        mod f32_cases {
            $(#[test] fn $case() { super::$case::<f32>(); })*
        }
        mod f64_cases {
            $(#[test] fn $case() { super::$case::<f64>(); })*
        }
    };
}

use num_traits::Float;

/// Central differences of `f` at `x`, with a step scaled to each component.
pub fn numeric_gradient<F: Float>(f: impl Fn(&[F]) -> F, x: &[F]) -> Vec<F> {
    let step_base = F::epsilon().cbrt();
    let two = F::one() + F::one();
    let mut point = x.to_vec();
    (0..x.len())
        .map(|i| {
            let h = step_base * x[i].abs().max(F::one());
            point[i] = x[i] + h;
            let up = f(&point);
            point[i] = x[i] - h;
            let down = f(&point);
            point[i] = x[i];
            (up - down) / (two * h)
        })
        .collect()
}

/// Asserts `|a - b| <= abs + rel * max(|a|, |b|)` for every component, naming the worst one.
pub fn assert_close<F: Float + std::fmt::Debug>(analytic: &[F], expected: &[F], rel: F, abs: F) {
    assert_eq!(analytic.len(), expected.len(), "gradient lengths differ");
    for (i, (a, e)) in analytic.iter().zip(expected).enumerate() {
        let allowed = abs + rel * a.abs().max(e.abs());
        assert!(
            (*a - *e).abs() <= allowed,
            "component {i}: analytic {a:?}, expected {e:?} (allowed error {allowed:?})"
        );
    }
}

/// Checks a gradient against central differences with tolerances suited to the float type.
pub fn check_fd<F: Float + std::fmt::Debug>(f: impl Fn(&[F]) -> F, grad: &[F], x: &[F]) {
    let numeric = numeric_gradient(f, x);
    let tol = if F::epsilon() > F::from(1e-10).unwrap() {
        F::from(2e-2).unwrap()
    } else {
        F::from(1e-6).unwrap()
    };
    assert_close(grad, &numeric, tol, tol);
}

/// Converts `f64` test data to the float type under test.
pub fn cast<F: Float>(values: &[f64]) -> Vec<F> {
    values.iter().map(|&v| F::from(v).unwrap()).collect()
}

/// Tolerance for comparing against a closed form: a few hundred ulps of the float type.
pub fn closed_form_tol<F: Float>() -> F {
    if F::epsilon() > F::from(1e-10).unwrap() {
        F::from(1e-4).unwrap()
    } else {
        F::from(1e-10).unwrap()
    }
}

/// Checks a gradient against a closed form with [`closed_form_tol`] as relative and absolute
/// tolerance.
pub fn check_closed_form<F: Float + std::fmt::Debug>(grad: &[F], expected: &[F]) {
    let tol = closed_form_tol::<F>();
    assert_close(grad, expected, tol, tol);
}

/// Joins the adjoint buffers or parameter vectors of several parameters into one vector.
pub fn concat<F: Copy>(parts: &[&[F]]) -> Vec<F> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

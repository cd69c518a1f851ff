//! A gradient checker: compares an analytic gradient with central finite differences.

use std::error::Error;
use std::fmt;

use num_traits::Float;

/// How far an analytic derivative may stray from its finite-difference estimate.
///
/// A component passes when `|analytic - numeric| <= absolute + relative * max(|analytic|,
/// |numeric|)`: the absolute part covers derivatives near zero, the relative part large ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance<F> {
    /// Allowed error as a fraction of the larger of the two magnitudes.
    pub relative: F,
    /// Allowed error regardless of magnitude.
    pub absolute: F,
}

impl<F: Float> Tolerance<F> {
    /// A tolerance with the given relative and absolute parts.
    ///
    /// # Examples
    ///
    /// ```
    /// use grad_runtime::Tolerance;
    ///
    /// let tolerance = Tolerance::new(1e-6_f64, 1e-9);
    /// assert_eq!(tolerance.relative, 1e-6);
    /// ```
    pub fn new(relative: F, absolute: F) -> Self {
        Tolerance { relative, absolute }
    }

    /// The error allowed between `analytic` and `numeric`.
    fn allowance(&self, analytic: F, numeric: F) -> F {
        self.absolute + self.relative * analytic.abs().max(numeric.abs())
    }
}

impl<F: Float> Default for Tolerance<F> {
    /// `ε^(1/3)` for both parts (about `6e-6` for `f64`, `5e-3` for `f32`).
    ///
    /// Central differences with the step [`numeric_gradient`] uses are accurate to about
    /// `ε^(2/3)` times the scale of the function, so this leaves a wide margin for a
    /// well-scaled function; loosen it for long `f32` computations.
    fn default() -> Self {
        let cube_root = F::epsilon().cbrt();
        Tolerance::new(cube_root, cube_root)
    }
}

/// One component of a gradient check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradComponent<F> {
    /// Position in the argument vector.
    pub index: usize,
    /// The derivative the gradient under test reported.
    pub analytic: F,
    /// The central finite-difference estimate.
    pub numeric: F,
    /// `|analytic - numeric|`.
    pub error: F,
    /// The error the tolerance allows at this component.
    pub allowed: F,
}

impl<F: Float> GradComponent<F> {
    /// Error as a multiple of the allowance: at most 1 passes, and NaN counts as infinitely
    /// bad. A zero error is zero even under a zero allowance, where dividing would give NaN.
    fn badness(&self) -> F {
        if self.error.is_nan() {
            F::infinity()
        } else if self.error == F::zero() {
            F::zero()
        } else {
            self.error / self.allowed
        }
    }
}

impl<F: Float + fmt::Display> fmt::Display for GradComponent<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "index {}: analytic {}, numeric {}, error {} (allowed {})",
            self.index, self.analytic, self.numeric, self.error, self.allowed
        )
    }
}

/// Report of a gradient check: the worst component and how many failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck<F> {
    /// The component with the largest error relative to its allowance.
    pub worst: GradComponent<F>,
    /// Number of components outside the tolerance.
    pub failed: usize,
    /// Number of components compared.
    pub checked: usize,
    /// The tolerance used.
    pub tolerance: Tolerance<F>,
}

impl<F: Float + fmt::Display> fmt::Display for GradCheck<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} components outside tolerance; worst at {}",
            self.failed, self.checked, self.worst
        )
    }
}

/// A gradient check that failed; `report` says where and by how much.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckError<F> {
    /// The full report; `report.failed` is at least 1.
    pub report: GradCheck<F>,
}

impl<F: Float + fmt::Display> fmt::Display for GradCheckError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gradient check failed: {}", self.report)
    }
}

impl<F: Float + fmt::Display + fmt::Debug> Error for GradCheckError<F> {}

/// Central finite-difference estimate of the gradient of `f` at `x`.
///
/// GradComponent `i` is `(f(x + h eᵢ) - f(x - h eᵢ)) / (2h)` with `h = ε^(1/3) max(1, |xᵢ|)`,
/// the step that balances the `h²` truncation error against the `ε / h` rounding error. The
/// divisor is the difference of the two perturbed points as actually rounded, not `2h`.
///
/// # Examples
///
/// ```
/// use grad_runtime::numeric_gradient;
///
/// let gradient = numeric_gradient(|x: &[f64]| x[0] * x[0] + 3.0 * x[1], &[2.0, 5.0]);
/// assert!((gradient[0] - 4.0).abs() < 1e-8);
/// assert!((gradient[1] - 3.0).abs() < 1e-8);
/// ```
pub fn numeric_gradient<F: Float>(f: impl Fn(&[F]) -> F, x: &[F]) -> Vec<F> {
    let relative_step = F::epsilon().cbrt();
    let mut point = x.to_vec();
    let mut gradient = Vec::with_capacity(x.len());

    for (i, &centre) in x.iter().enumerate() {
        let step = relative_step * centre.abs().max(F::one());
        let (up, down) = (centre + step, centre - step);
        point[i] = up;
        let above = f(&point);
        point[i] = down;
        let below = f(&point);
        point[i] = centre;
        gradient.push((above - below) / (up - down));
    }
    gradient
}

/// Compares the gradient computed by `gradient` with central finite differences of `f` at `x`.
///
/// `gradient(x, out)` receives a zeroed `out` and must add the gradient of `f` at `x` into
/// it, which is exactly what an adjoint called with seed 1 does. Every component is compared
/// under `tolerance` (see [`Tolerance`]); the report names the worst one. A NaN on either
/// side fails.
///
/// # Errors
///
/// [`GradCheckError`] if any component is outside the tolerance.
///
/// # Panics
///
/// If `x` is empty.
///
/// # Examples
///
/// ```
/// use grad_runtime::{check_gradient, log_sum_exp, log_sum_exp_adjoint, Tolerance};
///
/// let report = check_gradient(
///     |z: &[f64]| log_sum_exp(z),
///     |z, z_adj| {
///         log_sum_exp_adjoint(z, z_adj, 1.0);
///     },
///     &[0.5, -1.0, 2.0],
///     Tolerance::default(),
/// )
/// .unwrap();
/// assert_eq!(report.failed, 0);
/// println!("{report}");
/// ```
pub fn check_gradient<F: Float>(
    f: impl Fn(&[F]) -> F,
    gradient: impl Fn(&[F], &mut [F]),
    x: &[F],
    tolerance: Tolerance<F>,
) -> Result<GradCheck<F>, GradCheckError<F>> {
    assert!(!x.is_empty(), "`check_gradient`: `x` is empty");

    let mut analytic = vec![F::zero(); x.len()];
    gradient(x, &mut analytic);
    let numeric = numeric_gradient(f, x);
    let components = analytic.iter().zip(&numeric).enumerate();
    let components = components.map(|(index, (&analytic, &numeric))| GradComponent {
        index,
        analytic,
        numeric,
        error: (analytic - numeric).abs(),
        allowed: tolerance.allowance(analytic, numeric),
    });

    let mut worst: Option<GradComponent<F>> = None;
    let mut failed = 0;
    for component in components {
        let badness = component.badness();
        if badness > F::one() {
            failed += 1;
        }
        if worst.is_none_or(|worst| badness > worst.badness()) {
            worst = Some(component);
        }
    }

    let report = GradCheck {
        worst: worst.expect("`x` is not empty, so some component was compared"),
        failed,
        checked: x.len(),
        tolerance,
    };
    if failed == 0 {
        Ok(report)
    } else {
        Err(GradCheckError { report })
    }
}

/// Helpers for this crate's unit tests: tolerances, comparisons and the f32/f64 instantiation.
#[cfg(test)]
pub(crate) mod testing {
    use std::fmt::Debug;

    use num_traits::Float;

    use super::numeric_gradient;
    use crate::reduce::{dot, lit};

    /// The float types the tests run at: `f32` and `f64`.
    pub(crate) trait TestFloat: Float + approx::RelativeEq<Epsilon = Self> + Debug {}

    impl<T: Float + approx::RelativeEq<Epsilon = T> + Debug> TestFloat for T {}

    /// `(relative, absolute)` tolerance against central differences.
    ///
    /// At `f32` the rounding error of a difference quotient is about `ε / h ≈ 2e-5` times the
    /// magnitude of the function, so the bound is far looser than at `f64`.
    pub(crate) fn finite_difference_tolerance<F: Float>() -> (F, F) {
        if F::epsilon() > lit(1e-10) {
            (lit(1e-2), lit(2e-3))
        } else {
            (lit(1e-6), lit(1e-7))
        }
    }

    /// Tolerance (used as both relative and absolute) against an exact closed form: the few
    /// roundings of either computation, with room to spare.
    pub(crate) fn closed_form_tolerance<F: Float>() -> F {
        F::epsilon() * lit(1000.0)
    }

    /// Converts test data written in `f64` literals.
    pub(crate) fn floats<F: Float>(values: &[f64]) -> Vec<F> {
        values.iter().map(|&value| lit(value)).collect()
    }

    #[track_caller]
    pub(crate) fn assert_all_close<F: TestFloat>(
        actual: &[F],
        expected: &[F],
        relative: F,
        absolute: F,
    ) {
        assert_eq!(actual.len(), expected.len(), "lengths differ");
        for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                approx::relative_eq!(a, e, epsilon = absolute, max_relative = relative),
                "index {i}: got {a:?}, expected {e:?}\n  actual: {actual:?}\nexpected: {expected:?}"
            );
        }
    }

    /// Asserts that `analytic` is the gradient of `f` at `x`, by central differences.
    #[track_caller]
    pub(crate) fn assert_gradient_matches<F: TestFloat>(
        f: impl Fn(&[F]) -> F,
        analytic: &[F],
        x: &[F],
    ) {
        let numeric = numeric_gradient(f, x);
        let (relative, absolute) = finite_difference_tolerance();
        assert_all_close(analytic, &numeric, relative, absolute);
    }

    /// The scalar `seed · f(x)`: its gradient is the vector-Jacobian product an adjoint of the
    /// vector function `f` computes with that seed.
    pub(crate) fn seeded<'a, F: Float>(
        f: impl Fn(&[F]) -> Vec<F> + 'a,
        seed: &'a [F],
    ) -> impl Fn(&[F]) -> F + 'a {
        move |x| dot(&f(x), seed)
    }

    /// Runs each generic test function `name::<F>()` as two tests, at `f32` and at `f64`.
    macro_rules! test_in_both_precisions {
        ($($name:ident),* $(,)?) => {
            mod at_f32 {
                $( #[test] fn $name() { super::$name::<f32>(); } )*
            }
            mod at_f64 {
                $( #[test] fn $name() { super::$name::<f64>(); } )*
            }
        };
    }
    pub(crate) use test_in_both_precisions;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_sum(x: &[f64]) -> f64 {
        x.iter().map(|v| v * v).sum()
    }

    #[test]
    fn a_correct_gradient_passes() {
        let report = check_gradient(
            square_sum,
            |x, out| {
                for (slot, &v) in out.iter_mut().zip(x) {
                    *slot += 2.0 * v;
                }
            },
            &[1.0, -2.0, 30.0],
            Tolerance::default(),
        )
        .expect("2x is the gradient of Σ x²");
        assert_eq!((report.failed, report.checked), (0, 3));
        assert!(report.worst.error <= report.worst.allowed);
    }

    #[test]
    fn a_wrong_component_is_reported_as_the_worst() {
        // The gradient is right except at index 1, where it is off by one.
        let error = check_gradient(
            square_sum,
            |x, out| {
                for (slot, &v) in out.iter_mut().zip(x) {
                    *slot += 2.0 * v;
                }
                out[1] += 1.0;
            },
            &[1.0, -2.0, 3.0],
            Tolerance::new(1e-6, 1e-9),
        )
        .expect_err("index 1 is wrong");

        let worst = error.report.worst;
        assert_eq!((worst.index, error.report.failed), (1, 1));
        assert!((worst.analytic - -3.0).abs() < 1e-12);
        assert!((worst.numeric - -4.0).abs() < 1e-6);
        assert!((worst.error - 1.0).abs() < 1e-6);
        let message = error.to_string();
        assert!(
            message.starts_with("gradient check failed: 1 of 3 components"),
            "{message}"
        );
        assert!(
            message.contains("worst at index 1: analytic -3"),
            "{message}"
        );
    }

    #[test]
    fn the_worst_is_judged_relative_to_its_allowance() {
        // Index 0 misses by 1e-3 on a derivative of 2e4 (fine relatively); index 1 misses by
        // 1e-4 on a derivative of 0 (bad absolutely), so index 1 is the worst.
        let error = check_gradient(
            |x: &[f64]| 1e4 * x[0] * x[0] + x[1] * x[1],
            |x, out| {
                out[0] += 2e4 * x[0] + 1e-3;
                out[1] += 2.0 * x[1] + 1e-4;
            },
            &[1.0, 0.0],
            Tolerance::new(1e-6, 1e-6),
        )
        .expect_err("index 1 is outside the absolute tolerance");
        assert_eq!((error.report.worst.index, error.report.failed), (1, 1));
    }

    #[test]
    fn nan_fails_the_check() {
        let error = check_gradient(
            square_sum,
            |_, out| out[0] = f64::NAN,
            &[1.0],
            Tolerance::default(),
        )
        .expect_err("NaN is never close");
        assert!(error.report.worst.analytic.is_nan());
    }

    #[test]
    fn works_at_f32() {
        let x = [0.5_f32, -1.25, 2.0];
        let report = check_gradient(
            |x: &[f32]| x.iter().map(|v| v.sin()).sum(),
            |x, out| {
                for (slot, &v) in out.iter_mut().zip(x) {
                    *slot += v.cos();
                }
            },
            &x,
            Tolerance::default(),
        );
        assert!(report.is_ok(), "{:?}", report);
    }

    #[test]
    fn numeric_gradient_is_exact_for_quadratics_up_to_rounding() {
        // Central differences have no truncation error on a quadratic, even with huge x.
        let gradient = numeric_gradient(|x: &[f64]| x[0] * x[0], &[1e6]);
        assert!((gradient[0] - 2e6).abs() <= 2e6 * 1e-9, "{gradient:?}");
    }

    #[test]
    #[should_panic(expected = "`check_gradient`: `x` is empty")]
    fn an_empty_point_is_rejected() {
        let _ = check_gradient(|_: &[f64]| 0.0, |_, _| {}, &[], Tolerance::default());
    }
}

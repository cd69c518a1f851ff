//! Scalar activation functions and their adjoints.

use num_traits::Float;

use crate::reduce::lit;

/// Rectified linear unit: `x` for positive `x`, otherwise zero.
///
/// NaN propagates (`relu(NaN)` is NaN), unlike `x.max(0.0)`, which would hide it.
///
/// # Examples
///
/// ```
/// use grad_runtime::relu;
///
/// assert_eq!(relu(3.0_f64), 3.0);
/// assert_eq!(relu(-3.0_f64), 0.0);
/// ```
pub fn relu<F: Float>(x: F) -> F {
    if x <= F::zero() {
        F::zero()
    } else {
        x
    }
}

/// Adjoint of [`relu`]: adds `seed * relu'(x)` to `x_adj` and returns `relu(x)`.
///
/// At the kink `x == 0` the derivative is taken to be 0, the left derivative, as the common
/// deep-learning frameworks do; [`relu_adjoint_with`] picks another subgradient. A NaN `x`
/// adds NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::relu_adjoint;
///
/// let mut x_adj = 0.0_f64;
/// relu_adjoint(2.0, &mut x_adj, 5.0);
/// relu_adjoint(0.0, &mut x_adj, 5.0);
/// assert_eq!(x_adj, 5.0);
/// ```
pub fn relu_adjoint<F: Float>(x: F, x_adj: &mut F, seed: F) -> F {
    relu_adjoint_with(x, x_adj, seed, F::zero())
}

/// [`relu_adjoint`] with the derivative at the kink `x == 0` chosen by the caller.
///
/// `at_zero` is the derivative used at exactly zero; it must lie in the subdifferential
/// `[0, 1]` there. `0` is the default of [`relu_adjoint`], `1` the right derivative, `0.5`
/// the symmetric choice.
///
/// # Panics
///
/// If `at_zero` is outside `[0, 1]` or NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::relu_adjoint_with;
///
/// let mut x_adj = 0.0_f64;
/// relu_adjoint_with(0.0, &mut x_adj, 2.0, 0.5);
/// assert_eq!(x_adj, 1.0);
/// ```
pub fn relu_adjoint_with<F: Float>(x: F, x_adj: &mut F, seed: F, at_zero: F) -> F {
    let slope = kinked_slope(x, F::zero(), F::one(), at_zero);
    *x_adj = *x_adj + seed * slope;
    relu(x)
}

/// Leaky ReLU: `x` for positive `x`, otherwise `slope * x`.
///
/// NaN in either argument gives NaN when it matters (`leaky_relu(NaN, s)` is NaN).
///
/// # Examples
///
/// ```
/// use grad_runtime::leaky_relu;
///
/// assert_eq!(leaky_relu(3.0_f64, 0.125), 3.0);
/// assert_eq!(leaky_relu(-2.0_f64, 0.125), -0.25);
/// ```
pub fn leaky_relu<F: Float>(x: F, slope: F) -> F {
    if x > F::zero() {
        x
    } else {
        slope * x
    }
}

/// Adjoint of [`leaky_relu`]: adds `seed * ∂/∂x` to `x_adj` and `seed * ∂/∂slope` to
/// `slope_adj`; returns `leaky_relu(x, slope)`.
///
/// At the kink `x == 0` the derivative in `x` is `slope`, the left derivative: with
/// `slope = 0` this is exactly [`relu_adjoint`]'s choice. The derivative in `slope` is `x`
/// for negative `x` and 0 otherwise (the kink included, where it is 0 from both sides).
///
/// # Examples
///
/// ```
/// use grad_runtime::leaky_relu_adjoint;
///
/// let (mut x_adj, mut slope_adj) = (0.0_f64, 0.0_f64);
/// leaky_relu_adjoint(-2.0, &mut x_adj, 0.125, &mut slope_adj, 1.0);
/// assert_eq!((x_adj, slope_adj), (0.125, -2.0));
/// ```
pub fn leaky_relu_adjoint<F: Float>(
    x: F,
    x_adj: &mut F,
    slope: F,
    slope_adj: &mut F,
    seed: F,
) -> F {
    leaky_relu_adjoint_with(x, x_adj, slope, slope_adj, seed, F::zero())
}

/// [`leaky_relu_adjoint`] with the derivative in `x` at the kink chosen by the caller.
///
/// At `x == 0` the derivative in `x` is `(1 - at_zero) * slope + at_zero`: `at_zero` picks a
/// point between the left slope (`0`, the default) and the right slope 1 (`1`), so the same
/// weight means the same thing here and in [`relu_adjoint_with`].
///
/// # Panics
///
/// If `at_zero` is outside `[0, 1]` or NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::leaky_relu_adjoint_with;
///
/// let (mut x_adj, mut slope_adj) = (0.0_f64, 0.0_f64);
/// leaky_relu_adjoint_with(0.0, &mut x_adj, 0.5, &mut slope_adj, 1.0, 1.0);
/// assert_eq!(x_adj, 1.0);
/// ```
pub fn leaky_relu_adjoint_with<F: Float>(
    x: F,
    x_adj: &mut F,
    slope: F,
    slope_adj: &mut F,
    seed: F,
    at_zero: F,
) -> F {
    let x_slope = kinked_slope(x, slope, F::one(), at_zero);
    let slope_slope = if x >= F::zero() { F::zero() } else { x };

    *x_adj = *x_adj + seed * x_slope;
    *slope_adj = *slope_adj + seed * slope_slope;
    leaky_relu(x, slope)
}

/// Derivative of a function with slope `left` below zero and `right` above it.
///
/// At zero it is `left + at_zero * (right - left)`, a point of the subdifferential; NaN `x`
/// gives NaN.
#[track_caller]
fn kinked_slope<F: Float>(x: F, left: F, right: F, at_zero: F) -> F {
    assert!(
        at_zero >= F::zero() && at_zero <= F::one(),
        "`at_zero` must lie in [0, 1], the range between the one-sided slopes"
    );

    if x > F::zero() {
        right
    } else if x < F::zero() {
        left
    } else if x == F::zero() {
        left + at_zero * (right - left)
    } else {
        x
    }
}

/// Logistic sigmoid `1 / (1 + exp(-x))`.
///
/// Only `exp(-|x|)` is ever evaluated, so no exponential overflows: `sigmoid(1000)` is 1
/// and `sigmoid(-1000)` is 0 (not NaN). NaN gives NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::sigmoid;
///
/// assert_eq!(sigmoid(0.0_f64), 0.5);
/// assert_eq!(sigmoid(-1000.0_f64), 0.0);
/// ```
pub fn sigmoid<F: Float>(x: F) -> F {
    sigmoid_pair(x).0
}

/// Adjoint of [`sigmoid`]: adds `seed * σ(x) σ(-x)` to `x_adj` and returns `σ(x)`.
///
/// The derivative is written `σ(x) σ(-x)` rather than `σ(x) (1 - σ(x))`, which would lose
/// all its digits to cancellation for large positive `x`.
///
/// # Examples
///
/// ```
/// use grad_runtime::sigmoid_adjoint;
///
/// let mut x_adj = 0.0_f64;
/// sigmoid_adjoint(0.0, &mut x_adj, 1.0);
/// assert_eq!(x_adj, 0.25);
/// ```
pub fn sigmoid_adjoint<F: Float>(x: F, x_adj: &mut F, seed: F) -> F {
    let (value, mirrored) = sigmoid_pair(x);
    *x_adj = *x_adj + seed * value * mirrored;
    value
}

/// `(σ(x), σ(-x))`, each without cancellation or overflow.
fn sigmoid_pair<F: Float>(x: F) -> (F, F) {
    let small = (-x.abs()).exp();
    let large_side = F::one() / (F::one() + small);
    let small_side = small * large_side;
    if x >= F::zero() {
        (large_side, small_side)
    } else {
        (small_side, large_side)
    }
}

/// Softplus `ln(1 + exp(x))`, a smooth ReLU.
///
/// Computed as `max(x, 0) + ln(1 + exp(-|x|))`, which never overflows: `softplus(1000)` is
/// 1000 and `softplus(-1000)` is 0. NaN gives NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::softplus;
///
/// assert!((softplus(0.0_f64) - 2.0_f64.ln()).abs() < 1e-15);
/// assert_eq!(softplus(1000.0_f64), 1000.0);
/// ```
pub fn softplus<F: Float>(x: F) -> F {
    let positive_part = if x > F::zero() { x } else { F::zero() };
    positive_part + (-x.abs()).exp().ln_1p()
}

/// Adjoint of [`softplus`]: adds `seed * σ(x)` to `x_adj` and returns `softplus(x)`.
///
/// # Examples
///
/// ```
/// use grad_runtime::softplus_adjoint;
///
/// let mut x_adj = 0.0_f64;
/// softplus_adjoint(0.0, &mut x_adj, 2.0);
/// assert_eq!(x_adj, 1.0);
/// ```
pub fn softplus_adjoint<F: Float>(x: F, x_adj: &mut F, seed: F) -> F {
    *x_adj = *x_adj + seed * sigmoid(x);
    softplus(x)
}

/// `√(2/π)`, the scale inside the tanh approximation of GELU.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// The cubic coefficient of the tanh approximation of GELU.
const GELU_CUBIC: f64 = 0.044_715;

/// GELU in its tanh approximation: `x/2 (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
///
/// This is the approximation of `x Φ(x)` (Φ the normal distribution function) that GPT-2
/// and BERT use, chosen because `num_traits::Float` has no `erf`; it stays within about
/// `1e-3` of the exact function. Large `|x|` saturate cleanly (`gelu(-1e30)` is 0). NaN
/// gives NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::gelu;
///
/// assert_eq!(gelu(0.0_f64), 0.0);
/// assert!((gelu(1.0_f64) - 0.8412).abs() < 1e-4);
/// ```
pub fn gelu<F: Float>(x: F) -> F {
    let half: F = lit(0.5);
    half * x * (F::one() + gelu_tanh(x))
}

/// Adjoint of [`gelu`]: adds `seed * gelu'(x)` to `x_adj` and returns `gelu(x)`.
///
/// With `t = tanh(u)`, `u = √(2/π) (x + 0.044715 x³)`, the derivative is
/// `(1 + t)/2 + x/2 (1 - t²) √(2/π) (1 + 3 · 0.044715 x²)`. Once `t` saturates to ±1 the
/// second term is exactly zero, even where `x³` has overflowed.
///
/// # Examples
///
/// ```
/// use grad_runtime::gelu_adjoint;
///
/// let mut x_adj = 0.0_f64;
/// gelu_adjoint(0.0, &mut x_adj, 1.0);
/// assert_eq!(x_adj, 0.5);
/// ```
pub fn gelu_adjoint<F: Float>(x: F, x_adj: &mut F, seed: F) -> F {
    let half: F = lit(0.5);
    let t = gelu_tanh(x);
    let sech_squared = (F::one() - t) * (F::one() + t);
    let curvature = if sech_squared == F::zero() {
        F::zero()
    } else {
        let inner_slope =
            lit::<F>(SQRT_2_OVER_PI) * (F::one() + lit::<F>(3.0 * GELU_CUBIC) * x * x);
        half * x * sech_squared * inner_slope
    };

    *x_adj = *x_adj + seed * (half * (F::one() + t) + curvature);
    half * x * (F::one() + t)
}

fn gelu_tanh<F: Float>(x: F) -> F {
    (lit::<F>(SQRT_2_OVER_PI) * (x + lit::<F>(GELU_CUBIC) * x * x * x)).tanh()
}

/// SiLU (swish): `x σ(x)`.
///
/// `silu(-1000)` is 0 and `silu(1000)` is 1000; NaN gives NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::silu;
///
/// assert_eq!(silu(0.0_f64), 0.0);
/// assert!((silu(1.0_f64) - 0.7310585786300049).abs() < 1e-15);
/// ```
pub fn silu<F: Float>(x: F) -> F {
    x * sigmoid(x)
}

/// Adjoint of [`silu`]: adds `seed * σ(x) (1 + x σ(-x))` to `x_adj` and returns `silu(x)`.
///
/// # Examples
///
/// ```
/// use grad_runtime::silu_adjoint;
///
/// let mut x_adj = 0.0_f64;
/// silu_adjoint(0.0, &mut x_adj, 1.0);
/// assert_eq!(x_adj, 0.5);
/// ```
pub fn silu_adjoint<F: Float>(x: F, x_adj: &mut F, seed: F) -> F {
    let (value, mirrored) = sigmoid_pair(x);
    *x_adj = *x_adj + seed * value * (F::one() + x * mirrored);
    x * value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{
        assert_all_close, assert_gradient_matches, closed_form_tolerance, floats,
        test_in_both_precisions, TestFloat,
    };

    /// Points away from the kink at zero, where central differences are meaningful.
    const SMOOTH_POINTS: [f64; 6] = [-3.0, -1.25, -0.3, 0.4, 1.5, 4.0];

    /// Checks a scalar adjoint (seed 1) against central differences at `SMOOTH_POINTS`.
    fn assert_scalar_gradient<F: TestFloat>(
        primal: impl Fn(F) -> F,
        adjoint: impl Fn(F, &mut F, F) -> F,
    ) {
        for x in floats::<F>(&SMOOTH_POINTS) {
            let mut x_adj = F::zero();
            let value = adjoint(x, &mut x_adj, F::one());
            assert_eq!(value, primal(x), "the adjoint returns the primal value");
            assert_gradient_matches(|x| primal(x[0]), &[x_adj], &[x]);
        }
    }

    /// Asserts that `adjoint` accumulates and scales: a buffer holding 1, two calls with seed
    /// 2.5, must end at `1 + 5 g` with `g` the derivative at seed 1.
    fn assert_accumulates<F: TestFloat>(adjoint: impl Fn(F, &mut F, F) -> F) {
        for x in floats::<F>(&SMOOTH_POINTS) {
            let mut unit = F::zero();
            adjoint(x, &mut unit, F::one());
            let mut x_adj = F::one();
            adjoint(x, &mut x_adj, lit(2.5));
            adjoint(x, &mut x_adj, lit(2.5));
            let expected = F::one() + lit::<F>(5.0) * unit;
            let tolerance = closed_form_tolerance();
            assert_all_close(&[x_adj], &[expected], tolerance, tolerance);
        }
    }

    fn every_activation_matches_finite_differences<F: TestFloat>() {
        assert_scalar_gradient::<F>(relu, relu_adjoint);
        assert_scalar_gradient::<F>(sigmoid, sigmoid_adjoint);
        assert_scalar_gradient::<F>(softplus, softplus_adjoint);
        assert_scalar_gradient::<F>(gelu, gelu_adjoint);
        assert_scalar_gradient::<F>(silu, silu_adjoint);

        let slope = lit::<F>(0.2);
        assert_scalar_gradient(
            |x| leaky_relu(x, slope),
            |x, x_adj, seed| leaky_relu_adjoint(x, x_adj, slope, &mut F::zero(), seed),
        );
    }

    fn leaky_relu_slope_gradient_matches_finite_differences<F: TestFloat>() {
        for x in floats::<F>(&SMOOTH_POINTS) {
            let slope = lit::<F>(0.2);
            let mut slope_adj = F::zero();
            leaky_relu_adjoint(x, &mut F::zero(), slope, &mut slope_adj, F::one());
            assert_gradient_matches(|s| leaky_relu(x, s[0]), &[slope_adj], &[slope]);
        }
    }

    fn every_adjoint_accumulates_and_scales<F: TestFloat>() {
        assert_accumulates::<F>(relu_adjoint);
        assert_accumulates::<F>(sigmoid_adjoint);
        assert_accumulates::<F>(softplus_adjoint);
        assert_accumulates::<F>(gelu_adjoint);
        assert_accumulates::<F>(silu_adjoint);
        assert_accumulates(|x, x_adj, seed| {
            leaky_relu_adjoint(x, x_adj, lit(0.2), &mut F::zero(), seed)
        });
    }

    fn derivatives_match_their_closed_forms<F: TestFloat>() {
        let tolerance = closed_form_tolerance::<F>();
        for x in floats::<F>(&SMOOTH_POINTS) {
            // σ'(x) = e^{-x} / (1 + e^{-x})², written naively for these moderate x.
            let e = (-x).exp();
            let sigmoid_slope = e / ((F::one() + e) * (F::one() + e));
            let logistic = F::one() / (F::one() + e);
            // softplus' = σ; silu' = σ + x σ'.
            let expected = [sigmoid_slope, logistic, logistic + x * sigmoid_slope];

            let mut actual = [F::zero(); 3];
            sigmoid_adjoint(x, &mut actual[0], F::one());
            softplus_adjoint(x, &mut actual[1], F::one());
            silu_adjoint(x, &mut actual[2], F::one());
            assert_all_close(&actual, &expected, tolerance, tolerance);
        }
    }

    fn relu_kink_uses_the_chosen_subgradient<F: TestFloat>() {
        for (at_zero, expected) in [(0.0, 0.0), (1.0, 3.0), (0.5, 1.5)] {
            let mut x_adj = F::zero();
            let value = relu_adjoint_with(F::zero(), &mut x_adj, lit(3.0), lit(at_zero));
            assert_eq!(value, F::zero());
            assert_eq!(x_adj, lit::<F>(expected), "at_zero = {at_zero}");
        }

        let mut x_adj = F::zero();
        relu_adjoint(F::zero(), &mut x_adj, lit(3.0));
        assert_eq!(x_adj, F::zero(), "the default derivative at the kink is 0");
    }

    fn leaky_relu_kink_uses_the_chosen_subgradient<F: TestFloat>() {
        // With slope 0.25, the x-derivative at 0 runs from 0.25 (weight 0) to 1 (weight 1).
        for (at_zero, expected) in [(0.0, 0.25), (1.0, 1.0), (0.5, 0.625)] {
            let (mut x_adj, mut slope_adj) = (F::zero(), F::zero());
            let slope = lit(0.25);
            leaky_relu_adjoint_with(
                F::zero(),
                &mut x_adj,
                slope,
                &mut slope_adj,
                F::one(),
                lit(at_zero),
            );
            assert_eq!(x_adj, lit::<F>(expected), "at_zero = {at_zero}");
            assert_eq!(slope_adj, F::zero());
        }
    }

    fn extreme_inputs_saturate_without_overflow<F: TestFloat>() {
        // Far from zero sigmoid is flat (slope 0 on both sides), while softplus, GELU and
        // SiLU approach 0 on the left (slope 0) and the identity on the right (slope 1).
        type Adjoint<F> = fn(F, &mut F, F) -> F;
        let cases: [(Adjoint<F>, f64); 4] = [
            (sigmoid_adjoint, 0.0),
            (softplus_adjoint, 1.0),
            (gelu_adjoint, 1.0),
            (silu_adjoint, 1.0),
        ];
        for x in floats::<F>(&[-1000.0, 1000.0, -1e30, 1e30]) {
            for (adjoint, slope_on_the_right) in cases {
                let mut x_adj = F::zero();
                let value = adjoint(x, &mut x_adj, F::one());
                assert!(value.is_finite(), "value {value:?} at {x:?}");
                let expected = if x > F::zero() {
                    slope_on_the_right
                } else {
                    0.0
                };
                assert_eq!(x_adj, lit::<F>(expected), "slope at {x:?}");
            }
        }

        assert_eq!(sigmoid(lit::<F>(1000.0)), F::one());
        assert_eq!(softplus(lit::<F>(1000.0)), lit(1000.0));
        assert_eq!(softplus(lit::<F>(-1000.0)), F::zero());
        assert_eq!(gelu(lit::<F>(-1e30)), F::zero());
    }

    fn nan_propagates<F: TestFloat>() {
        let adjoints: [fn(F, &mut F, F) -> F; 6] = [
            relu_adjoint,
            sigmoid_adjoint,
            softplus_adjoint,
            gelu_adjoint,
            silu_adjoint,
            |x, x_adj, seed| leaky_relu_adjoint(x, x_adj, lit(0.1), &mut F::zero(), seed),
        ];
        for adjoint in adjoints {
            let mut x_adj = F::zero();
            assert!(adjoint(F::nan(), &mut x_adj, F::one()).is_nan());
            assert!(x_adj.is_nan());
        }
    }

    test_in_both_precisions!(
        every_activation_matches_finite_differences,
        leaky_relu_slope_gradient_matches_finite_differences,
        every_adjoint_accumulates_and_scales,
        derivatives_match_their_closed_forms,
        relu_kink_uses_the_chosen_subgradient,
        leaky_relu_kink_uses_the_chosen_subgradient,
        extreme_inputs_saturate_without_overflow,
        nan_propagates,
    );

    #[test]
    fn gelu_stays_close_to_the_exact_function() {
        // x Φ(x) at x = 1 and x = -1, from Φ(1) = 0.841344746068543.
        assert!((gelu(1.0_f64) - 0.841_344_746_068_543).abs() < 1e-3);
        assert!((gelu(-1.0_f64) - (0.841_344_746_068_543 - 1.0)).abs() < 1e-3);
    }

    #[test]
    #[should_panic(expected = "`at_zero` must lie in [0, 1]")]
    fn relu_rejects_a_subgradient_outside_the_subdifferential() {
        relu_adjoint_with(0.0_f64, &mut 0.0, 1.0, 1.5);
    }

    #[test]
    #[should_panic(expected = "`at_zero` must lie in [0, 1]")]
    fn leaky_relu_rejects_a_nan_subgradient() {
        leaky_relu_adjoint_with(0.0_f64, &mut 0.0, 0.1, &mut 0.0, 1.0, f64::NAN);
    }
}

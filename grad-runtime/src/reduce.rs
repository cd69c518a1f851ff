//! Reductions of slices to a scalar, their adjoints, and the small vector kernels the other
//! primitives are built on.

use num_traits::Float;

/// Sum of the entries of `x`, accumulated left to right (zero for an empty slice).
///
/// NaN in any entry gives NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::sum;
///
/// assert_eq!(sum(&[1.0_f64, 2.0, 3.5]), 6.5);
/// ```
pub fn sum<F: Float>(x: &[F]) -> F {
    x.iter().fold(F::zero(), |total, &value| total + value)
}

/// Adjoint of [`sum`]: adds `seed` to every entry of `x_adj` and returns `sum(x)`.
///
/// # Panics
///
/// If `x_adj` and `x` differ in length.
///
/// # Examples
///
/// ```
/// use grad_runtime::sum_adjoint;
///
/// let mut x_adj = [0.0_f64; 3];
/// let total = sum_adjoint(&[1.0, 2.0, 3.0], &mut x_adj, 2.0);
/// assert_eq!(total, 6.0);
/// assert_eq!(x_adj, [2.0, 2.0, 2.0]);
/// ```
pub fn sum_adjoint<F: Float>(x: &[F], x_adj: &mut [F], seed: F) -> F {
    expect_len("sum_adjoint", "x_adj", x_adj.len(), x.len());

    for slot in x_adj.iter_mut() {
        *slot = *slot + seed;
    }
    sum(x)
}

/// Inner product `Σ a[i] b[i]`.
///
/// The products are summed in eight interleaved partial sums (which lets the compiler
/// vectorise), so the rounding differs slightly from a strict left-to-right loop. NaN in
/// either slice gives NaN.
///
/// # Panics
///
/// If `a` and `b` differ in length.
///
/// # Examples
///
/// ```
/// use grad_runtime::dot;
///
/// assert_eq!(dot(&[1.0_f64, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
pub fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    expect_len("dot", "b", b.len(), a.len());
    dot_kernel(a, b)
}

/// Adjoint of [`dot`]: adds `seed * b` to `a_adj` and `seed * a` to `b_adj`; returns
/// `dot(a, b)`.
///
/// # Panics
///
/// If `a`, `b`, `a_adj` and `b_adj` do not all have the same length.
///
/// # Examples
///
/// ```
/// use grad_runtime::dot_adjoint;
///
/// let (a, b) = ([1.0_f64, 2.0], [3.0, 4.0]);
/// let (mut a_adj, mut b_adj) = ([0.0; 2], [0.0; 2]);
/// let value = dot_adjoint(&a, &mut a_adj, &b, &mut b_adj, 1.0);
/// assert_eq!(value, 11.0);
/// assert_eq!(a_adj, b);
/// assert_eq!(b_adj, a);
/// ```
pub fn dot_adjoint<F: Float>(a: &[F], a_adj: &mut [F], b: &[F], b_adj: &mut [F], seed: F) -> F {
    expect_len("dot_adjoint", "b", b.len(), a.len());
    expect_len("dot_adjoint", "a_adj", a_adj.len(), a.len());
    expect_len("dot_adjoint", "b_adj", b_adj.len(), b.len());

    axpy(seed, b, a_adj);
    axpy(seed, a, b_adj);
    dot_kernel(a, b)
}

/// `ln Σ exp(z[i])`, computed as `m + ln Σ exp(z[i] - m)` with `m` the largest entry.
///
/// The shift keeps every exponent at most zero, so `z = [1000, 1000]` gives `1000 + ln 2`
/// rather than infinity and `z = [-1000, -1000]` gives `-1000 + ln 2` rather than `ln 0`.
/// An empty slice gives negative infinity (the logarithm of an empty sum); NaN in any entry
/// gives NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::log_sum_exp;
///
/// let value = log_sum_exp(&[1000.0_f64, 1000.0]);
/// assert!((value - (1000.0 + 2.0_f64.ln())).abs() < 1e-12);
/// ```
pub fn log_sum_exp<F: Float>(z: &[F]) -> F {
    let shift = stable_shift(z);
    let total = z
        .iter()
        .fold(F::zero(), |total, &value| total + (value - shift).exp());
    shift + total.ln()
}

/// Adjoint of [`log_sum_exp`]: adds `seed * softmax(z)` to `z_adj` and returns
/// `log_sum_exp(z)`.
///
/// Each weight is `exp(z[i] - log_sum_exp(z))`, an exponent of at most zero, so extreme
/// logits never overflow.
///
/// # Panics
///
/// If `z_adj` and `z` differ in length.
///
/// # Examples
///
/// ```
/// use grad_runtime::log_sum_exp_adjoint;
///
/// let mut z_adj = [0.0_f64; 2];
/// log_sum_exp_adjoint(&[3.0, 3.0], &mut z_adj, 1.0);
/// assert!((z_adj[0] - 0.5).abs() < 1e-15 && (z_adj[1] - 0.5).abs() < 1e-15);
/// ```
pub fn log_sum_exp_adjoint<F: Float>(z: &[F], z_adj: &mut [F], seed: F) -> F {
    expect_len("log_sum_exp_adjoint", "z_adj", z_adj.len(), z.len());

    let value = log_sum_exp(z);
    for (slot, &logit) in z_adj.iter_mut().zip(z) {
        *slot = *slot + seed * (logit - value).exp();
    }
    value
}

/// Mean squared error `Σ (prediction[i] - target[i])² / n`.
///
/// # Panics
///
/// If the slices differ in length or are empty (the mean of nothing is undefined).
///
/// # Examples
///
/// ```
/// use grad_runtime::mean_squared_error;
///
/// assert_eq!(mean_squared_error(&[1.0_f64, 3.0], &[0.0, 1.0]), 2.5);
/// ```
pub fn mean_squared_error<F: Float>(prediction: &[F], target: &[F]) -> F {
    expect_mse_args("mean_squared_error", prediction, target);

    let total = prediction
        .iter()
        .zip(target)
        .fold(F::zero(), |total, (&p, &t)| total + (p - t) * (p - t));
    total / from_count(prediction.len())
}

/// Adjoint of [`mean_squared_error`]: adds `seed * 2 (p - t) / n` to `prediction_adj` and its
/// negation to `target_adj`; returns the error.
///
/// # Panics
///
/// If the four slices do not all have the same length, or are empty.
///
/// # Examples
///
/// ```
/// use grad_runtime::mean_squared_error_adjoint;
///
/// let (mut p_adj, mut t_adj) = ([0.0_f64; 2], [0.0; 2]);
/// mean_squared_error_adjoint(&[1.0, 3.0], &mut p_adj, &[0.0, 1.0], &mut t_adj, 1.0);
/// assert_eq!(p_adj, [1.0, 2.0]);
/// assert_eq!(t_adj, [-1.0, -2.0]);
/// ```
pub fn mean_squared_error_adjoint<F: Float>(
    prediction: &[F],
    prediction_adj: &mut [F],
    target: &[F],
    target_adj: &mut [F],
    seed: F,
) -> F {
    let name = "mean_squared_error_adjoint";
    expect_mse_args(name, prediction, target);
    expect_len(
        name,
        "prediction_adj",
        prediction_adj.len(),
        prediction.len(),
    );
    expect_len(name, "target_adj", target_adj.len(), target.len());

    let scale = seed * lit(2.0) / from_count(prediction.len());
    let slots = prediction_adj.iter_mut().zip(target_adj.iter_mut());
    for ((p_slot, t_slot), (&p, &t)) in slots.zip(prediction.iter().zip(target)) {
        let step = scale * (p - t);
        *p_slot = *p_slot + step;
        *t_slot = *t_slot - step;
    }
    mean_squared_error(prediction, target)
}

#[track_caller]
fn expect_mse_args<F>(name: &str, prediction: &[F], target: &[F]) {
    expect_len(name, "target", target.len(), prediction.len());
    assert!(!prediction.is_empty(), "`{name}`: the slices are empty");
}

/// Panics unless a slice argument has the length its function needs.
#[track_caller]
pub(crate) fn expect_len(function: &str, argument: &str, len: usize, expected: usize) {
    assert!(
        len == expected,
        "`{function}`: `{argument}` has length {len}, expected {expected}"
    );
}

/// Converts an `f64` constant to `F`.
pub(crate) fn lit<F: Float>(value: f64) -> F {
    F::from(value).expect("float types represent every f64 constant used here")
}

/// Converts a count (a window size, a length) to `F`.
pub(crate) fn from_count<F: Float>(count: usize) -> F {
    F::from(count).expect("float types represent every usize, if rounded")
}

/// The largest entry of `z` if it is finite, otherwise zero.
///
/// Subtracting it before exponentiating keeps every exponent at most zero with at least one
/// exactly zero, so the sum of exponentials neither overflows nor underflows to zero. An
/// infinite maximum is not subtracted, since `inf - inf` would be NaN.
pub(crate) fn stable_shift<F: Float>(z: &[F]) -> F {
    let max = z.iter().fold(
        F::neg_infinity(),
        |max, &value| if value > max { value } else { max },
    );
    if max.is_finite() {
        max
    } else {
        F::zero()
    }
}

/// Inner product of two slices of equal length, without checking the lengths.
///
/// A single running sum cannot be vectorised, because float addition does not reassociate;
/// eight independent partial sums can.
pub(crate) fn dot_kernel<F: Float>(a: &[F], b: &[F]) -> F {
    const LANES: usize = 8;
    let mut partial = [F::zero(); LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .fold(F::zero(), |total, (&p, &q)| total + p * q);

    for (p, q) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            partial[lane] = partial[lane] + p[lane] * q[lane];
        }
    }
    partial.iter().fold(tail, |total, &value| total + value)
}

/// `y += alpha * x` over the common length of the two slices.
pub(crate) fn axpy<F: Float>(alpha: F, x: &[F], y: &mut [F]) {
    for (slot, &value) in y.iter_mut().zip(x) {
        *slot = *slot + alpha * value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{
        assert_all_close, assert_gradient_matches, closed_form_tolerance, floats,
        test_in_both_precisions, TestFloat,
    };

    fn sum_matches_finite_differences<F: TestFloat>() {
        let x = floats::<F>(&[0.5, -1.5, 2.0, 3.25]);
        let mut analytic = vec![F::zero(); x.len()];
        sum_adjoint(&x, &mut analytic, F::one());
        assert_gradient_matches(|x| sum(x), &analytic, &x);
    }

    fn sum_adjoint_is_the_seed_everywhere<F: TestFloat>() {
        // d(Σ x) / dx[i] = 1, so each slot receives the seed itself.
        let x = floats::<F>(&[0.5, -1.5, 2.0]);
        let mut x_adj = vec![F::zero(); 3];
        sum_adjoint(&x, &mut x_adj, lit(-0.75));
        assert_all_close(&x_adj, &floats(&[-0.75; 3]), F::zero(), F::zero());
    }

    fn dot_matches_finite_differences<F: TestFloat>() {
        let a = floats::<F>(&[0.5, -1.5, 2.0, 0.25, 1.0, -0.5, 0.75, 2.5, -1.0]);
        let b = floats::<F>(&[1.0, 0.25, -0.5, 3.0, -2.0, 0.5, 1.5, -0.25, 0.125]);
        let (mut a_adj, mut b_adj) = (vec![F::zero(); a.len()], vec![F::zero(); b.len()]);
        dot_adjoint(&a, &mut a_adj, &b, &mut b_adj, F::one());

        assert_gradient_matches(|a| dot(a, &b), &a_adj, &a);
        assert_gradient_matches(|b| dot(&a, b), &b_adj, &b);
    }

    fn dot_adjoint_is_the_other_factor<F: TestFloat>() {
        // ∂(a·b)/∂a = b and ∂(a·b)/∂b = a, scaled by the seed.
        let a = floats::<F>(&[0.5, -1.5, 2.0]);
        let b = floats::<F>(&[1.0, 0.25, -0.5]);
        let (mut a_adj, mut b_adj) = (vec![F::zero(); 3], vec![F::zero(); 3]);
        dot_adjoint(&a, &mut a_adj, &b, &mut b_adj, lit(2.0));

        let tolerance = closed_form_tolerance();
        assert_all_close(&a_adj, &floats(&[2.0, 0.5, -1.0]), tolerance, tolerance);
        assert_all_close(&b_adj, &floats(&[1.0, -3.0, 4.0]), tolerance, tolerance);
    }

    fn dot_matches_a_plain_loop<F: TestFloat>() {
        let a: Vec<F> = (0..21).map(|i| lit(f64::from(i) * 0.5 - 3.0)).collect();
        let b: Vec<F> = (0..21).map(|i| lit(1.0 - f64::from(i) * 0.25)).collect();
        let expected = a.iter().zip(&b).fold(F::zero(), |t, (&p, &q)| t + p * q);
        let tolerance = closed_form_tolerance();
        assert_all_close(&[dot(&a, &b)], &[expected], tolerance, tolerance);
    }

    fn log_sum_exp_matches_finite_differences<F: TestFloat>() {
        let z = floats::<F>(&[0.5, -1.5, 2.0, 0.0]);
        let mut analytic = vec![F::zero(); z.len()];
        log_sum_exp_adjoint(&z, &mut analytic, F::one());
        assert_gradient_matches(|z| log_sum_exp(z), &analytic, &z);
    }

    fn log_sum_exp_gradient_is_softmax<F: TestFloat>() {
        // d/dz[i] ln Σ exp(z) = exp(z[i]) / Σ exp(z), written out naively for moderate z.
        let z = floats::<F>(&[0.5, -1.5, 2.0]);
        let total = z.iter().fold(F::zero(), |t, &v| t + v.exp());
        let expected: Vec<F> = z.iter().map(|&v| lit::<F>(3.0) * v.exp() / total).collect();

        let mut z_adj = vec![F::zero(); 3];
        log_sum_exp_adjoint(&z, &mut z_adj, lit(3.0));
        let tolerance = closed_form_tolerance();
        assert_all_close(&z_adj, &expected, tolerance, tolerance);
    }

    fn log_sum_exp_survives_extreme_logits<F: TestFloat>() {
        let tolerance = closed_form_tolerance();
        for extreme in [1000.0, -1000.0] {
            let z = floats::<F>(&[extreme, extreme]);
            let expected = lit::<F>(extreme) + lit::<F>(2.0).ln();
            assert_all_close(&[log_sum_exp(&z)], &[expected], tolerance, tolerance);

            let mut z_adj = vec![F::zero(); 2];
            log_sum_exp_adjoint(&z, &mut z_adj, F::one());
            assert_all_close(&z_adj, &floats(&[0.5, 0.5]), tolerance, tolerance);
        }
    }

    fn log_sum_exp_of_nothing_is_negative_infinity<F: TestFloat>() {
        assert_eq!(log_sum_exp::<F>(&[]), F::neg_infinity());
    }

    fn mean_squared_error_matches_finite_differences<F: TestFloat>() {
        let p = floats::<F>(&[0.5, -1.5, 2.0]);
        let t = floats::<F>(&[1.0, 0.25, -0.5]);
        let (mut p_adj, mut t_adj) = (vec![F::zero(); 3], vec![F::zero(); 3]);
        mean_squared_error_adjoint(&p, &mut p_adj, &t, &mut t_adj, F::one());

        assert_gradient_matches(|p| mean_squared_error(p, &t), &p_adj, &p);
        assert_gradient_matches(|t| mean_squared_error(&p, t), &t_adj, &t);
    }

    fn adjoints_accumulate_and_scale_with_the_seed<F: TestFloat>() {
        // Two calls with seed 1.5 on a buffer holding 1 must give 1 + 3 × (gradient at seed 1).
        let a = floats::<F>(&[0.5, -1.5, 2.0]);
        let b = floats::<F>(&[1.0, 0.25, -0.5]);
        let (mut unit, mut ignored) = (vec![F::zero(); 3], vec![F::zero(); 3]);
        dot_adjoint(&a, &mut unit, &b, &mut ignored, F::one());

        let mut a_adj = vec![F::one(); 3];
        let mut b_adj = vec![F::zero(); 3];
        for _ in 0..2 {
            dot_adjoint(&a, &mut a_adj, &b, &mut b_adj, lit(1.5));
        }
        let expected: Vec<F> = unit.iter().map(|&g| F::one() + lit::<F>(3.0) * g).collect();
        let tolerance = closed_form_tolerance();
        assert_all_close(&a_adj, &expected, tolerance, tolerance);

        let mut z_adj = vec![F::one(); 3];
        let mut once = vec![F::zero(); 3];
        log_sum_exp_adjoint(&a, &mut once, lit(1.5));
        log_sum_exp_adjoint(&a, &mut z_adj, lit(1.5));
        log_sum_exp_adjoint(&a, &mut z_adj, lit(1.5));
        let expected: Vec<F> = once.iter().map(|&g| F::one() + g + g).collect();
        assert_all_close(&z_adj, &expected, tolerance, tolerance);
    }

    fn nan_propagates<F: TestFloat>() {
        let z = [F::one(), F::nan(), F::zero()];
        assert!(sum(&z).is_nan());
        assert!(log_sum_exp(&z).is_nan());
        let mut z_adj = vec![F::zero(); 3];
        log_sum_exp_adjoint(&z, &mut z_adj, F::one());
        assert!(z_adj.iter().all(|g| g.is_nan()));
    }

    test_in_both_precisions!(
        sum_matches_finite_differences,
        sum_adjoint_is_the_seed_everywhere,
        dot_matches_finite_differences,
        dot_adjoint_is_the_other_factor,
        dot_matches_a_plain_loop,
        log_sum_exp_matches_finite_differences,
        log_sum_exp_gradient_is_softmax,
        log_sum_exp_survives_extreme_logits,
        log_sum_exp_of_nothing_is_negative_infinity,
        mean_squared_error_matches_finite_differences,
        adjoints_accumulate_and_scale_with_the_seed,
        nan_propagates,
    );

    #[test]
    #[should_panic(expected = "`dot`: `b` has length 2, expected 3")]
    fn dot_rejects_mismatched_lengths() {
        dot(&[1.0_f64, 2.0, 3.0], &[1.0, 2.0]);
    }

    #[test]
    #[should_panic(expected = "`sum_adjoint`: `x_adj` has length 1, expected 2")]
    fn sum_adjoint_rejects_a_short_buffer() {
        sum_adjoint(&[1.0_f64, 2.0], &mut [0.0], 1.0);
    }

    #[test]
    #[should_panic(expected = "`mean_squared_error`: the slices are empty")]
    fn mean_squared_error_rejects_empty_slices() {
        mean_squared_error::<f64>(&[], &[]);
    }
}

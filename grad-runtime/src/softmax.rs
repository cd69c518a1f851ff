//! Softmax, log-softmax and the cross-entropy losses built on them, with their adjoints.

use num_traits::Float;

use crate::reduce::{dot_kernel, expect_len, log_sum_exp, stable_shift, sum};

/// Softmax `exp(z[i]) / Σ exp(z)`: probabilities that sum to 1.
///
/// The largest logit is subtracted before exponentiating, so logits of ±1000 give exact
/// probabilities instead of `inf / inf`. Equal logits give the uniform distribution; an empty
/// slice gives an empty vector; NaN in any logit makes every probability NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::softmax;
///
/// let p = softmax(&[1000.0_f64, 1000.0]);
/// assert_eq!(p, [0.5, 0.5]);
/// ```
pub fn softmax<F: Float>(z: &[F]) -> Vec<F> {
    let shift = stable_shift(z);
    let mut p: Vec<F> = z.iter().map(|&logit| (logit - shift).exp()).collect();
    let scale = sum(&p).recip();
    for probability in &mut p {
        *probability = *probability * scale;
    }
    p
}

/// Adjoint of [`softmax`]: adds the vector-Jacobian product `p ⊙ (seed - (seed · p))` to
/// `z_adj`, with `p = softmax(z)`; returns `p`.
///
/// # Panics
///
/// If `z_adj` or `seed` differs in length from `z`.
///
/// # Examples
///
/// ```
/// use grad_runtime::softmax_adjoint;
///
/// // A seed that is the same in every component pulls back to zero: softmax ignores shifts.
/// let mut z_adj = [0.0_f64; 2];
/// softmax_adjoint(&[0.5, -1.0], &mut z_adj, &[3.0, 3.0]);
/// assert!(z_adj.iter().all(|g| g.abs() < 1e-15));
/// ```
pub fn softmax_adjoint<F: Float>(z: &[F], z_adj: &mut [F], seed: &[F]) -> Vec<F> {
    expect_len("softmax_adjoint", "z_adj", z_adj.len(), z.len());
    expect_len("softmax_adjoint", "seed", seed.len(), z.len());

    let p = softmax(z);
    let mean_seed = dot_kernel(seed, &p);
    for ((slot, &probability), &s) in z_adj.iter_mut().zip(&p).zip(seed) {
        *slot = *slot + probability * (s - mean_seed);
    }
    p
}

/// Log-softmax `z[i] - log_sum_exp(z)`: log-probabilities, computed without forming
/// `softmax` (whose small entries would underflow to `ln 0`).
///
/// Stable for logits of ±1000; NaN in any logit makes every entry NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::log_softmax;
///
/// let log_p = log_softmax(&[-1000.0_f64, -1000.0]);
/// assert!(log_p.iter().all(|v| (v + 2.0_f64.ln()).abs() < 1e-12));
/// ```
pub fn log_softmax<F: Float>(z: &[F]) -> Vec<F> {
    let normaliser = log_sum_exp(z);
    z.iter().map(|&logit| logit - normaliser).collect()
}

/// Adjoint of [`log_softmax`]: adds `seed - softmax(z) Σ seed` to `z_adj`; returns
/// `log_softmax(z)`.
///
/// # Panics
///
/// If `z_adj` or `seed` differs in length from `z`.
///
/// # Examples
///
/// ```
/// use grad_runtime::log_softmax_adjoint;
///
/// let mut z_adj = [0.0_f64; 2];
/// log_softmax_adjoint(&[0.0, 0.0], &mut z_adj, &[1.0, 0.0]);
/// assert_eq!(z_adj, [0.5, -0.5]);
/// ```
pub fn log_softmax_adjoint<F: Float>(z: &[F], z_adj: &mut [F], seed: &[F]) -> Vec<F> {
    expect_len("log_softmax_adjoint", "z_adj", z_adj.len(), z.len());
    expect_len("log_softmax_adjoint", "seed", seed.len(), z.len());

    let log_p = log_softmax(z);
    let total_seed = sum(seed);
    for ((slot, &log_probability), &s) in z_adj.iter_mut().zip(&log_p).zip(seed) {
        *slot = *slot + s - log_probability.exp() * total_seed;
    }
    log_p
}

/// Cross-entropy of `softmax(logits)` against the class `target`:
/// `log_sum_exp(logits) - logits[target]`.
///
/// Computed from the log-sum-exp directly, so it is finite for logits of ±1000 and never
/// takes the logarithm of an underflowed probability.
///
/// # Panics
///
/// If `target` is not an index of `logits`.
///
/// # Examples
///
/// ```
/// use grad_runtime::softmax_cross_entropy;
///
/// let loss = softmax_cross_entropy(&[2.0_f64, 2.0, 2.0, 2.0], 1);
/// assert!((loss - 4.0_f64.ln()).abs() < 1e-15);
/// ```
pub fn softmax_cross_entropy<F: Float>(logits: &[F], target: usize) -> F {
    expect_class("softmax_cross_entropy", target, logits.len());
    log_sum_exp(logits) - logits[target]
}

/// Adjoint of [`softmax_cross_entropy`]: adds `seed * (softmax(logits) - onehot(target))` to
/// `logits_adj` and returns the loss.
///
/// Each probability is `exp(logits[i] - log_sum_exp(logits))`, an exponent of at most zero,
/// so no large exponential is ever formed.
///
/// # Panics
///
/// If `target` is not an index of `logits`, or `logits_adj` differs in length from `logits`.
///
/// # Examples
///
/// ```
/// use grad_runtime::softmax_cross_entropy_adjoint;
///
/// let mut logits_adj = [0.0_f64; 2];
/// softmax_cross_entropy_adjoint(&[0.0, 0.0], &mut logits_adj, 0, 1.0);
/// assert_eq!(logits_adj, [-0.5, 0.5]);
/// ```
pub fn softmax_cross_entropy_adjoint<F: Float>(
    logits: &[F],
    logits_adj: &mut [F],
    target: usize,
    seed: F,
) -> F {
    let name = "softmax_cross_entropy_adjoint";
    expect_class(name, target, logits.len());
    expect_len(name, "logits_adj", logits_adj.len(), logits.len());

    let normaliser = log_sum_exp(logits);
    for (slot, &logit) in logits_adj.iter_mut().zip(logits) {
        *slot = *slot + seed * (logit - normaliser).exp();
    }
    logits_adj[target] = logits_adj[target] - seed;
    normaliser - logits[target]
}

/// Cross-entropy of `softmax(logits)` against a target distribution:
/// `-Σ q[i] log_softmax(logits)[i]` with `q = target_probs`.
///
/// Terms with `q[i] == 0` contribute nothing, even where the log-probability is `-inf`
/// (the convention `0 ln 0 = 0`). `target_probs` is not required to sum to 1; the loss is
/// linear in it. Stable for logits of ±1000; NaN in either slice gives NaN.
///
/// # Panics
///
/// If the slices differ in length.
///
/// # Examples
///
/// ```
/// use grad_runtime::cross_entropy;
///
/// let loss = cross_entropy(&[0.0_f64, 0.0], &[0.25, 0.75]);
/// assert!((loss - 2.0_f64.ln()).abs() < 1e-15);
/// ```
pub fn cross_entropy<F: Float>(logits: &[F], target_probs: &[F]) -> F {
    expect_len(
        "cross_entropy",
        "target_probs",
        target_probs.len(),
        logits.len(),
    );

    let normaliser = log_sum_exp(logits);
    let terms = logits.iter().zip(target_probs);
    terms.fold(F::zero(), |total, (&logit, &q)| {
        if q == F::zero() {
            total
        } else {
            total + q * (normaliser - logit)
        }
    })
}

/// Adjoint of [`cross_entropy`]: adds `seed * (softmax(logits) Σ q - q)` to `logits_adj`
/// and `seed * -log_softmax(logits)` to `target_probs_adj`; returns the loss.
///
/// For a target that sums to 1 the logit gradient is the familiar `p - q`.
///
/// # Panics
///
/// If the four slices do not all have the same length.
///
/// # Examples
///
/// ```
/// use grad_runtime::cross_entropy_adjoint;
///
/// let (mut logits_adj, mut q_adj) = ([0.0_f64; 2], [0.0_f64; 2]);
/// cross_entropy_adjoint(&[0.0, 0.0], &mut logits_adj, &[1.0, 0.0], &mut q_adj, 1.0);
/// assert_eq!(logits_adj, [-0.5, 0.5]);
/// ```
pub fn cross_entropy_adjoint<F: Float>(
    logits: &[F],
    logits_adj: &mut [F],
    target_probs: &[F],
    target_probs_adj: &mut [F],
    seed: F,
) -> F {
    let name = "cross_entropy_adjoint";
    expect_len(name, "target_probs", target_probs.len(), logits.len());
    expect_len(name, "logits_adj", logits_adj.len(), logits.len());
    expect_len(
        name,
        "target_probs_adj",
        target_probs_adj.len(),
        logits.len(),
    );

    let normaliser = log_sum_exp(logits);
    let target_mass = sum(target_probs);
    let slots = logits_adj.iter_mut().zip(target_probs_adj.iter_mut());
    for ((logit_slot, q_slot), (&logit, &q)) in slots.zip(logits.iter().zip(target_probs)) {
        let log_probability = logit - normaliser;
        *logit_slot = *logit_slot + seed * (log_probability.exp() * target_mass - q);
        *q_slot = *q_slot - seed * log_probability;
    }
    cross_entropy(logits, target_probs)
}

#[track_caller]
fn expect_class(function: &str, target: usize, classes: usize) {
    assert!(
        target < classes,
        "`{function}`: `target` is {target} but there are only {classes} logits"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{
        assert_all_close, assert_gradient_matches, closed_form_tolerance, floats, seeded,
        test_in_both_precisions, TestFloat,
    };
    use crate::reduce::lit;

    const LOGITS: [f64; 4] = [0.5, -1.25, 2.0, 0.1];
    const SEED: [f64; 4] = [1.0, -0.5, 0.25, 2.0];

    /// Softmax written out naively, fine for the moderate logits it is used with.
    fn naive_softmax<F: Float>(z: &[F]) -> Vec<F> {
        let total = z.iter().fold(F::zero(), |t, &v| t + v.exp());
        z.iter().map(|&v| v.exp() / total).collect()
    }

    fn softmax_matches_finite_differences<F: TestFloat>() {
        let (z, seed) = (floats::<F>(&LOGITS), floats::<F>(&SEED));
        let mut z_adj = vec![F::zero(); z.len()];
        let p = softmax_adjoint(&z, &mut z_adj, &seed);
        assert_eq!(p, softmax(&z));
        assert_gradient_matches(seeded(softmax, &seed), &z_adj, &z);
    }

    fn softmax_adjoint_matches_its_jacobian<F: TestFloat>() {
        // ∂p[j]/∂z[i] = p[j] (δij - p[i]), so the pull-back of s is Σ_j s[j] p[j] (δij - p[i]).
        let (z, seed) = (floats::<F>(&LOGITS), floats::<F>(&SEED));
        let p = naive_softmax(&z);
        let expected: Vec<F> = (0..z.len())
            .map(|i| {
                (0..z.len()).fold(F::zero(), |total, j| {
                    let delta = if i == j { F::one() } else { F::zero() };
                    total + seed[j] * p[j] * (delta - p[i])
                })
            })
            .collect();

        let mut z_adj = vec![F::zero(); z.len()];
        softmax_adjoint(&z, &mut z_adj, &seed);
        let tolerance = closed_form_tolerance();
        assert_all_close(&z_adj, &expected, tolerance, tolerance);
        assert_all_close(&softmax(&z), &p, tolerance, tolerance);
    }

    fn log_softmax_matches_finite_differences<F: TestFloat>() {
        let (z, seed) = (floats::<F>(&LOGITS), floats::<F>(&SEED));
        let mut z_adj = vec![F::zero(); z.len()];
        log_softmax_adjoint(&z, &mut z_adj, &seed);
        assert_gradient_matches(seeded(log_softmax, &seed), &z_adj, &z);
    }

    fn log_softmax_adjoint_matches_its_jacobian<F: TestFloat>() {
        // ∂ log p[j] / ∂z[i] = δij - p[i], so the pull-back of s is s[i] - p[i] Σ s.
        let (z, seed) = (floats::<F>(&LOGITS), floats::<F>(&SEED));
        let p = naive_softmax(&z);
        let total = seed.iter().fold(F::zero(), |t, &s| t + s);
        let expected: Vec<F> = seed.iter().zip(&p).map(|(&s, &q)| s - q * total).collect();

        let mut z_adj = vec![F::zero(); z.len()];
        log_softmax_adjoint(&z, &mut z_adj, &seed);
        let tolerance = closed_form_tolerance();
        assert_all_close(&z_adj, &expected, tolerance, tolerance);
    }

    fn softmax_cross_entropy_matches_finite_differences<F: TestFloat>() {
        let z = floats::<F>(&LOGITS);
        for target in 0..z.len() {
            let mut z_adj = vec![F::zero(); z.len()];
            softmax_cross_entropy_adjoint(&z, &mut z_adj, target, F::one());
            assert_gradient_matches(|z| softmax_cross_entropy(z, target), &z_adj, &z);
        }
    }

    fn softmax_cross_entropy_gradient_is_p_minus_y<F: TestFloat>() {
        // d/dz (log Σ exp z - z[t]) = p - onehot(t), scaled by the seed.
        let z = floats::<F>(&LOGITS);
        let (target, seed) = (2, lit::<F>(-1.5));
        let p = naive_softmax(&z);
        let expected: Vec<F> = p
            .iter()
            .enumerate()
            .map(|(i, &q)| seed * (q - if i == target { F::one() } else { F::zero() }))
            .collect();

        let mut z_adj = vec![F::zero(); z.len()];
        let loss = softmax_cross_entropy_adjoint(&z, &mut z_adj, target, seed);
        let tolerance = closed_form_tolerance();
        assert_all_close(&z_adj, &expected, tolerance, tolerance);
        assert_all_close(&[loss], &[-p[target].ln()], tolerance, tolerance);
    }

    fn cross_entropy_matches_finite_differences<F: TestFloat>() {
        // One target sums to 1; the other does not, which the loss allows (it is linear in q).
        let z = floats::<F>(&LOGITS);
        for q in [[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 1.5]] {
            let q = floats::<F>(&q);
            let (mut z_adj, mut q_adj) = (vec![F::zero(); 4], vec![F::zero(); 4]);
            cross_entropy_adjoint(&z, &mut z_adj, &q, &mut q_adj, F::one());

            assert_gradient_matches(|z| cross_entropy(z, &q), &z_adj, &z);
            assert_gradient_matches(|q| cross_entropy(&z, q), &q_adj, &q);
        }
    }

    fn cross_entropy_gradient_is_p_minus_q<F: TestFloat>() {
        // For Σ q = 1: ∂/∂z = p - q and ∂/∂q = -log p.
        let z = floats::<F>(&LOGITS);
        let q = floats::<F>(&[0.1, 0.2, 0.3, 0.4]);
        let p = naive_softmax(&z);
        let (mut z_adj, mut q_adj) = (vec![F::zero(); 4], vec![F::zero(); 4]);
        let loss = cross_entropy_adjoint(&z, &mut z_adj, &q, &mut q_adj, F::one());

        let expected_z: Vec<F> = p.iter().zip(&q).map(|(&a, &b)| a - b).collect();
        let expected_q: Vec<F> = p.iter().map(|&a| -a.ln()).collect();
        let expected_loss = q
            .iter()
            .zip(&p)
            .fold(F::zero(), |t, (&b, &a)| t - b * a.ln());
        let tolerance = closed_form_tolerance();
        assert_all_close(&z_adj, &expected_z, tolerance, tolerance);
        assert_all_close(&q_adj, &expected_q, tolerance, tolerance);
        assert_all_close(&[loss], &[expected_loss], tolerance, tolerance);
    }

    fn a_one_hot_target_agrees_with_the_class_index<F: TestFloat>() {
        let z = floats::<F>(&LOGITS);
        let q = floats::<F>(&[0.0, 0.0, 1.0, 0.0]);
        let tolerance = closed_form_tolerance();
        let (by_index, by_distribution) = (softmax_cross_entropy(&z, 2), cross_entropy(&z, &q));
        assert_all_close(&[by_index], &[by_distribution], tolerance, tolerance);
    }

    fn extreme_logits_give_finite_results<F: TestFloat>() {
        // Logits 2000 apart: the loser's probability underflows to exactly 0, the winner's is
        // exactly 1, and the losses are exactly 0 and 2000.
        let z = floats::<F>(&[1000.0, -1000.0]);
        assert_eq!(softmax(&z), [F::one(), F::zero()]);
        assert_eq!(log_softmax(&z), floats::<F>(&[0.0, -2000.0]));
        assert_eq!(softmax_cross_entropy(&z, 0), F::zero());
        assert_eq!(softmax_cross_entropy(&z, 1), lit(2000.0));

        let mut z_adj = vec![F::zero(); 2];
        softmax_cross_entropy_adjoint(&z, &mut z_adj, 1, F::one());
        assert_eq!(z_adj, [F::one(), -F::one()]);

        let (mut z_adj, mut q_adj) = (vec![F::zero(); 2], vec![F::zero(); 2]);
        let loss =
            cross_entropy_adjoint(&z, &mut z_adj, &[F::one(), F::zero()], &mut q_adj, F::one());
        assert_eq!(loss, F::zero());
        assert_eq!(z_adj, [F::zero(), F::zero()]);
    }

    fn equal_logits_are_uniform<F: TestFloat>() {
        let tolerance = closed_form_tolerance();
        for level in [-1000.0, 0.0, 1000.0] {
            let z = floats::<F>(&[level; 4]);
            assert_all_close(&softmax(&z), &floats(&[0.25; 4]), tolerance, tolerance);

            let mut z_adj = vec![F::zero(); 4];
            softmax_cross_entropy_adjoint(&z, &mut z_adj, 3, F::one());
            let expected = floats(&[0.25, 0.25, 0.25, -0.75]);
            assert_all_close(&z_adj, &expected, tolerance, tolerance);
        }
    }

    fn adjoints_accumulate_and_scale_with_the_seed<F: TestFloat>() {
        // A buffer starting at 1 after two calls with seed s holds 1 + 2 × (gradient at s).
        let z = floats::<F>(&LOGITS);
        let seed = floats::<F>(&SEED);
        let doubled: Vec<F> = seed.iter().map(|&s| s + s).collect();
        let tolerance = closed_form_tolerance();

        let mut once = vec![F::zero(); 4];
        softmax_adjoint(&z, &mut once, &doubled);
        let mut twice = vec![F::one(); 4];
        softmax_adjoint(&z, &mut twice, &seed);
        softmax_adjoint(&z, &mut twice, &seed);
        let expected: Vec<F> = once.iter().map(|&g| F::one() + g).collect();
        assert_all_close(&twice, &expected, tolerance, tolerance);

        let mut once = vec![F::zero(); 4];
        softmax_cross_entropy_adjoint(&z, &mut once, 1, lit(3.0));
        let mut twice = vec![F::one(); 4];
        softmax_cross_entropy_adjoint(&z, &mut twice, 1, lit(1.5));
        softmax_cross_entropy_adjoint(&z, &mut twice, 1, lit(1.5));
        let expected: Vec<F> = once.iter().map(|&g| F::one() + g).collect();
        assert_all_close(&twice, &expected, tolerance, tolerance);
    }

    fn nan_propagates<F: TestFloat>() {
        let z = [F::one(), F::nan(), F::zero()];
        assert!(softmax(&z).iter().all(|p| p.is_nan()));
        assert!(log_softmax(&z).iter().all(|p| p.is_nan()));
        assert!(softmax_cross_entropy(&z, 0).is_nan());
        let mut z_adj = vec![F::zero(); 3];
        softmax_cross_entropy_adjoint(&z, &mut z_adj, 0, F::one());
        assert!(z_adj.iter().all(|g| g.is_nan()));
    }

    test_in_both_precisions!(
        softmax_matches_finite_differences,
        softmax_adjoint_matches_its_jacobian,
        log_softmax_matches_finite_differences,
        log_softmax_adjoint_matches_its_jacobian,
        softmax_cross_entropy_matches_finite_differences,
        softmax_cross_entropy_gradient_is_p_minus_y,
        cross_entropy_matches_finite_differences,
        cross_entropy_gradient_is_p_minus_q,
        a_one_hot_target_agrees_with_the_class_index,
        extreme_logits_give_finite_results,
        equal_logits_are_uniform,
        adjoints_accumulate_and_scale_with_the_seed,
        nan_propagates,
    );

    #[test]
    #[should_panic(expected = "`softmax_cross_entropy`: `target` is 3 but there are only 3 logits")]
    fn softmax_cross_entropy_rejects_an_unknown_class() {
        softmax_cross_entropy(&[0.0_f64, 1.0, 2.0], 3);
    }

    #[test]
    #[should_panic(
        expected = "`softmax_cross_entropy_adjoint`: `target` is 0 but there are only 0"
    )]
    fn softmax_cross_entropy_rejects_empty_logits() {
        softmax_cross_entropy_adjoint::<f64>(&[], &mut [], 0, 1.0);
    }

    #[test]
    #[should_panic(expected = "`cross_entropy`: `target_probs` has length 1, expected 2")]
    fn cross_entropy_rejects_mismatched_lengths() {
        cross_entropy(&[0.0_f64, 1.0], &[1.0]);
    }

    #[test]
    #[should_panic(expected = "`softmax_adjoint`: `seed` has length 1, expected 2")]
    fn softmax_adjoint_rejects_a_short_seed() {
        softmax_adjoint(&[0.0_f64, 1.0], &mut [0.0; 2], &[1.0]);
    }
}

//! Dense layers (matrix-vector products over row-major matrices) and element-wise vector
//! activations, with their adjoints.

use num_traits::Float;

use crate::activation::{relu, relu_adjoint, sigmoid, sigmoid_adjoint};
use crate::reduce::{axpy, dot_kernel, expect_len};

/// Matrix-vector product `y = W x`, with `w` a `rows × cols` matrix stored row-major.
///
/// `y[i] = Σ_j w[i * cols + j] x[j]`. NaN anywhere in a row or in `x` gives NaN.
///
/// # Panics
///
/// If `w.len() != rows * cols` or `x.len() != cols`.
///
/// # Examples
///
/// ```
/// use grad_runtime::matvec;
///
/// let w = [
///     1.0_f64, 2.0, //
///     0.0, -1.0, //
///     3.0, 0.0, //
/// ];
/// assert_eq!(matvec(&w, &[10.0, 1.0], 3, 2), [12.0, -1.0, 30.0]);
/// ```
pub fn matvec<F: Float>(w: &[F], x: &[F], rows: usize, cols: usize) -> Vec<F> {
    expect_matrix("matvec", w, x, rows, cols);
    (0..rows)
        .map(|i| dot_kernel(&w[i * cols..][..cols], x))
        .collect()
}

/// Adjoint of [`matvec`]: adds the outer product `seed xᵀ` to `w_adj` and `Wᵀ seed` to
/// `x_adj`; returns `W x`.
///
/// # Panics
///
/// As [`matvec`], or if an adjoint buffer differs in length from its argument, or
/// `seed.len() != rows`.
///
/// # Examples
///
/// ```
/// use grad_runtime::matvec_adjoint;
///
/// let (mut w_adj, mut x_adj) = ([0.0_f64; 2], [0.0_f64; 2]);
/// matvec_adjoint(&[1.0, 2.0], &mut w_adj, &[3.0, 4.0], &mut x_adj, 1, 2, &[10.0]);
/// assert_eq!(w_adj, [30.0, 40.0]);
/// assert_eq!(x_adj, [10.0, 20.0]);
/// ```
pub fn matvec_adjoint<F: Float>(
    w: &[F],
    w_adj: &mut [F],
    x: &[F],
    x_adj: &mut [F],
    rows: usize,
    cols: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "matvec_adjoint";
    expect_matrix(name, w, x, rows, cols);
    expect_len(name, "w_adj", w_adj.len(), w.len());
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "seed", seed.len(), rows);

    accumulate_matvec_adjoint(w, w_adj, x, x_adj, cols, seed);
    matvec(w, x, rows, cols)
}

/// Affine map `y = W x + b`, with `w` a `rows × cols` matrix stored row-major and `b` of
/// length `rows`: the pre-activation of a dense layer.
///
/// # Panics
///
/// If `w.len() != rows * cols`, `x.len() != cols` or `b.len() != rows`.
///
/// # Examples
///
/// ```
/// use grad_runtime::affine;
///
/// let w = [1.0_f64, 2.0, 0.0, -1.0];
/// assert_eq!(affine(&w, &[0.5, 0.5], &[10.0, 1.0], 2, 2), [12.5, -0.5]);
/// ```
pub fn affine<F: Float>(w: &[F], b: &[F], x: &[F], rows: usize, cols: usize) -> Vec<F> {
    expect_matrix("affine", w, x, rows, cols);
    expect_len("affine", "b", b.len(), rows);

    let mut y = matvec(w, x, rows, cols);
    for (value, &bias) in y.iter_mut().zip(b) {
        *value = *value + bias;
    }
    y
}

/// Adjoint of [`affine`]: adds `seed xᵀ` to `w_adj`, `seed` to `b_adj` and `Wᵀ seed` to
/// `x_adj`; returns `W x + b`.
///
/// # Panics
///
/// As [`affine`], or if an adjoint buffer differs in length from its argument, or
/// `seed.len() != rows`.
///
/// # Examples
///
/// ```
/// use grad_runtime::affine_adjoint;
///
/// let (mut w_adj, mut b_adj, mut x_adj) = ([0.0_f64; 2], [0.0_f64; 1], [0.0_f64; 2]);
/// let y = affine_adjoint(&[1.0, 2.0], &mut w_adj, &[0.5], &mut b_adj, &[3.0, 4.0], &mut x_adj, 1, 2, &[2.0]);
/// assert_eq!(y, [11.5]);
/// assert_eq!((w_adj, b_adj, x_adj), ([6.0, 8.0], [2.0], [2.0, 4.0]));
/// ```
// The adjoint contract mirrors the primal's flat parameter list, so the arguments cannot be
// gathered into a struct.
#[allow(clippy::too_many_arguments)]
pub fn affine_adjoint<F: Float>(
    w: &[F],
    w_adj: &mut [F],
    b: &[F],
    b_adj: &mut [F],
    x: &[F],
    x_adj: &mut [F],
    rows: usize,
    cols: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "affine_adjoint";
    expect_matrix(name, w, x, rows, cols);
    expect_len(name, "b", b.len(), rows);
    expect_len(name, "w_adj", w_adj.len(), w.len());
    expect_len(name, "b_adj", b_adj.len(), b.len());
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "seed", seed.len(), rows);

    accumulate_matvec_adjoint(w, w_adj, x, x_adj, cols, seed);
    axpy(F::one(), seed, b_adj);
    affine(w, b, x, rows, cols)
}

/// [`relu`] applied to every entry: `max(x[i], 0)`, NaN staying NaN.
///
/// # Examples
///
/// ```
/// use grad_runtime::relu_vec;
///
/// assert_eq!(relu_vec(&[-1.0_f64, 0.0, 2.0]), [0.0, 0.0, 2.0]);
/// ```
pub fn relu_vec<F: Float>(x: &[F]) -> Vec<F> {
    x.iter().map(|&value| relu(value)).collect()
}

/// Adjoint of [`relu_vec`]: adds `seed[i]` to `x_adj[i]` where `x[i] > 0`; returns the
/// activations.
///
/// At `x[i] == 0` the derivative is 0, as in [`relu_adjoint`].
///
/// # Panics
///
/// If `x_adj` or `seed` differs in length from `x`.
///
/// # Examples
///
/// ```
/// use grad_runtime::relu_vec_adjoint;
///
/// let mut x_adj = [0.0_f64; 3];
/// relu_vec_adjoint(&[-1.0, 0.0, 2.0], &mut x_adj, &[5.0, 5.0, 5.0]);
/// assert_eq!(x_adj, [0.0, 0.0, 5.0]);
/// ```
pub fn relu_vec_adjoint<F: Float>(x: &[F], x_adj: &mut [F], seed: &[F]) -> Vec<F> {
    map_adjoint("relu_vec_adjoint", x, x_adj, seed, relu_adjoint)
}

/// [`sigmoid`] applied to every entry.
///
/// # Examples
///
/// ```
/// use grad_runtime::sigmoid_vec;
///
/// assert_eq!(sigmoid_vec(&[0.0_f64, -1000.0]), [0.5, 0.0]);
/// ```
pub fn sigmoid_vec<F: Float>(x: &[F]) -> Vec<F> {
    x.iter().map(|&value| sigmoid(value)).collect()
}

/// Adjoint of [`sigmoid_vec`]: adds `seed[i] σ(x[i]) σ(-x[i])` to `x_adj[i]`; returns the
/// activations.
///
/// # Panics
///
/// If `x_adj` or `seed` differs in length from `x`.
///
/// # Examples
///
/// ```
/// use grad_runtime::sigmoid_vec_adjoint;
///
/// let mut x_adj = [0.0_f64; 2];
/// sigmoid_vec_adjoint(&[0.0, 0.0], &mut x_adj, &[1.0, 4.0]);
/// assert_eq!(x_adj, [0.25, 1.0]);
/// ```
pub fn sigmoid_vec_adjoint<F: Float>(x: &[F], x_adj: &mut [F], seed: &[F]) -> Vec<F> {
    map_adjoint("sigmoid_vec_adjoint", x, x_adj, seed, sigmoid_adjoint)
}

/// Applies a scalar adjoint entry by entry, collecting the primal values.
#[track_caller]
fn map_adjoint<F: Float>(
    function: &str,
    x: &[F],
    x_adj: &mut [F],
    seed: &[F],
    scalar_adjoint: impl Fn(F, &mut F, F) -> F,
) -> Vec<F> {
    expect_len(function, "x_adj", x_adj.len(), x.len());
    expect_len(function, "seed", seed.len(), x.len());

    let entries = x.iter().zip(x_adj.iter_mut()).zip(seed);
    entries
        .map(|((&value, slot), &s)| scalar_adjoint(value, slot, s))
        .collect()
}

/// Adds `seed xᵀ` to `w_adj` and `Wᵀ seed` to `x_adj`, row by row.
fn accumulate_matvec_adjoint<F: Float>(
    w: &[F],
    w_adj: &mut [F],
    x: &[F],
    x_adj: &mut [F],
    cols: usize,
    seed: &[F],
) {
    for (i, &s) in seed.iter().enumerate() {
        let row = i * cols..(i + 1) * cols;
        axpy(s, x, &mut w_adj[row.clone()]);
        axpy(s, &w[row], x_adj);
    }
}

#[track_caller]
fn expect_matrix<F>(function: &str, w: &[F], x: &[F], rows: usize, cols: usize) {
    assert!(
        w.len() == rows * cols,
        "`{function}`: `w` has length {}, expected rows × cols = {}",
        w.len(),
        rows * cols
    );
    expect_len(function, "x", x.len(), cols);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{
        assert_all_close, assert_gradient_matches, closed_form_tolerance, floats, seeded,
        test_in_both_precisions, TestFloat,
    };

    /// A 3 × 4 matrix, a 4-vector, a bias and an output seed.
    const W: [f64; 12] = [
        0.5, -1.2, 2.0, 0.3, //
        -0.7, 0.1, 1.5, -2.2, //
        1.1, 0.9, -0.4, 0.6, //
    ];
    const X: [f64; 4] = [1.5, -0.5, 0.25, 2.0];
    const B: [f64; 3] = [0.1, -0.3, 0.7];
    const SEED: [f64; 3] = [1.0, -2.0, 0.5];

    fn matvec_matches_finite_differences<F: TestFloat>() {
        let (w, x, seed) = (floats::<F>(&W), floats::<F>(&X), floats::<F>(&SEED));
        let (mut w_adj, mut x_adj) = (vec![F::zero(); 12], vec![F::zero(); 4]);
        matvec_adjoint(&w, &mut w_adj, &x, &mut x_adj, 3, 4, &seed);

        assert_gradient_matches(seeded(|w| matvec(w, &x, 3, 4), &seed), &w_adj, &w);
        assert_gradient_matches(seeded(|x| matvec(&w, x, 3, 4), &seed), &x_adj, &x);
    }

    fn affine_matches_finite_differences<F: TestFloat>() {
        let (w, b, x) = (floats::<F>(&W), floats::<F>(&B), floats::<F>(&X));
        let seed = floats::<F>(&SEED);
        let (mut w_adj, mut b_adj, mut x_adj) =
            (vec![F::zero(); 12], vec![F::zero(); 3], vec![F::zero(); 4]);
        affine_adjoint(&w, &mut w_adj, &b, &mut b_adj, &x, &mut x_adj, 3, 4, &seed);

        assert_gradient_matches(seeded(|w| affine(w, &b, &x, 3, 4), &seed), &w_adj, &w);
        assert_gradient_matches(seeded(|b| affine(&w, b, &x, 3, 4), &seed), &b_adj, &b);
        assert_gradient_matches(seeded(|x| affine(&w, &b, x, 3, 4), &seed), &x_adj, &x);
    }

    fn affine_gradients_match_their_closed_forms<F: TestFloat>() {
        // y = W x + b: ∂L/∂W = seed xᵀ (an outer product), ∂L/∂b = seed, ∂L/∂x = Wᵀ seed.
        let (w, b, x) = (floats::<F>(&W), floats::<F>(&B), floats::<F>(&X));
        let seed = floats::<F>(&SEED);
        let outer: Vec<F> = seed
            .iter()
            .flat_map(|&s| x.iter().map(move |&v| s * v))
            .collect();
        let transposed: Vec<F> = (0..4)
            .map(|j| (0..3).fold(F::zero(), |t, i| t + w[i * 4 + j] * seed[i]))
            .collect();
        let forward: Vec<F> = (0..3)
            .map(|i| (0..4).fold(b[i], |t, j| t + w[i * 4 + j] * x[j]))
            .collect();

        let (mut w_adj, mut b_adj, mut x_adj) =
            (vec![F::zero(); 12], vec![F::zero(); 3], vec![F::zero(); 4]);
        let y = affine_adjoint(&w, &mut w_adj, &b, &mut b_adj, &x, &mut x_adj, 3, 4, &seed);
        let tolerance = closed_form_tolerance();
        assert_all_close(&w_adj, &outer, tolerance, tolerance);
        assert_all_close(&b_adj, &seed, tolerance, tolerance);
        assert_all_close(&x_adj, &transposed, tolerance, tolerance);
        assert_all_close(&y, &forward, tolerance, tolerance);
    }

    fn vector_activations_match_finite_differences<F: TestFloat>() {
        // No entry of X sits at ReLU's kink.
        let (x, seed) = (
            floats::<F>(&[1.5, -0.5, 0.25, -2.0]),
            floats::<F>(&[1.0, 2.0, -1.0, 0.5]),
        );
        let mut x_adj = vec![F::zero(); 4];
        relu_vec_adjoint(&x, &mut x_adj, &seed);
        assert_gradient_matches(seeded(relu_vec, &seed), &x_adj, &x);
        assert_eq!(
            x_adj,
            floats::<F>(&[1.0, 0.0, -1.0, 0.0]),
            "the seed passes where x > 0"
        );

        let mut x_adj = vec![F::zero(); 4];
        sigmoid_vec_adjoint(&x, &mut x_adj, &seed);
        assert_gradient_matches(seeded(sigmoid_vec, &seed), &x_adj, &x);
    }

    fn adjoints_accumulate_and_scale_with_the_seed<F: TestFloat>() {
        // From buffers holding 1, two calls with seed s give 1 + (one call with seed 2s).
        let (w, b, x) = (floats::<F>(&W), floats::<F>(&B), floats::<F>(&X));
        let seed = floats::<F>(&SEED);
        let doubled: Vec<F> = seed.iter().map(|&s| s + s).collect();
        let mut once = [vec![F::zero(); 12], vec![F::zero(); 3], vec![F::zero(); 4]];
        let [w_once, b_once, x_once] = &mut once;
        affine_adjoint(&w, w_once, &b, b_once, &x, x_once, 3, 4, &doubled);

        let mut twice = [vec![F::one(); 12], vec![F::one(); 3], vec![F::one(); 4]];
        for _ in 0..2 {
            let [w_adj, b_adj, x_adj] = &mut twice;
            affine_adjoint(&w, w_adj, &b, b_adj, &x, x_adj, 3, 4, &seed);
        }
        let tolerance = closed_form_tolerance();
        for (accumulated, single) in twice.iter().zip(&once) {
            let expected: Vec<F> = single.iter().map(|&g| F::one() + g).collect();
            assert_all_close(accumulated, &expected, tolerance, tolerance);
        }
    }

    fn nan_propagates<F: TestFloat>() {
        let mut x = floats::<F>(&X);
        x[2] = F::nan();
        assert!(matvec(&floats::<F>(&W), &x, 3, 4)
            .iter()
            .all(|v| v.is_nan()));
        let activated = relu_vec(&x);
        assert!(activated[2].is_nan() && activated[1] == F::zero());
    }

    test_in_both_precisions!(
        matvec_matches_finite_differences,
        affine_matches_finite_differences,
        affine_gradients_match_their_closed_forms,
        vector_activations_match_finite_differences,
        adjoints_accumulate_and_scale_with_the_seed,
        nan_propagates,
    );

    #[test]
    #[should_panic(expected = "`matvec`: `w` has length 5, expected rows × cols = 6")]
    fn matvec_rejects_a_mismatched_matrix() {
        matvec(&[0.0_f64; 5], &[1.0; 3], 2, 3);
    }

    #[test]
    #[should_panic(expected = "`affine`: `x` has length 2, expected 3")]
    fn affine_rejects_a_mismatched_input() {
        affine(&[0.0_f64; 6], &[0.0; 2], &[1.0; 2], 2, 3);
    }

    #[test]
    #[should_panic(expected = "`affine_adjoint`: `b_adj` has length 1, expected 2")]
    fn affine_adjoint_rejects_a_short_bias_buffer() {
        let (w, b, x) = ([0.0_f64; 6], [0.0; 2], [1.0; 3]);
        affine_adjoint(
            &w,
            &mut [0.0; 6],
            &b,
            &mut [0.0],
            &x,
            &mut [0.0; 3],
            2,
            3,
            &[1.0; 2],
        );
    }

    #[test]
    #[should_panic(expected = "`relu_vec_adjoint`: `seed` has length 1, expected 2")]
    fn relu_vec_adjoint_rejects_a_short_seed() {
        relu_vec_adjoint(&[1.0_f64, 2.0], &mut [0.0; 2], &[1.0]);
    }
}

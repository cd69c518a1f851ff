//! Max and average pooling over 1-D signals and 2-D images, with their adjoints.
//!
//! A window of `window` samples starts every `stride` samples, as long as it fits: a signal
//! of length `len` gives `(len - window) / stride + 1` outputs, and the last samples are left
//! out when the windows do not tile it exactly. Overlapping windows (`stride < window`) each
//! send gradient to the samples they share, which accumulates.

use num_traits::Float;

use crate::reduce::{expect_len, from_count, sum};

/// Largest value in each window of `x`.
///
/// Ties go to the first maximum in the window (this decides which input gets the gradient in
/// [`max_pool1d_adjoint`]). NaN in a window makes that output NaN.
///
/// # Panics
///
/// If `window` or `stride` is zero, or `window` is longer than `x`.
///
/// # Examples
///
/// ```
/// use grad_runtime::max_pool1d;
///
/// assert_eq!(max_pool1d(&[1.0_f64, 3.0, 2.0, 0.0, 5.0], 2, 2), [3.0, 2.0]);
/// ```
pub fn max_pool1d<F: Float>(x: &[F], window: usize, stride: usize) -> Vec<F> {
    let outputs = pooled_len("max_pool1d", "x", x.len(), window, stride);
    (0..outputs)
        .map(|o| x[o * stride + first_argmax(&x[o * stride..][..window])])
        .collect()
}

/// Adjoint of [`max_pool1d`]: routes each `seed[o]` to the first maximum of window `o` and
/// returns the pooled values.
///
/// # Panics
///
/// As [`max_pool1d`], or if `x_adj` differs in length from `x`, or `seed` from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::max_pool1d_adjoint;
///
/// let mut x_adj = [0.0_f64; 4];
/// max_pool1d_adjoint(&[1.0, 3.0, 3.0, 0.0], &mut x_adj, 2, 1, &[1.0, 10.0, 100.0]);
/// // Windows [1, 3], [3, 3] (a tie: the first 3 wins) and [3, 0].
/// assert_eq!(x_adj, [0.0, 11.0, 100.0, 0.0]);
/// ```
pub fn max_pool1d_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    window: usize,
    stride: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "max_pool1d_adjoint";
    let outputs = pooled_len(name, "x", x.len(), window, stride);
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "seed", seed.len(), outputs);

    let mut pooled = Vec::with_capacity(outputs);
    for (o, &s) in seed.iter().enumerate() {
        let winner = o * stride + first_argmax(&x[o * stride..][..window]);
        x_adj[winner] = x_adj[winner] + s;
        pooled.push(x[winner]);
    }
    pooled
}

/// Mean of each window of `x`. NaN in a window makes that output NaN.
///
/// # Panics
///
/// If `window` or `stride` is zero, or `window` is longer than `x`.
///
/// # Examples
///
/// ```
/// use grad_runtime::avg_pool1d;
///
/// assert_eq!(avg_pool1d(&[1.0_f64, 3.0, 2.0, 0.0, 5.0], 2, 2), [2.0, 1.0]);
/// ```
pub fn avg_pool1d<F: Float>(x: &[F], window: usize, stride: usize) -> Vec<F> {
    let outputs = pooled_len("avg_pool1d", "x", x.len(), window, stride);
    let scale = from_count::<F>(window).recip();
    (0..outputs)
        .map(|o| sum(&x[o * stride..][..window]) * scale)
        .collect()
}

/// Adjoint of [`avg_pool1d`]: spreads `seed[o] / window` over every sample of window `o`
/// and returns the pooled values.
///
/// # Panics
///
/// As [`avg_pool1d`], or if `x_adj` differs in length from `x`, or `seed` from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::avg_pool1d_adjoint;
///
/// let mut x_adj = [0.0_f64; 3];
/// avg_pool1d_adjoint(&[1.0, 3.0, 2.0], &mut x_adj, 2, 1, &[2.0, 4.0]);
/// assert_eq!(x_adj, [1.0, 3.0, 2.0]);
/// ```
pub fn avg_pool1d_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    window: usize,
    stride: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "avg_pool1d_adjoint";
    let outputs = pooled_len(name, "x", x.len(), window, stride);
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "seed", seed.len(), outputs);

    let scale = from_count::<F>(window).recip();
    for (o, &s) in seed.iter().enumerate() {
        let share = s * scale;
        for slot in &mut x_adj[o * stride..][..window] {
            *slot = *slot + share;
        }
    }
    avg_pool1d(x, window, stride)
}

/// Largest value in each window of a `height × width` image stored row-major in `x`.
///
/// Windows are `window_h × window_w` and start every `stride_h` rows and `stride_w` columns;
/// the output is `out_h × out_w`, row-major, with `out_h = (height - window_h) / stride_h + 1`
/// and likewise for columns. Ties go to the first maximum in row-major order within the
/// window. NaN in a window makes that output NaN.
///
/// # Panics
///
/// If a window or stride is zero, a window is larger than the image along its axis, or
/// `x.len() != height * width`.
///
/// # Examples
///
/// ```
/// use grad_runtime::max_pool2d;
///
/// let image = [
///     1.0_f64, 2.0, 0.0, 0.0, //
///     4.0, 3.0, 0.0, 9.0, //
/// ];
/// assert_eq!(max_pool2d(&image, 2, 4, 2, 2, 2, 2), [4.0, 9.0]);
/// ```
pub fn max_pool2d<F: Float>(
    x: &[F],
    height: usize,
    width: usize,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
) -> Vec<F> {
    let grid = Pool2d::new(
        "max_pool2d",
        x.len(),
        [height, width, window_h, window_w],
        [stride_h, stride_w],
    );
    grid.origins()
        .map(|origin| x[grid.first_argmax(x, origin)])
        .collect()
}

/// Adjoint of [`max_pool2d`]: routes each `seed[o]` to the first maximum (row-major) of
/// window `o` and returns the pooled values.
///
/// # Panics
///
/// As [`max_pool2d`], or if `x_adj` differs in length from `x`, or `seed` from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::max_pool2d_adjoint;
///
/// let image = [1.0_f64, 2.0, 4.0, 4.0];
/// let mut image_adj = [0.0; 4];
/// max_pool2d_adjoint(&image, &mut image_adj, 2, 2, 2, 2, 1, 1, &[5.0]);
/// assert_eq!(image_adj, [0.0, 0.0, 5.0, 0.0]);
/// ```
// The adjoint contract mirrors the primal's flat parameter list, so the arguments cannot be
// gathered into a struct.
#[allow(clippy::too_many_arguments)]
pub fn max_pool2d_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    height: usize,
    width: usize,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "max_pool2d_adjoint";
    let grid = Pool2d::new(
        name,
        x.len(),
        [height, width, window_h, window_w],
        [stride_h, stride_w],
    );
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "seed", seed.len(), grid.outputs());

    let mut pooled = Vec::with_capacity(seed.len());
    for (origin, &s) in grid.origins().zip(seed) {
        let winner = grid.first_argmax(x, origin);
        x_adj[winner] = x_adj[winner] + s;
        pooled.push(x[winner]);
    }
    pooled
}

/// Mean of each window of a `height × width` image stored row-major in `x`.
///
/// The geometry is that of [`max_pool2d`]. NaN in a window makes that output NaN.
///
/// # Panics
///
/// If a window or stride is zero, a window is larger than the image along its axis, or
/// `x.len() != height * width`.
///
/// # Examples
///
/// ```
/// use grad_runtime::avg_pool2d;
///
/// let image = [
///     1.0_f64, 2.0, 0.0, 0.0, //
///     4.0, 3.0, 0.0, 8.0, //
/// ];
/// assert_eq!(avg_pool2d(&image, 2, 4, 2, 2, 2, 2), [2.5, 2.0]);
/// ```
pub fn avg_pool2d<F: Float>(
    x: &[F],
    height: usize,
    width: usize,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
) -> Vec<F> {
    let grid = Pool2d::new(
        "avg_pool2d",
        x.len(),
        [height, width, window_h, window_w],
        [stride_h, stride_w],
    );
    let scale = from_count::<F>(window_h * window_w).recip();
    grid.origins()
        .map(|origin| {
            grid.rows(origin)
                .fold(F::zero(), |total, row| total + sum(&x[row]))
                * scale
        })
        .collect()
}

/// Adjoint of [`avg_pool2d`]: spreads `seed[o] / (window_h * window_w)` over every pixel of
/// window `o` and returns the pooled values.
///
/// # Panics
///
/// As [`avg_pool2d`], or if `x_adj` differs in length from `x`, or `seed` from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::avg_pool2d_adjoint;
///
/// let mut image_adj = [0.0_f64; 4];
/// avg_pool2d_adjoint(&[1.0, 2.0, 3.0, 4.0], &mut image_adj, 2, 2, 2, 2, 1, 1, &[8.0]);
/// assert_eq!(image_adj, [2.0; 4]);
/// ```
// The adjoint contract mirrors the primal's flat parameter list, so the arguments cannot be
// gathered into a struct.
#[allow(clippy::too_many_arguments)]
pub fn avg_pool2d_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    height: usize,
    width: usize,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "avg_pool2d_adjoint";
    let grid = Pool2d::new(
        name,
        x.len(),
        [height, width, window_h, window_w],
        [stride_h, stride_w],
    );
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "seed", seed.len(), grid.outputs());

    let scale = from_count::<F>(window_h * window_w).recip();
    for (origin, &s) in grid.origins().zip(seed) {
        let share = s * scale;
        for row in grid.rows(origin) {
            for slot in &mut x_adj[row] {
                *slot = *slot + share;
            }
        }
    }
    avg_pool2d(x, height, width, window_h, window_w, stride_h, stride_w)
}

/// Number of windows along one axis, after checking the window and stride.
#[track_caller]
fn pooled_len(function: &str, axis: &str, len: usize, window: usize, stride: usize) -> usize {
    assert!(
        window > 0,
        "`{function}`: the window along `{axis}` is empty"
    );
    assert!(
        stride > 0,
        "`{function}`: the stride along `{axis}` is zero"
    );
    assert!(
        window <= len,
        "`{function}`: the window ({window}) is longer than `{axis}` ({len})"
    );
    (len - window) / stride + 1
}

/// Index of the first NaN in `values` if there is one, otherwise of the first maximum.
///
/// A NaN wins outright so that it reaches the output instead of being skipped by `>`.
fn first_argmax<F: Float>(values: &[F]) -> usize {
    let mut best = 0;
    for (i, &value) in values.iter().enumerate() {
        if value.is_nan() {
            return i;
        }
        if value > values[best] {
            best = i;
        }
    }
    best
}

/// The windows of a 2-D pooling, checked against the image they slide over.
struct Pool2d {
    width: usize,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
    out_h: usize,
    out_w: usize,
}

impl Pool2d {
    /// Checks the geometry: `[height, width, window_h, window_w]` and `[stride_h, stride_w]`.
    #[track_caller]
    fn new(
        function: &str,
        len: usize,
        [height, width, window_h, window_w]: [usize; 4],
        [stride_h, stride_w]: [usize; 2],
    ) -> Self {
        assert!(
            len == height * width,
            "`{function}`: `x` has length {len}, expected height × width = {}",
            height * width
        );
        let out_h = pooled_len(function, "height", height, window_h, stride_h);
        let out_w = pooled_len(function, "width", width, window_w, stride_w);
        Pool2d {
            width,
            window_h,
            window_w,
            stride_h,
            stride_w,
            out_h,
            out_w,
        }
    }

    fn outputs(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Index in the image of each window's top-left pixel, in row-major output order.
    fn origins(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.out_h).flat_map(move |oy| {
            (0..self.out_w).map(move |ox| oy * self.stride_h * self.width + ox * self.stride_w)
        })
    }

    /// The index ranges of the rows of the window at `origin`.
    fn rows(&self, origin: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        (0..self.window_h).map(move |r| {
            let start = origin + r * self.width;
            start..start + self.window_w
        })
    }

    /// Image index of the first NaN, or else of the first maximum in row-major order, in the
    /// window at `origin`.
    fn first_argmax<F: Float>(&self, x: &[F], origin: usize) -> usize {
        let mut best = origin;
        for row in self.rows(origin) {
            let candidate = row.start + first_argmax(&x[row]);
            if x[candidate].is_nan() {
                return candidate;
            }
            // Strict `>` keeps an earlier row's maximum on a tie.
            if x[candidate] > x[best] {
                best = candidate;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{
        assert_all_close, assert_gradient_matches, closed_form_tolerance, floats, seeded,
        test_in_both_precisions, TestFloat,
    };
    use crate::reduce::lit;

    /// A signal with distinct values (no ties within a window, gaps far wider than the
    /// finite-difference step), so max pooling is differentiable there.
    const SIGNAL: [f64; 9] = [0.3, -1.2, 2.5, 0.9, -0.4, 1.7, 3.1, -2.2, 0.6];

    /// `(window, stride)` pairs: disjoint, overlapping, gapped and a single window.
    const GEOMETRIES: [(usize, usize); 4] = [(3, 3), (3, 1), (2, 3), (9, 1)];

    fn seed_for<F: Float>(outputs: usize) -> Vec<F> {
        (0..outputs)
            .map(|o| from_count::<F>(o + 1) * lit(0.75))
            .collect()
    }

    fn pool1d_matches_finite_differences<F: TestFloat>() {
        let x = floats::<F>(&SIGNAL);
        for (window, stride) in GEOMETRIES {
            let seed = seed_for::<F>((x.len() - window) / stride + 1);

            let mut x_adj = vec![F::zero(); x.len()];
            max_pool1d_adjoint(&x, &mut x_adj, window, stride, &seed);
            assert_gradient_matches(seeded(|x| max_pool1d(x, window, stride), &seed), &x_adj, &x);

            let mut x_adj = vec![F::zero(); x.len()];
            avg_pool1d_adjoint(&x, &mut x_adj, window, stride, &seed);
            assert_gradient_matches(seeded(|x| avg_pool1d(x, window, stride), &seed), &x_adj, &x);
        }
    }

    fn max_pool1d_routes_the_seed_to_the_winner<F: TestFloat>() {
        // d out[o] / d x[j] = 1 exactly when j is the first maximum of window o, else 0.
        let x = floats::<F>(&SIGNAL);
        for (window, stride) in GEOMETRIES {
            let seed = seed_for::<F>((x.len() - window) / stride + 1);
            let mut expected = vec![F::zero(); x.len()];
            let mut expected_out = Vec::new();
            for (o, &s) in seed.iter().enumerate() {
                let start = o * stride;
                let winner = (start..start + window)
                    .reduce(|a, b| if x[b] > x[a] { b } else { a })
                    .unwrap();
                expected[winner] = expected[winner] + s;
                expected_out.push(x[winner]);
            }

            let mut x_adj = vec![F::zero(); x.len()];
            let out = max_pool1d_adjoint(&x, &mut x_adj, window, stride, &seed);
            assert_eq!(x_adj, expected, "window {window}, stride {stride}");
            assert_eq!(out, expected_out);
        }
    }

    fn avg_pool1d_distributes_the_seed_evenly<F: TestFloat>() {
        // d out[o] / d x[j] = 1 / window for every j inside window o.
        let x = floats::<F>(&SIGNAL);
        for (window, stride) in GEOMETRIES {
            let seed = seed_for::<F>((x.len() - window) / stride + 1);
            let mut expected = vec![F::zero(); x.len()];
            for (o, &s) in seed.iter().enumerate() {
                for slot in &mut expected[o * stride..o * stride + window] {
                    *slot = *slot + s / from_count(window);
                }
            }

            let mut x_adj = vec![F::zero(); x.len()];
            avg_pool1d_adjoint(&x, &mut x_adj, window, stride, &seed);
            let tolerance = closed_form_tolerance();
            assert_all_close(&x_adj, &expected, tolerance, tolerance);
        }
    }

    fn max_pool1d_ties_go_to_the_first_maximum<F: TestFloat>() {
        let x = floats::<F>(&[2.0, 2.0, 1.0, 2.0, 2.0]);
        let mut x_adj = vec![F::zero(); 5];
        let out = max_pool1d_adjoint(&x, &mut x_adj, 2, 1, &floats(&[1.0, 10.0, 100.0, 1000.0]));
        // Windows [2, 2], [2, 1], [1, 2], [2, 2] pick indices 0, 1, 3, 3.
        assert_eq!(x_adj, floats::<F>(&[1.0, 10.0, 0.0, 1100.0, 0.0]));
        assert_eq!(out, floats::<F>(&[2.0; 4]));
    }

    /// A 4 × 5 image with distinct values.
    const IMAGE: [f64; 20] = [
        0.3, -1.2, 2.5, 0.9, -0.4, //
        1.7, 3.1, -2.2, 0.6, 1.1, //
        -0.8, 2.0, 0.1, -1.6, 2.8, //
        1.4, -0.2, 3.6, 0.4, -2.9, //
    ];

    /// `[window_h, window_w, stride_h, stride_w]` over the 4 × 5 image.
    const GEOMETRIES_2D: [[usize; 4]; 4] = [[2, 2, 2, 2], [2, 3, 1, 1], [3, 2, 1, 3], [4, 5, 1, 1]];

    fn pool2d_outputs(geometry: [usize; 4]) -> (usize, usize) {
        let [window_h, window_w, stride_h, stride_w] = geometry;
        ((4 - window_h) / stride_h + 1, (5 - window_w) / stride_w + 1)
    }

    fn pool2d_matches_finite_differences<F: TestFloat>() {
        let x = floats::<F>(&IMAGE);
        for geometry in GEOMETRIES_2D {
            let [wh, ww, sh, sw] = geometry;
            let (out_h, out_w) = pool2d_outputs(geometry);
            let seed = seed_for::<F>(out_h * out_w);

            let mut x_adj = vec![F::zero(); x.len()];
            max_pool2d_adjoint(&x, &mut x_adj, 4, 5, wh, ww, sh, sw, &seed);
            let max = |x: &[F]| max_pool2d(x, 4, 5, wh, ww, sh, sw);
            assert_gradient_matches(seeded(max, &seed), &x_adj, &x);

            let mut x_adj = vec![F::zero(); x.len()];
            avg_pool2d_adjoint(&x, &mut x_adj, 4, 5, wh, ww, sh, sw, &seed);
            let avg = |x: &[F]| avg_pool2d(x, 4, 5, wh, ww, sh, sw);
            assert_gradient_matches(seeded(avg, &seed), &x_adj, &x);
        }
    }

    fn pool2d_matches_its_closed_forms<F: TestFloat>() {
        // Max: the seed of each window lands on its largest pixel. Average: each pixel of
        // the window receives seed / (window_h window_w). Both summed over windows.
        let x = floats::<F>(&IMAGE);
        for geometry in GEOMETRIES_2D {
            let [wh, ww, sh, sw] = geometry;
            let (out_h, out_w) = pool2d_outputs(geometry);
            let seed = seed_for::<F>(out_h * out_w);
            let mut expected_max = vec![F::zero(); x.len()];
            let mut expected_avg = vec![F::zero(); x.len()];
            for (oy, ox) in (0..out_h).flat_map(|oy| (0..out_w).map(move |ox| (oy, ox))) {
                let s = seed[oy * out_w + ox];
                let pixels =
                    (0..wh).flat_map(|r| (0..ww).map(move |c| (oy * sh + r) * 5 + ox * sw + c));
                let winner = pixels
                    .clone()
                    .reduce(|a, b| if x[b] > x[a] { b } else { a })
                    .unwrap();
                expected_max[winner] = expected_max[winner] + s;
                for pixel in pixels {
                    expected_avg[pixel] = expected_avg[pixel] + s / from_count(wh * ww);
                }
            }

            let mut x_adj = vec![F::zero(); x.len()];
            max_pool2d_adjoint(&x, &mut x_adj, 4, 5, wh, ww, sh, sw, &seed);
            assert_eq!(x_adj, expected_max, "{geometry:?}");

            let mut x_adj = vec![F::zero(); x.len()];
            avg_pool2d_adjoint(&x, &mut x_adj, 4, 5, wh, ww, sh, sw, &seed);
            let tolerance = closed_form_tolerance();
            assert_all_close(&x_adj, &expected_avg, tolerance, tolerance);
        }
    }

    fn max_pool2d_ties_go_to_the_first_maximum_in_row_major_order<F: TestFloat>() {
        // The 7s tie within the single 2 × 3 window: the one in the first row wins even though
        // a later row's 7 comes first by column.
        let x = floats::<F>(&[0.0, 0.0, 7.0, 7.0, 0.0, 7.0]);
        let mut x_adj = vec![F::zero(); 6];
        max_pool2d_adjoint(&x, &mut x_adj, 2, 3, 2, 3, 1, 1, &[F::one()]);
        assert_eq!(x_adj, floats::<F>(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0]));
    }

    fn adjoints_accumulate_and_scale_with_the_seed<F: TestFloat>() {
        // Starting from 1, two calls with seed s give 1 + 2 × (one call with seed s).
        let x = floats::<F>(&SIGNAL);
        let seed = seed_for::<F>(7);
        type Pool1dAdjoint<F> = fn(&[F], &mut [F], usize, usize, &[F]) -> Vec<F>;
        let adjoints: [Pool1dAdjoint<F>; 2] = [max_pool1d_adjoint, avg_pool1d_adjoint];
        for adjoint in adjoints {
            let mut once = vec![F::zero(); x.len()];
            adjoint(&x, &mut once, 3, 1, &seed);
            let mut twice = vec![F::one(); x.len()];
            adjoint(&x, &mut twice, 3, 1, &seed);
            adjoint(&x, &mut twice, 3, 1, &seed);
            let expected: Vec<F> = once.iter().map(|&g| F::one() + g + g).collect();
            let tolerance = closed_form_tolerance();
            assert_all_close(&twice, &expected, tolerance, tolerance);
        }
    }

    fn nan_propagates<F: TestFloat>() {
        // The NaN follows a larger value in its window, so a plain `>` scan would skip it.
        let x = [lit(5.0), F::nan(), lit(5.0), F::zero()];
        let pooled = max_pool1d(&x, 2, 2);
        assert!(pooled[0].is_nan());
        assert_eq!(pooled[1], lit(5.0));
        assert!(avg_pool1d(&x, 2, 2)[0].is_nan());

        let mut x_adj = vec![F::zero(); 4];
        max_pool1d_adjoint(&x, &mut x_adj, 2, 2, &[F::one(), F::one()]);
        assert_eq!(x_adj, floats::<F>(&[0.0, 1.0, 1.0, 0.0]));

        // As a 2 × 2 image the NaN sits in the first row; put it in the second row too.
        assert!(max_pool2d(&x, 2, 2, 2, 2, 1, 1)[0].is_nan());
        let lower = [lit(5.0), F::one(), F::nan(), F::one()];
        assert!(max_pool2d(&lower, 2, 2, 2, 2, 1, 1)[0].is_nan());
        assert!(avg_pool2d(&lower, 2, 2, 2, 2, 1, 1)[0].is_nan());
    }

    test_in_both_precisions!(
        pool1d_matches_finite_differences,
        max_pool1d_routes_the_seed_to_the_winner,
        avg_pool1d_distributes_the_seed_evenly,
        max_pool1d_ties_go_to_the_first_maximum,
        pool2d_matches_finite_differences,
        pool2d_matches_its_closed_forms,
        max_pool2d_ties_go_to_the_first_maximum_in_row_major_order,
        adjoints_accumulate_and_scale_with_the_seed,
        nan_propagates,
    );

    #[test]
    #[should_panic(expected = "`max_pool1d`: the window (4) is longer than `x` (3)")]
    fn max_pool1d_rejects_a_window_longer_than_the_signal() {
        max_pool1d(&[1.0_f64, 2.0, 3.0], 4, 1);
    }

    #[test]
    #[should_panic(expected = "`avg_pool1d`: the window along `x` is empty")]
    fn avg_pool1d_rejects_an_empty_window() {
        avg_pool1d(&[1.0_f64, 2.0, 3.0], 0, 1);
    }

    #[test]
    #[should_panic(expected = "`max_pool1d_adjoint`: the stride along `x` is zero")]
    fn max_pool1d_adjoint_rejects_a_zero_stride() {
        max_pool1d_adjoint(&[1.0_f64, 2.0, 3.0], &mut [0.0; 3], 2, 0, &[1.0]);
    }

    #[test]
    #[should_panic(expected = "`avg_pool1d_adjoint`: `seed` has length 1, expected 2")]
    fn avg_pool1d_adjoint_rejects_a_seed_of_the_wrong_length() {
        avg_pool1d_adjoint(&[1.0_f64, 2.0, 3.0], &mut [0.0; 3], 2, 1, &[1.0]);
    }

    #[test]
    #[should_panic(expected = "`max_pool2d`: `x` has length 5, expected height × width = 6")]
    fn max_pool2d_rejects_a_mismatched_image() {
        max_pool2d(&[0.0_f64; 5], 2, 3, 1, 1, 1, 1);
    }

    #[test]
    #[should_panic(expected = "`avg_pool2d`: the window (3) is longer than `height` (2)")]
    fn avg_pool2d_rejects_a_window_taller_than_the_image() {
        avg_pool2d(&[0.0_f64; 6], 2, 3, 3, 1, 1, 1);
    }
}

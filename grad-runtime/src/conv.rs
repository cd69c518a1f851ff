//! Cross-correlation (the "convolution" of deep-learning frameworks) in 1-D and 2-D, with
//! adjoints.
//!
//! The forward pass slides the kernel without flipping it: `out[i] = Σ_k x[i + k] kernel[k]`.
//! Its adjoint has two halves:
//!
//! ```text
//! out = correlate1d(x, kernel)
//! ──►
//! kernel_adj[k] += Σ_i seed[i] x[i + k]       (cross-correlation of the input with the error)
//! x_adj[j]      += Σ_i seed[i] kernel[j - i]  (full convolution of the error with the kernel,
//!                                              i.e. full cross-correlation with it flipped)
//! ```
//!
//! Both are computed as whole-row dot products and `y += a x` updates over contiguous slices,
//! with nothing allocated inside the loops.

use std::ops::Range;

use num_traits::Float;

use crate::reduce::{axpy, dot_kernel, expect_len};

/// Valid cross-correlation of `x` with `kernel`, stride 1:
/// `out[i] = Σ_k x[i + k] kernel[k]` for `i` in `0..=x.len() - kernel.len()`.
///
/// NaN in `x` or `kernel` reaches every output it touches.
///
/// # Panics
///
/// If `kernel` is empty or longer than `x`.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate1d;
///
/// assert_eq!(correlate1d(&[1.0_f64, 2.0, 3.0, 4.0], &[1.0, -1.0]), [-1.0, -1.0, -1.0]);
/// ```
pub fn correlate1d<F: Float>(x: &[F], kernel: &[F]) -> Vec<F> {
    let outputs = valid_len("correlate1d", x.len(), kernel.len());

    // One `out += tap * shifted x` per tap: each is a long, contiguous, vectorisable loop,
    // where a dot product per output would be only as long as the kernel.
    let mut out = vec![F::zero(); outputs];
    for (k, &tap) in kernel.iter().enumerate() {
        axpy(tap, &x[k..k + outputs], &mut out);
    }
    out
}

/// Adjoint of [`correlate1d`]: adds the cross-correlation of `x` with `seed` to `kernel_adj`
/// and the full convolution of `seed` with `kernel` to `x_adj`; returns the correlation.
///
/// # Panics
///
/// As [`correlate1d`], or if an adjoint buffer differs in length from its argument, or `seed`
/// from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate1d_adjoint;
///
/// let (mut x_adj, mut kernel_adj) = ([0.0_f64; 3], [0.0_f64; 2]);
/// correlate1d_adjoint(&[1.0, 2.0, 3.0], &mut x_adj, &[10.0, 1.0], &mut kernel_adj, &[1.0, 0.0]);
/// assert_eq!(x_adj, [10.0, 1.0, 0.0]);
/// assert_eq!(kernel_adj, [1.0, 2.0]);
/// ```
pub fn correlate1d_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    kernel: &[F],
    kernel_adj: &mut [F],
    seed: &[F],
) -> Vec<F> {
    let name = "correlate1d_adjoint";
    let outputs = valid_len(name, x.len(), kernel.len());
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "kernel_adj", kernel_adj.len(), kernel.len());
    expect_len(name, "seed", seed.len(), outputs);

    for (k, (&tap, tap_adj)) in kernel.iter().zip(kernel_adj.iter_mut()).enumerate() {
        *tap_adj = *tap_adj + dot_kernel(seed, &x[k..k + outputs]);
        axpy(tap, seed, &mut x_adj[k..k + outputs]);
    }
    correlate1d(x, kernel)
}

/// Cross-correlation of `x`, padded with `padding` zeros on both sides, with `kernel`,
/// keeping every `stride`-th position.
///
/// `out[o] = Σ_k xp[o * stride + k] kernel[k]`, where `xp` is the padded signal, for the
/// `(x.len() + 2 padding - kernel.len()) / stride + 1` positions where the kernel fits. The
/// padding is never materialised: each output sums only the taps that land on real samples.
///
/// # Panics
///
/// If `kernel` is empty or longer than the padded signal, or `stride` is zero.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate1d_strided;
///
/// let out = correlate1d_strided(&[1.0_f64, 2.0, 3.0, 4.0], &[1.0, 1.0, 1.0], 2, 1);
/// // Padded signal 0 1 2 3 4 0; windows start at 0 and 2.
/// assert_eq!(out, [3.0, 9.0]);
/// ```
pub fn correlate1d_strided<F: Float>(
    x: &[F],
    kernel: &[F],
    stride: usize,
    padding: usize,
) -> Vec<F> {
    let outputs = strided_len(
        "correlate1d_strided",
        x.len(),
        kernel.len(),
        stride,
        padding,
    );
    (0..outputs)
        .map(|o| {
            let (taps, samples) = overlap(o * stride, padding, x.len(), kernel.len());
            dot_kernel(&kernel[taps], &x[samples])
        })
        .collect()
}

/// Adjoint of [`correlate1d_strided`]: adds `seed[o] * x[j]` to `kernel_adj[k]` and
/// `seed[o] * kernel[k]` to `x_adj[j]` for every tap `k` of output `o` that lands on a real
/// sample `j`; returns the correlation.
///
/// Taps over the padding contribute nothing, since the padding is constant zero.
///
/// # Panics
///
/// As [`correlate1d_strided`], or if an adjoint buffer differs in length from its argument,
/// or `seed` from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate1d_strided_adjoint;
///
/// let (mut x_adj, mut kernel_adj) = ([0.0_f64; 2], [0.0_f64; 3]);
/// correlate1d_strided_adjoint(&[1.0, 2.0], &mut x_adj, &[1.0, 1.0, 1.0], &mut kernel_adj, 1, 1, &[1.0, 1.0]);
/// // Padded signal 0 1 2 0: the windows are [0 1 2] and [1 2 0].
/// assert_eq!(x_adj, [2.0, 2.0]);
/// assert_eq!(kernel_adj, [1.0, 3.0, 2.0]);
/// ```
pub fn correlate1d_strided_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    kernel: &[F],
    kernel_adj: &mut [F],
    stride: usize,
    padding: usize,
    seed: &[F],
) -> Vec<F> {
    let name = "correlate1d_strided_adjoint";
    let outputs = strided_len(name, x.len(), kernel.len(), stride, padding);
    expect_len(name, "x_adj", x_adj.len(), x.len());
    expect_len(name, "kernel_adj", kernel_adj.len(), kernel.len());
    expect_len(name, "seed", seed.len(), outputs);

    for (o, &error) in seed.iter().enumerate() {
        let (taps, samples) = overlap(o * stride, padding, x.len(), kernel.len());
        axpy(error, &x[samples.clone()], &mut kernel_adj[taps.clone()]);
        axpy(error, &kernel[taps], &mut x_adj[samples]);
    }
    correlate1d_strided(x, kernel, stride, padding)
}

/// Valid 2-D cross-correlation of a `height × width` image with a `kernel_h × kernel_w`
/// kernel, both row-major, stride 1.
///
/// The output is `(height - kernel_h + 1) × (width - kernel_w + 1)`, row-major:
/// `out[y][x] = Σ_{r,c} image[y + r][x + c] kernel[r][c]`.
///
/// # Panics
///
/// If `x` is not `height × width` or `kernel` not `kernel_h × kernel_w`, or the kernel is
/// empty or larger than the image along either axis.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate2d;
///
/// let image = [
///     1.0_f64, 2.0, 3.0, //
///     4.0, 5.0, 6.0, //
/// ];
/// // A 2 × 2 kernel that sums its window.
/// assert_eq!(correlate2d(&image, 2, 3, &[1.0; 4], 2, 2), [12.0, 16.0]);
/// ```
pub fn correlate2d<F: Float>(
    x: &[F],
    height: usize,
    width: usize,
    kernel: &[F],
    kernel_h: usize,
    kernel_w: usize,
) -> Vec<F> {
    let shape = Conv2d::new(
        "correlate2d",
        [x.len(), kernel.len()],
        [1, height, width],
        [1, kernel_h, kernel_w],
    );
    shape.forward(x, kernel)
}

/// Adjoint of [`correlate2d`]: adds the cross-correlation of the image with `seed` to
/// `kernel_adj` and the full convolution of `seed` with the kernel to `x_adj`; returns the
/// correlation.
///
/// # Panics
///
/// As [`correlate2d`], or if an adjoint buffer differs in length from its argument, or `seed`
/// from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate2d_adjoint;
///
/// let image = [1.0_f64, 2.0, 3.0, 4.0];
/// let (mut image_adj, mut kernel_adj) = ([0.0; 4], [0.0; 1]);
/// correlate2d_adjoint(&image, &mut image_adj, 2, 2, &[3.0], &mut kernel_adj, 1, 1, &[1.0; 4]);
/// assert_eq!(image_adj, [3.0; 4]);
/// assert_eq!(kernel_adj, [10.0]);
/// ```
// The adjoint contract mirrors the primal's flat parameter list, so the arguments cannot be
// gathered into a struct.
#[allow(clippy::too_many_arguments)]
pub fn correlate2d_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    height: usize,
    width: usize,
    kernel: &[F],
    kernel_adj: &mut [F],
    kernel_h: usize,
    kernel_w: usize,
    seed: &[F],
) -> Vec<F> {
    let shape = Conv2d::new(
        "correlate2d_adjoint",
        [x.len(), kernel.len()],
        [1, height, width],
        [1, kernel_h, kernel_w],
    );
    shape.backward(x, x_adj, kernel, kernel_adj, seed);
    shape.forward(x, kernel)
}

/// Multi-channel valid 2-D cross-correlation, stride 1, as a convolution layer computes it.
///
/// Layouts, all row-major:
/// - `x`: `in_channels × height × width` (channel-major: one whole image per channel);
/// - `kernel`: `out_channels × in_channels × kernel_h × kernel_w`;
/// - output: `out_channels × (height - kernel_h + 1) × (width - kernel_w + 1)`.
///
/// Output channel `o` is `Σ_i correlate2d(x[i], kernel[o][i])`. There is no bias; add one
/// per output channel afterwards if needed.
///
/// # Panics
///
/// If a channel count is zero, `x` or `kernel` does not have the length its layout implies,
/// or the kernel is empty or larger than the image along either axis.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate2d_multi;
///
/// // Two 1 × 2 input channels, one output channel, 1 × 1 kernels weighting them 1 and 10.
/// let x = [1.0_f64, 2.0, 3.0, 4.0];
/// let out = correlate2d_multi(&x, 2, 1, 2, &[1.0, 10.0], 1, 1, 1);
/// assert_eq!(out, [31.0, 42.0]);
/// ```
// The primal and its adjoint share one flat parameter list (the adjoint contract), and a
// convolution layer needs all of these sizes.
#[allow(clippy::too_many_arguments)]
pub fn correlate2d_multi<F: Float>(
    x: &[F],
    in_channels: usize,
    height: usize,
    width: usize,
    kernel: &[F],
    out_channels: usize,
    kernel_h: usize,
    kernel_w: usize,
) -> Vec<F> {
    let shape = Conv2d::new(
        "correlate2d_multi",
        [x.len(), kernel.len()],
        [in_channels, height, width],
        [out_channels, kernel_h, kernel_w],
    );
    shape.forward(x, kernel)
}

/// Adjoint of [`correlate2d_multi`]: for every pair of output channel `o` and input channel
/// `i`, adds the cross-correlation of `x[i]` with `seed[o]` to `kernel_adj[o][i]` and the
/// full convolution of `seed[o]` with `kernel[o][i]` to `x_adj[i]`; returns the correlation.
///
/// # Panics
///
/// As [`correlate2d_multi`], or if an adjoint buffer differs in length from its argument, or
/// `seed` from the output.
///
/// # Examples
///
/// ```
/// use grad_runtime::correlate2d_multi_adjoint;
///
/// let x = [1.0_f64, 2.0, 3.0, 4.0];
/// let (mut x_adj, mut kernel_adj) = ([0.0; 4], [0.0; 2]);
/// correlate2d_multi_adjoint(&x, &mut x_adj, 2, 1, 2, &[1.0, 10.0], &mut kernel_adj, 1, 1, 1, &[1.0, 0.0]);
/// assert_eq!(x_adj, [1.0, 0.0, 10.0, 0.0]);
/// assert_eq!(kernel_adj, [1.0, 3.0]);
/// ```
// The adjoint contract mirrors the primal's flat parameter list, so the arguments cannot be
// gathered into a struct.
#[allow(clippy::too_many_arguments)]
pub fn correlate2d_multi_adjoint<F: Float>(
    x: &[F],
    x_adj: &mut [F],
    in_channels: usize,
    height: usize,
    width: usize,
    kernel: &[F],
    kernel_adj: &mut [F],
    out_channels: usize,
    kernel_h: usize,
    kernel_w: usize,
    seed: &[F],
) -> Vec<F> {
    let shape = Conv2d::new(
        "correlate2d_multi_adjoint",
        [x.len(), kernel.len()],
        [in_channels, height, width],
        [out_channels, kernel_h, kernel_w],
    );
    shape.backward(x, x_adj, kernel, kernel_adj, seed);
    shape.forward(x, kernel)
}

/// Output length of a valid correlation, after checking the kernel.
#[track_caller]
fn valid_len(function: &str, len: usize, kernel_len: usize) -> usize {
    assert!(kernel_len > 0, "`{function}`: the kernel is empty");
    assert!(
        kernel_len <= len,
        "`{function}`: the kernel ({kernel_len}) is longer than `x` ({len})"
    );
    len - kernel_len + 1
}

/// Output length of a strided, padded correlation, after checking its arguments.
#[track_caller]
fn strided_len(
    function: &str,
    len: usize,
    kernel_len: usize,
    stride: usize,
    padding: usize,
) -> usize {
    assert!(stride > 0, "`{function}`: the stride is zero");
    valid_len(function, len + 2 * padding, kernel_len);
    (len + 2 * padding - kernel_len) / stride + 1
}

/// The taps of a kernel whose first tap sits at `origin` in a signal of `len` samples padded
/// with `padding` zeros on both sides, restricted to those that land on real samples; and
/// those samples. Both ranges have the same length, possibly zero.
fn overlap(origin: usize, padding: usize, len: usize, taps: usize) -> (Range<usize>, Range<usize>) {
    // Tap k lands on sample origin + k - padding. Taps before `first` fall in the left
    // padding and taps from `end` on in the right padding.
    let first = padding.saturating_sub(origin).min(taps);
    let end = (len + padding).saturating_sub(origin).clamp(first, taps);
    // Exact whenever the range is non-empty; an empty range may start anywhere in bounds.
    let sample = (origin + first).saturating_sub(padding).min(len);
    (first..end, sample..sample + (end - first))
}

/// The geometry of a multi-channel 2-D correlation, checked against its buffers.
struct Conv2d {
    function: &'static str,
    in_channels: usize,
    out_channels: usize,
    width: usize,
    image: usize,
    kernel_h: usize,
    kernel_w: usize,
    out_w: usize,
    out_image: usize,
}

impl Conv2d {
    /// Checks `[x.len(), kernel.len()]` against `[in_channels, height, width]` and
    /// `[out_channels, kernel_h, kernel_w]`.
    #[track_caller]
    fn new(
        function: &'static str,
        [x_len, kernel_len]: [usize; 2],
        [in_channels, height, width]: [usize; 3],
        [out_channels, kernel_h, kernel_w]: [usize; 3],
    ) -> Self {
        assert!(
            in_channels > 0 && out_channels > 0,
            "`{function}`: the channel counts must be positive"
        );
        let expected_x = in_channels * height * width;
        let expected_kernel = out_channels * in_channels * kernel_h * kernel_w;
        expect_len(function, "x", x_len, expected_x);
        expect_len(function, "kernel", kernel_len, expected_kernel);
        let out_h = valid_len(function, height, kernel_h);
        let out_w = valid_len(function, width, kernel_w);

        Conv2d {
            function,
            in_channels,
            out_channels,
            width,
            image: height * width,
            kernel_h,
            kernel_w,
            out_w,
            out_image: out_h * out_w,
        }
    }

    fn kernel_image(&self) -> usize {
        self.kernel_h * self.kernel_w
    }

    fn forward<F: Float>(&self, x: &[F], kernel: &[F]) -> Vec<F> {
        let mut out = vec![F::zero(); self.out_channels * self.out_image];
        let kernels_per_output = self.in_channels * self.kernel_image();
        let outputs = out
            .chunks_exact_mut(self.out_image)
            .zip(kernel.chunks_exact(kernels_per_output));
        for (out_image, kernels) in outputs {
            let pairs = x
                .chunks_exact(self.image)
                .zip(kernels.chunks_exact(self.kernel_image()));
            for (image, kernel_image) in pairs {
                self.correlate_image(image, kernel_image, out_image);
            }
        }
        out
    }

    /// Adds the correlation of one input channel with one kernel to one output channel.
    fn correlate_image<F: Float>(&self, image: &[F], kernel: &[F], out: &mut [F]) {
        for (y, out_row) in out.chunks_exact_mut(self.out_w).enumerate() {
            for (r, kernel_row) in kernel.chunks_exact(self.kernel_w).enumerate() {
                let image_row = &image[(y + r) * self.width..][..self.width];
                for (c, &tap) in kernel_row.iter().enumerate() {
                    axpy(tap, &image_row[c..c + self.out_w], out_row);
                }
            }
        }
    }

    #[track_caller]
    fn backward<F: Float>(
        &self,
        x: &[F],
        x_adj: &mut [F],
        kernel: &[F],
        kernel_adj: &mut [F],
        seed: &[F],
    ) {
        let outputs = self.out_channels * self.out_image;
        expect_len(self.function, "x_adj", x_adj.len(), x.len());
        expect_len(self.function, "kernel_adj", kernel_adj.len(), kernel.len());
        expect_len(self.function, "seed", seed.len(), outputs);

        let kernels_per_output = self.in_channels * self.kernel_image();
        let outputs = seed.chunks_exact(self.out_image).zip(
            kernel
                .chunks_exact(kernels_per_output)
                .zip(kernel_adj.chunks_exact_mut(kernels_per_output)),
        );
        for (error, (kernels, kernels_adj)) in outputs {
            let images = x
                .chunks_exact(self.image)
                .zip(x_adj.chunks_exact_mut(self.image));
            let taps = kernels
                .chunks_exact(self.kernel_image())
                .zip(kernels_adj.chunks_exact_mut(self.kernel_image()));
            for ((image, image_adj), (kernel_image, kernel_image_adj)) in images.zip(taps) {
                self.backprop_image(image, image_adj, kernel_image, kernel_image_adj, error);
            }
        }
    }

    /// Adds one (input channel, kernel) pair's share of the gradient, given the error of the
    /// output channel that pair feeds.
    fn backprop_image<F: Float>(
        &self,
        image: &[F],
        image_adj: &mut [F],
        kernel: &[F],
        kernel_adj: &mut [F],
        error: &[F],
    ) {
        let kernel_rows = kernel
            .chunks_exact(self.kernel_w)
            .zip(kernel_adj.chunks_exact_mut(self.kernel_w));
        for (r, (kernel_row, kernel_row_adj)) in kernel_rows.enumerate() {
            for (y, error_row) in error.chunks_exact(self.out_w).enumerate() {
                let row_start = (y + r) * self.width;
                for (c, (&tap, tap_adj)) in
                    kernel_row.iter().zip(kernel_row_adj.iter_mut()).enumerate()
                {
                    let under = row_start + c..row_start + c + self.out_w;
                    *tap_adj = *tap_adj + dot_kernel(error_row, &image[under.clone()]);
                    axpy(tap, error_row, &mut image_adj[under]);
                }
            }
        }
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

    const SIGNAL: [f64; 9] = [0.3, -1.2, 2.5, 0.9, -0.4, 1.7, 3.1, -2.2, 0.6];
    const KERNEL: [f64; 3] = [0.5, -1.0, 0.25];

    /// A deterministic, irregular seed of the given length.
    fn seed_of<F: Float>(len: usize) -> Vec<F> {
        (0..len)
            .map(|i| lit(((i * 7 + 3) % 11) as f64 * 0.25 - 1.0))
            .collect()
    }

    /// `out[i] = Σ_k a[i + k] b[k]` over the positions where `b` fits inside `a`.
    fn naive_correlate<F: Float>(a: &[F], b: &[F]) -> Vec<F> {
        (0..=a.len() - b.len())
            .map(|i| (0..b.len()).fold(F::zero(), |t, k| t + a[i + k] * b[k]))
            .collect()
    }

    /// `error` with `pad` zeros on both sides.
    fn zero_padded<F: Float>(error: &[F], pad: usize) -> Vec<F> {
        let mut padded = vec![F::zero(); pad];
        padded.extend_from_slice(error);
        padded.resize(error.len() + 2 * pad, F::zero());
        padded
    }

    fn reversed<F: Float>(kernel: &[F]) -> Vec<F> {
        kernel.iter().rev().copied().collect()
    }

    fn correlate1d_matches_finite_differences<F: TestFloat>() {
        let (x, kernel) = (floats::<F>(&SIGNAL), floats::<F>(&KERNEL));
        let seed = seed_of::<F>(7);
        let (mut x_adj, mut kernel_adj) = (vec![F::zero(); 9], vec![F::zero(); 3]);
        correlate1d_adjoint(&x, &mut x_adj, &kernel, &mut kernel_adj, &seed);

        assert_gradient_matches(seeded(|x| correlate1d(x, &kernel), &seed), &x_adj, &x);
        assert_gradient_matches(seeded(|k| correlate1d(&x, k), &seed), &kernel_adj, &kernel);
    }

    fn correlate1d_gradients_match_their_closed_forms<F: TestFloat>() {
        // Kernel gradient: the valid cross-correlation of the input with the error,
        //   kernel_adj[k] = Σ_i x[i + k] e[i].
        // Input gradient: the full convolution of the error with the kernel, computed as the
        // valid cross-correlation of the error padded by K - 1 zeros with the flipped kernel:
        //   x_adj[j] = Σ_m e_pad[j + m] kernel[K - 1 - m] = Σ_i e[i] kernel[j - i].
        let (x, kernel) = (floats::<F>(&SIGNAL), floats::<F>(&KERNEL));
        let error = seed_of::<F>(7);
        let expected_kernel = naive_correlate(&x, &error);
        let expected_x = naive_correlate(&zero_padded(&error, 2), &reversed(&kernel));

        let (mut x_adj, mut kernel_adj) = (vec![F::zero(); 9], vec![F::zero(); 3]);
        let out = correlate1d_adjoint(&x, &mut x_adj, &kernel, &mut kernel_adj, &error);
        let tolerance = closed_form_tolerance();
        assert_all_close(&kernel_adj, &expected_kernel, tolerance, tolerance);
        assert_all_close(&x_adj, &expected_x, tolerance, tolerance);
        assert_all_close(&out, &naive_correlate(&x, &kernel), tolerance, tolerance);
    }

    /// `(stride, padding)` pairs, including a kernel that starts wholly inside the padding.
    const STRIDED: [(usize, usize); 5] = [(1, 0), (2, 0), (1, 2), (3, 1), (2, 4)];

    fn strided_outputs(stride: usize, padding: usize) -> usize {
        (SIGNAL.len() + 2 * padding - KERNEL.len()) / stride + 1
    }

    fn correlate1d_strided_matches_finite_differences<F: TestFloat>() {
        let (x, kernel) = (floats::<F>(&SIGNAL), floats::<F>(&KERNEL));
        for (stride, padding) in STRIDED {
            let seed = seed_of::<F>(strided_outputs(stride, padding));
            let (mut x_adj, mut kernel_adj) = (vec![F::zero(); 9], vec![F::zero(); 3]);
            correlate1d_strided_adjoint(
                &x,
                &mut x_adj,
                &kernel,
                &mut kernel_adj,
                stride,
                padding,
                &seed,
            );

            let by_x = |x: &[F]| correlate1d_strided(x, &kernel, stride, padding);
            let by_kernel = |k: &[F]| correlate1d_strided(&x, k, stride, padding);
            assert_gradient_matches(seeded(by_x, &seed), &x_adj, &x);
            assert_gradient_matches(seeded(by_kernel, &seed), &kernel_adj, &kernel);
        }
    }

    fn correlate1d_strided_gradients_match_their_closed_forms<F: TestFloat>() {
        // With stride s and padding p, dilate the error by s (s - 1 zeros between entries):
        // the forward pass is then a stride-1 correlation of the padded input xp, and
        //   kernel_adj = valid correlation of xp with the dilated error (first K entries),
        //   xp_adj     = full convolution of the dilated error with the kernel,
        //   x_adj      = xp_adj with p entries cropped from each end.
        let (x, kernel) = (floats::<F>(&SIGNAL), floats::<F>(&KERNEL));
        for (stride, padding) in STRIDED {
            let error = seed_of::<F>(strided_outputs(stride, padding));
            let mut dilated = vec![F::zero(); (error.len() - 1) * stride + 1];
            for (i, &e) in error.iter().enumerate() {
                dilated[i * stride] = e;
            }
            let padded_x = zero_padded(&x, padding);
            let expected_kernel = naive_correlate(&padded_x, &dilated)[..3].to_vec();
            let mut full = naive_correlate(&zero_padded(&dilated, 2), &reversed(&kernel));
            full.resize(padded_x.len(), F::zero());
            let expected_x = &full[padding..padding + x.len()];

            let (mut x_adj, mut kernel_adj) = (vec![F::zero(); 9], vec![F::zero(); 3]);
            let out = correlate1d_strided_adjoint(
                &x,
                &mut x_adj,
                &kernel,
                &mut kernel_adj,
                stride,
                padding,
                &error,
            );
            let tolerance = closed_form_tolerance();
            assert_all_close(&kernel_adj, &expected_kernel, tolerance, tolerance);
            assert_all_close(&x_adj, expected_x, tolerance, tolerance);

            let every_position = naive_correlate(&padded_x, &kernel);
            let kept: Vec<F> = every_position.iter().step_by(stride).copied().collect();
            assert_all_close(&out, &kept, tolerance, tolerance);
        }
    }

    /// A 4 × 5 image and a 2 × 3 kernel.
    const IMAGE: [f64; 20] = [
        0.3, -1.2, 2.5, 0.9, -0.4, //
        1.7, 3.1, -2.2, 0.6, 1.1, //
        -0.8, 2.0, 0.1, -1.6, 2.8, //
        1.4, -0.2, 3.6, 0.4, -2.9, //
    ];
    const KERNEL_2D: [f64; 6] = [0.5, -1.0, 0.25, 1.5, 0.75, -0.5];

    fn correlate2d_matches_finite_differences<F: TestFloat>() {
        let (x, kernel) = (floats::<F>(&IMAGE), floats::<F>(&KERNEL_2D));
        let seed = seed_of::<F>(3 * 3);
        let (mut x_adj, mut kernel_adj) = (vec![F::zero(); 20], vec![F::zero(); 6]);
        correlate2d_adjoint(&x, &mut x_adj, 4, 5, &kernel, &mut kernel_adj, 2, 3, &seed);

        let by_x = |x: &[F]| correlate2d(x, 4, 5, &kernel, 2, 3);
        let by_kernel = |k: &[F]| correlate2d(&x, 4, 5, k, 2, 3);
        assert_gradient_matches(seeded(by_x, &seed), &x_adj, &x);
        assert_gradient_matches(seeded(by_kernel, &seed), &kernel_adj, &kernel);
    }

    /// `out[y][x] = Σ_{r,c} a[y + r][x + c] b[r][c]`, valid positions, row-major.
    fn naive_correlate2d<F: Float>(
        a: &[F],
        [ah, aw]: [usize; 2],
        b: &[F],
        [bh, bw]: [usize; 2],
    ) -> Vec<F> {
        let mut out = Vec::new();
        for y in 0..=ah - bh {
            for x in 0..=aw - bw {
                let taps = (0..bh).flat_map(|r| (0..bw).map(move |c| (r, c)));
                out.push(taps.fold(F::zero(), |t, (r, c)| {
                    t + a[(y + r) * aw + x + c] * b[r * bw + c]
                }));
            }
        }
        out
    }

    /// `image` (h × w, row-major) inside a frame of `pad_h` zero rows above and below and
    /// `pad_w` zero columns left and right.
    fn zero_framed<F: Float>(
        image: &[F],
        [h, w]: [usize; 2],
        [pad_h, pad_w]: [usize; 2],
    ) -> Vec<F> {
        let framed_w = w + 2 * pad_w;
        let mut framed = vec![F::zero(); (h + 2 * pad_h) * framed_w];
        for r in 0..h {
            framed[(r + pad_h) * framed_w + pad_w..][..w].copy_from_slice(&image[r * w..][..w]);
        }
        framed
    }

    /// The closed forms of the 2-D gradients for a 4 × 5 image, a 2 × 3 kernel and the 3 × 3
    /// error of their correlation:
    ///   kernel_adj = valid correlation of the image with the error,
    ///   image_adj  = full convolution of the error with the kernel, computed as the valid
    ///                correlation of the error, framed by (2 - 1, 3 - 1) zeros, with the
    ///                kernel rotated by 180° (its row-major entries reversed).
    fn expected_2d_gradients<F: Float>(image: &[F], kernel: &[F], error: &[F]) -> (Vec<F>, Vec<F>) {
        let expected_kernel = naive_correlate2d(image, [4, 5], error, [3, 3]);
        let framed_error = zero_framed(error, [3, 3], [1, 2]);
        let expected_image = naive_correlate2d(&framed_error, [5, 7], &reversed(kernel), [2, 3]);
        (expected_kernel, expected_image)
    }

    fn correlate2d_gradients_match_their_closed_forms<F: TestFloat>() {
        let (x, kernel) = (floats::<F>(&IMAGE), floats::<F>(&KERNEL_2D));
        let error = seed_of::<F>(9);
        let (expected_kernel, expected_x) = expected_2d_gradients(&x, &kernel, &error);

        let (mut x_adj, mut kernel_adj) = (vec![F::zero(); 20], vec![F::zero(); 6]);
        let out = correlate2d_adjoint(&x, &mut x_adj, 4, 5, &kernel, &mut kernel_adj, 2, 3, &error);
        let tolerance = closed_form_tolerance();
        assert_all_close(&kernel_adj, &expected_kernel, tolerance, tolerance);
        assert_all_close(&x_adj, &expected_x, tolerance, tolerance);
        assert_all_close(
            &out,
            &naive_correlate2d(&x, [4, 5], &kernel, [2, 3]),
            tolerance,
            tolerance,
        );
    }

    /// Two input channels (the image and its negation shifted by 0.5), three output channels.
    fn multi_channel_data<F: Float>() -> (Vec<F>, Vec<F>) {
        let mut x = floats::<F>(&IMAGE);
        x.extend(IMAGE.iter().map(|&v| lit::<F>(0.5 - v)));
        let kernel = (0..3 * 2 * 6)
            .map(|i| lit(((i * 5 + 1) % 9) as f64 * 0.2 - 0.8))
            .collect();
        (x, kernel)
    }

    fn correlate2d_multi_matches_finite_differences<F: TestFloat>() {
        let (x, kernel) = multi_channel_data::<F>();
        let seed = seed_of::<F>(3 * 9);
        let (mut x_adj, mut kernel_adj) = (vec![F::zero(); x.len()], vec![F::zero(); kernel.len()]);
        correlate2d_multi_adjoint(
            &x,
            &mut x_adj,
            2,
            4,
            5,
            &kernel,
            &mut kernel_adj,
            3,
            2,
            3,
            &seed,
        );

        let by_x = |x: &[F]| correlate2d_multi(x, 2, 4, 5, &kernel, 3, 2, 3);
        let by_kernel = |k: &[F]| correlate2d_multi(&x, 2, 4, 5, k, 3, 2, 3);
        assert_gradient_matches(seeded(by_x, &seed), &x_adj, &x);
        assert_gradient_matches(seeded(by_kernel, &seed), &kernel_adj, &kernel);
    }

    fn correlate2d_multi_gradients_match_their_closed_forms<F: TestFloat>() {
        // Output channel o depends on input channel i only through kernel[o][i], so
        //   kernel_adj[o][i] = correlation of x[i] with error[o],
        //   x_adj[i]         = Σ_o full convolution of error[o] with kernel[o][i].
        let (x, kernel) = multi_channel_data::<F>();
        let error = seed_of::<F>(3 * 9);
        let mut expected_x = vec![F::zero(); x.len()];
        let mut expected_kernel = Vec::new();
        for o in 0..3 {
            for i in 0..2 {
                let pair = &kernel[(o * 2 + i) * 6..][..6];
                let (kernel_part, x_part) =
                    expected_2d_gradients(&x[i * 20..][..20], pair, &error[o * 9..][..9]);
                expected_kernel.extend(kernel_part);
                for (slot, g) in expected_x[i * 20..][..20].iter_mut().zip(x_part) {
                    *slot = *slot + g;
                }
            }
        }

        let (mut x_adj, mut kernel_adj) = (vec![F::zero(); x.len()], vec![F::zero(); kernel.len()]);
        correlate2d_multi_adjoint(
            &x,
            &mut x_adj,
            2,
            4,
            5,
            &kernel,
            &mut kernel_adj,
            3,
            2,
            3,
            &error,
        );
        let tolerance = closed_form_tolerance();
        assert_all_close(&kernel_adj, &expected_kernel, tolerance, tolerance);
        assert_all_close(&x_adj, &expected_x, tolerance, tolerance);
    }

    fn single_channel_forms_agree<F: TestFloat>() {
        let (x, kernel) = (floats::<F>(&SIGNAL), floats::<F>(&KERNEL));
        let tolerance = closed_form_tolerance();
        let strided = correlate1d_strided(&x, &kernel, 1, 0);
        assert_all_close(&correlate1d(&x, &kernel), &strided, tolerance, tolerance);
        let as_image = correlate2d(&x, 1, 9, &kernel, 1, 3);
        assert_all_close(&as_image, &strided, tolerance, tolerance);
    }

    /// Asserts that from buffers holding 1, two calls of `adjoint` with seed e give
    /// 1 + (one call with seed 2e).
    fn assert_accumulates<F: TestFloat>(
        adjoint: impl Fn(&mut [F], &mut [F], &[F]),
        [x_len, kernel_len, seed_len]: [usize; 3],
    ) {
        let seed = seed_of::<F>(seed_len);
        let doubled: Vec<F> = seed.iter().map(|&e| e + e).collect();
        let (mut x_once, mut kernel_once) = (vec![F::zero(); x_len], vec![F::zero(); kernel_len]);
        adjoint(&mut x_once, &mut kernel_once, &doubled);

        let (mut x_adj, mut kernel_adj) = (vec![F::one(); x_len], vec![F::one(); kernel_len]);
        adjoint(&mut x_adj, &mut kernel_adj, &seed);
        adjoint(&mut x_adj, &mut kernel_adj, &seed);
        let plus_one = |g: &[F]| g.iter().map(|&v| F::one() + v).collect::<Vec<F>>();
        let tolerance = closed_form_tolerance();
        assert_all_close(&x_adj, &plus_one(&x_once), tolerance, tolerance);
        assert_all_close(&kernel_adj, &plus_one(&kernel_once), tolerance, tolerance);
    }

    fn adjoints_accumulate_and_scale_with_the_seed<F: TestFloat>() {
        let (x, kernel) = (floats::<F>(&SIGNAL), floats::<F>(&KERNEL));
        assert_accumulates::<F>(
            |x_adj, kernel_adj, seed| {
                correlate1d_adjoint(&x, x_adj, &kernel, kernel_adj, seed);
            },
            [9, 3, 7],
        );
        assert_accumulates::<F>(
            |x_adj, kernel_adj, seed| {
                correlate1d_strided_adjoint(&x, x_adj, &kernel, kernel_adj, 2, 1, seed);
            },
            [9, 3, 5],
        );

        let (x, kernel) = multi_channel_data::<F>();
        assert_accumulates::<F>(
            |x_adj, kernel_adj, seed| {
                correlate2d_multi_adjoint(&x, x_adj, 2, 4, 5, &kernel, kernel_adj, 3, 2, 3, seed);
            },
            [40, 36, 27],
        );
    }

    fn nan_propagates<F: TestFloat>() {
        let mut x = floats::<F>(&SIGNAL);
        x[4] = F::nan();
        let out = correlate1d(&x, &floats::<F>(&KERNEL));
        // Outputs 2, 3 and 4 cover sample 4; the others do not.
        let touched: Vec<bool> = out.iter().map(|v| v.is_nan()).collect();
        assert_eq!(touched, [false, false, true, true, true, false, false]);
        assert!(correlate2d(&x, 3, 3, &[F::one(); 4], 2, 2)
            .iter()
            .all(|v| v.is_nan()));
    }

    test_in_both_precisions!(
        correlate1d_matches_finite_differences,
        correlate1d_gradients_match_their_closed_forms,
        correlate1d_strided_matches_finite_differences,
        correlate1d_strided_gradients_match_their_closed_forms,
        correlate2d_matches_finite_differences,
        correlate2d_gradients_match_their_closed_forms,
        correlate2d_multi_matches_finite_differences,
        correlate2d_multi_gradients_match_their_closed_forms,
        single_channel_forms_agree,
        adjoints_accumulate_and_scale_with_the_seed,
        nan_propagates,
    );

    #[test]
    #[should_panic(expected = "`correlate1d`: the kernel (4) is longer than `x` (3)")]
    fn correlate1d_rejects_a_kernel_longer_than_the_signal() {
        correlate1d(&[1.0_f64, 2.0, 3.0], &[1.0; 4]);
    }

    #[test]
    #[should_panic(expected = "`correlate1d_adjoint`: the kernel is empty")]
    fn correlate1d_adjoint_rejects_an_empty_kernel() {
        correlate1d_adjoint(&[1.0_f64, 2.0], &mut [0.0; 2], &[], &mut [], &[1.0; 3]);
    }

    #[test]
    #[should_panic(expected = "`correlate1d_strided`: the stride is zero")]
    fn correlate1d_strided_rejects_a_zero_stride() {
        correlate1d_strided(&[1.0_f64, 2.0, 3.0], &[1.0], 0, 0);
    }

    #[test]
    #[should_panic(expected = "`correlate1d_strided_adjoint`: `seed` has length 2, expected 3")]
    fn correlate1d_strided_adjoint_rejects_a_seed_of_the_wrong_length() {
        correlate1d_strided_adjoint(
            &[1.0_f64, 2.0, 3.0],
            &mut [0.0; 3],
            &[1.0],
            &mut [0.0],
            1,
            0,
            &[1.0; 2],
        );
    }

    #[test]
    #[should_panic(expected = "`correlate2d`: `x` has length 5, expected 6")]
    fn correlate2d_rejects_a_mismatched_image() {
        correlate2d(&[0.0_f64; 5], 2, 3, &[1.0], 1, 1);
    }

    #[test]
    #[should_panic(expected = "`correlate2d_multi`: `kernel` has length 4, expected 8")]
    fn correlate2d_multi_rejects_a_mismatched_kernel() {
        correlate2d_multi(&[0.0_f64; 8], 2, 2, 2, &[1.0; 4], 1, 2, 2);
    }

    #[test]
    #[should_panic(expected = "`correlate2d_multi_adjoint`: `kernel_adj` has length 1, expected 2")]
    fn correlate2d_multi_adjoint_rejects_a_short_kernel_buffer() {
        correlate2d_multi_adjoint(
            &[0.0_f64; 2],
            &mut [0.0; 2],
            2,
            1,
            1,
            &[1.0; 2],
            &mut [0.0],
            1,
            1,
            1,
            &[1.0],
        );
    }

    #[test]
    #[should_panic(expected = "`correlate2d_multi`: the channel counts must be positive")]
    fn correlate2d_multi_rejects_zero_channels() {
        correlate2d_multi::<f64>(&[], 0, 2, 2, &[], 1, 1, 1);
    }
}

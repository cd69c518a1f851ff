//! Gaussian mixture model log-likelihood with a Wishart prior (ADBench's GMM problem).
//!
//! Each component `k` has a weight logit `alpha_k`, a mean `mu_k` and an inverse
//! covariance factor `Q_k`, lower triangular, stored as `icf_k`: first the logarithms of
//! its diagonal, then its strictly lower part column by column.

use super::parse::{Numbers, ParseError};
use grad_runtime::differentiate;

/// ADBench's value of pi, truncated to twelve digits. The reference objectives were
/// computed with it, and the exact value moves them by about 1e-13 relative.
#[allow(clippy::approx_constant)] // Truncated on purpose, as above.
pub const ADBENCH_PI: f64 = 3.14159265359;

/// One GMM problem as stored in an ADBench `gmm` file.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmInput {
    /// Dimension of the data points.
    pub d: usize,
    /// Number of mixture components.
    pub k: usize,
    /// Number of data points.
    pub n: usize,
    /// Weight logits, `k` of them.
    pub alphas: Vec<f64>,
    /// Component means, `k * d`, one row per component.
    pub means: Vec<f64>,
    /// Inverse covariance factors, `k * d(d+1)/2`, one row per component.
    pub icf: Vec<f64>,
    /// Data points, `n * d`, one row per point.
    pub x: Vec<f64>,
    /// Scale of the Wishart prior.
    pub gamma: f64,
    /// Extra degrees of freedom of the Wishart prior.
    pub m: usize,
}

impl GmmInput {
    /// Reads the text of an ADBench GMM file (format in `data/adbench/README.md`).
    ///
    /// ```
    /// use grad::adbench::gmm::GmmInput;
    ///
    /// let text = std::fs::read_to_string(grad::adbench::data_path("gmm/test.txt")).unwrap();
    /// let input = GmmInput::parse(&text).unwrap();
    /// assert_eq!((input.d, input.k, input.n), (2, 3, 1));
    /// ```
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut numbers = Numbers::new(text);
        let (d, k, n) = (numbers.usize()?, numbers.usize()?, numbers.usize()?);
        let input = GmmInput {
            d,
            k,
            n,
            alphas: numbers.f64s(k)?,
            means: numbers.f64s(k * d)?,
            icf: numbers.f64s(k * triangle_len(d))?,
            x: numbers.f64s(n * d)?,
            gamma: numbers.f64()?,
            m: numbers.usize()?,
        };
        numbers.finish()?;
        Ok(input)
    }

    /// The terms of the objective that do not depend on the parameters:
    /// `-(n d / 2) log(2 pi) - K C`, with `C` the Wishart normalising constant.
    pub fn constant(&self) -> f64 {
        let n = self.n as f64;
        let d = self.d as f64;
        -(n * d / 2.0) * (2.0 * ADBENCH_PI).ln() - self.k as f64 * self.wishart_log_normaliser()
    }

    /// The objective at the stored parameters.
    pub fn objective(&self) -> f64 {
        gmm_objective(
            &self.alphas,
            &self.means,
            &self.icf,
            &self.x,
            self.gamma,
            self.m as f64,
            self.d,
            self.k,
            self.n,
            self.constant(),
        )
    }

    /// The objective, with the generated gradient with respect to alphas, means and icf added
    /// into `grad`.
    pub fn generated_gradient(&self, grad: &mut GmmGradient) -> f64 {
        gmm_objective_adjoint(
            &self.alphas,
            &mut grad.alphas,
            &self.means,
            &mut grad.means,
            &self.icf,
            &mut grad.icf,
            &self.x,
            self.gamma,
            self.m as f64,
            self.d,
            self.k,
            self.n,
            self.constant(),
            1.0,
        )
    }

    /// `C = nu d (log gamma - log 2 / 2) - log Gamma_d(nu / 2)` with `nu = d + m + 1`.
    fn wishart_log_normaliser(&self) -> f64 {
        let nu = (self.d + self.m + 1) as f64;
        let d = self.d as f64;
        nu * d * (self.gamma.ln() - 0.5 * 2f64.ln()) - ln_multivariate_gamma(nu / 2.0, self.d)
    }
}

/// Number of entries of `icf_k` for dimension `d`: `d` diagonal logarithms plus the
/// `d(d-1)/2` strictly lower entries.
pub fn triangle_len(d: usize) -> usize {
    d * (d + 1) / 2
}

/// `log Gamma_d(a) = d(d-1)/4 log pi + sum_{j=1..d} lgamma(a + (1-j)/2)`, with ADBench's pi
/// in the first term.
fn ln_multivariate_gamma(a: f64, d: usize) -> f64 {
    let mut total = (d * (d - 1)) as f64 / 4.0 * ADBENCH_PI.ln();
    for j in 1..=d {
        total += ln_gamma_half_integer(a + (1.0 - j as f64) / 2.0);
    }
    total
}

/// `ln Gamma(x)` for a positive multiple `x` of one half, which is all the Wishart
/// constant needs: `Gamma(x + 1) = x Gamma(x)` down to `Gamma(1) = 1` or
/// `Gamma(1/2) = sqrt(pi)`, so the sum of logarithms is exact up to rounding.
///
/// # Panics
///
/// If `x` is not a positive multiple of one half.
pub fn ln_gamma_half_integer(x: f64) -> f64 {
    assert!(
        x > 0.0 && (2.0 * x).fract() == 0.0,
        "ln_gamma_half_integer needs a positive multiple of 1/2, got {x}"
    );
    let (mut total, mut base) = if x.fract() == 0.0 {
        (0.0, 1.0)
    } else {
        (0.5 * std::f64::consts::PI.ln(), 0.5)
    };
    while base < x {
        total += f64::ln(base);
        base += 1.0;
    }
    total
}

/// The GMM objective (ADBench's `gmm_objective`), in the subset `#[differentiate]`
/// accepts: `constant + sum_i LSE_k(main_ik) - n LSE(alphas) + prior`.
///
/// `m` is the prior's extra degrees of freedom as a float, and `constant` the
/// parameter-free part from [`GmmInput::constant`]. The attribute generates
/// `gmm_objective_adjoint`, ADBench's gradient: it takes an adjoint buffer after each of
/// `alphas`, `means` and `icf` and the seed last.
// The differentiable subset passes no structs, and loops over index ranges rather than
// over `iter_mut().skip(..)`.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
#[differentiate(wrt(alphas, means, icf))]
pub fn gmm_objective(
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    gamma: f64,
    m: f64,
    d: usize,
    k: usize,
    n: usize,
    constant: f64,
) -> f64 {
    let tri = d * (d + 1) / 2;
    let mut q_diag = vec![0.0; k * d];
    let mut sum_q = vec![0.0; k];
    for c in 0..k {
        for j in 0..d {
            q_diag[c * d + j] = icf[c * tri + j].exp();
            sum_q[c] += icf[c * tri + j];
        }
    }

    let mut centred = vec![0.0; d];
    let mut q_centred = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut sum_lse = 0.0;
    for i in 0..n {
        for c in 0..k {
            for j in 0..d {
                centred[j] = x[i * d + j] - means[c * d + j];
                q_centred[j] = q_diag[c * d + j] * centred[j];
            }
            // The strictly lower part of Q_k is stored column by column.
            let mut l_index = c * tri + d;
            for col in 0..d {
                for row in col + 1..d {
                    q_centred[row] += icf[l_index] * centred[col];
                    l_index += 1;
                }
            }
            let mut sq_norm = 0.0;
            for v in q_centred.iter() {
                sq_norm += v * v;
            }
            main_term[c] = alphas[c] + sum_q[c] - 0.5 * sq_norm;
        }
        sum_lse += log_sum_exp(&main_term);
    }

    let prior = log_wishart_prior(icf, gamma, m, d, k);
    constant + sum_lse - n as f64 * log_sum_exp(alphas) + prior
}

/// `log sum_i exp(v_i)`, shifted by the maximum so that no exponential overflows.
///
/// Its derivative is the softmax of `v`, whatever the shift:
///
/// ```
/// use grad::adbench::gmm::log_sum_exp_adjoint;
///
/// let v = [0.0, 2f64.ln()];
/// let mut v_adj = [0.0; 2];
/// let value = log_sum_exp_adjoint(&v, &mut v_adj, 1.0);
/// assert!((value - 3f64.ln()).abs() < 1e-15);
/// assert!((v_adj[0] - 1.0 / 3.0).abs() < 1e-15 && (v_adj[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
#[differentiate]
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let mut max = v[0];
    for value in v.iter() {
        max = max.max(*value);
    }
    let mut sum = 0.0;
    for value in v.iter() {
        sum += (value - max).exp();
    }
    max + sum.ln()
}

/// The parameter-dependent part of the Wishart log prior:
/// `sum_k 1/2 gamma^2 (|exp(q_k)|^2 + |l_k|^2) - m sum_j q_kj`.
#[differentiate]
pub fn log_wishart_prior(icf: &[f64], gamma: f64, m: f64, d: usize, k: usize) -> f64 {
    let tri = d * (d + 1) / 2;
    let mut total = 0.0;
    for c in 0..k {
        let mut diag_sq = 0.0;
        let mut sum_q = 0.0;
        for j in 0..d {
            let diag = icf[c * tri + j].exp();
            diag_sq += diag * diag;
            sum_q += icf[c * tri + j];
        }
        let mut lower_sq = 0.0;
        for j in d..tri {
            lower_sq += icf[c * tri + j] * icf[c * tri + j];
        }
        total += 0.5 * gamma * gamma * (diag_sq + lower_sq) - m * sum_q;
    }
    total
}

/// The gradient of the GMM objective, in ADBench's order when flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmGradient {
    /// With respect to the weight logits, `k` entries.
    pub alphas: Vec<f64>,
    /// With respect to the means, `k * d` entries.
    pub means: Vec<f64>,
    /// With respect to the inverse covariance factors, `k * d(d+1)/2` entries.
    pub icf: Vec<f64>,
}

impl GmmGradient {
    /// A zero gradient for dimension `d` and `k` components.
    pub fn zeros(d: usize, k: usize) -> Self {
        GmmGradient {
            alphas: vec![0.0; k],
            means: vec![0.0; k * d],
            icf: vec![0.0; k * triangle_len(d)],
        }
    }

    /// Sets every entry back to zero, keeping the allocations.
    pub fn clear(&mut self) {
        for block in [&mut self.alphas, &mut self.means, &mut self.icf] {
            block.fill(0.0);
        }
    }

    /// The three blocks one after the other: alphas, means, icf.
    pub fn flat(&self) -> Vec<f64> {
        [&self.alphas[..], &self.means, &self.icf].concat()
    }
}

/// The hand-written reverse pass of [`gmm_objective`]: adds the gradient into `grad` and
/// returns the objective.
///
/// Per point, one forward sweep keeps `x - mu_k` and `Q_k (x - mu_k)` of every component;
/// the reverse sweep then needs no exponential beyond the softmax weights.
///
/// ```
/// use grad::adbench::gmm::{gmm_gradient, GmmGradient, GmmInput};
///
/// let text = std::fs::read_to_string(grad::adbench::data_path("gmm/test.txt")).unwrap();
/// let input = GmmInput::parse(&text).unwrap();
/// let mut grad = GmmGradient::zeros(input.d, input.k);
/// let objective = gmm_gradient(&input, &mut grad);
/// assert!((objective - input.objective()).abs() < 1e-12);
/// ```
pub fn gmm_gradient(input: &GmmInput, grad: &mut GmmGradient) -> f64 {
    let q_diag: Vec<f64> = diagonals(input).map(f64::exp).collect();
    let sum_q: Vec<f64> = input
        .icf
        .chunks_exact(triangle_len(input.d))
        .map(|icf_k| icf_k[..input.d].iter().sum())
        .collect();

    let mut sweep = PointSweep::new(input.d, input.k);
    let mut sum_lse = 0.0;
    for point in input.x.chunks_exact(input.d) {
        sum_lse += sweep.forward(input, &q_diag, &sum_q, point);
        sweep.reverse(input, &q_diag, grad);
    }

    let lse_alphas = add_alpha_normaliser_gradient(input, grad);
    let prior = add_wishart_prior_gradient(input, &q_diag, &sum_q, grad);
    input.constant() + sum_lse - input.n as f64 * lse_alphas + prior
}

/// The `q_kj`, component after component.
fn diagonals(input: &GmmInput) -> impl Iterator<Item = f64> + '_ {
    let d = input.d;
    input
        .icf
        .chunks_exact(triangle_len(d))
        .flat_map(move |icf_k| icf_k[..d].iter().copied())
}

/// What the reverse sweep over one data point needs from its forward sweep.
struct PointSweep {
    d: usize,
    /// `x - mu_k` for every component, `k * d`.
    centred: Vec<f64>,
    /// `Q_k (x - mu_k)` for every component, `k * d`.
    q_centred: Vec<f64>,
    /// First the main terms, then their softmax: the weight of each component's gradient.
    weights: Vec<f64>,
}

impl PointSweep {
    fn new(d: usize, k: usize) -> Self {
        PointSweep {
            d,
            centred: vec![0.0; k * d],
            q_centred: vec![0.0; k * d],
            weights: vec![0.0; k],
        }
    }

    /// Returns `LSE_k(main_k)` for `point` and leaves the softmax in `weights`.
    fn forward(&mut self, input: &GmmInput, q_diag: &[f64], sum_q: &[f64], point: &[f64]) -> f64 {
        let d = self.d;
        let tri = triangle_len(d);
        for c in 0..input.k {
            let centred = &mut self.centred[c * d..(c + 1) * d];
            let q_centred = &mut self.q_centred[c * d..(c + 1) * d];
            for j in 0..d {
                centred[j] = point[j] - input.means[c * d + j];
                q_centred[j] = q_diag[c * d + j] * centred[j];
            }
            let lower = &input.icf[c * tri + d..(c + 1) * tri];
            apply_strict_lower(lower, centred, q_centred);
            let sq_norm: f64 = q_centred.iter().map(|v| v * v).sum();
            self.weights[c] = input.alphas[c] + sum_q[c] - 0.5 * sq_norm;
        }
        softmax_in_place(&mut self.weights)
    }

    /// Adds `sum_k softmax_k * d main_k / d params` into `grad`.
    ///
    /// With `out = Q (x - mu)`: `d main / d mu = Q^T out`, `d main / d q_j = 1 - exp(q_j)
    /// (x - mu)_j out_j` and `d main / d l_(col,row) = -out_row (x - mu)_col`.
    fn reverse(&self, input: &GmmInput, q_diag: &[f64], grad: &mut GmmGradient) {
        let d = self.d;
        let tri = triangle_len(d);
        for (c, &weight) in self.weights.iter().enumerate() {
            let centred = &self.centred[c * d..(c + 1) * d];
            let out = &self.q_centred[c * d..(c + 1) * d];
            let grad_mean = &mut grad.means[c * d..(c + 1) * d];
            let (grad_q, grad_lower) = grad.icf[c * tri..(c + 1) * tri].split_at_mut(d);
            grad.alphas[c] += weight;
            for j in 0..d {
                let diag = q_diag[c * d + j];
                grad_mean[j] += weight * diag * out[j];
                grad_q[j] += weight * (1.0 - diag * centred[j] * out[j]);
            }
            let lower = &input.icf[c * tri + d..(c + 1) * tri];
            let mut start = 0;
            for col in 0..d {
                let below = &out[col + 1..];
                let end = start + below.len();
                let lower_col = &lower[start..end];
                let weighted = weight * centred[col];
                let mut dot = 0.0;
                for ((g, &l), &o) in grad_lower[start..end].iter_mut().zip(lower_col).zip(below) {
                    dot += l * o;
                    *g -= weighted * o;
                }
                grad_mean[col] += weight * dot;
                start = end;
            }
        }
    }
}

/// `out += L centred`, for the strictly lower `L` stored column by column.
fn apply_strict_lower(lower: &[f64], centred: &[f64], out: &mut [f64]) {
    let mut start = 0;
    for (col, &value) in centred.iter().enumerate() {
        let below = &mut out[col + 1..];
        let end = start + below.len();
        for (out_row, &l) in below.iter_mut().zip(&lower[start..end]) {
            *out_row += l * value;
        }
        start = end;
    }
}

/// Replaces `v` by its softmax and returns the stable `log sum exp` of the old values.
fn softmax_in_place(v: &mut [f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for value in v.iter_mut() {
        *value = (*value - max).exp();
        sum += *value;
    }
    for value in v.iter_mut() {
        *value /= sum;
    }
    max + sum.ln()
}

/// Adds the gradient of `-n LSE(alphas)`, `-n softmax(alphas)`, and returns the LSE.
fn add_alpha_normaliser_gradient(input: &GmmInput, grad: &mut GmmGradient) -> f64 {
    let mut softmax = input.alphas.clone();
    let lse = softmax_in_place(&mut softmax);
    for (g, p) in grad.alphas.iter_mut().zip(&softmax) {
        *g -= input.n as f64 * p;
    }
    lse
}

/// Adds the gradient of the Wishart prior, `gamma^2 exp(2 q) - m` on the diagonal
/// logarithms and `gamma^2 l` on the lower entries, and returns the prior.
fn add_wishart_prior_gradient(
    input: &GmmInput,
    q_diag: &[f64],
    sum_q: &[f64],
    grad: &mut GmmGradient,
) -> f64 {
    let (d, tri) = (input.d, triangle_len(input.d));
    let gamma_sq = input.gamma * input.gamma;
    let m = input.m as f64;
    let mut total = 0.0;
    for c in 0..input.k {
        let diag = &q_diag[c * d..(c + 1) * d];
        let lower = &input.icf[c * tri + d..(c + 1) * tri];
        let (grad_q, grad_lower) = grad.icf[c * tri..(c + 1) * tri].split_at_mut(d);
        for (g, q) in grad_q.iter_mut().zip(diag) {
            *g += gamma_sq * q * q - m;
        }
        for (g, l) in grad_lower.iter_mut().zip(lower) {
            *g += gamma_sq * l;
        }
        let diag_sq: f64 = diag.iter().map(|q| q * q).sum();
        let lower_sq: f64 = lower.iter().map(|l| l * l).sum();
        total += 0.5 * gamma_sq * (diag_sq + lower_sq) - m * sum_q[c];
    }
    total
}

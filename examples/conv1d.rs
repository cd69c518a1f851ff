//! A small 1-D convolutional network that tells sine waves from square waves, trained with
//! gradients from `#[differentiate]`, and a numerical check of the two rules by which a
//! convolution passes its gradient back.
//!
//! ```text
//! cargo run --release --example conv1d [-- OUTPUT_DIR] [-- --quick]
//! ```
//!
//! Four channels each compute `z_c = correlate1d(x, k_c)`, add a bias, apply ReLU and max-pool;
//! a dense layer maps the pooled features to two logits under softmax cross-entropy. With
//! `e_c = ∂L/∂z_c`, the error arriving at channel `c`'s convolution output,
//!
//! ```text
//! ∂L/∂k_c[t] = Σ_i e_c[i] x[i + t]             the input cross-correlated with the error
//! ∂L/∂x[j]   = Σ_c Σ_i e_c[i] k_c[j − i]       the error fully convolved with the kernel
//! ```
//!
//! The example gets `e_c` by differentiating the network's head with respect to `z_c`,
//! evaluates both sums with plain correlations, and compares them with the gradient the
//! macro generates for the whole network.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/plot.rs"]
mod plot;
#[path = "common/rng.rs"]
mod rng;

use grad_runtime::{correlate1d, differentiate};
use std::path::{Path, PathBuf};
use std::time::Instant;

const SIGNAL: usize = 64;
const TAPS: usize = 5;
const CONV: usize = SIGNAL - TAPS + 1;
const POOL: usize = 4;
const POOLED: usize = CONV / POOL;
const CHANNELS: usize = 4;
const FEATURES: usize = CHANNELS * POOLED;
const CLASSES: usize = 2;

/// One channel after its convolution: bias, ReLU, max-pooling.
#[differentiate]
pub fn feature_map(z: &[f64], bias: f64) -> Vec<f64> {
    let mut shifted = vec![0.0; CONV];
    for i in 0..CONV {
        shifted[i] = z[i] + bias;
    }
    let active = grad_runtime::relu_vec(&shifted);
    grad_runtime::max_pool1d(&active, POOL, POOL)
}

/// Everything after the convolutions: the loss as a function of the four convolution outputs.
#[differentiate(wrt(z0, z1, z2, z3, bias, w, b))]
#[allow(clippy::too_many_arguments)] // One slice per channel: the subset has no sub-slicing.
pub fn head(
    z0: &[f64],
    z1: &[f64],
    z2: &[f64],
    z3: &[f64],
    bias: &[f64],
    w: &[f64],
    b: &[f64],
    label: usize,
) -> f64 {
    let p0: Vec<f64> = feature_map(z0, bias[0]);
    let p1: Vec<f64> = feature_map(z1, bias[1]);
    let p2: Vec<f64> = feature_map(z2, bias[2]);
    let p3: Vec<f64> = feature_map(z3, bias[3]);
    let mut features = vec![0.0; FEATURES];
    for i in 0..POOLED {
        features[i] = p0[i];
        features[POOLED + i] = p1[i];
        features[2 * POOLED + i] = p2[i];
        features[3 * POOLED + i] = p3[i];
    }
    let logits = grad_runtime::affine(w, b, &features, CLASSES, FEATURES);
    grad_runtime::softmax_cross_entropy(&logits, label)
}

/// Cross-entropy of the whole network on signal `x` of class `label`.
#[differentiate(wrt(x, k0, k1, k2, k3, bias, w, b))]
#[allow(clippy::too_many_arguments)] // One kernel per channel, as in `head`.
pub fn loss(
    x: &[f64],
    k0: &[f64],
    k1: &[f64],
    k2: &[f64],
    k3: &[f64],
    bias: &[f64],
    w: &[f64],
    b: &[f64],
    label: usize,
) -> f64 {
    let z0 = grad_runtime::correlate1d(x, k0);
    let z1 = grad_runtime::correlate1d(x, k1);
    let z2 = grad_runtime::correlate1d(x, k2);
    let z3 = grad_runtime::correlate1d(x, k3);
    head(&z0, &z1, &z2, &z3, bias, w, b, label)
}

/// The network's parameters, or a gradient of the same shape.
#[derive(Clone)]
struct Params {
    kernels: [Vec<f64>; CHANNELS],
    bias: Vec<f64>,
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Params {
    fn new(rng: &mut rng::Rng) -> Self {
        let conv_scale = (2.0 / TAPS as f64).sqrt();
        let dense_scale = (1.0 / FEATURES as f64).sqrt();
        Params {
            kernels: std::array::from_fn(|_| {
                (0..TAPS).map(|_| conv_scale * rng.normal()).collect()
            }),
            bias: vec![0.0; CHANNELS],
            w: (0..CLASSES * FEATURES)
                .map(|_| dense_scale * rng.normal())
                .collect(),
            b: vec![0.0; CLASSES],
        }
    }

    fn zeros() -> Self {
        Params {
            kernels: std::array::from_fn(|_| vec![0.0; TAPS]),
            bias: vec![0.0; CHANNELS],
            w: vec![0.0; CLASSES * FEATURES],
            b: vec![0.0; CLASSES],
        }
    }

    fn slices_mut(&mut self) -> impl Iterator<Item = &mut Vec<f64>> {
        let [k0, k1, k2, k3] = &mut self.kernels;
        [k0, k1, k2, k3, &mut self.bias, &mut self.w, &mut self.b].into_iter()
    }

    /// Adds `seed` times the gradient on `x` into `grad` (and the input's into `x_adj`) and
    /// returns the loss.
    fn accumulate(
        &self,
        grad: &mut Params,
        x: &[f64],
        x_adj: &mut [f64],
        label: usize,
        seed: f64,
    ) -> f64 {
        let [k0, k1, k2, k3] = &self.kernels;
        let [g0, g1, g2, g3] = &mut grad.kernels;
        loss_adjoint(
            x,
            x_adj,
            k0,
            g0,
            k1,
            g1,
            k2,
            g2,
            k3,
            g3,
            &self.bias,
            &mut grad.bias,
            &self.w,
            &mut grad.w,
            &self.b,
            &mut grad.b,
            label,
            seed,
        )
    }

    fn logits(&self, x: &[f64]) -> Vec<f64> {
        let mut features = Vec::with_capacity(FEATURES);
        for (kernel, &bias) in self.kernels.iter().zip(&self.bias) {
            features.extend(feature_map(&correlate1d(x, kernel), bias));
        }
        grad_runtime::affine(&self.w, &self.b, &features, CLASSES, FEATURES)
    }

    fn predict(&self, x: &[f64]) -> usize {
        let logits = self.logits(x);
        usize::from(logits[1] > logits[0])
    }
}

/// Signals row after row with their class: 0 for a sine, 1 for a square wave, each with a
/// random frequency, phase, amplitude and Gaussian noise.
struct Dataset {
    signals: Vec<f64>,
    labels: Vec<usize>,
}

impl Dataset {
    fn generate(count: usize, rng: &mut rng::Rng) -> Self {
        let mut data = Dataset {
            signals: Vec::with_capacity(count * SIGNAL),
            labels: Vec::with_capacity(count),
        };
        for k in 0..count {
            let label = k % CLASSES;
            let cycles = rng.between(1.5, 5.0);
            let phase = rng.between(0.0, std::f64::consts::TAU);
            let amplitude = rng.between(0.5, 1.5);
            for t in 0..SIGNAL {
                let angle = std::f64::consts::TAU * cycles * t as f64 / SIGNAL as f64 + phase;
                let wave = if label == 0 {
                    angle.sin()
                } else {
                    angle.sin().signum()
                };
                data.signals.push(amplitude * wave + 0.15 * rng.normal());
            }
            data.labels.push(label);
        }
        data
    }

    fn count(&self) -> usize {
        self.labels.len()
    }

    fn signal(&self, k: usize) -> &[f64] {
        &self.signals[k * SIGNAL..(k + 1) * SIGNAL]
    }

    fn accuracy(&self, params: &Params) -> f64 {
        let correct = (0..self.count())
            .filter(|&k| params.predict(self.signal(k)) == self.labels[k])
            .count();
        correct as f64 / self.count() as f64
    }
}

/// What a run achieved, for the final table and for the tests.
#[derive(Debug)]
pub struct Summary {
    pub epochs: usize,
    pub final_loss: f64,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    /// Largest difference between the generated kernel gradient and the input cross-correlated
    /// with the error, relative to the largest kernel gradient.
    pub kernel_rule_difference: f64,
    /// The same for the input gradient and the error fully convolved with the kernels.
    pub input_rule_difference: f64,
    pub plots: Vec<PathBuf>,
}

fn main() {
    let summary = run(cli::quick_requested(), &cli::output_dir());
    println!();
    println!("{:<52} {:>12}", "result", "value");
    println!("{:<52} {:>12}", "epochs", summary.epochs);
    println!(
        "{:<52} {:>12.4}",
        "final training loss (cross-entropy)", summary.final_loss
    );
    println!(
        "{:<52} {:>11.1}%",
        "training accuracy",
        100.0 * summary.train_accuracy
    );
    println!(
        "{:<52} {:>11.1}%",
        "held-out accuracy",
        100.0 * summary.test_accuracy
    );
    println!(
        "{:<52} {:>12.2e}",
        "kernel gradient vs x ⋆ error (max rel. difference)", summary.kernel_rule_difference
    );
    println!(
        "{:<52} {:>12.2e}",
        "input gradient vs error ∗ kernel (max rel. difference)", summary.input_rule_difference
    );
    for plot in &summary.plots {
        println!("wrote {}", plot.display());
    }
}

/// Makes the data, trains the network, checks the convolution rules and plots.
pub fn run(quick: bool, out_dir: &Path) -> Summary {
    let started = Instant::now();
    let mut rng = rng::Rng::new(11);
    let train = Dataset::generate(if quick { 200 } else { 800 }, &mut rng);
    let test = Dataset::generate(if quick { 200 } else { 400 }, &mut rng);
    let mut params = Params::new(&mut rng);
    let epochs = if quick { 15 } else { 30 };
    println!(
        "{CHANNELS} channels of {TAPS} taps, pool {POOL}, {} training and {} held-out signals of {SIGNAL} samples",
        train.count(),
        test.count()
    );

    let (kernel_rule_difference, input_rule_difference) = check_convolution_rules(&params, &train);
    println!(
        "convolution rules at the initial weights: kernel {kernel_rule_difference:.1e}, input {input_rule_difference:.1e}"
    );
    let curve = train_network(&mut params, &train, &test, epochs, &mut rng);
    let last = curve.last().copied().unwrap_or_default();
    let summary = Summary {
        epochs,
        final_loss: last.loss,
        train_accuracy: last.train_accuracy,
        test_accuracy: last.test_accuracy,
        kernel_rule_difference,
        input_rule_difference,
        plots: vec![
            plot_curve(&curve, out_dir),
            plot_examples(&params, &test, out_dir),
        ],
    };
    println!("took {:.2} s", started.elapsed().as_secs_f64());
    summary
}

#[derive(Clone, Copy, Default)]
struct EpochStats {
    loss: f64,
    train_accuracy: f64,
    test_accuracy: f64,
}

/// Minibatch SGD with momentum.
fn train_network(
    params: &mut Params,
    train: &Dataset,
    test: &Dataset,
    epochs: usize,
    rng: &mut rng::Rng,
) -> Vec<EpochStats> {
    const BATCH: usize = 16;
    let (rate, momentum) = (0.05, 0.9);
    let progress = cli::Progress::new(epochs);
    let mut velocity = Params::zeros();
    let mut order: Vec<usize> = (0..train.count()).collect();
    let mut x_adj = vec![0.0; SIGNAL];
    let mut curve = Vec::new();
    for epoch in 1..=epochs {
        shuffle(&mut order, rng);
        let mut loss = 0.0;
        for batch in order.chunks(BATCH) {
            let mut grad = Params::zeros();
            let seed = 1.0 / batch.len() as f64;
            for &k in batch {
                loss += params.accumulate(
                    &mut grad,
                    train.signal(k),
                    &mut x_adj,
                    train.labels[k],
                    seed,
                );
            }
            for ((p, v), g) in params
                .slices_mut()
                .zip(velocity.slices_mut())
                .zip(grad.slices_mut())
            {
                for ((p, v), g) in p.iter_mut().zip(v.iter_mut()).zip(g.iter()) {
                    *v = momentum * *v - rate * g;
                    *p += *v;
                }
            }
        }
        let stats = EpochStats {
            loss: loss / train.count() as f64,
            train_accuracy: train.accuracy(params),
            test_accuracy: test.accuracy(params),
        };
        let status = format!(
            "loss {:.4}  train {:5.1}%  held-out {:5.1}%",
            stats.loss,
            100.0 * stats.train_accuracy,
            100.0 * stats.test_accuracy
        );
        progress.step(epoch, &status);
        curve.push(stats);
    }
    curve
}

/// Fisher–Yates.
fn shuffle(order: &mut [usize], rng: &mut rng::Rng) {
    for i in (1..order.len()).rev() {
        let j = (rng.uniform() * (i + 1) as f64) as usize;
        order.swap(i, j.min(i));
    }
}

/// Compares the generated kernel and input gradients on a few signals with the two rules
/// evaluated from the errors `e_c = ∂L/∂z_c`; returns the largest relative differences.
fn check_convolution_rules(params: &Params, data: &Dataset) -> (f64, f64) {
    let (mut kernel_worst, mut input_worst) = (0.0_f64, 0.0_f64);
    for k in 0..4 {
        let (x, label) = (data.signal(k), data.labels[k]);
        let mut generated = Params::zeros();
        let mut x_adj = vec![0.0; SIGNAL];
        params.accumulate(&mut generated, x, &mut x_adj, label, 1.0);

        let errors = conv_output_errors(params, x, label);
        let mut input_rule = vec![0.0; SIGNAL];
        for (c, error) in errors.iter().enumerate() {
            let kernel_rule = correlate1d(x, error);
            kernel_worst =
                kernel_worst.max(relative_difference(&generated.kernels[c], &kernel_rule));
            for (sum, term) in input_rule
                .iter_mut()
                .zip(full_convolution(error, &params.kernels[c]))
            {
                *sum += term;
            }
        }
        input_worst = input_worst.max(relative_difference(&x_adj, &input_rule));
    }
    (kernel_worst, input_worst)
}

/// `∂L/∂z_c` for each channel, from the generated adjoint of [`head`].
fn conv_output_errors(params: &Params, x: &[f64], label: usize) -> [Vec<f64>; CHANNELS] {
    let z: [Vec<f64>; CHANNELS] = std::array::from_fn(|c| correlate1d(x, &params.kernels[c]));
    let mut e: [Vec<f64>; CHANNELS] = std::array::from_fn(|_| vec![0.0; CONV]);
    let mut unused = Params::zeros();
    let [e0, e1, e2, e3] = &mut e;
    head_adjoint(
        &z[0],
        e0,
        &z[1],
        e1,
        &z[2],
        e2,
        &z[3],
        e3,
        &params.bias,
        &mut unused.bias,
        &params.w,
        &mut unused.w,
        &params.b,
        &mut unused.b,
        label,
        1.0,
    );
    e
}

/// `out[j] = Σ_i error[i] kernel[j − i]`: the full convolution, computed as a valid
/// cross-correlation of the error padded with `taps − 1` zeros on both sides with the kernel
/// reversed.
fn full_convolution(error: &[f64], kernel: &[f64]) -> Vec<f64> {
    let pad = kernel.len() - 1;
    let mut padded = vec![0.0; error.len() + 2 * pad];
    padded[pad..pad + error.len()].copy_from_slice(error);
    let flipped: Vec<f64> = kernel.iter().rev().copied().collect();
    correlate1d(&padded, &flipped)
}

/// `max |a − b| / max |a|`.
fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
    let scale = a
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
    worst / scale
}

fn plot_curve(curve: &[EpochStats], out_dir: &Path) -> PathBuf {
    let epochs = 1..=curve.len();
    let accuracy = |pick: fn(&EpochStats) -> f64| -> Vec<(f64, f64)> {
        epochs
            .clone()
            .zip(curve)
            .map(|(e, s)| (e as f64, 100.0 * pick(s)))
            .collect()
    };
    let mut chart = plot::Chart::new(
        "Sine vs square: accuracy per epoch",
        (0.0, curve.len() as f64),
        (40.0, 100.0),
        false,
    )
    .labels("epoch", "accuracy (%)");
    chart.line(
        &accuracy(|s| s.train_accuracy),
        plot::BLUE,
        false,
        "training",
    );
    chart.line(
        &accuracy(|s| s.test_accuracy),
        plot::ORANGE,
        false,
        "held-out",
    );
    save(&chart, &out_dir.join("conv1d_accuracy.svg"))
}

/// Two held-out signals of each class with the network's verdict in the legend.
fn plot_examples(params: &Params, test: &Dataset, out_dir: &Path) -> PathBuf {
    let mut chart = plot::Chart::new(
        "Held-out signals and predictions",
        (0.0, SIGNAL as f64),
        (-2.5, 2.5),
        false,
    )
    .labels("sample", "value");
    let colors = [plot::BLUE, plot::ORANGE, plot::GREEN, plot::GREY];
    for (k, color) in colors.into_iter().enumerate() {
        let points: Vec<(f64, f64)> = test
            .signal(k)
            .iter()
            .enumerate()
            .map(|(t, &v)| (t as f64, v))
            .collect();
        let names = ["sine", "square"];
        let name = format!(
            "{}, predicted {}",
            names[test.labels[k]],
            names[params.predict(test.signal(k))]
        );
        chart.line(&points, color, false, &name);
    }
    save(&chart, &out_dir.join("conv1d_signals.svg"))
}

fn save(chart: &plot::Chart, path: &Path) -> PathBuf {
    if let Err(err) = chart.save(path) {
        eprintln!("could not write {}: {err}", path.display());
    }
    path.to_owned()
}

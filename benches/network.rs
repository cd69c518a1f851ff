//! Cost of one gradient of a dense 784-256-10 ReLU network under softmax cross-entropy:
//! the generated adjoint of a loss written with plain loops, the same network through the
//! runtime's dense primitives, a hand-written backward pass, and the forward pass alone.
//!
//! The forward pass is the same sequential arithmetic in every variant (no reassociated
//! sums), so the ratios compare the backward passes and not the inner products.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use grad_runtime::differentiate;

const INPUTS: usize = 784;
const HIDDEN: usize = 256;
const CLASSES: usize = 10;

/// Loss of one sample of class `label`, every product and sum written out as loops so that
/// the benchmark measures the loops the macro generates.
#[allow(clippy::needless_range_loop)] // The subset loops over index ranges.
#[differentiate(wrt(w1, b1, w2, b2))]
fn loop_loss(w1: &[f64], b1: &[f64], w2: &[f64], b2: &[f64], x: &[f64], label: usize) -> f64 {
    let mut h = vec![0.0; HIDDEN];
    for i in 0..HIDDEN {
        let mut z = b1[i];
        for j in 0..INPUTS {
            z += w1[i * INPUTS + j] * x[j];
        }
        h[i] = z.max(0.0);
    }

    let mut logits = [0.0; CLASSES];
    for c in 0..CLASSES {
        let mut z = b2[c];
        for i in 0..HIDDEN {
            z += w2[c * HIDDEN + i] * h[i];
        }
        logits[c] = z;
    }

    let mut top = logits[0];
    for c in 1..CLASSES {
        top = top.max(logits[c]);
    }
    let mut total = 0.0;
    for c in 0..CLASSES {
        total += (logits[c] - top).exp();
    }
    top + total.ln() - logits[label]
}

/// The same loss through the runtime primitives, whose adjoints are hand-written.
#[differentiate(wrt(w1, b1, w2, b2))]
fn primitive_loss(w1: &[f64], b1: &[f64], w2: &[f64], b2: &[f64], x: &[f64], label: usize) -> f64 {
    let z = grad_runtime::affine(w1, b1, x, HIDDEN, INPUTS);
    let h = grad_runtime::relu_vec(&z);
    let logits = grad_runtime::affine(w2, b2, &h, CLASSES, HIDDEN);
    grad_runtime::softmax_cross_entropy(&logits, label)
}

/// Weights, or their gradient, stored row-major.
struct Params {
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: Vec<f64>,
}

impl Params {
    fn zeros() -> Self {
        Params {
            w1: vec![0.0; HIDDEN * INPUTS],
            b1: vec![0.0; HIDDEN],
            w2: vec![0.0; CLASSES * HIDDEN],
            b2: vec![0.0; CLASSES],
        }
    }

    /// Weights uniform in `±1/sqrt(fan_in)`, so that about half the hidden units are active.
    fn random(rng: &mut Rng) -> Self {
        let scale1 = 1.0 / (INPUTS as f64).sqrt();
        let scale2 = 1.0 / (HIDDEN as f64).sqrt();
        Params {
            w1: rng.symmetric(HIDDEN * INPUTS, scale1),
            b1: rng.symmetric(HIDDEN, 0.1),
            w2: rng.symmetric(CLASSES * HIDDEN, scale2),
            b2: rng.symmetric(CLASSES, 0.1),
        }
    }

    fn clear(&mut self) {
        for buffer in [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2] {
            buffer.fill(0.0);
        }
    }

    fn flat(&self) -> impl Iterator<Item = f64> + '_ {
        self.w1
            .iter()
            .chain(&self.b1)
            .chain(&self.w2)
            .chain(&self.b2)
            .copied()
    }
}

/// SplitMix64, enough for reproducible weights and pixels.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }

    fn symmetric(&mut self, len: usize, scale: f64) -> Vec<f64> {
        (0..len)
            .map(|_| scale * (2.0 * self.unit() - 1.0))
            .collect()
    }
}

/// Buffers of the hand-written pass, allocated once outside the timed loop.
struct Workspace {
    z: Vec<f64>,
    h: Vec<f64>,
    logits: Vec<f64>,
    h_adj: Vec<f64>,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            z: vec![0.0; HIDDEN],
            h: vec![0.0; HIDDEN],
            logits: vec![0.0; CLASSES],
            h_adj: vec![0.0; HIDDEN],
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |sum, (a, b)| sum + a * b)
}

/// `y += alpha x`, which the compiler vectorises.
fn axpy(y: &mut [f64], alpha: f64, x: &[f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// The forward pass into `work`, returning the loss.
fn forward(net: &Params, x: &[f64], label: usize, work: &mut Workspace) -> f64 {
    for (i, row) in net.w1.chunks_exact(INPUTS).enumerate() {
        work.z[i] = net.b1[i] + dot(row, x);
        work.h[i] = work.z[i].max(0.0);
    }
    for (c, row) in net.w2.chunks_exact(HIDDEN).enumerate() {
        work.logits[c] = net.b2[c] + dot(row, &work.h);
    }
    let top = work
        .logits
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = work.logits.iter().map(|l| (l - top).exp()).sum();
    top + total.ln() - work.logits[label]
}

/// The backward pass by hand: `dlogits = softmax - onehot`, then the two layers transposed.
/// With `skip_inactive`, rows of `W1` behind a hidden unit at zero are not touched at all,
/// which is what a careful hand-written pass does and a generated one cannot know to do.
fn hand_gradient(
    net: &Params,
    x: &[f64],
    label: usize,
    grad: &mut Params,
    work: &mut Workspace,
    skip_inactive: bool,
) -> f64 {
    let loss = forward(net, x, label, work);
    let log_total = loss + work.logits[label];
    work.h_adj.fill(0.0);
    for (c, row) in net.w2.chunks_exact(HIDDEN).enumerate() {
        let onehot = if c == label { 1.0 } else { 0.0 };
        let logit_adj = (work.logits[c] - log_total).exp() - onehot;
        grad.b2[c] += logit_adj;
        axpy(&mut grad.w2[c * HIDDEN..][..HIDDEN], logit_adj, &work.h);
        axpy(&mut work.h_adj, logit_adj, row);
    }

    for (i, grad_row) in grad.w1.chunks_exact_mut(INPUTS).enumerate() {
        let z_adj = if work.z[i] > 0.0 { work.h_adj[i] } else { 0.0 };
        if skip_inactive && z_adj == 0.0 {
            continue;
        }
        grad.b1[i] += z_adj;
        axpy(grad_row, z_adj, x);
    }
    loss
}

fn loop_adjoint(net: &Params, x: &[f64], label: usize, grad: &mut Params) -> f64 {
    let (w1, b1, w2, b2) = (&net.w1, &net.b1, &net.w2, &net.b2);
    let (gw1, gb1, gw2, gb2) = (&mut grad.w1, &mut grad.b1, &mut grad.w2, &mut grad.b2);
    loop_loss_adjoint(w1, gw1, b1, gb1, w2, gw2, b2, gb2, x, label, 1.0)
}

fn primitive_adjoint(net: &Params, x: &[f64], label: usize, grad: &mut Params) -> f64 {
    let (w1, b1, w2, b2) = (&net.w1, &net.b1, &net.w2, &net.b2);
    let (gw1, gb1, gw2, gb2) = (&mut grad.w1, &mut grad.b1, &mut grad.w2, &mut grad.b2);
    primitive_loss_adjoint(w1, gw1, b1, gb1, w2, gw2, b2, gb2, x, label, 1.0)
}

/// Stops the run if two gradients differ by more than rounding: a fast wrong gradient is
/// not worth timing.
fn assert_close(what: &str, a: &Params, b: &Params) {
    let worst = a
        .flat()
        .zip(b.flat())
        .map(|(a, b)| (a - b).abs() / (1.0 + a.abs()))
        .fold(0.0, f64::max);
    assert!(worst < 1e-12, "{what}: gradients differ by {worst:e}");
}

fn network(c: &mut Criterion) {
    let mut rng = Rng(7);
    let net = Params::random(&mut rng);
    let x: Vec<f64> = (0..INPUTS).map(|_| rng.unit()).collect();
    let label = 3;
    let mut work = Workspace::new();

    let mut reference = Params::zeros();
    hand_gradient(&net, &x, label, &mut reference, &mut work, false);
    let mut grad = Params::zeros();
    loop_adjoint(&net, &x, label, &mut grad);
    assert_close("loop adjoint", &reference, &grad);
    grad.clear();
    primitive_adjoint(&net, &x, label, &mut grad);
    assert_close("primitive adjoint", &reference, &grad);

    let mut group = c.benchmark_group("network_784_256_10");
    group.bench_function("forward_loops", |b| {
        b.iter(|| loop_loss(&net.w1, &net.b1, &net.w2, &net.b2, black_box(&x), label))
    });
    group.bench_function("forward_hand", |b| {
        b.iter(|| forward(&net, black_box(&x), label, &mut work))
    });
    // The gradients add into zeroed buffers, so the zeroing is part of their cost.
    group.bench_function("hand_backward", |b| {
        b.iter(|| {
            grad.clear();
            hand_gradient(&net, black_box(&x), label, &mut grad, &mut work, false)
        })
    });
    group.bench_function("hand_backward_skip_inactive", |b| {
        b.iter(|| {
            grad.clear();
            hand_gradient(&net, black_box(&x), label, &mut grad, &mut work, true)
        })
    });
    group.bench_function("generated_loops", |b| {
        b.iter(|| {
            grad.clear();
            loop_adjoint(&net, black_box(&x), label, &mut grad)
        })
    });
    group.bench_function("generated_primitives", |b| {
        b.iter(|| {
            grad.clear();
            primitive_adjoint(&net, black_box(&x), label, &mut grad)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = network
}
criterion_main!(benches);

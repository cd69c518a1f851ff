//! Cost of the ADBench derivatives relative to their objectives: each group times an
//! objective next to its gradients, so that one run gives ADBench's ratios side by side.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use grad::adbench::ba::{ba_block, ba_reprojection_error, BaInput};
use grad::adbench::gmm::{gmm_gradient, GmmGradient, GmmInput};
use grad::adbench::lstm::{lstm_gradient, LstmGradient, LstmInput};

fn read(relative: &str) -> String {
    let path = grad::adbench::data_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn gmm(c: &mut Criterion) {
    for (name, file) in [
        ("1k_d2_K5", "gmm/1k/gmm_d2_K5.txt"),
        ("1k_d10_K5", "gmm/1k/gmm_d10_K5.txt"),
        ("10k_d2_K5", "gmm/10k/gmm_d2_K5.txt"),
    ] {
        let input = GmmInput::parse(&read(file)).unwrap();
        let mut group = c.benchmark_group(format!("gmm_{name}"));
        group.bench_function("objective", |b| b.iter(|| black_box(&input).objective()));

        // Both gradients add into zeroed buffers, so the zeroing is part of their cost.
        let mut grad = GmmGradient::zeros(input.d, input.k);
        group.bench_function("hand_gradient", |b| {
            b.iter(|| {
                grad.clear();
                gmm_gradient(black_box(&input), &mut grad)
            })
        });
        // FIXME: time `gmm_objective_adjoint` here once `#[differentiate]` generates it.
        group.finish();
    }
}

fn ba(c: &mut Criterion) {
    let input = BaInput::parse(&read("ba/ba1_n49_m7776_p31843.txt")).unwrap();
    let (cam, x, w, feat) = (&input.cam[..], &input.x[..], input.w, &input.feat[..]);
    let mut group = c.benchmark_group("ba_block");
    group.bench_function("residual", |b| {
        b.iter(|| ba_reprojection_error(black_box(cam), black_box(x), black_box(w), feat))
    });
    group.bench_function("hand_block", |b| {
        b.iter(|| ba_block(black_box(cam), black_box(x), black_box(w), feat))
    });
    // FIXME: time two sweeps of `ba_reprojection_error_adjoint` here once `#[differentiate]`
    // generates it.
    group.finish();
}

fn lstm(c: &mut Criterion) {
    let input = LstmInput::parse(&read("lstm/lstm_l2_c1024.txt")).unwrap();
    let mut group = c.benchmark_group("lstm_l2_c1024");
    group.bench_function("objective", |b| b.iter(|| black_box(&input).objective()));
    let mut grad = LstmGradient::zeros(input.l, input.b);
    group.bench_function("hand_gradient", |b| {
        b.iter(|| {
            grad.clear();
            lstm_gradient(black_box(&input), &mut grad)
        })
    });
    // FIXME: time `lstm_objective_adjoint` here once `#[differentiate]` generates it.
    group.finish();
}

/// Short runs: the whole file takes about two minutes.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(40)
}

criterion_group! {
    name = adbench;
    config = config();
    targets = gmm, ba, lstm
}
criterion_main!(adbench);

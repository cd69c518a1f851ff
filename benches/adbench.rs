//! Cost of the ADBench derivatives relative to their objectives: each group times an
//! objective next to its gradients, so that one run gives ADBench's ratios side by side.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use grad::adbench::ba::{
    ba_block, ba_reprojection_error, ba_reprojection_error_adjoint, BaInput, BLOCK_COLUMNS,
    CAMERA_LEN, POINT_LEN,
};
use grad::adbench::gmm::{gmm_gradient, GmmGradient, GmmInput};
use grad::adbench::lstm::{lstm_gradient, lstm_objective_adjoint, LstmGradient, LstmInput};

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

        // The gradients add into zeroed buffers, so the zeroing is part of their cost.
        let mut grad = GmmGradient::zeros(input.d, input.k);
        group.bench_function("hand_gradient", |b| {
            b.iter(|| {
                grad.clear();
                gmm_gradient(black_box(&input), &mut grad)
            })
        });
        group.bench_function("generated_adjoint", |b| {
            b.iter(|| {
                grad.clear();
                black_box(&input).generated_gradient(&mut grad)
            })
        });
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
    // The generated adjoint gives one row of the block per reverse sweep, so here the block
    // is stored row after row rather than column-major.
    group.bench_function("generated_block", |b| {
        b.iter(|| {
            let mut block = [0.0; 2 * BLOCK_COLUMNS];
            let seeds = [[1.0, 0.0], [0.0, 1.0]];
            for (row, seed) in block.chunks_exact_mut(BLOCK_COLUMNS).zip(&seeds) {
                let (cam_adj, rest) = row.split_at_mut(CAMERA_LEN);
                let (x_adj, w_adj) = rest.split_at_mut(POINT_LEN);
                let (cam, x, w) = (black_box(cam), black_box(x), black_box(w));
                ba_reprojection_error_adjoint(cam, cam_adj, x, x_adj, w, &mut w_adj[0], feat, seed);
            }
            block
        })
    });
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
    group.bench_function("generated_adjoint", |b| {
        b.iter(|| {
            grad.clear();
            let input = black_box(&input);
            lstm_objective_adjoint(
                input.l,
                input.c,
                input.b,
                &input.main_params,
                &mut grad.main_params,
                &input.extra_params,
                &mut grad.extra_params,
                &input.state,
                &input.sequence,
                1.0,
            )
        })
    });
    group.finish();
}

/// Short runs: the whole file takes about two minutes.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = adbench;
    config = config();
    targets = gmm, ba, lstm
}
criterion_main!(adbench);

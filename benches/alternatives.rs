//! One gradient by five methods at growing parameter counts d, to show where each one
//! crosses over: the generated adjoint, a hand-written gradient, forward-mode dual numbers
//! (`num-dual`, one pass per input direction), a tape recorded by operator overloading
//! (`reverse`, one Wengert-list node per operation) and central finite differences (2d
//! evaluations of the objective).
//!
//! The objective is the chain `f(x) = Σ exp(−(xᵢ − xᵢ₊₁)²)`: O(d) work, one transcendental
//! per term, so every method's cost is dominated by its own overhead rather than by a kernel.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use grad_runtime::differentiate;
use num_dual::{Dual64, DualNum};
use reverse::{Gradient, Tape, Var};

#[differentiate]
fn chain(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 1..x.len() {
        let t = x[i - 1] - x[i];
        total += (-(t * t)).exp();
    }
    total
}

/// `∂/∂xᵢ₋₁ exp(−t²) = −2t exp(−t²)` with `t = xᵢ₋₁ − xᵢ`, and the opposite for `xᵢ`.
fn hand_gradient(x: &[f64], grad: &mut [f64]) -> f64 {
    grad.fill(0.0);
    let mut total = 0.0;
    for i in 1..x.len() {
        let t = x[i - 1] - x[i];
        let e = (-(t * t)).exp();
        total += e;
        grad[i - 1] -= 2.0 * t * e;
        grad[i] += 2.0 * t * e;
    }
    total
}

fn generated_gradient(x: &[f64], grad: &mut [f64]) -> f64 {
    grad.fill(0.0);
    chain_adjoint(x, grad, 1.0)
}

fn chain_dual(x: &[Dual64]) -> Dual64 {
    let mut total = Dual64::from_re(0.0);
    for pair in x.windows(2) {
        let t = pair[0] - pair[1];
        total += (-(t * t)).exp();
    }
    total
}

/// Forward mode: direction `k` seeds `xₖ` alone and reads `∂f/∂xₖ` off the result, so the
/// gradient costs d evaluations in dual arithmetic.
fn dual_gradient(x: &mut [Dual64], grad: &mut [f64]) {
    for k in 0..x.len() {
        x[k].eps = 1.0;
        grad[k] = chain_dual(x).eps;
        x[k].eps = 0.0;
    }
}

fn chain_tape<'t>(x: &[Var<'t>]) -> Var<'t> {
    let term = |pair: &[Var<'t>]| {
        let t = pair[0] - pair[1];
        (-(t * t)).exp()
    };
    let mut pairs = x.windows(2);
    let first = term(pairs.next().expect("at least two parameters"));
    pairs.fold(first, |total, pair| total + term(pair))
}

/// Reverse mode by operator overloading: record every operation on a tape, then one
/// backward sweep over it. The tape is cleared, not reallocated, between gradients.
fn tape_gradient(tape: &Tape, x: &[f64], grad: &mut [f64]) {
    tape.clear();
    let vars = tape.add_vars(x);
    let adjoints = chain_tape(&vars).grad();
    for (g, v) in grad.iter_mut().zip(&vars) {
        *g = adjoints.wrt(v);
    }
}

/// Central differences, `(f(x + h eₖ) − f(x − h eₖ)) / 2h`, with `h` scaled to `xₖ`.
fn finite_difference_gradient(x: &mut [f64], grad: &mut [f64]) {
    for k in 0..x.len() {
        let original = x[k];
        let h = 1e-6 * original.abs().max(1.0);
        x[k] = original + h;
        let above = chain(x);
        x[k] = original - h;
        let below = chain(x);
        x[k] = original;
        grad[k] = (above - below) / (2.0 * h);
    }
}

/// Points spread over a few units, so that the terms range from near 1 to near 0.
fn point(d: usize) -> Vec<f64> {
    (0..d).map(|i| (i as f64 * 0.7).sin() * 1.5).collect()
}

fn assert_close(what: &str, got: &[f64], want: &[f64], tolerance: f64) {
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < tolerance, "{what}: gradient off by {worst:e}");
}

/// Every method once, checked against the hand-written gradient before anything is timed.
fn check_methods(d: usize) {
    let x = point(d);
    let mut want = vec![0.0; d];
    hand_gradient(&x, &mut want);
    let mut got = vec![0.0; d];

    generated_gradient(&x, &mut got);
    assert_close("generated", &got, &want, 1e-14);
    let mut duals: Vec<Dual64> = x.iter().map(|&v| Dual64::from_re(v)).collect();
    dual_gradient(&mut duals, &mut got);
    assert_close("num-dual", &got, &want, 1e-14);
    tape_gradient(&Tape::new(), &x, &mut got);
    assert_close("reverse", &got, &want, 1e-14);
    finite_difference_gradient(&mut x.clone(), &mut got);
    assert_close("finite differences", &got, &want, 1e-6);
}

/// The methods whose cost grows like d: worth timing at every size.
fn bench_linear(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, d: usize) {
    let x = point(d);
    let mut grad = vec![0.0; d];
    group.bench_function("objective", |b| b.iter(|| chain(black_box(&x))));
    group.bench_function("hand", |b| {
        b.iter(|| hand_gradient(black_box(&x), &mut grad))
    });
    group.bench_function("generated", |b| {
        b.iter(|| generated_gradient(black_box(&x), &mut grad))
    });
    let tape = Tape::new();
    group.bench_function("tape_reverse", |b| {
        b.iter(|| tape_gradient(&tape, black_box(&x), &mut grad))
    });
}

/// The methods whose cost grows like d²: timed only up to d = 1000.
fn bench_quadratic(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, d: usize) {
    let mut x = point(d);
    let mut grad = vec![0.0; d];
    let mut duals: Vec<Dual64> = x.iter().map(|&v| Dual64::from_re(v)).collect();
    group.bench_function("forward_num_dual", |b| {
        b.iter(|| dual_gradient(black_box(&mut duals), &mut grad))
    });
    group.bench_function("finite_differences", |b| {
        b.iter(|| finite_difference_gradient(black_box(&mut x), &mut grad))
    });
}

fn alternatives(c: &mut Criterion) {
    for d in [10, 100, 1000, 10_000] {
        check_methods(d.min(1000));
        let mut group = c.benchmark_group(format!("alternatives_d{d}"));
        if d >= 1000 {
            group.sample_size(20);
        }
        bench_linear(&mut group, d);
        if d <= 1000 {
            bench_quadratic(&mut group, d);
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = alternatives
}
criterion_main!(benches);

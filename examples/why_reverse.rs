//! Why reverse mode: the full gradient of a scalar loss of `d` parameters costs a few loss
//! evaluations by the generated adjoint, whatever `d`, while central differences need `2 d`
//! evaluations and forward-mode dual numbers `d` passes.
//!
//! ```text
//! cargo run --release --example why_reverse [-- OUTPUT_DIR] [-- --quick]
//! ```
//!
//! The loss is the extended Rosenbrock function, `Σ_i 100 (x[i+1] − x[i]²)² + (x[i] − 1)²`,
//! which costs `O(d)` to evaluate. It is written twice: once for `#[differentiate]`, on `f64`,
//! and once generic over `num_dual::DualNum`, which `f64` (for finite differences) and
//! `Dual64` (for forward mode) both implement; `num-dual`'s types do not implement
//! `num_traits::Float`, so one generic copy cannot serve all three.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/plot.rs"]
mod plot;
#[path = "common/rng.rs"]
mod rng;

use grad_runtime::differentiate;
use num_dual::{Dual64, DualNum};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The loss, for the generated adjoint.
#[differentiate]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = x[i] - 1.0;
        total += 100.0 * a * a + b * b;
    }
    total
}

/// The same loss over any dual-number type, term for term.
pub fn rosenbrock_generic<D: DualNum<Primitive = f64> + Copy>(x: &[D]) -> D {
    let mut total = D::zero();
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = x[i] - 1.0;
        total += a * a * 100.0 + b * b;
    }
    total
}

/// How a gradient was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Reverse,
    CentralDifferences,
    ForwardDual,
}

const METHODS: [Method; 3] = [
    Method::Reverse,
    Method::CentralDifferences,
    Method::ForwardDual,
];

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Reverse => "reverse (generated adjoint)",
            Method::CentralDifferences => "central differences",
            Method::ForwardDual => "forward (num-dual)",
        }
    }
}

/// The cost of one gradient in loss evaluations, and whether it was extrapolated from part of
/// the directions because the whole would have overrun the time budget.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    pub relative: f64,
    pub extrapolated: bool,
}

/// One row of the table.
#[derive(Debug)]
pub struct Row {
    pub d: usize,
    pub evaluation_seconds: f64,
    /// In the order of [`Method`]: reverse, central differences, forward.
    pub costs: [Cost; 3],
}

/// What a run measured, for the final table and for the tests.
#[derive(Debug)]
pub struct Summary {
    pub rows: Vec<Row>,
    /// Largest relative difference between the reverse gradient and central differences, and
    /// between it and forward mode, at the small sizes where all three run in full.
    pub max_difference_to_differences: f64,
    pub max_difference_to_forward: f64,
    pub plots: Vec<PathBuf>,
}

impl Summary {
    pub fn cost(&self, d: usize, method: Method) -> Option<Cost> {
        let column = METHODS.iter().position(|&m| m == method)?;
        let row = self.rows.iter().find(|r| r.d == d)?;
        Some(row.costs[column])
    }
}

fn main() {
    let summary = run(cli::quick_requested(), &cli::output_dir());
    println!();
    print!("{:>8} {:>12}", "d", "one eval");
    for method in METHODS {
        print!(" {:>28}", method.name());
    }
    println!();
    for row in &summary.rows {
        print!("{:>8} {:>10.2e} s", row.d, row.evaluation_seconds);
        for cost in row.costs {
            let mark = if cost.extrapolated { "*" } else { " " };
            print!(" {:>26.1}{mark} ", cost.relative);
        }
        println!();
    }
    println!("(cost of one full gradient in loss evaluations; * = extrapolated from the first");
    println!(" directions: the full run was skipped beyond the time budget)");
    println!(
        "gradients agree at d = 10 and 100: central differences to {:.1e}, forward to {:.1e}",
        summary.max_difference_to_differences, summary.max_difference_to_forward
    );
    for plot in &summary.plots {
        println!("wrote {}", plot.display());
    }
}

/// Checks the three gradients against each other, then times them at each size.
pub fn run(quick: bool, out_dir: &Path) -> Summary {
    let started = Instant::now();
    let mut rng = rng::Rng::new(3);
    let (mut to_differences, mut to_forward) = (0.0_f64, 0.0_f64);
    for d in [10, 100] {
        let x = point(d, &mut rng);
        let reverse = reverse_gradient(&x);
        to_differences = to_differences.max(relative_difference(
            &reverse,
            &central_differences(&x, Duration::MAX).0,
        ));
        to_forward = to_forward.max(relative_difference(
            &reverse,
            &forward_gradient(&x, Duration::MAX).0,
        ));
    }
    println!("gradient check: central differences {to_differences:.1e}, forward {to_forward:.1e}");

    let sizes: &[usize] = if quick {
        &[10, 100, 1_000, 10_000]
    } else {
        &[10, 100, 1_000, 10_000, 100_000]
    };
    let budget = Duration::from_secs_f64(if quick { 0.2 } else { 3.0 });
    let progress = cli::Progress::new(sizes.len());
    let mut rows = Vec::new();
    for (k, &d) in sizes.iter().enumerate() {
        let row = measure(d, budget, &mut rng);
        progress.step(k + 1, &format!("d = {d}"));
        rows.push(row);
    }
    let plots = vec![plot_costs(&rows, out_dir)];
    println!("took {:.2} s", started.elapsed().as_secs_f64());
    Summary {
        rows,
        max_difference_to_differences: to_differences,
        max_difference_to_forward: to_forward,
        plots,
    }
}

/// A point near the valley of the Rosenbrock function, where the gradient is of moderate size.
fn point(d: usize, rng: &mut rng::Rng) -> Vec<f64> {
    (0..d).map(|_| rng.between(0.5, 1.5)).collect()
}

fn measure(d: usize, budget: Duration, rng: &mut rng::Rng) -> Row {
    let x = point(d, rng);
    let evaluation = seconds_per_call(|| rosenbrock(&x));
    let mut gradient = vec![0.0; d];
    let reverse = seconds_per_call(|| {
        gradient.fill(0.0);
        rosenbrock_adjoint(&x, &mut gradient, 1.0)
    });
    let reverse = Cost {
        relative: reverse / evaluation,
        extrapolated: false,
    };
    let differences = retime(central_differences(&x, budget).1, || {
        central_differences(&x, Duration::MAX)
    });
    let forward = retime(forward_gradient(&x, budget).1, || {
        forward_gradient(&x, Duration::MAX)
    });
    let relative = |(seconds, extrapolated): (f64, bool)| Cost {
        relative: seconds / evaluation,
        extrapolated,
    };
    Row {
        d,
        evaluation_seconds: evaluation,
        costs: [reverse, relative(differences), relative(forward)],
    }
}

/// A full run that took under a few milliseconds is too short for one reading of the clock;
/// time it again, repeated, with [`seconds_per_call`].
fn retime<T>(first: (f64, bool), f: impl FnMut() -> T) -> (f64, bool) {
    match first {
        (seconds, false) if seconds < 0.02 => (seconds_per_call(f), false),
        _ => first,
    }
}

/// Mean wall time of `f`, repeated for at least 20 ms so that short calls are timed well.
fn seconds_per_call<T>(mut f: impl FnMut() -> T) -> f64 {
    let minimum = Duration::from_millis(20);
    let started = Instant::now();
    let mut calls = 0_u32;
    while calls == 0 || started.elapsed() < minimum {
        std::hint::black_box(f());
        calls += 1;
    }
    started.elapsed().as_secs_f64() / f64::from(calls)
}

fn reverse_gradient(x: &[f64]) -> Vec<f64> {
    let mut gradient = vec![0.0; x.len()];
    rosenbrock_adjoint(x, &mut gradient, 1.0);
    gradient
}

/// The gradient by central differences, `(f(x + h e_i) − f(x − h e_i)) / 2h`, direction by
/// direction until `budget` runs out, and the time the whole gradient took or would take
/// (extrapolated from the directions done, with `true`).
fn central_differences(x: &[f64], budget: Duration) -> (Vec<f64>, (f64, bool)) {
    let mut x = x.to_vec();
    let mut gradient = vec![0.0; x.len()];
    let started = Instant::now();
    let mut done = 0;
    while done < x.len() && (done == 0 || started.elapsed() < budget) {
        let (saved, h) = (x[done], 1e-6 * x[done].abs().max(1.0));
        x[done] = saved + h;
        let up = rosenbrock_generic(&x);
        x[done] = saved - h;
        let down = rosenbrock_generic(&x);
        x[done] = saved;
        gradient[done] = (up - down) / (2.0 * h);
        done += 1;
    }
    (gradient, extrapolate(started.elapsed(), done, x.len()))
}

/// The gradient by forward mode: one pass of `Dual64` numbers per direction, under the same
/// budget as [`central_differences`].
fn forward_gradient(x: &[f64], budget: Duration) -> (Vec<f64>, (f64, bool)) {
    let mut duals: Vec<Dual64> = x.iter().map(|&v| Dual64::new(v, 0.0)).collect();
    let mut gradient = vec![0.0; x.len()];
    let started = Instant::now();
    let mut done = 0;
    while done < x.len() && (done == 0 || started.elapsed() < budget) {
        duals[done].eps = 1.0;
        gradient[done] = rosenbrock_generic(&duals).eps;
        duals[done].eps = 0.0;
        done += 1;
    }
    (gradient, extrapolate(started.elapsed(), done, x.len()))
}

fn extrapolate(elapsed: Duration, done: usize, total: usize) -> (f64, bool) {
    let seconds = elapsed.as_secs_f64() * total as f64 / done as f64;
    (seconds, done < total)
}

/// `max |a − b| / max |a|`.
fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
    worst / scale
}

/// Cost per evaluation against `log10 d`, on a log scale: a log-log plot.
fn plot_costs(rows: &[Row], out_dir: &Path) -> PathBuf {
    let log_d = |row: &Row| (row.d as f64).log10();
    let high = rows
        .iter()
        .flat_map(|r| r.costs)
        .map(|c| c.relative)
        .fold(1.0, f64::max);
    let x_range = (0.8, log_d(rows.last().expect("at least one size")) + 0.2);
    let mut chart = plot::Chart::new(
        "Cost of a full gradient",
        x_range,
        (1.0, 300.0 * high),
        true,
    )
    .labels(
        "log₁₀ d (number of parameters)",
        "time / one loss evaluation (log scale)",
    );
    let colors = [plot::GREEN, plot::BLUE, plot::ORANGE];
    for (column, (method, color)) in METHODS.into_iter().zip(colors).enumerate() {
        let measured: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| !r.costs[column].extrapolated)
            .map(|r| (log_d(r), r.costs[column].relative))
            .collect();
        chart.line(&measured, color, false, method.name());
        let tail: Vec<(f64, f64)> = rows
            .iter()
            .skip(measured.len().saturating_sub(1))
            .map(|r| (log_d(r), r.costs[column].relative))
            .collect();
        if tail.len() > 1 {
            chart.line(&tail, color, true, &format!("{} (extrap.)", method.name()));
        }
    }
    let path = out_dir.join("why_reverse_cost.svg");
    if let Err(err) = chart.save(&path) {
        eprintln!("could not write {}: {err}", path.display());
    }
    path
}

//! Fits the stiffness and damping of an oscillator to noisy observations by gradient descent,
//! differentiating through every step of a fourth-order Runge–Kutta integration.
//!
//! ```text
//! cargo run --release --example fit_ode [-- OUTPUT_DIR] [-- --quick]
//! ```
//!
//! The model is `x'' = −k x − c x'` from `x(0) = 1`, `x'(0) = 0`. The observations come from
//! the same integrator at known `k` and `c`, plus Gaussian noise; the fit starts elsewhere and
//! has only the loss and its generated gradient to go on.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/plot.rs"]
mod plot;

use grad_runtime::differentiate;
use std::path::{Path, PathBuf};
use std::time::Instant;

const TRUE_STIFFNESS: f64 = 4.0;
const TRUE_DAMPING: f64 = 0.3;
const START_STIFFNESS: f64 = 3.0;
const START_DAMPING: f64 = 0.8;
const NOISE: f64 = 0.01;
const TIME_STEP: f64 = 0.01;
/// Integration steps between two observations.
const STRIDE: usize = 10;
const OBSERVATIONS: usize = 100;

/// Mean squared difference between the simulated positions and `observed`, whose entry `m`
/// is the position after `(m + 1) · stride` steps of length `dt`.
#[differentiate(wrt(stiffness, damping))]
pub fn trajectory_loss(
    stiffness: f64,
    damping: f64,
    observed: &[f64],
    stride: usize,
    dt: f64,
) -> f64 {
    let mut x = 1.0;
    let mut v = 0.0;
    let mut loss = 0.0;
    for target in observed.iter() {
        for _step in 0..stride {
            let a1 = -stiffness * x - damping * v;
            let x2 = x + 0.5 * dt * v;
            let v2 = v + 0.5 * dt * a1;
            let a2 = -stiffness * x2 - damping * v2;
            let x3 = x + 0.5 * dt * v2;
            let v3 = v + 0.5 * dt * a2;
            let a3 = -stiffness * x3 - damping * v3;
            let x4 = x + dt * v3;
            let v4 = v + dt * a3;
            let a4 = -stiffness * x4 - damping * v4;
            x += dt / 6.0 * (v + 2.0 * v2 + 2.0 * v3 + v4);
            v += dt / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4);
        }
        let residual = x - target;
        loss += residual * residual;
    }
    loss / observed.len() as f64
}

/// The position after each of `steps` RK4 steps, the same scheme as [`trajectory_loss`]
/// written over a state array, for generating data and drawing curves.
pub fn simulate(stiffness: f64, damping: f64, steps: usize, dt: f64) -> Vec<f64> {
    let acceleration = |s: [f64; 2]| [s[1], -stiffness * s[0] - damping * s[1]];
    let along = |s: [f64; 2], d: [f64; 2], h: f64| [s[0] + h * d[0], s[1] + h * d[1]];
    let mut state = [1.0, 0.0];
    let mut positions = Vec::with_capacity(steps);
    for _ in 0..steps {
        let k1 = acceleration(state);
        let k2 = acceleration(along(state, k1, 0.5 * dt));
        let k3 = acceleration(along(state, k2, 0.5 * dt));
        let k4 = acceleration(along(state, k3, dt));
        for i in 0..2 {
            state[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        positions.push(state[0]);
    }
    positions
}

/// What a run achieved, for the final table and for the tests.
#[derive(Debug)]
pub struct Summary {
    pub iterations: usize,
    pub stiffness: f64,
    pub damping: f64,
    pub initial_loss: f64,
    /// The loss at the true parameters, which the noise keeps above zero.
    pub true_loss: f64,
    pub final_loss: f64,
    /// Relative difference between the generated gradient at the start and central
    /// differences of the loss.
    pub gradient_check: f64,
    pub plots: Vec<PathBuf>,
}

/// The observations: every `STRIDE`-th simulated position at the true parameters, plus
/// Gaussian noise from a fixed SplitMix64 stream.
pub fn observations() -> Vec<f64> {
    let clean = simulate(
        TRUE_STIFFNESS,
        TRUE_DAMPING,
        OBSERVATIONS * STRIDE,
        TIME_STEP,
    );
    let mut state = 11u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut normal = move || {
        let u = 1.0 - uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos()
    };
    clean
        .iter()
        .skip(STRIDE - 1)
        .step_by(STRIDE)
        .map(|x| x + NOISE * normal())
        .collect()
}

/// The loss and its gradient with respect to `[k, c]`.
fn loss_and_gradient(params: [f64; 2], observed: &[f64]) -> (f64, [f64; 2]) {
    let mut gradient = [0.0; 2];
    let [k_adj, c_adj] = &mut gradient;
    let loss = trajectory_loss_adjoint(
        params[0], k_adj, params[1], c_adj, observed, STRIDE, TIME_STEP, 1.0,
    );
    (loss, gradient)
}

/// Relative difference between the generated gradient and central differences at `params`.
fn check_gradient(params: [f64; 2], observed: &[f64]) -> f64 {
    let (_, generated) = loss_and_gradient(params, observed);
    let mut worst: f64 = 0.0;
    for i in 0..2 {
        let h = 1e-6 * params[i].abs().max(1.0);
        let (mut up, mut down) = (params, params);
        up[i] += h;
        down[i] -= h;
        let loss = |p: [f64; 2]| trajectory_loss(p[0], p[1], observed, STRIDE, TIME_STEP);
        let numeric = (loss(up) - loss(down)) / (2.0 * h);
        worst = worst.max((generated[i] - numeric).abs() / generated[i].abs().max(numeric.abs()));
    }
    worst
}

fn main() {
    let s = run(cli::quick_requested(), &cli::output_dir());
    println!();
    println!(
        "{:<14} {:>10} {:>10} {:>10}",
        "parameter", "true", "start", "fitted"
    );
    println!(
        "{:<14} {:>10.4} {:>10.4} {:>10.4}",
        "stiffness k", TRUE_STIFFNESS, START_STIFFNESS, s.stiffness
    );
    println!(
        "{:<14} {:>10.4} {:>10.4} {:>10.4}",
        "damping c", TRUE_DAMPING, START_DAMPING, s.damping
    );
    println!(
        "{:<14} {:>10.2e} {:>10.2e} {:>10.2e}",
        "loss (MSE)", s.true_loss, s.initial_loss, s.final_loss
    );
    println!("iterations: {}", s.iterations);
    println!(
        "gradient vs central differences at the start: {:.2e}",
        s.gradient_check
    );
    for plot in &s.plots {
        println!("wrote {}", plot.display());
    }
}

/// Gradient descent with an adaptive step ("bold driver"): a step that lowers the loss is
/// kept and the next one is 20 % longer; one that raises it is undone and the step halved.
/// Stiffness and damping have gradients of very different sizes, and this keeps a single
/// learning rate from having to suit both ends of the run.
pub fn run(quick: bool, out_dir: &Path) -> Summary {
    let started = Instant::now();
    let observed = observations();
    let max_iterations = if quick { 100 } else { 400 };
    let mut params = [START_STIFFNESS, START_DAMPING];
    let gradient_check = check_gradient(params, &observed);
    println!(
        "{OBSERVATIONS} observations of x(t), RK4 with dt = {TIME_STEP}, {} steps per loss",
        OBSERVATIONS * STRIDE
    );
    println!(
        "gradient at the start vs central differences: relative difference {gradient_check:.2e}"
    );

    let (mut loss, mut gradient) = loss_and_gradient(params, &observed);
    let initial_loss = loss;
    let mut rate = 0.01;
    let progress = cli::Progress::new(max_iterations);
    let mut iterations = 0;
    while iterations < max_iterations && rate > 1e-9 {
        iterations += 1;
        let trial = [
            params[0] - rate * gradient[0],
            params[1] - rate * gradient[1],
        ];
        let (trial_loss, trial_gradient) = loss_and_gradient(trial, &observed);
        if trial_loss < loss {
            (params, loss, gradient) = (trial, trial_loss, trial_gradient);
            rate *= 1.2;
        } else {
            rate *= 0.5;
        }
        let status = format!(
            "loss {loss:.3e}  k = {:.4}  c = {:.4}  step {rate:.1e}",
            params[0], params[1]
        );
        progress.step(iterations, &status);
    }
    if iterations < max_iterations {
        println!("stopped after {iterations} iterations: no step longer than 1e-9 lowers the loss");
    }

    let plots = vec![plot_fit(params, &observed, out_dir)];
    println!("took {:.2} s", started.elapsed().as_secs_f64());
    Summary {
        iterations,
        stiffness: params[0],
        damping: params[1],
        initial_loss,
        true_loss: trajectory_loss(TRUE_STIFFNESS, TRUE_DAMPING, &observed, STRIDE, TIME_STEP),
        final_loss: loss,
        gradient_check,
        plots,
    }
}

fn plot_fit(fitted: [f64; 2], observed: &[f64], out_dir: &Path) -> PathBuf {
    let steps = OBSERVATIONS * STRIDE;
    let curve = |k: f64, c: f64| -> Vec<(f64, f64)> {
        let positions = simulate(k, c, steps, TIME_STEP);
        let times = (1..=steps).map(|s| s as f64 * TIME_STEP);
        times.zip(positions).collect()
    };
    let samples: Vec<(f64, f64)> = observed
        .iter()
        .enumerate()
        .map(|(m, &x)| ((m + 1) as f64 * STRIDE as f64 * TIME_STEP, x))
        .collect();
    let end = steps as f64 * TIME_STEP;
    let mut chart = plot::Chart::new(
        "Damped oscillator: observations and fit",
        (0.0, end),
        (-1.1, 1.1),
        false,
    )
    .labels("time", "position x");
    chart.line(
        &curve(START_STIFFNESS, START_DAMPING),
        plot::GREY,
        true,
        "start of the fit",
    );
    chart.line(
        &curve(fitted[0], fitted[1]),
        plot::BLUE,
        false,
        "fitted trajectory",
    );
    chart.points(&samples, plot::ORANGE, 3.0, "noisy observations");
    let path = out_dir.join("fit_ode.svg");
    if let Err(err) = chart.save(&path) {
        eprintln!("could not write {}: {err}", path.display());
    }
    path
}

//! Vanishing and exploding gradients: how the gradient at a deep network's input shrinks or
//! grows with depth, for plain tanh layers, plain ReLU layers and residual blocks, all
//! differentiated by `#[differentiate]`.
//!
//! ```text
//! cargo run --release --example depth [-- OUTPUT_DIR] [-- --quick]
//! ```
//!
//! Each network maps a random input of width 16 through `depth` layers and reads out a fixed
//! unit vector `r`: `L = r · h_depth`. The backward sweep multiplies `r` by one layer
//! Jacobian per layer, so `|∂L/∂x|` is the size of that product. For a tanh layer the Jacobian
//! is `diag(1 − h²) W`, which shrinks vectors when the weights are not large; for ReLU it is
//! `diag([z > 0]) W`, which keeps their size on average only at He's scale `√(2 / width)`;
//! for a residual block `x + tanh(W x)` it is `I + diag(1 − h²) W`, whose identity part lets
//! the gradient through however deep the stack.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/plot.rs"]
mod plot;
#[path = "common/rng.rs"]
mod rng;

use grad_runtime::differentiate;
use std::path::{Path, PathBuf};
use std::time::Instant;

const WIDTH: usize = 16;
const MAX_DEPTH: usize = 100;

/// `L = r · h_depth` after `depth` layers `h ← tanh(W_l h)`; `w` holds the layers' matrices one
/// after another, row-major.
#[differentiate(wrt(x))]
pub fn tanh_stack(x: &[f64], w: &[f64], r: &[f64], depth: usize) -> f64 {
    let mut h = vec![0.0; (depth + 1) * WIDTH];
    for (i, &value) in x.iter().enumerate() {
        h[i] = value;
    }
    for l in 0..depth {
        for i in 0..WIDTH {
            let mut z = 0.0;
            for j in 0..WIDTH {
                z += w[(l * WIDTH + i) * WIDTH + j] * h[l * WIDTH + j];
            }
            h[(l + 1) * WIDTH + i] = z.tanh();
        }
    }
    let mut out = 0.0;
    for i in 0..WIDTH {
        out += r[i] * h[depth * WIDTH + i];
    }
    out
}

/// As [`tanh_stack`] with `h ← relu(W_l h)`.
#[differentiate(wrt(x))]
pub fn relu_stack(x: &[f64], w: &[f64], r: &[f64], depth: usize) -> f64 {
    let mut h = vec![0.0; (depth + 1) * WIDTH];
    for (i, &value) in x.iter().enumerate() {
        h[i] = value;
    }
    for l in 0..depth {
        for i in 0..WIDTH {
            let mut z = 0.0;
            for j in 0..WIDTH {
                z += w[(l * WIDTH + i) * WIDTH + j] * h[l * WIDTH + j];
            }
            h[(l + 1) * WIDTH + i] = grad_runtime::relu(z);
        }
    }
    let mut out = 0.0;
    for i in 0..WIDTH {
        out += r[i] * h[depth * WIDTH + i];
    }
    out
}

/// As [`tanh_stack`] with residual blocks `h ← h + tanh(W_l h)`.
#[differentiate(wrt(x))]
pub fn residual_stack(x: &[f64], w: &[f64], r: &[f64], depth: usize) -> f64 {
    let mut h = vec![0.0; (depth + 1) * WIDTH];
    for (i, &value) in x.iter().enumerate() {
        h[i] = value;
    }
    for l in 0..depth {
        for i in 0..WIDTH {
            let mut z = 0.0;
            for j in 0..WIDTH {
                z += w[(l * WIDTH + i) * WIDTH + j] * h[l * WIDTH + j];
            }
            h[(l + 1) * WIDTH + i] = h[l * WIDTH + i] + z.tanh();
        }
    }
    let mut out = 0.0;
    for i in 0..WIDTH {
        out += r[i] * h[depth * WIDTH + i];
    }
    out
}

/// The generated adjoint of a stack: `(x, x_adj, w, r, depth, seed) -> L`.
type StackAdjoint = fn(&[f64], &mut [f64], &[f64], &[f64], usize, f64) -> f64;

/// One kind of network: its layers and the scale of its initial weights relative to
/// `1 / √width`.
#[derive(Clone, Copy)]
struct Family {
    name: &'static str,
    gain: f64,
    color: &'static str,
    dashed: bool,
    adjoint: StackAdjoint,
}

const FAMILIES: [Family; 5] = [
    Family {
        name: "tanh, gain 1",
        gain: 1.0,
        color: plot::BLUE,
        dashed: false,
        adjoint: tanh_stack_adjoint,
    },
    Family {
        name: "tanh, gain 2.5",
        gain: 2.5,
        color: plot::BLUE,
        dashed: true,
        adjoint: tanh_stack_adjoint,
    },
    Family {
        name: "ReLU, He (gain √2)",
        gain: std::f64::consts::SQRT_2,
        color: plot::ORANGE,
        dashed: false,
        adjoint: relu_stack_adjoint,
    },
    Family {
        name: "ReLU, gain 2",
        gain: 2.0,
        color: plot::ORANGE,
        dashed: true,
        adjoint: relu_stack_adjoint,
    },
    Family {
        name: "residual x + tanh(Wx)",
        gain: 1.0,
        color: plot::GREEN,
        dashed: false,
        adjoint: residual_stack_adjoint,
    },
];

/// The depths in the table and the plot.
const DEPTHS: [usize; 9] = [1, 2, 5, 10, 20, 30, 50, 75, 100];

/// Geometric means of `|∂L/∂x|` over the trials, one row per depth, one column per family.
#[derive(Debug)]
pub struct Summary {
    pub depths: Vec<usize>,
    pub families: Vec<&'static str>,
    pub norms: Vec<Vec<f64>>,
    pub plots: Vec<PathBuf>,
}

impl Summary {
    /// The mean gradient norm of family `name` at `depth`.
    pub fn norm(&self, name: &str, depth: usize) -> f64 {
        let row = self.depths.iter().position(|&d| d == depth);
        let col = self.families.iter().position(|&f| f == name);
        match (row, col) {
            (Some(row), Some(col)) => self.norms[row][col],
            _ => f64::NAN,
        }
    }
}

fn main() {
    let summary = run(cli::quick_requested(), &cli::output_dir());
    println!();
    print!("{:>6}", "depth");
    for name in &summary.families {
        print!(" {name:>22}");
    }
    println!();
    for (depth, row) in summary.depths.iter().zip(&summary.norms) {
        print!("{depth:>6}");
        for norm in row {
            print!(" {norm:>22.3e}");
        }
        println!();
    }
    println!("(|∂L/∂x|, geometric mean over random networks and inputs)");
    for plot in &summary.plots {
        println!("wrote {}", plot.display());
    }
}

/// Measures the gradient norm of every family at every depth, averaged over random networks.
pub fn run(quick: bool, out_dir: &Path) -> Summary {
    let started = Instant::now();
    let trials = if quick { 8 } else { 64 };
    println!(
        "|∂L/∂x| of {WIDTH}-wide stacks up to depth {MAX_DEPTH}, {trials} random networks each"
    );
    let progress = cli::Progress::new(FAMILIES.len());
    let mut columns = Vec::new();
    for (k, family) in FAMILIES.iter().enumerate() {
        columns.push(mean_norms(family, trials));
        progress.step(k + 1, family.name);
    }
    let norms: Vec<Vec<f64>> = (0..DEPTHS.len())
        .map(|row| columns.iter().map(|c| c[row]).collect())
        .collect();
    let summary = Summary {
        depths: DEPTHS.to_vec(),
        families: FAMILIES.iter().map(|f| f.name).collect(),
        plots: vec![plot_norms(&columns, out_dir)],
        norms,
    };
    println!("took {:.2} s", started.elapsed().as_secs_f64());
    summary
}

/// The geometric mean of `|∂L/∂x|` at each of [`DEPTHS`]. A network of depth `d` is the first
/// `d` layers of one drawn for [`MAX_DEPTH`], so the curves follow one network as it deepens.
fn mean_norms(family: &Family, trials: usize) -> Vec<f64> {
    let mut rng = rng::Rng::new(7);
    let mut log_sums = vec![0.0; DEPTHS.len()];
    let scale = family.gain / (WIDTH as f64).sqrt();
    for _ in 0..trials {
        let w: Vec<f64> = (0..MAX_DEPTH * WIDTH * WIDTH)
            .map(|_| scale * rng.normal())
            .collect();
        let x: Vec<f64> = (0..WIDTH).map(|_| rng.normal()).collect();
        let r = unit_vector(&mut rng);
        for (sum, &depth) in log_sums.iter_mut().zip(&DEPTHS) {
            let mut x_adj = vec![0.0; WIDTH];
            (family.adjoint)(&x, &mut x_adj, &w, &r, depth, 1.0);
            *sum += norm(&x_adj).max(f64::MIN_POSITIVE).ln();
        }
    }
    log_sums
        .into_iter()
        .map(|s| (s / trials as f64).exp())
        .collect()
}

fn unit_vector(rng: &mut rng::Rng) -> Vec<f64> {
    let v: Vec<f64> = (0..WIDTH).map(|_| rng.normal()).collect();
    let length = norm(&v);
    v.into_iter().map(|x| x / length).collect()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn plot_norms(columns: &[Vec<f64>], out_dir: &Path) -> PathBuf {
    let all = columns.iter().flatten().copied().filter(|v| *v > 0.0);
    let low = all.clone().fold(f64::INFINITY, f64::min);
    let high = all.fold(0.0, f64::max);
    let x_range = (0.0, MAX_DEPTH as f64);
    let mut chart = plot::Chart::new("Gradient at the input vs depth", x_range, (low, high), true)
        .labels("depth (layers)", "|∂L/∂x| (log scale)");
    for (family, column) in FAMILIES.iter().zip(columns) {
        let points: Vec<(f64, f64)> = DEPTHS
            .iter()
            .zip(column)
            .map(|(&d, &n)| (d as f64, n))
            .collect();
        chart.line(&points, family.color, family.dashed, family.name);
    }
    let path = out_dir.join("depth_gradient_norm.svg");
    if let Err(err) = chart.save(&path) {
        eprintln!("could not write {}: {err}", path.display());
    }
    path
}

//! Molecular dynamics of a small two-dimensional Lennard-Jones cluster, with the forces taken
//! as minus the gradient that `#[differentiate]` generates from the potential energy alone.
//!
//! ```text
//! cargo run --release --example molecular_dynamics [-- OUTPUT_DIR] [-- --quick]
//! ```
//!
//! Reduced units: particle mass, well depth and the zero crossing of the pair potential are
//! all 1. Velocity Verlet conserves the total energy up to a bounded error of order `dt²`, so
//! the drift it prints is a check of the forces as much as of the integrator: a force that
//! is not the exact gradient of the energy shows up as a steady drift.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/plot.rs"]
mod plot;

use grad_runtime::differentiate;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Positions are stored `x0, y0, x1, y1, …`.
const DIM: usize = 2;

/// Total Lennard-Jones energy `Σ_{i<j} 4 (r⁻¹² − r⁻⁶)` of the particles at `positions`.
#[differentiate]
pub fn lennard_jones_energy(positions: &[f64]) -> f64 {
    let n = positions.len() / DIM;
    let mut energy = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = positions[DIM * i] - positions[DIM * j];
            let dy = positions[DIM * i + 1] - positions[DIM * j + 1];
            let inv_r2 = 1.0 / (dx * dx + dy * dy);
            let inv_r6 = inv_r2 * inv_r2 * inv_r2;
            energy += 4.0 * (inv_r6 * inv_r6 - inv_r6);
        }
    }
    energy
}

/// Writes the forces `−∇E` into `forces` and returns the potential energy. The adjoint adds
/// `seed · ∇E` into its buffer, so a seed of −1 on a zeroed buffer gives the forces directly.
pub fn generated_forces(positions: &[f64], forces: &mut [f64]) -> f64 {
    forces.fill(0.0);
    lennard_jones_energy_adjoint(positions, forces, -1.0)
}

/// The forces by hand. With `U(r) = 4 (r⁻¹² − r⁻⁶)`, `dU/dr = −(48 r⁻¹³ − 24 r⁻⁷)`, and the
/// force on `i` from `j` is `−dU/dr · (rᵢ − rⱼ)/r = 24 r⁻² (2 r⁻¹² − r⁻⁶) (rᵢ − rⱼ)`; `j`
/// feels the opposite.
pub fn analytic_forces(positions: &[f64], forces: &mut [f64]) {
    forces.fill(0.0);
    let n = positions.len() / DIM;
    for i in 0..n {
        for j in i + 1..n {
            let dx = positions[DIM * i] - positions[DIM * j];
            let dy = positions[DIM * i + 1] - positions[DIM * j + 1];
            let inv_r2 = 1.0 / (dx * dx + dy * dy);
            let inv_r6 = inv_r2 * inv_r2 * inv_r2;
            let scale = 24.0 * inv_r2 * (2.0 * inv_r6 * inv_r6 - inv_r6);
            forces[DIM * i] += scale * dx;
            forces[DIM * i + 1] += scale * dy;
            forces[DIM * j] -= scale * dx;
            forces[DIM * j + 1] -= scale * dy;
        }
    }
}

/// What a run achieved, for the final table and for the tests.
#[derive(Debug)]
pub struct Summary {
    pub particles: usize,
    pub steps: usize,
    pub time_step: f64,
    pub initial_energy: f64,
    /// `(E_end − E_0) / |E_0|`.
    pub relative_drift: f64,
    /// `max_t |E_t − E_0| / |E_0|`.
    pub max_relative_deviation: f64,
    /// Largest component of `generated − analytic` force over the sampled steps.
    pub max_force_difference: f64,
    /// The largest force component seen, for scale.
    pub max_force: f64,
    pub plots: Vec<PathBuf>,
}

/// SplitMix64, for the initial velocities.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal, by Box–Muller.
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// A hexagonal patch of `1 + 3 rings (rings + 1)` particles at the pair potential's minimum
/// distance `2^(1/6)`.
fn hexagonal_cluster(rings: i32) -> Vec<f64> {
    let spacing = 2f64.powf(1.0 / 6.0);
    let mut positions = Vec::new();
    for q in -rings..=rings {
        for r in (-rings).max(-q - rings)..=rings.min(-q + rings) {
            let x = spacing * (f64::from(q) + 0.5 * f64::from(r));
            let y = spacing * 0.75f64.sqrt() * f64::from(r);
            positions.extend([x, y]);
        }
    }
    positions
}

/// Random velocities at temperature `temperature`, with the centre of mass at rest.
fn thermal_velocities(particles: usize, temperature: f64, rng: &mut Rng) -> Vec<f64> {
    let mut velocities: Vec<f64> = (0..particles * DIM)
        .map(|_| temperature.sqrt() * rng.normal())
        .collect();
    for axis in 0..DIM {
        let mean = velocities.iter().skip(axis).step_by(DIM).sum::<f64>() / particles as f64;
        for v in velocities.iter_mut().skip(axis).step_by(DIM) {
            *v -= mean;
        }
    }
    velocities
}

fn kinetic_energy(velocities: &[f64]) -> f64 {
    0.5 * velocities.iter().map(|v| v * v).sum::<f64>()
}

fn max_abs_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn main() {
    let s = run(cli::quick_requested(), &cli::output_dir());
    println!();
    println!("{:<40} {:>14}", "result", "value");
    println!("{:<40} {:>14}", "particles", s.particles);
    println!("{:<40} {:>14}", "velocity-Verlet steps", s.steps);
    println!("{:<40} {:>14}", "time step", s.time_step);
    println!("{:<40} {:>14.6}", "initial total energy", s.initial_energy);
    println!(
        "{:<40} {:>14.2e}",
        "relative energy drift (end)", s.relative_drift
    );
    println!(
        "{:<40} {:>14.2e}",
        "max relative energy deviation", s.max_relative_deviation
    );
    println!(
        "{:<40} {:>14.2e}",
        "max |F_adjoint - F_analytic|", s.max_force_difference
    );
    println!("{:<40} {:>14.2e}", "max |F| (for scale)", s.max_force);
    for plot in &s.plots {
        println!("wrote {}", plot.display());
    }
}

/// Integrates the cluster with velocity Verlet, comparing the generated forces with the
/// analytic ones along the way, and plots the energy and the cluster.
pub fn run(quick: bool, out_dir: &Path) -> Summary {
    let started = Instant::now();
    let (steps, time_step, temperature) = (if quick { 400 } else { 5000 }, 0.004, 0.1);
    let mut positions = hexagonal_cluster(4);
    let initial_positions = positions.clone();
    let particles = positions.len() / DIM;
    let mut velocities = thermal_velocities(particles, temperature, &mut Rng(7));
    println!("{particles} particles in 2-D, {steps} steps of dt = {time_step}");

    let mut forces = vec![0.0; positions.len()];
    let mut reference = vec![0.0; positions.len()];
    let mut potential = generated_forces(&positions, &mut forces);
    let initial_energy = potential + kinetic_energy(&velocities);
    let (mut max_force_difference, mut max_force) = (0.0f64, 0.0f64);
    let mut deviations = Vec::with_capacity(steps + 1);
    deviations.push((0.0, 0.0));
    let progress = cli::Progress::new(steps);
    for step in 1..=steps {
        for ((x, v), f) in positions.iter_mut().zip(&mut velocities).zip(&forces) {
            *v += 0.5 * time_step * f;
            *x += time_step * *v;
        }
        potential = generated_forces(&positions, &mut forces);
        for (v, f) in velocities.iter_mut().zip(&forces) {
            *v += 0.5 * time_step * f;
        }

        if step % 50 == 0 || step == 1 {
            analytic_forces(&positions, &mut reference);
            max_force_difference =
                max_force_difference.max(max_abs_difference(&forces, &reference));
            max_force = max_force.max(reference.iter().fold(0.0, |m, f| m.max(f.abs())));
        }
        let energy = potential + kinetic_energy(&velocities);
        let deviation = (energy - initial_energy) / initial_energy.abs();
        deviations.push((step as f64 * time_step, deviation));
        progress.step(
            step,
            &format!("E = {energy:.6}  (E - E0)/|E0| = {deviation:+.2e}"),
        );
    }

    let plots = vec![
        plot_energy(&deviations, out_dir),
        plot_cluster(&initial_positions, &positions, out_dir),
    ];
    println!("took {:.2} s", started.elapsed().as_secs_f64());
    Summary {
        particles,
        steps,
        time_step,
        initial_energy,
        relative_drift: deviations.last().map_or(0.0, |d| d.1),
        max_relative_deviation: deviations.iter().fold(0.0, |m, d| m.max(d.1.abs())),
        max_force_difference,
        max_force,
        plots,
    }
}

fn plot_energy(deviations: &[(f64, f64)], out_dir: &Path) -> PathBuf {
    let end = deviations.last().map_or(1.0, |d| d.0);
    let largest = deviations.iter().fold(1e-12, |m: f64, d| m.max(d.1.abs()));
    let mut chart = plot::Chart::new(
        "Total energy relative to its start (velocity Verlet)",
        (0.0, end),
        (-1.2 * largest, 1.2 * largest),
        false,
    )
    .labels("time", "(E - E0) / |E0|");
    chart.line(deviations, plot::BLUE, false, "total energy");
    save(&chart, &out_dir.join("molecular_dynamics_energy.svg"))
}

fn plot_cluster(start: &[f64], end: &[f64], out_dir: &Path) -> PathBuf {
    let as_points =
        |p: &[f64]| -> Vec<(f64, f64)> { p.chunks(DIM).map(|c| (c[0], c[1])).collect() };
    let (start, end) = (as_points(start), as_points(end));
    let extent = start
        .iter()
        .chain(&end)
        .fold(1.0, |m: f64, p| m.max(p.0.abs()).max(p.1.abs()));
    let range = (-1.15 * extent, 1.15 * extent);
    let mut chart =
        plot::Chart::new("Cluster before and after", range, range, false).labels("x", "y");
    chart.points(&start, plot::GREY, 5.0, "start (hexagonal patch)");
    chart.points(&end, plot::ORANGE, 5.0, "end");
    save(&chart, &out_dir.join("molecular_dynamics_cluster.svg"))
}

fn save(chart: &plot::Chart, path: &Path) -> PathBuf {
    if let Err(err) = chart.save(path) {
        eprintln!("could not write {}: {err}", path.display());
    }
    path.to_owned()
}

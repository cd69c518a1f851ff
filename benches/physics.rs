//! Lennard-Jones forces of N particles in 3-D: the generated adjoint of the energy, the
//! analytic forces by hand, and the energy alone, at N = 100, 300 and 1000.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use grad_runtime::differentiate;

/// Positions are stored `x0, y0, z0, x1, …`.
const DIM: usize = 3;

/// Total energy `Σ_{i<j} 4 (r⁻¹² − r⁻⁶)` in reduced units.
#[differentiate]
fn energy(positions: &[f64]) -> f64 {
    let n = positions.len() / DIM;
    let mut total = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = positions[DIM * i] - positions[DIM * j];
            let dy = positions[DIM * i + 1] - positions[DIM * j + 1];
            let dz = positions[DIM * i + 2] - positions[DIM * j + 2];
            let inv_r2 = 1.0 / (dx * dx + dy * dy + dz * dz);
            let inv_r6 = inv_r2 * inv_r2 * inv_r2;
            total += 4.0 * (inv_r6 * inv_r6 - inv_r6);
        }
    }
    total
}

/// Forces `−∇E` by the closed form: the pair `(i, j)` pushes `i` by
/// `24 r⁻² (2 r⁻¹² − r⁻⁶) (rᵢ − rⱼ)` and `j` by the opposite. Returns the energy.
fn hand_forces(positions: &[f64], forces: &mut [f64]) -> f64 {
    forces.fill(0.0);
    let n = positions.len() / DIM;
    let mut total = 0.0;
    for i in 0..n {
        let pi = [
            positions[DIM * i],
            positions[DIM * i + 1],
            positions[DIM * i + 2],
        ];
        let mut fi = [0.0; DIM];
        for j in (i + 1)..n {
            let pj = &positions[DIM * j..DIM * j + DIM];
            let d = [pi[0] - pj[0], pi[1] - pj[1], pi[2] - pj[2]];
            let inv_r2 = 1.0 / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            let inv_r6 = inv_r2 * inv_r2 * inv_r2;
            total += 4.0 * (inv_r6 * inv_r6 - inv_r6);
            let scale = 24.0 * inv_r2 * (2.0 * inv_r6 * inv_r6 - inv_r6);
            let fj = &mut forces[DIM * j..DIM * j + DIM];
            for axis in 0..DIM {
                fi[axis] += scale * d[axis];
                fj[axis] -= scale * d[axis];
            }
        }
        for axis in 0..DIM {
            forces[DIM * i + axis] += fi[axis];
        }
    }
    total
}

/// The adjoint adds `seed · ∇E`, so a seed of −1 on a zeroed buffer gives the forces.
fn generated_forces(positions: &[f64], forces: &mut [f64]) -> f64 {
    forces.fill(0.0);
    energy_adjoint(positions, forces, -1.0)
}

/// A simple cubic lattice of spacing 1.1 (near the potential's minimum at 2^(1/6)), each
/// site jittered by up to ±0.05 so that no two pair distances coincide.
fn lattice(n: usize) -> Vec<f64> {
    let side = (n as f64).cbrt().ceil() as usize;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut jitter = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        0.1 * (state as f64 / u64::MAX as f64 - 0.5)
    };
    let mut positions = Vec::with_capacity(DIM * n);
    for site in 0..n {
        let cell = [site % side, (site / side) % side, site / (side * side)];
        positions.extend(cell.map(|c| 1.1 * c as f64 + jitter()));
    }
    positions
}

fn lennard_jones(c: &mut Criterion) {
    let mut group = c.benchmark_group("lennard_jones");
    for n in [100, 300, 1000] {
        let positions = lattice(n);
        let mut forces = vec![0.0; DIM * n];
        let mut reference = vec![0.0; DIM * n];
        hand_forces(&positions, &mut reference);
        generated_forces(&positions, &mut forces);
        let worst = forces
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs() / (1.0 + b.abs()))
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "N = {n}: forces differ by {worst:e}");

        group.bench_with_input(BenchmarkId::new("energy", n), &positions, |b, p| {
            b.iter(|| energy(black_box(p)))
        });
        group.bench_with_input(BenchmarkId::new("hand_forces", n), &positions, |b, p| {
            b.iter(|| hand_forces(black_box(p), &mut forces))
        });
        group.bench_with_input(
            BenchmarkId::new("generated_forces", n),
            &positions,
            |b, p| b.iter(|| generated_forces(black_box(p), &mut forces)),
        );
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = lennard_jones
}
criterion_main!(benches);

//! Numerics of generated adjoints: non-finite values follow IEEE arithmetic, results are the
//! same from several threads at once, and the same in debug and release builds.

use grad_runtime::differentiate;
use std::fmt::Write as _;

#[differentiate]
fn wave(x: f64, y: f64) -> f64 {
    x.sin() * y + (x * y).exp()
}

#[differentiate]
fn root(x: f64) -> f64 {
    x.sqrt()
}

#[differentiate]
fn log(x: f64) -> f64 {
    x.ln()
}

#[differentiate]
fn norm(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v;
    }
    s.sqrt()
}

/// A loss with loops, branches and saved values, for the determinism checks.
#[differentiate]
fn busy(w: &[f64], steps: usize) -> f64 {
    let mut state = vec![0.0; w.len()];
    let mut total = 0.0;
    for step in 0..steps {
        for i in 0..w.len() {
            let pull = if state[i] > 0.5 { -w[i] } else { w[i] };
            state[i] = (state[i] * 0.9 + 0.1 * pull).tanh() + 1e-3 * step as f64;
        }
        let mut energy = 0.0;
        for i in 1..w.len() {
            energy += (state[i] - state[i - 1]).powi(2);
        }
        total += energy.sqrt() / (1.0 + total);
    }
    total
}

fn gradient_of_busy(w: &[f64]) -> (f64, Vec<f64>) {
    let mut w_adj = vec![0.0; w.len()];
    let value = busy_adjoint(w, &mut w_adj, 200, 1.0);
    (value, w_adj)
}

fn weights() -> Vec<f64> {
    (0..64)
        .map(|i| ((i * 37 % 17) as f64 - 8.0) / 7.0)
        .collect()
}

#[test]
fn nan_in_gives_nan_out() {
    let (mut x_adj, mut y_adj) = (0.0, 0.0);
    let value = wave_adjoint(f64::NAN, &mut x_adj, 2.0, &mut y_adj, 1.0);
    assert!(value.is_nan() && x_adj.is_nan() && y_adj.is_nan());

    let mut adj = [0.0; 3];
    let value = norm_adjoint(&[1.0, f64::NAN, 2.0], &mut adj, 1.0);
    assert!(value.is_nan());
    assert!(adj.iter().all(|a| a.is_nan()), "{adj:?}");
}

#[test]
fn infinite_derivatives_follow_ieee() {
    // d sqrt(x)/dx = 1 / (2 sqrt(x)) is +inf at 0, and d ln(x)/dx = 1/x is +inf there.
    let mut x_adj = 0.0;
    assert_eq!(root_adjoint(0.0, &mut x_adj, 1.0), 0.0);
    assert_eq!(x_adj, f64::INFINITY);

    let mut x_adj = 0.0;
    assert_eq!(log_adjoint(0.0, &mut x_adj, 1.0), f64::NEG_INFINITY);
    assert_eq!(x_adj, f64::INFINITY);

    // A zero seed times an infinite partial is NaN, as IEEE says; the adjoint does not hide it.
    let mut x_adj = 0.0;
    root_adjoint(0.0, &mut x_adj, 0.0);
    assert!(x_adj.is_nan());
}

#[test]
fn the_norm_at_zero_has_a_nan_gradient_not_a_made_up_one() {
    // |x| has no derivative at 0: the chain rule gives 0 * inf = NaN, which is reported.
    let mut adj = [0.0; 2];
    assert_eq!(norm_adjoint(&[0.0, 0.0], &mut adj, 1.0), 0.0);
    assert!(adj.iter().all(|a| a.is_nan()));
}

#[test]
fn threads_compute_bitwise_the_same_gradient() {
    let w = weights();
    let (value, gradient) = gradient_of_busy(&w);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let w = w.clone();
            std::thread::spawn(move || gradient_of_busy(&w))
        })
        .collect();
    for handle in handles {
        let (v, g) = handle.join().expect("thread finished");
        assert_eq!(v.to_bits(), value.to_bits());
        let same = g
            .iter()
            .zip(&gradient)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "a thread computed a different gradient");
    }
}

/// Writes the exact bits of a gradient to `target/`, one file per build profile, and compares
/// with the other profile's file when that was built from the same sources (the build script's
/// fingerprint of the macro and the runtime): CI runs this test in debug and in release.
#[test]
fn debug_and_release_agree_bit_for_bit() {
    let (value, gradient) = gradient_of_busy(&weights());
    let mut bits = format!("sources {}\n", env!("GRAD_SOURCE_FINGERPRINT"));
    writeln!(bits, "{:016x}", value.to_bits()).expect("writing to a string");
    for g in &gradient {
        writeln!(bits, "{:016x}", g.to_bits()).expect("writing to a string");
    }
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let other = if cfg!(debug_assertions) {
        "release"
    } else {
        "debug"
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(dir.join(format!("determinism-{profile}.txt")), &bits).expect("write");
    let theirs = std::fs::read_to_string(dir.join(format!("determinism-{other}.txt")));
    let same_sources = |text: &String| text.lines().next() == bits.lines().next();
    if let Some(theirs) = theirs.ok().filter(same_sources) {
        assert_eq!(bits, theirs, "{profile} and {other} builds differ");
    }
}

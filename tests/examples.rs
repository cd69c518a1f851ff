//! Runs each example in quick mode, in-process, and checks the numbers it reports.
//!
//! The examples are compiled in as modules rather than launched with `cargo run`, which
//! would build them a second time; their `main` functions are then unused here.

// Each example declares its own copy of the shared `common/` modules, as it must to build
// on its own, so including the examples loads those files once per example.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../examples/conv1d.rs"]
mod conv1d;
#[allow(dead_code)]
#[path = "../examples/depth.rs"]
mod depth;
#[allow(dead_code)]
#[path = "../examples/fit_ode.rs"]
mod fit_ode;
#[allow(dead_code)]
#[path = "../examples/molecular_dynamics.rs"]
mod molecular_dynamics;
#[allow(dead_code)]
#[path = "../examples/two_layer.rs"]
mod two_layer;
#[allow(dead_code)]
#[path = "../examples/why_reverse.rs"]
mod why_reverse;

use std::path::{Path, PathBuf};

/// A scratch directory for one example's plots, inside Cargo's target directory.
fn output_dir(example: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("examples-output")
        .join(example)
}

fn assert_svg_written(plots: &[PathBuf]) {
    assert!(!plots.is_empty(), "no plot reported");
    for plot in plots {
        let text = std::fs::read_to_string(plot)
            .unwrap_or_else(|err| panic!("{} not written: {err}", plot.display()));
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn two_layer_classifier_fits_the_spirals_with_hand_checked_gradients() {
    let summary = two_layer::run(true, &output_dir("two_layer"));

    assert!(summary.accuracy >= 0.95, "{summary:#?}");
    assert!(summary.final_loss < 0.3, "{summary:#?}");
    assert!(summary.regression_mse < 0.03, "{summary:#?}");
    assert!(summary.max_gradient_difference < 1e-10, "{summary:#?}");
    assert_svg_written(&summary.plots);
}

#[test]
fn molecular_dynamics_conserves_energy_with_exact_forces() {
    let summary = molecular_dynamics::run(true, &output_dir("molecular_dynamics"));

    // Velocity Verlet's energy error at dt = 0.004 stays around 1e-5 of the total; a force
    // that were not the gradient of the energy would drift far past that.
    assert!(summary.max_relative_deviation < 1e-4, "{summary:#?}");
    assert!(
        summary.max_force_difference < 1e-10 * summary.max_force.max(1.0),
        "{summary:#?}"
    );
    assert_svg_written(&summary.plots);
}

#[test]
fn fit_ode_recovers_stiffness_and_damping() {
    let summary = fit_ode::run(true, &output_dir("fit_ode"));

    // With noise of 0.01 on 100 observations the fit lands within a few thousandths of the
    // parameters that generated the data, and its loss no higher than theirs.
    assert!((summary.stiffness - 4.0).abs() < 0.02, "{summary:#?}");
    assert!((summary.damping - 0.3).abs() < 0.02, "{summary:#?}");
    assert!(summary.final_loss <= summary.true_loss, "{summary:#?}");
    assert!(summary.gradient_check < 1e-6, "{summary:#?}");
    assert_svg_written(&summary.plots);
}

#[test]
fn reverse_mode_costs_a_constant_while_the_others_grow_with_d() {
    use why_reverse::Method;

    let summary = why_reverse::run(true, &output_dir("why_reverse"));

    // Differences carry a truncation and rounding error near 1e-9 with h = 1e-6; forward mode
    // is exact up to rounding.
    assert!(summary.max_difference_to_differences < 1e-6, "{summary:#?}");
    assert!(summary.max_difference_to_forward < 1e-12, "{summary:#?}");
    for row in &summary.rows {
        // Timings on a shared machine are noisy; a factor of 20 still tells a constant from
        // the thousands the other methods cost at the larger sizes.
        assert!(row.costs[0].relative < 20.0, "{row:#?}");
    }
    for method in [Method::CentralDifferences, Method::ForwardDual] {
        let cost = |d| summary.cost(d, method).map_or(f64::NAN, |c| c.relative);
        assert!(cost(10_000) > 100.0 * cost(10), "{method:?}: {summary:#?}");
        assert!(cost(10_000) > 1_000.0, "{method:?}: {summary:#?}");
    }
    assert_svg_written(&summary.plots);
}

#[test]
fn plain_stacks_vanish_or_explode_and_residual_blocks_do_not() {
    let summary = depth::run(true, &output_dir("depth"));
    let ratio = |family: &str| summary.norm(family, 100) / summary.norm(family, 1);

    // A tanh layer at gain 1 shrinks the gradient by a steady factor per layer.
    assert!(ratio("tanh, gain 1") < 1e-2, "{summary:#?}");
    // ReLU layers at gain 2 double the variance of a vector per layer: √2 in norm.
    assert!(ratio("ReLU, gain 2") > 1e6, "{summary:#?}");
    // The identity path keeps the residual stack's gradient within two decades of a
    // single block's.
    let residual = ratio("residual x + tanh(Wx)");
    assert!((1.0..1e3).contains(&residual), "{summary:#?}");
    assert!(summary
        .norms
        .iter()
        .flatten()
        .all(|n| n.is_finite() && *n > 0.0));
    assert_svg_written(&summary.plots);
}

#[test]
fn conv1d_separates_sines_from_squares_and_obeys_the_convolution_rules() {
    let summary = conv1d::run(true, &output_dir("conv1d"));

    assert!(summary.test_accuracy >= 0.95, "{summary:#?}");
    assert!(summary.train_accuracy >= 0.95, "{summary:#?}");
    // Both sides sum the same products in a different order: rounding only.
    assert!(summary.kernel_rule_difference < 1e-12, "{summary:#?}");
    assert!(summary.input_rule_difference < 1e-12, "{summary:#?}");
    assert_svg_written(&summary.plots);
}

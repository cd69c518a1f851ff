//! Runs each example in quick mode, in-process, and checks the numbers it reports.
//!
//! The examples are compiled in as modules rather than launched with `cargo run`, which
//! would build them a second time; their `main` functions are then unused here.

// Each example declares its own copy of the shared `common/` modules, as it must to build
// on its own, so including three examples loads those files three times.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../examples/fit_ode.rs"]
mod fit_ode;
#[allow(dead_code)]
#[path = "../examples/molecular_dynamics.rs"]
mod molecular_dynamics;
#[allow(dead_code)]
#[path = "../examples/two_layer.rs"]
mod two_layer;

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

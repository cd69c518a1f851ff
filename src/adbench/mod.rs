//! The ADBench problems (GMM, bundle adjustment, LSTM): loaders, objectives written in the
//! subset `#[differentiate]` accepts, and hand-written gradients to compare against.
//!
//! The inputs live in `data/adbench/` of this repository; `data/adbench/README.md` says
//! where each file comes from and what the formulas are.

pub mod ba;
pub mod gmm;
pub mod lstm;
pub mod parse;

use std::path::PathBuf;

/// The path of a file under `data/adbench/`, for tests, examples and benchmarks.
///
/// ```
/// let path = grad::adbench::data_path("gmm/test.txt");
/// assert!(path.exists());
/// ```
pub fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/adbench")
        .join(relative)
}

/// ADBench's distance between a computed and a reference value,
/// `|x - y| / max(1, |x| + |y|)`: relative for large values, absolute for small ones.
///
/// ADBench accepts a gradient when every entry is below `1e-8` by this measure.
///
/// ```
/// use grad::adbench::adbench_distance;
///
/// assert!(adbench_distance(1000.0, 1000.001) < 1e-6);
/// assert_eq!(adbench_distance(1e-9, 0.0), 1e-9);
/// ```
pub fn adbench_distance(x: f64, y: f64) -> f64 {
    (x - y).abs() / (x.abs() + y.abs()).max(1.0)
}

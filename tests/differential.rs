//! Differential test of the generated adjoints against forward-mode dual numbers.
//!
//! The build script (`build.rs`, generator in `tests/differential/`) draws random
//! functions in the supported subset: elementary functions on guarded domains, branches,
//! counted, iterator, `while` and `loop` loops with `break` and `continue`, overwritten
//! accumulators, reads and writes of parameter and local arrays, and calls between the
//! generated functions. For each function and a few random points this test compares the
//! value and every component of the gradient from `<name>_adjoint` with a dual-number
//! evaluation of the same generic source, which is exact up to rounding. Points where a
//! comparison, `abs`, `max`, `min`, `clamp` or `signum` comes close to its kink are redrawn,
//! since the derivative is not defined there.
//!
//! Run many more functions locally with another count or seed:
//!
//! ```sh
//! GRAD_DIFF_COUNT=5000 GRAD_DIFF_SEED=7 cargo test --release --test differential
//! ```
//!
//! A failure prints the function's source (with every function it calls) and the point.
//! `tests/differential/shrink.sh <number> [seed] [count]` then deletes statements and replaces
//! subexpressions by their operands while the mismatch persists and prints the minimal
//! function. If the macro gets the shrunk function right, add it to `tests/regressions.rs`;
//! if it is a macro bug, report it with the minimal function, expected and actual gradient.

use autodiff::FT;
use grad_runtime::differentiate;
use num_traits::{Float, NumAssign};
use std::cell::Cell;

/// The oracle's number type: a value and one directional derivative.
type Dual = FT<f64>;

/// Closest approach to a kink seen while evaluating a margin twin. A `Cell`, so that nested
/// calls in one expression can all record into it.
pub struct Margin(Cell<f64>);

impl Margin {
    fn note(&self, distance: f64) {
        self.0.set(self.0.get().min(distance.abs()));
    }

    pub fn lt(&self, a: f64, b: f64) -> bool {
        self.note(a - b);
        a < b
    }

    pub fn gt(&self, a: f64, b: f64) -> bool {
        self.note(a - b);
        a > b
    }

    pub fn le(&self, a: f64, b: f64) -> bool {
        self.note(a - b);
        a <= b
    }

    pub fn ge(&self, a: f64, b: f64) -> bool {
        self.note(a - b);
        a >= b
    }

    pub fn abs(&self, a: f64) -> f64 {
        self.note(a);
        a.abs()
    }

    pub fn signum(&self, a: f64) -> f64 {
        self.note(a);
        a.signum()
    }

    pub fn max(&self, a: f64, b: f64) -> f64 {
        self.note(a - b);
        a.max(b)
    }

    pub fn min(&self, a: f64, b: f64) -> f64 {
        self.note(a - b);
        a.min(b)
    }

    pub fn clamp(&self, a: f64, lo: f64, hi: f64) -> f64 {
        self.note(a - lo);
        self.note(a - hi);
        a.clamp(lo, hi)
    }
}

/// One generated function and the ways the test evaluates it on a flat input vector.
pub struct Case {
    name: &'static str,
    source: &'static str,
    inputs: usize,
    value: fn(&[f64]) -> f64,
    dual: fn(&[Dual]) -> Dual,
    gradient: fn(&[f64], &mut [f64]) -> f64,
    margin: fn(&Margin, &[f64]) -> f64,
}

/// The generated functions. Random code trips lints that a generator cannot sensibly avoid:
/// `unused_parens` (every subexpression is parenthesised so precedence never matters),
/// `unused_mut`, `unused_variables` and `unused_assignments` (a drawn statement need not feed
/// the result, and a later one may overwrite it), and among clippy's lints index loops (the
/// construct under test), `&Vec<F>` parameters (a supported parameter kind), constants that
/// look like `FRAC_PI_2`, comparisons of constants and long bodies; since any clippy lint
/// about style can fire on some seed, all of them are allowed here.
#[allow(
    unused_parens,
    unused_mut,
    unused_variables,
    unused_assignments,
    clippy::all,
    clippy::pedantic
)]
mod generated {
    use super::{differentiate, Case, Dual, Float, Margin, NumAssign};
    include!(concat!(env!("OUT_DIR"), "/differential.rs"));
}

/// Sample points per function, and redraws allowed per point before it is skipped.
const POINTS: usize = 4;
const REDRAWS: usize = 20;

/// Kink distance below which a point is redrawn: far above rounding noise, small enough that
/// few points are lost.
const MIN_MARGIN: f64 = 1e-6;

/// Tolerance on each gradient component, relative to the larger magnitude, plus the same
/// absolute amount.
const TOLERANCE: f64 = 1e-9;

/// Values beyond this are too ill-conditioned to compare at [`TOLERANCE`]; such points are
/// skipped.
const LARGEST: f64 = 1e6;

/// SplitMix64, so a failing point is reproducible from the printed case and point number.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + (hi - lo) * (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The number in a generated function's name: `d17` and its reductions `d17_3` while
/// shrinking share it, so they are tried at the same points.
fn function_number(name: &str) -> u64 {
    let digits = name[1..].split('_').next().unwrap_or_default();
    digits.parse().expect("generated names are `d<number>`")
}

/// How one sample point went.
enum Outcome {
    Agreed,
    Skipped,
    Failed(String),
}

fn close(got: f64, expected: f64) -> bool {
    (got - expected).abs() <= TOLERANCE * (1.0 + got.abs().max(expected.abs()))
}

/// Draws a point away from every kink, or `None` if none was found in [`REDRAWS`] tries.
fn draw_point(case: &Case, rng: &mut Rng) -> Option<Vec<f64>> {
    (0..REDRAWS).find_map(|_| {
        let point: Vec<f64> = (0..case.inputs).map(|_| rng.uniform(-1.5, 1.5)).collect();
        let margin = Margin(Cell::new(f64::INFINITY));
        let value = (case.margin)(&margin, &point);
        (margin.0.get() >= MIN_MARGIN && value.is_finite()).then_some(point)
    })
}

fn check_point(case: &Case, point: &[f64]) -> Outcome {
    let mut gradient = vec![0.0; case.inputs];
    let got_value = (case.gradient)(point, &mut gradient);
    let value = (case.value)(point);
    if !value.is_finite() || value.abs() > LARGEST {
        return Outcome::Skipped;
    }
    if !close(got_value, value) {
        return Outcome::Failed(format!("value: expected {value:e}, got {got_value:e}"));
    }

    let mut failures = Vec::new();
    for (k, &got) in gradient.iter().enumerate() {
        let seeded: Vec<Dual> = point
            .iter()
            .enumerate()
            .map(|(i, &x)| if i == k { Dual::var(x) } else { Dual::cst(x) })
            .collect();
        let expected = (case.dual)(&seeded).deriv();
        if !expected.is_finite() || expected.abs() > LARGEST {
            return Outcome::Skipped;
        }
        if !close(got, expected) {
            failures.push(format!("component {k}: expected {expected:e}, got {got:e}"));
        }
    }
    if failures.is_empty() {
        Outcome::Agreed
    } else {
        Outcome::Failed(failures.join("\n"))
    }
}

#[test]
fn adjoints_match_dual_numbers() {
    let (mut agreed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for case in generated::CASES {
        let mut rng = Rng(function_number(case.name));
        for sample in 0..POINTS {
            let Some(point) = draw_point(case, &mut rng) else {
                skipped += 1;
                continue;
            };
            match check_point(case, &point) {
                Outcome::Agreed => agreed += 1,
                Outcome::Skipped => skipped += 1,
                Outcome::Failed(report) => {
                    failures.push(format!(
                        "{} at point {sample} {point:?}\n{report}\n{}",
                        case.name, case.source
                    ));
                    break;
                }
            }
        }
    }

    let cases = generated::CASES.len();
    println!("{cases} functions: {agreed} points agreed, {skipped} skipped");
    assert!(
        failures.is_empty(),
        "{} of {cases} functions disagree with dual numbers:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        agreed >= cases * POINTS / 2,
        "too many points skipped: {skipped}"
    );
}

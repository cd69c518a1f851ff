//! The `#[differentiate]` pipeline compiled as an ordinary library, so that tests and fuzz
//! targets can call `expand` directly and check that it never panics.
//!
//! A proc-macro crate exports nothing but its macros, so the macro's own source files are
//! included here by path. They stay owned by `grad-macro`; this crate only adds the checks.
#![forbid(unsafe_code)]

#[path = "../../src/activity.rs"]
mod activity;
#[path = "../../src/args.rs"]
mod args;
#[path = "../../src/emit.rs"]
mod emit;
#[path = "../../src/error.rs"]
mod error;
// `expand::lowered_text` serves the unit tests of `grad-macro` (`cfg(test)` there), so in
// this crate's own test build it exists with no caller.
#[cfg_attr(test, allow(dead_code))]
#[path = "../../src/expand.rs"]
mod expand;
#[path = "../../src/fallback.rs"]
mod fallback;
#[path = "../../src/ir.rs"]
mod ir;
#[path = "../../src/lower.rs"]
mod lower;
#[path = "../../src/lower_expr.rs"]
mod lower_expr;
#[path = "../../src/lower_loops.rs"]
mod lower_loops;
#[path = "../../src/names.rs"]
mod names;
#[path = "../../src/reverse.rs"]
mod reverse;
#[path = "../../src/rules.rs"]
mod rules;
#[path = "../../src/saves.rs"]
mod saves;
#[path = "../../src/signature.rs"]
mod signature;

mod check;

pub use check::{check, check_unguarded, Outcome};
pub use expand::expand;

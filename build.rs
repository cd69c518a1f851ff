//! Writes the random programs of the differential test (`tests/differential.rs`) into
//! `$OUT_DIR/differential.rs`.
//!
//! `GRAD_DIFF_COUNT` sets how many functions are drawn and `GRAD_DIFF_SEED` which ones.

#[path = "tests/differential/generate.rs"]
mod generate;

use std::{env, fs, path::Path};

/// Enough functions to cover every construct many times while keeping a debug build short.
const DEFAULT_COUNT: usize = 300;
const DEFAULT_SEED: u64 = 2024;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=tests/differential/generate.rs");
    println!("cargo:rerun-if-env-changed=GRAD_DIFF_COUNT");
    println!("cargo:rerun-if-env-changed=GRAD_DIFF_SEED");

    let count = env_number("GRAD_DIFF_COUNT").map_or(DEFAULT_COUNT, |n| n as usize);
    let seed = env_number("GRAD_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let functions = generate::draw_program(seed, count);
    let source = generate::render(&functions);

    let out_dir = env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let path = Path::new(&out_dir).join("differential.rs");
    fs::write(&path, source).expect("the build directory is writable");
}

/// Reads a numeric environment variable; a value that is not a number stops the build.
fn env_number(name: &str) -> Option<u64> {
    let text = env::var(name).ok()?;
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name} must be a whole number, not `{text}`"),
    }
}

//! Writes the random programs of the differential test (`tests/differential.rs`) into
//! `$OUT_DIR/differential.rs`.
//!
//! `GRAD_DIFF_COUNT` sets how many functions are drawn and `GRAD_DIFF_SEED` which ones.
//! `GRAD_DIFF_SHRINK=<index>:<k1>,<k2>,..` emits instead the reductions of one function (see
//! `tests/differential/shrink.rs`).

#[path = "tests/differential/draw.rs"]
mod draw;
#[path = "tests/differential/print.rs"]
mod print;
#[path = "tests/differential/program.rs"]
mod program;
#[path = "tests/differential/shrink.rs"]
mod shrink;

use std::{env, fs, path::Path};

/// Enough functions to cover every construct many times while keeping a debug build short.
const DEFAULT_COUNT: usize = 300;
const DEFAULT_SEED: u64 = 2024;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=tests/differential");
    println!("cargo:rerun-if-env-changed=GRAD_DIFF_COUNT");
    println!("cargo:rerun-if-env-changed=GRAD_DIFF_SEED");
    println!("cargo:rerun-if-env-changed=GRAD_DIFF_SHRINK");

    let count = env_number("GRAD_DIFF_COUNT").map_or(DEFAULT_COUNT, |n| n as usize);
    let seed = env_number("GRAD_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let functions = draw::draw_program(seed, count);
    let source = match env::var("GRAD_DIFF_SHRINK") {
        Ok(spec) => shrink_step(functions, &spec),
        Err(_) => print::render(&functions, &(0..count).collect::<Vec<_>>()),
    };

    let out_dir = env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let path = Path::new(&out_dir).join("differential.rs");
    fs::write(&path, source).expect("the build directory is writable");

    source_fingerprint();
}

/// Exports `GRAD_SOURCE_FINGERPRINT`, a hash of the macro's and the runtime's sources, so that
/// `tests/numerics.rs` compares its debug and release results only when both were built from
/// the same code.
fn source_fingerprint() {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for dir in ["grad-macro/src", "grad-runtime/src"] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<_> = fs::read_dir(dir)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files {
            for byte in fs::read(&file).unwrap_or_default() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    println!("cargo:rustc-env=GRAD_SOURCE_FINGERPRINT={hash:016x}");
}

/// Applies the reductions that `spec` lists to its function and renders that function (under
/// its own name), every one-step reduction of it (as `d<index>_<k>`) and what they call.
fn shrink_step(mut functions: Vec<program::Function>, spec: &str) -> String {
    let (index, path) = spec.split_once(':').unwrap_or((spec, ""));
    let index: usize = index
        .trim()
        .parse()
        .expect("GRAD_DIFF_SHRINK starts with an index");
    let mut current = functions[index].clone();
    for step in path.split(',').filter(|s| !s.trim().is_empty()) {
        let k = step
            .trim()
            .parse()
            .expect("GRAD_DIFF_SHRINK steps are numbers");
        current = shrink::reduce(&current, k).expect("each step names an existing reduction");
    }

    let variants = shrink::reductions(&current);
    functions.truncate(index);
    functions.push(current);
    let mut emitted = program::closure(&functions, index);
    for (k, mut variant) in variants.into_iter().enumerate() {
        variant.name = format!("d{index}_{k}");
        emitted.push(functions.len());
        functions.push(variant);
    }
    print::render(&functions, &emitted)
}

/// Reads a numeric environment variable; a value that is not a number stops the build.
fn env_number(name: &str) -> Option<u64> {
    let text = env::var(name).ok()?;
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name} must be a whole number, not `{text}`"),
    }
}

//! Compile-fail cases: every error message of `#[differentiate]`, with the tokens it points at.
//!
//! The `.stderr` snapshots belong to the toolchain pinned in `rust-toolchain.toml`; refresh
//! them with `TRYBUILD=overwrite cargo test --test ui` after a toolchain change.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*/*.rs");
}

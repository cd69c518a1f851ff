//! Home of the workspace's integration tests, examples and benchmarks.
#![forbid(unsafe_code)]

pub mod adbench;

/// Every Rust block of the README is compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

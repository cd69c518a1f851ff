//! Home of the workspace's integration tests, examples and benchmarks.
#![forbid(unsafe_code)]

pub mod adbench;

#![allow(irrefutable_let_patterns)]

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y: f64 = x * x else { return 0.0 };
    y
}

fn main() {}

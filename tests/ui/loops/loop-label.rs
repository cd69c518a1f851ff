#![allow(unused_labels)]

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    'outer: for _ in 0..3 {
        y = y * x;
    }
    y
}

fn main() {}

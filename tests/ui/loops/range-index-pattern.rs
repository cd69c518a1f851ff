#![allow(unused_parens)]

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    for (i) in 0..3 {
        y = y * x + i as f64;
    }
    y
}

fn main() {}

#![allow(unused)]

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    loop {
        y *= 0.5;
    }
}

fn main() {}

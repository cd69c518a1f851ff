#![allow(unused_unsafe)]

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y = unsafe { x };
    y * y
}

fn main() {}

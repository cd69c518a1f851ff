use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, k: i32) -> f64 {
    let s = k.signum();
    x * s as f64
}

fn main() {}

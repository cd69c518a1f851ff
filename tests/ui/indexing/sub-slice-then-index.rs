use grad_runtime::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let t = &x[1..];
    t[0]
}

fn main() {}

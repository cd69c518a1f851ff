use grad_runtime::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let _t = &x[1..];
    x[0]
}

fn main() {}

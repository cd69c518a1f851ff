use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y: f64;
    y = x * x;
    y
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let y = x * x;
    y + n
}

fn main() {}

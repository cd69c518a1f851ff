use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, x_adj: f64) -> f64 {
    x * x_adj
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, q: std::collections::VecDeque<f64>) -> f64 {
    x * q[0]
}

fn main() {}

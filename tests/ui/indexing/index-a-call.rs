use grad_runtime::differentiate;

fn weights() -> [f64; 2] {
    [1.0, 2.0]
}

#[differentiate]
fn f(x: f64) -> f64 {
    x * weights()[0]
}

fn main() {}

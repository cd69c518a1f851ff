use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let c = const { 2.0 };
    c * x
}

fn main() {}

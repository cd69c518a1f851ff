use grad_runtime::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let _first = x.first();
    x[0]
}

fn main() {}

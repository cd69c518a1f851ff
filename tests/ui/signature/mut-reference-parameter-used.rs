use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, out: &mut [f64]) -> f64 {
    out[0] = x;
    x * x
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, m: [[f64; 2]; 2]) -> f64 {
    let _row = m[0];
    x
}

fn main() {}

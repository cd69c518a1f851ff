use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    let _u = y += x;
    y
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y = if x < 0.0 { return 0.0 } else { x };
    y * y
}

fn main() {}

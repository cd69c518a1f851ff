use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let y = match n {
        0 => x,
        _ => 2.0 * x,
    };
    y * y
}

fn main() {}

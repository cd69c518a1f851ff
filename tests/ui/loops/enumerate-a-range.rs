use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    for (i, _) in (0..3).enumerate() {
        y = y * x + i as f64;
    }
    y
}

fn main() {}

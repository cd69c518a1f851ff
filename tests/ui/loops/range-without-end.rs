use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    for _ in 0.. {
        y = y * x;
        break;
    }
    y
}

fn main() {}

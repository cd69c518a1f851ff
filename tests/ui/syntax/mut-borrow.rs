use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    let r = &mut y;
    x * *r
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let _r = 0..3;
    x
}

fn main() {}

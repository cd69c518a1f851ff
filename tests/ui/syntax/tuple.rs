use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let _t = (x, x);
    x
}

fn main() {}

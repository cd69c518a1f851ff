use grad_runtime::differentiate;

#[differentiate]
fn f(ref x: f64) -> f64 {
    *x * *x
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
const fn f(x: f64) -> f64 {
    x
}

fn main() {}

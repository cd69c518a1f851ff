use grad_runtime::differentiate;

struct Pair {
    a: f64,
}

#[differentiate]
fn f(x: f64) -> f64 {
    let _p = Pair { a: x };
    x
}

fn main() {}

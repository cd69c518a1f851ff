use grad_runtime::differentiate;

struct Pair {
    a: f64,
}

#[differentiate]
fn f(x: f64, p: &Pair) -> f64 {
    x * p.a
}

fn main() {}

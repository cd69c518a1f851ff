use grad_runtime::differentiate;

struct Pair {
    a: f64,
}

fn keep(_p: &Pair) {}

#[differentiate]
fn f(x: f64, mut p: Pair) -> f64 {
    p.a = x;
    keep(&p);
    x
}

fn main() {}

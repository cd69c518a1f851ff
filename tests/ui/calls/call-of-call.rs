use grad_runtime::differentiate;

fn pick() -> fn(f64) -> f64 {
    f64::sin
}

#[differentiate]
fn f(x: f64) -> f64 {
    pick()(x)
}

fn main() {}

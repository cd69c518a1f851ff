use grad_runtime::differentiate;

fn log_it() {}

#[differentiate]
fn f(x: f64) -> f64 {
    let _u = if x > 0.0 { log_it() };
    x
}

fn main() {}

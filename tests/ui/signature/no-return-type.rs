use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) {
    let _ = x;
}

fn main() {}

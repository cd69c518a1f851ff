use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> usize {
    x as usize
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, r: std::ops::Range<usize>) -> f64 {
    let _m = r.max();
    x
}

fn main() {}

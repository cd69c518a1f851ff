use grad_runtime::differentiate;

#[differentiate]
fn f(m: [[f64; 1]; 2]) -> f64 {
    let mut s = 0.0;
    for [a] in m {
        s += a;
    }
    s
}

fn main() {}

use grad_runtime::differentiate;

fn weights() -> Vec<f64> {
    vec![1.0, 2.0]
}

#[differentiate]
fn f(x: f64) -> f64 {
    let mut s = x;
    for w in weights() {
        s = s * w;
    }
    s
}

fn main() {}

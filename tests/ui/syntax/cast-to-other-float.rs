use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let s = x as f32;
    f64::from(s * s)
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, o: Option<f64>) -> f64 {
    let mut y = x;
    if let Some(v) = o {
        y = v;
    }
    y
}

fn main() {}

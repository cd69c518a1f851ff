use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, mut o: Option<f64>) -> f64 {
    let mut y = x;
    while let Some(v) = o {
        y = y * v;
        o = None;
    }
    y
}

fn main() {}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y = loop {
        break x * x;
    };
    y
}

fn main() {}

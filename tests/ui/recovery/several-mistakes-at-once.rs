use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let square = |v: f64| v * v;
    let y = match 0 {
        _ => x,
    };
    let _r = 0..3;
    square(y)
}

fn main() {}

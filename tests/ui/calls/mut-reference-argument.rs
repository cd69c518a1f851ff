use grad_runtime::differentiate;

fn bump(v: &mut f64) {
    *v += 1.0;
}

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    bump(&mut y);
    y
}

fn main() {}

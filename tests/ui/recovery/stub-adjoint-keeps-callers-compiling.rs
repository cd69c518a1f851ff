use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let mut s = x;
    loop {
        s = s * y;
        break;
    }
    match 0 {
        _ => s,
    }
}

fn main() {
    let value = f(1.0, 2.0);
    let (mut x_adj, mut y_adj) = (0.0, 0.0);
    let again = f_adjoint(1.0, &mut x_adj, 2.0, &mut y_adj, 1.0);
    let _ = value + again + x_adj + y_adj;
}

use grad_runtime::differentiate;

#[differentiate]
fn f(x: f64, _out: &mut f64) -> f64 {
    x * x
}

fn main() {
    let (mut out, mut x_adj) = (0.0, 0.0);
    let _ = f(1.0, &mut out);
    let _ = f_adjoint(1.0, &mut x_adj, &mut out, 1.0);
}

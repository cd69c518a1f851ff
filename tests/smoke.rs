mod common;
use grad_runtime::differentiate;

#[differentiate]
fn horner(c: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for i in (0..c.len()).rev() {
        acc = acc * x + c[i];
    }
    acc
}

#[test]
fn horner_gradient() {
    let c = [1.0, -2.0, 0.5, 3.0];
    let x = 0.7;
    let mut c_adj = [0.0; 4];
    let mut x_adj = 0.0;
    let value = horner_adjoint(&c, &mut c_adj, x, &mut x_adj, 1.0);
    assert_eq!(value, horner(&c, x));
    let mut all = c.to_vec();
    all.push(x);
    let mut grad = c_adj.to_vec();
    grad.push(x_adj);
    common::check_fd(|p: &[f64]| horner(&p[..4], p[4]), &grad, &all);
}

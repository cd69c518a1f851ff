//! User variables named like the generated ones (adjoints, tapes, the gradient local, the
//! restored value) never collide with them.

mod common;
use grad_runtime::differentiate;

/// Every name the generated adjoint uses for itself, used here as a user local.
#[differentiate]
fn crowded(x: &[f64], seed_value: f64) -> f64 {
    let mut old = 0.0;
    let mut zero = 1.0;
    let mut g = seed_value;
    for &xi in x.iter() {
        let r = xi * g;
        let len = r.exp();
        let row = len + old;
        old = old * xi + row.sin();
        zero *= 1.0 + 0.1 * r;
        g = g * 0.5 + r;
    }
    let result = old + zero;
    let old_tape = result * g;
    let x_adj = old_tape + 1.0;
    let d0 = x_adj.tanh();
    let slot0 = d0 * d0;
    slot0 + result
}

#[test]
fn generated_names_do_not_capture_user_names() {
    let x = [0.3, -0.4, 0.2];
    let mut x_adj = [0.0; 3];
    let mut s_adj = 0.0;
    let value = crowded_adjoint(&x, &mut x_adj, 0.7, &mut s_adj, 1.0);
    assert_eq!(value, crowded(&x, 0.7));
    let mut point = x.to_vec();
    point.push(0.7);
    let mut gradient = x_adj.to_vec();
    gradient.push(s_adj);
    common::check_fd(|p: &[f64]| crowded(&p[..3], p[3]), &gradient, &point);
}

/// A parameter named `seed` moves the generated seed to `output_seed`.
#[differentiate]
fn seeded(seed: f64) -> f64 {
    seed * seed
}

#[test]
fn a_parameter_named_seed_keeps_its_name() {
    let mut seed_adj = 0.0;
    let value = seeded_adjoint(3.0, &mut seed_adj, 2.0);
    assert_eq!((value, seed_adj), (seeded(3.0), 12.0));
}

//! The primitives as generated code sees them: root paths, contract signatures, composition.

use grad_runtime::{self as g, check_gradient, Tolerance};

/// Compiles only if every adjoint has the shape `#[differentiate]` emits calls for: the
/// primal parameters in order, an adjoint right after each float parameter, the seed last.
#[test]
// Spelling each signature out in full is the point of this test.
#[allow(clippy::type_complexity)]
fn adjoint_signatures_follow_the_contract() {
    type Scalar = fn(f64, &mut f64, f64) -> f64;
    let scalars: [Scalar; 6] = [
        g::relu_adjoint,
        g::sigmoid_adjoint,
        g::softplus_adjoint,
        g::gelu_adjoint,
        g::silu_adjoint,
        |x, x_adj, seed| g::relu_adjoint_with(x, x_adj, seed, 0.5),
    ];
    let _: fn(f64, &mut f64, f64, &mut f64, f64) -> f64 = g::leaky_relu_adjoint;
    let _: fn(&[f64], &mut [f64], f64) -> f64 = g::sum_adjoint;
    let _: fn(&[f64], &mut [f64], &[f64], &mut [f64], f64) -> f64 = g::dot_adjoint;
    let _: fn(&[f64], &mut [f64], &[f64]) -> Vec<f64> = g::softmax_adjoint;
    let _: fn(&[f64], &mut [f64], usize, f64) -> f64 = g::softmax_cross_entropy_adjoint;
    let _: fn(&[f64], &mut [f64], usize, usize, &[f64]) -> Vec<f64> = g::max_pool1d_adjoint;
    let _: fn(&[f64], &mut [f64], &[f64], &mut [f64], &[f64]) -> Vec<f64> = g::correlate1d_adjoint;
    let _: fn(&[f64], &mut [f64], &[f64], &mut [f64], usize, usize, &[f64]) -> Vec<f64> =
        g::matvec_adjoint;

    let mut x_adj = 0.0;
    for adjoint in scalars {
        adjoint(1.0, &mut x_adj, 1.0);
    }
    assert!(x_adj > 0.0);
}

/// A two-layer classifier, `loss = CE(softmax(W2 relu(W1 x + b1) + b2), target)`, written
/// with the primitives and differentiated by chaining their adjoints by hand, as generated
/// code would.
fn two_layer_loss(params: &[f64], gradient: Option<&mut [f64]>) -> f64 {
    let (w1, rest) = params.split_at(6);
    let (b1, rest) = rest.split_at(2);
    let (w2, b2) = rest.split_at(6);
    let x = [0.5, -1.0, 2.0];

    let hidden = g::affine(w1, b1, &x, 2, 3);
    let active = g::relu_vec(&hidden);
    let logits = g::affine(w2, b2, &active, 3, 2);
    let loss = g::softmax_cross_entropy(&logits, 1);
    let Some(gradient) = gradient else {
        return loss;
    };

    let (w1_adj, rest) = gradient.split_at_mut(6);
    let (b1_adj, rest) = rest.split_at_mut(2);
    let (w2_adj, b2_adj) = rest.split_at_mut(6);
    let mut logits_adj = [0.0; 3];
    g::softmax_cross_entropy_adjoint(&logits, &mut logits_adj, 1, 1.0);
    let mut active_adj = [0.0; 2];
    g::affine_adjoint(
        w2,
        w2_adj,
        b2,
        b2_adj,
        &active,
        &mut active_adj,
        3,
        2,
        &logits_adj,
    );
    let mut hidden_adj = [0.0; 2];
    g::relu_vec_adjoint(&hidden, &mut hidden_adj, &active_adj);
    let mut x_adj = [0.0; 3];
    g::affine_adjoint(w1, w1_adj, b1, b1_adj, &x, &mut x_adj, 2, 3, &hidden_adj);
    loss
}

#[test]
fn chained_adjoints_pass_the_gradient_checker() {
    // Both hidden units are active at these weights, away from ReLU's kink.
    let params = [
        0.3, -0.2, 0.5, -0.4, 0.1, 0.6, // w1
        0.2, 0.9, // b1
        0.7, -0.3, -0.5, 0.8, 0.1, 0.4, // w2
        0.0, 0.1, -0.2, // b2
    ];
    let report = check_gradient(
        |p| two_layer_loss(p, None),
        |p, gradient| {
            two_layer_loss(p, Some(gradient));
        },
        &params,
        Tolerance::new(1e-6, 1e-8),
    );
    match report {
        Ok(report) => assert_eq!(report.checked, params.len()),
        Err(error) => panic!("{error}"),
    }
}

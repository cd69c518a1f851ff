//! The runtime primitives used from inside `#[differentiate]` functions: the macro calls their
//! hand-written adjoints, and the composed gradient matches central differences.

mod common;
use grad_runtime::differentiate;
use num_traits::Float;

/// A tiny 1-D CNN head: correlate, ReLU, max-pool, a dense layer, softmax cross-entropy.
#[differentiate(wrt(kernel, w, b))]
fn cnn_loss<F: Float>(signal: &[F], kernel: &[F], w: &[F], b: &[F], label: usize) -> F {
    let features = grad_runtime::correlate1d(signal, kernel);
    let active = grad_runtime::relu_vec(&features);
    let pooled = grad_runtime::max_pool1d(&active, 2, 2);
    let logits = grad_runtime::affine(w, b, &pooled, 2, pooled.len());
    grad_runtime::softmax_cross_entropy(&logits, label)
}

/// Scalar primitives mixed with plain arithmetic.
#[differentiate]
fn activations<F: Float>(x: F, y: F) -> F {
    grad_runtime::sigmoid(x) * grad_runtime::softplus(y) + grad_runtime::gelu(x * y)
        - grad_runtime::silu(y) * grad_runtime::leaky_relu(x, F::from(0.1).unwrap())
}

/// Reductions over a local vector built in a loop.
#[differentiate]
fn reductions<F: Float>(x: &[F]) -> F {
    let mut squares = vec![F::zero(); x.len()];
    for i in 0..x.len() {
        squares[i] = x[i] * x[i];
    }
    grad_runtime::log_sum_exp(&squares) + grad_runtime::dot(x, &squares) - grad_runtime::sum(x)
}

fn cnn_case<F: Float + std::fmt::Debug>() {
    let c = |v: f64| F::from(v).unwrap();
    let signal: Vec<F> = (0..10).map(|i| c((f64::from(i) * 0.7).sin())).collect();
    let kernel = [c(0.5), c(-0.3), c(0.8)];
    let w: Vec<F> = (0..8).map(|i| c(0.1 * f64::from(i) - 0.35)).collect();
    let b = [c(0.05), c(-0.02)];
    let (mut kernel_adj, mut w_adj, mut b_adj) =
        ([F::zero(); 3], vec![F::zero(); 8], [F::zero(); 2]);
    let value = cnn_loss_adjoint(
        &signal,
        &kernel,
        &mut kernel_adj,
        &w,
        &mut w_adj,
        &b,
        &mut b_adj,
        1,
        F::one(),
    );
    assert_eq!(value, cnn_loss(&signal, &kernel, &w, &b, 1));

    let mut point: Vec<F> = kernel.to_vec();
    point.extend(&w);
    point.extend(&b);
    let mut gradient: Vec<F> = kernel_adj.to_vec();
    gradient.extend(&w_adj);
    gradient.extend(&b_adj);
    common::check_fd(
        |p: &[F]| cnn_loss(&signal, &p[..3], &p[3..11], &p[11..], 1),
        &gradient,
        &point,
    );
}

#[test]
fn a_cnn_built_from_primitives() {
    cnn_case::<f64>();
    cnn_case::<f32>();
}

#[test]
fn scalar_primitives_compose() {
    let (mut x_adj, mut y_adj) = (0.0, 0.0);
    activations_adjoint(0.7, &mut x_adj, -0.4, &mut y_adj, 1.0);
    common::check_fd(
        |p: &[f64]| activations(p[0], p[1]),
        &[x_adj, y_adj],
        &[0.7, -0.4],
    );

    let (mut x_adj, mut y_adj) = (0.0_f32, 0.0_f32);
    activations_adjoint(0.7_f32, &mut x_adj, -0.4, &mut y_adj, 1.0);
    common::check_fd(
        |p: &[f32]| activations(p[0], p[1]),
        &[x_adj, y_adj],
        &[0.7, -0.4],
    );
}

#[test]
fn reductions_of_a_local_vector() {
    let x = [0.3, -0.8, 1.1, 0.2];
    let mut x_adj = [0.0; 4];
    reductions_adjoint(&x, &mut x_adj, 1.0);
    common::check_fd(|p: &[f64]| reductions(p), &x_adj, &x);
}

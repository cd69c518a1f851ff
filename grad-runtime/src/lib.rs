//! Runtime support for `#[differentiate]`: the attribute itself, derivative rules of the
//! elementary functions, and differentiable primitives of backpropagation.
#![forbid(unsafe_code)]

pub use grad_macro::differentiate;
pub use num_traits;

mod activation;
mod check;
mod reduce;
mod softmax;

pub use activation::{
    gelu, gelu_adjoint, leaky_relu, leaky_relu_adjoint, leaky_relu_adjoint_with, relu,
    relu_adjoint, relu_adjoint_with, sigmoid, sigmoid_adjoint, silu, silu_adjoint, softplus,
    softplus_adjoint,
};
pub use check::{
    check_gradient, numeric_gradient, GradCheck, GradCheckError, GradComponent, Tolerance,
};
pub use reduce::{
    dot, dot_adjoint, log_sum_exp, log_sum_exp_adjoint, mean_squared_error,
    mean_squared_error_adjoint, sum, sum_adjoint,
};
pub use softmax::{
    cross_entropy, cross_entropy_adjoint, log_softmax, log_softmax_adjoint, softmax,
    softmax_adjoint, softmax_cross_entropy, softmax_cross_entropy_adjoint,
};

//! Runtime support for `#[differentiate]`: the attribute itself, derivative rules of the
//! elementary functions, and differentiable primitives of backpropagation.
#![forbid(unsafe_code)]

pub use grad_macro::differentiate;
pub use num_traits;

pub mod rules;

mod activation;
mod check;
mod conv;
mod dense;
mod pool;
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
pub use conv::{
    correlate1d, correlate1d_adjoint, correlate1d_strided, correlate1d_strided_adjoint,
    correlate2d, correlate2d_adjoint, correlate2d_multi, correlate2d_multi_adjoint,
};
pub use dense::{
    affine, affine_adjoint, matvec, matvec_adjoint, relu_vec, relu_vec_adjoint, sigmoid_vec,
    sigmoid_vec_adjoint,
};
pub use pool::{
    avg_pool1d, avg_pool1d_adjoint, avg_pool2d, avg_pool2d_adjoint, max_pool1d, max_pool1d_adjoint,
    max_pool2d, max_pool2d_adjoint,
};
pub use reduce::{
    dot, dot_adjoint, log_sum_exp, log_sum_exp_adjoint, mean_squared_error,
    mean_squared_error_adjoint, sum, sum_adjoint,
};
pub use softmax::{
    cross_entropy, cross_entropy_adjoint, log_softmax, log_softmax_adjoint, softmax,
    softmax_adjoint, softmax_cross_entropy, softmax_cross_entropy_adjoint,
};

//! Runtime support for `#[differentiate]`: the attribute itself, derivative rules of the
//! elementary functions, and differentiable primitives of backpropagation.
#![forbid(unsafe_code)]

pub use grad_macro::differentiate;
pub use num_traits;

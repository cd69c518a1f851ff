//! The `#[differentiate]` attribute: reverse-mode automatic differentiation of plain Rust
//! functions by source transformation. Users depend on `grad-runtime`, which re-exports it.
#![forbid(unsafe_code)]

mod activity;
mod args;
mod emit;
mod error;
mod expand;
mod fallback;
mod ir;
mod lower;
mod lower_expr;
mod lower_loops;
mod names;
mod reverse;
mod rules;
mod saves;
mod signature;

use proc_macro::TokenStream;

/// Generates `<name>_adjoint` beside the function; see the `grad-runtime` crate for the
/// contract and the supported subset of Rust.
#[proc_macro_attribute]
pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(attr.into(), item.into()).into()
}
#[cfg(test)]
mod tests;

//! The `#[differentiate]` attribute.
#![forbid(unsafe_code)]
use proc_macro::TokenStream;
#[proc_macro_attribute]
pub fn differentiate(_attr: TokenStream, item: TokenStream) -> TokenStream { item }

//! Large inputs for timing the expansion: straight-line code written out by a generator,
//! and the GMM objective as it stands in `src/adbench/gmm.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

/// A function of two floats with `count` statements, each `let vᵢ = …` reading `vᵢ₋₁` through
/// one of four shapes of expression, so that every statement needs its own backward code.
pub fn straight_line(count: usize) -> TokenStream {
    let statements = (1..count).map(|i| {
        let (prev, next) = (format_ident!("v{}", i - 1), format_ident!("v{i}"));
        match i % 4 {
            0 => quote!(let #next = #prev * x + y;),
            1 => quote!(let #next = #prev.sin() * y;),
            2 => quote!(let #next = (#prev - x).exp() / (1.0 + #prev * #prev);),
            _ => quote!(let #next = #prev.tanh() + x * #prev;),
        }
    });
    let last = format_ident!("v{}", count - 1);
    quote! {
        fn straight_line(x: f64, y: f64) -> f64 {
            let v0 = x * y;
            #(#statements)*
            #last
        }
    }
}

/// The same length of code as [`straight_line`], but every statement overwrites one
/// variable, so the reverse sweep must keep each old value.
pub fn overwriting(count: usize) -> TokenStream {
    let statements = (1..count).map(|i| match i % 3 {
        0 => quote!(v = v * x + y;),
        1 => quote!(v = v.sin() * y;),
        _ => quote!(v = v.tanh() + x * v;),
    });
    quote! {
        fn overwriting(x: f64, y: f64) -> f64 {
            let mut v = x * y;
            #(#statements)*
            v
        }
    }
}

/// The attribute arguments and the item of the `#[differentiate]` function `name` in the
/// Rust file `path`, as the macro would receive them.
pub fn attributed_function(path: &str, name: &str) -> (TokenStream, TokenStream) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut item = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{path} has no function `{name}`"));
    let position = item
        .attrs
        .iter()
        .position(|a| a.path().is_ident("differentiate"))
        .unwrap_or_else(|| panic!("`{name}` has no `#[differentiate]`"));
    let attr = match item.attrs.remove(position).meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    };
    (attr, item.into_token_stream())
}

/// The GMM objective of the ADBench benchmarks.
pub fn gmm() -> (TokenStream, TokenStream) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../src/adbench/gmm.rs");
    attributed_function(path, "gmm_objective")
}

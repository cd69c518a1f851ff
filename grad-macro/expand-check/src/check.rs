//! The property every expansion must have, whatever the input: `expand` returns, and what it
//! returns is either the function with its adjoint or compiles to an error.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use std::panic::{self, AssertUnwindSafe};

/// What an expansion that kept the contract produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The unchanged function followed by `<name>_adjoint`, and no error.
    Adjoint,
    /// Output containing `compile_error!`.
    Error,
}

/// Expands `#[differentiate(attr)] item` and checks the output. `Err` describes a broken
/// contract: a panic inside `expand`, output that is not Rust although it carries no error,
/// or a function lost or changed on the way.
pub fn check(attr: TokenStream, item: TokenStream) -> Result<Outcome, String> {
    let output = panic::catch_unwind(AssertUnwindSafe(|| crate::expand(attr, item.clone())))
        .map_err(|payload| format!("`expand` panicked: {}", panic_message(&*payload)))?;
    judge(&item, &output)
}

/// Checks `output` against `item` without guarding against panics, for fuzz targets, where
/// the fuzzer itself must see the panic to record it.
pub fn check_unguarded(attr: TokenStream, item: TokenStream) -> Result<Outcome, String> {
    let output = crate::expand(attr, item.clone());
    judge(&item, &output)
}

fn judge(item: &TokenStream, output: &TokenStream) -> Result<Outcome, String> {
    let has_error = mentions_compile_error(output.clone());
    let file = match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => file,
        Err(_) if has_error => return Ok(Outcome::Error),
        Err(e) => {
            return Err(format!(
                "output is not Rust and has no error ({e}): {output}"
            ))
        }
    };
    let Ok(original) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return if has_error {
            Ok(Outcome::Error)
        } else {
            Err(format!("input is not a function, yet no error: {output}"))
        };
    };

    if !file.items.iter().any(|i| same_fn(i, &original)) {
        return Err(format!(
            "the original function is missing or changed: {output}"
        ));
    }
    if has_error {
        return Ok(Outcome::Error);
    }
    let adjoint = format!("{}_adjoint", original.sig.ident);
    let found = file
        .items
        .iter()
        .any(|i| matches!(i, syn::Item::Fn(f) if f.sig.ident == adjoint));
    if found {
        Ok(Outcome::Adjoint)
    } else {
        Err(format!("no `{adjoint}` and no error: {output}"))
    }
}

fn same_fn(item: &syn::Item, original: &syn::ItemFn) -> bool {
    let syn::Item::Fn(f) = item else {
        return false;
    };
    f.to_token_stream().to_string() == original.to_token_stream().to_string()
}

fn mentions_compile_error(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == "compile_error",
        TokenTree::Group(group) => mentions_compile_error(group.stream()),
        _ => false,
    })
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string payload".to_string()
    }
}

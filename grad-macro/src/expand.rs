//! The pipeline: attribute arguments, signature, lowering, analyses, emission.

use crate::error::Errors;
use crate::{activity, args, emit, fallback, lower, saves, signature};
use proc_macro2::TokenStream;
use quote::quote;

/// Expands `#[differentiate(attr)] item` into the item and its adjoint. Never panics on user
/// input: every mistake becomes a compile error next to the unchanged function.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(item_fn) => item_fn,
        Err(_) => {
            let error = syn::Error::new(
                crate::error::item_keyword(&item),
                "`#[differentiate]` applies to functions (`fn name(params) -> F { ... }`)",
            )
            .to_compile_error();
            return quote!(#item #error);
        }
    };
    let mut errors = Errors::default();
    let args = match syn::parse2::<args::Args>(attr) {
        Ok(args) => args,
        Err(error) => {
            errors.push(error);
            args::Args::default()
        }
    };
    let sig = signature::read(&item_fn.sig, &args, &mut errors);
    // Mistakes in the signature are reported alone: the body is read only against a valid one.
    let body = sig
        .as_ref()
        .filter(|_| errors.is_empty())
        .and_then(|sig| lower::lower(sig, &item_fn, &mut errors));
    match (errors.finish(), sig, body) {
        (Ok(()), Some(sig), Some(body)) => {
            let activity = activity::analyze(&body, &sig);
            let plan = saves::plan(&body, activity);
            let adjoint = emit::Emitter::new(&body, &sig, &plan).adjoint_fn(&item_fn);
            quote!(#item_fn #adjoint)
        }
        (result, sig, _) => {
            let error = result.err().map(|e| e.to_compile_error());
            let stub = sig
                .filter(|sig| sig.stub_ok)
                .map(|sig| fallback::stub(&item_fn, &sig));
            quote!(#item_fn #stub #error)
        }
    }
}

/// The lowered IR of a function, as text, for tests and for reading what lowering does.
#[cfg(test)]
pub fn lowered_text(attr: TokenStream, item: TokenStream) -> Result<String, String> {
    let item_fn: syn::ItemFn = syn::parse2(item).map_err(|e| e.to_string())?;
    let args: args::Args = syn::parse2(attr).map_err(|e| e.to_string())?;
    let mut errors = Errors::default();
    let sig = signature::read(&item_fn.sig, &args, &mut errors);
    let body = sig
        .as_ref()
        .and_then(|sig| lower::lower(sig, &item_fn, &mut errors));
    errors.finish().map_err(|e| e.to_string())?;
    body.map(|b| b.to_string())
        .ok_or_else(|| "no body".to_string())
}

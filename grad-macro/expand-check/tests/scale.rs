//! Large inputs expand without overflowing the stack and in bounded time; the times are
//! printed (`--nocapture`), not asserted, since the machine's speed varies.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::time::Instant;

/// `n` straight-line statements, each reading the two before it.
fn straight_line(n: usize) -> TokenStream {
    let mut stmts = Vec::new();
    for k in 2..n {
        let (a, b, c) = (
            format_ident!("v{}", k - 2),
            format_ident!("v{}", k - 1),
            format_ident!("v{k}"),
        );
        stmts.push(quote!(let #c = (#a * #b).sin() + 0.5 * #a;));
    }
    let last = format_ident!("v{}", n - 1);
    quote! {
        fn long(x: f64, y: f64) -> f64 {
            let v0 = x;
            let v1 = y;
            #(#stmts)*
            #last
        }
    }
}

/// One expression `x + x * 1.0 + x * 2.0 + ...` of `n` terms, nested `n` levels deep.
fn deep_expression(n: usize) -> TokenStream {
    let mut expr = quote!(x);
    for k in 0..n {
        let c = k as f64;
        expr = quote!(#expr + x * #c);
    }
    quote!(fn deep(x: f64) -> f64 { #expr })
}

fn expand_timed(item: TokenStream) -> (String, f64) {
    let start = Instant::now();
    let out = grad_expand::expand(TokenStream::new(), item).to_string();
    (out, start.elapsed().as_secs_f64() * 1e3)
}

#[test]
fn thousands_of_statements() {
    for n in [1_000, 2_000] {
        let (out, ms) = expand_timed(straight_line(n));
        assert!(out.contains("long_adjoint") && !out.contains("compile_error"));
        println!("{n} statements expand in {ms:.1} ms");
    }
}

#[test]
fn a_deeply_nested_expression() {
    // Run on a thread with the stack size rustc gives a proc macro's expansion (8 MiB).
    let handle = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| expand_timed(deep_expression(1_000)))
        .expect("spawn");
    let (out, ms) = handle.join().expect("no stack overflow");
    assert!(out.contains("deep_adjoint") && !out.contains("compile_error"));
    println!("a 1000-term expression expands in {ms:.1} ms");
}

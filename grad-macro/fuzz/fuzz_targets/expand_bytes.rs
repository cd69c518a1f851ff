//! Arbitrary text as `#[differentiate(first line)] rest`: whatever lexes must expand without
//! a panic into either the function and its adjoint or a compile error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // The first line is the attribute's argument list, so seeds stay readable:
    // `wrt(x)\nfn f(x: f64, y: f64) -> f64 { x * y }`.
    let (attr, item) = text.split_once('\n').unwrap_or(("", text));
    let (Ok(attr), Ok(item)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        return;
    };

    if let Err(broken) = grad_expand::check_unguarded(attr, item) {
        panic!("{broken}");
    }
});

//! Unit tests of the pipeline: the IR that lowering produces and what the analyses decide,
//! in the IR's text form.

use crate::error::Errors;
use crate::{activity, args, expand, lower, saves, signature};
use proc_macro2::TokenStream;
use quote::quote;

fn lowered(item: TokenStream) -> String {
    expand::lowered_text(quote!(), item).unwrap_or_else(|e| panic!("lowering failed: {e}"))
}

/// The decisions of the save analysis: which variables are saved on a tape and which are
/// recomputed in the backward sweep, by name.
fn decisions(item: TokenStream) -> (Vec<String>, Vec<String>) {
    let item_fn: syn::ItemFn = syn::parse2(item).expect("a function");
    let mut errors = Errors::default();
    let sig =
        signature::read(&item_fn.sig, &args::Args::default(), &mut errors).expect("signature");
    let body = lower::lower(&sig, &item_fn, &mut errors).expect("body");
    assert!(errors.is_empty());
    let plan = saves::plan(&body, activity::analyze(&body, &sig));
    let mut saved = Vec::new();
    body.block.walk(&mut |stmt| {
        if plan.saved.contains(&stmt.id) {
            if let Some(v) = stmt.kind.writes() {
                saved.push(body.var(v).name.to_string());
            }
        }
    });
    let recomputed = body
        .var_ids()
        .filter(|v| plan.is_recomputed(*v) && plan.needed[v.0 as usize])
        .map(|v| body.var(v).name.to_string())
        .collect();
    (saved, recomputed)
}

#[test]
fn straight_line_code_is_three_address() {
    let text = lowered(quote! {
        fn f(x: f64, y: f64) -> f64 {
            let z = (x * y).sin() + 1.0;
            z / y
        }
    });
    // The `let` takes over the temporary of its last operation, so `z` is written by the
    // addition itself rather than copied from a temporary.
    let expected = "\
t2%2 = mul x%0, y%1
t3%3 = sin t2%2
z%5 = add t3%3, 1.0
t6%6 = div z%5, y%1
return t6%6
";
    assert_eq!(text, expected);
}

#[test]
fn break_becomes_a_flag_and_guards_the_rest() {
    let text = lowered(quote! {
        fn f(x: &[f64], c: f64) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                if x[i] > c {
                    break;
                }
                s += x[i];
            }
            s
        }
    });
    assert!(text.contains("until broke"), "{text}");
    assert!(text.contains("broke%") && text.contains("= true"), "{text}");
    assert!(text.contains("not broke"), "{text}");
}

#[test]
fn while_is_a_loop_with_a_trip_count() {
    let text = lowered(quote! {
        fn f(a: f64) -> f64 {
            let mut x = a;
            while (x * x - a).abs() > 1e-12 {
                x = 0.5 * (x + a / x);
            }
            x
        }
    });
    assert!(text.contains("loop until broke"), "{text}");
    assert!(text.contains("counting trips"), "{text}");
}

#[test]
fn overwritten_accumulator_is_saved_once_per_iteration() {
    let (saved, recomputed) = decisions(quote! {
        fn horner(c: &[f64], x: f64) -> f64 {
            let mut acc = 0.0;
            for i in (0..c.len()).rev() {
                acc = acc * x + c[i];
            }
            acc
        }
    });
    assert_eq!(saved, ["acc"]);
    assert!(recomputed.is_empty(), "{recomputed:?}");
}

#[test]
fn dense_loop_recomputes_indices_and_saves_nothing() {
    let (saved, recomputed) = decisions(quote! {
        fn dense(w: &[f64], x: &[f64], n: usize) -> f64 {
            let mut y = 0.0;
            for i in 0..n {
                for j in 0..x.len() {
                    y += w[i * x.len() + j] * x[j];
                }
            }
            y
        }
    });
    assert!(saved.is_empty(), "{saved:?}");
    assert!(!recomputed.is_empty());
}

#[test]
fn linear_accumulation_needs_no_tape() {
    let (saved, _) = decisions(quote! {
        fn total(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += 2.0 * x[i];
            }
            s
        }
    });
    assert!(saved.is_empty(), "{saved:?}");
}

#[test]
fn expansion_of_unsupported_input_is_an_error_not_a_panic() {
    let inputs = [
        quote!(
            fn f(x: f64) -> f64 {
                let g = |y: f64| y;
                g(x)
            }
        ),
        quote!(
            fn f(x: f64) -> f64 {
                match x {
                    _ => x,
                }
            }
        ),
        quote!(
            fn f(x: &mut f64) -> f64 {
                *x
            }
        ),
        quote!(
            fn f(x: f64) {}
        ),
        quote!(
            struct S;
        ),
        quote!(
            fn f(x: f64) -> f64 {
                loop {}
            }
        ),
        quote!(
            fn f(x: f64) -> f64 {
                x.foo()
            }
        ),
        quote!(),
    ];
    for input in inputs {
        let out = expand::expand(quote!(), input).to_string();
        assert!(out.contains("compile_error"), "{out}");
    }
}

//! Prints how long expansion of large functions takes in an unoptimised build, the way cargo
//! runs a proc-macro by default. The times are reported, not asserted: they depend on the
//! machine and its load. Each input must still expand to an adjoint.

#[path = "../benches/sources/mod.rs"]
mod sources;

use std::time::{Duration, Instant};

use grad_expand::Outcome;
use proc_macro2::TokenStream;
use quote::quote;

/// The fastest of a few expansions, the least disturbed by other work on the machine.
fn fastest_expansion(attr: &TokenStream, item: &TokenStream) -> Duration {
    (0..3)
        .map(|_| {
            let (attr, item) = (attr.clone(), item.clone());
            let start = Instant::now();
            drop(grad_expand::expand(attr, item));
            start.elapsed()
        })
        .min()
        .expect("at least one run")
}

#[test]
fn large_functions_expand_and_their_times_are_printed() {
    let (gmm_attr, gmm_item) = sources::gmm();
    let inputs = [
        ("straight_line_1000", quote!(), sources::straight_line(1000)),
        ("overwriting_1000", quote!(), sources::overwriting(1000)),
        ("gmm_objective", gmm_attr, gmm_item),
    ];
    for (name, attr, item) in inputs {
        let outcome = grad_expand::check(attr.clone(), item.clone());
        assert_eq!(outcome, Ok(Outcome::Adjoint), "{name}");
        let time = fastest_expansion(&attr, &item);
        println!("expansion of {name} (unoptimised build): {time:.1?}");
    }
}

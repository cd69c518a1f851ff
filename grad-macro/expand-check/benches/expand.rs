//! Time the macro takes to expand large functions: 1,000 straight-line statements (the
//! issue's target is under 250 ms), the same length of overwriting assignments, and the GMM
//! objective.
//!
//! Criterion builds this with the bench profile, fully optimised, while cargo compiles a
//! proc-macro for a release build at `opt-level = 0` unless a `build-override` says
//! otherwise; `tests/expand_time.rs` prints the same timings from an unoptimised build.

mod sources;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use proc_macro2::TokenStream;
use quote::quote;

/// Expands a fresh copy of the input each time: cloning the tokens is not timed.
fn bench_expansion(c: &mut Criterion, name: &str, attr: TokenStream, item: TokenStream) {
    c.bench_function(name, |b| {
        b.iter_batched(
            || (attr.clone(), item.clone()),
            |(attr, item)| grad_expand::expand(attr, item),
            BatchSize::LargeInput,
        )
    });
}

fn expansion(c: &mut Criterion) {
    for count in [100, 1000] {
        let name = format!("expand/straight_line_{count}");
        bench_expansion(c, &name, quote!(), sources::straight_line(count));
        let name = format!("expand/overwriting_{count}");
        bench_expansion(c, &name, quote!(), sources::overwriting(count));
    }
    let (attr, item) = sources::gmm();
    bench_expansion(c, "expand/gmm_objective", attr, item);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = expansion
}
criterion_main!(benches);

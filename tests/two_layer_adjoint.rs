//! Keeps `docs/two_layer_adjoint.md` showing exactly what `#[differentiate]` emits for the
//! two-layer classifier's loss, and that loss identical to the one the example trains.
//!
//! After a change to the macro, refresh the document with
//! `GRAD_BLESS=1 cargo test --test two_layer_adjoint`, then reread its annotations.

use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- generated: begin -->";
const END: &str = "<!-- generated: end -->";

/// The document's loss compiles and its adjoint runs; the constants are the example's.
mod loss {
    use grad_runtime::differentiate;

    const INPUTS: usize = 2;
    const HIDDEN: usize = 64;
    const CLASSES: usize = 2;

    include!("../docs/two_layer_loss.rs");

    #[test]
    fn the_documented_loss_has_a_working_adjoint() {
        let (w1, b1) = (vec![0.1; HIDDEN * INPUTS], vec![0.2; HIDDEN]);
        let (w2, b2) = (vec![0.05; CLASSES * HIDDEN], vec![0.0, 0.1]);
        let mut adj = [
            vec![0.0; w1.len()],
            vec![0.0; b1.len()],
            vec![0.0; w2.len()],
            vec![0.0; 2],
        ];
        let [a1, a2, a3, a4] = &mut adj;
        let value =
            classifier_loss_adjoint(&w1, a1, &b1, a2, &w2, a3, &b2, a4, &[0.5, -1.0], 1, 1.0);
        assert!((value - classifier_loss(&w1, &b1, &w2, &b2, &[0.5, -1.0], 1)).abs() < 1e-15);
        // ∂L/∂b2 = softmax(logits) − onehot(label), whose entries sum to zero.
        assert!((a4[0] + a4[1]).abs() < 1e-15 && a4[1] < 0.0);
    }
}

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn documented_loss() -> syn::ItemFn {
    let text = std::fs::read_to_string(workspace().join("docs/two_layer_loss.rs")).unwrap();
    let file = syn::parse_file(&text).unwrap();
    file.items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Fn(f) => Some(f),
            _ => None,
        })
        .expect("docs/two_layer_loss.rs holds a function")
}

/// Runs the macro's pipeline on the documented loss and pretty-prints what it emits.
fn expansion() -> String {
    let mut item = documented_loss();
    let position = item
        .attrs
        .iter()
        .position(|a| a.path().is_ident("differentiate"))
        .expect("the loss carries #[differentiate]");
    let attribute = item.attrs.remove(position);
    let arguments = match attribute.meta {
        syn::Meta::List(list) => list.tokens,
        _ => proc_macro2::TokenStream::new(),
    };
    let output = grad_expand::expand(arguments, quote_item(&item));
    prettyplease::unparse(&syn::parse2(output).expect("the expansion is Rust"))
}

fn quote_item(item: &syn::ItemFn) -> proc_macro2::TokenStream {
    let mut tokens = proc_macro2::TokenStream::new();
    quote::ToTokens::to_tokens(item, &mut tokens);
    tokens
}

fn document() -> PathBuf {
    workspace().join("docs/two_layer_adjoint.md")
}

/// The document with its generated region replaced by `code`.
fn with_generated(text: &str, code: &str) -> String {
    let start = text.find(BEGIN).expect("the document has the begin marker") + BEGIN.len();
    let end = text.find(END).expect("the document has the end marker");
    format!("{}\n```rust\n{code}```\n{}", &text[..start], &text[end..])
}

#[test]
fn the_document_shows_the_current_expansion() {
    let text = std::fs::read_to_string(document()).unwrap();
    let expected = with_generated(&text, &expansion());
    if std::env::var("GRAD_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(document(), &expected).unwrap();
        return;
    }
    assert!(
        text == expected,
        "docs/two_layer_adjoint.md no longer shows what #[differentiate] emits; run \
         `GRAD_BLESS=1 cargo test --test two_layer_adjoint` and reread its annotations"
    );
}

#[test]
fn the_documented_loss_is_the_one_the_example_trains() {
    let text = std::fs::read_to_string(workspace().join("examples/two_layer.rs")).unwrap();
    let example = syn::parse_file(&text).unwrap();
    let trained = example.items.iter().find_map(|item| match item {
        syn::Item::Fn(f) if f.sig.ident == "classifier_loss" => Some(quote_item(f).to_string()),
        _ => None,
    });
    assert_eq!(trained, Some(quote_item(&documented_loss()).to_string()));
}

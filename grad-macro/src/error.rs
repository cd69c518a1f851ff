//! Collects every rejection of the user's input, so one expansion reports all of them.

use proc_macro2::Span;
use quote::ToTokens;

/// The errors found so far; combined into one `syn::Error` at the end.
#[derive(Default)]
pub struct Errors {
    list: Vec<syn::Error>,
}

impl Errors {
    /// Records `message` on the smallest tokens that show the mistake.
    pub fn at(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.list.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `message` at a span, for mistakes that have no tokens of their own.
    pub fn at_span(&mut self, span: Span, message: impl std::fmt::Display) {
        self.list.push(syn::Error::new(span, message));
    }

    pub fn push(&mut self, error: syn::Error) {
        self.list.push(error);
    }

    pub fn count(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Folds the recorded errors into one, or `Ok` when there were none.
    pub fn finish(self) -> syn::Result<()> {
        let mut errors = self.list.into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

/// The span of an item's keyword (`struct`, `fn`, `impl`...): its first word that is not
/// `pub`, after any attributes. Whole items are too large to underline.
pub fn item_keyword(tokens: &proc_macro2::TokenStream) -> Span {
    let mut trees = tokens.clone().into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => {
                trees.next();
            }
            proc_macro2::TokenTree::Ident(ident) if ident != "pub" => return ident.span(),
            _ => {}
        }
    }
    Span::call_site()
}

//! Every `#[differentiate]` item in the trybuild cases under `tests/ui` expands without a
//! panic. The cases are found when the test runs, so new ones are covered as they land.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fs;
use std::path::{Path, PathBuf};
use syn::visit::Visit;

#[test]
fn every_ui_case_expands_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ui");
    let mut files = Vec::new();
    collect_rust_files(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no UI cases under {}", root.display());

    let mut failures = Vec::new();
    let mut expanded = 0;
    for file in &files {
        for (attr, item) in differentiated_items(file) {
            expanded += 1;
            if let Err(broken) = grad_expand::check(attr, item) {
                failures.push(format!("{}: {broken}", file.display()));
            }
        }
    }

    assert!(
        expanded > 0,
        "no `#[differentiate]` item in {} files",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// The attribute arguments and the item of every `#[differentiate]` in a file, at any depth,
/// as the compiler would hand them to the macro: the item without that attribute. A file
/// that does not parse as Rust (a case about a syntax error) is handed over whole.
fn differentiated_items(path: &Path) -> Vec<(TokenStream, TokenStream)> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match syn::parse_file(&text) {
        Ok(file) => {
            let mut finder = Finder::default();
            finder.visit_file(&file);
            finder.found
        }
        Err(_) => text
            .parse::<TokenStream>()
            .map(|tokens| vec![(TokenStream::new(), tokens)])
            .unwrap_or_default(),
    }
}

#[derive(Default)]
struct Finder {
    found: Vec<(TokenStream, TokenStream)>,
}

impl Finder {
    /// Records `node` if one of `attrs` is `#[differentiate]`, with that attribute removed.
    fn record(&mut self, attrs: &[syn::Attribute], node: &impl ToTokens) {
        let Some(position) = attrs.iter().position(is_differentiate) else {
            return;
        };
        let args = match &attrs[position].meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };

        // Outer attributes print first, two token trees each (`#` and `[...]`), so dropping
        // that pair leaves the item as the compiler passes it on.
        let outer_before = attrs[..position]
            .iter()
            .filter(|attr| matches!(attr.style, syn::AttrStyle::Outer))
            .count();
        let item = node
            .to_token_stream()
            .into_iter()
            .enumerate()
            .filter(|(k, _)| *k / 2 != outer_before)
            .map(|(_, tree)| tree)
            .collect();
        self.found.push((args, item));
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            self.record(attrs, item);
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.record(&item.attrs, item);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.record(&item.attrs, item);
        syn::visit::visit_trait_item_fn(self, item);
    }
}

fn is_differentiate(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "differentiate")
}

fn item_attrs(item: &syn::Item) -> Option<&[syn::Attribute]> {
    use syn::Item;
    let attrs = match item {
        Item::Fn(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Const(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => return None,
    };
    Some(attrs)
}

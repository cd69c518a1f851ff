//! Reads the function's signature: the float type, each parameter's type and activity, the
//! output, and the parameter list of the generated adjoint.

use crate::args::Args;
use crate::error::Errors;
use crate::ir::{ArrayTy, Dim, Scalar, Storage, Ty};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, ReturnType, Type};

/// One parameter of the user's function.
pub struct Param {
    pub ident: Ident,
    /// The pattern as written (`x`, `mut x`), repeated in the adjoint's signature.
    pub pattern: TokenStream,
    pub mutable: bool,
    pub ty: Type,
    pub class: Ty,
    pub active: bool,
    /// The name of its adjoint in the generated signature: `x_adj` for `x`.
    pub adj_ident: Ident,
}

/// What the rest of the pipeline needs to know about the signature.
pub struct Signature {
    pub params: Vec<Param>,
    /// The one float type of the function (`f64`, `f32` or a type parameter `F: Float`).
    pub float: TokenStream,
    pub output: Ty,
    pub output_ty: Type,
    pub seed_ident: Ident,
    /// Const generic parameters, which the body may use as integers.
    pub const_generics: Vec<Ident>,
    /// False when a stub adjoint would itself not compile (two parameters of one name).
    pub stub_ok: bool,
}

const INTEGERS: &[&str] = &[
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
];

/// The names that denote a float type in this function.
pub struct FloatNames {
    generics: Vec<Ident>,
}

impl FloatNames {
    pub fn of(generics: &syn::Generics) -> Self {
        let mut names: Vec<Ident> = Vec::new();
        for param in generics.type_params() {
            if param.bounds.iter().any(is_float_bound) {
                names.push(param.ident.clone());
            }
        }
        if let Some(clause) = &generics.where_clause {
            for predicate in &clause.predicates {
                if let syn::WherePredicate::Type(p) = predicate {
                    if let (Some(ident), true) = (
                        type_ident(&p.bounded_ty),
                        p.bounds.iter().any(is_float_bound),
                    ) {
                        names.push(ident.clone());
                    }
                }
            }
        }
        FloatNames { generics: names }
    }

    /// Whether a path's first segment names a float type (`f64`, `F`, `Float`).
    pub fn is_float_name(&self, ident: &Ident) -> bool {
        ident == "f32"
            || ident == "f64"
            || ident == "Float"
            || self.generics.iter().any(|g| g == ident)
    }
}

fn is_float_bound(bound: &syn::TypeParamBound) -> bool {
    match bound {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Float"),
        _ => false,
    }
}

fn type_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    }
}

/// Classifies a type written by the user. `Err` carries the message for types that can
/// never be accepted (`&mut`, references to scalars).
pub fn classify(ty: &Type, floats: &FloatNames) -> Result<Ty, syn::Error> {
    match ty {
        Type::Paren(inner) => classify(&inner.elem, floats),
        Type::Group(inner) => classify(&inner.elem, floats),
        Type::Reference(r) => {
            if r.mutability.is_some() {
                return Err(syn::Error::new_spanned(
                    ty,
                    "writing through a `&mut` parameter is not supported; return the result instead",
                ));
            }
            match classify(&r.elem, floats)? {
                Ty::Array(mut array) => {
                    array.storage = Storage::Borrowed;
                    Ok(Ty::Array(array))
                }
                Ty::Scalar(Scalar::Float) => Err(syn::Error::new_spanned(
                    ty,
                    "a float behind a reference is not supported; take it by value",
                )),
                other => Ok(other),
            }
        }
        Type::Slice(s) => array_of(&s.elem, Dim::Dynamic, floats),
        Type::Array(a) => array_of(&a.elem, Dim::Fixed(a.len.to_token_stream()), floats),
        Type::Path(p) if p.qself.is_none() => Ok(classify_path(&p.path, floats)),
        _ => Ok(Ty::OPAQUE),
    }
}

fn classify_path(path: &syn::Path, floats: &FloatNames) -> Ty {
    if let Some(ident) = path.get_ident() {
        if ident == "f32" || ident == "f64" || floats.generics.iter().any(|g| g == ident) {
            return Ty::FLOAT;
        }
        if INTEGERS.iter().any(|i| ident == i) {
            return Ty::INT;
        }
        if ident == "bool" {
            return Ty::BOOL;
        }
        return Ty::OPAQUE;
    }
    let Some(last) = path.segments.last() else {
        return Ty::OPAQUE;
    };
    if last.ident != "Vec" {
        return Ty::OPAQUE;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return Ty::OPAQUE;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(elem)) => {
            array_of(elem, Dim::Dynamic, floats).unwrap_or(Ty::OPAQUE)
        }
        _ => Ty::OPAQUE,
    }
}

fn array_of(elem: &Type, dim: Dim, floats: &FloatNames) -> Result<Ty, syn::Error> {
    let inner = classify(elem, floats)?;
    let array = match inner {
        Ty::Scalar(Scalar::Opaque) => return Ok(Ty::OPAQUE),
        Ty::Scalar(s) => ArrayTy {
            dims: vec![dim],
            elem: s,
            storage: Storage::Owned,
        },
        Ty::Array(inner) => {
            if matches!(dim, Dim::Dynamic) && inner.dims.iter().any(|d| matches!(d, Dim::Dynamic)) {
                // `Vec<Vec<T>>` and friends: rows of different lengths have no one layout.
                return Ok(Ty::OPAQUE);
            }
            let mut dims = vec![dim];
            dims.extend(inner.dims);
            ArrayTy {
                dims,
                elem: inner.elem,
                storage: Storage::Owned,
            }
        }
    };
    Ok(Ty::Array(array))
}

/// The written float type inside a type: `f64` in `&[f64]`, `F` in `[[F; 3]; 2]`.
fn float_token(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Paren(t) => float_token(&t.elem),
        Type::Group(t) => float_token(&t.elem),
        Type::Reference(r) => float_token(&r.elem),
        Type::Slice(s) => float_token(&s.elem),
        Type::Array(a) => float_token(&a.elem),
        Type::Path(p) => match p.path.segments.last() {
            Some(seg) if seg.ident == "Vec" => match &seg.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(t)) => float_token(t),
                    _ => None,
                },
                _ => None,
            },
            _ => Some(ty),
        },
        _ => None,
    }
}

/// Reads the signature, recording every mistake in `errors`.
pub fn read(sig: &syn::Signature, args: &Args, errors: &mut Errors) -> Option<Signature> {
    reject_qualifiers(sig, errors);
    let floats = FloatNames::of(&sig.generics);
    let mut params = Vec::new();
    for input in &sig.inputs {
        if let Some(param) = read_param(input, &floats, errors) {
            params.push(param);
        }
    }
    apply_wrt(&mut params, args, errors);
    let (output, output_ty) = read_output(sig, &floats, errors)?;
    let float = common_float(&params, &output_ty, errors)?;
    let stub_ok = check_names(&params, errors);
    let taken = |name: &str| params.iter().any(|p| p.ident == name);
    let seed_ident = if taken("seed") {
        format_ident!("output_seed")
    } else {
        format_ident!("seed")
    };
    let const_generics = sig
        .generics
        .const_params()
        .map(|c| c.ident.clone())
        .collect();
    Some(Signature {
        params,
        float,
        output,
        output_ty,
        seed_ident,
        const_generics,
        stub_ok,
    })
}

fn reject_qualifiers(sig: &syn::Signature, errors: &mut Errors) {
    if let Some(token) = &sig.asyncness {
        errors.at(
            token,
            "`async fn` cannot be differentiated; differentiate a synchronous function",
        );
    }
    if let Some(token) = &sig.constness {
        errors.at(token, "`const fn` cannot be differentiated; remove `const`");
    }
    if let Some(token) = &sig.unsafety {
        errors.at(
            token,
            "`unsafe fn` cannot be differentiated; generated code contains no `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.at(
            abi,
            "`extern` functions cannot be differentiated; remove the ABI",
        );
    }
}

fn read_param(input: &FnArg, floats: &FloatNames, errors: &mut Errors) -> Option<Param> {
    let typed = match input {
        FnArg::Receiver(receiver) => {
            errors.at(
                receiver,
                "methods with `self` cannot be differentiated; write a free function that takes the fields it needs",
            );
            return None;
        }
        FnArg::Typed(typed) => typed,
    };
    let mut param = Param {
        ident: format_ident!("__pattern", span = typed.pat.span()),
        pattern: typed.pat.to_token_stream(),
        mutable: false,
        ty: (*typed.ty).clone(),
        active: false,
        class: Ty::OPAQUE,
        adj_ident: format_ident!("__pattern_adj"),
    };
    // A rejected parameter stays in the stub's signature as written, so callers still match.
    match &*typed.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
            param.ident = pat.ident.clone();
            param.mutable = pat.mutability.is_some();
            param.adj_ident = format_ident!("{}_adj", pat.ident, span = pat.ident.span());
        }
        _ => {
            errors.at(
                &typed.pat,
                "patterns in parameters are not supported; bind the parameter to a name",
            );
            return Some(param);
        }
    }
    match classify(&typed.ty, floats) {
        Ok(class) => {
            param.active = class.holds_floats();
            param.class = class;
        }
        Err(error) => errors.push(error),
    }
    Some(param)
}

fn apply_wrt(params: &mut [Param], args: &Args, errors: &mut Errors) {
    let Some(wrt) = &args.wrt else {
        return;
    };
    for name in wrt {
        match params.iter().find(|p| p.ident == *name) {
            None => errors.at(
                name,
                format!("`{name}` is not a parameter of this function"),
            ),
            Some(p) if !p.class.holds_floats() => errors.at(
                name,
                format!("`{name}` is not a float or an array of floats, so it has no derivative"),
            ),
            Some(_) => {}
        }
    }
    for param in params.iter_mut() {
        param.active = param.class.holds_floats() && wrt.contains(&param.ident);
    }
}

fn read_output(
    sig: &syn::Signature,
    floats: &FloatNames,
    errors: &mut Errors,
) -> Option<(Ty, Type)> {
    const MESSAGE: &str =
        "a differentiated function must return a float (`f64`, `f32`, `F: Float`), `Vec<F>` or `[F; N]`";
    let ReturnType::Type(_, ty) = &sig.output else {
        errors.at(&sig.ident, MESSAGE);
        return None;
    };
    match classify(ty, floats) {
        Ok(Ty::Scalar(Scalar::Float)) => Some((Ty::FLOAT, (**ty).clone())),
        Ok(Ty::Array(a)) if a.elem == Scalar::Float && a.storage == Storage::Owned => {
            Some((Ty::Array(a), (**ty).clone()))
        }
        Ok(_) => {
            errors.at(ty, MESSAGE);
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

/// Finds the one float type of the function; mixing `f32` and `f64` is rejected.
fn common_float(params: &[Param], output_ty: &Type, errors: &mut Errors) -> Option<TokenStream> {
    let output_float = float_token(output_ty)?.to_token_stream();
    for param in params.iter().filter(|p| p.class.holds_floats()) {
        let Some(found) = float_token(&param.ty) else {
            continue;
        };
        if found.to_token_stream().to_string() != output_float.to_string() {
            errors.at(
                found,
                format!(
                    "this function returns `{output_float}` but this parameter holds `{}`; use one float type throughout",
                    found.to_token_stream()
                ),
            );
            return None;
        }
    }
    Some(output_float)
}

/// Reports parameters named like another parameter's adjoint; returns whether there were none.
fn check_names(params: &[Param], errors: &mut Errors) -> bool {
    let mut ok = true;
    for param in params.iter().filter(|p| p.active) {
        if let Some(clash) = params.iter().find(|q| q.ident == param.adj_ident) {
            ok = false;
            errors.at(
                &clash.ident,
                format!(
                    "`{}` is the name of the adjoint of `{}` in the generated function; rename this parameter",
                    clash.ident, param.ident
                ),
            );
        }
    }
    ok
}

impl Param {
    /// The type of this parameter's adjoint: `&mut F`, `&mut [F]` or `&mut [F; N]`.
    pub fn adjoint_type(&self) -> TokenStream {
        let owned = strip_reference(&self.ty);
        match self.class {
            Ty::Scalar(_) => quote!(&mut #owned),
            Ty::Array(_) => {
                let inner = vec_as_slice(owned);
                quote!(&mut #inner)
            }
        }
    }
}

impl Signature {
    /// The type of the seed: `F` for a scalar output, `&[F]` for `Vec<F>`, `&[F; N]` for arrays.
    pub fn seed_type(&self) -> TokenStream {
        match self.output {
            Ty::Scalar(_) => self.output_ty.to_token_stream(),
            Ty::Array(_) => {
                let inner = vec_as_slice(&self.output_ty);
                quote!(&#inner)
            }
        }
    }
}

fn strip_reference(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_reference(&r.elem),
        Type::Paren(p) => strip_reference(&p.elem),
        Type::Group(g) => strip_reference(&g.elem),
        _ => ty,
    }
}

/// `Vec<T>` becomes `[T]`; arrays and slices stay as they are.
fn vec_as_slice(ty: &Type) -> TokenStream {
    if let Type::Path(p) = ty {
        if let Some(seg) = p.path.segments.last() {
            if seg.ident == "Vec" {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(elem)) = args.args.first() {
                        return quote!([#elem]);
                    }
                }
            }
        }
    }
    ty.to_token_stream()
}

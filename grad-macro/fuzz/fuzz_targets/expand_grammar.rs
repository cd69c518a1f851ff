//! Functions assembled from a grammar of the supported subset of Rust mixed with constructs
//! the macro must reject (closures, `match`, tuples, labels, early `return`, `&mut`, fields,
//! nested items, macros, odd types and generics, malformed `wrt` lists). Each one must expand
//! without a panic into either the function and its adjoint or a compile error.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::quote;

fuzz_target!(|data: &[u8]| {
    let mut grammar = Grammar {
        u: Unstructured::new(data),
        depth: 0,
    };
    let Ok((attr, item)) = grammar.function() else {
        return;
    };
    if let Err(broken) = grad_expand::check_unguarded(attr, item) {
        panic!("{broken}");
    }
});

/// Names drawn for parameters and locals. Several collide on purpose: with each other, with
/// the suffixes the adjoint uses (`_bar`, `_tape`, `_adjoint`) and with keywords of the
/// runtime (`F`, `seed`).
const NAMES: &[&str] = &[
    "x",
    "y",
    "z",
    "a",
    "b",
    "n",
    "i",
    "j",
    "k",
    "s",
    "acc",
    "xs",
    "ys",
    "w",
    "v",
    "seed",
    "x_bar",
    "acc_tape",
    "f_adjoint",
    "F",
    "_",
    "r#loop",
    "self_",
    "t",
];

const TYPES: &[&str] = &[
    "f64",
    "f32",
    "F",
    "T",
    "usize",
    "i32",
    "u8",
    "i128",
    "bool",
    "&[f64]",
    "&[F]",
    "&[f32]",
    "Vec<f64>",
    "&Vec<f64>",
    "[f64; 3]",
    "[[f64; 2]; 3]",
    "&[[f64; 2]]",
    "&[[F; N]]",
    "[F; N]",
    "&[usize]",
    "Vec<usize>",
    "&mut [f64]",
    "&mut f64",
    "&f64",
    "(f64, f64)",
    "()",
    "!",
    "_",
    "Option<f64>",
    "Vec<Vec<f64>>",
    "&'a [f64]",
    "Box<f64>",
    "String",
    "&str",
    "impl Fn(f64) -> f64",
    "fn(f64) -> f64",
    "&dyn Fn(f64) -> f64",
    "<f64 as Add>::Output",
    "std::primitive::f64",
    "(f64)",
    "[f64]",
    "*const f64",
    "Self",
];

const GENERICS: &[&str] = &[
    "",
    "",
    "<F: Float>",
    "<F: num_traits::Float>",
    "<F: Float + Copy>",
    "<F>",
    "<T: Float, const N: usize>",
    "<F: Float, const N: usize>",
    "<'a, F: Float>",
    "<F: Float, T>",
    "<F: ?Sized>",
    "<F = f64>",
    "<const N: usize>",
];

const QUALIFIERS: &[&str] = &[
    "",
    "",
    "",
    "pub",
    "pub(crate)",
    "const",
    "async",
    "unsafe",
    "extern \"C\"",
    "default",
];

const FLOAT_LITERALS: &[&str] = &[
    "0.0",
    "1.0",
    "2.5",
    "0.5f32",
    "1e308",
    "1e-320",
    "1e999",
    "-0.0",
    "1_000.0",
    "3",
    "0",
    "0x10",
    "0b1",
    "255u8",
    "340282366920938463463374607431768211455",
    "1f64",
    "2.0e-3_f64",
    "f64::NAN",
    "f64::INFINITY",
    "f64::EPSILON",
    "std::f64::consts::PI",
    "F::zero()",
    "F::one()",
    "F::from(2.0).unwrap()",
    "F::from(n).unwrap()",
    "f64::from(n)",
    "'c'",
    "\"s\"",
    "true",
    "false",
    "usize::MAX",
    "i32::MIN",
];

const METHODS: &[&str] = &[
    "sin",
    "cos",
    "tan",
    "exp",
    "ln",
    "sqrt",
    "powi",
    "powf",
    "abs",
    "max",
    "min",
    "atan2",
    "hypot",
    "mul_add",
    "clamp",
    "signum",
    "floor",
    "recip",
    "tanh",
    "log",
    "to_degrees",
    "len",
    "clone",
    "to_vec",
    "iter",
    "sum",
    "unwrap",
    "into",
    "frobnicate",
    "is_nan",
    "sin_cos",
    "exp_m1",
    "ln_1p",
    "cbrt",
];

const CALLS: &[&str] = &[
    "f64::sin",
    "F::exp",
    "f32::sqrt",
    "f64::max",
    "F::atan2",
    "grad_runtime::dot",
    "grad_runtime::relu_vec",
    "grad_runtime::affine",
    "helper",
    "f",
    "std::mem::swap",
    "Some",
    "Box::new",
    "f64::from",
    "usize::from",
    "F::from",
    "<f64 as Float>::sin",
    "::f",
    "g::<f64>",
    "self::f",
];

const BIN_OPS: &[&str] = &[
    "+", "-", "*", "/", "%", "+", "*", "<<", ">>", "&", "|", "^", "&&", "||", "==", "!=", "<",
    "<=", ">", ">=",
];

const ASSIGN_OPS: &[&str] = &["=", "+=", "-=", "*=", "/=", "%=", "<<=", "|=", "^="];

const WRT: &[&str] = &[
    "",
    "",
    "",
    "wrt(x)",
    "wrt(x, y)",
    "wrt(y)",
    "wrt(xs)",
    "wrt(n)",
    "wrt()",
    "wrt",
    "wrt(x), wrt(y)",
    "wrt(0)",
    "respect(x)",
    "wrt(x,)",
    "wrt(x, x)",
    "wrt[x]",
    "wrt = x",
    "wrt(self)",
    "wrt(x) extra",
    "wrt(F)",
];

const MAX_DEPTH: u32 = 6;

/// Assembles token trees from the fuzzer's choices. Every choice draws from `u`, so the same
/// bytes always give the same function.
struct Grammar<'a> {
    u: Unstructured<'a>,
    depth: u32,
}

impl Grammar<'_> {
    fn function(&mut self) -> Result<(TokenStream, TokenStream)> {
        let attr = self.text(WRT)?;
        let qualifier = self.text(QUALIFIERS)?;
        let name = self.ident()?;
        let generics = self.text(GENERICS)?;
        let params = self.params()?;
        let output = match self.u.int_in_range(0..=5)? {
            0 => TokenStream::new(),
            _ => {
                let ty = self.ty()?;
                quote!(-> #ty)
            }
        };
        let where_clause = match self.u.int_in_range(0..=9)? {
            0 => quote!(where F: Float),
            1 => quote!(where F: Copy, [(); N]:),
            _ => TokenStream::new(),
        };
        let body = self.block()?;
        let item = quote!(#qualifier fn #name #generics (#params) #output #where_clause #body);
        Ok((attr, item))
    }

    fn params(&mut self) -> Result<TokenStream> {
        let count = self.u.int_in_range(0..=4)?;
        let mut params = TokenStream::new();
        for k in 0..count {
            let param = match self.u.int_in_range(0..=11)? {
                0 => quote!(&self),
                1 => quote!(mut self),
                2 => quote!((a, b): (f64, f64)),
                3 => quote!(ref r: f64),
                4 => quote!(_: f64),
                5 => quote!(...),
                _ => {
                    let mutability = self.flag(4)?.then(|| quote!(mut));
                    let name = self.ident()?;
                    let ty = self.ty()?;
                    quote!(#mutability #name: #ty)
                }
            };
            params.extend(param);
            if k + 1 < count || self.flag(8)? {
                params.extend(quote!(,));
            }
        }
        Ok(params)
    }

    fn block(&mut self) -> Result<TokenStream> {
        self.depth += 1;
        let count = if self.depth > MAX_DEPTH {
            0
        } else {
            self.u.int_in_range(0..=5)?
        };
        let mut stmts = TokenStream::new();
        for _ in 0..count {
            stmts.extend(self.stmt()?);
        }
        let tail = match self.u.int_in_range(0..=4)? {
            0 => TokenStream::new(),
            _ => self.expr()?,
        };
        self.depth -= 1;
        Ok(quote!({ #stmts #tail }))
    }

    fn stmt(&mut self) -> Result<TokenStream> {
        Ok(match self.u.int_in_range(0..=24)? {
            0..=4 => {
                let mutability = self.flag(2)?.then(|| quote!(mut));
                let name = self.ident()?;
                let annotation = match self.flag(4)? {
                    true => {
                        let ty = self.ty()?;
                        quote!(: #ty)
                    }
                    false => TokenStream::new(),
                };
                let value = self.expr()?;
                quote!(let #mutability #name #annotation = #value;)
            }
            5..=7 => {
                let place = self.place()?;
                let op = self.text(ASSIGN_OPS)?;
                let value = self.expr()?;
                quote!(#place #op #value;)
            }
            8..=9 => {
                let cond = self.expr()?;
                let then = self.block()?;
                match self.u.int_in_range(0..=2)? {
                    0 => quote!(if #cond #then),
                    1 => {
                        let other = self.block()?;
                        quote!(if #cond #then else #other)
                    }
                    _ => {
                        let cond2 = self.expr()?;
                        let other = self.block()?;
                        quote!(if #cond #then else if #cond2 #other)
                    }
                }
            }
            10..=12 => {
                let label = self.label()?;
                let pat = self.for_pattern()?;
                let iter = self.iterable()?;
                let body = self.block()?;
                quote!(#label for #pat in #iter #body)
            }
            13 => {
                let label = self.label()?;
                let cond = self.expr()?;
                let body = self.block()?;
                quote!(#label while #cond #body)
            }
            14 => {
                let label = self.label()?;
                let body = self.block()?;
                quote!(#label loop #body)
            }
            15 => quote!(break;),
            16 => quote!(continue;),
            17 => quote!(break 'outer;),
            18 => {
                let value = self.expr()?;
                quote!(return #value;)
            }
            19 => {
                let value = self.expr()?;
                quote!(#value;)
            }
            20 => {
                let body = self.block()?;
                quote!(fn helper(x: f64) -> f64 #body)
            }
            21 => quote!(let (p, q) = (x, y);),
            22 => {
                let value = self.expr()?;
                quote!(println!("{}", #value);)
            }
            23 => quote!(
                const C: f64 = 2.0;
            ),
            _ => quote!(;),
        })
    }

    fn place(&mut self) -> Result<TokenStream> {
        let name = self.ident()?;
        Ok(match self.u.int_in_range(0..=5)? {
            0 => {
                let index = self.expr()?;
                quote!(#name[#index])
            }
            1 => {
                let (i, j) = (self.expr()?, self.expr()?);
                quote!(#name[#i][#j])
            }
            2 => quote!(#name.x),
            3 => quote!(*#name),
            4 => quote!(#name.0),
            _ => quote!(#name),
        })
    }

    fn label(&mut self) -> Result<TokenStream> {
        Ok(match self.flag(6)? {
            true => quote!('outer:),
            false => TokenStream::new(),
        })
    }

    fn for_pattern(&mut self) -> Result<TokenStream> {
        let name = self.ident()?;
        Ok(match self.u.int_in_range(0..=8)? {
            0 => quote!(&#name),
            1 => quote!((i, #name)),
            2 => quote!((i, &#name)),
            3 => quote!((a, b)),
            4 => quote!((&a, &b)),
            5 => quote!(_),
            6 => quote!([a, b]),
            7 => quote!(mut #name),
            _ => quote!(#name),
        })
    }

    fn iterable(&mut self) -> Result<TokenStream> {
        let a = self.expr()?;
        let b = self.expr()?;
        let xs = self.ident()?;
        Ok(match self.u.int_in_range(0..=14)? {
            0..=2 => quote!(#a..#b),
            3 => quote!(#a..=#b),
            4 => quote!((#a..#b).rev()),
            5 => quote!((#a..#b).step_by(#xs)),
            6 => quote!((#a..#b).rev().step_by(2)),
            7 => quote!(#xs.iter()),
            8 => quote!(#xs),
            9 => quote!(#xs.iter().enumerate()),
            10 => quote!(#xs.iter().zip(ys.iter())),
            11 => quote!(#a..),
            12 => quote!(#xs.iter().rev()),
            13 => quote!(#xs.iter().map(|v| v * 2.0)),
            _ => quote!(&#xs),
        })
    }

    fn expr(&mut self) -> Result<TokenStream> {
        if self.depth > MAX_DEPTH {
            return self.leaf();
        }
        self.depth += 1;
        let expr = self.compound();
        self.depth -= 1;
        expr
    }

    fn leaf(&mut self) -> Result<TokenStream> {
        match self.flag(2)? {
            true => self.ident().map(|name| quote!(#name)),
            false => self.text(FLOAT_LITERALS),
        }
    }

    fn compound(&mut self) -> Result<TokenStream> {
        Ok(match self.u.int_in_range(0..=40)? {
            0..=9 => self.leaf()?,
            10..=15 => {
                let (a, b) = (self.expr()?, self.expr()?);
                let op = self.text(BIN_OPS)?;
                quote!(#a #op #b)
            }
            16 => {
                let a = self.expr()?;
                quote!(-#a)
            }
            17 => {
                let a = self.expr()?;
                quote!(!#a)
            }
            18 => {
                let a = self.expr()?;
                quote!((#a))
            }
            19..=21 => {
                let receiver = self.expr()?;
                let method = self.text(METHODS)?;
                let args = self.args()?;
                quote!((#receiver).#method(#args))
            }
            22..=23 => {
                let function = self.text(CALLS)?;
                let args = self.args()?;
                quote!(#function(#args))
            }
            24..=25 => {
                let name = self.ident()?;
                let index = self.expr()?;
                quote!(#name[#index])
            }
            26 => {
                let a = self.expr()?;
                let ty = self.ty()?;
                quote!(#a as #ty)
            }
            27 => {
                let (cond, then, other) = (self.expr()?, self.block()?, self.block()?);
                quote!(if #cond #then else #other)
            }
            28 => self.block()?,
            29 => {
                let body = self.expr()?;
                quote!((|v: f64| #body)(x))
            }
            30 => {
                let (a, b) = (self.expr()?, self.expr()?);
                quote!(match #a { 0 => #b, _ => x })
            }
            31 => {
                let (a, b) = (self.expr()?, self.expr()?);
                quote!((#a, #b).0)
            }
            32 => {
                let name = self.ident()?;
                quote!(#name.x)
            }
            33 => {
                let (a, n) = (self.expr()?, self.expr()?);
                match self.flag(2)? {
                    true => quote!(vec![#a; #n]),
                    false => quote!([#a, #n]),
                }
            }
            34 => {
                let a = self.expr()?;
                quote!(&mut #a)
            }
            35 => {
                let name = self.ident()?;
                let (a, b) = (self.expr()?, self.expr()?);
                quote!(#name[#a..#b])
            }
            36 => {
                let a = self.expr()?;
                quote!(loop { break #a })
            }
            37 => {
                let a = self.expr()?;
                quote!('blk: { break 'blk #a })
            }
            38 => {
                let a = self.expr()?;
                quote!(return #a)
            }
            39 => {
                let name = self.ident()?;
                quote!(#name.iter().map(|v| v * v).sum::<f64>())
            }
            // What `$e:expr` becomes inside a `macro_rules!` expansion: an invisible group.
            _ => {
                let a = self.expr()?;
                TokenTree::Group(Group::new(Delimiter::None, a)).into()
            }
        })
    }

    fn args(&mut self) -> Result<TokenStream> {
        let count = self.u.int_in_range(0..=3)?;
        let mut args = TokenStream::new();
        for k in 0..count {
            if k > 0 {
                args.extend(quote!(,));
            }
            args.extend(self.expr()?);
        }
        Ok(args)
    }

    fn ty(&mut self) -> Result<TokenStream> {
        self.text(TYPES)
    }

    fn ident(&mut self) -> Result<Ident> {
        let name = *self.u.choose(NAMES)?;
        Ok(match name.strip_prefix("r#") {
            Some(raw) => Ident::new_raw(raw, Span::call_site()),
            None => Ident::new(name, Span::call_site()),
        })
    }

    /// One of `options`, lexed. Every option is valid token text, so lexing cannot fail.
    fn text(&mut self, options: &[&str]) -> Result<TokenStream> {
        let text = self.u.choose(options)?;
        Ok(text.parse().unwrap_or_default())
    }

    /// True once in `one_in` draws.
    fn flag(&mut self, one_in: u32) -> Result<bool> {
        Ok(self.u.int_in_range(1..=one_in)? == 1)
    }
}

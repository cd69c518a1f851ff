//! The table of differentiable `Float` methods and their adjoint rules.
//!
//! Each rule names the `grad_runtime::rules` function that computes its partial derivatives,
//! so the mathematics lives in real, unit-tested Rust and this table only says how to call it.

use proc_macro2::TokenStream;
use quote::quote;

/// A method of `Float` the macro can differentiate (plus integer `min`, `max`, `abs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Log,
    Log2,
    Log10,
    Ln1p,
    Sqrt,
    Cbrt,
    Powi,
    Powf,
    Abs,
    Signum,
    Floor,
    Ceil,
    Round,
    Trunc,
    Max,
    Min,
    Hypot,
    Recip,
    MulAdd,
    Clamp,
    ToDegrees,
    ToRadians,
}

/// Every method with its name as written in Rust and its number of arguments, receiver
/// included.
const TABLE: &[(MathFn, &str, usize)] = &[
    (MathFn::Sin, "sin", 1),
    (MathFn::Cos, "cos", 1),
    (MathFn::Tan, "tan", 1),
    (MathFn::Asin, "asin", 1),
    (MathFn::Acos, "acos", 1),
    (MathFn::Atan, "atan", 1),
    (MathFn::Atan2, "atan2", 2),
    (MathFn::Sinh, "sinh", 1),
    (MathFn::Cosh, "cosh", 1),
    (MathFn::Tanh, "tanh", 1),
    (MathFn::Asinh, "asinh", 1),
    (MathFn::Acosh, "acosh", 1),
    (MathFn::Atanh, "atanh", 1),
    (MathFn::Exp, "exp", 1),
    (MathFn::Exp2, "exp2", 1),
    (MathFn::ExpM1, "exp_m1", 1),
    (MathFn::Ln, "ln", 1),
    (MathFn::Log, "log", 2),
    (MathFn::Log2, "log2", 1),
    (MathFn::Log10, "log10", 1),
    (MathFn::Ln1p, "ln_1p", 1),
    (MathFn::Sqrt, "sqrt", 1),
    (MathFn::Cbrt, "cbrt", 1),
    (MathFn::Powi, "powi", 2),
    (MathFn::Powf, "powf", 2),
    (MathFn::Abs, "abs", 1),
    (MathFn::Signum, "signum", 1),
    (MathFn::Floor, "floor", 1),
    (MathFn::Ceil, "ceil", 1),
    (MathFn::Round, "round", 1),
    (MathFn::Trunc, "trunc", 1),
    (MathFn::Max, "max", 2),
    (MathFn::Min, "min", 2),
    (MathFn::Hypot, "hypot", 2),
    (MathFn::Recip, "recip", 1),
    (MathFn::MulAdd, "mul_add", 3),
    (MathFn::Clamp, "clamp", 3),
    (MathFn::ToDegrees, "to_degrees", 1),
    (MathFn::ToRadians, "to_radians", 1),
];

/// How the backward sweep obtains the partial derivatives of one call.
pub enum Partials {
    /// One expression per argument (`None` for an argument with no derivative).
    Each(Vec<Option<TokenStream>>),
    /// One call returning a tuple with one partial per float argument, in order.
    Tuple(TokenStream),
}

impl MathFn {
    pub fn lookup(name: &str) -> Option<(MathFn, usize)> {
        TABLE
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(f, _, arity)| (*f, *arity))
    }

    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or("?", |(_, n, _)| n)
    }

    /// Whether the partials are computed from the method's result.
    pub fn reads_result(self) -> bool {
        matches!(
            self,
            MathFn::Tan
                | MathFn::Tanh
                | MathFn::Exp
                | MathFn::Exp2
                | MathFn::ExpM1
                | MathFn::Log
                | MathFn::Sqrt
                | MathFn::Cbrt
                | MathFn::Powf
                | MathFn::Hypot
                | MathFn::Recip
        )
    }

    /// Whether the partials read the arguments (as opposed to constants or the result).
    pub fn reads_args(self) -> bool {
        !matches!(
            self,
            MathFn::Tan
                | MathFn::Tanh
                | MathFn::Exp
                | MathFn::Exp2
                | MathFn::ExpM1
                | MathFn::Sqrt
                | MathFn::Cbrt
                | MathFn::Recip
                | MathFn::Signum
                | MathFn::Floor
                | MathFn::Ceil
                | MathFn::Round
                | MathFn::Trunc
                | MathFn::ToDegrees
                | MathFn::ToRadians
        )
    }

    /// The forward expression `receiver.method(args...)`.
    pub fn forward(self, args: &[TokenStream]) -> TokenStream {
        let method = syn::Ident::new(self.name(), proc_macro2::Span::call_site());
        let receiver = &args[0];
        let rest = &args[1..];
        quote!(#receiver.#method(#(#rest),*))
    }

    /// The partials at `args` with result `r`, as calls into `grad_runtime::rules`.
    pub fn partials(self, args: &[TokenStream], r: &TokenStream) -> Partials {
        let x = &args[0];
        let y = args.get(1);
        let z = args.get(2);
        let rules = quote!(::grad_runtime::rules);
        let one = |e: TokenStream| Partials::Each(vec![Some(e)]);
        match self {
            MathFn::Sin => one(quote!(#rules::d_sin(#x))),
            MathFn::Cos => one(quote!(#rules::d_cos(#x))),
            MathFn::Tan => one(quote!(#rules::d_tan_at_result(#r))),
            MathFn::Asin => one(quote!(#rules::d_asin(#x))),
            MathFn::Acos => one(quote!(#rules::d_acos(#x))),
            MathFn::Atan => one(quote!(#rules::d_atan(#x))),
            MathFn::Sinh => one(quote!(#rules::d_sinh(#x))),
            MathFn::Cosh => one(quote!(#rules::d_cosh(#x))),
            MathFn::Tanh => one(quote!(#rules::d_tanh_at_result(#r))),
            MathFn::Asinh => one(quote!(#rules::d_asinh(#x))),
            MathFn::Acosh => one(quote!(#rules::d_acosh(#x))),
            MathFn::Atanh => one(quote!(#rules::d_atanh(#x))),
            MathFn::Exp => one(quote!(#rules::d_exp_at_result(#r))),
            MathFn::Exp2 => one(quote!(#rules::d_exp2_at_result(#r))),
            MathFn::ExpM1 => one(quote!(#rules::d_exp_m1_at_result(#r))),
            MathFn::Ln => one(quote!(#rules::d_ln(#x))),
            MathFn::Log2 => one(quote!(#rules::d_log2(#x))),
            MathFn::Log10 => one(quote!(#rules::d_log10(#x))),
            MathFn::Ln1p => one(quote!(#rules::d_ln_1p(#x))),
            MathFn::Sqrt => one(quote!(#rules::d_sqrt_at_result(#r))),
            MathFn::Cbrt => one(quote!(#rules::d_cbrt_at_result(#r))),
            MathFn::Abs => one(quote!(#rules::d_abs(#x))),
            MathFn::Recip => one(quote!(#rules::d_recip_at_result(#r))),
            MathFn::ToDegrees => one(quote!(#rules::d_to_degrees(#x))),
            MathFn::ToRadians => one(quote!(#rules::d_to_radians(#x))),
            MathFn::Signum | MathFn::Floor | MathFn::Ceil | MathFn::Round | MathFn::Trunc => {
                one(quote!(#rules::d_step(#x)))
            }
            MathFn::Powi => {
                let n = &args[1];
                Partials::Each(vec![Some(quote!(#rules::d_powi(#x, #n))), None])
            }
            MathFn::MulAdd => Partials::Tuple(quote!(#rules::d_mul_add(#x, #y, #z))),
            MathFn::Atan2 => Partials::Tuple(quote!(#rules::d_atan2(#x, #y))),
            MathFn::Log => Partials::Tuple(quote!(#rules::d_log(#x, #y, #r))),
            MathFn::Powf => Partials::Tuple(quote!(#rules::d_powf(#x, #y, #r))),
            MathFn::Max => Partials::Tuple(quote!(#rules::d_max(#x, #y))),
            MathFn::Min => Partials::Tuple(quote!(#rules::d_min(#x, #y))),
            MathFn::Hypot => Partials::Tuple(quote!(#rules::d_hypot(#x, #y, #r))),
            MathFn::Clamp => Partials::Tuple(quote!(#rules::d_clamp(#x, #y, #z))),
        }
    }
}

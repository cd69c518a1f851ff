//! Lowering of expressions into three-address IR, one operation per temporary.
//!
//! Before and after:
//!
//! ```text
//! let y = (a * x[i]).sin() + 1.0;      t1 = x[i]
//!                                      t2 = mul a, t1
//!                                      t3 = sin t2
//!                                      y = add t3, 1.0
//! ```

use crate::ir::{
    ArrayTy, BinOp, Call, CallArg, Constant, Dim, Len, Op, Operand, Scalar, StmtKind, Storage, Ty,
    UnOp, VarId,
};
use crate::lower::{strip, tokens_of, Lowerer};
use crate::rules::MathFn;
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

/// Runtime primitives that return `Vec<F>`; any other call with float arguments returns `F`
/// unless a `let` annotation says otherwise.
const VEC_PRIMITIVES: &[&str] = &[
    "softmax",
    "log_softmax",
    "max_pool1d",
    "avg_pool1d",
    "max_pool2d",
    "avg_pool2d",
    "correlate1d",
    "correlate1d_strided",
    "correlate2d",
    "correlate2d_multi",
    "matvec",
    "affine",
    "relu_vec",
];

/// Float constants that may follow `f64::` or `f64::consts::`.
const FLOAT_CONSTS: &[&str] = &[
    "PI",
    "E",
    "TAU",
    "SQRT_2",
    "LN_2",
    "LN_10",
    "LOG2_E",
    "LOG10_E",
    "LOG2_10",
    "LOG10_2",
    "FRAC_1_PI",
    "FRAC_2_PI",
    "FRAC_PI_2",
    "FRAC_PI_3",
    "FRAC_PI_4",
    "FRAC_PI_6",
    "FRAC_PI_8",
    "FRAC_1_SQRT_2",
    "FRAC_2_SQRT_PI",
    "EPSILON",
    "MAX",
    "MIN",
    "MIN_POSITIVE",
    "INFINITY",
    "NEG_INFINITY",
    "NAN",
];

/// `Float` constructors without arguments (`F::zero()`, `F::epsilon()`, `F::PI()`).
const FLOAT_CTORS: &[&str] = &[
    "zero",
    "one",
    "epsilon",
    "infinity",
    "neg_infinity",
    "nan",
    "max_value",
    "min_value",
    "min_positive_value",
    "PI",
    "E",
    "TAU",
    "SQRT_2",
    "LN_2",
    "LN_10",
    "FRAC_PI_2",
    "FRAC_1_PI",
    "FRAC_2_PI",
    "FRAC_PI_4",
];

impl Lowerer<'_> {
    pub(crate) fn lower_expr(&mut self, expr: &Expr) -> Operand {
        self.lower_expr_hinted(expr, None)
    }

    /// Lowers `expr`; `hint` is the type a `let` annotation gives it, used for calls.
    pub(crate) fn lower_expr_hinted(&mut self, expr: &Expr, hint: Option<&Ty>) -> Operand {
        match expr {
            Expr::Paren(p) => self.lower_expr_hinted(&p.expr, hint),
            Expr::Group(g) => self.lower_expr_hinted(&g.expr, hint),
            Expr::Lit(lit) => self.lower_lit(lit),
            Expr::Path(path) => self.lower_path(path),
            Expr::Unary(unary) => self.lower_unary(unary),
            Expr::Binary(binary) => self.lower_binary(binary),
            Expr::Cast(cast) => self.lower_cast(cast),
            Expr::MethodCall(call) => self.lower_method(call),
            Expr::Call(call) => self.lower_call(call, hint),
            Expr::Index(index) => self.lower_index(index),
            Expr::Macro(mac) => self.lower_macro(&mac.mac),
            Expr::Repeat(repeat) => self.lower_repeat(repeat),
            Expr::Array(array) => self.lower_list(array.elems.iter(), false, expr.span()),
            Expr::If(expr_if) => self.lower_if_value(expr_if, hint),
            Expr::Block(block) if block.label.is_none() => {
                self.lower_block_value(&block.block, hint)
            }
            Expr::ForLoop(for_loop) => {
                self.lower_for(for_loop);
                self.unit()
            }
            Expr::While(w) => {
                self.lower_while(w);
                self.unit()
            }
            Expr::Loop(l) => {
                self.lower_loop(l);
                self.unit()
            }
            Expr::Reference(r) => {
                if r.mutability.is_some() {
                    self.errors.at(
                        r,
                        "`&mut` borrows are not supported in a differentiated function",
                    );
                }
                self.lower_expr_hinted(&r.expr, hint)
            }
            other => self.reject(other),
        }
    }

    fn unit(&self) -> Operand {
        Operand::Const(Constant {
            tokens: quote!(()),
            ty: Scalar::Opaque,
        })
    }

    fn reject(&mut self, expr: &Expr) -> Operand {
        if let Expr::Try(_) | Expr::Await(_) = expr {
            // Neither can type-check in a function that returns a float: rustc reports them
            // on the unchanged function, and a second message here would only repeat it.
            return self.unit();
        }
        let (tokens, message): (TokenStream, String) = match expr {
            Expr::Closure(c) => (
                c.or1_token.to_token_stream(),
                "closures are not supported; write a `for` loop, or a separate `#[differentiate]` function".into(),
            ),
            Expr::Unsafe(u) => (u.unsafe_token.to_token_stream(), "`unsafe` blocks are not supported".into()),
            Expr::Match(m) => (
                m.match_token.to_token_stream(),
                "`match` is not supported; use `if` / `else if` / `else`".into(),
            ),
            Expr::Field(f) => (
                f.to_token_stream(),
                "field access is not supported; pass the field as a parameter of its own".into(),
            ),
            Expr::Tuple(t) => (t.to_token_stream(), "tuples are not supported; use separate variables".into()),
            Expr::Range(r) => (
                r.to_token_stream(),
                "ranges are only supported as the iterator of a `for` loop; sub-slicing (`x[a..b]`) is not supported, pass the whole slice and an offset".into(),
            ),
            Expr::Return(r) => (
                r.return_token.to_token_stream(),
                "an early `return` is not supported; assign the value and return it at the end".into(),
            ),
            Expr::Async(a) => (a.async_token.to_token_stream(), "`async` blocks are not supported".into()),
            Expr::Let(l) => (l.let_token.to_token_stream(), "`if let` is not supported; use a condition".into()),
            Expr::Struct(s) => (s.to_token_stream(), "struct literals are not supported".into()),
            other => (
                other.to_token_stream(),
                "this expression is not supported in a differentiated function".into(),
            ),
        };
        self.errors.at(tokens, message);
        self.unit()
    }

    fn lower_lit(&mut self, lit: &syn::ExprLit) -> Operand {
        let ty = match &lit.lit {
            syn::Lit::Float(_) => Scalar::Float,
            syn::Lit::Int(int) => match int.suffix() {
                "f32" | "f64" => Scalar::Float,
                _ => Scalar::Int,
            },
            syn::Lit::Bool(_) => Scalar::Bool,
            _ => {
                self.errors
                    .at(lit, "only number and `bool` literals are supported");
                Scalar::Opaque
            }
        };
        Operand::Const(Constant {
            tokens: lit.to_token_stream(),
            ty,
        })
    }

    fn lower_path(&mut self, path: &syn::ExprPath) -> Operand {
        if let Some(ident) = path.path.get_ident() {
            if let Some(id) = self.lookup(ident) {
                return Operand::Var(id);
            }
            let ty = if self.is_const_generic(ident) {
                Scalar::Int
            } else {
                Scalar::Opaque
            };
            return Operand::Const(Constant {
                tokens: path.to_token_stream(),
                ty,
            });
        }
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let last = segments.last().map_or("", String::as_str);
        let first = &path.path.segments[0].ident;
        let ty = if FLOAT_CONSTS.contains(&last)
            && (self.floats.is_float_name(first)
                || segments.iter().any(|s| s == "f64" || s == "f32"))
        {
            Scalar::Float
        } else if ["MAX", "MIN", "BITS"].contains(&last) && segments.len() == 2 {
            Scalar::Int
        } else {
            Scalar::Opaque
        };
        Operand::Const(Constant {
            tokens: path.to_token_stream(),
            ty,
        })
    }

    fn lower_unary(&mut self, unary: &syn::ExprUnary) -> Operand {
        let span = unary.span();
        match unary.op {
            syn::UnOp::Deref(_) => self.lower_expr(&unary.expr),
            syn::UnOp::Neg(_) => {
                let value = self.lower_expr(&unary.expr);
                if let Operand::Const(c) = &value {
                    let tokens = &c.tokens;
                    return Operand::Const(Constant {
                        tokens: quote!(-#tokens),
                        ty: c.ty,
                    });
                }
                let ty = self.ty_of(&value);
                self.emit(Op::Unary(UnOp::Neg, value), ty, span)
            }
            syn::UnOp::Not(_) => {
                let value = self.lower_expr(&unary.expr);
                let ty = self.ty_of(&value);
                self.emit(Op::Unary(UnOp::Not, value), ty, span)
            }
            _ => self.reject(&Expr::Unary(unary.clone())),
        }
    }

    fn lower_binary(&mut self, binary: &syn::ExprBinary) -> Operand {
        let span = binary.span();
        let op = match binary.op {
            syn::BinOp::And(_) | syn::BinOp::Or(_) => return self.lower_short_circuit(binary),
            syn::BinOp::Add(_) => BinOp::Add,
            syn::BinOp::Sub(_) => BinOp::Sub,
            syn::BinOp::Mul(_) => BinOp::Mul,
            syn::BinOp::Div(_) => BinOp::Div,
            syn::BinOp::Rem(_) => BinOp::Rem,
            syn::BinOp::Lt(_) => BinOp::Lt,
            syn::BinOp::Le(_) => BinOp::Le,
            syn::BinOp::Gt(_) => BinOp::Gt,
            syn::BinOp::Ge(_) => BinOp::Ge,
            syn::BinOp::Eq(_) => BinOp::Eq,
            syn::BinOp::Ne(_) => BinOp::Ne,
            syn::BinOp::BitAnd(_) => BinOp::BitAnd,
            syn::BinOp::BitOr(_) => BinOp::BitOr,
            syn::BinOp::BitXor(_) => BinOp::BitXor,
            syn::BinOp::Shl(_) => BinOp::Shl,
            syn::BinOp::Shr(_) => BinOp::Shr,
            _ => {
                self.errors.at(
                    binary.op,
                    "compound assignment is only supported as a statement",
                );
                return self.unit();
            }
        };
        let left = self.lower_expr(&binary.left);
        let right = self.lower_expr(&binary.right);
        let ty = if op.is_comparison() {
            Ty::BOOL
        } else {
            join(self.ty_of(&left), self.ty_of(&right))
        };
        if op == BinOp::Rem && ty.is_float() {
            self.errors.at(
                binary.op,
                "`%` on floats has no derivative rule; use `x - (x / m).floor() * m`",
            );
        }
        self.emit(Op::Binary(op, left, right), ty, span)
    }

    /// `a && b` evaluates `b` only when `a` holds, so it becomes `t = a; if t { t = b }`.
    fn lower_short_circuit(&mut self, binary: &syn::ExprBinary) -> Operand {
        let span = binary.span();
        let is_and = matches!(binary.op, syn::BinOp::And(_));
        let left = self.lower_expr(&binary.left);
        let result = self.temp(Ty::BOOL, span);
        self.assign(result, Op::Copy(left), span);
        let test = if is_and {
            result
        } else {
            let negated = self.emit(Op::Unary(UnOp::Not, Operand::Var(result)), Ty::BOOL, span);
            self.as_bool_var(negated, &binary.left)
        };
        let then_block = self.sub_block(|this| {
            let right = this.lower_expr(&binary.right);
            this.assign(result, Op::Copy(right), span);
        });
        self.push(
            span,
            StmtKind::If {
                cond: test,
                then_block,
                else_block: Default::default(),
            },
        );
        Operand::Var(result)
    }

    fn lower_cast(&mut self, cast: &syn::ExprCast) -> Operand {
        let value = self.lower_expr(&cast.expr);
        let ty = crate::signature::classify(&cast.ty, &self.floats).unwrap_or(Ty::OPAQUE);
        let target = cast.ty.to_token_stream().to_string();
        if ty.is_float() && target != self.float.to_string() {
            self.errors.at(
                &cast.ty,
                format!(
                    "casting to `{target}` in a function that computes in `{}` is not supported; use one float type throughout",
                    self.float
                ),
            );
            return self.unit();
        }
        self.emit(Op::Cast(value, (*cast.ty).clone()), ty, cast.span())
    }

    fn lower_index(&mut self, index: &syn::ExprIndex) -> Operand {
        let Some((array, indices)) = self.lower_place(index) else {
            return self.unit();
        };
        let elem = self.element_ty(array);
        self.emit(Op::Index(array, indices), elem, index.span())
    }

    /// Lowers `a[i][j]` to the array variable and its index operands.
    pub(crate) fn lower_place(&mut self, index: &syn::ExprIndex) -> Option<(VarId, Vec<Operand>)> {
        let mut indices = vec![&*index.index];
        let mut base = strip(&index.expr);
        while let Expr::Index(inner) = base {
            indices.push(&*inner.index);
            base = strip(&inner.expr);
        }
        indices.reverse();
        let array = match base {
            Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(i)),
            _ => None,
        };
        let Some(array) = array else {
            self.errors.at(
                base,
                "only arrays held in local variables or parameters can be indexed",
            );
            return None;
        };
        if self.is_poisoned(array) {
            return None;
        }
        let Some(dims) = self.vars[array.0 as usize].ty.array().map(|a| a.dims.len()) else {
            self.errors.at(
                base,
                format!(
                    "`{}` is not an array, slice or `Vec`",
                    base.to_token_stream()
                ),
            );
            return None;
        };
        if indices.len() != dims {
            self.errors.at(
                index,
                format!("index all {dims} dimensions of this array to reach one element"),
            );
            return None;
        }
        let mut operands = Vec::new();
        for expr in indices {
            if let Expr::Range(range) = strip(expr) {
                self.errors.at(
                    range,
                    "sub-slicing (`x[a..b]`) is not supported; pass the whole slice and an offset",
                );
                return None;
            }
            operands.push(self.lower_expr(expr));
        }
        Some((array, operands))
    }

    fn lower_repeat(&mut self, repeat: &syn::ExprRepeat) -> Operand {
        let value = self.lower_expr(&repeat.expr);
        let len = Len::Const(tokens_of(&repeat.len));
        self.repeat(
            value,
            len,
            false,
            Dim::Fixed(tokens_of(&repeat.len)),
            repeat.span(),
        )
    }

    fn repeat(&mut self, value: Operand, len: Len, vec: bool, dim: Dim, span: Span) -> Operand {
        let ty = array_around(self.ty_of(&value), dim);
        self.emit(Op::Repeat { value, len, vec }, ty, span)
    }

    fn lower_list<'e>(
        &mut self,
        elems: impl Iterator<Item = &'e Expr>,
        vec: bool,
        span: Span,
    ) -> Operand {
        let items: Vec<Operand> = elems.map(|e| self.lower_expr(e)).collect();
        let elem = items.first().map_or(Ty::FLOAT, |i| self.ty_of(i));
        let n = items.len();
        let dim = if vec {
            Dim::Dynamic
        } else {
            Dim::Fixed(quote!(#n))
        };
        let ty = array_around(elem, dim);
        self.emit(Op::List { items, vec }, ty, span)
    }

    fn lower_macro(&mut self, mac: &syn::Macro) -> Operand {
        if !mac.path.is_ident("vec") {
            self.errors.at(
                &mac.path,
                format!(
                    "the macro `{}!` is not supported here; only `vec![...]` is",
                    mac.path.to_token_stream()
                ),
            );
            return self.unit();
        }
        let span = mac.span();
        if let Ok(repeat) = mac.parse_body_with(parse_repeat) {
            let value = self.lower_expr(&repeat.0);
            let n = self.lower_expr(&repeat.1);
            return self.repeat(value, Len::Dynamic(n), true, Dim::Dynamic, span);
        }
        match mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            Ok(elems) => self.lower_list(elems.iter(), true, span),
            Err(error) => {
                self.errors.push(error);
                self.unit()
            }
        }
    }

    fn lower_if_value(&mut self, expr: &syn::ExprIf, hint: Option<&Ty>) -> Operand {
        let ty = hint.cloned().unwrap_or_else(|| self.guess_branch_ty(expr));
        let result = self.temp(ty.clone(), expr.span());
        // Each arm writes the result, but neither runs every time: an explicit first write
        // that does marks where a new value begins, which the save analysis relies on (inside
        // a loop it is where the previous trip's value is saved).
        if let Some(initial) = self.initial_value(&ty) {
            self.assign(result, Op::Copy(initial), expr.span());
        }
        self.lower_if(expr, Some(result));
        Operand::Var(result)
    }

    /// A placeholder value of type `ty`, overwritten before it is read.
    fn initial_value(&self, ty: &Ty) -> Option<Operand> {
        let float = &self.float;
        let (tokens, scalar) = match ty {
            Ty::Scalar(Scalar::Float) => (
                quote!(<#float as ::grad_runtime::num_traits::Zero>::zero()),
                Scalar::Float,
            ),
            Ty::Scalar(Scalar::Int) => (quote!(0), Scalar::Int),
            Ty::Scalar(Scalar::Bool) => (quote!(false), Scalar::Bool),
            Ty::Scalar(Scalar::Opaque) => {
                (quote!(::core::default::Default::default()), Scalar::Opaque)
            }
            Ty::Array(a) if matches!(a.dims[0], Dim::Dynamic) => {
                (quote!(::std::vec::Vec::new()), Scalar::Opaque)
            }
            Ty::Array(_) => return None,
        };
        Some(Operand::Const(Constant { tokens, ty: scalar }))
    }

    /// The type of an `if` used as a value: lowered once to learn it, then thrown away.
    fn guess_branch_ty(&mut self, expr: &syn::ExprIf) -> Ty {
        if let Some(syn::Stmt::Expr(tail, None)) = expr.then_branch.stmts.last() {
            if let Some(ty) = self.quick_ty(tail) {
                return ty;
            }
        }
        match &expr.else_branch {
            Some((_, other)) => match &**other {
                Expr::If(nested) => self.guess_branch_ty(nested),
                Expr::Block(b) => match b.block.stmts.last() {
                    Some(syn::Stmt::Expr(tail, None)) => self.quick_ty(tail).unwrap_or(Ty::FLOAT),
                    _ => Ty::FLOAT,
                },
                other => self.quick_ty(other).unwrap_or(Ty::FLOAT),
            },
            None => Ty::OPAQUE,
        }
    }

    /// A type for simple expressions, without lowering them.
    fn quick_ty(&self, expr: &Expr) -> Option<Ty> {
        match strip(expr) {
            Expr::Lit(lit) => Some(match &lit.lit {
                syn::Lit::Float(_) => Ty::FLOAT,
                syn::Lit::Bool(_) => Ty::BOOL,
                _ => Ty::INT,
            }),
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lookup(i))
                .map(|v| self.vars[v.0 as usize].ty.clone()),
            Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::Lt(_)
                        | syn::BinOp::Le(_)
                        | syn::BinOp::Gt(_)
                        | syn::BinOp::Ge(_)
                        | syn::BinOp::Eq(_)
                        | syn::BinOp::Ne(_)
                        | syn::BinOp::And(_)
                        | syn::BinOp::Or(_)
                ) =>
            {
                Some(Ty::BOOL)
            }
            Expr::Binary(b) => match (self.quick_ty(&b.left), self.quick_ty(&b.right)) {
                (Some(l), Some(r)) => Some(join(l, r)),
                (Some(t), None) | (None, Some(t)) if t.is_float() => Some(t),
                _ => None,
            },
            Expr::Unary(u) => self.quick_ty(&u.expr),
            Expr::Index(i) => {
                let mut base = strip(&i.expr);
                while let Expr::Index(inner) = base {
                    base = strip(&inner.expr);
                }
                match base {
                    Expr::Path(p) => p
                        .path
                        .get_ident()
                        .and_then(|i| self.lookup(i))
                        .map(|v| self.element_ty(v)),
                    _ => None,
                }
            }
            Expr::MethodCall(m) if m.method == "len" => Some(Ty::INT),
            Expr::MethodCall(m) if MathFn::lookup(&m.method.to_string()).is_some() => {
                self.quick_ty(&m.receiver)
            }
            Expr::Cast(c) => crate::signature::classify(&c.ty, &self.floats).ok(),
            Expr::Call(_) => Some(Ty::FLOAT),
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.quick_ty(tail),
                _ => None,
            },
            Expr::If(_) => None,
            _ => None,
        }
    }

    fn lower_block_value(&mut self, block: &syn::Block, hint: Option<&Ty>) -> Operand {
        let tail_ty = match block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => hint.cloned().or_else(|| self.quick_ty(tail)),
            _ => None,
        };
        match tail_ty {
            Some(ty) => {
                let result = self.temp(ty, block.span());
                let inner = self.sub_block(|this| this.lower_branch(&block.stmts, Some(result)));
                self.stmts.extend(inner.stmts);
                Operand::Var(result)
            }
            None => {
                let inner = self.sub_block(|this| this.lower_stmts(&block.stmts));
                self.stmts.extend(inner.stmts);
                self.unit()
            }
        }
    }

    fn lower_method(&mut self, call: &syn::ExprMethodCall) -> Operand {
        let span = call.span();
        let name = call.method.to_string();
        if let Some(turbofish) = &call.turbofish {
            self.errors
                .at(turbofish, "turbofish on a method is not supported");
            return self.unit();
        }
        if name == "unwrap" && call.args.is_empty() {
            if let Some(op) = self.float_from(&call.receiver) {
                return op;
            }
        }
        if let Expr::MethodCall(inner) = strip(&call.receiver) {
            if ["iter", "into_iter", "iter_mut"].contains(&inner.method.to_string().as_str()) {
                self.errors.at(
                    &call.method,
                    format!("the iterator method `{name}` is not supported; write a `for` loop, or call a runtime primitive such as `grad_runtime::sum`"),
                );
                return self.unit();
            }
        }
        let receiver = self.lower_expr(&call.receiver);
        if receiver.var().is_some_and(|v| self.is_poisoned(v)) {
            return self.unit();
        }
        let receiver_ty = self.ty_of(&receiver);
        if let (Ty::Array(mut array_ty), Operand::Var(array)) = (receiver_ty.clone(), &receiver) {
            return match name.as_str() {
                "len" if call.args.is_empty() => self.emit(Op::Len(*array), Ty::INT, span),
                "clone" | "to_vec" if call.args.is_empty() => {
                    array_ty.storage = Storage::Owned;
                    if name == "to_vec" {
                        array_ty.dims[0] = Dim::Dynamic;
                    }
                    self.emit(Op::CopyArray(*array), Ty::Array(array_ty), span)
                }
                _ => {
                    self.errors.at(
                        &call.method,
                        format!("the method `{name}` is not supported on arrays; `.len()`, `.clone()`, `.to_vec()` are, and iterators only as the head of a `for` loop"),
                    );
                    self.unit()
                }
            };
        }
        // A known name with another number of arguments is some other method (an iterator's
        // `max()`, say), so it gets the same message as an unknown one.
        let Some((math, _)) =
            MathFn::lookup(&name).filter(|(_, arity)| call.args.len() + 1 == *arity)
        else {
            self.errors.at(
                &call.method,
                format!("the method `{name}` has no derivative rule; write it with supported `Float` methods or give it a `{name}_adjoint` as a function"),
            );
            return self.unit();
        };
        let mut args = vec![receiver];
        args.extend(call.args.iter().map(|a| self.lower_expr(a)));
        self.math(math, args, &call.method, span)
    }

    fn math(&mut self, math: MathFn, args: Vec<Operand>, name: &syn::Ident, span: Span) -> Operand {
        let receiver_ty = self.ty_of(&args[0]);
        let ty = match receiver_ty.scalar() {
            Some(Scalar::Float) => Ty::FLOAT,
            Some(Scalar::Int)
                if matches!(
                    math,
                    MathFn::Max | MathFn::Min | MathFn::Abs | MathFn::Clamp
                ) =>
            {
                Ty::INT
            }
            Some(Scalar::Opaque) if args.iter().any(|a| self.ty_of(a).is_float()) => Ty::FLOAT,
            Some(Scalar::Opaque) => Ty::OPAQUE,
            _ => {
                self.errors.at(
                    name,
                    format!("`{}` is only supported on floats here", math.name()),
                );
                return self.unit();
            }
        };
        if let (true, [Operand::Const(c), rest @ ..]) = (ty.is_float(), args.as_slice()) {
            if rest.iter().all(|a| matches!(a, Operand::Const(_))) {
                // A method of constants is a constant, and keeping it whole keeps literal typing.
                let receiver = &c.tokens;
                let rest: Vec<&TokenStream> = rest
                    .iter()
                    .filter_map(|a| match a {
                        Operand::Const(c) => Some(&c.tokens),
                        Operand::Var(_) => None,
                    })
                    .collect();
                let method = syn::Ident::new(math.name(), name.span());
                return Operand::Const(Constant {
                    tokens: quote!((#receiver).#method(#(#rest),*)),
                    ty: Scalar::Float,
                });
            }
        }
        self.emit(Op::Math(math, args), ty, span)
    }

    /// `F::from(x).unwrap()`: a constant when `x` is one, a conversion otherwise.
    fn float_from(&mut self, receiver: &Expr) -> Option<Operand> {
        let Expr::Call(call) = strip(receiver) else {
            return None;
        };
        let Expr::Path(path) = strip(&call.func) else {
            return None;
        };
        let segments = &path.path.segments;
        if segments.len() != 2
            || segments[1].ident != "from"
            || !self.floats.is_float_name(&segments[0].ident)
            || call.args.len() != 1
        {
            return None;
        }
        let value = self.lower_expr(&call.args[0]);
        let float = segments[0].ident.to_token_stream();
        Some(match value {
            Operand::Const(c) => {
                let tokens = &c.tokens;
                Operand::Const(Constant {
                    tokens: quote!(<#float as ::grad_runtime::num_traits::NumCast>::from(#tokens).unwrap()),
                    ty: Scalar::Float,
                })
            }
            var => self.emit(Op::FromCast(var, float), Ty::FLOAT, receiver.span()),
        })
    }

    fn lower_call(&mut self, call: &syn::ExprCall, hint: Option<&Ty>) -> Operand {
        let span = call.span();
        let Expr::Path(func) = strip(&call.func) else {
            self.errors
                .at(&call.func, "only calls of functions by path are supported");
            return self.unit();
        };
        let segments = &func.path.segments;
        if segments.len() >= 2
            && self
                .floats
                .is_float_name(&segments[segments.len() - 2].ident)
        {
            let last = &segments[segments.len() - 1].ident;
            if FLOAT_CTORS.iter().any(|c| last == c) && call.args.is_empty() {
                return Operand::Const(Constant {
                    tokens: call.to_token_stream(),
                    ty: Scalar::Float,
                });
            }
            if let Some((math, arity)) = MathFn::lookup(&last.to_string()) {
                if call.args.len() != arity {
                    // rustc reports the wrong number of arguments on the unchanged function.
                    return self.unit();
                }
                let args: Vec<Operand> = call.args.iter().map(|a| self.lower_expr(a)).collect();
                return self.math(math, args, last, span);
            }
            if last != "from" {
                self.errors
                    .at(last, format!("`{last}` has no derivative rule"));
                return self.unit();
            }
            let float = &segments[segments.len() - 2].ident;
            if (float == "f32" || float == "f64") && call.args.len() == 1 {
                // `f64::from(n)` is the lossless `From` conversion: a cast to the float type.
                let value = self.lower_expr(&call.args[0]);
                let ty: syn::Type = syn::parse_quote!(#float);
                return self.emit(Op::Cast(value, ty), Ty::FLOAT, span);
            }
            self.errors
                .at(last, "`F::from(x)` must be followed by `.unwrap()`");
            return self.unit();
        }
        let mut args = Vec::new();
        for arg in &call.args {
            let (inner, by_ref) = match strip(arg) {
                Expr::Reference(r) if r.mutability.is_none() => (&*r.expr, true),
                Expr::Reference(r) => {
                    self.errors.at(
                        r,
                        "`&mut` arguments are not supported; return the result instead",
                    );
                    return self.unit();
                }
                other => (other, false),
            };
            let operand = self.lower_expr(inner);
            args.push(CallArg { operand, by_ref });
        }
        let floats = args.iter().any(|a| self.ty_of(&a.operand).holds_floats());
        let name = segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let ty = match hint {
            Some(ty) => ty.clone(),
            None if VEC_PRIMITIVES.contains(&name.as_str()) => Ty::Array(ArrayTy {
                dims: vec![Dim::Dynamic],
                elem: Scalar::Float,
                storage: Storage::Owned,
            }),
            None if floats => Ty::FLOAT,
            None => Ty::OPAQUE,
        };
        let path = func.path.clone();
        self.emit(Op::Call(Call { path, args }), ty, span)
    }
}

fn parse_repeat(input: syn::parse::ParseStream) -> syn::Result<(Expr, Expr)> {
    let value: Expr = input.parse()?;
    input.parse::<Token![;]>()?;
    let len: Expr = input.parse()?;
    Ok((value, len))
}

/// The type of an array of `inner` with one more (outer) dimension.
fn array_around(inner: Ty, dim: Dim) -> Ty {
    match inner {
        Ty::Scalar(elem) => Ty::Array(ArrayTy {
            dims: vec![dim],
            elem,
            storage: Storage::Owned,
        }),
        Ty::Array(mut a) => {
            a.dims.insert(0, dim);
            a.storage = Storage::Owned;
            Ty::Array(a)
        }
    }
}

/// The type of a binary arithmetic result.
fn join(left: Ty, right: Ty) -> Ty {
    match (left.scalar(), right.scalar()) {
        (Some(Scalar::Float), _) | (_, Some(Scalar::Float)) => Ty::FLOAT,
        (Some(Scalar::Int), _) | (_, Some(Scalar::Int)) => Ty::INT,
        (Some(Scalar::Bool), Some(Scalar::Bool)) => Ty::BOOL,
        _ => Ty::OPAQUE,
    }
}

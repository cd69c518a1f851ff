//! Lowering of loops: counted ranges with their adaptors, loops over the elements of arrays
//! (which become counted loops that read the elements), `while`, `loop`, `break` and
//! `continue` (which become flags that guard the rest of the body).
//!
//! A loop that can stop early:
//!
//! ```text
//! for i in 0..n {            broke = false
//!     if x[i] > c {          for i in 0..n until broke counting trips {
//!         break;                 t1 = x[i]; t2 = gt t1, c
//!     }                          if t2 { broke = true }
//!     s += x[i];                 t3 = not broke
//! }                              if t3 { t4 = x[i]; s = add s, t4 }
//!                            }
//! ```
//!
//! A loop over elements:
//!
//! ```text
//! for (i, &v) in xs.iter().enumerate() {      t1 = len xs
//!     s += v * i as f64;                       for i in 0..t1 {
//! }                                                v = xs[i]
//!                                                  ...
//!                                              }
//! ```

use crate::ir::{
    Adaptor, Block, Constant, Exit, Op, Operand, Range, Scalar, Stmt, StmtId, StmtKind, Ty, UnOp,
    VarId, VarKind,
};
use crate::lower::{bool_const, range_with, strip, LoopFrame, Lowerer};
use crate::rules::MathFn;
use proc_macro2::Span;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::Expr;

impl Lowerer<'_> {
    pub(crate) fn lower_break(&mut self, brk: &syn::ExprBreak) {
        // A label is reported once, where the loop declares it (or by rustc when no loop
        // does); `break` outside a loop is rustc's to report, on the unchanged function.
        if brk.label.is_some() {
            return;
        }
        if let Some(value) = &brk.expr {
            self.errors.at(
                value,
                "`break` with a value is not supported; assign the value before `break`",
            );
            return;
        }
        let Some(frame) = self.loops.last_mut() else {
            return;
        };
        frame.used_break = true;
        frame.exits = true;
        let broke = frame.broke;
        self.assign(broke, Op::Copy(bool_const(true)), brk.span());
    }

    pub(crate) fn lower_continue(&mut self, cont: &syn::ExprContinue) {
        if cont.label.is_some() {
            return;
        }
        let span = cont.span();
        let Some(frame) = self.loops.last() else {
            return;
        };
        let flag = match frame.cont {
            Some(flag) => flag,
            None => {
                let flag = self.new_var(
                    format_ident!("continued", span = span),
                    Ty::BOOL,
                    VarKind::Control,
                );
                if let Some(frame) = self.loops.last_mut() {
                    frame.cont = Some(flag);
                }
                flag
            }
        };
        if let Some(frame) = self.loops.last_mut() {
            frame.exits = true;
        }
        self.assign(flag, Op::Copy(bool_const(true)), span);
    }

    fn open_loop(&mut self, span: Span) -> VarId {
        let broke = self.new_var(
            format_ident!("broke", span = span),
            Ty::BOOL,
            VarKind::Control,
        );
        self.loops.push(LoopFrame {
            broke,
            cont: None,
            used_break: false,
            exits: false,
        });
        broke
    }

    /// Closes the innermost loop: returns its exit (if it can break) and its body with the
    /// `continue` flag reset at the start of every iteration.
    fn close_loop(
        &mut self,
        mut body: Block,
        span: Span,
        always_exit: bool,
    ) -> (Option<Exit>, Block) {
        let Some(frame) = self.loops.pop() else {
            return (None, body);
        };
        if let Some(cont) = frame.cont {
            let reset = Stmt {
                id: StmtId(0),
                span,
                kind: StmtKind::Assign {
                    target: cont,
                    op: Op::Copy(bool_const(false)),
                },
            };
            body.stmts.insert(0, reset);
        }
        let exit = (frame.used_break || always_exit).then(|| Exit {
            broke: frame.broke,
            trips: self.new_var(
                format_ident!("trips", span = span),
                Ty::INT,
                VarKind::Control,
            ),
        });
        if exit.is_some() {
            self.assign(frame.broke, Op::Copy(bool_const(false)), span);
        }
        (exit, body)
    }

    pub(crate) fn lower_loop(&mut self, expr: &syn::ExprLoop) {
        let span = expr.span();
        if let Some(label) = &expr.label {
            self.errors.at(&label.name, "loop labels are not supported; set a flag, `break` from the inner loop and test the flag in the outer one");
        }
        self.open_loop(span);
        let body = self.sub_block(|this| this.lower_stmts(&expr.body.stmts));
        let (exit, body) = self.close_loop(body, span, true);
        if let Some(exit) = exit {
            self.push(span, StmtKind::Loop { body, exit });
        }
    }

    /// `while c { body }` is `loop { if !c { break; } body }`.
    pub(crate) fn lower_while(&mut self, expr: &syn::ExprWhile) {
        let span = expr.span();
        if let Some(label) = &expr.label {
            self.errors.at(&label.name, "loop labels are not supported; set a flag, `break` from the inner loop and test the flag in the outer one");
        }
        if let syn::Expr::Let(pattern) = &*expr.cond {
            self.errors.at(
                pattern.let_token,
                "`while let` is not supported; use `while` with a condition",
            );
            return;
        }
        let broke = self.open_loop(span);
        let body = self.sub_block(|this| {
            let cond = this.lower_expr(&expr.cond);
            let stop = this.emit(Op::Unary(UnOp::Not, cond), Ty::BOOL, expr.cond.span());
            let stop = this.as_bool_var(stop, &expr.cond);
            let set = this.sub_block(|this| this.assign(broke, Op::Copy(bool_const(true)), span));
            this.push(
                span,
                StmtKind::If {
                    cond: stop,
                    then_block: set,
                    else_block: Block::default(),
                },
            );
            if let Some(frame) = this.loops.last_mut() {
                frame.exits = true;
                frame.used_break = true;
            }
            this.guard_rest(&expr.body.stmts, span);
        });
        let (exit, body) = self.close_loop(body, span, true);
        if let Some(exit) = exit {
            self.push(span, StmtKind::Loop { body, exit });
        }
    }

    /// Lowers a counted loop whose index and per-iteration bindings `bind` sets up.
    pub(crate) fn lower_counted(
        &mut self,
        expr: &syn::ExprForLoop,
        range: Range,
        bind: impl FnOnce(&mut Self, VarId),
    ) {
        let span = expr.span();
        if let Some(label) = &expr.label {
            self.errors.at(&label.name, "loop labels are not supported; set a flag, `break` from the inner loop and test the flag in the outer one");
        }
        self.open_loop(span);
        let index = self.new_var(format_ident!("i", span = span), Ty::INT, VarKind::LoopIndex);
        let body = self.sub_block(|this| {
            bind(this, index);
            this.lower_stmts(&expr.body.stmts);
        });
        let (exit, body) = self.close_loop(body, span, false);
        self.push(
            span,
            StmtKind::For {
                index,
                range,
                body,
                exit,
            },
        );
    }

    /// Lowers a `for` loop over a range or over the elements of arrays.
    pub(crate) fn lower_for(&mut self, expr: &syn::ExprForLoop) {
        let mut adaptors = Vec::new();
        let mut iter = strip(&expr.expr);
        while let Expr::MethodCall(m) = iter {
            match (m.method.to_string().as_str(), m.args.len()) {
                ("rev", 0) => adaptors.push((AdaptorSyntax::Rev, &m.method)),
                ("step_by", 1) => adaptors.push((AdaptorSyntax::StepBy(&m.args[0]), &m.method)),
                ("iter" | "into_iter", 0) => adaptors.push((AdaptorSyntax::Iter, &m.method)),
                ("enumerate", 0) => adaptors.push((AdaptorSyntax::Enumerate, &m.method)),
                ("zip", 1) => adaptors.push((AdaptorSyntax::Zip(&m.args[0]), &m.method)),
                (other, _) => {
                    self.errors.at(
                        &m.method,
                        format!("the iterator method `{other}` is not supported; loop over a range (`for i in 0..n`) and index, or use `.iter()`, `.enumerate()`, `.zip(..)`, `.rev()`, `.step_by(k)`"),
                    );
                    return;
                }
            }
            iter = strip(&m.receiver);
        }
        adaptors.reverse();
        match iter {
            Expr::Range(range) => self.lower_range_for(expr, range, &adaptors),
            other => self.lower_elements_for(expr, other, &adaptors),
        }
    }

    fn lower_range_for(
        &mut self,
        expr: &syn::ExprForLoop,
        range: &syn::ExprRange,
        adaptors: &[(AdaptorSyntax<'_>, &syn::Ident)],
    ) {
        let (Some(start), Some(end)) = (&range.start, &range.end) else {
            self.errors
                .at(range, "a `for` range needs both bounds, as in `a..b`");
            return;
        };
        let start = self.lower_expr(start);
        let end = self.lower_expr(end);
        let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
        let mut lowered = Vec::new();
        for (adaptor, method) in adaptors {
            match adaptor {
                AdaptorSyntax::Rev => lowered.push(Adaptor::Rev),
                AdaptorSyntax::StepBy(k) => {
                    let k = self.lower_expr(k);
                    lowered.push(Adaptor::StepBy(k));
                }
                _ => {
                    self.errors.at(
                        method,
                        "over a range, only `.rev()` and `.step_by(k)` are supported; index the arrays with the range's value",
                    );
                    return;
                }
            }
        }
        let syn::Pat::Ident(pat) = &*expr.pat else {
            if let syn::Pat::Wild(_) = &*expr.pat {
                let range = range_with(start, end, inclusive, lowered);
                self.lower_counted(expr, range, |_, _| {});
                return;
            }
            self.errors
                .at(&expr.pat, "the index of a range loop must be a name");
            return;
        };
        let range = range_with(start, end, inclusive, lowered);
        let name = pat.ident.clone();
        self.lower_counted(expr, range, |this, index| {
            this.rename(index, &name);
            this.bind(name.clone(), index);
        });
    }

    /// `for v in xs.iter()` and friends become a counted loop over indices that reads the
    /// elements at the top of every iteration.
    fn lower_elements_for(
        &mut self,
        expr: &syn::ExprForLoop,
        base: &Expr,
        adaptors: &[(AdaptorSyntax<'_>, &syn::Ident)],
    ) {
        let mut sources = vec![base];
        let mut enumerate = false;
        for (adaptor, method) in adaptors {
            match adaptor {
                AdaptorSyntax::Iter => {}
                AdaptorSyntax::Zip(other) => sources.push(iter_base(other)),
                AdaptorSyntax::Enumerate if sources.len() == 1 && !enumerate => enumerate = true,
                _ => {
                    self.errors.at(method, "this iterator chain is not supported; use `xs.iter()`, `.enumerate()` or `xs.iter().zip(ys.iter())`, or loop over a range and index");
                    return;
                }
            }
        }
        let mut arrays = Vec::new();
        for source in &sources {
            let array = match strip(source) {
                Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(i)),
                Expr::Reference(r) => match strip(&r.expr) {
                    Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(i)),
                    _ => None,
                },
                _ => None,
            };
            match array.filter(|a| self.vars[a.0 as usize].ty.array().is_some()) {
                Some(array) => arrays.push(array),
                None => {
                    self.errors.at(source, "a `for` loop can iterate over a range or over an array, slice or `Vec` held in a variable");
                    return;
                }
            }
        }
        let Some(names) = self.element_names(&expr.pat, enumerate, arrays.len()) else {
            return;
        };
        let span = expr.span();
        let mut end = self.emit(Op::Len(arrays[0]), Ty::INT, span);
        for array in &arrays[1..] {
            let len = self.emit(Op::Len(*array), Ty::INT, span);
            end = self.emit(Op::Math(MathFn::Min, vec![end, len]), Ty::INT, span);
        }
        let zero = Operand::Const(Constant {
            tokens: quote!(0),
            ty: Scalar::Int,
        });
        let range = range_with(zero, end, false, Vec::new());
        self.lower_counted(expr, range, |this, index| {
            if let (true, Some(Some(name))) = (enumerate, names.first()) {
                this.rename(index, name);
                this.bind(name.clone(), index);
            }
            let element_names = if enumerate { &names[1..] } else { &names[..] };
            for (array, name) in arrays.iter().zip(element_names) {
                let Some(name) = name else { continue };
                let elem = this.element_ty(*array);
                if this.vars[array.0 as usize].ty.array().is_some_and(|a| a.dims.len() != 1) {
                    this.errors.at(name, "iterating over the rows of a nested array is not supported; index it with `for i in 0..n`");
                    this.poison(name);
                    continue;
                }
                let var = this.new_var(name.clone(), elem, VarKind::Local);
                this.assign(var, Op::Index(*array, vec![Operand::Var(index)]), name.span());
                this.bind(name.clone(), var);
            }
        });
    }

    /// The names a `for` pattern binds: the index (with `enumerate`), then one per array;
    /// `None` for `_`.
    fn element_names(
        &mut self,
        pat: &syn::Pat,
        enumerate: bool,
        arrays: usize,
    ) -> Option<Vec<Option<syn::Ident>>> {
        let mut names = Vec::new();
        let shape_ok = if enumerate {
            match pat {
                syn::Pat::Tuple(t) if t.elems.len() == 2 => {
                    names.push(simple_name(&t.elems[0]));
                    self.flatten_names(&t.elems[1], arrays, &mut names)
                }
                _ => false,
            }
        } else {
            self.flatten_names(pat, arrays, &mut names)
        };
        if !shape_ok
            || names
                .iter()
                .any(|n| n.as_ref().is_some_and(|n| n == "__invalid"))
        {
            self.errors.at(
                pat,
                "this `for` pattern is not supported; use `v`, `&v`, `(i, v)` or `(a, b)`",
            );
            return None;
        }
        Some(names)
    }

    fn flatten_names(
        &self,
        pat: &syn::Pat,
        arrays: usize,
        names: &mut Vec<Option<syn::Ident>>,
    ) -> bool {
        if arrays == 1 {
            names.push(simple_name(pat));
            return true;
        }
        match pat {
            syn::Pat::Tuple(t) if t.elems.len() == arrays => {
                names.extend(t.elems.iter().map(simple_name));
                true
            }
            _ => false,
        }
    }
}

enum AdaptorSyntax<'e> {
    Rev,
    StepBy(&'e Expr),
    Iter,
    Enumerate,
    Zip(&'e Expr),
}

/// `ys.iter()` or `&ys` or `ys` inside `zip(...)`.
fn iter_base(expr: &Expr) -> &Expr {
    match strip(expr) {
        Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => strip(&m.receiver),
        other => other,
    }
}

/// `v`, `&v`, `mut v` give `Some(v)`; `_` gives `None`; anything else an invalid marker.
fn simple_name(pat: &syn::Pat) -> Option<syn::Ident> {
    match pat {
        syn::Pat::Ident(p) if p.subpat.is_none() => Some(p.ident.clone()),
        syn::Pat::Reference(r) => simple_name(&r.pat),
        syn::Pat::Wild(_) => None,
        other => Some(syn::Ident::new("__invalid", other.span())),
    }
}

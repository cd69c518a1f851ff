//! Lowering of statements, blocks and branches into the IR, rejecting what is not supported.
//!
//! Before and after: every `let` becomes a variable of its own, and a rejected binding is
//! remembered so that its uses add no follow-up errors.
//!
//! ```text
//! let y = x * 2.0;           y = mul x, 2.0
//! let y = y + 1.0;           y_2 = add y, 1.0
//! if y > 0.0 { s = y; }      t = gt y_2, 0.0
//!                            if t { s = y_2 }
//! ```

use crate::error::Errors;
use crate::ir::{
    Adaptor, Block, Body, Constant, Op, Operand, Range, Scalar, Stmt, StmtId, StmtKind, Ty, UnOp,
    Var, VarId, VarKind,
};
use crate::signature::{FloatNames, Signature};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::spanned::Spanned;

/// The state of one loop being lowered: its flags for `break` and `continue`.
pub(crate) struct LoopFrame {
    pub(crate) broke: VarId,
    pub(crate) cont: Option<VarId>,
    pub(crate) used_break: bool,
    /// Set while lowering a statement that contains `break` or `continue` of this loop.
    pub(crate) exits: bool,
}

/// Turns a function body into IR; errors are collected, never panicked on.
pub struct Lowerer<'a> {
    pub(crate) vars: Vec<Var>,
    scopes: Vec<Vec<(Ident, VarId)>>,
    pub(crate) stmts: Vec<Stmt>,
    pub(crate) loops: Vec<LoopFrame>,
    pub(crate) errors: &'a mut Errors,
    pub(crate) floats: FloatNames,
    /// The function's one float type, as written.
    pub(crate) float: TokenStream,
    const_generics: Vec<syn::Ident>,
    /// Bindings whose declaration was rejected: their uses report nothing more.
    pub(crate) poisoned: Vec<VarId>,
}

type Ident = syn::Ident;

pub fn lower(sig: &Signature, item: &syn::ItemFn, errors: &mut Errors) -> Option<Body> {
    let mut lowerer = Lowerer {
        vars: Vec::new(),
        scopes: vec![Vec::new()],
        stmts: Vec::new(),
        loops: Vec::new(),
        errors,
        floats: FloatNames::of(&item.sig.generics),
        float: sig.float.clone(),
        const_generics: sig.const_generics.clone(),
        poisoned: Vec::new(),
    };
    for (index, param) in sig.params.iter().enumerate() {
        let id = lowerer.new_var(
            param.ident.clone(),
            param.class.clone(),
            VarKind::Param(index),
        );
        lowerer.bind(param.ident.clone(), id);
    }
    let output = lowerer.lower_fn_block(&item.block);
    let mut block = Block {
        stmts: std::mem::take(&mut lowerer.stmts),
    };
    number(&mut block, 0);
    Some(Body {
        vars: lowerer.vars,
        block,
        output: output?,
    })
}

/// Numbers statements in pre-order, starting at `next`; returns the next free number.
fn number(block: &mut Block, mut next: u32) -> u32 {
    for stmt in &mut block.stmts {
        stmt.id = StmtId(next);
        next += 1;
        match &mut stmt.kind {
            StmtKind::If {
                then_block,
                else_block,
                ..
            } => {
                next = number(then_block, next);
                next = number(else_block, next);
            }
            StmtKind::For { body, .. } | StmtKind::Loop { body, .. } => next = number(body, next),
            StmtKind::Assign { .. } | StmtKind::Store { .. } => {}
        }
    }
    next
}

impl Lowerer<'_> {
    pub(crate) fn new_var(&mut self, name: Ident, ty: Ty, kind: VarKind) -> VarId {
        let id = VarId(self.vars.len() as u32);
        self.vars.push(Var {
            name,
            ty,
            kind,
            annotation: None,
        });
        id
    }

    pub(crate) fn temp(&mut self, ty: Ty, span: Span) -> VarId {
        let name = format_ident!("t{}", self.vars.len(), span = span);
        self.new_var(name, ty, VarKind::Temp)
    }

    pub(crate) fn ty_of(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(v) => self.vars[v.0 as usize].ty.clone(),
            Operand::Const(c) => Ty::Scalar(c.ty),
        }
    }

    pub(crate) fn bind(&mut self, name: Ident, id: VarId) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, id));
        }
    }

    pub(crate) fn lookup(&self, name: &Ident) -> Option<VarId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    pub(crate) fn is_const_generic(&self, name: &Ident) -> bool {
        self.const_generics.iter().any(|c| c == name)
    }

    pub(crate) fn push(&mut self, span: Span, kind: StmtKind) {
        self.stmts.push(Stmt {
            id: StmtId(0),
            span,
            kind,
        });
    }

    pub(crate) fn assign(&mut self, target: VarId, op: Op, span: Span) {
        self.push(span, StmtKind::Assign { target, op });
    }

    /// Emits `op` into a fresh temporary of type `ty` and returns it as an operand.
    pub(crate) fn emit(&mut self, op: Op, ty: Ty, span: Span) -> Operand {
        let temp = self.temp(ty, span);
        self.assign(temp, op, span);
        Operand::Var(temp)
    }

    /// Lowers statements into a block of their own, in a scope of their own.
    pub(crate) fn sub_block(&mut self, lower: impl FnOnce(&mut Self)) -> Block {
        let saved = std::mem::take(&mut self.stmts);
        self.scopes.push(Vec::new());
        lower(self);
        self.scopes.pop();
        Block {
            stmts: std::mem::replace(&mut self.stmts, saved),
        }
    }

    fn lower_fn_block(&mut self, block: &syn::Block) -> Option<Operand> {
        let (init, last) = match block.stmts.split_last() {
            Some((last, init)) => (init, Some(last)),
            None => (&block.stmts[..], None),
        };
        self.lower_stmts(init);
        let output = match last {
            // A loop as the last expression yields no value the adjoint could return.
            Some(syn::Stmt::Expr(
                expr @ (syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_)),
                None,
            )) => {
                self.lower_stmts(std::slice::from_ref(&syn::Stmt::Expr(expr.clone(), None)));
                None
            }
            Some(syn::Stmt::Expr(expr, None)) => Some(self.lower_expr(expr)),
            Some(syn::Stmt::Expr(syn::Expr::Return(ret), Some(_))) => {
                ret.expr.as_ref().map(|value| self.lower_expr(value))
            }
            Some(stmt) => {
                self.lower_stmts(std::slice::from_ref(stmt));
                None
            }
            None => None,
        };
        if output.is_none() && self.errors.is_empty() {
            self.errors.at_span(
                block.brace_token.span.close(),
                "the function must end with the value it returns (a tail expression or `return value;`)",
            );
        }
        output
    }

    /// Lowers a list of statements; after one that may `break` or `continue`, the rest is
    /// guarded so it only runs while neither flag is set.
    pub(crate) fn lower_stmts(&mut self, stmts: &[syn::Stmt]) {
        for (k, stmt) in stmts.iter().enumerate() {
            let exited_before = self.take_exits();
            self.lower_stmt(stmt);
            let exits = self.take_exits();
            self.restore_exits(exited_before || exits);
            if exits && k + 1 < stmts.len() {
                self.guard_rest(&stmts[k + 1..], stmt.span());
                return;
            }
        }
    }

    fn take_exits(&mut self) -> bool {
        self.loops
            .last_mut()
            .is_some_and(|frame| std::mem::replace(&mut frame.exits, false))
    }

    fn restore_exits(&mut self, exits: bool) {
        if let Some(frame) = self.loops.last_mut() {
            frame.exits = exits;
        }
    }

    pub(crate) fn guard_rest(&mut self, rest: &[syn::Stmt], span: Span) {
        let Some(frame) = self.loops.last() else {
            return;
        };
        // Only flags that can already be set at this point are tested.
        let broke = frame.used_break.then_some(Operand::Var(frame.broke));
        let cont = frame.cont.map(Operand::Var);
        let stopped = match (broke, cont) {
            (Some(broke), Some(cont)) => self.emit(
                Op::Binary(crate::ir::BinOp::Or, broke, cont),
                Ty::BOOL,
                span,
            ),
            (Some(flag), None) | (None, Some(flag)) => flag,
            (None, None) => return self.lower_stmts(rest),
        };
        let go_on = self.temp(Ty::BOOL, span);
        self.assign(go_on, Op::Unary(UnOp::Not, stopped), span);
        let saved = std::mem::take(&mut self.stmts);
        self.lower_stmts(rest);
        let then_block = Block {
            stmts: std::mem::replace(&mut self.stmts, saved),
        };
        self.push(
            span,
            StmtKind::If {
                cond: go_on,
                then_block,
                else_block: Block::default(),
            },
        );
    }

    fn lower_stmt(&mut self, stmt: &syn::Stmt) {
        match stmt {
            syn::Stmt::Local(local) => self.lower_let(local),
            syn::Stmt::Expr(expr, _) => self.lower_expr_stmt(expr),
            syn::Stmt::Item(item) => self.errors.at_span(
                crate::error::item_keyword(&item.to_token_stream()),
                "items inside a differentiated function are not supported; move them outside",
            ),
            syn::Stmt::Macro(mac) => self.errors.at(
                &mac.mac.path,
                format!(
                    "the macro `{}!` is not supported here; only `vec![...]` is",
                    mac.mac.path.to_token_stream()
                ),
            ),
        }
    }

    fn lower_let(&mut self, local: &syn::Local) {
        let (pat, annotation) = match &local.pat {
            syn::Pat::Type(typed) => (&*typed.pat, Some(&*typed.ty)),
            other => (other, None),
        };
        let syn::Pat::Ident(ident) = pat else {
            self.errors.at(pat, "only `let name = ...` and `let mut name = ...` are supported; destructuring is not");
            return;
        };
        let Some(init) = &local.init else {
            self.errors.at(
                local,
                format!(
                    "declare `{}` with its value: `let {} = ...;`",
                    ident.ident, ident.ident
                ),
            );
            self.poison(&ident.ident);
            return;
        };
        if let Some((_, diverge)) = &init.diverge {
            self.errors.at(diverge, "`let ... else` is not supported");
            self.poison(&ident.ident);
            return;
        }
        let hint = annotation.and_then(|ty| crate::signature::classify(ty, &self.floats).ok());
        let errors_before = self.errors.count();
        let value = self.lower_expr_hinted(&init.expr, hint.as_ref());
        if self.errors.count() > errors_before {
            // The value was rejected; later uses of the name would only repeat the error.
            self.poison(&ident.ident);
            return;
        }
        let ty = hint.unwrap_or_else(|| self.ty_of(&value));
        let ty = match ty {
            Ty::Array(mut array) => {
                array.storage = crate::ir::Storage::Owned;
                Ty::Array(array)
            }
            scalar => scalar,
        };
        let id = self.new_var(ident.ident.clone(), ty, VarKind::Local);
        self.vars[id.0 as usize].annotation = annotation.cloned();
        self.define(id, value, local.span());
        self.bind(ident.ident.clone(), id);
    }

    /// Binds `name` to a variable whose declaration was rejected, so that its uses stay
    /// silent instead of each reporting a follow-up error.
    pub(crate) fn poison(&mut self, name: &Ident) {
        let id = self.new_var(name.clone(), Ty::OPAQUE, VarKind::Local);
        self.poisoned.push(id);
        self.bind(name.clone(), id);
    }

    pub(crate) fn is_poisoned(&self, id: VarId) -> bool {
        self.poisoned.contains(&id)
    }

    /// When `value` is the temporary the last statement just computed, makes that statement
    /// write `id` instead, so `x = a * b` is one operation rather than a product and a copy.
    fn retarget(&mut self, value: &Operand, id: VarId) -> bool {
        let Operand::Var(temp) = *value else {
            return false;
        };
        if self.vars[temp.0 as usize].kind != VarKind::Temp {
            return false;
        }
        let Some(last) = self.stmts.last_mut() else {
            return false;
        };
        match &mut last.kind {
            StmtKind::Assign { target, .. } if *target == temp => {
                *target = id;
                true
            }
            _ => false,
        }
    }

    /// Makes `id` hold `value`: a fresh temporary is renamed in place, anything else copied.
    fn define(&mut self, id: VarId, value: Operand, span: Span) {
        if self.retarget(&value, id) {
            return;
        }
        let op = match (&value, &self.vars[id.0 as usize].ty) {
            (Operand::Var(v), Ty::Array(_)) => Op::CopyArray(*v),
            _ => Op::Copy(value),
        };
        self.assign(id, op, span);
    }

    fn lower_expr_stmt(&mut self, expr: &syn::Expr) {
        match expr {
            syn::Expr::Assign(assign) => self.lower_assign(&assign.left, None, &assign.right, expr),
            syn::Expr::Binary(binary) => match compound_op(&binary.op) {
                Some(op) => self.lower_assign(&binary.left, Some(op), &binary.right, expr),
                None => {
                    self.lower_expr(expr);
                }
            },
            syn::Expr::If(expr_if) => self.lower_if(expr_if, None),
            syn::Expr::Block(block) if block.label.is_none() => {
                let inner = self.sub_block(|this| this.lower_stmts(&block.block.stmts));
                self.stmts.extend(inner.stmts);
            }
            syn::Expr::Break(brk) => self.lower_break(brk),
            syn::Expr::Continue(cont) => self.lower_continue(cont),
            syn::Expr::Return(ret) => self.errors.at(
                ret.return_token,
                "an early `return` is not supported; assign the value and return it at the end",
            ),
            _ => {
                self.lower_expr(expr);
            }
        }
    }

    fn lower_assign(
        &mut self,
        left: &syn::Expr,
        compound: Option<crate::ir::BinOp>,
        right: &syn::Expr,
        whole: &syn::Expr,
    ) {
        let span = whole.span();
        match strip(left) {
            syn::Expr::Path(path) if path.path.get_ident().is_some() => {
                let name = path.path.get_ident().cloned();
                let Some(target) = name.as_ref().and_then(|n| self.lookup(n)) else {
                    self.errors
                        .at(left, "assignment to something that is not a local variable");
                    return;
                };
                if self.is_poisoned(target) {
                    return;
                }
                let value = self.lower_expr(right);
                if compound.is_none()
                    && self.vars[target.0 as usize].ty.array().is_none()
                    && self.retarget(&value, target)
                {
                    return;
                }
                let op = match compound {
                    Some(op) => Op::Binary(op, Operand::Var(target), value),
                    None if self.vars[target.0 as usize].ty.array().is_some() => match value {
                        Operand::Var(v) => Op::CopyArray(v),
                        Operand::Const(_) => Op::Copy(value),
                    },
                    None => Op::Copy(value),
                };
                self.assign(target, op, span);
            }
            syn::Expr::Index(index) => self.lower_store(index, compound, right, span),
            other => self.errors.at(
                other,
                "only local variables and array elements (`a[i]`) can be assigned to",
            ),
        }
    }

    fn lower_store(
        &mut self,
        place: &syn::ExprIndex,
        compound: Option<crate::ir::BinOp>,
        right: &syn::Expr,
        span: Span,
    ) {
        let Some((array, index)) = self.lower_place(place) else {
            return;
        };
        let value = self.lower_expr(right);
        use crate::ir::BinOp::{Add, Sub};
        match compound {
            None | Some(Add) | Some(Sub) => self.push(
                span,
                StmtKind::Store {
                    array,
                    index,
                    value,
                    accumulate: compound,
                },
            ),
            Some(op) => {
                // `a[i] *= v` reads the old element, so it becomes read, operate, store.
                let elem = self.element_ty(array);
                let old = self.emit(Op::Index(array, index.clone()), elem.clone(), span);
                let new = self.emit(Op::Binary(op, old, value), elem, span);
                self.push(
                    span,
                    StmtKind::Store {
                        array,
                        index,
                        value: new,
                        accumulate: None,
                    },
                );
            }
        }
    }

    pub(crate) fn element_ty(&self, array: VarId) -> Ty {
        match &self.vars[array.0 as usize].ty {
            Ty::Array(a) => Ty::Scalar(a.elem),
            Ty::Scalar(_) => Ty::OPAQUE,
        }
    }

    /// Lowers `if` as a statement; with `result`, each branch assigns its value to it.
    pub(crate) fn lower_if(&mut self, expr: &syn::ExprIf, result: Option<VarId>) {
        let span = expr.span();
        let cond = self.lower_expr(&expr.cond);
        let cond = self.as_bool_var(cond, &expr.cond);
        let then_block = self.sub_block(|this| this.lower_branch(&expr.then_branch.stmts, result));
        let else_block = match &expr.else_branch {
            None => Block::default(),
            Some((_, other)) => self.sub_block(|this| match &**other {
                syn::Expr::If(nested) => this.lower_if(nested, result),
                syn::Expr::Block(block) => this.lower_branch(&block.block.stmts, result),
                other => {
                    let value = this.lower_expr(other);
                    if let Some(result) = result {
                        this.assign(result, Op::Copy(value), other.span());
                    }
                }
            }),
        };
        if result.is_some() && expr.else_branch.is_none() {
            self.errors.at(
                expr.if_token,
                "an `if` used as a value needs an `else` branch",
            );
        }
        self.push(
            span,
            StmtKind::If {
                cond,
                then_block,
                else_block,
            },
        );
    }

    /// Lowers the statements of a block whose tail value, if any, goes to `result`.
    pub(crate) fn lower_branch(&mut self, stmts: &[syn::Stmt], result: Option<VarId>) {
        match (stmts.split_last(), result) {
            (Some((syn::Stmt::Expr(tail, None), init)), Some(result)) => {
                self.lower_stmts(init);
                let value = self.lower_expr(tail);
                let op = match (&value, &self.vars[result.0 as usize].ty) {
                    (Operand::Var(v), Ty::Array(_)) => Op::CopyArray(*v),
                    _ => Op::Copy(value),
                };
                self.assign(result, op, tail.span());
            }
            _ => self.lower_stmts(stmts),
        }
    }

    pub(crate) fn as_bool_var(&mut self, cond: Operand, expr: &syn::Expr) -> VarId {
        match cond {
            Operand::Var(v) => v,
            constant @ Operand::Const(_) => {
                let temp = self.temp(Ty::BOOL, expr.span());
                self.assign(temp, Op::Copy(constant), expr.span());
                temp
            }
        }
    }

    pub(crate) fn rename(&mut self, id: VarId, name: &Ident) {
        self.vars[id.0 as usize].name = name.clone();
    }
}

pub(crate) fn bool_const(value: bool) -> Operand {
    Operand::Const(Constant {
        tokens: quote!(#value),
        ty: Scalar::Bool,
    })
}

pub(crate) fn strip(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

fn compound_op(op: &syn::BinOp) -> Option<crate::ir::BinOp> {
    use crate::ir::BinOp as B;
    Some(match op {
        syn::BinOp::AddAssign(_) => B::Add,
        syn::BinOp::SubAssign(_) => B::Sub,
        syn::BinOp::MulAssign(_) => B::Mul,
        syn::BinOp::DivAssign(_) => B::Div,
        syn::BinOp::RemAssign(_) => B::Rem,
        syn::BinOp::BitAndAssign(_) => B::BitAnd,
        syn::BinOp::BitOrAssign(_) => B::BitOr,
        syn::BinOp::BitXorAssign(_) => B::BitXor,
        syn::BinOp::ShlAssign(_) => B::Shl,
        syn::BinOp::ShrAssign(_) => B::Shr,
        _ => return None,
    })
}

/// Builds `Range` adaptors for iterator chains like `(a..b).rev().step_by(k)`.
pub(crate) fn range_with(
    start: Operand,
    end: Operand,
    inclusive: bool,
    adaptors: Vec<Adaptor>,
) -> Range {
    Range {
        start,
        end,
        inclusive,
        adaptors,
    }
}

pub(crate) fn tokens_of(expr: &syn::Expr) -> TokenStream {
    expr.to_token_stream()
}

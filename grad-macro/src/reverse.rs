//! The backward sweep: statements in reverse, each replaced by its adjoint.
//!
//! Before and after, for a loop that overwrites an accumulator (Horner's rule):
//!
//! ```text
//! for i in (0..n).rev() {              for i in (0..n).rev().rev() {
//!     acc_tape.push(acc);                  { let g = acc_bar; acc_bar = zero;
//!     acc = acc * x + c[i];                  if let Some(old) = acc_tape.pop() { acc = old; }
//! }                                          acc_bar = acc_bar + g * x; x_bar = x_bar + g * acc;
//!                                            c_adj[i] = c_adj[i] + g; }
//!                                      }
//! ```
//!
//! (shown after the three-address temporaries are folded back together). Every block first
//! recomputes its cheap single-assignment values, then walks its statements backwards.

use crate::emit::Emitter;
use crate::ir::{BinOp, Block, Dim, Op, Operand, Stmt, StmtKind, Ty, UnOp, VarId};
use crate::rules::Partials;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

impl Emitter<'_> {
    pub fn backward_block(&self, block: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in block.stmts.iter().rev() {
            out.extend(self.recompute_before(stmt));
            if self.plan.backward.contains(&stmt.id) {
                out.extend(self.backward_stmt(stmt));
            }
        }
        out
    }

    /// Recomputes, in their original order, the values whose last reader is `anchor`, so
    /// they hold what they held in the forward sweep.
    fn recompute_before(&self, anchor: &Stmt) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in self.recompute_at.get(&anchor.id).into_iter().flatten() {
            if let StmtKind::Assign { target, op } = &stmt.kind {
                let t = self.names.primal(*target);
                let value = self.op_expr(op, stmt.span);
                out.extend(quote_spanned!(stmt.span=> #t = #value;));
            }
        }
        out
    }

    fn backward_stmt(&self, stmt: &Stmt) -> TokenStream {
        match &stmt.kind {
            StmtKind::Assign { target, op } => self.backward_assign(stmt, *target, op),
            StmtKind::Store {
                array,
                index,
                value,
                accumulate,
            } => self.backward_store(stmt, *array, index, value, *accumulate),
            StmtKind::If {
                cond,
                then_block,
                else_block,
            } => {
                let c = self.names.primal(*cond);
                crate::emit::branch(
                    c,
                    self.backward_block(then_block),
                    self.backward_block(else_block),
                )
            }
            StmtKind::For {
                index,
                range,
                body,
                exit,
            } => {
                let i = self.names.primal(*index);
                let forward = self.iterator(range);
                let iter = match exit {
                    None => quote!(#forward.rev()),
                    Some(exit) => {
                        let trips = self.names.primal(exit.trips);
                        quote!(#forward.take(#trips).rev())
                    }
                };
                let inner = self.backward_block(body);
                let restore = exit.map(|e| self.pop_scalar(stmt, e.trips));
                quote!(for #i in #iter { #inner } #restore)
            }
            StmtKind::Loop { body, exit } => {
                let trips = self.names.primal(exit.trips);
                let inner = self.backward_block(body);
                let restore = self.pop_scalar(stmt, exit.trips);
                quote!(for _ in 0..#trips { #inner } #restore)
            }
        }
    }

    /// Restores a variable's value from before `stmt` when `stmt` saved it.
    fn pop_scalar(&self, stmt: &Stmt, var: VarId) -> TokenStream {
        if self.plan.inverted.contains(&stmt.id) {
            if let Some((target, step, subtracted)) = crate::saves::integer_step(self.body, stmt) {
                let t = self.names.primal(target);
                let k = self.val(&step);
                return if subtracted {
                    quote!(#t = #t + #k;)
                } else {
                    quote!(#t = #t - #k;)
                };
            }
        }
        if !self.plan.saved.contains(&stmt.id) {
            return TokenStream::new();
        }
        let tape = self.names.tape(var);
        let t = self.names.primal(var);
        let old = &self.local.old;
        quote!(if let ::core::option::Option::Some(#old) = #tape.pop() { #t = #old; })
    }

    /// Adds `contribution` into the adjoint of `operand` when it is active.
    fn contribute(&self, operand: &Operand, contribution: TokenStream) -> TokenStream {
        match operand.var() {
            Some(v) if self.plan.is_active(v) => {
                let bar = self.names.bar(v);
                quote!(#bar = #bar + #contribution;)
            }
            _ => TokenStream::new(),
        }
    }

    fn backward_assign(&self, stmt: &Stmt, target: VarId, op: &Op) -> TokenStream {
        let restore = self.pop_scalar(stmt, target);
        if !self.plan.is_active(target) {
            return restore;
        }
        if let Ty::Array(_) = self.body.var(target).ty {
            return self.backward_array_def(stmt, target, op, restore);
        }
        let bar = self.names.bar(target);
        if let Some(other) = self_accumulation(target, op) {
            // `v = v + e` leaves the adjoint of `v` as it is and passes it on to `e`.
            let flow = self.contribute(
                other.0,
                other.1.then(|| quote!(-#bar)).unwrap_or(quote!(#bar)),
            );
            return quote_spanned!(stmt.span=> #restore #flow);
        }
        let g = &self.g;
        let zero = &self.zero;
        let reads_result = match op {
            Op::Math(f, _) => f.reads_result(),
            Op::Binary(BinOp::Div, _, b) => self.plan.activity.operand(b),
            _ => false,
        };
        let result = &self.local.result_value;
        let capture = if reads_result {
            let t = self.names.primal(target);
            quote!(let #result = #t;)
        } else {
            TokenStream::new()
        };
        let body = self.scalar_rule(stmt, op, &quote!(#result));
        // The adjoint restarts from zero for the value the variable held before this write;
        // a variable written once outside loops has no such earlier value.
        let reset = self
            .resets_at(target, stmt.id)
            .then(|| quote!(#bar = #zero;));
        if body.is_empty() && reset.is_none() {
            return restore;
        }
        quote_spanned! {stmt.span=>
            {
                #capture
                #restore
                let #g = #bar;
                #reset
                #body
            }
        }
    }

    /// The adjoint statements of `target = op` for a scalar target, given `g`.
    fn scalar_rule(&self, stmt: &Stmt, op: &Op, result: &TokenStream) -> TokenStream {
        let g = &self.g;
        match op {
            Op::Copy(a) | Op::Cast(a, _) | Op::FromCast(a, _) => self.contribute(a, quote!(#g)),
            Op::Unary(UnOp::Neg, a) => self.contribute(a, quote!(-#g)),
            Op::Binary(op, a, b) => self.binary_rule(*op, a, b, result),
            Op::Math(f, args) => {
                let vals = self.vals(args);
                match f.partials(&vals, result) {
                    Partials::Each(list) => args
                        .iter()
                        .zip(list)
                        .filter_map(|(a, p)| p.map(|p| self.contribute(a, quote!(#g * #p))))
                        .collect(),
                    Partials::Tuple(call) => {
                        let names: Vec<proc_macro2::Ident> = (0..args.len())
                            .map(|k| self.local.partials[k].clone())
                            .collect();
                        let adds: TokenStream = args
                            .iter()
                            .zip(&names)
                            .map(|(a, d)| self.contribute(a, quote!(#g * #d)))
                            .collect();
                        quote!(let (#(#names),*) = #call; #adds)
                    }
                }
            }
            Op::Index(array, index) if self.plan.is_active(*array) => {
                let buffer = self.buffer(*array);
                let idx = self.vals(index);
                quote!(#buffer #([#idx])* = #buffer #([#idx])* + #g;)
            }
            Op::Call(_) => self.call_rule(stmt, op, quote!(#g)),
            _ => TokenStream::new(),
        }
    }

    fn binary_rule(
        &self,
        op: BinOp,
        a: &Operand,
        b: &Operand,
        result: &TokenStream,
    ) -> TokenStream {
        let g = &self.g;
        let (va, vb) = (self.val(a), self.val(b));
        match op {
            BinOp::Add => {
                let mut out = self.contribute(a, quote!(#g));
                out.extend(self.contribute(b, quote!(#g)));
                out
            }
            BinOp::Sub => {
                let mut out = self.contribute(a, quote!(#g));
                out.extend(self.contribute(b, quote!(-#g)));
                out
            }
            BinOp::Mul => {
                let mut out = self.contribute(a, quote!(#g * #vb));
                out.extend(self.contribute(b, quote!(#g * #va)));
                out
            }
            BinOp::Div => {
                // One division serves both partials: d(a/b) = (da - (a/b) db) / b.
                let q = &self.local.quotient;
                let mut out = quote!(let #q = #g / #vb;);
                out.extend(self.contribute(a, quote!(#q)));
                out.extend(self.contribute(b, quote!(-(#q * #result))));
                out
            }
            _ => TokenStream::new(),
        }
    }

    /// Calls `path_adjoint` with an adjoint slot after every float argument and `seed` last.
    fn call_rule(&self, stmt: &Stmt, op: &Op, seed: TokenStream) -> TokenStream {
        let Op::Call(call) = op else {
            return TokenStream::new();
        };
        let mut path = call.path.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = format_ident!("{}_adjoint", last.ident, span = last.ident.span());
        }
        let zero = &self.zero;
        let mut prepare = TokenStream::new();
        let mut args = Vec::new();
        let mut collect = TokenStream::new();
        let mut given: Vec<VarId> = Vec::new();
        for (k, arg) in call.args.iter().enumerate() {
            args.push(self.call_arg(&arg.operand, arg.by_ref));
            match self.ty_of(&arg.operand) {
                Ty::Scalar(crate::ir::Scalar::Float) => {
                    let slot = &self.slots[k];
                    prepare.extend(quote!(let mut #slot = #zero;));
                    args.push(quote!(&mut #slot));
                    collect.extend(self.contribute(&arg.operand, quote!(#slot)));
                }
                Ty::Array(a) if a.elem == crate::ir::Scalar::Float => {
                    let repeated = arg
                        .operand
                        .var()
                        .filter(|v| self.plan.is_active(*v) && given.contains(v));
                    match repeated {
                        // The same array passed twice cannot lend its adjoint buffer twice:
                        // the second slot is a fresh buffer added into it after the call.
                        Some(v) => {
                            args.push(self.repeated_slot(k, v, &a, &mut prepare, &mut collect))
                        }
                        None => args.push(self.array_slot(stmt, k, &arg.operand, &a, &mut prepare)),
                    }
                    given.extend(arg.operand.var());
                }
                _ => {}
            }
        }
        quote! {
            #prepare
            #path(#(#args),* , #seed);
            #collect
        }
    }

    /// The adjoint buffer passed for an array argument: its own adjoint when it is active,
    /// otherwise scratch space whose contents are thrown away.
    fn repeated_slot(
        &self,
        k: usize,
        v: VarId,
        array: &crate::ir::ArrayTy,
        prepare: &mut TokenStream,
        collect: &mut TokenStream,
    ) -> TokenStream {
        let slot = &self.slots[k];
        let primal = self.names.primal(v);
        let zero = &self.zero;
        let zeros = self.zeros(&array.dims, quote!(#zero), Some(quote!(#primal.len())));
        prepare.extend(quote!(let mut #slot = #zeros;));
        let len = matches!(array.dims[0], Dim::Dynamic).then(|| quote!(#primal.len()));
        let target = self.flat_mut(self.buffer(v), array, len.as_ref());
        let source = self.flat(quote!(#slot), array, None);
        collect.extend(quote!(::grad_runtime::rules::accumulate_slice(#target, #source);));
        match array.dims[0] {
            Dim::Dynamic => quote!(&mut #slot[..]),
            Dim::Fixed(_) => quote!(&mut #slot),
        }
    }

    fn array_slot(
        &self,
        stmt: &Stmt,
        k: usize,
        operand: &Operand,
        array: &crate::ir::ArrayTy,
        prepare: &mut TokenStream,
    ) -> TokenStream {
        let zero = &self.zero;
        let Some(v) = operand.var() else {
            return TokenStream::new();
        };
        if self.plan.is_active(v) {
            let buffer = self.buffer(v);
            let primal = self.names.primal(v);
            return match (
                &array.dims[0],
                self.is_param(v) && !self.param_is_written(v),
            ) {
                (_, true) => quote!(&mut *#buffer),
                (Dim::Dynamic, false) => quote!(&mut #buffer[..#primal.len()]),
                (Dim::Fixed(_), false) => quote!(&mut #buffer),
            };
        }
        match self.scratch.get(&(stmt.id, k)) {
            Some(scratch) => {
                let primal = self.names.primal(v);
                prepare.extend(quote!(#scratch.clear(); #scratch.resize(#primal.len(), #zero);));
                quote!(&mut #scratch[..])
            }
            None => {
                let zeros = self.zeros(&array.dims, quote!(#zero), None);
                quote!(&mut #zeros)
            }
        }
    }

    /// The adjoint of a whole-array definition: the array's adjoint flows into what built it,
    /// then is cleared for the value the array held before.
    fn backward_array_def(
        &self,
        stmt: &Stmt,
        target: VarId,
        op: &Op,
        restore: TokenStream,
    ) -> TokenStream {
        let Some(array) = self.body.var(target).ty.array().cloned() else {
            return restore;
        };
        let bar = self.names.bar(target);
        let len_name = &self.local.len;
        let (len_decl, len) = if matches!(array.dims[0], Dim::Dynamic) {
            let decl = if self.tracks_lengths(target) {
                let lens = self.names.lens(target);
                quote!(let #len_name = #lens.pop().unwrap_or_default();)
            } else {
                let t = self.names.primal(target);
                quote!(let #len_name = #t.len();)
            };
            (decl, Some(quote!(#len_name)))
        } else {
            (TokenStream::new(), None)
        };
        let flow = self.array_rule(stmt, op, &array, bar, len.as_ref());
        let cleared = self.flat_mut(quote!(#bar), &array, len.as_ref());
        let reset = self
            .resets_at(target, stmt.id)
            .then(|| quote!(::grad_runtime::rules::zero(#cleared);));
        if flow.is_empty() && reset.is_none() {
            return restore;
        }
        quote_spanned! {stmt.span=>
            {
                #len_decl
                #flow
                #reset
            }
            #restore
        }
    }

    fn array_rule(
        &self,
        stmt: &Stmt,
        op: &Op,
        array: &crate::ir::ArrayTy,
        bar: &proc_macro2::Ident,
        len: Option<&TokenStream>,
    ) -> TokenStream {
        let rules = quote!(::grad_runtime::rules);
        let source = self.flat(quote!(#bar), array, len);
        match op {
            Op::Repeat { value, .. } => match (value.var(), self.ty_of(value)) {
                (Some(v), Ty::Scalar(_)) if self.plan.is_active(v) => {
                    let target = self.flat_mut(quote!(#bar), array, len);
                    self.contribute(value, quote!(#rules::take_sum(#target)))
                }
                (Some(v), Ty::Array(inner)) if self.plan.is_active(v) => {
                    let row = &self.local.row;
                    let rows = match len {
                        Some(len) => quote!(#bar[..#len]),
                        None => quote!(#bar),
                    };
                    let target = self.flat_mut(self.buffer(v), &inner, None);
                    let mut row_ty = array.clone();
                    row_ty.dims.remove(0);
                    let row_flat = self.flat(quote!(#row), &row_ty, None);
                    quote!(for #row in #rows.iter() { #rules::accumulate_slice(#target, #row_flat); })
                }
                _ => TokenStream::new(),
            },
            Op::List { items, .. } => items
                .iter()
                .enumerate()
                .map(|(k, item)| match self.ty_of(item) {
                    Ty::Scalar(_) => self.contribute(item, quote!(#bar[#k])),
                    Ty::Array(inner) => match item.var() {
                        Some(v) if self.plan.is_active(v) => {
                            let target = self.flat_mut(self.buffer(v), &inner, None);
                            let mut row_ty = array.clone();
                            row_ty.dims.remove(0);
                            let row = self.flat(quote!(#bar[#k]), &row_ty, None);
                            quote!(#rules::accumulate_slice(#target, #row);)
                        }
                        _ => TokenStream::new(),
                    },
                })
                .collect(),
            Op::CopyArray(src) if self.plan.is_active(*src) => {
                let target = self.flat_mut(self.buffer(*src), array, len);
                quote!(#rules::accumulate_slice(#target, #source);)
            }
            Op::Call(_) => {
                let seed = match len {
                    Some(len) => quote!(&#bar[..#len]),
                    None => quote!(&#bar),
                };
                self.call_rule(stmt, op, seed)
            }
            _ => TokenStream::new(),
        }
    }

    fn backward_store(
        &self,
        stmt: &Stmt,
        array: VarId,
        index: &[Operand],
        value: &Operand,
        accumulate: Option<BinOp>,
    ) -> TokenStream {
        let idx = self.vals(index);
        let restore = if self.plan.saved.contains(&stmt.id) {
            let tape = self.names.elems(array);
            let a = self.names.primal(array);
            let old = &self.local.old;
            quote!(if let ::core::option::Option::Some(#old) = #tape.pop() { #a #([#idx])* = #old; })
        } else {
            TokenStream::new()
        };
        if !self.plan.is_active(array) {
            return restore;
        }
        let g = &self.g;
        let zero = &self.zero;
        let buffer = self.buffer(array);
        let place = quote!(#buffer #([#idx])*);
        let (reset, sign) = match accumulate {
            None => (quote!(#place = #zero;), quote!(#g)),
            Some(BinOp::Sub) => (TokenStream::new(), quote!(-#g)),
            Some(_) => (TokenStream::new(), quote!(#g)),
        };
        let flow = self.contribute(value, sign);
        quote_spanned! {stmt.span=>
            {
                let #g = #place;
                #reset
                #flow
            }
            #restore
        }
    }
}

/// For `v = v + e`, `v = e + v` and `v = v - e`: the other operand, and whether it is
/// subtracted.
fn self_accumulation(target: VarId, op: &Op) -> Option<(&Operand, bool)> {
    let is_target = |o: &Operand| o.var() == Some(target);
    match op {
        Op::Binary(BinOp::Add, a, b) if is_target(a) && !is_target(b) => Some((b, false)),
        Op::Binary(BinOp::Add, a, b) if is_target(b) && !is_target(a) => Some((a, false)),
        Op::Binary(BinOp::Sub, a, b) if is_target(a) && !is_target(b) => Some((b, true)),
        _ => None,
    }
}

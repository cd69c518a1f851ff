//! Emission of the generated adjoint: declarations, the forward sweep and the assembly of
//! the whole function around the backward sweep (which `reverse` writes).
//!
//! Before and after, for `fn f(x: f64, y: f64) -> f64 { x * y.sin() }`:
//!
//! ```text
//! fn f_adjoint(x: f64, x_adj: &mut f64, y: f64, y_adj: &mut f64, seed: f64) -> f64 {
//!     let zero: f64 = Zero::zero();
//!     let mut t1: f64 = zero;  let mut t2: f64 = zero;      // every variable, hoisted
//!     let mut t1_bar: f64 = zero; ...                       // adjoints of active variables
//!     t1 = y.sin();                                          // forward sweep
//!     t2 = x * t1;
//!     let result = t2;
//!     t2_bar = t2_bar + seed;                                // seed the output
//!     { let g = t2_bar; t2_bar = zero;                       // backward sweep
//!       x_bar = x_bar + g * t1; t1_bar = t1_bar + g * x; }
//!     { let g = t1_bar; t1_bar = zero; y_bar = y_bar + g * d_sin(y); }
//!     *x_adj = *x_adj + x_bar; *y_adj = *y_adj + y_bar;      // add into the caller's slots
//!     result
//! }
//! ```

use crate::ir::{
    Adaptor, ArrayTy, Block, Body, Dim, Len, Op, Operand, Range, Scalar, Stmt, StmtId, StmtKind,
    Storage, Ty, VarId, VarKind,
};
use crate::names::Names;
use crate::saves::Plan;
use crate::signature::Signature;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use std::collections::BTreeMap;

pub struct Emitter<'a> {
    pub body: &'a Body,
    pub sig: &'a Signature,
    pub plan: &'a Plan,
    pub names: Names,
    pub zero: Ident,
    /// The gradient local of one backward step.
    pub g: Ident,
    /// Hoisted scratch buffers for inactive `Vec` arguments of calls: (call, argument).
    pub scratch: BTreeMap<(StmtId, usize), Ident>,
    /// Per-call scalar scratch slot names, by argument position.
    pub slots: Vec<Ident>,
    pub result: Ident,
    /// Names of short-lived locals of the backward sweep.
    pub local: Locals,
    /// How each variable is written, counted once.
    pub writes: WriteFacts,
    /// The recomputed definitions to emit before each anchor statement's backward code.
    pub recompute_at: BTreeMap<StmtId, Vec<&'a Stmt>>,
}

/// Per variable: how many statements write it, how many of them define it whole (`Assign`),
/// and whether any of those sits in a loop.
pub struct WriteFacts {
    pub count: Vec<u32>,
    pub defs: Vec<u32>,
    pub defs_in_loop: Vec<bool>,
    /// The first write of each variable, when it is outside every loop.
    pub first_outside_loops: Vec<Option<StmtId>>,
}

impl WriteFacts {
    fn of(body: &Body) -> WriteFacts {
        let n = body.vars.len();
        let mut facts = WriteFacts {
            count: vec![0; n],
            defs: vec![0; n],
            defs_in_loop: vec![false; n],
            first_outside_loops: vec![None; n],
        };
        visit_with_loops(&body.block, 0, &mut |stmt, depth| {
            let Some(v) = stmt.kind.writes() else { return };
            let k = v.0 as usize;
            if facts.count[k] == 0 && depth == 0 {
                facts.first_outside_loops[k] = Some(stmt.id);
            }
            facts.count[k] += 1;
            if let StmtKind::Assign { .. } = stmt.kind {
                facts.defs[k] += 1;
                facts.defs_in_loop[k] |= depth > 0;
            }
        });
        facts
    }
}

/// Locals the backward sweep declares inside its own blocks, named through `Names` so that
/// they can never shadow a user variable of the same name.
pub struct Locals {
    pub old: Ident,
    pub result_value: Ident,
    pub len: Ident,
    pub row: Ident,
    pub quotient: Ident,
    pub trips: Ident,
    pub partials: Vec<Ident>,
}

impl<'a> Emitter<'a> {
    pub fn new(body: &'a Body, sig: &'a Signature, plan: &'a Plan) -> Self {
        let mut names = Names::new(body);
        let zero = names.fresh("zero", Span::call_site());
        let g = names.fresh("g", Span::call_site());
        let result = names.fresh("result", Span::call_site());
        let local = Locals {
            old: names.fresh("old", Span::call_site()),
            result_value: names.fresh("r", Span::call_site()),
            len: names.fresh("len", Span::call_site()),
            row: names.fresh("row", Span::call_site()),
            quotient: names.fresh("q", Span::call_site()),
            trips: names.fresh("trips", Span::call_site()),
            partials: (0..3)
                .map(|k| names.fresh(&format!("d{k}"), Span::call_site()))
                .collect(),
        };
        let slots = (0..16)
            .map(|k| names.fresh(&format!("slot{k}"), Span::call_site()))
            .collect();
        let mut emitter = Emitter {
            body,
            sig,
            plan,
            names,
            zero,
            g,
            scratch: BTreeMap::new(),
            slots,
            result,
            local,
            writes: WriteFacts::of(body),
            recompute_at: BTreeMap::new(),
        };
        body.block.walk(&mut |stmt| {
            if let StmtKind::Assign { target, .. } = &stmt.kind {
                let k = target.0 as usize;
                if let (Some(anchor), true) = (plan.recomputed[k], plan.needed[k]) {
                    emitter.recompute_at.entry(anchor).or_default().push(stmt);
                }
            }
        });
        emitter.name_scratch();
        emitter
    }

    fn name_scratch(&mut self) {
        let mut wanted = Vec::new();
        self.body.block.walk(&mut |stmt| {
            if let StmtKind::Assign {
                op: Op::Call(call), ..
            } = &stmt.kind
            {
                for (k, arg) in call.args.iter().enumerate() {
                    let ty = self.ty_of(&arg.operand);
                    let dynamic = ty
                        .array()
                        .is_some_and(|a| matches!(a.dims[0], Dim::Dynamic));
                    if dynamic && ty.holds_floats() && !self.plan.activity.operand(&arg.operand) {
                        wanted.push((stmt.id, k));
                    }
                }
            }
        });
        for key in wanted {
            let name = self.names.fresh("scratch", Span::call_site());
            self.scratch.insert(key, name);
        }
    }

    pub fn ty_of(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(v) => self.body.var(*v).ty.clone(),
            Operand::Const(c) => Ty::Scalar(c.ty),
        }
    }

    pub fn float(&self) -> &TokenStream {
        &self.sig.float
    }

    /// The value of an operand in the primal sweep.
    pub fn val(&self, operand: &Operand) -> TokenStream {
        match operand {
            Operand::Var(v) => self.names.primal(*v).to_token_stream(),
            Operand::Const(c) => {
                let tokens = &c.tokens;
                if tokens.clone().into_iter().count() == 1 {
                    tokens.clone()
                } else {
                    quote!((#tokens))
                }
            }
        }
    }

    /// The value of an operand, with variables located at the user's code at `span` so that
    /// a type error in the forward sweep points there.
    pub fn val_at(&self, span: Span, operand: &Operand) -> TokenStream {
        let Operand::Var(v) = operand else {
            return self.val(operand);
        };
        let ident = self.names.primal(*v);
        let name = ident.to_string();
        // Keep the name's own hygiene (where it resolves) and take only the location.
        let located = Ident::new(
            &name,
            ident.span().resolved_at(ident.span()).located_at(span),
        );
        located.to_token_stream()
    }

    pub fn vals_at(&self, span: Span, operands: &[Operand]) -> Vec<TokenStream> {
        operands.iter().map(|o| self.val_at(span, o)).collect()
    }

    pub fn vals(&self, operands: &[Operand]) -> Vec<TokenStream> {
        operands.iter().map(|o| self.val(o)).collect()
    }

    pub fn is_param(&self, v: VarId) -> bool {
        matches!(self.body.var(v).kind, VarKind::Param(_))
    }

    /// Parameters that the body writes get a local adjoint buffer, so resetting adjoints on
    /// overwrite never clears what the caller had accumulated.
    pub fn param_is_written(&self, v: VarId) -> bool {
        self.is_param(v) && self.writes.count[v.0 as usize] > 0
    }

    /// The adjoint buffer of an active array: the caller's slice or a local buffer.
    pub fn buffer(&self, v: VarId) -> TokenStream {
        match self.body.var(v).kind {
            VarKind::Param(i) if !self.param_is_written(v) => {
                self.sig.params[i].adj_ident.to_token_stream()
            }
            _ => self.names.bar(v).to_token_stream(),
        }
    }

    /// Whether the adjoint of `v` must restart from zero at the write `at`: it must unless
    /// `at` is the first write of a local and outside loops, when no earlier value exists
    /// whose adjoint the backward sweep could still reach. (A parameter's earlier value is
    /// the caller's.)
    pub fn resets_at(&self, v: VarId, at: StmtId) -> bool {
        self.is_param(v) || self.writes.first_outside_loops[v.0 as usize] != Some(at)
    }

    /// A `Vec` local defined more than once (or in a loop): its adjoint is sized for the longest
    /// instance, and each instance's length is kept on a tape.
    pub fn tracks_lengths(&self, v: VarId) -> bool {
        let var = self.body.var(v);
        let is_vec = var
            .ty
            .array()
            .is_some_and(|a| matches!(a.dims[0], Dim::Dynamic));
        if !is_vec || self.is_param(v) || !self.plan.is_active(v) {
            return false;
        }
        let k = v.0 as usize;
        self.writes.defs[k] > 1 || self.writes.defs_in_loop[k]
    }

    /// `&mut buffer[..]` flattened to one dimension, cut to `len` elements of the outer
    /// dimension when given.
    pub fn flat_mut(
        &self,
        buffer: TokenStream,
        array: &ArrayTy,
        len: Option<&TokenStream>,
    ) -> TokenStream {
        let cut = match len {
            Some(len) => quote!(#buffer[..#len]),
            None => quote!(#buffer[..]),
        };
        let mut out = quote!((&mut #cut));
        for _ in 1..array.dims.len() {
            out = quote!(#out.as_flattened_mut());
        }
        out
    }

    pub fn flat(
        &self,
        buffer: TokenStream,
        array: &ArrayTy,
        len: Option<&TokenStream>,
    ) -> TokenStream {
        let cut = match len {
            Some(len) => quote!(#buffer[..#len]),
            None => quote!(#buffer[..]),
        };
        let mut out = quote!((&#cut));
        for _ in 1..array.dims.len() {
            out = quote!(#out.as_flattened());
        }
        out
    }

    /// A zero-filled array expression of the given dimensions from `inner` outwards.
    pub fn zeros(
        &self,
        dims: &[Dim],
        scalar: TokenStream,
        outer_len: Option<TokenStream>,
    ) -> TokenStream {
        let mut value = scalar;
        for (k, dim) in dims.iter().enumerate().rev() {
            value = match (dim, k, &outer_len) {
                (Dim::Fixed(n), _, _) => quote!([#value; #n]),
                (Dim::Dynamic, 0, Some(len)) => quote!(::std::vec![#value; #len]),
                (Dim::Dynamic, _, _) => quote!(::std::vec::Vec::new()),
            };
        }
        value
    }

    fn scalar_zero(&self, scalar: Scalar) -> TokenStream {
        match scalar {
            Scalar::Float => self.zero.to_token_stream(),
            Scalar::Int => quote!(0),
            Scalar::Bool => quote!(false),
            Scalar::Opaque => quote!(::core::default::Default::default()),
        }
    }

    /// The `let mut` declaration of one variable, hoisted to the top so both sweeps see it.
    fn declaration(&self, v: VarId) -> TokenStream {
        let var = self.body.var(v);
        let name = self.names.primal(v);
        let zero = &self.zero;
        match (&var.ty, &var.annotation) {
            (Ty::Scalar(Scalar::Float), _) => {
                let float = self.float();
                quote!(let mut #name: #float = #zero;)
            }
            (Ty::Scalar(s), Some(annotation)) => {
                let init = self.scalar_zero(*s);
                quote!(let mut #name: #annotation = #init;)
            }
            (Ty::Scalar(s), None) => {
                let init = self.scalar_zero(*s);
                quote!(let mut #name = #init;)
            }
            (Ty::Array(a), _) => {
                let init = self.zeros(&a.dims, self.scalar_zero(a.elem), None);
                quote!(let mut #name = #init;)
            }
        }
    }

    fn written_locals(&self) -> Vec<VarId> {
        let mut seen = vec![false; self.body.vars.len()];
        self.body.block.walk(&mut |stmt| {
            if let Some(v) = stmt.kind.writes() {
                seen[v.0 as usize] = true;
            }
            if let StmtKind::For {
                exit: Some(exit), ..
            }
            | StmtKind::Loop { exit, .. } = &stmt.kind
            {
                seen[exit.trips.0 as usize] = true;
            }
        });
        self.body
            .var_ids()
            .filter(|v| {
                seen[v.0 as usize]
                    && !matches!(
                        self.body.var(*v).kind,
                        VarKind::Param(_) | VarKind::LoopIndex
                    )
            })
            .collect()
    }

    /// Adjoint variables, tapes and scratch buffers.
    pub fn adjoint_declarations(&self) -> TokenStream {
        let zero = &self.zero;
        let float = self.float();
        let mut out = TokenStream::new();
        for v in self.body.var_ids().filter(|v| self.plan.is_active(*v)) {
            let bar = self.names.bar(v);
            match &self.body.var(v).ty {
                Ty::Scalar(_) => out.extend(quote!(let mut #bar: #float = #zero;)),
                Ty::Array(_) if self.is_param(v) && !self.param_is_written(v) => {}
                Ty::Array(a) if self.is_param(v) => {
                    let primal = self.names.primal(v);
                    let init =
                        self.zeros(&a.dims, zero.to_token_stream(), Some(quote!(#primal.len())));
                    out.extend(quote!(let mut #bar = #init;));
                }
                Ty::Array(a) => {
                    let init = self.zeros(&a.dims, zero.to_token_stream(), None);
                    out.extend(quote!(let mut #bar = #init;));
                    if self.tracks_lengths(v) {
                        let (lens, max) = (self.names.lens(v), self.names.max_len(v));
                        out.extend(quote!(let mut #lens: ::std::vec::Vec<usize> = ::std::vec::Vec::new(); let mut #max: usize = 0;));
                    }
                }
            }
        }
        let mut tapes = std::collections::BTreeSet::new();
        let mut elems = std::collections::BTreeSet::new();
        self.body.block.walk(&mut |stmt| {
            if !self.plan.saved.contains(&stmt.id) {
                return;
            }
            match &stmt.kind {
                StmtKind::Store { array, .. } => {
                    elems.insert(*array);
                }
                kind => {
                    tapes.extend(kind.writes());
                }
            }
        });
        for v in tapes {
            let tape = self.names.tape(v);
            out.extend(quote!(let mut #tape = ::std::vec::Vec::new();));
        }
        for v in elems {
            let tape = self.names.elems(v);
            out.extend(quote!(let mut #tape = ::std::vec::Vec::new();));
        }
        for name in self.scratch.values() {
            out.extend(quote!(let mut #name: ::std::vec::Vec<#float> = ::std::vec::Vec::new();));
        }
        out
    }

    /// After the forward sweep: local `Vec` adjoints get their length.
    pub fn size_buffers(&self) -> TokenStream {
        let zero = &self.zero;
        let mut out = TokenStream::new();
        for v in self
            .body
            .var_ids()
            .filter(|v| self.plan.is_active(*v) && !self.is_param(*v))
        {
            let Ty::Array(a) = &self.body.var(v).ty else {
                continue;
            };
            if !matches!(a.dims[0], Dim::Dynamic) {
                continue;
            }
            let bar = self.names.bar(v);
            let len = if self.tracks_lengths(v) {
                self.names.max_len(v).to_token_stream()
            } else {
                let primal = self.names.primal(v);
                quote!(#primal.len())
            };
            let init = self.zeros(&a.dims, zero.to_token_stream(), Some(len));
            out.extend(quote!(#bar = #init;));
        }
        out
    }

    pub fn forward_block(&self, block: &Block) -> TokenStream {
        block.stmts.iter().map(|s| self.forward_stmt(s)).collect()
    }

    fn forward_stmt(&self, stmt: &Stmt) -> TokenStream {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Assign { target, op } => self.forward_assign(stmt.id, *target, op, span),
            StmtKind::Store {
                array,
                index,
                value,
                accumulate,
            } => {
                let a = self.names.primal(*array);
                let idx = self.vals(index);
                let place = quote!(#a #([#idx])*);
                let v = self.val(value);
                let save = if self.plan.saved.contains(&stmt.id) {
                    let tape = self.names.elems(*array);
                    quote!(#tape.push(#place);)
                } else {
                    TokenStream::new()
                };
                let write = match accumulate {
                    None => quote_spanned!(span=> #place = #v;),
                    Some(crate::ir::BinOp::Sub) => quote_spanned!(span=> #place = #place - #v;),
                    Some(_) => quote_spanned!(span=> #place = #place + #v;),
                };
                quote!(#save #write)
            }
            StmtKind::If {
                cond,
                then_block,
                else_block,
            } => {
                let c = self.names.primal(*cond);
                branch(
                    c,
                    self.forward_block(then_block),
                    self.forward_block(else_block),
                )
            }
            StmtKind::For {
                index,
                range,
                body,
                exit,
            } => {
                let i = self.names.primal(*index);
                let iter = self.iterator(range);
                let reserve = self.reserve_tapes(body, &iter);
                let inner = self.forward_block(body);
                match exit {
                    None => quote!(#reserve for #i in #iter { #inner }),
                    Some(exit) => {
                        let (start, count, stop) = self.exit_parts(stmt.id, *exit);
                        quote!(#reserve #start for #i in #iter { #count #inner #stop })
                    }
                }
            }
            StmtKind::Loop { body, exit } => {
                let inner = self.forward_block(body);
                let (start, count, stop) = self.exit_parts(stmt.id, *exit);
                quote!(#start loop { #count #inner #stop })
            }
        }
    }

    /// Reserves room on the tapes that a counted loop's body pushes to directly, for all its
    /// trips at once, so the tapes grow before the loop rather than inside it.
    fn reserve_tapes(&self, body: &Block, iter: &TokenStream) -> TokenStream {
        let mut pushes: BTreeMap<String, (Ident, usize)> = BTreeMap::new();
        let mut count = |tape: &Ident| {
            let entry = pushes.entry(tape.to_string()).or_insert((tape.clone(), 0));
            entry.1 += 1;
        };
        visit_outside_loops(body, &mut |stmt| {
            if !self.plan.saved.contains(&stmt.id) {
                return;
            }
            match &stmt.kind {
                StmtKind::Store { array, .. } => count(self.names.elems(*array)),
                StmtKind::Assign { target, .. } => count(self.names.tape(*target)),
                StmtKind::For {
                    exit: Some(exit), ..
                }
                | StmtKind::Loop { exit, .. } => count(self.names.tape(exit.trips)),
                _ => {}
            }
        });
        if pushes.is_empty() {
            return TokenStream::new();
        }
        let trips = &self.local.trips;
        let reserves = pushes
            .values()
            .map(|(tape, n)| quote!(#tape.reserve(#trips * #n);));
        quote!({ let #trips = #iter.size_hint().0; #(#reserves)* })
    }

    fn exit_parts(
        &self,
        id: StmtId,
        exit: crate::ir::Exit,
    ) -> (TokenStream, TokenStream, TokenStream) {
        let trips = self.names.primal(exit.trips);
        let broke = self.names.primal(exit.broke);
        let save = if self.plan.saved.contains(&id) {
            let tape = self.names.tape(exit.trips);
            quote!(#tape.push(#trips);)
        } else {
            TokenStream::new()
        };
        (
            quote!(#save #trips = 0;),
            quote!(#trips += 1;),
            quote!(if #broke { break; }),
        )
    }

    /// The forward iterator of a counted loop; `a..=b` is written `a..b + 1` so that every
    /// adaptor keeps an exact size and can be reversed.
    pub fn iterator(&self, range: &Range) -> TokenStream {
        let start = self.val(&range.start);
        let end = self.val(&range.end);
        let mut iter = if range.inclusive {
            quote!((#start..#end + 1))
        } else {
            quote!((#start..#end))
        };
        for adaptor in &range.adaptors {
            iter = match adaptor {
                Adaptor::Rev => quote!(#iter.rev()),
                Adaptor::StepBy(k) => {
                    let k = self.val(k);
                    quote!(#iter.step_by(#k))
                }
            };
        }
        iter
    }

    fn forward_assign(&self, id: StmtId, target: VarId, op: &Op, span: Span) -> TokenStream {
        let t = self.names.primal(target);
        let value = self.op_expr(op, span);
        let save = if self.plan.saved.contains(&id) {
            let tape = self.names.tape(target);
            match &self.body.var(target).ty {
                Ty::Array(a) if matches!(a.dims[0], Dim::Dynamic) => {
                    quote!(#tape.push(::core::mem::take(&mut #t));)
                }
                _ => quote!(#tape.push(#t);),
            }
        } else {
            TokenStream::new()
        };
        let track = if self.tracks_lengths(target) {
            let (lens, max) = (self.names.lens(target), self.names.max_len(target));
            quote!(#lens.push(#t.len()); #max = #max.max(#t.len());)
        } else {
            TokenStream::new()
        };
        quote_spanned!(span=> #save #t = #value; #track)
    }

    /// The primal expression of one operation.
    pub fn op_expr(&self, op: &Op, span: Span) -> TokenStream {
        match op {
            Op::Copy(a) => self.val_at(span, a),
            Op::Unary(crate::ir::UnOp::Neg, a) => {
                let a = self.val_at(span, a);
                quote_spanned!(span=> -#a)
            }
            Op::Unary(crate::ir::UnOp::Not, a) => {
                let a = self.val_at(span, a);
                quote_spanned!(span=> !#a)
            }
            Op::Binary(op, a, b) => {
                let (a, b) = (self.val_at(span, a), self.val_at(span, b));
                let symbol = binop_tokens(*op, span);
                quote_spanned!(span=> #a #symbol #b)
            }
            Op::Cast(a, ty) => {
                let a = self.val_at(span, a);
                quote_spanned!(span=> (#a as #ty))
            }
            Op::FromCast(a, float) => {
                let a = self.val_at(span, a);
                quote_spanned!(span=> <#float as ::grad_runtime::num_traits::NumCast>::from(#a).unwrap())
            }
            Op::Math(f, args) => f.forward(&self.vals_at(span, args)),
            Op::Index(a, index) => {
                let a = self.names.primal(*a);
                let idx = self.vals_at(span, index);
                quote_spanned!(span=> #a #([#idx])*)
            }
            Op::Len(a) => {
                let a = self.names.primal(*a);
                quote_spanned!(span=> #a.len())
            }
            Op::Call(call) => {
                let path = &call.path;
                let args: Vec<TokenStream> = call
                    .args
                    .iter()
                    .map(|a| self.call_arg(&a.operand, a.by_ref))
                    .collect();
                quote_spanned!(span=> #path(#(#args),*))
            }
            Op::Repeat { value, len, vec } => {
                let v = self.val_at(span, value);
                match (len, vec) {
                    (Len::Const(n), false) => quote_spanned!(span=> [#v; #n]),
                    (Len::Const(n), true) => quote_spanned!(span=> ::std::vec![#v; #n]),
                    (Len::Dynamic(n), _) => {
                        let n = self.val_at(span, n);
                        quote_spanned!(span=> ::std::vec![#v; #n])
                    }
                }
            }
            Op::List { items, vec } => {
                let items = self.vals_at(span, items);
                if *vec {
                    quote_spanned!(span=> ::std::vec![#(#items),*])
                } else {
                    quote_spanned!(span=> [#(#items),*])
                }
            }
            Op::CopyArray(src) => {
                let s = self.names.primal(*src);
                let Some(array) = self.body.var(*src).ty.array().cloned() else {
                    return s.to_token_stream();
                };
                match (&array.dims[0], array.storage) {
                    (Dim::Dynamic, Storage::Borrowed) => quote_spanned!(span=> #s.to_vec()),
                    (Dim::Dynamic, Storage::Owned) => quote_spanned!(span=> #s.clone()),
                    (Dim::Fixed(_), Storage::Borrowed) => quote_spanned!(span=> *#s),
                    (Dim::Fixed(_), Storage::Owned) => quote_spanned!(span=> #s),
                }
            }
        }
    }

    /// A primal call argument as the user passed it; owned `Vec`s passed by value are cloned
    /// because the adjoint still needs them.
    pub fn call_arg(&self, operand: &Operand, by_ref: bool) -> TokenStream {
        let v = self.val(operand);
        if by_ref {
            return quote!(&#v);
        }
        let owned_vec = operand
            .var()
            .and_then(|id| self.body.var(id).ty.array().cloned())
            .is_some_and(|a| a.storage == Storage::Owned && matches!(a.dims[0], Dim::Dynamic));
        if owned_vec {
            quote!(#v.clone())
        } else {
            v
        }
    }

    /// The whole generated function.
    pub fn adjoint_fn(&self, item: &syn::ItemFn) -> TokenStream {
        let sig = &item.sig;
        let vis = &item.vis;
        let name = format_ident!("{}_adjoint", sig.ident, span = sig.ident.span());
        let (_, _, where_clause) = sig.generics.split_for_impl();
        let generics = &sig.generics;
        let params = crate::fallback::signature_params(self.sig);
        let seed = &self.sig.seed_ident;
        let seed_ty = self.sig.seed_type();
        let output = &self.sig.output_ty;
        let doc = crate::fallback::doc(self.sig, &sig.ident);
        let body = self.fn_body();
        let mention = mention_primal(sig);
        quote! {
            #[doc = #doc]
            #[allow(unused_mut, unused_variables, unused_assignments, unused_parens, unused_braces, dead_code, unreachable_code, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
            #vis fn #name #generics (#params #seed: #seed_ty) -> #output #where_clause {
                #mention
                #body
            }
        }
    }

    fn fn_body(&self) -> TokenStream {
        let float = self.float();
        let zero = &self.zero;
        let declarations: TokenStream = self
            .written_locals()
            .into_iter()
            .map(|v| self.declaration(v))
            .collect();
        let adjoints = self.adjoint_declarations();
        let forward = self.forward_block(&self.body.block);
        let result = &self.result;
        let output = self.output_value();
        let sizes = self.size_buffers();
        let seed = self.seed_output();
        let backward = self.backward_block(&self.body.block);
        let finish = self.finish_params();
        quote! {
            // Adjoints start at negative zero, the identity of floating-point addition, so
            // the compiler can fold `-0.0 + g` into `g`; it cannot fold `0.0 + g`.
            let #zero: #float = -<#float as ::grad_runtime::num_traits::Zero>::zero();
            #declarations
            #adjoints
            #forward
            let #result = #output;
            #sizes
            #seed
            #backward
            #finish
            #result
        }
    }

    fn output_value(&self) -> TokenStream {
        let value = self.val(&self.body.output);
        match &self.ty_of(&self.body.output) {
            Ty::Array(a) if matches!(a.dims[0], Dim::Dynamic) => quote!(#value.clone()),
            Ty::Array(a) if a.storage == Storage::Borrowed => quote!(*#value),
            _ => value,
        }
    }

    fn seed_output(&self) -> TokenStream {
        let seed = &self.sig.seed_ident;
        let Some(v) = self.body.output.var().filter(|v| self.plan.is_active(*v)) else {
            return TokenStream::new();
        };
        match &self.body.var(v).ty {
            Ty::Scalar(_) => {
                let bar = self.names.bar(v);
                quote!(#bar = #bar + #seed;)
            }
            Ty::Array(a) => {
                let primal = self.names.primal(v);
                let len = matches!(a.dims[0], Dim::Dynamic).then(|| quote!(#primal.len()));
                let target = self.flat_mut(self.buffer(v), a, len.as_ref());
                let source = self.flat(seed.to_token_stream(), a, None);
                quote!(::grad_runtime::rules::accumulate_slice(#target, #source);)
            }
        }
    }

    /// Adds the local adjoints of parameters into the caller's slots.
    fn finish_params(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for v in self
            .body
            .var_ids()
            .filter(|v| self.is_param(*v) && self.plan.is_active(*v))
        {
            let VarKind::Param(i) = self.body.var(v).kind else {
                continue;
            };
            let adj = &self.sig.params[i].adj_ident;
            let bar = self.names.bar(v);
            match &self.body.var(v).ty {
                Ty::Scalar(_) => out.extend(quote!(*#adj = *#adj + #bar;)),
                Ty::Array(a) if self.param_is_written(v) => {
                    let target = self.flat_mut(adj.to_token_stream(), a, None);
                    let source = self.flat(bar.to_token_stream(), a, None);
                    out.extend(quote!(::grad_runtime::rules::accumulate_slice(#target, #source);));
                }
                Ty::Array(_) => {}
            }
        }
        out
    }
}

fn binop_tokens(op: crate::ir::BinOp, span: Span) -> TokenStream {
    use crate::ir::BinOp as B;
    match op {
        B::Add => quote_spanned!(span=> +),
        B::Sub => quote_spanned!(span=> -),
        B::Mul => quote_spanned!(span=> *),
        B::Div => quote_spanned!(span=> /),
        B::Rem => quote_spanned!(span=> %),
        B::Lt => quote_spanned!(span=> <),
        B::Le => quote_spanned!(span=> <=),
        B::Gt => quote_spanned!(span=> >),
        B::Ge => quote_spanned!(span=> >=),
        B::Eq => quote_spanned!(span=> ==),
        B::Ne => quote_spanned!(span=> !=),
        B::Or => quote_spanned!(span=> ||),
        B::BitAnd => quote_spanned!(span=> &),
        B::BitOr => quote_spanned!(span=> |),
        B::BitXor => quote_spanned!(span=> ^),
        B::Shl => quote_spanned!(span=> <<),
        B::Shr => quote_spanned!(span=> >>),
    }
}

/// Visits statements with their loop depth.
pub fn visit_with_loops(block: &Block, depth: usize, visit: &mut impl FnMut(&Stmt, usize)) {
    for stmt in &block.stmts {
        visit(stmt, depth);
        let inner = depth + usize::from(stmt.is_loop());
        for child in stmt.children() {
            visit_with_loops(child, inner, visit);
        }
    }
}

/// `let _ = name::<T, N>;`: the adjoint names the function it differentiates, so a program
/// that calls only the adjoint does not get a dead-code warning for the function itself.
fn mention_primal(sig: &syn::Signature) -> TokenStream {
    let impl_trait = sig.inputs.iter().any(|input| {
        matches!(input, syn::FnArg::Typed(t) if t.ty.to_token_stream().to_string().contains("impl"))
    });
    if impl_trait {
        return TokenStream::new();
    }
    let name = &sig.ident;
    let args: Vec<&Ident> = sig
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        quote!(let _ = #name;)
    } else {
        quote!(let _ = #name::<#(#args),*>;)
    }
}

/// Visits the statements of a block and of its branches, but not of nested loops.
fn visit_outside_loops(block: &Block, visit: &mut impl FnMut(&Stmt)) {
    for stmt in &block.stmts {
        visit(stmt);
        if let StmtKind::If {
            then_block,
            else_block,
            ..
        } = &stmt.kind
        {
            visit_outside_loops(then_block, visit);
            visit_outside_loops(else_block, visit);
        }
    }
}

/// `if cond { then } else { else }`, without the `else` when that branch is empty.
pub fn branch(cond: &Ident, then_tokens: TokenStream, else_tokens: TokenStream) -> TokenStream {
    if else_tokens.is_empty() {
        quote!(if #cond { #then_tokens })
    } else {
        quote!(if #cond { #then_tokens } else { #else_tokens })
    }
}

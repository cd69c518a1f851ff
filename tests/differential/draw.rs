//! Drawing random functions of the supported subset, safe by construction.

use crate::program::{
    Arg, AssignOp, BinOp, Binary, CmpOp, Cond, ContainerKind, Expr, Function, Index, Param,
    ParamKind, Range, Rng, Stmt, Unary, LEN,
};

/// Everything visible at one point of a body while drawing it.
#[derive(Clone, Default)]
struct Scope {
    floats: Vec<(String, bool)>,
    containers: Vec<(String, ContainerKind)>,
    loop_vars: Vec<String>,
    counters: Vec<String>,
    count_params: Vec<String>,
    /// Containers an enclosing iterator loop borrows, so the body must not write them.
    borrowed: Vec<String>,
    in_loop: bool,
}

impl Scope {
    fn mutable_floats(&self) -> Vec<String> {
        self.floats
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn local_arrays(&self) -> Vec<String> {
        let writable = |(name, kind): &&(String, ContainerKind)| {
            matches!(kind, ContainerKind::LocalVec | ContainerKind::LocalArray)
                && !self.borrowed.contains(name)
        };
        self.containers
            .iter()
            .filter(writable)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// Draws one function body; `callees` are the earlier functions it may call.
struct Drawer<'a> {
    rng: &'a mut Rng,
    callees: &'a [Function],
    names: usize,
    statements: usize,
    call_depth: usize,
}

/// Statements per function, counting nested ones, so bodies stay readable and quick to build.
const MAX_STATEMENTS: usize = 14;

impl Drawer<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}{}", self.names)
    }

    fn index(&mut self, scope: &Scope) -> Index {
        let roll = self.rng.below(10);
        if roll < 5 && !scope.loop_vars.is_empty() {
            let var = self.rng.pick(&scope.loop_vars).clone();
            return match self.rng.below(3) {
                0 => Index::Var(var),
                1 => Index::Mirror(var),
                _ => Index::Shifted(var, 1 + self.rng.below(LEN - 1)),
            };
        }
        if roll < 7 && !scope.counters.is_empty() {
            let var = self.rng.pick(&scope.counters).clone();
            return Index::Shifted(var, self.rng.below(LEN));
        }
        Index::Const(self.rng.below(LEN))
    }

    fn leaf(&mut self, scope: &Scope) -> Expr {
        let roll = self.rng.below(10);
        if roll < 5 && !scope.floats.is_empty() {
            return Expr::Var(self.rng.pick(&scope.floats).0.clone());
        }
        if roll < 8 && !scope.containers.is_empty() {
            let array = self.rng.pick(&scope.containers).0.clone();
            return Expr::Read(array, self.index(scope));
        }
        Expr::Lit(self.rng.constant(-2.0, 2.0))
    }

    fn expr(&mut self, scope: &Scope, depth: usize) -> Expr {
        if depth == 0 || self.rng.chance(20) {
            return self.leaf(scope);
        }
        let d = depth - 1;
        match self.rng.below(20) {
            0..=5 => {
                let op = *self
                    .rng
                    .pick(&[BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Mul]);
                let op = if self.rng.chance(20) {
                    BinOp::SafeDiv(1 + self.rng.below(3) as u32)
                } else {
                    op
                };
                Expr::Bin(
                    op,
                    Box::new(self.expr(scope, d)),
                    Box::new(self.expr(scope, d)),
                )
            }
            6..=11 => Expr::Unary(*self.rng.pick(UNARIES), Box::new(self.expr(scope, d))),
            12..=14 => {
                let form = match self.rng.below(8) {
                    0 => Binary::Atan2,
                    1 => Binary::Hypot,
                    2 => Binary::Powf,
                    3 => Binary::Log,
                    4 => Binary::Max,
                    5 => Binary::Min,
                    6 => Binary::MulAdd,
                    _ => Binary::Clamp(
                        -(1 + self.rng.below(2) as i32),
                        1 + self.rng.below(2) as i32,
                    ),
                };
                let third = if form == Binary::MulAdd {
                    self.expr(scope, d)
                } else {
                    Expr::Lit(0.0)
                };
                let first = self.expr(scope, d);
                let second = distinct(&first, self.expr(scope, d));
                Expr::Binary(form, Box::new(first), Box::new(second), Box::new(third))
            }
            15 => Expr::Neg(Box::new(self.expr(scope, d))),
            16 | 17 => self.call(scope, d),
            _ => Expr::IfElse(
                Box::new(self.cond(scope, d)),
                Box::new(self.expr(scope, d)),
                Box::new(self.expr(scope, d)),
            ),
        }
    }

    /// A call of an earlier function whose own calls are shallow enough, or a leaf.
    fn call(&mut self, scope: &Scope, depth: usize) -> Expr {
        let candidates: Vec<usize> = (0..self.callees.len())
            .filter(|&i| self.callees[i].call_depth < 2)
            .collect();
        if candidates.is_empty() {
            return self.leaf(scope);
        }
        let callee = *self.rng.pick(&candidates);
        let mut args = Vec::new();
        for param in self.callees[callee].params.clone() {
            let arg = match param.kind {
                ParamKind::Scalar => Arg::Scalar(self.expr(scope, depth.min(1))),
                ParamKind::Count => Arg::Count,
                ParamKind::Slice | ParamKind::VecRef | ParamKind::Array => {
                    let fits = |k: &ContainerKind| match param.kind {
                        ParamKind::VecRef => {
                            matches!(k, ContainerKind::VecRefParam | ContainerKind::LocalVec)
                        }
                        ParamKind::Array => {
                            matches!(k, ContainerKind::ArrayParam | ContainerKind::LocalArray)
                        }
                        _ => true,
                    };
                    let options: Vec<_> = scope
                        .containers
                        .iter()
                        .filter(|(_, k)| fits(k))
                        .cloned()
                        .collect();
                    if options.is_empty() {
                        return self.leaf(scope);
                    }
                    let (name, kind) = self.rng.pick(&options).clone();
                    if param.kind == ParamKind::Array {
                        Arg::ArrayCopy(name)
                    } else {
                        Arg::Container(name, kind)
                    }
                }
            };
            args.push(arg);
        }
        self.call_depth = self.call_depth.max(self.callees[callee].call_depth + 1);
        Expr::Call(callee, args)
    }

    fn cond(&mut self, scope: &Scope, depth: usize) -> Cond {
        let op = *self.rng.pick(&[CmpOp::Lt, CmpOp::Gt, CmpOp::Le, CmpOp::Ge]);
        let left = self.expr(scope, depth.min(2));
        let right = distinct(&left, self.expr(scope, depth.min(1)));
        let cmp = Cond::Cmp(left, op, right);
        match self.rng.below(8) {
            0 => Cond::And(Box::new(cmp), Box::new(self.cond(scope, 0))),
            1 => Cond::Or(Box::new(cmp), Box::new(self.cond(scope, 0))),
            2 => Cond::Not(Box::new(cmp)),
            _ => cmp,
        }
    }

    fn assign_op(&mut self) -> AssignOp {
        *self.rng.pick(&[
            AssignOp::Set,
            AssignOp::Set,
            AssignOp::Add,
            AssignOp::Sub,
            AssignOp::Mul,
        ])
    }

    /// A block of one to `longest` statements; lets inside it are visible only to its own later statements.
    fn block(&mut self, scope: &mut Scope, longest: usize, nesting: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        for _ in 0..1 + self.rng.below(longest) {
            if self.statements >= MAX_STATEMENTS {
                break;
            }
            self.statements += 1;
            out.push(self.stmt(scope, nesting));
        }
        out
    }

    fn stmt(&mut self, scope: &mut Scope, nesting: usize) -> Stmt {
        let roll = self.rng.below(24);
        let mutable = scope.mutable_floats();
        let arrays = scope.local_arrays();
        match roll {
            0..=4 => self.let_stmt(scope),
            5..=8 if !mutable.is_empty() => {
                let name = self.rng.pick(&mutable).clone();
                let (op, value) = (self.assign_op(), self.expr(scope, 3));
                // `v = v` draws a lint and tests nothing; make it `v += v`.
                let op = match &value {
                    Expr::Var(v) if *v == name && op == AssignOp::Set => AssignOp::Add,
                    _ => op,
                };
                Stmt::Assign { name, op, value }
            }
            9 if nesting < 2 => {
                let name = self.fresh("t");
                let fill = self.expr(scope, 1);
                let local = if self.rng.chance(50) {
                    ContainerKind::LocalVec
                } else {
                    ContainerKind::LocalArray
                };
                scope.containers.push((name.clone(), local));
                if local == ContainerKind::LocalVec {
                    Stmt::LocalVec { name, fill }
                } else {
                    Stmt::LocalArray { name, fill }
                }
            }
            10..=11 if !arrays.is_empty() => {
                let array = self.rng.pick(&arrays).clone();
                let index = self.index(scope);
                let (op, value) = (self.assign_op(), self.expr(scope, 3));
                // `t[i] += t[j]` on a `Vec<F>` borrows `t` mutably while reading it, which
                // Rust rejects for a generic `F`; spell such updates out.
                if op != AssignOp::Set && mentions(&value, &array) {
                    let old = Expr::Read(array.clone(), index.clone());
                    let bin = match op {
                        AssignOp::Add => BinOp::Add,
                        AssignOp::Sub => BinOp::Sub,
                        _ => BinOp::Mul,
                    };
                    let value = Expr::Bin(bin, Box::new(old), Box::new(value));
                    return Stmt::Store {
                        array,
                        index,
                        op: AssignOp::Set,
                        value,
                    };
                }
                Stmt::Store {
                    array,
                    index,
                    op,
                    value,
                }
            }
            12..=13 if nesting < 3 => {
                let cond = self.cond(scope, 2);
                let then = self.block(&mut scope.clone(), 2, nesting + 1);
                let els = if self.rng.chance(50) {
                    self.block(&mut scope.clone(), 2, nesting + 1)
                } else {
                    Vec::new()
                };
                Stmt::If { cond, then, els }
            }
            14..=17 if nesting < 2 => self.counted_loop(scope, nesting),
            18..=19 if nesting < 2 => self.iterator_loop(scope, nesting),
            20..=21 if nesting < 2 => self.conditional_loop(scope, nesting),
            22 if scope.in_loop => Stmt::Break(self.cond(scope, 1)),
            23 if scope.in_loop => Stmt::Continue(self.cond(scope, 1)),
            _ => self.let_stmt(scope),
        }
    }

    fn let_stmt(&mut self, scope: &mut Scope) -> Stmt {
        let name = self.fresh("v");
        let value = self.expr(scope, 3);
        let mutable = self.rng.chance(60);
        scope.floats.push((name.clone(), mutable));
        Stmt::Let {
            name,
            mutable,
            value,
        }
    }

    fn loop_scope(scope: &Scope) -> Scope {
        Scope {
            in_loop: true,
            ..scope.clone()
        }
    }

    fn counted_loop(&mut self, scope: &mut Scope, nesting: usize) -> Stmt {
        let var = self.fresh("i");
        let range = match self.rng.below(9) {
            0 => Range::Up,
            1 => Range::UpInclusive,
            2 => Range::Rev,
            3 => Range::StepBy(2 + self.rng.below(2)),
            4 => Range::RevStepBy(2),
            5 if !scope.loop_vars.is_empty() => {
                Range::Below(self.rng.pick(&scope.loop_vars).clone())
            }
            6 if !scope.loop_vars.is_empty() => {
                Range::From(self.rng.pick(&scope.loop_vars).clone())
            }
            7 if !scope.count_params.is_empty() => {
                Range::OverCount(self.rng.pick(&scope.count_params).clone())
            }
            _ if !scope.containers.is_empty() => {
                Range::OverLen(self.rng.pick(&scope.containers).0.clone())
            }
            _ => Range::Up,
        };
        let mut inner = Self::loop_scope(scope);
        inner.loop_vars.push(var.clone());
        let body = self.block(&mut inner, 3, nesting + 1);
        Stmt::For { var, range, body }
    }

    fn iterator_loop(&mut self, scope: &mut Scope, nesting: usize) -> Stmt {
        if scope.containers.is_empty() {
            return self.counted_loop(scope, nesting);
        }
        let mut inner = Self::loop_scope(scope);
        let array = self.rng.pick(&scope.containers).0.clone();
        inner.borrowed.push(array.clone());
        let var = self.fresh("e");
        inner.floats.push((var.clone(), false));
        match self.rng.below(3) {
            0 => {
                let body = self.block(&mut inner, 3, nesting + 1);
                Stmt::ForEach { var, array, body }
            }
            1 => {
                let index = self.fresh("j");
                inner.loop_vars.push(index.clone());
                let body = self.block(&mut inner, 3, nesting + 1);
                Stmt::ForEnumerate {
                    index,
                    var,
                    array,
                    body,
                }
            }
            _ => {
                let b = self.rng.pick(&scope.containers).0.clone();
                inner.borrowed.push(b.clone());
                let right = self.fresh("e");
                inner.floats.push((right.clone(), false));
                let body = self.block(&mut inner, 3, nesting + 1);
                Stmt::ForZip {
                    left: var,
                    right,
                    a: array,
                    b,
                    body,
                }
            }
        }
    }

    fn conditional_loop(&mut self, scope: &mut Scope, nesting: usize) -> Stmt {
        let counter = self.fresh("k");
        let cond = self.cond(scope, 1);
        let mut inner = Self::loop_scope(scope);
        inner.counters.push(counter.clone());
        let body = self.block(&mut inner, 3, nesting + 1);
        if self.rng.chance(50) {
            Stmt::While {
                counter,
                cond,
                body,
            }
        } else {
            Stmt::Loop {
                counter,
                cond,
                body,
            }
        }
    }
}

/// `b`, shifted if it is the same expression as `a`: `v < v` or `v.max(v)` sits on its kink at
/// every point, so the test could never sample it.
fn distinct(a: &Expr, b: Expr) -> Expr {
    if *a == b {
        Expr::Bin(BinOp::Add, Box::new(b), Box::new(Expr::Lit(0.5)))
    } else {
        b
    }
}

/// Whether `e` reads the container `name`, directly or as a call argument.
fn mentions(e: &Expr, name: &str) -> bool {
    let cond_mentions = |c: &Cond| -> bool {
        fn walk(c: &Cond, name: &str) -> bool {
            match c {
                Cond::Cmp(a, _, b) => mentions(a, name) || mentions(b, name),
                Cond::And(a, b) | Cond::Or(a, b) => walk(a, name) || walk(b, name),
                Cond::Not(a) => walk(a, name),
            }
        }
        walk(c, name)
    };
    match e {
        Expr::Var(_) | Expr::Lit(_) => false,
        Expr::Read(a, _) => a == name,
        Expr::Neg(a) | Expr::Unary(_, a) => mentions(a, name),
        Expr::Bin(_, a, b) => mentions(a, name) || mentions(b, name),
        Expr::Binary(_, a, b, c) => mentions(a, name) || mentions(b, name) || mentions(c, name),
        Expr::Call(_, args) => args.iter().any(|arg| match arg {
            Arg::Scalar(a) => mentions(a, name),
            Arg::Container(n, _) | Arg::ArrayCopy(n) => n == name,
            Arg::Count => false,
        }),
        Expr::IfElse(c, a, b) => cond_mentions(c) || mentions(a, name) || mentions(b, name),
    }
}

const UNARIES: &[Unary] = &[
    Unary::Sin,
    Unary::Cos,
    Unary::Tan,
    Unary::Tanh,
    Unary::Atan,
    Unary::Asinh,
    Unary::Sinh,
    Unary::Cosh,
    Unary::Exp,
    Unary::Exp2,
    Unary::ExpM1,
    Unary::Ln,
    Unary::Log2,
    Unary::Log10,
    Unary::Ln1p,
    Unary::Sqrt,
    Unary::Cbrt,
    Unary::Asin,
    Unary::Acos,
    Unary::Atanh,
    Unary::Acosh,
    Unary::Recip,
    Unary::Square,
    Unary::Cube,
    Unary::InversePower,
    Unary::Abs,
    Unary::Signum,
    Unary::ToRadians,
];

/// Draws function number `index`; it may call any of `earlier`.
pub fn draw_function(rng: &mut Rng, index: usize, earlier: &[Function]) -> Function {
    let mut params = Vec::new();
    let mut scope = Scope::default();
    let scalars = 1 + rng.below(3);
    for p in 0..scalars {
        params.push(Param {
            name: format!("x{p}"),
            kind: ParamKind::Scalar,
        });
    }
    let containers = rng.below(3);
    for p in 0..containers {
        let kind = *rng.pick(&[
            ParamKind::Slice,
            ParamKind::Slice,
            ParamKind::VecRef,
            ParamKind::Array,
        ]);
        params.push(Param {
            name: format!("a{p}"),
            kind,
        });
    }
    if rng.chance(25) {
        params.push(Param {
            name: "n".to_string(),
            kind: ParamKind::Count,
        });
    }
    for param in &params {
        let name = param.name.clone();
        match param.kind {
            ParamKind::Scalar => scope.floats.push((name, false)),
            ParamKind::Slice => scope.containers.push((name, ContainerKind::SliceParam)),
            ParamKind::VecRef => scope.containers.push((name, ContainerKind::VecRefParam)),
            ParamKind::Array => scope.containers.push((name, ContainerKind::ArrayParam)),
            ParamKind::Count => scope.count_params.push(name),
        }
    }

    let mut drawer = Drawer {
        rng,
        callees: earlier,
        names: 0,
        statements: 0,
        call_depth: 0,
    };
    let body = drawer.block(&mut scope, 7, 0);
    let result = result_expr(&scope);
    Function {
        name: format!("d{index}"),
        params,
        body,
        result,
        call_depth: drawer.call_depth,
    }
}

/// The returned value: the sum of every float and one element of every container in scope at
/// the end, so that most of what the body computed reaches the output.
fn result_expr(scope: &Scope) -> Expr {
    let mut terms: Vec<Expr> = scope
        .floats
        .iter()
        .map(|(n, _)| Expr::Var(n.clone()))
        .collect();
    for (i, (name, _)) in scope.containers.iter().enumerate() {
        terms.push(Expr::Read(name.clone(), Index::Const(i % LEN)));
    }
    let mut terms = terms.into_iter();
    let first = terms.next().unwrap_or(Expr::Lit(0.0));
    terms.fold(first, |acc, t| {
        Expr::Bin(BinOp::Add, Box::new(acc), Box::new(t))
    })
}

/// Draws `count` functions from `seed`; function `i` may call functions before it.
pub fn draw_program(seed: u64, count: usize) -> Vec<Function> {
    let mut rng = Rng::new(seed);
    let mut functions: Vec<Function> = Vec::with_capacity(count);
    for index in 0..count {
        // Calls reach back a short way only, so a failure shrinks to few functions.
        let start = functions.len().saturating_sub(8);
        let mut f = draw_function(&mut rng, index, &functions[start..]);
        offset_calls(&mut f, start);
        functions.push(f);
    }
    functions
}

/// Turns callee numbers relative to the window `start..` into absolute ones.
fn offset_calls(f: &mut Function, start: usize) {
    fn expr(e: &mut Expr, start: usize) {
        match e {
            Expr::Var(_) | Expr::Lit(_) | Expr::Read(..) => {}
            Expr::Neg(a) | Expr::Unary(_, a) => expr(a, start),
            Expr::Bin(_, a, b) => {
                expr(a, start);
                expr(b, start);
            }
            Expr::Binary(_, a, b, c) => {
                expr(a, start);
                expr(b, start);
                expr(c, start);
            }
            Expr::Call(callee, args) => {
                *callee += start;
                for arg in args {
                    if let Arg::Scalar(a) = arg {
                        expr(a, start);
                    }
                }
            }
            Expr::IfElse(c, a, b) => {
                cond(c, start);
                expr(a, start);
                expr(b, start);
            }
        }
    }
    fn cond(c: &mut Cond, start: usize) {
        match c {
            Cond::Cmp(a, _, b) => {
                expr(a, start);
                expr(b, start);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                cond(a, start);
                cond(b, start);
            }
            Cond::Not(a) => cond(a, start),
        }
    }
    fn block(stmts: &mut [Stmt], start: usize) {
        for s in stmts {
            match s {
                Stmt::Let { value, .. }
                | Stmt::Assign { value, .. }
                | Stmt::LocalVec { fill: value, .. }
                | Stmt::LocalArray { fill: value, .. }
                | Stmt::Store { value, .. } => expr(value, start),
                Stmt::If { cond: c, then, els } => {
                    cond(c, start);
                    block(then, start);
                    block(els, start);
                }
                Stmt::For { body, .. }
                | Stmt::ForEach { body, .. }
                | Stmt::ForEnumerate { body, .. }
                | Stmt::ForZip { body, .. } => block(body, start),
                Stmt::While { cond: c, body, .. } | Stmt::Loop { cond: c, body, .. } => {
                    cond(c, start);
                    block(body, start);
                }
                Stmt::Break(c) | Stmt::Continue(c) => cond(c, start),
            }
        }
    }
    block(&mut f.body, start);
    expr(&mut f.result, start);
}

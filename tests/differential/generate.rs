//! Random programs in the `#[differentiate]` subset, rendered as Rust source for the
//! differential test.
//!
//! The build script includes this module, draws `count` functions from a seed and writes them
//! to `$OUT_DIR/differential.rs`; `tests/differential.rs` includes that file. Every function is
//! rendered twice from one syntax tree:
//!
//! - generic over `F: Float` with `#[differentiate]`, so the test can evaluate it with forward
//!   dual numbers (the oracle) and call the generated `<name>_adjoint`;
//! - as a plain `f64` *margin twin* that computes the same value while recording, in a
//!   `Margin`, how close every comparison, `abs`, `max`, `min`, `clamp` and `signum` came to
//!   its kink, so the test can reject sample points where the derivative is not defined or a
//!   rounding difference could flip a branch.
//!
//! Domains are safe by construction: `ln` and `sqrt` see `e * e + c` with `c > 0`, `asin`,
//! `acos` and `atanh` see `0.9 * tanh(e)`, `exp` sees a bounded argument, divisors are
//! `e * e + c`. Every array has [`LEN`] elements and every index expression stays below it, so
//! no generated function can panic. Loops run a bounded, data-independent number of trips,
//! except `while` and `loop`, which stop on a float condition or after at most [`LEN`] trips.
//!
//! Left out on purpose: `floor`, `ceil`, `round` and `trunc`, because the oracle's dual type
//! (`autodiff` 0.7) passes the derivative through them instead of giving 0; `if` expressions
//! inside loops and one container passed twice to a call, two macro bugs marked `FIXME`
//! below.

use std::fmt::Write;

/// Length of every array: parameters, local vectors and local arrays alike.
pub const LEN: usize = 4;

/// A small deterministic generator (SplitMix64), so a seed names a program on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent / 100`.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A constant with two decimals in `[lo, hi]`, printed exactly as drawn.
    pub fn constant(&mut self, lo: f64, hi: f64) -> f64 {
        let (lo, hi) = ((lo * 100.0).round() as i64, (hi * 100.0).round() as i64);
        (lo + self.below((hi - lo + 1) as usize) as i64) as f64 / 100.0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How a parameter is passed; every float container holds [`LEN`] elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Scalar,
    Slice,
    VecRef,
    Array,
    /// An inactive `usize` that the caller sets to [`LEN`], used as a loop bound.
    Count,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
}

/// An index below [`LEN`]: a constant, a counted-loop variable (at most `LEN - 1`), that
/// variable mirrored (`LEN - 1 - i`) or any integer variable shifted modulo [`LEN`].
#[derive(Clone, Debug)]
pub enum Index {
    Const(usize),
    Var(String),
    Mirror(String),
    Shifted(String, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// `a / (b * b + c)`: the divisor stays away from zero.
    SafeDiv(u32),
}

/// One-argument forms, each with the guard that keeps its argument inside the domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Sin,
    Cos,
    Tan,
    Tanh,
    Atan,
    Asinh,
    Sinh,
    Cosh,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Log2,
    Log10,
    Ln1p,
    Sqrt,
    Cbrt,
    Asin,
    Acos,
    Atanh,
    Acosh,
    Recip,
    Square,
    Cube,
    InversePower,
    Abs,
    Signum,
    ToRadians,
}

/// Two- and three-argument forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Atan2,
    Hypot,
    Powf,
    Log,
    Max,
    Min,
    MulAdd,
    /// `x.clamp(lo, hi)` with constant bounds; the second operand is unused.
    Clamp(i32, i32),
}

#[derive(Clone, Debug)]
pub enum Expr {
    Var(String),
    Lit(f64),
    Read(String, Index),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>, Box<Expr>),
    Call(usize, Vec<Arg>),
    IfElse(Box<Cond>, Box<Expr>, Box<Expr>),
}

/// An argument of a call: a float expression for a scalar, a name for a container.
#[derive(Clone, Debug)]
pub enum Arg {
    Scalar(Expr),
    /// Passed by reference to a `&[F]` or `&Vec<F>` parameter.
    Container(String, ContainerKind),
    /// Copied into a `[F; LEN]` parameter.
    ArrayCopy(String),
    Count,
}

/// What a container variable is, which decides how it is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    SliceParam,
    VecRefParam,
    ArrayParam,
    LocalVec,
    LocalArray,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Clone, Debug)]
pub enum Cond {
    Cmp(Expr, CmpOp, Expr),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
}

/// The header of a counted loop; every variable it yields lies in `0..LEN`.
#[derive(Clone, Debug)]
pub enum Range {
    Up,
    UpInclusive,
    Rev,
    StepBy(usize),
    RevStepBy(usize),
    OverLen(String),
    OverCount(String),
    Below(String),
    From(String),
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Let {
        name: String,
        mutable: bool,
        value: Expr,
    },
    Assign {
        name: String,
        op: AssignOp,
        value: Expr,
    },
    LocalVec {
        name: String,
        fill: Expr,
    },
    LocalArray {
        name: String,
        fill: Expr,
    },
    Store {
        array: String,
        index: Index,
        op: AssignOp,
        value: Expr,
    },
    If {
        cond: Cond,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    For {
        var: String,
        range: Range,
        body: Vec<Stmt>,
    },
    ForEach {
        var: String,
        array: String,
        body: Vec<Stmt>,
    },
    ForEnumerate {
        index: String,
        var: String,
        array: String,
        body: Vec<Stmt>,
    },
    ForZip {
        left: String,
        right: String,
        a: String,
        b: String,
        body: Vec<Stmt>,
    },
    /// `let mut k = 0; while k < LEN && cond { k += 1; body }`.
    While {
        counter: String,
        cond: Cond,
        body: Vec<Stmt>,
    },
    /// `let mut k = 0; loop { k += 1; if k > LEN || cond { break; } body }`.
    Loop {
        counter: String,
        cond: Cond,
        body: Vec<Stmt>,
    },
    Break(Cond),
    Continue(Cond),
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    pub result: Expr,
    /// Longest chain of calls below this function, so callers can bound the work.
    pub call_depth: usize,
}

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
                Expr::Binary(
                    form,
                    Box::new(self.expr(scope, d)),
                    Box::new(self.expr(scope, d)),
                    Box::new(third),
                )
            }
            15 => Expr::Neg(Box::new(self.expr(scope, d))),
            16 | 17 => self.call(scope, d),
            // FIXME: no `if` expressions inside loops until the macro saves their value per
            // trip (today the backward sweep reuses the value of the last trip).
            _ if scope.in_loop => self.leaf(scope),
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
        let mut used: Vec<String> = Vec::new();
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
                    // FIXME: each container at most once per call, until the macro can pass one
                    // adjoint buffer to two parameters (today `g(x, x)` fails to borrow-check).
                    let options: Vec<_> = scope
                        .containers
                        .iter()
                        .filter(|(n, k)| fits(k) && !used.contains(n))
                        .cloned()
                        .collect();
                    if options.is_empty() {
                        return self.leaf(scope);
                    }
                    let (name, kind) = self.rng.pick(&options).clone();
                    used.push(name.clone());
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
        let cmp = Cond::Cmp(
            self.expr(scope, depth.min(2)),
            op,
            self.expr(scope, depth.min(1)),
        );
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

/// Which of the two renderings is being written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Generic over `F: Float`, for `#[differentiate]`.
    Generic,
    /// Plain `f64`, recording kink distances into `m: &Margin`.
    Margin,
}

pub struct Printer<'a> {
    pub mode: Mode,
    pub functions: &'a [Function],
    pub out: String,
    indent: usize,
}

impl<'a> Printer<'a> {
    pub fn new(mode: Mode, functions: &'a [Function]) -> Self {
        Printer {
            mode,
            functions,
            out: String::new(),
            indent: 0,
        }
    }

    fn lit(&self, v: f64) -> String {
        match self.mode {
            Mode::Generic => format!("F::from({v:?}).unwrap()"),
            Mode::Margin => format!("({v:?}_f64)"),
        }
    }

    fn index(i: &Index) -> String {
        match i {
            Index::Const(c) => c.to_string(),
            Index::Var(v) => v.clone(),
            Index::Mirror(v) => format!("{} - {v}", LEN - 1),
            Index::Shifted(v, 0) => format!("{v} % {LEN}"),
            Index::Shifted(v, k) => format!("({v} + {k}) % {LEN}"),
        }
    }

    /// `e² + c`, positive whatever `e` is; `powi` so that `e` is evaluated once.
    fn positive(&self, e: &str, c: f64) -> String {
        format!("(({e}).powi(2) + {})", self.lit(c))
    }

    pub fn expr(&self, e: &Expr) -> String {
        let margin = self.mode == Mode::Margin;
        match e {
            Expr::Var(v) => v.clone(),
            Expr::Lit(v) => self.lit(*v),
            Expr::Read(a, i) => format!("{a}[{}]", Self::index(i)),
            Expr::Neg(a) => format!("-({})", self.expr(a)),
            Expr::Bin(op, a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                match op {
                    BinOp::Add => format!("({a} + {b})"),
                    BinOp::Sub => format!("({a} - {b})"),
                    BinOp::Mul => format!("({a} * {b})"),
                    BinOp::SafeDiv(c) => {
                        format!("({a} / {})", self.positive(&b, f64::from(*c) * 0.5))
                    }
                }
            }
            Expr::Unary(u, a) => self.unary(*u, &self.expr(a)),
            Expr::Binary(form, a, b, c) => {
                let (a, b, c) = (self.expr(a), self.expr(b), self.expr(c));
                match form {
                    Binary::Atan2 => format!("({a}).atan2({})", self.positive(&b, 0.5)),
                    Binary::Hypot => format!("({a}).hypot({})", self.positive(&b, 0.25)),
                    Binary::Powf => {
                        format!(
                            "{}.powf(({b}).tanh() * {})",
                            self.positive(&a, 0.5),
                            self.lit(1.5)
                        )
                    }
                    Binary::Log => {
                        format!("{}.log({})", self.positive(&a, 0.5), self.positive(&b, 1.5))
                    }
                    Binary::Max if margin => format!("m.max({a}, {b})"),
                    Binary::Min if margin => format!("m.min({a}, {b})"),
                    Binary::Max => format!("({a}).max({b})"),
                    Binary::Min => format!("({a}).min({b})"),
                    Binary::MulAdd => format!("({a}).mul_add({b}, {c})"),
                    Binary::Clamp(lo, hi) => {
                        let (lo, hi) = (self.lit(f64::from(*lo)), self.lit(f64::from(*hi)));
                        if margin {
                            format!("m.clamp({a}, {lo}, {hi})")
                        } else {
                            format!("({a}).clamp({lo}, {hi})")
                        }
                    }
                }
            }
            Expr::Call(callee, args) => self.call(*callee, args),
            Expr::IfElse(c, a, b) => {
                format!(
                    "if {} {{ {} }} else {{ {} }}",
                    self.cond(c),
                    self.expr(a),
                    self.expr(b)
                )
            }
        }
    }

    fn unary(&self, u: Unary, a: &str) -> String {
        let margin = self.mode == Mode::Margin;
        let squashed = format!("(({a}).tanh() * {})", self.lit(0.9));
        match u {
            Unary::Sin => format!("({a}).sin()"),
            Unary::Cos => format!("({a}).cos()"),
            Unary::Tan => format!("(({a}).tanh() * {}).tan()", self.lit(1.2)),
            Unary::Tanh => format!("({a}).tanh()"),
            Unary::Atan => format!("({a}).atan()"),
            Unary::Asinh => format!("({a}).asinh()"),
            Unary::Sinh => format!("({a}).sin().sinh()"),
            Unary::Cosh => format!("({a}).tanh().cosh()"),
            Unary::Exp => format!("({a}).tanh().exp()"),
            Unary::Exp2 => format!("({a}).sin().exp2()"),
            Unary::ExpM1 => format!("({a}).atan().exp_m1()"),
            Unary::Ln => format!("{}.ln()", self.positive(a, 0.5)),
            Unary::Log2 => format!("{}.log2()", self.positive(a, 0.25)),
            Unary::Log10 => format!("{}.log10()", self.positive(a, 1.0)),
            Unary::Ln1p => format!("({a}).powi(2).ln_1p()"),
            Unary::Sqrt => format!("{}.sqrt()", self.positive(a, 0.5)),
            Unary::Cbrt => format!("{}.cbrt()", self.positive(a, 0.5)),
            Unary::Asin => format!("{squashed}.asin()"),
            Unary::Acos => format!("{squashed}.acos()"),
            Unary::Atanh => format!("{squashed}.atanh()"),
            Unary::Acosh => format!("{}.acosh()", self.positive(a, 1.5)),
            Unary::Recip => format!("{}.recip()", self.positive(a, 0.5)),
            Unary::Square => format!("({a}).powi(2)"),
            Unary::Cube => format!("({a}).powi(3)"),
            Unary::InversePower => format!("{}.powi(-2)", self.positive(a, 0.5)),
            Unary::Abs if margin => format!("m.abs({a})"),
            Unary::Signum if margin => format!("m.signum({a})"),
            Unary::Abs => format!("({a}).abs()"),
            Unary::Signum => format!("({a}).signum()"),
            Unary::ToRadians => format!("({a}).to_radians()"),
        }
    }

    fn call(&self, callee: usize, args: &[Arg]) -> String {
        let mut parts = Vec::new();
        if self.mode == Mode::Margin {
            parts.push("m".to_string());
        }
        for arg in args {
            parts.push(match arg {
                Arg::Scalar(e) => self.expr(e),
                Arg::Count => LEN.to_string(),
                Arg::Container(name, ContainerKind::SliceParam | ContainerKind::VecRefParam) => {
                    name.clone()
                }
                Arg::Container(name, _) => format!("&{name}"),
                Arg::ArrayCopy(name) => name.clone(),
            });
        }
        let suffix = if self.mode == Mode::Margin {
            "_margin"
        } else {
            ""
        };
        format!(
            "{}{suffix}({})",
            self.functions[callee].name,
            parts.join(", ")
        )
    }

    fn cond(&self, c: &Cond) -> String {
        match c {
            Cond::Cmp(a, op, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                let (sym, method) = match op {
                    CmpOp::Lt => ("<", "lt"),
                    CmpOp::Gt => (">", "gt"),
                    CmpOp::Le => ("<=", "le"),
                    CmpOp::Ge => (">=", "ge"),
                };
                if self.mode == Mode::Margin {
                    format!("m.{method}({a}, {b})")
                } else {
                    format!("({a}) {sym} ({b})")
                }
            }
            Cond::And(a, b) => format!("({} && {})", self.cond(a), self.cond(b)),
            Cond::Or(a, b) => format!("({} || {})", self.cond(a), self.cond(b)),
            Cond::Not(a) => format!("!({})", self.cond(a)),
        }
    }

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn assign_sym(op: AssignOp) -> &'static str {
        match op {
            AssignOp::Set => "=",
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
            AssignOp::Mul => "*=",
        }
    }

    fn block(&mut self, stmts: &[Stmt]) {
        self.indent += 1;
        for s in stmts {
            self.stmt(s);
        }
        self.indent -= 1;
    }

    fn range(&self, r: &Range) -> String {
        match r {
            Range::Up => format!("0..{LEN}"),
            Range::UpInclusive => format!("0..={}", LEN - 1),
            Range::Rev => format!("(0..{LEN}).rev()"),
            Range::StepBy(k) => format!("(0..{LEN}).step_by({k})"),
            Range::RevStepBy(k) => format!("(0..{LEN}).rev().step_by({k})"),
            Range::OverLen(a) => format!("0..{a}.len()"),
            Range::OverCount(n) => format!("0..{n}"),
            Range::Below(i) => format!("0..{i}"),
            Range::From(i) => format!("{i}..{LEN}"),
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        let zero = self.lit(0.0);
        match s {
            Stmt::Let {
                name,
                mutable,
                value,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let line = format!("let {m}{name} = {};", self.expr(value));
                self.line(&line);
            }
            Stmt::Assign { name, op, value } => {
                let line = format!("{name} {} {};", Self::assign_sym(*op), self.expr(value));
                self.line(&line);
            }
            Stmt::LocalVec { name, fill } => {
                let line = format!("let mut {name} = vec![{zero}; {LEN}];");
                self.line(&line);
                let line = format!("{name}[0] = {};", self.expr(fill));
                self.line(&line);
            }
            Stmt::LocalArray { name, fill } => {
                let line = format!("let mut {name} = [{zero}; {LEN}];");
                self.line(&line);
                let line = format!("{name}[{}] = {};", LEN - 1, self.expr(fill));
                self.line(&line);
            }
            Stmt::Store {
                array,
                index,
                op,
                value,
            } => {
                let line = format!(
                    "{array}[{}] {} {};",
                    Self::index(index),
                    Self::assign_sym(*op),
                    self.expr(value)
                );
                self.line(&line);
            }
            Stmt::If { cond, then, els } => {
                let line = format!("if {} {{", self.cond(cond));
                self.line(&line);
                self.block(then);
                if !els.is_empty() {
                    self.line("} else {");
                    self.block(els);
                }
                self.line("}");
            }
            Stmt::For { var, range, body } => {
                let line = format!("for {var} in {} {{", self.range(range));
                self.line(&line);
                self.block(body);
                self.line("}");
            }
            Stmt::ForEach { var, array, body } => {
                self.line(&format!("for &{var} in {array}.iter() {{"));
                self.block(body);
                self.line("}");
            }
            Stmt::ForEnumerate {
                index,
                var,
                array,
                body,
            } => {
                self.line(&format!(
                    "for ({index}, &{var}) in {array}.iter().enumerate() {{"
                ));
                self.block(body);
                self.line("}");
            }
            Stmt::ForZip {
                left,
                right,
                a,
                b,
                body,
            } => {
                self.line(&format!(
                    "for (&{left}, &{right}) in {a}.iter().zip({b}.iter()) {{"
                ));
                self.block(body);
                self.line("}");
            }
            Stmt::While {
                counter,
                cond,
                body,
            } => {
                self.line(&format!("let mut {counter} = 0;"));
                let line = format!("while {counter} < {LEN} && {} {{", self.cond(cond));
                self.line(&line);
                self.indent += 1;
                self.line(&format!("{counter} += 1;"));
                self.indent -= 1;
                self.block(body);
                self.line("}");
            }
            Stmt::Loop {
                counter,
                cond,
                body,
            } => {
                self.line(&format!("let mut {counter} = 0;"));
                self.line("loop {");
                self.indent += 1;
                self.line(&format!("{counter} += 1;"));
                let line = format!("if {counter} > {LEN} || {} {{", self.cond(cond));
                self.line(&line);
                self.line("    break;");
                self.line("}");
                self.indent -= 1;
                self.block(body);
                self.line("}");
            }
            Stmt::Break(cond) | Stmt::Continue(cond) => {
                let word = if matches!(s, Stmt::Break(_)) {
                    "break"
                } else {
                    "continue"
                };
                let line = format!("if {} {{", self.cond(cond));
                self.line(&line);
                self.line(&format!("    {word};"));
                self.line("}");
            }
        }
    }

    fn param_type(&self, kind: ParamKind) -> String {
        let float = if self.mode == Mode::Generic {
            "F"
        } else {
            "f64"
        };
        match kind {
            ParamKind::Scalar => float.to_string(),
            ParamKind::Slice => format!("&[{float}]"),
            ParamKind::VecRef => format!("&Vec<{float}>"),
            ParamKind::Array => format!("[{float}; {LEN}]"),
            ParamKind::Count => "usize".to_string(),
        }
    }

    /// Writes one function in this printer's mode.
    pub fn function(&mut self, f: &Function) {
        let mut params: Vec<String> = f
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, self.param_type(p.kind)))
            .collect();
        match self.mode {
            Mode::Generic => {
                self.line("#[differentiate]");
                self.line(&format!(
                    "pub fn {}<F: Float + NumAssign>({}) -> F {{",
                    f.name,
                    params.join(", ")
                ));
            }
            Mode::Margin => {
                params.insert(0, "m: &Margin".to_string());
                self.line(&format!(
                    "pub fn {}_margin({}) -> f64 {{",
                    f.name,
                    params.join(", ")
                ));
            }
        }
        self.block(&f.body);
        self.indent += 1;
        let result = self.expr(&f.result);
        self.line(&result);
        self.indent -= 1;
        self.line("}");
    }
}

/// Number of float inputs of `f` once its containers are flattened.
pub fn input_len(f: &Function) -> usize {
    f.params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Scalar => 1,
            ParamKind::Count => 0,
            _ => LEN,
        })
        .sum()
}

/// The argument list that unpacks a flat input slice `p` into `f`'s parameters, and the code
/// that declares adjoint buffers `g0, g1, ..` and copies them back into `g`.
fn unpack(f: &Function) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let (mut args, mut adj_args, mut decls, mut copies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut at = 0;
    for (k, param) in f.params.iter().enumerate() {
        let range = format!("p[{at}..{}]", at + LEN);
        let (arg, width) = match param.kind {
            ParamKind::Scalar => (format!("p[{at}]"), 1),
            ParamKind::Slice => (format!("&{range}"), LEN),
            ParamKind::VecRef => (format!("&{range}.to_vec()"), LEN),
            ParamKind::Array => {
                let items: Vec<String> = (at..at + LEN).map(|i| format!("p[{i}]")).collect();
                (format!("[{}]", items.join(", ")), LEN)
            }
            ParamKind::Count => (LEN.to_string(), 0),
        };
        args.push(arg.clone());
        adj_args.push(arg);
        match param.kind {
            ParamKind::Count => {}
            ParamKind::Scalar => {
                decls.push(format!("let mut g{k} = 0.0;"));
                adj_args.push(format!("&mut g{k}"));
                copies.push(format!("g[{at}] = g{k};"));
            }
            _ => {
                decls.push(format!("let mut g{k} = [0.0; {LEN}];"));
                adj_args.push(format!("&mut g{k}"));
                copies.push(format!("g[{at}..{}].copy_from_slice(&g{k});", at + width));
            }
        }
        at += width;
    }
    (args, adj_args, decls, copies)
}

/// Writes the entry points of `f` that the test calls through its table.
fn entry_points(out: &mut String, f: &Function) {
    let (args, adj_args, decls, copies) = unpack(f);
    let name = &f.name;
    let _ = writeln!(
        out,
        "pub fn {name}_eval<F: Float + NumAssign>(p: &[F]) -> F {{ {name}({}) }}",
        args.join(", ")
    );
    let _ = writeln!(
        out,
        "pub fn {name}_margin_at(m: &Margin, p: &[f64]) -> f64 {{ {name}_margin(m, {}) }}",
        args.join(", ")
    );
    let _ = writeln!(
        out,
        "pub fn {name}_gradient(p: &[f64], g: &mut [f64]) -> f64 {{"
    );
    for d in &decls {
        let _ = writeln!(out, "    {d}");
    }
    let _ = writeln!(
        out,
        "    let value = {name}_adjoint({}, 1.0);",
        adj_args.join(", ")
    );
    for c in &copies {
        let _ = writeln!(out, "    {c}");
    }
    let _ = writeln!(out, "    value\n}}");
}

/// The functions a failure report must show for `f`: itself and everything it calls.
pub fn closure(functions: &[Function], index: usize) -> Vec<usize> {
    fn visit_expr(e: &Expr, out: &mut Vec<usize>) {
        match e {
            Expr::Var(_) | Expr::Lit(_) | Expr::Read(..) => {}
            Expr::Neg(a) | Expr::Unary(_, a) => visit_expr(a, out),
            Expr::Bin(_, a, b) => {
                visit_expr(a, out);
                visit_expr(b, out);
            }
            Expr::Binary(_, a, b, c) => {
                visit_expr(a, out);
                visit_expr(b, out);
                visit_expr(c, out);
            }
            Expr::Call(callee, args) => {
                out.push(*callee);
                for arg in args {
                    if let Arg::Scalar(a) = arg {
                        visit_expr(a, out);
                    }
                }
            }
            Expr::IfElse(c, a, b) => {
                visit_cond(c, out);
                visit_expr(a, out);
                visit_expr(b, out);
            }
        }
    }
    fn visit_cond(c: &Cond, out: &mut Vec<usize>) {
        match c {
            Cond::Cmp(a, _, b) => {
                visit_expr(a, out);
                visit_expr(b, out);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                visit_cond(a, out);
                visit_cond(b, out);
            }
            Cond::Not(a) => visit_cond(a, out),
        }
    }
    fn visit_block(stmts: &[Stmt], out: &mut Vec<usize>) {
        for s in stmts {
            match s {
                Stmt::Let { value, .. }
                | Stmt::Assign { value, .. }
                | Stmt::LocalVec { fill: value, .. }
                | Stmt::LocalArray { fill: value, .. }
                | Stmt::Store { value, .. } => visit_expr(value, out),
                Stmt::If { cond, then, els } => {
                    visit_cond(cond, out);
                    visit_block(then, out);
                    visit_block(els, out);
                }
                Stmt::For { body, .. }
                | Stmt::ForEach { body, .. }
                | Stmt::ForEnumerate { body, .. }
                | Stmt::ForZip { body, .. } => visit_block(body, out),
                Stmt::While { cond, body, .. } | Stmt::Loop { cond, body, .. } => {
                    visit_cond(cond, out);
                    visit_block(body, out);
                }
                Stmt::Break(c) | Stmt::Continue(c) => visit_cond(c, out),
            }
        }
    }
    let mut seen = vec![index];
    let mut next = 0;
    while next < seen.len() {
        let f = &functions[seen[next]];
        let mut calls = Vec::new();
        visit_block(&f.body, &mut calls);
        visit_expr(&f.result, &mut calls);
        for c in calls {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        next += 1;
    }
    seen.sort_unstable();
    seen
}

/// The whole generated file: every function in both renderings, its entry points and the
/// table `CASES` the test walks.
pub fn render(functions: &[Function]) -> String {
    let mut out = String::new();
    let mut generic = Printer::new(Mode::Generic, functions);
    let mut margin = Printer::new(Mode::Margin, functions);
    for f in functions {
        generic.function(f);
        margin.function(f);
    }
    out.push_str(&generic.out);
    out.push_str(&margin.out);
    for f in functions {
        entry_points(&mut out, f);
    }

    out.push_str("pub const CASES: &[Case] = &[\n");
    for (i, f) in functions.iter().enumerate() {
        let mut source = Printer::new(Mode::Generic, functions);
        for c in closure(functions, i) {
            source.function(&functions[c]);
        }
        let _ = writeln!(
            out,
            "    Case {{ name: {:?}, source: {:?}, inputs: {}, value: {n}_eval::<f64>, dual: {n}_eval::<Dual>, gradient: {n}_gradient, margin: {n}_margin_at }},",
            f.name,
            source.out,
            input_len(f),
            n = f.name
        );
    }
    out.push_str("];\n");
    out
}

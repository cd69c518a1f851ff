//! The syntax tree of the random programs that the differential test draws.
//!
//! The build script draws `count` functions from a seed (`draw.rs`), renders them as Rust
//! source (`print.rs`) into `$OUT_DIR/differential.rs`, which `tests/differential.rs`
//! includes. Every function is rendered twice from one tree:
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
//! (`autodiff` 0.7) passes the derivative through them instead of giving 0.

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
#[derive(Clone, Debug, PartialEq)]
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

#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
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

#[derive(Clone, Debug, PartialEq)]
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

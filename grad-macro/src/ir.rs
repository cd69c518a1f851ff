//! The intermediate representation: a structured, three-address form of the function body.
//!
//! Invariants every later stage relies on:
//! - every variable lives in `Body::vars` and is addressed by a `VarId`; shadowing in the user's
//!   code produces distinct variables, so one `VarId` always means one binding;
//! - every `Assign` performs exactly one operation on operands that are variables or constants,
//!   so each operation has one local adjoint rule;
//! - `break` and `continue` do not exist here: lowering turns them into flag variables and
//!   guarded blocks, so every block runs straight through or not at all;
//! - statements are numbered in pre-order (`StmtId`), which later stages use as program points;
//! - every statement and variable keeps the span of the user code it came from.

use proc_macro2::{Span, TokenStream};
use std::fmt;

/// A variable of the body: a parameter, a user `let`, a temporary, a loop index or a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VarId(pub u32);

/// A statement's position in the pre-order numbering of the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StmtId(pub u32);

/// The shape of one array dimension.
#[derive(Clone, Debug)]
pub enum Dim {
    /// A slice or `Vec` dimension, known only at run time.
    Dynamic,
    /// A fixed `[T; N]` dimension; `N` is the user's constant expression.
    Fixed(TokenStream),
}

/// Whether an array variable owns its storage or borrows it from the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `&[T]`, `&Vec<T>` or `&[T; N]` parameters.
    Borrowed,
    /// `Vec<T>`, `[T; N]` parameters and every local array.
    Owned,
}

/// The type of an array: dimensions from the outside in, and a scalar element type.
#[derive(Clone, Debug)]
pub struct ArrayTy {
    pub dims: Vec<Dim>,
    pub elem: Scalar,
    pub storage: Storage,
}

/// A scalar type as far as differentiation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    Float,
    Int,
    Bool,
    /// A value whose type the macro cannot know (a constant item, a call without float
    /// arguments); it is never active.
    Opaque,
}

/// The type of a variable.
#[derive(Clone, Debug)]
pub enum Ty {
    Scalar(Scalar),
    Array(ArrayTy),
}

impl Ty {
    pub const FLOAT: Ty = Ty::Scalar(Scalar::Float);
    pub const INT: Ty = Ty::Scalar(Scalar::Int);
    pub const BOOL: Ty = Ty::Scalar(Scalar::Bool);
    pub const OPAQUE: Ty = Ty::Scalar(Scalar::Opaque);

    pub fn scalar(&self) -> Option<Scalar> {
        match self {
            Ty::Scalar(s) => Some(*s),
            Ty::Array(_) => None,
        }
    }

    pub fn is_float(&self) -> bool {
        self.scalar() == Some(Scalar::Float)
    }

    /// Floats and arrays of floats: the types that can carry a derivative.
    pub fn holds_floats(&self) -> bool {
        match self {
            Ty::Scalar(s) => *s == Scalar::Float,
            Ty::Array(a) => a.elem == Scalar::Float,
        }
    }

    pub fn array(&self) -> Option<&ArrayTy> {
        match self {
            Ty::Array(a) => Some(a),
            Ty::Scalar(_) => None,
        }
    }
}

/// What a variable is, which decides how it is declared and named in the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// The n-th parameter of the function.
    Param(usize),
    /// A binding written by the user with `let` (or a `for` pattern that binds an element).
    Local,
    /// A value introduced by lowering to hold one operation's result.
    Temp,
    /// The index bound by a counted `for` loop; both sweeps bind it themselves.
    LoopIndex,
    /// A flag or trip count introduced for `break`, `continue` and `while`.
    Control,
}

#[derive(Clone)]
pub struct Var {
    pub name: syn::Ident,
    pub ty: Ty,
    pub kind: VarKind,
    /// The user's integer or opaque type annotation, kept so the declaration can name it.
    pub annotation: Option<syn::Type>,
}

/// A constant as the user wrote it (a literal, `F::one()`, `PI`, a const item).
#[derive(Clone, Debug)]
pub struct Constant {
    pub tokens: TokenStream,
    pub ty: Scalar,
}

#[derive(Clone, Debug)]
pub enum Operand {
    Var(VarId),
    Const(Constant),
}

impl Operand {
    pub fn var(&self) -> Option<VarId> {
        match self {
            Operand::Var(v) => Some(*v),
            Operand::Const(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    /// Logical or of two already evaluated booleans (`&&` and `||` themselves short-circuit,
    /// so they are lowered to `if`).
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }
}

/// An argument of a call, remembering whether the user borrowed it.
#[derive(Clone)]
pub struct CallArg {
    pub operand: Operand,
    pub by_ref: bool,
}

#[derive(Clone)]
pub struct Call {
    pub path: syn::Path,
    pub args: Vec<CallArg>,
}

/// The length of an array being constructed.
#[derive(Clone, Debug)]
pub enum Len {
    /// `[x; N]`: a constant expression.
    Const(TokenStream),
    /// `vec![x; n]`: an integer operand.
    Dynamic(Operand),
}

/// The one operation an `Assign` performs.
#[derive(Clone)]
pub enum Op {
    Copy(Operand),
    Unary(UnOp, Operand),
    Binary(BinOp, Operand, Operand),
    Cast(Operand, syn::Type),
    /// A method of `Float` (or an integer `min`/`max`), by the name in `crate::rules`.
    Math(crate::rules::MathFn, Vec<Operand>),
    /// `T::from(x).unwrap()` for a float type `T`: a conversion the user wrote by path.
    FromCast(Operand, TokenStream),
    Index(VarId, Vec<Operand>),
    Len(VarId),
    Call(Call),
    Repeat {
        value: Operand,
        len: Len,
        vec: bool,
    },
    List {
        items: Vec<Operand>,
        vec: bool,
    },
    /// A copy of a whole array (`v0`, `v0.clone()`, `v0.to_vec()`).
    CopyArray(VarId),
}

/// An iterator adaptor applied to a counted range, in the user's order.
#[derive(Clone, Debug)]
pub enum Adaptor {
    Rev,
    StepBy(Operand),
}

/// `for index in (start..end)` followed by adaptors.
#[derive(Clone, Debug)]
pub struct Range {
    pub start: Operand,
    pub end: Operand,
    pub inclusive: bool,
    pub adaptors: Vec<Adaptor>,
}

/// A loop that may stop early: its flags and the variable that counts its iterations.
#[derive(Clone, Copy, Debug)]
pub struct Exit {
    pub broke: VarId,
    pub trips: VarId,
}

#[derive(Clone)]
pub enum StmtKind {
    /// `target = op`. The first assignment of a binding is its definition.
    Assign { target: VarId, op: Op },
    /// `array[index] = value`, or `+=`/`-=` when `accumulate` says so.
    Store {
        array: VarId,
        index: Vec<Operand>,
        value: Operand,
        accumulate: Option<BinOp>,
    },
    If {
        cond: VarId,
        then_block: Block,
        else_block: Block,
    },
    /// A counted loop; `exit` is set when its body can `break`.
    For {
        index: VarId,
        range: Range,
        body: Block,
        exit: Option<Exit>,
    },
    /// `loop`/`while`: runs until its `broke` flag is set at the end of an iteration.
    Loop { body: Block, exit: Exit },
}

#[derive(Clone)]
pub struct Stmt {
    pub id: StmtId,
    pub span: Span,
    pub kind: StmtKind,
}

#[derive(Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// A lowered function body.
#[derive(Clone)]
pub struct Body {
    pub vars: Vec<Var>,
    pub block: Block,
    /// The value the function returns.
    pub output: Operand,
}

impl Body {
    pub fn var(&self, id: VarId) -> &Var {
        &self.vars[id.0 as usize]
    }

    pub fn var_ids(&self) -> impl Iterator<Item = VarId> {
        (0..self.vars.len() as u32).map(VarId)
    }
}

impl Block {
    /// Visits every statement of the block and its nested blocks in pre-order.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Stmt)) {
        for stmt in &self.stmts {
            visit(stmt);
            for child in stmt.children() {
                child.walk(visit);
            }
        }
    }
}

impl Stmt {
    pub fn children(&self) -> impl Iterator<Item = &Block> {
        let pair = match &self.kind {
            StmtKind::If {
                then_block,
                else_block,
                ..
            } => [Some(then_block), Some(else_block)],
            StmtKind::For { body, .. } | StmtKind::Loop { body, .. } => [Some(body), None],
            StmtKind::Assign { .. } | StmtKind::Store { .. } => [None, None],
        };
        pair.into_iter().flatten()
    }

    /// Adds every variable this statement and its nested blocks read to `out`.
    pub fn subtree_reads(&self, out: &mut std::collections::BTreeSet<VarId>) {
        match &self.kind {
            StmtKind::Assign { op, .. } => out.extend(op.reads()),
            StmtKind::Store {
                array,
                index,
                value,
                accumulate,
            } => {
                out.extend(index.iter().filter_map(Operand::var));
                out.extend(value.var());
                if accumulate.is_some() {
                    out.insert(*array);
                }
            }
            StmtKind::If { cond, .. } => {
                out.insert(*cond);
            }
            StmtKind::For { range, .. } => out.extend(range_reads(range)),
            StmtKind::Loop { .. } => {}
        }
        for child in self.children() {
            for stmt in &child.stmts {
                stmt.subtree_reads(out);
            }
        }
    }

    /// Adds every variable this statement and its nested blocks write to `out`.
    pub fn subtree_writes(&self, out: &mut std::collections::BTreeSet<VarId>) {
        out.extend(self.kind.writes());
        for child in self.children() {
            for stmt in &child.stmts {
                stmt.subtree_writes(out);
            }
        }
    }

    pub fn is_loop(&self) -> bool {
        matches!(self.kind, StmtKind::For { .. } | StmtKind::Loop { .. })
    }
}

impl Op {
    /// The operands this operation reads, arrays included.
    pub fn reads(&self) -> Vec<VarId> {
        let mut out: Vec<VarId> = Vec::new();
        let mut push = |o: &Operand| out.extend(o.var());
        match self {
            Op::Copy(a) | Op::Unary(_, a) | Op::Cast(a, _) | Op::FromCast(a, _) => push(a),
            Op::Binary(_, a, b) => {
                push(a);
                push(b);
            }
            Op::Math(_, args) | Op::List { items: args, .. } => args.iter().for_each(push),
            Op::Index(array, index) => {
                index.iter().for_each(&mut push);
                out.push(*array);
            }
            Op::Len(array) | Op::CopyArray(array) => out.push(*array),
            Op::Call(call) => call.args.iter().for_each(|a| push(&a.operand)),
            Op::Repeat { value, len, .. } => {
                push(value);
                if let Len::Dynamic(n) = len {
                    push(n);
                }
            }
        }
        out
    }
}

impl StmtKind {
    /// The variable this statement writes itself, if any.
    pub fn writes(&self) -> Option<VarId> {
        match self {
            StmtKind::Assign { target, .. } => Some(*target),
            StmtKind::Store { array, .. } => Some(*array),
            StmtKind::For { exit, .. } => exit.map(|e| e.trips),
            StmtKind::Loop { exit, .. } => Some(exit.trips),
            StmtKind::If { .. } => None,
        }
    }
}

pub fn range_reads(range: &Range) -> Vec<VarId> {
    let mut out: Vec<VarId> = [&range.start, &range.end]
        .into_iter()
        .filter_map(Operand::var)
        .collect();
    for adaptor in &range.adaptors {
        if let Adaptor::StepBy(step) = adaptor {
            out.extend(step.var());
        }
    }
    out
}

// The text form: `%3` is a variable, shown with the user's name when it has one.

struct Printer<'a> {
    body: &'a Body,
}

impl Printer<'_> {
    fn var(&self, id: VarId) -> String {
        format!("{}%{}", self.body.var(id).name, id.0)
    }

    fn operand(&self, o: &Operand) -> String {
        match o {
            Operand::Var(v) => self.var(*v),
            Operand::Const(c) => c.tokens.to_string(),
        }
    }

    fn operands(&self, list: &[Operand]) -> String {
        let parts: Vec<String> = list.iter().map(|o| self.operand(o)).collect();
        parts.join(", ")
    }

    fn op(&self, op: &Op) -> String {
        match op {
            Op::Copy(a) => self.operand(a),
            Op::Unary(u, a) => format!("{u:?} {}", self.operand(a)).to_lowercase(),
            Op::Binary(b, x, y) => format!(
                "{} {}, {}",
                format!("{b:?}").to_lowercase(),
                self.operand(x),
                self.operand(y)
            ),
            Op::Cast(a, ty) => format!("{} as {}", self.operand(a), quote::quote!(#ty)),
            Op::FromCast(a, ty) => format!("{ty}::from({})", self.operand(a)),
            Op::Math(f, args) => format!("{} {}", f.name(), self.operands(args)),
            Op::Index(a, idx) => format!("{}[{}]", self.var(*a), self.operands(idx)),
            Op::Len(a) => format!("len {}", self.var(*a)),
            Op::Call(c) => {
                let path = &c.path;
                let args: Vec<String> = c
                    .args
                    .iter()
                    .map(|a| {
                        format!(
                            "{}{}",
                            if a.by_ref { "&" } else { "" },
                            self.operand(&a.operand)
                        )
                    })
                    .collect();
                format!("call {}({})", quote::quote!(#path), args.join(", "))
            }
            Op::Repeat { value, len, vec } => {
                let len = match len {
                    Len::Const(t) => t.to_string(),
                    Len::Dynamic(n) => self.operand(n),
                };
                let kind = if *vec { "vec" } else { "array" };
                format!("{kind} [{}; {len}]", self.operand(value))
            }
            Op::List { items, vec } => {
                let kind = if *vec { "vec" } else { "array" };
                format!("{kind} [{}]", self.operands(items))
            }
            Op::CopyArray(a) => format!("copy {}", self.var(*a)),
        }
    }

    fn block(&self, block: &Block, depth: usize, out: &mut String) {
        for stmt in &block.stmts {
            self.stmt(stmt, depth, out);
        }
    }

    fn stmt(&self, stmt: &Stmt, depth: usize, out: &mut String) {
        let pad = "    ".repeat(depth);
        match &stmt.kind {
            StmtKind::Assign { target, op } => {
                out.push_str(&format!("{pad}{} = {}\n", self.var(*target), self.op(op)));
            }
            StmtKind::Store {
                array,
                index,
                value,
                accumulate,
            } => {
                let sign = match accumulate {
                    Some(BinOp::Sub) => "-=",
                    Some(_) => "+=",
                    None => "=",
                };
                out.push_str(&format!(
                    "{pad}{}[{}] {sign} {}\n",
                    self.var(*array),
                    self.operands(index),
                    self.operand(value)
                ));
            }
            StmtKind::If {
                cond,
                then_block,
                else_block,
            } => {
                out.push_str(&format!("{pad}if {} {{\n", self.var(*cond)));
                self.block(then_block, depth + 1, out);
                if !else_block.stmts.is_empty() {
                    out.push_str(&format!("{pad}}} else {{\n"));
                    self.block(else_block, depth + 1, out);
                }
                out.push_str(&format!("{pad}}}\n"));
            }
            StmtKind::For {
                index,
                range,
                body,
                exit,
            } => {
                let dots = if range.inclusive { "..=" } else { ".." };
                let mut iter = format!(
                    "{}{dots}{}",
                    self.operand(&range.start),
                    self.operand(&range.end)
                );
                for adaptor in &range.adaptors {
                    match adaptor {
                        Adaptor::Rev => iter.push_str(" rev"),
                        Adaptor::StepBy(k) => iter.push_str(&format!(" step {}", self.operand(k))),
                    }
                }
                let exit = exit.map_or(String::new(), |e| self.exit(e));
                out.push_str(&format!(
                    "{pad}for {} in {iter}{exit} {{\n",
                    self.var(*index)
                ));
                self.block(body, depth + 1, out);
                out.push_str(&format!("{pad}}}\n"));
            }
            StmtKind::Loop { body, exit } => {
                out.push_str(&format!("{pad}loop{} {{\n", self.exit(*exit)));
                self.block(body, depth + 1, out);
                out.push_str(&format!("{pad}}}\n"));
            }
        }
    }

    fn exit(&self, exit: Exit) -> String {
        format!(
            " until {} counting {}",
            self.var(exit.broke),
            self.var(exit.trips)
        )
    }
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let printer = Printer { body: self };
        let mut out = String::new();
        printer.block(&self.block, 0, &mut out);
        out.push_str(&format!("return {}\n", printer.operand(&self.output)));
        f.write_str(&out)
    }
}

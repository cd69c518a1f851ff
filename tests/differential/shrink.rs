//! One-step reductions of a generated function, for shrinking a failing case.
//!
//! Reductions are numbered in a fixed walk order over the function: statements first, as
//! they appear, then the expressions inside them. Each one keeps the function compilable:
//!
//! - a statement that declares nothing visible afterwards (assignment, store, `if`, loop,
//!   `break`, `continue`) is deleted; an `if` may also be replaced by one of its blocks;
//! - a `let` or local array keeps its name but gets a constant value;
//! - an expression is replaced by one of its operands or by a constant; `a && b` and
//!   `a || b` by `a` or `b`, `!a` by `a`.
//!
//! `GRAD_DIFF_SHRINK=<index>:<k1>,<k2>,..` applies reductions `k1`, `k2`, .. in turn to
//! function `<index>` and makes the build emit every one-step reduction of the result as
//! `d<index>_<k>`, so the test reports which of them still fail. `tests/differential/shrink.sh`
//! repeats that until no reduction fails.

use crate::program::{Arg, Cond, Expr, Function, Stmt};

/// Walks a function counting the places where a reduction applies and performs the one
/// numbered `target`.
struct Editor {
    target: usize,
    seen: usize,
    done: bool,
}

impl Editor {
    /// Whether the reduction just reached is the one to perform.
    fn hit(&mut self) -> bool {
        let hit = !self.done && self.seen == self.target;
        self.seen += 1;
        self.done |= hit;
        hit
    }

    fn block(&mut self, stmts: &mut Vec<Stmt>) {
        let mut i = 0;
        while i < stmts.len() && !self.done {
            if let Some(replacement) = self.stmt_reduction(&stmts[i]) {
                stmts.splice(i..=i, replacement);
                return;
            }
            i += 1;
        }
        for s in stmts.iter_mut() {
            self.inside_stmt(s);
        }
    }

    /// The statements that replace `s` if one of its own reductions is the target.
    fn stmt_reduction(&mut self, s: &Stmt) -> Option<Vec<Stmt>> {
        let constant = Expr::Lit(0.5);
        match s {
            Stmt::Let {
                name,
                mutable,
                value,
            } if !matches!(value, Expr::Lit(_)) => {
                let (name, mutable) = (name.clone(), *mutable);
                self.hit().then(|| {
                    vec![Stmt::Let {
                        name,
                        mutable,
                        value: constant,
                    }]
                })
            }
            Stmt::Let { .. } => None,
            Stmt::LocalVec { name, fill } if !matches!(fill, Expr::Lit(_)) => {
                let name = name.clone();
                self.hit().then(|| {
                    vec![Stmt::LocalVec {
                        name,
                        fill: constant,
                    }]
                })
            }
            Stmt::LocalArray { name, fill } if !matches!(fill, Expr::Lit(_)) => {
                let name = name.clone();
                self.hit().then(|| {
                    vec![Stmt::LocalArray {
                        name,
                        fill: constant,
                    }]
                })
            }
            Stmt::LocalVec { .. } | Stmt::LocalArray { .. } => None,
            Stmt::If { then, els, .. } => {
                if self.hit() {
                    return Some(Vec::new());
                }
                if self.hit() {
                    return Some(then.clone());
                }
                (!els.is_empty() && self.hit()).then(|| els.clone())
            }
            _ => self.hit().then(Vec::new),
        }
    }

    fn inside_stmt(&mut self, s: &mut Stmt) {
        match s {
            Stmt::Let { value, .. }
            | Stmt::Assign { value, .. }
            | Stmt::LocalVec { fill: value, .. }
            | Stmt::LocalArray { fill: value, .. }
            | Stmt::Store { value, .. } => self.expr(value),
            Stmt::If { cond, then, els } => {
                self.cond(cond);
                self.block(then);
                self.block(els);
            }
            Stmt::For { body, .. }
            | Stmt::ForEach { body, .. }
            | Stmt::ForEnumerate { body, .. }
            | Stmt::ForZip { body, .. } => self.block(body),
            Stmt::While { cond, body, .. } | Stmt::Loop { cond, body, .. } => {
                self.cond(cond);
                self.block(body);
            }
            Stmt::Break(cond) | Stmt::Continue(cond) => self.cond(cond),
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        if self.done {
            return;
        }
        let mut options: Vec<Expr> = operands(e).into_iter().cloned().collect();
        if !matches!(e, Expr::Lit(_) | Expr::Var(_) | Expr::Read(..)) {
            options.push(Expr::Lit(0.5));
        }
        for option in options {
            if self.hit() {
                *e = option;
                return;
            }
        }
        match e {
            Expr::Var(_) | Expr::Lit(_) | Expr::Read(..) => {}
            Expr::Neg(a) | Expr::Unary(_, a) => self.expr(a),
            Expr::Bin(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::Binary(_, a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            Expr::Call(_, args) => {
                for arg in args {
                    if let Arg::Scalar(a) = arg {
                        self.expr(a);
                    }
                }
            }
            Expr::IfElse(c, a, b) => {
                self.cond(c);
                self.expr(a);
                self.expr(b);
            }
        }
    }

    fn cond(&mut self, c: &mut Cond) {
        if self.done {
            return;
        }
        let options: Vec<Cond> = match c {
            Cond::And(a, b) | Cond::Or(a, b) => vec![(**a).clone(), (**b).clone()],
            Cond::Not(a) => vec![(**a).clone()],
            Cond::Cmp(..) => Vec::new(),
        };
        for option in options {
            if self.hit() {
                *c = option;
                return;
            }
        }
        match c {
            Cond::Cmp(a, _, b) => {
                self.expr(a);
                self.expr(b);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.cond(a);
                self.cond(b);
            }
            Cond::Not(a) => self.cond(a),
        }
    }
}

/// The float-valued operands of `e` that could stand in for it.
fn operands(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Var(_) | Expr::Lit(_) | Expr::Read(..) => Vec::new(),
        Expr::Neg(a) | Expr::Unary(_, a) => vec![a],
        Expr::Bin(_, a, b) | Expr::IfElse(_, a, b) => vec![a, b],
        Expr::Binary(_, a, b, c) => vec![a, b, c],
        Expr::Call(_, args) => args
            .iter()
            .filter_map(|arg| match arg {
                Arg::Scalar(a) => Some(a),
                _ => None,
            })
            .collect(),
    }
}

/// Reduction number `k` of `f`, or `None` once `k` is past the last one.
pub fn reduce(f: &Function, k: usize) -> Option<Function> {
    let mut reduced = f.clone();
    let mut editor = Editor {
        target: k,
        seen: 0,
        done: false,
    };
    editor.block(&mut reduced.body);
    editor.expr(&mut reduced.result);
    editor.done.then_some(reduced)
}

/// Every one-step reduction of `f`, in walk order.
pub fn reductions(f: &Function) -> Vec<Function> {
    (0..).map_while(|k| reduce(f, k)).collect()
}

//! Activity analysis: which variables carry a derivative.
//!
//! A variable is *varied* when it depends on an active parameter and *useful* when the output
//! depends on it; only variables that are both get adjoints and adjoint code. Both halves are
//! flow-insensitive fixpoints over every statement, which over-approximates (a variable varied
//! on one path counts as varied everywhere) but never misses a dependency.

use crate::ir::{Body, Op, Operand, Stmt, StmtKind, VarId, VarKind};
use crate::signature::Signature;

/// `active[v]` for every variable of the body.
pub struct Activity {
    active: Vec<bool>,
}

impl Activity {
    pub fn is_active(&self, var: VarId) -> bool {
        self.active[var.0 as usize]
    }

    pub fn operand(&self, operand: &Operand) -> bool {
        operand.var().is_some_and(|v| self.is_active(v))
    }
}

/// The dependencies of one statement: `(target, sources)` pairs.
fn flows(stmt: &Stmt) -> Vec<(VarId, Vec<VarId>)> {
    match &stmt.kind {
        StmtKind::Assign { target, op } => {
            let sources = match op {
                // An element read depends on the array, never on the (integer) index.
                Op::Index(array, _) => vec![*array],
                Op::Len(_) => Vec::new(),
                other => other.reads(),
            };
            vec![(*target, sources)]
        }
        StmtKind::Store { array, value, .. } => vec![(*array, value.var().into_iter().collect())],
        StmtKind::If { .. } | StmtKind::For { .. } | StmtKind::Loop { .. } => Vec::new(),
    }
}

pub fn analyze(body: &Body, sig: &Signature) -> Activity {
    let mut all = Vec::new();
    body.block.walk(&mut |stmt| all.extend(flows(stmt)));
    let can_carry: Vec<bool> = body
        .var_ids()
        .map(|v| body.var(v).ty.holds_floats())
        .collect();

    let mut varied: Vec<bool> = body
        .var_ids()
        .map(|v| match body.var(v).kind {
            VarKind::Param(i) => sig.params[i].active,
            _ => false,
        })
        .collect();
    fixpoint(&mut varied, |marks| {
        let mut changed = false;
        for (target, sources) in &all {
            let t = target.0 as usize;
            if !marks[t] && can_carry[t] && sources.iter().any(|s| marks[s.0 as usize]) {
                marks[t] = true;
                changed = true;
            }
        }
        changed
    });

    let mut useful = vec![false; body.vars.len()];
    if let Some(out) = body.output.var() {
        useful[out.0 as usize] = true;
    }
    fixpoint(&mut useful, |marks| {
        let mut changed = false;
        // Usefulness flows from later statements to earlier ones: one pass in reverse settles
        // straight-line code, and loops take a pass more per level of feedback.
        for (target, sources) in all.iter().rev() {
            if !marks[target.0 as usize] {
                continue;
            }
            for s in sources {
                let s = s.0 as usize;
                if !marks[s] && can_carry[s] {
                    marks[s] = true;
                    changed = true;
                }
            }
        }
        changed
    });

    let active = varied.iter().zip(&useful).map(|(v, u)| *v && *u).collect();
    Activity { active }
}

fn fixpoint(marks: &mut [bool], mut step: impl FnMut(&mut [bool]) -> bool) {
    while step(marks) {}
}

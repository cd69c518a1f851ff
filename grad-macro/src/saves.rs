//! What the backward sweep needs from the forward sweep, and how it gets it.
//!
//! The backward sweep visits statements in reverse, so when it reaches a statement every
//! variable must hold the value it had there in the forward sweep. A variable gets there in
//! one of three ways:
//!
//! - it is never overwritten between that point and the end: nothing to do;
//! - it is a single-assignment value inside a loop whose operands stay fixed for the whole
//!   loop (indices, reads of unmodified arrays, arithmetic on them): it is *recomputed* at the
//!   top of its block in the backward sweep, which costs arithmetic but no memory;
//! - otherwise each write that destroys a value the backward sweep still reads pushes the old
//!   value on a tape before it happens, and the backward sweep pops it back (*to-be-recorded*).
//!
//! A read "still needs" the value a write `W` destroys when the read comes at or before `W`
//! in the text, or when both sit in a loop that repeats them for the same binding. Reads are
//! placed at `2 * statement`, reads of a statement's own result at `2 * statement + 1`.

use crate::activity::Activity;
use crate::ir::{Block, Body, Op, Operand, Stmt, StmtId, StmtKind, Ty, VarId, VarKind};
use crate::rules::MathFn;
use std::collections::BTreeSet;

/// The decisions the emitters follow.
pub struct Plan {
    pub activity: Activity,
    /// Writes whose previous value is pushed on a tape.
    pub saved: BTreeSet<StmtId>,
    /// Integer steps `i = i + k` whose previous value the backward sweep restores exactly by
    /// `i = i - k` instead of saving it.
    pub inverted: BTreeSet<StmtId>,
    /// Variables recomputed in the backward sweep, with the statement before whose backward
    /// code they are recomputed.
    pub recomputed: Vec<Option<StmtId>>,
    /// Statements that emit code in the backward sweep (themselves or inside).
    pub backward: BTreeSet<StmtId>,
    /// Variables whose values the backward sweep reads.
    pub needed: Vec<bool>,
}

impl Plan {
    pub fn is_active(&self, var: VarId) -> bool {
        self.activity.is_active(var)
    }

    pub fn is_recomputed(&self, var: VarId) -> bool {
        self.recomputed[var.0 as usize].is_some()
    }
}

/// A statement with the loops around it, outermost first.
struct Site<'a> {
    stmt: &'a Stmt,
    loops: Vec<StmtId>,
}

fn sites(body: &Body) -> Vec<Site<'_>> {
    fn visit<'a>(stmts: &'a [Stmt], loops: &mut Vec<StmtId>, out: &mut Vec<Site<'a>>) {
        for stmt in stmts {
            out.push(Site {
                stmt,
                loops: loops.clone(),
            });
            let is_loop = stmt.is_loop();
            if is_loop {
                loops.push(stmt.id);
            }
            for child in stmt.children() {
                visit(&child.stmts, loops, out);
            }
            if is_loop {
                loops.pop();
            }
        }
    }
    let mut out = Vec::new();
    visit(&body.block.stmts, &mut Vec::new(), &mut out);
    out
}

struct Read {
    var: VarId,
    pos: u32,
    loops: Vec<StmtId>,
}

pub fn plan(body: &Body, activity: Activity) -> Plan {
    let sites = sites(body);
    let writes = writes_by_var(body, &sites);
    let recomputed = recomputable(body, &writes);
    let mut plan = Plan {
        activity,
        saved: BTreeSet::new(),
        inverted: BTreeSet::new(),
        recomputed,
        backward: BTreeSet::new(),
        needed: vec![false; body.vars.len()],
    };
    loop {
        plan.backward = backward_stmts(body, &plan);
        let reads = backward_reads(body, &sites, &plan);
        plan.needed = vec![false; body.vars.len()];
        for read in &reads {
            plan.needed[read.var.0 as usize] = true;
        }
        let (saved, inverted) = saved_writes(body, &writes, &reads, &plan);
        if saved == plan.saved && inverted == plan.inverted {
            return plan;
        }
        plan.saved = saved;
        plan.inverted = inverted;
    }
}

/// For every variable, the statements that write it with their loops, in order.
fn writes_by_var<'a>(body: &Body, sites: &'a [Site<'a>]) -> Vec<Vec<&'a Site<'a>>> {
    let mut writes: Vec<Vec<&Site>> = vec![Vec::new(); body.vars.len()];
    for site in sites {
        if let Some(var) = site.stmt.kind.writes() {
            writes[var.0 as usize].push(site);
        }
    }
    writes
}

/// Single-assignment scalars inside loops that can be recomputed in the backward sweep, each
/// with its anchor: the last statement of its block that reads it. The value is recomputed
/// just before the anchor's backward code runs, which is correct when no operand is written
/// between the definition and the end of the anchor.
fn recomputable(body: &Body, writes: &[Vec<&Site<'_>>]) -> Vec<Option<StmtId>> {
    let mut anchors: Vec<Option<StmtId>> = vec![None; body.vars.len()];
    let mut placed: Vec<Option<(usize, &Block)>> = vec![None; body.vars.len()];
    visit_blocks(&body.block, &mut |block, k| {
        if let StmtKind::Assign { target, .. } = &block.stmts[k].kind {
            if candidate(body, &writes[target.0 as usize]) {
                placed[target.0 as usize] = Some((k, block));
            }
        }
    });
    for v in body.var_ids() {
        if let Some((k, block)) = placed[v.0 as usize] {
            anchors[v.0 as usize] = last_reader(block, k, v).map(|j| block.stmts[j].id);
        }
    }
    loop {
        let mut changed = false;
        for v in body.var_ids() {
            let (Some((k, block)), Some(anchor)) = (placed[v.0 as usize], anchors[v.0 as usize])
            else {
                continue;
            };
            let StmtKind::Assign { op, .. } = &block.stmts[k].kind else {
                continue;
            };
            let span = block.stmts[k + 1..]
                .iter()
                .take_while(|s| s.id <= anchor)
                .collect::<Vec<_>>();
            let mut written = BTreeSet::new();
            for stmt in &span {
                stmt.subtree_writes(&mut written);
            }
            for u in op.reads() {
                if body.var(u).kind == VarKind::LoopIndex {
                    continue;
                }
                if written.contains(&u) {
                    anchors[v.0 as usize] = None;
                    changed = true;
                    break;
                }
                // A recomputed operand must still be there when this value is recomputed.
                if let Some(other) = anchors[u.0 as usize] {
                    let same_block =
                        placed[u.0 as usize].is_some_and(|(_, b)| std::ptr::eq(b, block));
                    if same_block && other < anchor {
                        anchors[u.0 as usize] = Some(anchor);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return anchors;
        }
    }
}

/// The index of the last statement after `k` in `block` whose subtree reads `v`.
fn last_reader(block: &Block, k: usize, v: VarId) -> Option<usize> {
    (k + 1..block.stmts.len()).rev().find(|&j| {
        let mut reads = BTreeSet::new();
        block.stmts[j].subtree_reads(&mut reads);
        reads.contains(&v)
    })
}

/// Calls `visit(block, index)` for every statement of every block.
fn visit_blocks<'a>(block: &'a Block, visit: &mut impl FnMut(&'a Block, usize)) {
    for (k, stmt) in block.stmts.iter().enumerate() {
        visit(block, k);
        for child in stmt.children() {
            visit_blocks(child, visit);
        }
    }
}

fn candidate(body: &Body, writes: &[&Site<'_>]) -> bool {
    let [site] = writes else { return false };
    if site.loops.is_empty() {
        return false;
    }
    let StmtKind::Assign { target, op } = &site.stmt.kind else {
        return false;
    };
    let var = body.var(*target);
    let plain =
        matches!(var.kind, VarKind::Local | VarKind::Temp) && matches!(var.ty, Ty::Scalar(_));
    // Every pure operation is recomputed, transcendental ones included: measured on the
    // benchmarks, a second `exp` costs less than a tape, which a small function called in a
    // loop would allocate on every call.
    let cheap = matches!(
        op,
        Op::Copy(_)
            | Op::Unary(..)
            | Op::Binary(..)
            | Op::Cast(..)
            | Op::FromCast(..)
            | Op::Math(..)
            | Op::Index(..)
            | Op::Len(_)
    );
    plain && cheap
}

/// Statements that emit backward code: active ones, saved writes, and what encloses them.
fn backward_stmts(body: &Body, plan: &Plan) -> BTreeSet<StmtId> {
    fn visit(stmts: &[Stmt], plan: &Plan, out: &mut BTreeSet<StmtId>) -> bool {
        let mut any = false;
        for stmt in stmts {
            let mut own = plan.saved.contains(&stmt.id)
                || plan.inverted.contains(&stmt.id)
                || is_active_stmt(stmt, plan);
            for child in stmt.children() {
                own |= visit(&child.stmts, plan, out);
            }
            if own {
                out.insert(stmt.id);
                any = true;
            }
        }
        any
    }
    let mut out = BTreeSet::new();
    visit(&body.block.stmts, plan, &mut out);
    out
}

pub fn is_active_stmt(stmt: &Stmt, plan: &Plan) -> bool {
    match &stmt.kind {
        StmtKind::Assign { target, .. } => plan.is_active(*target),
        StmtKind::Store { array, .. } => plan.is_active(*array),
        _ => false,
    }
}

fn backward_reads(body: &Body, sites: &[Site<'_>], plan: &Plan) -> Vec<Read> {
    let mut reads = Vec::new();
    for site in sites.iter().filter(|s| plan.inverted.contains(&s.stmt.id)) {
        if let Some((_, Operand::Var(step), _)) = integer_step(body, site.stmt) {
            reads.push(Read {
                var: step,
                pos: 2 * site.stmt.id.0,
                loops: site.loops.clone(),
            });
        }
    }
    for site in sites.iter().filter(|s| plan.backward.contains(&s.stmt.id)) {
        for (var, result) in stmt_reads(site.stmt, plan) {
            reads.push(Read {
                var,
                pos: 2 * site.stmt.id.0 + u32::from(result),
                loops: site.loops.clone(),
            });
        }
    }
    // A recomputed value read by the backward sweep makes its operands read where it is
    // defined; repeat until no new recomputed value becomes needed.
    let mut expanded: BTreeSet<VarId> = BTreeSet::new();
    loop {
        let needed: BTreeSet<VarId> = reads.iter().map(|r| r.var).collect();
        let mut grew = false;
        for site in sites {
            let StmtKind::Assign { target, op } = &site.stmt.kind else {
                continue;
            };
            let Some(anchor) = plan.recomputed[target.0 as usize] else {
                continue;
            };
            if needed.contains(target) && expanded.insert(*target) {
                grew = true;
                // Sites are numbered in the same pre-order as statements.
                let at = &sites[anchor.0 as usize];
                for var in op.reads() {
                    reads.push(Read {
                        var,
                        pos: 2 * anchor.0,
                        loops: at.loops.clone(),
                    });
                }
            }
        }
        if !grew {
            return reads;
        }
    }
}

/// The variables the backward code of one statement reads; `true` marks reads of the
/// statement's own result.
fn stmt_reads(stmt: &Stmt, plan: &Plan) -> Vec<(VarId, bool)> {
    let vars = |operands: &[&Operand]| -> Vec<(VarId, bool)> {
        operands
            .iter()
            .filter_map(|o| o.var())
            .map(|v| (v, false))
            .collect()
    };
    match &stmt.kind {
        StmtKind::Assign { target, op } if plan.is_active(*target) => op_reads(*target, op, plan),
        StmtKind::Store { array, index, .. } if plan.is_active(*array) => {
            vars(&index.iter().collect::<Vec<_>>())
        }
        StmtKind::If { cond, .. } => vec![(*cond, false)],
        StmtKind::For { range, exit, .. } => {
            let mut out: Vec<(VarId, bool)> = crate::ir::range_reads(range)
                .into_iter()
                .map(|v| (v, false))
                .collect();
            out.extend(exit.map(|e| (e.trips, true)));
            out
        }
        StmtKind::Loop { exit, .. } => vec![(exit.trips, true)],
        _ => Vec::new(),
    }
}

fn op_reads(target: VarId, op: &Op, plan: &Plan) -> Vec<(VarId, bool)> {
    let var = |o: &Operand| o.var().map(|v| (v, false));
    let active = |o: &Operand| plan.activity.operand(o);
    match op {
        Op::Binary(crate::ir::BinOp::Mul, a, b) => {
            let mut out = Vec::new();
            if active(a) {
                out.extend(var(b));
            }
            if active(b) {
                out.extend(var(a));
            }
            out
        }
        Op::Binary(crate::ir::BinOp::Div, _, b) => {
            let mut out: Vec<(VarId, bool)> = var(b).into_iter().collect();
            if active(b) {
                out.push((target, true));
            }
            out
        }
        Op::Math(f, args) => {
            let mut out: Vec<(VarId, bool)> = Vec::new();
            if f.reads_args() || *f == MathFn::Powi {
                out.extend(args.iter().filter_map(var));
            }
            if f.reads_result() {
                out.push((target, true));
            }
            out
        }
        Op::Index(_, index) => index.iter().filter_map(var).collect(),
        Op::Call(call) => call.args.iter().filter_map(|a| var(&a.operand)).collect(),
        _ => Vec::new(),
    }
}

/// The step `k` of an integer write `i = i + k`, `i = k + i` or `i = i - k`, with whether it
/// is subtracted: such a write is undone exactly by the opposite step.
pub fn integer_step(body: &Body, stmt: &Stmt) -> Option<(VarId, Operand, bool)> {
    let StmtKind::Assign { target, op } = &stmt.kind else {
        return None;
    };
    if body.var(*target).ty.scalar() != Some(crate::ir::Scalar::Int) {
        return None;
    }
    let is_target = |o: &Operand| o.var() == Some(*target);
    match op {
        Op::Binary(crate::ir::BinOp::Add, a, b) if is_target(a) && !is_target(b) => {
            Some((*target, b.clone(), false))
        }
        Op::Binary(crate::ir::BinOp::Add, a, b) if is_target(b) && !is_target(a) => {
            Some((*target, a.clone(), false))
        }
        Op::Binary(crate::ir::BinOp::Sub, a, b) if is_target(a) && !is_target(b) => {
            Some((*target, b.clone(), true))
        }
        _ => None,
    }
}

fn saved_writes(
    body: &Body,
    writes: &[Vec<&Site<'_>>],
    reads: &[Read],
    plan: &Plan,
) -> (BTreeSet<StmtId>, BTreeSet<StmtId>) {
    let mut saved = BTreeSet::new();
    let mut inverted = BTreeSet::new();
    let mut reads_of: Vec<Vec<&Read>> = vec![Vec::new(); body.vars.len()];
    for read in reads {
        reads_of[read.var.0 as usize].push(read);
    }
    for v in body.var_ids() {
        let list = &writes[v.0 as usize];
        if plan.is_recomputed(v) || list.is_empty() {
            continue;
        }
        let is_param = matches!(body.var(v).kind, VarKind::Param(_));
        let first = list[0].stmt.id;
        let decl_depth = if is_param { 0 } else { list[0].loops.len() };
        for write in list {
            let is_init = !is_param && write.stmt.id == first;
            let needs = reads_of[v.0 as usize].iter().any(|r| {
                if r.pos <= 2 * write.stmt.id.0 {
                    return true;
                }
                let common = r
                    .loops
                    .iter()
                    .zip(&write.loops)
                    .take_while(|(a, b)| a == b)
                    .count();
                if is_init {
                    common > 0
                } else {
                    common > decl_depth
                }
            });
            if needs && integer_step(body, write.stmt).is_some() {
                inverted.insert(write.stmt.id);
            } else if needs {
                saved.insert(write.stmt.id);
            }
        }
    }
    (saved, inverted)
}

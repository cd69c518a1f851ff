//! Names of everything the generated adjoint declares.
//!
//! Generated locals carry `Span::mixed_site()` hygiene, so they can never capture or shadow
//! the user's parameters, and within that namespace every name is made unique here. User
//! variables keep their own names (`acc`, or `acc_2` for a shadowed second `acc`), their
//! adjoints end in `_bar` (the classic notation for an adjoint), tapes in `_tape`.

use crate::ir::{Body, VarId, VarKind};
use proc_macro2::{Ident, Span};
use std::collections::HashSet;

pub struct Names {
    /// Only ever asked for membership, never iterated, so the output stays deterministic.
    taken: HashSet<String>,
    primal: Vec<Ident>,
    bar: Vec<Ident>,
    tape: Vec<Ident>,
    elems: Vec<Ident>,
    lens: Vec<Ident>,
    max_len: Vec<Ident>,
}

impl Names {
    pub fn new(body: &Body) -> Names {
        let mut names = Names {
            taken: HashSet::new(),
            primal: Vec::new(),
            bar: Vec::new(),
            tape: Vec::new(),
            elems: Vec::new(),
            lens: Vec::new(),
            max_len: Vec::new(),
        };
        for id in body.var_ids() {
            if let VarKind::Param(_) = body.var(id).kind {
                names.taken.insert(body.var(id).name.to_string());
            }
        }
        for id in body.var_ids() {
            let var = body.var(id);
            let ident = match var.kind {
                VarKind::Param(_) => var.name.clone(),
                _ => names.fresh(&var.name.to_string(), var.name.span()),
            };
            names.primal.push(ident);
        }
        for id in body.var_ids() {
            let base = names.primal[id.0 as usize].to_string();
            let bar = names.fresh(&format!("{base}_bar"), Span::call_site());
            let tape = names.fresh(&format!("{base}_tape"), Span::call_site());
            let elems = names.fresh(&format!("{base}_elems"), Span::call_site());
            let lens = names.fresh(&format!("{base}_lens"), Span::call_site());
            let max_len = names.fresh(&format!("{base}_max_len"), Span::call_site());
            names.bar.push(bar);
            names.tape.push(tape);
            names.elems.push(elems);
            names.lens.push(lens);
            names.max_len.push(max_len);
        }
        names
    }

    /// A new unique name derived from `base`, hygienic but located at `at`.
    pub fn fresh(&mut self, base: &str, at: Span) -> Ident {
        let base = base.trim_start_matches("r#");
        let mut candidate = base.to_string();
        let mut k = 2;
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{base}_{k}");
            k += 1;
        }
        Ident::new(&candidate, Span::mixed_site().located_at(at))
    }

    pub fn primal(&self, v: VarId) -> &Ident {
        &self.primal[v.0 as usize]
    }

    pub fn bar(&self, v: VarId) -> &Ident {
        &self.bar[v.0 as usize]
    }

    pub fn tape(&self, v: VarId) -> &Ident {
        &self.tape[v.0 as usize]
    }

    pub fn elems(&self, v: VarId) -> &Ident {
        &self.elems[v.0 as usize]
    }

    pub fn lens(&self, v: VarId) -> &Ident {
        &self.lens[v.0 as usize]
    }

    pub fn max_len(&self, v: VarId) -> &Ident {
        &self.max_len[v.0 as usize]
    }
}

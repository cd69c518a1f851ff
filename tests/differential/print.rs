//! Rendering drawn functions as Rust source: the generic `#[differentiate]` version, the
//! `f64` margin twin, the entry points and the table of cases.

use crate::program::{
    closure, Arg, AssignOp, BinOp, Binary, CmpOp, Cond, ContainerKind, Expr, Function, Index,
    ParamKind, Range, Stmt, Unary, LEN,
};
use std::fmt::Write;

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

/// The generated file for the functions numbered in `emitted` (each must come with every
/// function it calls): both renderings, the entry points and the table `CASES` the test
/// walks.
pub fn render(functions: &[Function], emitted: &[usize]) -> String {
    let mut out = String::new();
    let mut generic = Printer::new(Mode::Generic, functions);
    let mut margin = Printer::new(Mode::Margin, functions);
    for &i in emitted {
        generic.function(&functions[i]);
        margin.function(&functions[i]);
    }
    out.push_str(&generic.out);
    out.push_str(&margin.out);
    for &i in emitted {
        entry_points(&mut out, &functions[i]);
    }

    out.push_str("pub const CASES: &[Case] = &[\n");
    for &i in emitted {
        let f = &functions[i];
        let mut source = Printer::new(Mode::Generic, functions);
        for c in closure(functions, i) {
            source.function(&functions[c]);
        }
        let _ = writeln!(
            out,
            "    Case {{ name: {:?}, source: {:?}, inputs: {}, value: {n}_eval::<f64>, \
             dual: {n}_eval::<Dual>, gradient: {n}_gradient, margin: {n}_margin_at }},",
            f.name,
            source.out,
            input_len(f),
            n = f.name
        );
    }
    out.push_str("];\n");
    out
}

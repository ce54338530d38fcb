//! Tags to a tree: statements (`if`/`elsif`/`else`/`unless`/`end`) nest the text and output
//! between them; expressions follow Ruby's precedence.

use crate::Error;
use crate::lex::{StrPart, Tok, Token, lex};
use crate::scan::{Seg, Tag};

/// A node of a template.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Text(String),
    /// `<%= expr %>`.
    Out(Expr),
    /// `<% expr %>`: evaluated for its effect (`host_param!` raising), nothing written.
    Eval(Expr),
    /// `if`/`unless` with its `elsif`s and `else`.
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>),
}

/// An expression and the byte offset in the template where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Expr {
    pub(crate) kind: Kind,
    pub(crate) at: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum Part {
    Lit(String),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Nil,
    Bool(bool),
    Int(String),
    Float(f64),
    Str(Vec<Part>),
    Array(Vec<Expr>),
    Ivar(String),
    /// A bare function (`host_param('x')`).
    Func(String, Vec<Expr>),
    /// `recv.name(args)`; `safe` for `&.`.
    Method {
        recv: Box<Expr>,
        name: String,
        args: Vec<Expr>,
        safe: bool,
    },
    Index(Box<Expr>, Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `==` (`false`) or `!=` (`true`).
    Eq(Box<Expr>, Box<Expr>, bool),
    Cmp(Box<Expr>, &'static str, Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// The functions a template may call (Foreman's host template macros).
pub(crate) const FUNCTIONS: [&str; 5] =
    ["host_param", "host_param!", "host_param_true?", "host_param_false?", "host_enc"];

/// The methods of Ruby's strings, arrays, hashes, numbers and nil a template may call.
pub(crate) const METHODS: [&str; 33] = [
    "to_s",
    "to_i",
    "to_f",
    "to_a",
    "upcase",
    "downcase",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "chomp",
    "split",
    "join",
    "include?",
    "start_with?",
    "end_with?",
    "nil?",
    "empty?",
    "present?",
    "blank?",
    "presence",
    "first",
    "last",
    "size",
    "length",
    "keys",
    "values",
    "key?",
    "has_key?",
    "fetch",
    "dig",
    "sort",
    "uniq",
];

const UNSUPPORTED_KEYWORDS: [&str; 16] = [
    "do", "while", "until", "for", "case", "when", "begin", "rescue", "def", "class", "module", "yield", "return",
    "lambda", "proc", "loop",
];

/// An open `if`: its branches so far, its `else` body, whether the `else` has begun, and the
/// offset of the `if` (for a missing `end`).
type Open = (Vec<(Expr, Vec<Node>)>, Vec<Node>, bool, usize);

/// Parse a template's segments.
pub(crate) fn parse(tpl: &str, segs: Vec<Seg>) -> Result<Vec<Node>, Error> {
    // Open blocks: (branches, else, in_else, offset of the `if`).
    let mut stack: Vec<Open> = Vec::new();
    let mut top: Vec<Node> = Vec::new();
    fn current<'a>(top: &'a mut Vec<Node>, stack: &'a mut [Open]) -> &'a mut Vec<Node> {
        match stack.last_mut() {
            None => top,
            Some((branches, els, in_else, _)) => {
                if *in_else {
                    els
                } else {
                    &mut branches.last_mut().expect("an open block has a branch").1
                }
            }
        }
    }
    for seg in segs {
        match seg {
            Seg::Text(t) => current(&mut top, &mut stack).push(Node::Text(t)),
            Seg::Code { tag: Tag::Output, code, at } => {
                let mut p = Parser::new(tpl, &code, at)?;
                if p.peek_end() {
                    continue; // `<%= %>` writes nothing.
                }
                let e = p.modified()?;
                p.expect_end()?;
                current(&mut top, &mut stack).push(Node::Out(e));
            }
            Seg::Code { tag: Tag::Stmt, code, at } => {
                let mut p = Parser::new(tpl, &code, at)?;
                if p.peek_end() {
                    continue;
                }
                let kw_at = p.toks[p.pos].at;
                match p.keyword() {
                    Some("if" | "unless") => {
                        let neg = p.keyword() == Some("unless");
                        p.pos += 1;
                        let mut cond = p.expr()?;
                        p.skip_then();
                        p.expect_end()?;
                        if neg {
                            cond = Expr { at: cond.at, kind: Kind::Not(Box::new(cond)) };
                        }
                        stack.push((vec![(cond, Vec::new())], Vec::new(), false, kw_at));
                    }
                    Some("elsif") => {
                        p.pos += 1;
                        let cond = p.expr()?;
                        p.skip_then();
                        p.expect_end()?;
                        match stack.last_mut() {
                            Some((branches, _, false, _)) => branches.push((cond, Vec::new())),
                            _ => return Err(Error::at(tpl, kw_at, "`elsif` without an open `if`".into())),
                        }
                    }
                    Some("else") => {
                        p.pos += 1;
                        p.expect_end()?;
                        match stack.last_mut() {
                            Some((_, _, in_else @ false, _)) => *in_else = true,
                            _ => return Err(Error::at(tpl, kw_at, "`else` without an open `if`".into())),
                        }
                    }
                    Some("end") => {
                        p.pos += 1;
                        p.expect_end()?;
                        let Some((branches, els, _, _)) = stack.pop() else {
                            return Err(Error::at(tpl, kw_at, "`end` without an open `if`".into()));
                        };
                        current(&mut top, &mut stack).push(Node::If(branches, els));
                    }
                    _ => {
                        let e = p.modified()?;
                        p.expect_end()?;
                        current(&mut top, &mut stack).push(Node::Eval(e));
                    }
                }
            }
        }
    }
    if let Some((_, _, _, at)) = stack.last() {
        return Err(Error::at(tpl, *at, "`if` without `end`".into()));
    }
    Ok(top)
}

/// How deep expressions may nest (parentheses, brackets, `!`, `#{}`): the parser and the
/// evaluator recurse, and a hostile template must fail one host, not overflow the stack
/// (Ruby itself refuses deep nesting: `nesting too deep`).
const MAX_DEPTH: usize = 64;

pub(crate) struct Parser<'t> {
    tpl: &'t str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(tpl: &'t str, code: &str, at: usize) -> Result<Self, Error> {
        Ok(Parser { tpl, toks: lex(tpl, code, at)?, pos: 0, depth: 0 })
    }

    /// One level deeper, or the nesting error.
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::at(self.tpl, self.at(), format!("expressions nest deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn at(&self) -> usize {
        self.toks[self.pos].at
    }

    fn keyword(&self) -> Option<&str> {
        match self.peek() {
            Tok::Ident(s) => Some(s.as_str()),
            _ => None,
        }
    }

    fn peek_end(&mut self) -> bool {
        while matches!(self.peek(), Tok::End) {
            self.pos += 1;
        }
        matches!(self.peek(), Tok::Eof)
    }

    fn skip_then(&mut self) {
        if self.keyword() == Some("then") {
            self.pos += 1;
        }
    }

    pub(crate) fn expect_end(&mut self) -> Result<(), Error> {
        if self.peek_end() {
            return Ok(());
        }
        Err(self.unexpected())
    }

    fn unexpected(&self) -> Error {
        let at = self.at();
        match self.peek() {
            Tok::Op("=") => Error::unsupported(self.tpl, at, "assignment (`=`)"),
            Tok::Op(op @ ("{" | "|" | "*" | "/" | "%" | "**" | "=~" | "!~" | "&" | "^" | "::")) => {
                Error::unsupported(self.tpl, at, &format!("the operator `{op}`"))
            }
            Tok::End => Error::unsupported(self.tpl, at, "more than one statement in a tag"),
            Tok::Ident(k) if UNSUPPORTED_KEYWORDS.contains(&k.as_str()) || k == "each" => {
                Error::unsupported(self.tpl, at, &format!("`{k}`"))
            }
            Tok::Symbol(s) => Error::unsupported(self.tpl, at, &format!("the symbol `:{s}`")),
            t => Error::at(self.tpl, at, format!("unexpected {}", describe(t))),
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Tok::Op(o) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), Error> {
        if self.eat(op) { Ok(()) } else { Err(self.unexpected()) }
    }

    /// An expression with an optional `if`/`unless` modifier (`<%= x if y %>`).
    pub(crate) fn modified(&mut self) -> Result<Expr, Error> {
        let e = self.expr()?;
        match self.keyword() {
            Some(k @ ("if" | "unless")) => {
                let neg = k == "unless";
                self.pos += 1;
                let mut cond = self.expr()?;
                if neg {
                    cond = Expr { at: cond.at, kind: Kind::Not(Box::new(cond)) };
                }
                let at = e.at;
                let nil = Expr { kind: Kind::Nil, at };
                Ok(Expr { kind: Kind::If(Box::new(cond), Box::new(e), Box::new(nil)), at })
            }
            _ => Ok(e),
        }
    }

    /// `not`, `and`, `or` (the lowest precedence).
    pub(crate) fn expr(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let r = self.expr_inner();
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> Result<Expr, Error> {
        let mut left = self.not_expr()?;
        loop {
            match self.keyword() {
                Some("and") => {
                    self.pos += 1;
                    let r = self.not_expr()?;
                    left = Expr { at: left.at, kind: Kind::And(Box::new(left), Box::new(r)) };
                }
                Some("or") => {
                    self.pos += 1;
                    let r = self.not_expr()?;
                    left = Expr { at: left.at, kind: Kind::Or(Box::new(left), Box::new(r)) };
                }
                _ => return Ok(left),
            }
        }
    }

    fn not_expr(&mut self) -> Result<Expr, Error> {
        if self.keyword() == Some("not") {
            let at = self.at();
            self.pos += 1;
            self.enter()?;
            let e = self.not_expr();
            self.depth -= 1;
            let e = e?;
            return Ok(Expr { at, kind: Kind::Not(Box::new(e)) });
        }
        self.ternary()
    }

    fn ternary(&mut self) -> Result<Expr, Error> {
        let cond = self.binary(0)?;
        if self.eat("?") {
            let a = self.ternary()?;
            self.expect(":")?;
            let b = self.ternary()?;
            return Ok(Expr { at: cond.at, kind: Kind::If(Box::new(cond), Box::new(a), Box::new(b)) });
        }
        Ok(cond)
    }

    /// Binary operators by precedence level: `||`, `&&`, equality, comparison, `+`/`-`.
    fn binary(&mut self, level: u8) -> Result<Expr, Error> {
        if level == 5 {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match self.peek() {
                Tok::Op(op) => *op,
                _ => return Ok(left),
            };
            let at = left.at;
            let matches_level = match level {
                0 => op == "||",
                1 => op == "&&",
                2 => op == "==" || op == "!=",
                3 => matches!(op, "<" | ">" | "<=" | ">="),
                _ => op == "+" || op == "-",
            };
            if !matches_level {
                return Ok(left);
            }
            self.pos += 1;
            let right = Box::new(self.binary(level + 1)?);
            let l = Box::new(left);
            left = Expr {
                at,
                kind: match op {
                    "||" => Kind::Or(l, right),
                    "&&" => Kind::And(l, right),
                    "==" => Kind::Eq(l, right, false),
                    "!=" => Kind::Eq(l, right, true),
                    "+" => Kind::Add(l, right),
                    "-" => Kind::Sub(l, right),
                    cmp => Kind::Cmp(l, cmp, right),
                },
            };
            if level == 2 {
                return Ok(left); // Ruby's equality operators do not chain.
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let at = self.at();
        // `-1.to_s` is `(-1).to_s`: a minus attached to a number is part of the literal.
        if matches!(self.peek(), Tok::Op("-"))
            && matches!(
                self.toks.get(self.pos + 1),
                Some(Token { tok: Tok::Int(_) | Tok::Float(_), space_before: false, .. })
            )
        {
            self.pos += 1;
            let kind = match self.peek().clone() {
                Tok::Int(s) => Kind::Int(format!("-{s}")),
                Tok::Float(f) => Kind::Float(-f),
                _ => unreachable!("checked above"),
            };
            self.pos += 1;
            return self.postfix_of(Expr { at, kind });
        }
        if self.eat("!") {
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr { at, kind: Kind::Not(Box::new(e?)) });
        }
        if self.eat("-") {
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr { at, kind: Kind::Neg(Box::new(e?)) });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, Error> {
        let e = self.primary()?;
        self.postfix_of(e)
    }

    fn postfix_of(&mut self, mut e: Expr) -> Result<Expr, Error> {
        loop {
            let safe = matches!(self.peek(), Tok::Op("&."));
            if safe || matches!(self.peek(), Tok::Op(".")) {
                self.pos += 1;
                let at = self.at();
                let Tok::Ident(name) = self.peek().clone() else { return Err(self.unexpected()) };
                self.pos += 1;
                let args = self.args_of(&name, at)?;
                e = Expr { at, kind: Kind::Method { recv: Box::new(e), name, args, safe } };
            } else if matches!(self.peek(), Tok::Op("[")) && !self.toks[self.pos].space_before {
                let at = self.at();
                self.pos += 1;
                let args = self.list("]")?;
                e = Expr { at, kind: Kind::Index(Box::new(e), args) };
            } else {
                return Ok(e);
            }
        }
    }

    /// The arguments after a method or function name `name` (at `at`): `(a, b)` attached, or
    /// command arguments after a space; a block after them is outside the subset.
    fn args_of(&mut self, name: &str, at: usize) -> Result<Vec<Expr>, Error> {
        let args = if matches!(self.peek(), Tok::Op("(")) && !self.toks[self.pos].space_before {
            self.call_args()?
        } else {
            self.command_args()?
        };
        if self.peek_block() {
            return Err(Error::unsupported(self.tpl, at, &format!("`{name}` with a block")));
        }
        Ok(args)
    }

    fn peek_block(&self) -> bool {
        matches!(self.peek(), Tok::Op("{")) || matches!(self.peek(), Tok::Ident(k) if k == "do")
    }

    /// `(a, b)` right after a name, or nothing.
    fn call_args(&mut self) -> Result<Vec<Expr>, Error> {
        if matches!(self.peek(), Tok::Op("(")) && !self.toks[self.pos].space_before {
            self.pos += 1;
            return self.list(")");
        }
        Ok(Vec::new())
    }

    fn list(&mut self, close: &str) -> Result<Vec<Expr>, Error> {
        let mut out = Vec::new();
        if self.eat(close) {
            return Ok(out);
        }
        loop {
            out.push(self.expr()?);
            if self.eat(close) {
                return Ok(out);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let at = self.at();
        let tok = self.peek().clone();
        let kind = match tok {
            Tok::Int(s) => {
                self.pos += 1;
                Kind::Int(s)
            }
            Tok::Float(f) => {
                self.pos += 1;
                Kind::Float(f)
            }
            Tok::Str(parts) => {
                self.pos += 1;
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    out.push(match p {
                        StrPart::Lit(s) => Part::Lit(s),
                        StrPart::Code(code, off) => {
                            let mut inner = Parser::new(self.tpl, &code, off)?;
                            inner.depth = self.depth;
                            let e = inner.expr()?;
                            inner.expect_end()?;
                            Part::Expr(e)
                        }
                    });
                }
                Kind::Str(out)
            }
            Tok::Ivar(name) => {
                self.pos += 1;
                Kind::Ivar(name)
            }
            Tok::Op("(") => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(")")?;
                return Ok(e);
            }
            Tok::Op("[") => {
                self.pos += 1;
                Kind::Array(self.list("]")?)
            }
            Tok::Ident(name) => {
                self.pos += 1;
                match name.as_str() {
                    "nil" => Kind::Nil,
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    f if FUNCTIONS.contains(&f) => {
                        let args = self.args_of(&name, at)?;
                        Kind::Func(name, args)
                    }
                    k if UNSUPPORTED_KEYWORDS.contains(&k) => {
                        return Err(Error::unsupported(self.tpl, at, &format!("`{k}`")));
                    }
                    _ if matches!(self.peek(), Tok::Op("=")) => {
                        return Err(Error::unsupported(self.tpl, at, "assignment (`=`)"));
                    }
                    other => return Err(Error::unsupported(self.tpl, at, &format!("`{other}`"))),
                }
            }
            _ => return Err(self.unexpected()),
        };
        Ok(Expr { kind, at })
    }

    /// Arguments without parentheses (`host_param 'x'`): only when a literal, variable or name
    /// follows after a space.
    fn command_args(&mut self) -> Result<Vec<Expr>, Error> {
        let t = &self.toks[self.pos];
        let starts = t.space_before
            && match &t.tok {
                Tok::Str(_) | Tok::Int(_) | Tok::Float(_) | Tok::Ivar(_) | Tok::Op("(" | "[") => true,
                Tok::Ident(k) => !matches!(k.as_str(), "if" | "unless" | "and" | "or" | "then" | "do" | "end"),
                _ => false,
            };
        if !starts {
            return Ok(Vec::new());
        }
        let mut out = vec![self.ternary()?];
        while self.eat(",") {
            out.push(self.ternary()?);
        }
        Ok(out)
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Ivar(s) => format!("`@{s}`"),
        Tok::Int(s) => format!("number {s}"),
        Tok::Float(f) => format!("number {f}"),
        Tok::Str(_) => "string".into(),
        Tok::Symbol(s) => format!("`:{s}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::End => "end of statement".into(),
        Tok::Eof => "end of tag".into(),
    }
}

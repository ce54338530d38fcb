//! Type expressions as Puppet 7's `TypeParser` reads them (`pops/types/type_parser.rb`): the
//! subset of the language a type needs (references, access `[...]`, strings, bare words,
//! numbers, regexes, `default`, booleans), with its parameter rules and error texts.

use super::int::{Int, parse_integer};
use super::types::{PType, Re};

/// What `puppet lookup --type Data` answers: the CLI hands its scope to the parser as the
/// loader context, and a name outside the parser's own table (`Data`, `RichData`, any unknown
/// name) is then loaded through it (`type_parser.rb` `loader_from_context`, a Puppet 7 bug).
pub(super) const CLI_LOAD_ERROR: &str = "private method `load' called for Scope(Class[main]):Puppet::Parser::Scope";
/// The same under Ruby 3.3 (Puppet 8.10), which shows the object's address (no fixed value:
/// Lamina shows zeros, and comparisons with Puppet mask it).
pub(super) const CLI_LOAD_ERROR_RUBY33: &str =
    "private method `load' called for #<Puppet::Parser::Scope:0x0000000000000000>";

/// The names `TypeParser.type_map` resolves without a loader.
const TYPE_MAP: &[&str] = &[
    "Integer",
    "Float",
    "Numeric",
    "Init",
    "Iterable",
    "Iterator",
    "String",
    "Binary",
    "Sensitive",
    "Enum",
    "Boolean",
    "Pattern",
    "Regexp",
    "Array",
    "Hash",
    "Class",
    "Resource",
    "Collection",
    "Scalar",
    "ScalarData",
    "CatalogEntry",
    "Undef",
    "NotUndef",
    "Default",
    "Any",
    "Variant",
    "Optional",
    "Runtime",
    "Type",
    "Tuple",
    "Struct",
    "Object",
    "TypeAlias",
    "TypeReference",
    "TypeSet",
    "Callable",
    "SemVer",
    "SemVerRange",
    "Timestamp",
    "Timespan",
    "URI",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Punct(char),
    Str(String),
    Re(String),
    Word(String),
    Num(String),
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Punct(c) => write!(f, "{c}"),
            Tok::Str(s) | Tok::Word(s) | Tok::Num(s) => f.write_str(s),
            Tok::Re(s) => write!(f, "/{s}/"),
        }
    }
}

/// A token and its span (byte offsets) and column (1-based, in characters).
struct Spanned {
    tok: Tok,
    start: usize,
    end: usize,
    col: usize,
}

fn tokenize(s: &str) -> Result<Vec<Spanned>, String> {
    let mut toks = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let col = i + 1;
        let mut j = i + 1;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '\'' | '"' | '/' => {
                let mut t = String::new();
                loop {
                    match chars.get(j) {
                        Some(&(_, x)) if x == c => break,
                        Some(&(_, '\\')) => {
                            // Regexes keep their escapes; quoted strings drop the backslash
                            // before the quote and another backslash.
                            let next = chars.get(j + 1).map(|&(_, x)| x);
                            match next {
                                Some(n) if c != '/' && (n == c || n == '\\') => t.push(n),
                                Some(n) => {
                                    t.push('\\');
                                    t.push(n);
                                }
                                None => return Err("Syntax error at end of input".into()),
                            }
                            j += 1;
                        }
                        Some(&(_, x)) => t.push(x),
                        None => return Err("Syntax error at end of input".into()),
                    }
                    j += 1;
                }
                j += 1;
                if c == '/' { Tok::Re(t) } else { Tok::Str(t) }
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(j).is_some_and(|&(_, d)| d.is_ascii_digit())) => {
                while let Some(&(_, x)) = chars.get(j) {
                    let exp_sign = matches!(x, '-' | '+')
                        && matches!(chars[j - 1].1, 'e' | 'E')
                        && !s[start..chars[j - 1].0].to_ascii_lowercase().contains('x');
                    if x.is_ascii_alphanumeric() || x == '.' || x == '_' || exp_sign {
                        j += 1;
                    } else {
                        break;
                    }
                }
                Tok::Num(s[start..chars.get(j).map_or(s.len(), |&(b, _)| b)].to_string())
            }
            c if c.is_alphabetic() || c == '_' || c == ':' => {
                while chars.get(j).is_some_and(|&(_, x)| x.is_alphanumeric() || x == '_' || x == ':') {
                    j += 1;
                }
                Tok::Word(s[start..chars.get(j).map_or(s.len(), |&(b, _)| b)].to_string())
            }
            c => Tok::Punct(c),
        };
        let end = chars.get(j).map_or(s.len(), |&(b, _)| b);
        toks.push(Spanned { tok, start, end, col });
        i = j;
    }
    Ok(toks)
}

/// A parsed expression and its source span.
struct Expr {
    kind: ExprKind,
    start: usize,
    end: usize,
}

enum ExprKind {
    Leaf(Tok),
    Access(Box<Expr>, Vec<Expr>),
}

struct Parser {
    toks: Vec<Spanned>,
    pos: usize,
}

impl Parser {
    fn syntax_error(&self) -> String {
        match self.toks.get(self.pos) {
            None => "Syntax error at end of input".into(),
            Some(t) => format!("Syntax error at '{}' (line: 1, column: {})", t.tok, t.col),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let Some(t) = self.toks.get(self.pos) else { return Err(self.syntax_error()) };
        if matches!(t.tok, Tok::Punct(_)) {
            return Err(self.syntax_error());
        }
        let mut e = Expr { kind: ExprKind::Leaf(t.tok.clone()), start: t.start, end: t.end };
        self.pos += 1;
        if self.toks.get(self.pos).is_some_and(|t| t.tok == Tok::Punct('[')) {
            self.pos += 1;
            let mut args = Vec::new();
            loop {
                if self.toks.get(self.pos).is_some_and(|t| t.tok == Tok::Punct(']')) && !args.is_empty() {
                    break;
                }
                args.push(self.expr()?);
                match self.toks.get(self.pos).map(|t| &t.tok) {
                    Some(Tok::Punct(',')) => self.pos += 1,
                    Some(Tok::Punct(']')) => break,
                    _ => return Err(self.syntax_error()),
                }
            }
            let end = self.toks[self.pos].end;
            self.pos += 1;
            e = Expr { start: e.start, end, kind: ExprKind::Access(Box::new(e), args) };
        }
        Ok(e)
    }
}

/// An interpreted parameter.
enum Param {
    Type(PType),
    Str(String),
    Re(String),
    Int(Int),
    Float(f64),
    Bool(bool),
    Default,
    /// What `interpret` returns for `Integer[1.5]`: nothing (the caller then refuses it).
    Nil,
}

struct Interp<'s> {
    src: &'s str,
    cli: bool,
}

/// Parses a type expression; `cli`: as `puppet lookup --type` does (see [`CLI_LOAD_ERROR`]).
pub(super) fn parse(s: &str, cli: bool) -> Result<PType, String> {
    let toks = tokenize(s)?;
    let mut p = Parser { toks, pos: 0 };
    let invalid = || format!("The expression <{}> is not a valid type specification.", s.trim());
    if p.toks.is_empty() {
        return Err(invalid());
    }
    let e = p.expr()?;
    if p.pos < p.toks.len() {
        return Err(p.syntax_error());
    }
    match (Interp { src: s, cli }).any(&e)? {
        Param::Type(t) => Ok(t),
        _ => Err(invalid()),
    }
}

impl Interp<'_> {
    fn text(&self, e: &Expr) -> &str {
        &self.src[e.start..e.end]
    }

    fn invalid(&self, e: &Expr) -> String {
        format!("The expression <{}> is not a valid type specification.", self.text(e))
    }

    fn any(&self, e: &Expr) -> Result<Param, String> {
        match &e.kind {
            ExprKind::Leaf(Tok::Str(s)) => Ok(Param::Str(s.clone())),
            ExprKind::Leaf(Tok::Re(s)) => Ok(Param::Re(s.clone())),
            ExprKind::Leaf(Tok::Num(n)) => Ok(number(n).ok_or_else(|| format!("Syntax error at '{n}'"))?),
            ExprKind::Leaf(Tok::Word(w)) if !w.starts_with(|c: char| c.is_uppercase()) => Ok(match w.as_str() {
                "default" => Param::Default,
                "true" => Param::Bool(true),
                "false" => Param::Bool(false),
                _ => Param::Str(w.clone()),
            }),
            ExprKind::Leaf(Tok::Word(w)) => self.reference(w).map(Param::Type),
            ExprKind::Leaf(Tok::Punct(c)) => Err(format!("Syntax error at '{c}'")),
            ExprKind::Access(left, args) => {
                let params = args.iter().map(|a| self.any(a)).collect::<Result<Vec<_>, _>>()?;
                match &left.kind {
                    ExprKind::Leaf(Tok::Word(w)) if w.starts_with(|c: char| c.is_uppercase()) => {
                        self.access(e, w, self.text(left), params)
                    }
                    _ => Err(self.invalid(e)),
                }
            }
        }
    }

    /// A bare reference (`interpret_QualifiedReference`).
    fn reference(&self, name: &str) -> Result<PType, String> {
        Ok(match name {
            "Any" => PType::Any,
            "Data" | "RichData" if !self.cli => PType::Data,
            "Scalar" => PType::Scalar,
            "ScalarData" => PType::ScalarData,
            "Undef" => PType::Undef,
            "Boolean" => PType::Boolean(None),
            "Numeric" => PType::Numeric,
            "Integer" => PType::Integer(None, None),
            "Float" => PType::Float(None, None),
            "String" => PType::String(None, None),
            "Array" => PType::Array(Box::new(PType::Any), None, None),
            "Hash" => PType::Hash(Box::new(PType::Any), Box::new(PType::Any), None, None),
            "Optional" => PType::Optional(None),
            "NotUndef" => PType::NotUndef(None),
            "Variant" => PType::Variant(Vec::new()),
            "Enum" => PType::Enum(Vec::new()),
            "Pattern" => PType::Pattern(Vec::new()),
            "Sensitive" => PType::Sensitive(None),
            other => return Err(self.unsupported(other)),
        })
    }

    fn unsupported(&self, name: &str) -> String {
        if self.cli && !TYPE_MAP.contains(&name) {
            CLI_LOAD_ERROR.to_string()
        } else {
            format!("Lamina does not support the data type '{name}'")
        }
    }

    /// `interpret_AccessExpression`: `name[params]`, `e` the whole access.
    fn access(&self, e: &Expr, name: &str, name_text: &str, params: Vec<Param>) -> Result<Param, String> {
        let n = params.len();
        let arity = |required: &str| {
            Err(format!("Invalid number of type parameters specified: {name} requires {required}, {n} provided"))
        };
        let invalid = || Err(self.invalid(e));
        let range = |p: &Param| match p {
            Param::Int(Int::Small(i)) => Ok(Some(*i)),
            Param::Default => Ok(None),
            _ => Err(self.invalid(e)),
        };
        let ty = |p: Param| match p {
            Param::Type(t) => Ok(t),
            _ => Err(self.invalid(e)),
        };
        let mut it = params.into_iter();
        let t = match name {
            "Integer" | "Float" if n == 1 => match (name, it.next()) {
                ("Integer", Some(Param::Int(i))) => PType::Integer(Some(i), None),
                ("Float", Some(Param::Int(i))) => PType::Float(Some(i.as_ref().to_f64()), None),
                ("Float", Some(Param::Float(f))) => PType::Float(Some(f), None),
                ("Integer", Some(Param::Default)) => PType::Integer(None, None),
                ("Float", Some(Param::Default)) => PType::Float(None, None),
                _ => return Ok(Param::Nil),
            },
            "Integer" | "Float" if n != 2 => return arity("1 or 2"),
            "Integer" => {
                let bound = |p: Option<Param>| match p {
                    Some(Param::Int(i)) => Ok(Some(i)),
                    Some(Param::Default) => Ok(None),
                    _ => Err(self.invalid(e)),
                };
                let (a, b) = (bound(it.next())?, bound(it.next())?);
                if let (Some(a), Some(b)) = (&a, &b)
                    && a.as_ref().cmp(&b.as_ref()).is_gt()
                {
                    return Err(format!("'from' must be less or equal to 'to'. Got ({a}, {b}"));
                }
                PType::Integer(a, b)
            }
            "Float" => {
                let bound = |p: Option<Param>| match p {
                    Some(Param::Int(i)) => Ok(Some(i.as_ref().to_f64())),
                    Some(Param::Float(f)) => Ok(Some(f)),
                    Some(Param::Default) => Ok(None),
                    _ => Err(self.invalid(e)),
                };
                PType::Float(bound(it.next())?, bound(it.next())?)
            }
            "String" => match n {
                1 => PType::String(range(&it.next().unwrap_or(Param::Nil))?, None),
                2 => PType::String(range(&it.next().unwrap_or(Param::Nil))?, range(&it.next().unwrap_or(Param::Nil))?),
                _ => return arity("1 to 2"),
            },
            "Array" => {
                let ps: Vec<Param> = it.collect();
                match ps.as_slice() {
                    [_] => PType::Array(Box::new(ty(ps.into_iter().next().unwrap_or(Param::Nil))?), None, None),
                    [Param::Type(_), b] => {
                        let b = range(b)?;
                        PType::Array(Box::new(ty(ps.into_iter().next().unwrap_or(Param::Nil))?), b, None)
                    }
                    [a, b] => PType::Array(Box::new(PType::Any), range(a)?, range(b)?),
                    [_, a, b] => {
                        let (a, b) = (range(a)?, range(b)?);
                        PType::Array(Box::new(ty(ps.into_iter().next().unwrap_or(Param::Nil))?), a, b)
                    }
                    _ => return arity("1 to 3"),
                }
            }
            "Hash" => {
                let ps: Vec<Param> = it.collect();
                let sizes = match ps.as_slice() {
                    [Param::Type(_), Param::Type(_)] => (None, None),
                    [a, b] => return Ok(Param::Type(PType::hash_any(range(a)?, range(b)?))),
                    [_, _, a] => (range(a)?, None),
                    [_, _, a, b] => (range(a)?, range(b)?),
                    _ => return arity("2 to 4"),
                };
                let mut ps = ps.into_iter();
                let k = ty(ps.next().unwrap_or(Param::Nil))?;
                let v = ty(ps.next().unwrap_or(Param::Nil))?;
                PType::Hash(Box::new(k), Box::new(v), sizes.0, sizes.1)
            }
            "Boolean" => match (n, it.next()) {
                (1, Some(Param::Bool(b))) => PType::Boolean(Some(b)),
                (1, _) => return Err("Boolean parameter must be true or false".into()),
                _ => return arity("1"),
            },
            "Enum" => {
                let mut values = Vec::new();
                let mut ps: Vec<Param> = it.collect();
                // A trailing Boolean is the case-insensitivity flag (not modelled).
                if matches!(ps.last(), Some(Param::Bool(_))) {
                    ps.pop();
                }
                if ps.is_empty() {
                    return Err(format!(
                        "Invalid number of type parameters specified: Enum requires 1 or more, {} provided",
                        ps.len()
                    ));
                }
                for p in ps {
                    match p {
                        Param::Str(s) => values.push(s),
                        _ => return Err("Enum parameters must be identifiers or strings".into()),
                    }
                }
                PType::enumeration(values)
            }
            "Pattern" if n == 0 => return arity("1 or more"),
            "Pattern" => {
                let mut pats = Vec::new();
                for p in it {
                    match p {
                        Param::Str(s) | Param::Re(s) => pats.push(Re::new(&s).map_err(|e| e.message)?),
                        _ => return invalid(),
                    }
                }
                PType::Pattern(pats)
            }
            "Variant" if n == 0 => return arity("1 or more"),
            "Variant" => PType::Variant(it.map(ty).collect::<Result<_, _>>()?),
            "Optional" | "NotUndef" | "Sensitive" => {
                let required = if name == "Optional" { "1" } else { "0 to 1" };
                if n > 1 || (n == 0 && name == "Optional") {
                    return arity(required);
                }
                let inner = match it.next() {
                    None => None,
                    Some(Param::Str(s)) if name != "Sensitive" => Some(Box::new(PType::enumeration(vec![s]))),
                    Some(p) => Some(Box::new(ty(p)?)),
                };
                match name {
                    "Optional" => PType::Optional(inner),
                    "NotUndef" => PType::NotUndef(inner),
                    _ => PType::Sensitive(inner),
                }
            }
            "Any" | "Data" | "CatalogEntry" | "Scalar" | "Undef" | "Numeric" | "Default" | "SemVerRange" => {
                return Err(format!("Not a parameterized type <{name_text}>"));
            }
            other => return Err(self.unsupported(other)),
        };
        Ok(Param::Type(t))
    }
}

/// A number literal: decimal, hex or octal Integer (any size), or a Float.
fn number(n: &str) -> Option<Param> {
    if let Some(i) = parse_integer(n, None).filter(|_| !n.contains(['_', ' '])) {
        return Some(Param::Int(i));
    }
    let f: f64 = n.parse().ok()?;
    Some(Param::Float(f))
}

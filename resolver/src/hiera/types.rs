//! The subset of Puppet's type system a lookup needs: `--type`/`value_type` checks with the
//! wording of Puppet's `TypeMismatchDescriber`, and `convert_to` (`new(T, value)`).

use super::HieraError;
use super::merge::puppet_type_name;
use crate::Value;
use regex::Regex;

/// A Puppet data type.
#[derive(Debug, Clone)]
pub enum PType {
    /// `Any`.
    Any,
    /// `Data` (everything a lookup returns is Data in Lamina).
    Data,
    /// `Scalar`.
    Scalar,
    /// `Undef`.
    Undef,
    /// `Boolean`.
    Boolean,
    /// `Numeric`.
    Numeric,
    /// `Integer[min, max]`.
    Integer(Option<i64>, Option<i64>),
    /// `Float`.
    Float,
    /// `String[min, max]` (length in characters).
    String(Option<i64>, Option<i64>),
    /// `Array[T, min, max]`.
    Array(Box<PType>, Option<i64>, Option<i64>),
    /// `Hash[K, V]`.
    Hash(Box<PType>, Box<PType>),
    /// `Optional[T]`.
    Optional(Box<PType>),
    /// `NotUndef[T]`.
    NotUndef(Box<PType>),
    /// `Variant[T...]`.
    Variant(Vec<PType>),
    /// `Enum['a', ...]`.
    Enum(Vec<String>),
    /// `Pattern[/re/, ...]`.
    Pattern(Vec<(String, Regex)>),
    /// `Sensitive` (only as a `convert_to` target).
    Sensitive,
}

impl std::fmt::Display for PType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let range = |f: &mut std::fmt::Formatter<'_>, n: &str, a: &Option<i64>, b: &Option<i64>| match (a, b) {
            (None, None) => f.write_str(n),
            (Some(a), None) => write!(f, "{n}[{a}]"),
            (a, Some(b)) => write!(f, "{n}[{}, {b}]", a.map_or("default".into(), |a| a.to_string())),
        };
        match self {
            PType::Any => f.write_str("Any"),
            PType::Data => f.write_str("Data"),
            PType::Scalar => f.write_str("Scalar"),
            PType::Undef => f.write_str("Undef"),
            PType::Boolean => f.write_str("Boolean"),
            PType::Numeric => f.write_str("Numeric"),
            PType::Float => f.write_str("Float"),
            PType::Sensitive => f.write_str("Sensitive"),
            PType::Integer(a, b) => range(f, "Integer", a, b),
            PType::String(a, b) => range(f, "String", a, b),
            PType::Array(t, a, b) => match (&**t, a, b) {
                (PType::Data, None, None) => f.write_str("Array"),
                (t, None, None) => write!(f, "Array[{t}]"),
                (t, a, b) => {
                    write!(f, "Array[{t}, {}, {}]", a.unwrap_or(0), b.map_or("default".into(), |b| b.to_string()))
                }
            },
            PType::Hash(k, v) => match (&**k, &**v) {
                (PType::Data, PType::Data) => f.write_str("Hash"),
                (k, v) => write!(f, "Hash[{k}, {v}]"),
            },
            PType::Optional(t) => write!(f, "Optional[{t}]"),
            PType::NotUndef(t) => write!(f, "NotUndef[{t}]"),
            PType::Variant(ts) => {
                write!(f, "Variant[{}]", ts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            }
            PType::Enum(vs) => {
                write!(f, "Enum[{}]", vs.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", "))
            }
            PType::Pattern(ps) => {
                write!(f, "Pattern[{}]", ps.iter().map(|(s, _)| format!("/{s}/")).collect::<Vec<_>>().join(", "))
            }
        }
    }
}

fn article(name: &str) -> &'static str {
    if name.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" }
}

impl PType {
    /// Parses a type expression (`Optional[Array[String, 1]]`).
    ///
    /// # Errors
    /// `Syntax error at end of input`, `Syntax error at 'x'`, or an unknown type name.
    pub fn parse(s: &str) -> Result<PType, String> {
        let toks = tokenize(s)?;
        let mut p = Parser { toks, pos: 0 };
        let t = p.ty()?;
        match p.toks.get(p.pos) {
            None => Ok(t),
            Some(tok) => Err(format!("Syntax error at '{tok}'")),
        }
    }

    fn matches(&self, v: &Value) -> bool {
        self.mismatch(v).is_none()
    }

    /// Checks `v`; the error reads like Puppet's: `expects an Integer value, got String`.
    ///
    /// # Errors
    /// The mismatch description.
    pub fn check(&self, v: &Value) -> Result<(), String> {
        self.mismatch(v).map_or(Ok(()), Err)
    }

    fn mismatch(&self, v: &Value) -> Option<String> {
        let simple = |ok: bool| {
            (!ok).then(|| {
                let n = self.to_string();
                format!("expects {} {n} value, got {}", article(&n), puppet_type_name(v))
            })
        };
        let in_range = |n: i64, a: &Option<i64>, b: &Option<i64>| a.is_none_or(|a| n >= a) && b.is_none_or(|b| n <= b);
        match (self, v) {
            (PType::Any | PType::Data, _) => None,
            (PType::Scalar, v) => simple(!matches!(v, Value::Null | Value::Array(_) | Value::Hash(_))),
            (PType::Undef, v) => simple(v.is_null()),
            (PType::Boolean, v) => simple(matches!(v, Value::Bool(_))),
            (PType::Numeric, v) => simple(matches!(v, Value::Int(_) | Value::Float(_))),
            (PType::Float, v) => simple(matches!(v, Value::Float(_))),
            (PType::Sensitive, _) => simple(false),
            (PType::Integer(a, b), Value::Int(i)) => simple(in_range(*i, a, b)),
            (PType::Integer(..), _) => simple(false),
            #[allow(clippy::cast_possible_wrap)]
            (PType::String(a, b), Value::String(s)) => simple(in_range(s.chars().count() as i64, a, b)),
            (PType::String(..), _) => simple(false),
            (PType::Array(t, a, b), Value::Array(items)) => {
                #[allow(clippy::cast_possible_wrap)]
                if !in_range(items.len() as i64, a, b) {
                    return simple(false);
                }
                items.iter().enumerate().find_map(|(i, x)| t.mismatch(x).map(|m| format!("index {i} {m}")))
            }
            (PType::Array(..), _) => simple(false),
            (PType::Hash(k, t), Value::Hash(h)) => h.iter().find_map(|(key, x)| {
                k.mismatch(&Value::String(key.clone()))
                    .map(|m| format!("key '{key}' {m}"))
                    .or_else(|| t.mismatch(x).map(|m| format!("entry '{key}' {m}")))
            }),
            (PType::Hash(..), _) => simple(false),
            (PType::Optional(t), v) => (!v.is_null() && !t.matches(v))
                .then(|| format!("expects a value of type Undef or {t}, got {}", puppet_type_name(v))),
            (PType::NotUndef(t), v) => {
                if v.is_null() {
                    simple(false)
                } else {
                    t.mismatch(v)
                }
            }
            (PType::Variant(ts), v) => (!ts.iter().any(|t| t.matches(v))).then(|| {
                let names: Vec<String> = ts.iter().map(ToString::to_string).collect();
                let list = match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => names.join(""),
                };
                format!("expects a value of type {list}, got {}", puppet_type_name(v))
            }),
            (PType::Enum(vs), Value::String(s)) => {
                (!vs.contains(s)).then(|| format!("expects a match for {self}, got '{s}'"))
            }
            (PType::Pattern(ps), Value::String(s)) => {
                (!ps.iter().any(|(_, re)| re.is_match(s))).then(|| format!("expects a match for {self}, got '{s}'"))
            }
            (PType::Enum(_) | PType::Pattern(_), v) => {
                Some(format!("expects a match for {self}, got {}", puppet_type_name(v)))
            }
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<String>, String> {
    let mut toks = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            c if c.is_whitespace() => {}
            '[' | ']' | ',' => toks.push(c.to_string()),
            '\'' | '"' | '/' => {
                let mut t = String::from(c);
                loop {
                    match it.next() {
                        Some((_, x)) if x == c => break,
                        Some((_, '\\')) if c == '/' => {
                            t.push('\\');
                            if let Some((_, x)) = it.next() {
                                t.push(x);
                            }
                        }
                        Some((_, x)) => t.push(x),
                        None => return Err("Syntax error at end of input".into()),
                    }
                }
                toks.push(t);
            }
            _ => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, x)) = it.peek() {
                    if x.is_alphanumeric() || x == '_' || x == ':' || x == '-' {
                        end = j + x.len_utf8();
                        it.next();
                    } else {
                        break;
                    }
                }
                toks.push(s[i..end].to_string());
            }
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<String>,
    pos: usize,
}

enum Arg {
    Type(PType),
    Int(i64),
    Str(String),
    Re(String),
    Default,
}

impl Parser {
    fn next(&mut self) -> Result<String, String> {
        let t = self.toks.get(self.pos).cloned().ok_or("Syntax error at end of input")?;
        self.pos += 1;
        Ok(t)
    }

    fn arg(&mut self) -> Result<Arg, String> {
        let t = self.next()?;
        if let Some(s) = t.strip_prefix(['\'', '"']) {
            return Ok(Arg::Str(s.to_string()));
        }
        if let Some(s) = t.strip_prefix('/') {
            return Ok(Arg::Re(s.to_string()));
        }
        if t == "default" {
            return Ok(Arg::Default);
        }
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Arg::Int(i));
        }
        self.pos -= 1;
        self.ty().map(Arg::Type)
    }

    fn ty(&mut self) -> Result<PType, String> {
        let name = self.next()?;
        let mut args = Vec::new();
        if self.toks.get(self.pos).is_some_and(|t| t == "[") {
            self.pos += 1;
            loop {
                args.push(self.arg()?);
                match self.next()?.as_str() {
                    "," => {}
                    "]" => break,
                    other => return Err(format!("Syntax error at '{other}'")),
                }
            }
        }
        let int = |a: Option<&Arg>| match a {
            Some(Arg::Int(i)) => Ok(Some(*i)),
            None | Some(Arg::Default) => Ok(None),
            _ => Err(format!("{name}: expected an integer parameter")),
        };
        let mut types = args.iter().filter_map(|a| if let Arg::Type(t) = a { Some(t.clone()) } else { None });
        let one = |t: Option<PType>| Box::new(t.unwrap_or(PType::Data));
        Ok(match name.as_str() {
            "Any" => PType::Any,
            "Data" | "RichData" => PType::Data,
            "Scalar" | "ScalarData" => PType::Scalar,
            "Undef" => PType::Undef,
            "Boolean" => PType::Boolean,
            "Numeric" => PType::Numeric,
            "Float" => PType::Float,
            "Sensitive" => PType::Sensitive,
            "Integer" => PType::Integer(int(args.first())?, int(args.get(1))?),
            "String" => PType::String(int(args.first())?, int(args.get(1))?),
            "Array" => {
                let t = types.next();
                let n = usize::from(t.is_some());
                PType::Array(one(t), int(args.get(n))?, int(args.get(n + 1))?)
            }
            "Hash" => {
                let k = types.next();
                let v = types.next();
                match (k, v) {
                    (Some(k), Some(v)) => PType::Hash(Box::new(k), Box::new(v)),
                    (None, None) => PType::Hash(Box::new(PType::Data), Box::new(PType::Data)),
                    _ => return Err("Hash: expected key and value types".into()),
                }
            }
            "Optional" => PType::Optional(one(types.next())),
            "NotUndef" => PType::NotUndef(one(types.next())),
            "Variant" => PType::Variant(types.collect()),
            "Enum" => PType::Enum(
                args.iter().filter_map(|a| if let Arg::Str(s) = a { Some(s.clone()) } else { None }).collect(),
            ),
            "Pattern" => {
                let mut ps = Vec::new();
                for a in &args {
                    if let Arg::Re(s) | Arg::Str(s) = a {
                        ps.push((s.clone(), Regex::new(s).map_err(|e| e.to_string())?));
                    }
                }
                PType::Pattern(ps)
            }
            other => return Err(format!("Lamina does not support the data type '{other}'")),
        })
    }
}

/// `convert_to: T` or `[T, args...]` from a key's lookup_options: `new(T, value, *args)`.
///
/// Divergence: `Sensitive` yields the string Puppet's JSON rendering prints,
/// `Sensitive [value redacted]` (Lamina's values have no Sensitive wrapper).
///
/// # Errors
/// Puppet's `Invalid data type in lookup_options ...` and `The convert_to lookup_option ...`.
pub fn convert_to(root: &str, v: Value, spec: &Value) -> Result<Value, HieraError> {
    let (tname, args): (&str, &[Value]) = match spec {
        Value::String(s) => (s, &[]),
        Value::Array(a) if matches!(a.first(), Some(Value::String(_))) => (a[0].as_str().unwrap_or_default(), &a[1..]),
        other => {
            return Err(HieraError::plain(format!("Invalid data type in lookup_options for key '{root}': {other}")));
        }
    };
    let t = PType::parse(tname).map_err(|e| {
        HieraError::plain(format!(
            "Invalid data type in lookup_options for key '{root}' could not parse '{tname}', error: '{e}"
        ))
    })?;
    let fail =
        |m: String| HieraError::plain(format!("The convert_to lookup_option for key '{root}' raised error: {m}"));
    let cant = || fail(format!("Converting to {t} from {} is not supported by Lamina", puppet_type_name(&v)));
    Ok(match (&t, &v) {
        (PType::Sensitive, _) => Value::from("Sensitive [value redacted]"),
        (PType::Integer(..), Value::Int(_)) | (PType::Float | PType::Numeric, Value::Float(_)) => v,
        #[allow(clippy::cast_possible_truncation)]
        (PType::Integer(..), Value::Float(f)) => Value::Int(f.trunc() as i64),
        (PType::Integer(..), Value::Bool(b)) => Value::Int(i64::from(*b)),
        (PType::Integer(..) | PType::Numeric, Value::String(s)) => match parse_int(s) {
            Some(i) => Value::Int(i),
            None => match (&t, s.trim().parse::<f64>()) {
                (PType::Numeric, Ok(f)) => Value::Float(f),
                _ => return Err(fail(format!("The string '{s}' cannot be converted to Integer"))),
            },
        },
        #[allow(clippy::cast_precision_loss)]
        (PType::Float, Value::Int(i)) => Value::Float(*i as f64),
        (PType::Float, Value::String(s)) => {
            Value::Float(s.trim().parse().map_err(|_| fail(format!("The string '{s}' cannot be converted to Float")))?)
        }
        (PType::Numeric, Value::Int(_)) => v,
        (PType::String(..), _) if !matches!(v, Value::Array(_) | Value::Hash(_)) => {
            Value::String(super::interp::to_s(&v))
        }
        (PType::Boolean, Value::Bool(_)) => v,
        (PType::Boolean, Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" => Value::Bool(true),
            "false" | "no" | "n" => Value::Bool(false),
            _ => return Err(fail(format!("The string '{s}' cannot be converted to Boolean"))),
        },
        (PType::Array(..), Value::Array(_)) => v,
        (PType::Array(..), _) if args.first() == Some(&Value::Bool(true)) => Value::Array(vec![v]),
        (PType::Array(..), Value::Hash(h)) => {
            Value::Array(h.iter().map(|(k, x)| Value::Array(vec![Value::String(k.clone()), x.clone()])).collect())
        }
        (PType::Any | PType::Data, _) => v,
        _ => return Err(cant()),
    })
}

/// Puppet's `Integer.new(string)`: optional sign, `0x`, `0b`, leading-`0` octal, decimal.
fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        i64::from_str_radix(b, 2).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i64::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;

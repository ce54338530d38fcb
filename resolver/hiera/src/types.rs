//! The subset of Puppet's type system a lookup needs: `--type`/`value_type` checks with the
//! wording of Puppet's `TypeMismatchDescriber` (the private `describe` module), the parser
//! (`type_parser`) and `convert_to` (`new(T, value)`).
//!
//! An Integer beyond 64 bits ([`Data::BigInt`]) is an Integer here, as in Puppet: `Integer`,
//! `Numeric` and `Scalar` accept it, `String` does not.

use super::HieraError;
use super::int::Int;
use super::merge::puppet_type_name;
use crate::{Data, Key};
use lamina_value::ruby_float;
use regex::Regex;

/// A regex of a `Pattern` (compared by its source).
#[derive(Debug, Clone)]
pub struct Re {
    /// The source, as written.
    pub source: String,
    re: Regex,
}

impl Re {
    /// Compiles `source`.
    ///
    /// # Errors
    /// The regex error.
    pub fn new(source: &str) -> Result<Re, HieraError> {
        Ok(Re { source: source.to_string(), re: Regex::new(source).map_err(|e| HieraError::plain(e.to_string()))? })
    }
}

impl PartialEq for Re {
    fn eq(&self, other: &Re) -> bool {
        self.source == other.source
    }
}

/// A Puppet data type.
#[derive(Debug, Clone, PartialEq)]
pub enum PType {
    /// `Any`.
    Any,
    /// `Data` / `RichData` (everything a lookup returns is Data in Lamina).
    Data,
    /// `Scalar`.
    Scalar,
    /// `ScalarData`.
    ScalarData,
    /// `Undef`.
    Undef,
    /// `Boolean`, `Boolean[b]`.
    Boolean(Option<bool>),
    /// `Numeric`.
    Numeric,
    /// `Integer[min, max]` (bounds of any size).
    Integer(Option<Int>, Option<Int>),
    /// `Float[min, max]`.
    Float(Option<f64>, Option<f64>),
    /// `String[min, max]` (length in characters).
    String(Option<i64>, Option<i64>),
    /// `Array[T, min, max]`.
    Array(Box<PType>, Option<i64>, Option<i64>),
    /// `Hash[K, V, min, max]`.
    Hash(Box<PType>, Box<PType>, Option<i64>, Option<i64>),
    /// `Optional[T]`; bare `Optional` accepts only undef.
    Optional(Option<Box<PType>>),
    /// `NotUndef[T]`.
    NotUndef(Option<Box<PType>>),
    /// `Variant[T...]`; bare `Variant` accepts nothing.
    Variant(Vec<PType>),
    /// `Enum['a', ...]` (sorted, unique).
    Enum(Vec<String>),
    /// `Pattern[/re/, ...]`.
    Pattern(Vec<Re>),
    /// `Sensitive[T]` (only as a `convert_to` target; no value is one).
    Sensitive(Option<Box<PType>>),
}

/// `[from, to]` as Puppet's type formatter prints a range (a trailing `default` dropped).
fn range_part<T>(a: Option<T>, b: Option<T>, show: impl Fn(T) -> String) -> Vec<String> {
    match (a, b) {
        (None, None) => vec![],
        (Some(a), None) => vec![show(a)],
        (a, Some(b)) => vec![a.map_or_else(|| "default".to_string(), &show), show(b)],
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl std::fmt::Display for PType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params = |f: &mut std::fmt::Formatter<'_>, name: &str, ps: Vec<String>| {
            if ps.is_empty() { f.write_str(name) } else { write!(f, "{name}[{}]", ps.join(", ")) }
        };
        let boxed = |t: &Option<Box<PType>>| t.iter().map(ToString::to_string).collect::<Vec<_>>();
        match self {
            PType::Any => f.write_str("Any"),
            PType::Data => f.write_str("Data"),
            PType::Scalar => f.write_str("Scalar"),
            PType::ScalarData => f.write_str("ScalarData"),
            PType::Undef => f.write_str("Undef"),
            PType::Numeric => f.write_str("Numeric"),
            PType::Boolean(b) => params(f, "Boolean", b.iter().map(ToString::to_string).collect()),
            PType::Integer(a, b) => params(f, "Integer", range_part(a.as_ref(), b.as_ref(), |i| i.to_string())),
            PType::Float(a, b) => params(f, "Float", range_part(*a, *b, ruby_float)),
            PType::String(a, b) => params(f, "String", range_part(*a, *b, |i| i.to_string())),
            PType::Array(t, a, b) => {
                if **t == PType::Any && a.is_none() && b.is_none() {
                    return f.write_str("Array");
                }
                let mut ps = vec![t.to_string()];
                ps.extend(range_part(*a, *b, |i| i.to_string()));
                params(f, "Array", ps)
            }
            PType::Hash(k, v, a, b) => {
                if **k == PType::Any && **v == PType::Any && a.is_none() && b.is_none() {
                    return f.write_str("Hash");
                }
                let mut ps = vec![k.to_string(), v.to_string()];
                ps.extend(range_part(*a, *b, |i| i.to_string()));
                params(f, "Hash", ps)
            }
            PType::Optional(t) => params(f, "Optional", boxed(t)),
            PType::NotUndef(t) => params(f, "NotUndef", boxed(t)),
            PType::Sensitive(t) => params(f, "Sensitive", boxed(t)),
            PType::Variant(ts) => params(f, "Variant", ts.iter().map(ToString::to_string).collect()),
            PType::Enum(vs) => params(f, "Enum", vs.iter().map(|v| quote(v)).collect()),
            PType::Pattern(ps) => params(f, "Pattern", ps.iter().map(|p| format!("/{}/", p.source)).collect()),
        }
    }
}

/// A String's text.
fn plain_str(v: &Data) -> Option<&str> {
    v.as_str()
}

fn in_range(n: usize, a: Option<i64>, b: Option<i64>) -> bool {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    a.is_none_or(|a| n >= a) && b.is_none_or(|b| n <= b)
}

impl PType {
    /// Parses a type expression (`Optional[Array[String, 1]]`) as `convert_to` does.
    ///
    /// # Errors
    /// Puppet's parser messages (`Syntax error at ...`, `Invalid number of type parameters
    /// specified: ...`, `The expression <...> is not a valid type specification.`), or a type
    /// Lamina does not model.
    pub fn parse(s: &str) -> Result<PType, HieraError> {
        super::type_parser::parse(s, false).map_err(HieraError::plain)
    }

    /// Parses `puppet lookup --type T`: as [`Self::parse`], except that a name outside Puppet's
    /// built-in table (`Data`, `RichData`, an unknown name) fails as that command does (its
    /// scope is handed to the parser as a loader: `private method 'load' called for Scope`,
    /// which Puppet 8.10's Ruby 3.3 words with the scope's address, `strict` [`crate::Strict::Error`]).
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub fn parse_cli(s: &str, strict: crate::Strict) -> Result<PType, HieraError> {
        super::type_parser::parse(s, true)
            .map_err(|m| {
                if strict == crate::Strict::Error {
                    m.replace(super::type_parser::CLI_LOAD_ERROR, super::type_parser::CLI_LOAD_ERROR_RUBY33)
                } else {
                    m
                }
            })
            .map_err(HieraError::plain)
    }

    /// `Enum[values]`: sorted and unique, as Puppet's `PEnumType` keeps them.
    #[must_use]
    pub fn enumeration(mut values: Vec<String>) -> PType {
        values.sort();
        values.dedup();
        PType::Enum(values)
    }

    /// `Hash[min, max]` (any keys and values).
    pub(super) fn hash_any(a: Option<i64>, b: Option<i64>) -> PType {
        PType::Hash(Box::new(PType::Any), Box::new(PType::Any), a, b)
    }

    /// `instance?`: does `v` belong to this type?
    #[must_use]
    pub fn matches(&self, v: &Data) -> bool {
        match self {
            PType::Any | PType::Data => true,
            PType::Scalar | PType::ScalarData => {
                matches!(v, Data::Bool(_) | Data::Int(_) | Data::BigInt(_) | Data::Float(_) | Data::String(_))
            }
            PType::Undef => v.is_null(),
            PType::Boolean(b) => matches!(v, Data::Bool(x) if b.is_none_or(|b| b == *x)),
            PType::Numeric => matches!(v, Data::Float(_)) || v.as_int().is_some(),
            PType::Integer(a, b) => v.as_int().is_some_and(|i| {
                a.as_ref().is_none_or(|a| i.cmp(&a.as_ref()).is_ge())
                    && b.as_ref().is_none_or(|b| i.cmp(&b.as_ref()).is_le())
            }),
            PType::Float(a, b) => {
                matches!(v, Data::Float(x) if a.is_none_or(|a| *x >= a) && b.is_none_or(|b| *x <= b))
            }
            PType::String(a, b) => plain_str(v).is_some_and(|s| in_range(s.chars().count(), *a, *b)),
            PType::Array(t, a, b) => match v {
                Data::Array(items) => in_range(items.len(), *a, *b) && items.iter().all(|x| t.matches(x)),
                _ => false,
            },
            PType::Hash(k, t, a, b) => match v {
                Data::Hash(h) => {
                    in_range(h.len(), *a, *b)
                        && h.iter().all(|(key, x)| {
                            let key_ok = match key {
                                // The common case without building a value.
                                Key::Str(s) if matches!(**k, PType::Any | PType::Data) || s.is_empty() => {
                                    k.matches(&Data::String(s.clone()))
                                }
                                _ => k.matches(&key.to_data()),
                            };
                            key_ok && t.matches(x)
                        })
                }
                _ => false,
            },
            PType::Optional(t) => v.is_null() || t.as_ref().is_some_and(|t| t.matches(v)),
            PType::NotUndef(t) => !v.is_null() && t.as_ref().is_none_or(|t| t.matches(v)),
            PType::Variant(ts) => ts.iter().any(|t| t.matches(v)),
            PType::Enum(vs) => plain_str(v).is_some_and(|s| vs.iter().any(|x| x == s)),
            PType::Pattern(ps) => plain_str(v).is_some_and(|s| ps.is_empty() || ps.iter().any(|p| p.re.is_match(s))),
            PType::Sensitive(_) => false,
        }
    }

    /// Checks `v`; the error is Puppet's `TypeAssertionError` text for `subject` (`Found value`,
    /// `Default value`): `Found value has wrong type, expects an Integer value, got String`.
    ///
    /// # Errors
    /// The mismatch description.
    pub fn check(&self, subject: &str, v: &Data) -> Result<(), HieraError> {
        if self.matches(v) {
            return Ok(());
        }
        Err(HieraError::plain(super::describe::describe_mismatch(&format!("{subject} has wrong type,"), self, v)))
    }

    /// `assignable?(Undef)`: does the type accept undef?
    pub(super) fn accepts_undef(&self) -> bool {
        match self {
            PType::Any | PType::Data | PType::Undef | PType::Optional(_) => true,
            PType::Variant(ts) => ts.iter().any(PType::accepts_undef),
            _ => false,
        }
    }

    /// `normalize` (`types.rb`): NotUndef and Optional simplified, Variants flattened and merged.
    #[must_use]
    pub fn normalize(&self) -> PType {
        match self {
            PType::Optional(Some(t)) => match t.normalize() {
                PType::NotUndef(Some(u)) => PType::Optional(Some(u)).normalize(),
                n if n.accepts_undef() => n,
                n => PType::Optional(Some(Box::new(n))),
            },
            PType::NotUndef(Some(t)) => match t.normalize() {
                PType::Any => PType::NotUndef(None),
                PType::Optional(Some(u)) => PType::NotUndef(Some(u)).normalize(),
                n if !n.accepts_undef() => n,
                n => PType::NotUndef(Some(Box::new(n))),
            },
            PType::Sensitive(Some(t)) => PType::Sensitive(Some(Box::new(t.normalize()))),
            PType::Array(t, a, b) => PType::Array(Box::new(t.normalize()), *a, *b),
            PType::Hash(k, v, a, b) => PType::Hash(Box::new(k.normalize()), Box::new(v.normalize()), *a, *b),
            PType::Variant(ts) if !ts.is_empty() => normalize_variant(ts),
            other => other.clone(),
        }
    }

    /// `PVariantType.maybe_create`: flattened, unique, a single type unwrapped.
    pub(super) fn maybe_variant(ts: Vec<PType>) -> PType {
        let mut out: Vec<PType> = Vec::new();
        for t in flatten(ts) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        if out.len() == 1 { out.remove(0) } else { PType::Variant(out) }
    }
}

fn flatten(ts: Vec<PType>) -> Vec<PType> {
    ts.into_iter()
        .flat_map(|t| match t {
            PType::Variant(inner) => inner,
            t => vec![t],
        })
        .collect()
}

/// `PVariantType#normalize`.
fn normalize_variant(orig: &[PType]) -> PType {
    let types: Vec<PType> = orig.iter().map(PType::normalize).collect();
    let modified = types != orig;
    if types.len() == 1 {
        return types.into_iter().next().unwrap_or(PType::Any);
    }
    if types.iter().any(|t| matches!(t, PType::Undef | PType::Optional(_))) {
        let rest: Vec<PType> = types
            .into_iter()
            .filter_map(|t| match t {
                PType::Undef => None,
                PType::Optional(t) => t.map(|t| *t),
                t => Some(t),
            })
            .collect();
        return PType::Optional(Some(Box::new(PType::maybe_variant(rest)))).normalize();
    }
    let mut types = flatten(types);
    let before = types.len();
    // swap_not_undefs, merge_enums, merge_patterns, then Integer and Float ranges.
    let (nots, mut others): (Vec<PType>, Vec<PType>) = types.into_iter().partition(|t| matches!(t, PType::NotUndef(_)));
    if nots.len() > 1 {
        let inner: Vec<PType> =
            nots.into_iter().map(|t| if let PType::NotUndef(Some(t)) = t { *t } else { PType::Any }).collect();
        others.push(PType::NotUndef(Some(Box::new(PType::maybe_variant(inner).normalize()))));
    } else {
        others.extend(nots);
    }
    types = others;
    let (enums, mut others): (Vec<PType>, Vec<PType>) =
        types.into_iter().partition(|t| matches!(t, PType::Enum(v) if !v.is_empty()));
    if enums.len() > 1 {
        others.push(PType::enumeration(
            enums.into_iter().flat_map(|t| if let PType::Enum(v) = t { v } else { vec![] }).collect(),
        ));
    } else {
        others.extend(enums);
    }
    types = others;
    let (pats, mut others): (Vec<PType>, Vec<PType>) = types.into_iter().partition(|t| matches!(t, PType::Pattern(_)));
    if pats.len() > 1 {
        let mut all: Vec<Re> = Vec::new();
        for p in pats.into_iter().flat_map(|t| if let PType::Pattern(p) = t { p } else { vec![] }) {
            if !all.contains(&p) {
                all.push(p);
            }
        }
        others.push(PType::Pattern(all));
    } else {
        others.extend(pats);
    }
    // Integer, then Float ranges that intersect (Integers: or are adjacent) become one.
    let ints = super::infer::merge_numbers(others, |t| matches!(t, PType::Integer(..)), merge_range);
    types = super::infer::merge_numbers(ints, |t| matches!(t, PType::Float(..)), merge_range);
    if types.len() == 1 {
        types.remove(0)
    } else if modified || types.len() != before {
        PType::maybe_variant(types)
    } else {
        PType::Variant(orig.to_vec())
    }
}

fn merge_range(a: &PType, b: &PType) -> Option<PType> {
    use std::cmp::Ordering;
    match (a, b) {
        (PType::Integer(af, at), PType::Integer(bf, bt)) => {
            // None is -inf for a lower bound and +inf for an upper bound: `t < f` never holds then.
            let below = |t: &Option<Int>, f: &Option<Int>| match (t, f) {
                (Some(t), Some(f)) => t.as_ref().cmp(&f.as_ref()) == Ordering::Less,
                _ => false,
            };
            let succ = |t: &Option<Int>, f: &Option<Int>| match (t, f) {
                (Some(Int::Small(t)), Some(Int::Small(f))) => t.checked_add(1) == Some(*f),
                _ => false,
            };
            let intersect = !(below(at, bf) || below(bt, af));
            if !(intersect || succ(at, bf) || succ(bt, af)) {
                return None;
            }
            let min = match (af, bf) {
                (Some(x), Some(y)) => Some(if x.as_ref().cmp(&y.as_ref()).is_le() { x.clone() } else { y.clone() }),
                _ => None,
            };
            let max = match (at, bt) {
                (Some(x), Some(y)) => Some(if x.as_ref().cmp(&y.as_ref()).is_ge() { x.clone() } else { y.clone() }),
                _ => None,
            };
            Some(PType::Integer(min, max))
        }
        (PType::Float(af, at), PType::Float(bf, bt)) => {
            let (af, at) = (af.unwrap_or(f64::NEG_INFINITY), at.unwrap_or(f64::INFINITY));
            let (bf, bt) = (bf.unwrap_or(f64::NEG_INFINITY), bt.unwrap_or(f64::INFINITY));
            if at < bf || bt < af {
                return None;
            }
            let bound = |x: f64| x.is_finite().then_some(x);
            Some(PType::Float(bound(af.min(bf)), bound(at.max(bt))))
        }
        _ => None,
    }
}

/// `convert_to: T` or `[T, args...]` from a key's lookup_options: `new(T, value, *args)`.
///
/// Divergence: `Sensitive` yields the string Puppet's JSON rendering prints,
/// `Sensitive [value redacted]` (Lamina's values have no Sensitive wrapper).
///
/// # Errors
/// Puppet's `Invalid data type in lookup_options ...` and `The convert_to lookup_option ...`.
pub(crate) fn convert_to(root: &str, v: Data, spec: &Data) -> Result<Data, HieraError> {
    let (tname, args): (&str, &[Data]) = match spec {
        Data::String(s) => (s, &[]),
        Data::Array(a) if matches!(a.first(), Some(Data::String(_))) => (a[0].as_str().unwrap_or_default(), &a[1..]),
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
    // Ruby's `Integer(s, radix)` when `[Integer, radix]` is given.
    let radix = match args.first() {
        Some(Data::Int(r @ (2 | 8 | 10 | 16))) => u32::try_from(*r).ok(),
        _ => None,
    };
    let not_integer = |s: &str| fail(format!("'new' The string '{s}' cannot be converted to Integer"));
    Ok(match (&t, &v) {
        (PType::Sensitive(_), _) => Data::from("Sensitive [value redacted]"),
        // An Integer of any size stays itself; a Float from it is Ruby's `to_f`.
        (PType::Integer(..) | PType::Numeric, _) if v.as_int().is_some() => v,
        (PType::Float(..), _) if let Some(i) = v.as_int() => Data::Float(i.to_f64()),
        (PType::Float(..) | PType::Numeric, Data::Float(_)) => v,
        (PType::Integer(..), Data::Float(f)) => match Int::from_f64(*f) {
            Some(i) => Data::from(i),
            None => return Err(cant()),
        },
        (PType::Integer(..), Data::Bool(b)) => Data::Int(i64::from(*b)),
        (PType::Integer(..) | PType::Numeric, Data::String(s)) => match super::int::parse_integer(s, radix) {
            Some(i) => Data::from(i),
            None => match (&t, s.trim().parse::<f64>()) {
                (PType::Numeric, Ok(f)) => Data::Float(f),
                _ => return Err(not_integer(s)),
            },
        },
        (PType::Float(..), Data::String(s)) => {
            Data::Float(s.trim().parse().map_err(|_| fail(format!("The string '{s}' cannot be converted to Float")))?)
        }
        (PType::String(..), _) if !matches!(v, Data::Array(_) | Data::Hash(_)) => Data::String(super::interp::to_s(&v)),
        (PType::Boolean(_), Data::Bool(_)) => v,
        // `Boolean.new(n)`: zero is false.
        (PType::Boolean(_), Data::Int(i)) => Data::Bool(*i != 0),
        (PType::Boolean(_), Data::BigInt(_)) => Data::Bool(true),
        (PType::Boolean(_), Data::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" => Data::Bool(true),
            "false" | "no" | "n" => Data::Bool(false),
            _ => return Err(fail(format!("The string '{s}' cannot be converted to Boolean"))),
        },
        (PType::Array(..), Data::Array(_)) => v,
        (PType::Array(..), _) if args.first() == Some(&Data::Bool(true)) => Data::Array(vec![v]),
        (PType::Array(..), Data::Hash(h)) => {
            Data::Array(h.iter().map(|(k, x)| Data::Array(vec![k.to_data(), x.clone()])).collect())
        }
        (PType::Any | PType::Data, _) => v,
        _ => return Err(cant()),
    })
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;

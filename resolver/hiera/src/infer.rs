//! The inferred Puppet types of data values, as Puppet's messages print them
//! (`pops/types/type_calculator.rb` `infer`, `infer_set`, `common_type`; `types.rb`
//! `PVariantType#normalize`; `type_formatter.rb`), for the two messages that name a data value's
//! full type: a value refused as `Puppet::LookupValue` (`data_provider.rb:86`, `infer`) and a
//! `hash` merge of a hash with non-string keys (`TypeMismatchDescriber#describe_PHashType`,
//! `infer_set`). Covers the types data can infer to; checked against Puppet 7.23's own output.

use crate::{Data, Key};
use lamina_value::ruby_float;
use std::fmt;

/// An inferred type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PT {
    Undef,
    Bool(Option<bool>),
    Int(i128, i128),
    Float(f64, f64),
    /// A String type; `Some` when inferred from a value (prints as `String` all the same).
    Str(Option<String>),
    /// `Enum[...]`, sorted and unique.
    Enum(Vec<String>),
    Numeric,
    ScalarData,
    Data,
    RichData,
    Any,
    /// `Runtime[ruby, 'Symbol']`.
    Symbol,
    /// `Array[T, min, max]`; `None` element type with size 0 is the empty array.
    Array(Option<Box<PT>>, Option<(usize, usize)>),
    /// `Hash[K, V, min, max]`; `None` key/value types is the empty hash.
    Hash(Option<Box<(PT, PT)>>, Option<(usize, usize)>),
    Tuple(Vec<PT>),
    Struct(Vec<(String, PT)>),
    Variant(Vec<PT>),
    Optional(Box<PT>),
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn list(f: &mut fmt::Formatter<'_>, items: impl IntoIterator<Item = String>) -> fmt::Result {
    f.write_str(&items.into_iter().collect::<Vec<_>>().join(", "))
}

impl fmt::Display for PT {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = |s: &Option<(usize, usize)>| s.map(|(a, b)| format!(", {a}, {b}")).unwrap_or_default();
        match self {
            PT::Undef => f.write_str("Undef"),
            PT::Bool(None) => f.write_str("Boolean"),
            PT::Bool(Some(b)) => write!(f, "Boolean[{b}]"),
            PT::Int(a, b) => write!(f, "Integer[{a}, {b}]"),
            PT::Float(a, b) => write!(f, "Float[{}, {}]", ruby_float(*a), ruby_float(*b)),
            PT::Str(_) => f.write_str("String"),
            PT::Enum(vs) => {
                f.write_str("Enum[")?;
                list(f, vs.iter().map(|v| quote(v)))?;
                f.write_str("]")
            }
            PT::Numeric => f.write_str("Numeric"),
            PT::ScalarData => f.write_str("ScalarData"),
            PT::Data => f.write_str("Data"),
            PT::RichData => f.write_str("RichData"),
            PT::Any => f.write_str("Any"),
            PT::Symbol => f.write_str("Runtime[ruby, 'Symbol']"),
            PT::Array(None, _) => f.write_str("Array[0, 0]"),
            PT::Array(Some(t), s) => write!(f, "Array[{t}{}]", size(s)),
            PT::Hash(None, _) => f.write_str("Hash[0, 0]"),
            PT::Hash(Some(kv), s) => write!(f, "Hash[{}, {}{}]", kv.0, kv.1, size(s)),
            PT::Tuple(ts) => {
                f.write_str("Tuple[")?;
                list(f, ts.iter().map(ToString::to_string))?;
                f.write_str("]")
            }
            PT::Struct(es) => {
                f.write_str("Struct[{")?;
                list(f, es.iter().map(|(k, t)| format!("{} => {t}", quote(k))))?;
                f.write_str("}]")
            }
            PT::Variant(ts) => {
                f.write_str("Variant[")?;
                list(f, ts.iter().map(ToString::to_string))?;
                f.write_str("]")
            }
            PT::Optional(t) => write!(f, "Optional[{t}]"),
        }
    }
}

/// The type of a map key.
fn key_type(k: &Key) -> PT {
    match k {
        Key::Str(s) => PT::Str(Some(s.clone())),
        Key::Int(i) => PT::Int(i128::from(*i), i128::from(*i)),
        Key::BigInt(b) => b.as_str().parse::<i128>().map_or(PT::Int(0, 0), |i| PT::Int(i, i)),
        Key::Float(x) => PT::Float(*x, *x),
        Key::Bool(b) => PT::Bool(Some(*b)),
        Key::Nil => PT::Undef,
    }
}

fn scalar(v: &Data) -> Option<PT> {
    Some(match v {
        Data::Null => PT::Undef,
        Data::Bool(b) => PT::Bool(Some(*b)),
        Data::Int(i) => PT::Int(i128::from(*i), i128::from(*i)),
        Data::Float(x) => PT::Float(*x, *x),
        Data::Symbol(_) => PT::Symbol,
        Data::BigInt(b) => {
            let d = b.as_str();
            let i = d.parse::<i128>().unwrap_or(if b.is_negative() { i128::MIN } else { i128::MAX });
            PT::Int(i, i)
        }
        Data::String(s) => PT::Str(Some(s.clone())),
        _ => return None,
    })
}

/// `TypeCalculator#infer`: collections reduce their members with [`common_type`].
#[must_use]
pub(crate) fn infer(v: &Data) -> PT {
    if let Some(t) = scalar(v) {
        return t;
    }
    match v {
        Data::Array(a) if a.is_empty() => PT::Array(None, Some((0, 0))),
        Data::Array(a) => PT::Array(Some(Box::new(reduce(a.iter().map(infer)))), Some((a.len(), a.len()))),
        Data::Hash(h) if h.is_empty() => PT::Hash(None, Some((0, 0))),
        Data::Hash(h) => {
            let k = reduce(h.keys().map(key_type));
            let t = reduce(h.values().map(infer));
            PT::Hash(Some(Box::new((k, t))), Some((h.len(), h.len())))
        }
        _ => PT::Any,
    }
}

fn reduce(ts: impl Iterator<Item = PT>) -> PT {
    ts.reduce(common_type).unwrap_or(PT::Any)
}

/// `TypeCalculator#infer_set`: arrays are Tuples, string-keyed hashes Structs.
#[must_use]
pub(crate) fn infer_set(v: &Data) -> PT {
    if let Some(t) = scalar(v) {
        return t;
    }
    match v {
        Data::Array(a) if a.is_empty() => PT::Array(None, Some((0, 0))),
        Data::Array(a) => PT::Tuple(a.iter().map(infer_set).collect()),
        Data::Hash(h) if h.is_empty() => PT::Hash(None, Some((0, 0))),
        Data::Hash(h) if h.keys().all(|k| matches!(k, Key::Str(s) if !s.is_empty())) => {
            PT::Struct(h.iter().map(|(k, v)| (k.to_s().into_owned(), infer_set(v))).collect())
        }
        Data::Hash(h) => {
            let k = unwrap_single(maybe_variant(h.keys().map(key_type).collect()));
            let t = unwrap_single(maybe_variant(h.values().map(infer_set).collect()));
            PT::Hash(Some(Box::new((k, t))), Some((h.len(), h.len())))
        }
        _ => PT::Any,
    }
}

/// What the describer prints for a `Hash[String, Data]` mismatch of a non-Struct hash:
/// `PHashType.new(key_type, value_type)` (the size dropped), normalized.
#[must_use]
pub(crate) fn describe_hash(v: &Data) -> String {
    match infer_set(v) {
        PT::Hash(Some(kv), _) => {
            let (k, t) = *kv;
            PT::Hash(Some(Box::new((normalize(k), normalize(t)))), None).to_string()
        }
        other => normalize(other).to_string(),
    }
}

/// `PVariantType.maybe_create`: flattened, unique, a single type unwrapped.
fn maybe_variant(ts: Vec<PT>) -> PT {
    let mut out: Vec<PT> = Vec::with_capacity(ts.len());
    for t in ts {
        let items = match t {
            PT::Variant(inner) => inner,
            t => vec![t],
        };
        for t in items {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    if out.len() == 1 { out.pop().unwrap_or(PT::Any) } else { PT::Variant(out) }
}

fn unwrap_single(t: PT) -> PT {
    match t {
        PT::Variant(mut ts) if ts.len() == 1 => ts.pop().unwrap_or(PT::Any),
        t => t,
    }
}

/// `normalize`, recursively; for Variants the merges of `PVariantType#normalize`.
#[must_use]
pub(crate) fn normalize(t: PT) -> PT {
    match t {
        PT::Tuple(ts) => PT::Tuple(ts.into_iter().map(normalize).collect()),
        PT::Struct(es) => PT::Struct(es.into_iter().map(|(k, t)| (k, normalize(t))).collect()),
        PT::Array(Some(e), s) => PT::Array(Some(Box::new(normalize(*e))), s),
        PT::Hash(Some(kv), s) => PT::Hash(Some(Box::new((normalize(kv.0), normalize(kv.1)))), s),
        PT::Optional(t) => PT::Optional(Box::new(normalize(*t))),
        PT::Variant(ts) => normalize_variant(ts.into_iter().map(normalize).collect()),
        t => t,
    }
}

fn normalize_variant(types: Vec<PT>) -> PT {
    if types.len() == 1 {
        return types.into_iter().next().unwrap_or(PT::Any);
    }
    if types.iter().any(|t| matches!(t, PT::Undef | PT::Optional(_))) {
        let rest: Vec<PT> = types
            .into_iter()
            .filter(|t| *t != PT::Undef)
            .map(|t| if let PT::Optional(x) = t { *x } else { t })
            .collect();
        return PT::Optional(Box::new(normalize(maybe_variant(rest))));
    }
    // A Variant whose merges change nothing keeps its own order (`normalize` returns `self`).
    let before = types.clone();
    // merge_enums: two or more valued Strings/Enums become one Enum, appended.
    let (enums, mut others): (Vec<PT>, Vec<PT>) =
        types.into_iter().partition(|t| matches!(t, PT::Str(Some(_))) || matches!(t, PT::Enum(v) if !v.is_empty()));
    if enums.len() > 1 {
        let mut values: Vec<String> = Vec::new();
        for e in enums {
            match e {
                PT::Str(Some(s)) => values.push(s),
                PT::Enum(vs) => values.extend(vs),
                _ => {}
            }
        }
        others.push(make_enum(values));
    } else {
        others.extend(enums);
    }
    // merge_numbers(Integer), then Float: merged ranges first, the rest after.
    let mut types = merge_numbers(others, |t| matches!(t, PT::Int(..)), merge_range);
    types = merge_numbers(types, |t| matches!(t, PT::Float(..)), merge_range);
    if types.len() == before.len() {
        return PT::Variant(before);
    }
    if types.len() == 1 { types.pop().unwrap_or(PT::Any) } else { maybe_variant(types) }
}

fn make_enum(mut values: Vec<String>) -> PT {
    values.sort();
    values.dedup();
    PT::Enum(values)
}

/// `merge_numbers` + `merge_ranges` (Puppet's variant reduction): the types `is_range` picks are
/// merged where `merge` joins two of them — pop the last range, fold the others into it, repeat
/// with the ones left over — and come ahead of the other types. Shared by inferred types (here)
/// and declared ones (`types.rs`).
pub(super) fn merge_numbers<T>(
    types: Vec<T>,
    is_range: impl Fn(&T) -> bool,
    merge: impl Fn(&T, &T) -> Option<T>,
) -> Vec<T> {
    let (mut ranges, others): (Vec<T>, Vec<T>) = types.into_iter().partition(|t| is_range(t));
    if ranges.len() < 2 {
        ranges.extend(others);
        return ranges;
    }
    let mut result = Vec::new();
    while let Some(mut memo) = ranges.pop() {
        let mut unmerged = Vec::new();
        for y in ranges {
            match merge(&memo, &y) {
                Some(m) => memo = m,
                None => unmerged.push(y),
            }
        }
        result.push(memo);
        ranges = unmerged;
    }
    result.extend(others);
    result
}

fn merge_range(a: &PT, b: &PT) -> Option<PT> {
    match (a, b) {
        (PT::Int(a1, a2), PT::Int(b1, b2)) => {
            let touch = !(a2 < b1 || b2 < a1) || a2 + 1 == *b1 || b2 + 1 == *a1;
            touch.then(|| PT::Int(*a1.min(b1), *a2.max(b2)))
        }
        (PT::Float(a1, a2), PT::Float(b1, b2)) => (!(a2 < b1 || b2 < a1)).then(|| PT::Float(a1.min(*b1), a2.max(*b2))),
        _ => None,
    }
}

fn is_scalar_data(t: &PT) -> bool {
    matches!(t, PT::Bool(_) | PT::Int(..) | PT::Float(..) | PT::Str(_) | PT::Enum(_) | PT::Numeric | PT::ScalarData)
}

fn is_numeric(t: &PT) -> bool {
    matches!(t, PT::Int(..) | PT::Float(..) | PT::Numeric)
}

/// `Data`: scalar data, undef, arrays of Data, hashes of String keys to Data.
fn is_data(t: &PT) -> bool {
    match t {
        PT::Undef | PT::Data => true,
        PT::Array(None, _) | PT::Hash(None, _) => true,
        PT::Array(Some(e), _) => is_data(e),
        PT::Hash(Some(kv), _) => matches!(kv.0, PT::Str(_) | PT::Enum(_)) && is_data(&kv.1),
        t => is_scalar_data(t),
    }
}

fn is_rich_data(t: &PT) -> bool {
    match t {
        PT::Array(Some(e), _) => is_rich_data(e),
        PT::Hash(Some(kv), _) => (is_numeric(&kv.0) || matches!(kv.0, PT::Str(_) | PT::Enum(_))) && is_rich_data(&kv.1),
        PT::RichData => true,
        t => is_data(t),
    }
}

fn size_in(outer: Option<(usize, usize)>, inner: Option<(usize, usize)>) -> bool {
    match (outer, inner) {
        (None, _) => true,
        (Some((a, b)), Some((c, d))) => a <= c && d <= b,
        (Some(_), None) => false,
    }
}

/// `a.assignable?(b)` for the types inference produces.
fn assignable(a: &PT, b: &PT) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (PT::Any, _) => true,
        (PT::RichData, b) => is_rich_data(b),
        (PT::Data, b) => is_data(b),
        (PT::ScalarData, b) => is_scalar_data(b),
        (PT::Numeric, b) => is_numeric(b),
        (PT::Int(a1, a2), PT::Int(b1, b2)) => a1 <= b1 && b2 <= a2,
        (PT::Float(a1, a2), PT::Float(b1, b2)) => a1 <= b1 && b2 <= a2,
        (PT::Bool(None), PT::Bool(_)) | (PT::Str(None), PT::Str(_) | PT::Enum(_)) => true,
        (PT::Enum(vs), PT::Str(Some(s))) => vs.contains(s),
        (PT::Enum(vs), PT::Enum(ws)) => ws.iter().all(|w| vs.contains(w)),
        (PT::Array(Some(e), s), PT::Array(f, t)) => size_in(*s, *t) && f.as_ref().is_none_or(|f| assignable(e, f)),
        (PT::Hash(Some(kv), s), PT::Hash(lw, t)) => {
            size_in(*s, *t) && lw.as_ref().is_none_or(|lw| assignable(&kv.0, &lw.0) && assignable(&kv.1, &lw.1))
        }
        _ => false,
    }
}

/// `TypeCalculator#common_type`.
#[must_use]
pub(crate) fn common_type(a: PT, b: PT) -> PT {
    if a == PT::Undef {
        return b;
    }
    if b == PT::Undef || assignable(&a, &b) {
        return a;
    }
    if assignable(&b, &a) {
        return b;
    }
    match (a, b) {
        (PT::Array(e1, _), PT::Array(e2, _)) => {
            let e = match (e1, e2) {
                (Some(x), Some(y)) => common_type(*x, *y),
                (Some(x), None) | (None, Some(x)) => *x,
                (None, None) => return PT::Array(None, Some((0, 0))),
            };
            PT::Array(Some(Box::new(e)), None)
        }
        (PT::Hash(h1, _), PT::Hash(h2, _)) => {
            let kv = match (h1, h2) {
                (Some(x), Some(y)) => (common_type(x.0, y.0), common_type(x.1, y.1)),
                (Some(x), None) | (None, Some(x)) => *x,
                (None, None) => return PT::Hash(None, Some((0, 0))),
            };
            PT::Hash(Some(Box::new(kv)), None)
        }
        (PT::Int(a1, a2), PT::Int(b1, b2)) => PT::Int(a1.min(b1), a2.max(b2)),
        (PT::Float(a1, a2), PT::Float(b1, b2)) => PT::Float(a1.min(b1), a2.max(b2)),
        (PT::Str(x), PT::Str(y)) => match (x, y) {
            (Some(x), Some(y)) => make_enum(vec![x, y]),
            _ => PT::Str(None),
        },
        (PT::Str(x), PT::Enum(mut vs)) | (PT::Enum(mut vs), PT::Str(x)) => match x {
            Some(x) => {
                vs.push(x);
                make_enum(vs)
            }
            None => PT::Enum(Vec::new()),
        },
        (PT::Enum(mut vs), PT::Enum(ws)) => {
            vs.extend(ws);
            make_enum(vs)
        }
        (a, b) if is_numeric(&a) && is_numeric(&b) => PT::Numeric,
        (a, b) if is_scalar_data(&a) && is_scalar_data(&b) => PT::ScalarData,
        (a, b) if is_data(&a) && is_data(&b) => PT::Data,
        (a, b) if is_rich_data(&a) && is_rich_data(&b) => PT::RichData,
        (PT::Symbol, PT::Symbol) => PT::Symbol,
        _ => PT::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataMap;

    fn h(pairs: &[(Key, Data)]) -> Data {
        let mut m = DataMap::new();
        for (k, v) in pairs {
            m.insert(k.clone(), v.clone());
        }
        Data::Hash(m)
    }

    fn k(x: &str) -> Key {
        Key::from(x)
    }

    fn s(x: &str) -> Data {
        Data::from(x)
    }

    // Expected texts: Puppet 7.23 `TypeCalculator.singleton.infer(v).to_s` and
    // `TypeAsserter.assert_instance_of('X', Hash[String,Data], v)` messages.
    #[test]
    fn infer_like_puppet() {
        let (bt, bf) = (Key::Bool(true), Key::Bool(false));
        assert_eq!(infer(&h(&[(bt.clone(), s("x"))])).to_string(), "Hash[Boolean[true], String, 1, 1]");
        assert_eq!(infer(&h(&[(bt, s("x")), (bf, s("yy"))])).to_string(), "Hash[ScalarData, Enum['x', 'yy'], 2, 2]");
        let sym = Data::Symbol("a".into());
        assert_eq!(infer(&Data::Array(vec![sym.clone(), s("b")])).to_string(), "Array[Any, 2, 2]");
        assert_eq!(infer(&Data::Array(vec![Data::Int(1), s("a")])).to_string(), "Array[ScalarData, 2, 2]");
        assert_eq!(infer(&Data::Array(vec![Data::Int(1), Data::Float(2.5)])).to_string(), "Array[Numeric, 2, 2]");
        assert_eq!(infer(&h(&[(k("a"), sym)])).to_string(), "Hash[String, Runtime[ruby, 'Symbol'], 1, 1]");
        let v = h(&[(k("a"), Data::Array(vec![Data::Int(1), Data::Int(2)])), (k("b"), h(&[]))]);
        assert_eq!(infer(&v).to_string(), "Hash[Enum['a', 'b'], Data, 2, 2]");
        let v = Data::Array(vec![Data::Array(vec![]), h(&[])]);
        assert_eq!(infer(&v).to_string(), "Array[Data, 2, 2]");
        let v = h(&[(Key::Nil, Data::Int(1)), (k("k"), Data::Array(vec![Data::Bool(true), Data::Null]))]);
        assert_eq!(infer(&v).to_string(), "Hash[String, Data, 2, 2]");
    }

    #[test]
    fn describe_like_puppet() {
        let (i1, i2, i3, i5) = (Key::Int(1), Key::Int(2), Key::Int(3), Key::Int(5));
        let v = h(&[(i1.clone(), s("a")), (i2.clone(), s("b")), (k("x"), s("c"))]);
        assert_eq!(describe_hash(&v), "Hash[Variant[Integer[1, 2], String], Enum['a', 'b', 'c']]");
        let v = h(&[(i3.clone(), Data::Int(1)), (k("k"), Data::Int(2)), (i1.clone(), Data::Int(3)), (k("j"), s("s"))]);
        assert_eq!(
            describe_hash(&v),
            "Hash[Variant[Integer[1, 1], Integer[3, 3], Enum['j', 'k']], Variant[Integer[2, 3], Integer[1, 1], String]]"
        );
        let v = h(&[(i1.clone(), Data::Null), (k("a"), Data::Array(vec![]))]);
        assert_eq!(describe_hash(&v), "Hash[Variant[Integer[1, 1], String], Optional[Array[0, 0]]]");
        let v = h(&[(i2.clone(), h(&[])), (i5.clone(), s("a"))]);
        assert_eq!(describe_hash(&v), "Hash[Variant[Integer[2, 2], Integer[5, 5]], Variant[Hash[0, 0], String]]");
        let v = h(&[(i1.clone(), h(&[(k("a"), h(&[(k("b"), Data::Int(1))]))]))]);
        assert_eq!(describe_hash(&v), "Hash[Integer[1, 1], Struct[{'a' => Struct[{'b' => Integer[1, 1]}]}]]");
    }
}

//! Puppet 7's `TypeMismatchDescriber` (`pops/types/type_mismatch_describer.rb`) for the types
//! Lamina models: why a value does not match a type, worded as `puppet lookup --type` reports
//! it. The actual side is the value's `infer_set` type: an Integer prints detailed
//! (`Integer[42, 42]`, bignums included) when the expected type is an Integer too, else by its
//! short name; arrays are Tuples and string-keyed hashes Structs; every element and entry that
//! fails is reported, and Variants merge their members' mismatches as Puppet does.

use super::infer;
use super::types::PType;
use crate::{Data, Key};
use lamina_value::ruby_float;

/// One step of a mismatch's path.
#[derive(Debug, Clone, PartialEq)]
enum Elem {
    Variant(usize),
    Index(usize),
    Entry(String),
    Key(String),
}

impl std::fmt::Display for Elem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Elem::Variant(i) => write!(f, "variant {i}"),
            Elem::Index(i) => write!(f, "index {i}"),
            Elem::Entry(k) => write!(f, "entry '{k}'"),
            Elem::Key(k) => write!(f, "key of entry '{k}'"),
        }
    }
}

/// The class of an inferred type (what `e.class == a.class` compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Undef,
    Boolean,
    Integer,
    Float,
    String,
    Runtime,
    Tuple,
    Array,
    Struct,
    Hash,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Undef => "Undef",
            Class::Boolean => "Boolean",
            Class::Integer => "Integer",
            Class::Float => "Float",
            Class::String => "String",
            Class::Runtime => "Runtime",
            Class::Tuple => "Tuple",
            Class::Array => "Array",
            Class::Struct => "Struct",
            Class::Hash => "Hash",
        }
    }
}

fn class_of(v: &Data) -> Class {
    match v {
        Data::Null => Class::Undef,
        Data::Bool(_) => Class::Boolean,
        Data::Int(_) | Data::BigInt(_) => Class::Integer,
        Data::Float(_) => Class::Float,
        Data::Symbol(_) => Class::Runtime,
        Data::String(_) => Class::String,
        Data::Array(a) if a.is_empty() => Class::Array,
        Data::Array(_) => Class::Tuple,
        Data::Hash(h) if !h.is_empty() && h.keys().all(|k| matches!(k, Key::Str(s) if !s.is_empty())) => Class::Struct,
        Data::Hash(_) => Class::Hash,
    }
}

/// The short name of a value's inferred type (`Integer`, `Tuple`, `Struct`, ...), as merge and
/// type errors print it when they do not detail it.
#[must_use]
pub(super) fn type_name(v: &Data) -> &'static str {
    class_of(v).name()
}

/// The actual side of a mismatch.
#[derive(Debug, Clone, PartialEq)]
struct Actual {
    class: Class,
    /// `to_s` of the inferred type.
    full: String,
    /// The string, for `got 'x'` in pattern mismatches.
    text: Option<String>,
}

impl Actual {
    fn of(v: &Data) -> Actual {
        let class = class_of(v);
        let full = match (class, v) {
            (Class::Integer, _) => v.as_int().map(|i| format!("Integer[{i}, {i}]")).unwrap_or_default(),
            (Class::Float, Data::Float(x)) => format!("Float[{}, {}]", ruby_float(*x), ruby_float(*x)),
            (Class::Boolean, Data::Bool(b)) => format!("Boolean[{b}]"),
            (Class::String, _) => "String".into(),
            // The describer's `PHashType.new(key_type, value_type)`: the size dropped.
            (Class::Hash, _) => infer::describe_hash(v),
            _ => infer::infer_set(v).to_string(),
        };
        let text = if class == Class::String { v.as_str().map(str::to_string) } else { None };
        Actual { class, full, text }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// `TypeMismatch`, with the (normalized) expected type.
    Type(PType),
    /// `PatternMismatch` (a `TypeMismatch` too when Variants merge).
    Pattern(PType),
    /// `SizeMismatch`: expected and actual ranges.
    Size((i64, Option<i64>), (i64, Option<i64>)),
}

#[derive(Debug, Clone, PartialEq)]
struct Mismatch {
    path: Vec<Elem>,
    kind: Kind,
    actual: Actual,
}

impl Mismatch {
    fn typed(path: &[Elem], original: &PType, v: &Data) -> Mismatch {
        Mismatch { path: path.to_vec(), kind: Kind::Type(original.normalize()), actual: Actual::of(v) }
    }

    fn size(path: &[Elem], expected: (Option<i64>, Option<i64>), n: usize, v: &Data) -> Mismatch {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        Mismatch {
            path: path.to_vec(),
            kind: Kind::Size((expected.0.unwrap_or(0), expected.1), (n, Some(n))),
            actual: Actual::of(v),
        }
    }

    fn canonical(&self) -> Vec<&Elem> {
        self.path.iter().filter(|e| !matches!(e, Elem::Variant(_))).collect()
    }

    /// 0 for size mismatches, 1 for type (and pattern) mismatches.
    fn group(&self) -> u8 {
        u8::from(!matches!(self.kind, Kind::Size(..)))
    }

    /// `merge`: the least restrictive bounds, or the expected types joined.
    fn merge(&self, o: &Mismatch) -> Mismatch {
        let kind = match (&self.kind, &o.kind) {
            (Kind::Size((af, at), a), Kind::Size((bf, bt), _)) => {
                let to = match (at, bt) {
                    (Some(x), Some(y)) => Some(*x.max(y)),
                    _ => None,
                };
                Kind::Size((*af.min(bf), to), *a)
            }
            (Kind::Type(e) | Kind::Pattern(e), Kind::Type(f) | Kind::Pattern(f)) => {
                let joined = PType::maybe_variant(vec![e.clone(), f.clone()]).normalize();
                if matches!(self.kind, Kind::Pattern(_)) { Kind::Pattern(joined) } else { Kind::Type(joined) }
            }
            (k, _) => k.clone(),
        };
        Mismatch { path: self.path.clone(), kind, actual: self.actual.clone() }
    }

    fn same(&self, o: &Mismatch) -> bool {
        self.group() == o.group()
            && matches!(self.kind, Kind::Pattern(_)) == matches!(o.kind, Kind::Pattern(_))
            && self.canonical() == o.canonical()
            && self.kind == o.kind
            && self.actual == o.actual
    }

    fn format(&self, subject: &str) -> String {
        let mut s = format!(" {subject}");
        for e in &self.path {
            s.push(' ');
            s.push_str(&e.to_string());
        }
        s.push_str(&self.message());
        s
    }

    fn message(&self) -> String {
        match &self.kind {
            Kind::Size(e, a) => format!(" expects size to be {}, got {}", range_to_s(*e), range_to_s(*a)),
            Kind::Pattern(e) => {
                let (e, pfx) = match e {
                    PType::Optional(Some(t)) => (&**t, "an undef value or "),
                    e => (e, ""),
                };
                let got = match &self.actual.text {
                    Some(s) => format!("'{s}'"),
                    None => self.actual.class.name().to_string(),
                };
                format!(" expects {pfx}a match for {e}, got {got}")
            }
            Kind::Type(e) => type_message(e, &self.actual),
        }
    }
}

fn range_to_s((min, max): (i64, Option<i64>)) -> String {
    match max {
        Some(max) if max == min => min.to_string(),
        None if min == 0 => "unlimited".into(),
        Some(max) if min == 0 => format!("at most {max}"),
        None => format!("at least {min}"),
        Some(max) => format!("between {min} and {max}"),
    }
}

/// `TypeMismatch#message`.
fn type_message(e: &PType, a: &Actual) -> String {
    let (e, optional) = match e {
        PType::Optional(Some(t)) => (&**t, true),
        e => (e, false),
    };
    let (members, list): (Vec<&PType>, bool) = match e {
        PType::Variant(ts) => (ts.iter().collect(), true),
        e => (vec![e], false),
    };
    let same = members.iter().any(|m| same_class(m, a.class));
    let detailed = same || members.iter().any(|m| default_accepts(m, a.class));
    let got = if same { a.full.clone() } else { a.class.name().to_string() };
    let mut names: Vec<String> = Vec::new();
    for m in &members {
        let n = if detailed { m.to_string() } else { short_name(m) };
        if detailed || !names.contains(&n) {
            names.push(n);
        }
    }
    let (text, multi) = if list {
        if optional {
            names.insert(0, "Undef".into());
        }
        match names.as_slice() {
            [one] => (one.clone(), false),
            [a, b] => (format!("{a} or {b}"), true),
            [rest @ .., last] => (format!("{}, or {last}", rest.join(", ")), true),
            [] => (String::new(), false),
        }
    } else if optional {
        (format!("Undef or {}", names[0]), true)
    } else {
        (names.remove(0), false)
    };
    if multi {
        format!(" expects a value of type {text}, got {got}")
    } else {
        let article =
            if text.starts_with(['A', 'E', 'I', 'O', 'U', 'Y', 'a', 'e', 'i', 'o', 'u', 'y']) { "an" } else { "a" };
        format!(" expects {article} {text} value, got {got}")
    }
}

/// `t.name`, with the contained type's name for Optional, NotUndef and Sensitive.
fn short_name(t: &PType) -> String {
    let base = |t: &PType| -> &'static str {
        match t {
            PType::Any => "Any",
            PType::Data => "Data",
            PType::Scalar => "Scalar",
            PType::ScalarData => "ScalarData",
            PType::Undef => "Undef",
            PType::Boolean(_) => "Boolean",
            PType::Numeric => "Numeric",
            PType::Integer(..) => "Integer",
            PType::Float(..) => "Float",
            PType::String(..) => "String",
            PType::Array(..) => "Array",
            PType::Hash(..) => "Hash",
            PType::Optional(_) => "Optional",
            PType::NotUndef(_) => "NotUndef",
            PType::Variant(_) => "Variant",
            PType::Enum(_) => "Enum",
            PType::Pattern(_) => "Pattern",
            PType::Sensitive(_) => "Sensitive",
        }
    };
    match t {
        PType::Optional(Some(inner)) | PType::NotUndef(Some(inner)) | PType::Sensitive(Some(inner))
            if **inner != PType::Any =>
        {
            format!("{}[{}]", base(t), base(inner))
        }
        t => base(t).to_string(),
    }
}

/// `e.class == a.class`.
fn same_class(e: &PType, a: Class) -> bool {
    matches!(
        (e, a),
        (PType::Integer(..), Class::Integer)
            | (PType::Float(..), Class::Float)
            | (PType::String(..), Class::String)
            | (PType::Boolean(_), Class::Boolean)
            | (PType::Undef, Class::Undef)
            | (PType::Array(..), Class::Array)
            | (PType::Hash(..), Class::Hash)
    )
}

/// `e.class::DEFAULT.assignable?(a)`.
fn default_accepts(e: &PType, a: Class) -> bool {
    use Class as C;
    match e {
        PType::Any | PType::Data => true,
        PType::NotUndef(_) => a != C::Undef,
        PType::Numeric => matches!(a, C::Integer | C::Float),
        PType::Scalar | PType::ScalarData => matches!(a, C::Integer | C::Float | C::String | C::Boolean),
        PType::Array(..) => matches!(a, C::Array | C::Tuple),
        PType::Hash(..) => matches!(a, C::Hash | C::Struct),
        PType::Enum(_) | PType::Pattern(_) => a == C::String,
        e => same_class(e, a),
    }
}

/// Puppet's `describe_mismatch`: the message of a `TypeAssertionError` for `subject` (`Found
/// value has wrong type,`): one mismatch on its own, several one per line; empty when the
/// describer finds nothing (a bare `Optional` or `Variant`).
pub(super) fn describe_mismatch(subject: &str, expected: &PType, v: &Data) -> String {
    let ds = describe(expected, v, &[]);
    match ds.as_slice() {
        [] => String::new(),
        [one] => one.format(subject).trim().to_string(),
        many => many.iter().map(|d| d.format(subject)).collect::<Vec<_>>().join("\n "),
    }
}

fn describe(expected: &PType, v: &Data, path: &[Elem]) -> Vec<Mismatch> {
    internal(&expected.normalize(), expected, v, path)
}

fn with(path: &[Elem], e: Elem) -> Vec<Elem> {
    let mut p = path.to_vec();
    p.push(e);
    p
}

fn internal(e: &PType, original: &PType, v: &Data, path: &[Elem]) -> Vec<Mismatch> {
    match e {
        PType::Variant(ts) => variant(ts, original, v, path),
        PType::Hash(..) => hash(e, original, v, path),
        PType::Array(..) => array(e, original, v, path),
        PType::Optional(t) => match t {
            Some(t) if !v.is_null() => internal(t, e, v, path),
            _ => Vec::new(),
        },
        PType::Enum(_) | PType::Pattern(_) => {
            vec![Mismatch { path: path.to_vec(), kind: Kind::Pattern(original.normalize()), actual: Actual::of(v) }]
        }
        e if e.matches(v) => Vec::new(),
        _ => vec![Mismatch::typed(path, original, v)],
    }
}

fn variant(ts: &[PType], original: &PType, v: &Data, path: &[Elem]) -> Vec<Mismatch> {
    let undef = [PType::Undef];
    let types: Vec<&PType> =
        if matches!(original, PType::Optional(_)) { undef.iter().chain(ts).collect() } else { ts.iter().collect() };
    let mut all = Vec::with_capacity(types.len());
    for (i, t) in types.into_iter().enumerate() {
        let d = describe(t, v, &with(path, Elem::Variant(i)));
        if d.is_empty() {
            return d;
        }
        all.push(d);
    }
    merge_descriptions(path.len(), all)
}

/// `merge_descriptions`: when every variant failed the same way at the same place, one
/// mismatch naming them all; otherwise each distinct one (the variant step dropped if only one
/// is left).
fn merge_descriptions(varying: usize, per_variant: Vec<Vec<Mismatch>>) -> Vec<Mismatch> {
    let n = per_variant.len();
    let mut ds: Vec<Mismatch> = per_variant.into_iter().flatten().collect();
    for group in [0, 1] {
        let ms: Vec<&Mismatch> = ds.iter().filter(|d| d.group() == group).collect();
        if ms.len() != n || n == 0 {
            continue;
        }
        let mut acc = Some(ms[0].clone());
        for m in &ms[1..] {
            acc = match acc {
                Some(p) if p.canonical() == m.canonical() => Some(p.merge(m)),
                _ => None,
            };
        }
        if let Some(g) = acc {
            ds = vec![g];
            break;
        }
    }
    let mut out: Vec<Mismatch> = Vec::with_capacity(ds.len());
    for d in ds {
        if !out.iter().any(|o| o.same(&d)) {
            out.push(d);
        }
    }
    if let [one] = out.as_mut_slice()
        && varying < one.path.len()
    {
        one.path.remove(varying);
    }
    out
}

fn array(e: &PType, original: &PType, v: &Data, path: &[Elem]) -> Vec<Mismatch> {
    let PType::Array(t, min, max) = e else { return Vec::new() };
    match v {
        Data::Array(items) if !items.is_empty() => {
            let n = i64::try_from(items.len()).unwrap_or(i64::MAX);
            if min.is_some_and(|a| n < a) || max.is_some_and(|b| n > b) {
                return vec![Mismatch::size(path, (*min, *max), items.len(), v)];
            }
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                if !t.matches(x) {
                    out.extend(describe(t, x, &with(path, Elem::Index(i))));
                }
            }
            out
        }
        Data::Array(_) if min.is_some_and(|a| a > 0) => vec![Mismatch::size(path, (*min, *max), 0, v)],
        _ => vec![Mismatch::typed(path, original, v)],
    }
}

fn hash(e: &PType, original: &PType, v: &Data, path: &[Elem]) -> Vec<Mismatch> {
    let PType::Hash(k, t, min, max) = e else { return Vec::new() };
    let Data::Hash(h) = v else { return vec![Mismatch::typed(path, original, v)] };
    let n = i64::try_from(h.len()).unwrap_or(i64::MAX);
    if min.is_some_and(|a| n < a) || max.is_some_and(|b| n > b) {
        return vec![Mismatch::size(path, (*min, *max), h.len(), v)];
    }
    if class_of(v) != Class::Struct {
        // A hash with non-string keys infers to `Hash[K, V]`, which fails as a whole.
        return vec![Mismatch::typed(path, original, v)];
    }
    let mut out = Vec::new();
    for (key, x) in h {
        // A Struct: every key is a String.
        let key = key.to_s().into_owned();
        let kv = Data::String(key.clone());
        if !k.matches(&kv) {
            out.extend(describe(k, &kv, &with(path, Elem::Key(key.clone()))));
        }
        if !t.matches(x) {
            out.extend(describe(t, x, &with(path, Elem::Entry(key))));
        }
    }
    out
}

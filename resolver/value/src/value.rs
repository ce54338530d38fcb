//! [`Value`]: what an estate, a Foreman parameter and an ENC document hold.
//!
//! Hash keys are strings. Psych can load non-string keys (`1: a`); the estate reader turns such
//! keys into their canonical string form, which is also what Foreman's `deep_stringify_keys` does
//! before it emits an ENC document. Hiera data keeps them apart: see [`crate::Data`].

use indexmap::IndexMap;
use std::fmt;

/// An insertion-ordered map, like a Ruby Hash.
pub type Map = IndexMap<String, Value>;

/// A typed value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `~`, `null`, or an empty scalar.
    #[default]
    Null,
    /// `true`/`false` (and YAML 1.1's `yes`/`no`/`on`/`off` when read from YAML).
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// An integer beyond 64 bits (Ruby's Integer has no bound; Foreman stores and sends it).
    BigInt(crate::int::BigInt),
    /// A double.
    Float(f64),
    /// A string.
    String(String),
    /// An ordered sequence.
    Array(Vec<Value>),
    /// An insertion-ordered map with string keys.
    Hash(Map),
}

impl Value {
    /// Short type name as Foreman and Puppet say it in messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::BigInt(_) => "integer",
            Value::Float(_) => "real",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Hash(_) => "hash",
        }
    }

    /// Ruby's class name of the value (`NilClass`, `TrueClass`, `Integer`, `Hash`, ...), as Ruby
    /// error messages spell it.
    #[must_use]
    pub fn ruby_class_name(&self) -> &'static str {
        match self {
            Value::Null => "NilClass",
            Value::Bool(true) => "TrueClass",
            Value::Bool(false) => "FalseClass",
            Value::Int(_) | Value::BigInt(_) => "Integer",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::Array(_) => "Array",
            Value::Hash(_) => "Hash",
        }
    }

    /// The string if this is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// True for `Null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Ruby's `to_s` of the value, as Foreman uses it to build matcher strings
    /// (`"#{el}=#{value}"`). Scalars only render naturally; collections use a JSON-like form.
    #[must_use]
    pub fn to_ruby_s(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(b) => b.as_str().to_string(),
            Value::Float(f) => ruby_float(*f),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Nesting depth (a scalar is 0).
    #[must_use]
    pub fn depth(&self) -> usize {
        // Iterative to stay safe on hostile inputs.
        let mut max = 0;
        let mut stack: Vec<(&Value, usize)> = vec![(self, 0)];
        while let Some((v, d)) = stack.pop() {
            max = max.max(d);
            match v {
                Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
                Value::Hash(h) => stack.extend(h.values().map(|x| (x, d + 1))),
                _ => {}
            }
        }
        max
    }

    /// Foreman's `String#contains_erb?`: more than four characters (Ruby's `size`), one `<%`.
    #[must_use]
    pub fn str_contains_erb(s: &str) -> bool {
        s.contains("<%") && s.chars().nth(4).is_some()
    }

    /// True if the value is a string holding ERB (`<%`), with Foreman's cheap test
    /// (core `config/initializers/core_extensions.rb`: `size > 4 && index('<%')`), applied to
    /// every string inside arrays and hash values too.
    #[must_use]
    pub fn contains_erb(&self) -> bool {
        match self {
            Value::String(s) => Value::str_contains_erb(s),
            Value::Array(a) => a.iter().any(Value::contains_erb),
            Value::Hash(h) => h.values().any(Value::contains_erb),
            _ => false,
        }
    }
}

/// Ruby's `Float#to_s`: `1.0`, `1.5`, `1.0e+20`, `1.0e-05`, `Infinity`, `NaN`.
///
/// Ruby prints the shortest round-trip digits, in fixed notation while the decimal exponent
/// `decpt` (digits before the point) is above -4 and at most 16 — but at exactly 16 only when
/// there are fractional digits (`1.0e+15` yet `1234567890123456.8`; checked with Ruby 3.1).
#[must_use]
pub fn ruby_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    let digs = digits.len() as i32;
    let decpt = exp + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    let fixed = decpt > -4 && (decpt < 16 || (decpt == 16 && digs > decpt));
    if fixed {
        if decpt <= 0 {
            #[allow(clippy::cast_sign_loss)]
            let zeros = "0".repeat((-decpt) as usize);
            return format!("{sign}0.{zeros}{digits}");
        }
        #[allow(clippy::cast_sign_loss)]
        let d = decpt as usize;
        if digits.len() <= d {
            return format!("{sign}{digits}{}.0", "0".repeat(d - digits.len()));
        }
        return format!("{sign}{}.{}", &digits[..d], &digits[d..]);
    }
    let frac = if digits.len() > 1 { &digits[1..] } else { "0" };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{}.{frac}e{esign}{:02}", &digits[..1], exp.abs())
}

impl fmt::Display for Value {
    /// A compact JSON rendering (used in messages and explain output).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::BigInt(b) => f.write_str(b.as_str()),
            Value::Float(x) => f.write_str(&ruby_float(*x)),
            Value::String(s) => write_json_str(f, s),
            Value::Array(a) => write_json_array(f, a),
            Value::Hash(h) => write_json_object(f, h.iter().map(|(k, v)| (k.as_str(), v))),
        }
    }
}

/// `[a,b]` with each element's own `Display` (compact JSON).
pub(crate) fn write_json_array<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    f.write_str("[")?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{v}")?;
    }
    f.write_str("]")
}

/// `{"k":v}` with each value's own `Display` (compact JSON).
pub(crate) fn write_json_object<'a, K: AsRef<str>, T: fmt::Display + 'a>(
    f: &mut fmt::Formatter<'_>,
    entries: impl Iterator<Item = (K, &'a T)>,
) -> fmt::Result {
    f.write_str("{")?;
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write_json_str(f, k.as_ref())?;
        write!(f, ":{v}")?;
    }
    f.write_str("}")
}

/// A JSON string.
pub(crate) fn write_json_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Array(v)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Hash(m)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            // JSON numbers have no bound; serde writes 128-bit integers as digits. Beyond that
            // (no Foreman value seen so far) the digits go out as a string rather than a float
            // that would change the number.
            Value::BigInt(b) => match (b.as_str().parse::<i128>(), b.as_str().parse::<u128>()) {
                (Ok(i), _) => s.serialize_i128(i),
                (_, Ok(u)) => s.serialize_u128(u),
                _ => s.serialize_str(b.as_str()),
            },
            Value::Float(x) => s.serialize_f64(*x),
            Value::String(x) => s.serialize_str(x),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Hash(h) => {
                let mut m = s.serialize_map(Some(h.len()))?;
                for (k, v) in h {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruby_float_forms() {
        assert_eq!(ruby_float(1.0), "1.0");
        assert_eq!(ruby_float(1.5), "1.5");
        assert_eq!(ruby_float(1e20), "1.0e+20");
        assert_eq!(ruby_float(1.5e-5), "1.5e-05");
        assert_eq!(ruby_float(f64::INFINITY), "Infinity");
        assert_eq!(ruby_float(1e14), "100000000000000.0");
        assert_eq!(ruby_float(1e15), "1.0e+15");
        assert_eq!(ruby_float(1_234_567_890_123_456.8), "1234567890123456.8");
        assert_eq!(ruby_float(9_999_999_999_999_998.0), "9.999999999999998e+15");
        assert_eq!(ruby_float(0.0001), "0.0001");
        assert_eq!(ruby_float(-0.00001), "-1.0e-05");
        assert_eq!(ruby_float(-0.0), "-0.0");
        assert_eq!(ruby_float(123.456), "123.456");
    }

    #[test]
    fn erb_detection_matches_foreman() {
        assert!(Value::from("<%= 1 %>").contains_erb());
        assert!(!Value::from("<%").contains_erb());
        assert!(!Value::from("éé<%").contains_erb(), "four characters, six bytes");
        assert!(Value::Array(vec![Value::from("x <% y")]).contains_erb());
    }
}

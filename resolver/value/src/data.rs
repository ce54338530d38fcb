//! [`Data`]: Ruby data as Puppet's lookup sees it.
//!
//! Hiera data files and facts files are read by Psych (or Ruby's json gem) into Ruby objects, and
//! Puppet treats those differently from what an estate holds: `cfg.1` digs the Integer key `1`
//! (`sub_lookup.rb` turns a digit segment into an Integer and does `value[segment]`), the `hash`
//! merge refuses a hash whose keys are not all strings (`Hash[String,Data]`,
//! `merge_strategy.rb`), a Symbol or a Boolean/nil key is refused when it is looked up
//! (`data_provider.rb` `validate_data_value`), and an Integer beyond 64 bits prints exactly.
//! `Data` holds each of them as its own variant, so nothing is encoded in strings.

use crate::int::{BigInt, IntRef};
use crate::value::{Map, Value, ruby_float, write_json_array, write_json_object, write_json_str};
use indexmap::{Equivalent, IndexMap};
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

/// An insertion-ordered Ruby Hash with keys of any scalar type.
pub type DataMap = IndexMap<Key, Data>;

/// A Ruby object as Psych or Ruby's json gem loads it for Puppet.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Data {
    /// `nil`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An Integer that fits 64 bits.
    Int(i64),
    /// An Integer beyond 64 bits.
    BigInt(BigInt),
    /// A Float.
    Float(f64),
    /// A String.
    String(String),
    /// A Symbol (`:foo`), by its name.
    Symbol(String),
    /// An Array.
    Array(Vec<Data>),
    /// A Hash.
    Hash(DataMap),
}

/// A Hash key. Psych loads any scalar as a key; Symbol keys are Strings here, as Puppet's
/// `symkeys_to_string` makes them, and a collection as a key (which Puppet refuses as not
/// `RichDataKey`) is [`Key::Nil`], which is refused the same way.
///
/// A `&str` finds only a [`Key::Str`] in a [`DataMap`]: `map.get("1")` does not find `Key::Int(1)`.
#[derive(Clone, Debug)]
pub enum Key {
    /// A String key.
    Str(String),
    /// An Integer key that fits 64 bits.
    Int(i64),
    /// An Integer key beyond 64 bits.
    BigInt(BigInt),
    /// A Float key.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `nil`.
    Nil,
}

impl Key {
    /// The string, for a String key.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Key::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Ruby's `to_s` of the key (`1` → "1", `nil` → ""): what it becomes outside Hiera, and
    /// what Ruby's JSON generator writes.
    #[must_use]
    pub fn to_s(&self) -> Cow<'_, str> {
        match self {
            Key::Str(s) => Cow::Borrowed(s),
            Key::Int(i) => Cow::Owned(i.to_string()),
            Key::BigInt(b) => Cow::Borrowed(b.as_str()),
            Key::Float(f) => Cow::Owned(ruby_float(*f)),
            Key::Bool(true) => Cow::Borrowed("true"),
            Key::Bool(false) => Cow::Borrowed("false"),
            Key::Nil => Cow::Borrowed(""),
        }
    }

    /// The key as a value (`Key::Int(1)` → `Data::Int(1)`).
    #[must_use]
    pub fn to_data(&self) -> Data {
        match self {
            Key::Str(s) => Data::String(s.clone()),
            Key::Int(i) => Data::Int(*i),
            Key::BigInt(b) => Data::BigInt(b.clone()),
            Key::Float(f) => Data::Float(*f),
            Key::Bool(b) => Data::Bool(*b),
            Key::Nil => Data::Null,
        }
    }
}

impl fmt::Display for Key {
    /// Ruby's `to_s` of the key (see [`Key::to_s`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_s())
    }
}

impl PartialEq for Key {
    /// Ruby's `eql?` of hash keys, except that NaN keys are one key (as their `to_s` is).
    fn eq(&self, other: &Key) -> bool {
        match (self, other) {
            (Key::Str(a), Key::Str(b)) => a == b,
            (Key::Int(a), Key::Int(b)) => a == b,
            (Key::BigInt(a), Key::BigInt(b)) => a == b,
            (Key::Float(a), Key::Float(b)) => float_bits(*a) == float_bits(*b),
            (Key::Bool(a), Key::Bool(b)) => a == b,
            (Key::Nil, Key::Nil) => true,
            _ => false,
        }
    }
}

impl Eq for Key {}

fn float_bits(f: f64) -> u64 {
    if f.is_nan() { f64::NAN.to_bits() } else { f.to_bits() }
}

impl Hash for Key {
    /// A String key hashes as its `str` does, so that a `&str` finds it (see [`Equivalent`]);
    /// the other kinds are tagged.
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Key::Str(s) => s.as_str().hash(state),
            Key::Int(i) => {
                state.write_u8(1);
                i.hash(state);
            }
            Key::BigInt(b) => {
                state.write_u8(2);
                b.hash(state);
            }
            Key::Float(f) => {
                state.write_u8(3);
                float_bits(*f).hash(state);
            }
            Key::Bool(b) => {
                state.write_u8(4);
                b.hash(state);
            }
            Key::Nil => state.write_u8(5),
        }
    }
}

/// `map.get("name")` on a [`DataMap`] finds the String key `"name"` only.
impl Equivalent<Key> for str {
    fn equivalent(&self, key: &Key) -> bool {
        matches!(key, Key::Str(s) if s == self)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Str(s.to_string())
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Str(s)
    }
}

impl Data {
    /// True for `nil`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Data::Null)
    }

    /// The string if this is a String.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Data::String(s) => Some(s),
            _ => None,
        }
    }

    /// The Integer, of any size.
    #[must_use]
    pub fn as_int(&self) -> Option<IntRef<'_>> {
        match self {
            Data::Int(i) => Some(IntRef::Small(*i)),
            Data::BigInt(b) => Some(b.as_int_ref()),
            _ => None,
        }
    }

    /// Ruby's class name of the value (`NilClass`, `TrueClass`, `Integer`, `Symbol`, ...).
    #[must_use]
    pub fn ruby_class_name(&self) -> &'static str {
        match self {
            Data::Null => "NilClass",
            Data::Bool(true) => "TrueClass",
            Data::Bool(false) => "FalseClass",
            Data::Int(_) | Data::BigInt(_) => "Integer",
            Data::Float(_) => "Float",
            Data::String(_) => "String",
            Data::Symbol(_) => "Symbol",
            Data::Array(_) => "Array",
            Data::Hash(_) => "Hash",
        }
    }

    /// True if the value holds anything an estate [`Value`] cannot: a Symbol, an Integer beyond
    /// 64 bits, or a key that is not a String (at any depth).
    #[must_use]
    pub fn is_rich(&self) -> bool {
        match self {
            Data::BigInt(_) | Data::Symbol(_) => true,
            Data::Array(a) => a.iter().any(Data::is_rich),
            Data::Hash(h) => h.iter().any(|(k, v)| !matches!(k, Key::Str(_)) || v.is_rich()),
            _ => false,
        }
    }

    /// True if a hash in the value has a key that is not a String (the value is then not
    /// Puppet's `Data`).
    #[must_use]
    pub fn has_rich_keys(&self) -> bool {
        match self {
            Data::Array(a) => a.iter().any(Data::has_rich_keys),
            Data::Hash(h) => h.iter().any(|(k, v)| !matches!(k, Key::Str(_)) || v.has_rich_keys()),
            _ => false,
        }
    }

    /// The value as an estate [`Value`], as callers outside Hiera see it: keys by their `to_s`
    /// (a later key with the same text replaces an earlier one, as in the Hash Ruby's `to_s`
    /// of the keys would make), Symbols by their names.
    #[must_use]
    pub fn into_value(self) -> Value {
        match self {
            Data::Null => Value::Null,
            Data::Bool(b) => Value::Bool(b),
            Data::Int(i) => Value::Int(i),
            Data::BigInt(b) => Value::BigInt(b),
            Data::Float(f) => Value::Float(f),
            Data::String(s) | Data::Symbol(s) => Value::String(s),
            Data::Array(a) => Value::Array(a.into_iter().map(Data::into_value).collect()),
            Data::Hash(h) => {
                let mut out = Map::with_capacity(h.len());
                for (k, v) in h {
                    let k = match k {
                        Key::Str(s) => s,
                        other => other.to_s().into_owned(),
                    };
                    out.insert(k, v.into_value());
                }
                Value::Hash(out)
            }
        }
    }
}

impl From<Value> for Data {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(b),
            Value::Int(i) => Data::Int(i),
            Value::BigInt(b) => Data::BigInt(b),
            Value::Float(f) => Data::Float(f),
            Value::String(s) => Data::String(s),
            Value::Array(a) => Data::Array(a.into_iter().map(Data::from).collect()),
            Value::Hash(h) => Data::Hash(h.into_iter().map(|(k, v)| (Key::Str(k), Data::from(v))).collect()),
        }
    }
}

impl From<&Value> for Data {
    fn from(v: &Value) -> Self {
        match v {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Int(i) => Data::Int(*i),
            Value::BigInt(b) => Data::BigInt(b.clone()),
            Value::Float(f) => Data::Float(*f),
            Value::String(s) => Data::String(s.clone()),
            Value::Array(a) => Data::Array(a.iter().map(Data::from).collect()),
            Value::Hash(h) => Data::Hash(h.iter().map(|(k, v)| (Key::Str(k.clone()), Data::from(v))).collect()),
        }
    }
}

impl From<crate::Int> for Data {
    fn from(i: crate::Int) -> Self {
        match i {
            crate::Int::Small(i) => Data::Int(i),
            crate::Int::Big(b) => Data::BigInt(b),
        }
    }
}

impl From<&str> for Data {
    fn from(s: &str) -> Self {
        Data::String(s.to_string())
    }
}
impl From<String> for Data {
    fn from(s: String) -> Self {
        Data::String(s)
    }
}
impl From<bool> for Data {
    fn from(b: bool) -> Self {
        Data::Bool(b)
    }
}
impl From<i64> for Data {
    fn from(i: i64) -> Self {
        Data::Int(i)
    }
}
impl From<Vec<Data>> for Data {
    fn from(v: Vec<Data>) -> Self {
        Data::Array(v)
    }
}
impl From<DataMap> for Data {
    fn from(m: DataMap) -> Self {
        Data::Hash(m)
    }
}

impl fmt::Display for Data {
    /// A compact JSON-like rendering for messages and explanations, as [`Value`]'s, with
    /// Integers of any size as numbers, Symbols as `":name"` and keys by their `to_s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Data::Null => f.write_str("null"),
            Data::Bool(b) => write!(f, "{b}"),
            Data::Int(i) => write!(f, "{i}"),
            Data::BigInt(b) => f.write_str(b.as_str()),
            Data::Float(x) => f.write_str(&ruby_float(*x)),
            Data::String(s) => write_json_str(f, s),
            Data::Symbol(s) => write_json_str(f, &format!(":{s}")),
            Data::Array(a) => write_json_array(f, a),
            Data::Hash(h) => write_json_object(f, h.iter().map(|(k, v)| (k.to_s(), v))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_typed() {
        let mut h = DataMap::new();
        h.insert(Key::Int(1), Data::Symbol("s".into()));
        h.insert(Key::Float(1.5), Data::Null);
        h.insert(Key::Bool(true), Data::Null);
        h.insert(Key::from("1"), Data::from("one"));
        assert_eq!(h.len(), 4);
        assert_eq!(h.get("1"), Some(&Data::from("one")));
        assert_eq!(h.get(&Key::Int(1)), Some(&Data::Symbol("s".into())));
        assert!(Data::Hash(h.clone()).is_rich());
        assert!(Data::Hash(h.clone()).has_rich_keys());
        assert_eq!(Data::Hash(h).into_value().to_string(), r#"{"1":"one","1.5":null,"true":null}"#);
        let nan = Key::Float(f64::NAN);
        assert_eq!(nan, Key::Float(-f64::NAN), "NaN keys are one key, as their to_s");
        assert_ne!(Key::Float(0.0), Key::Float(-0.0));
    }

    #[test]
    fn plain_values_round_trip() {
        let v: Value = Value::Array(vec![Value::Int(1), Value::Float(1.5), Value::from("x")]);
        let d = Data::from(&v);
        assert!(!d.is_rich());
        assert_eq!(d.into_value(), v);
    }
}

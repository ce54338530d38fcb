//! ENC document emitting: YAML that Puppet's YAML 1.1 reader (Psych) reads back with exactly the
//! types Lamina meant, and JSON.
//!
//! Why a hand-written YAML emitter: the output is read by Psych (`Puppet::Util::Yaml.safe_load`),
//! where an unquoted `no` is `false`, `0755` is 493, `1:30` is 5400, `1,000` is 1000, `:x` is a
//! Symbol, a quoted `'<<'` key still merges its mapping, and an unquoted `2001-01-01` makes the
//! whole node lookup fail. `serde_saphyr::to_string` (2.2) gets most of these right but not
//! `1,000`, `00:30`, a `"<<"` key, or a multi-line string starting with a tab (which it writes as a
//! block scalar Psych refuses), and it is about 2.5 times slower. Here each string's style is
//! decided in one pass over its bytes (`yaml::classify`, conservative: when in doubt, quote) and
//! written straight into the caller's buffer, never folded (Foreman dumps with `line_width: -1`).
//! The shape follows Psych's `to_yaml`: a leading `---`, block style, sequences inside mappings
//! not indented, a nested collection in a sequence item starts on the dash line, `[]`/`{}` for
//! empty collections, nothing after the indicator for null, floats as Ruby writes them.
//!
//! The emitter is iterative (an explicit stack), so no value depth can overflow the stack.

mod yaml;

mod ruby_json;
#[cfg(test)]
mod tests;

pub use ruby_json::{to_ruby_json, to_ruby_json_string};

use indexmap::IndexMap;
use lamina_value::{Data, Key, Value};
use std::borrow::Cow;

/// What the emitters write: an estate [`Value`] (an ENC document) or Hiera [`Data`] (a lookup's
/// answer, whose Integers beyond 64 bits are written as integers, Symbols by their names and
/// keys by their `to_s`, as `puppet lookup --render-as` writes them).
pub trait Emit: Sized {
    /// The map key type.
    type Key: EmitKey;
    /// What the value is, for the emitters.
    fn shape(&self) -> Shape<'_, Self>;
}

/// A map key as the emitters write it.
pub trait EmitKey {
    /// Its text (Ruby's `to_s`).
    fn text(&self) -> Cow<'_, str>;
}

/// A value as the emitters see it.
#[derive(Debug)]
pub enum Shape<'a, V: Emit> {
    /// nil.
    Null,
    /// A Boolean.
    Bool(bool),
    /// An Integer that fits 64 bits.
    Int(i64),
    /// An Integer beyond 64 bits, by its decimal digits.
    BigInt(&'a str),
    /// A Float.
    Float(f64),
    /// A String (or a Symbol's name).
    Str(&'a str),
    /// An Array.
    Array(&'a [V]),
    /// A Hash.
    Hash(&'a IndexMap<V::Key, V>),
}

impl EmitKey for String {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl EmitKey for Key {
    fn text(&self) -> Cow<'_, str> {
        self.to_s()
    }
}

impl Emit for Value {
    type Key = String;
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(*b),
            Value::Int(i) => Shape::Int(*i),
            Value::BigInt(b) => Shape::BigInt(b.as_str()),
            Value::Float(f) => Shape::Float(*f),
            Value::String(s) => Shape::Str(s),
            Value::Array(a) => Shape::Array(a),
            Value::Hash(h) => Shape::Hash(h),
        }
    }
}

impl Emit for Data {
    type Key = Key;
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Data::Null => Shape::Null,
            Data::Bool(b) => Shape::Bool(*b),
            Data::Int(i) => Shape::Int(*i),
            Data::BigInt(b) => Shape::BigInt(b.as_str()),
            Data::Float(f) => Shape::Float(*f),
            Data::String(s) | Data::Symbol(s) => Shape::Str(s),
            Data::Array(a) => Shape::Array(a),
            Data::Hash(h) => Shape::Hash(h),
        }
    }
}

/// The document as YAML, starting with `---\n`, like Psych's `to_yaml(line_width: -1)`.
#[must_use]
pub fn to_yaml<V: Emit>(doc: &V) -> String {
    let mut out = String::with_capacity(1024);
    write_yaml(doc, &mut out);
    out
}

/// Append the YAML document for `doc` (starting with `---\n`) to `out`.
pub fn write_yaml<V: Emit>(doc: &V, out: &mut String) {
    yaml::write_document(doc, out);
}

/// The document as compact one-line JSON, keys in insertion order. Non-finite floats become
/// `null` (JSON has no spelling for them).
#[must_use]
pub fn to_json(doc: &Value) -> String {
    // Serializing a `Value` cannot fail: keys are strings, and serde_json writes NaN/inf as null.
    serde_json::to_string(doc).unwrap_or_default()
}

/// The document as indented JSON, keys in insertion order.
#[must_use]
pub fn to_json_pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

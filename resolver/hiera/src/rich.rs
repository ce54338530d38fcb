//! What Ruby data holds that [`Value`] cannot: non-string hash keys and Symbols. Hiera data files
//! can hold them (Psych loads `1: a`, `true: a`, `:sym`, bignums), and Puppet treats them differently
//! from strings: `cfg.1` digs an Integer key (`sub_lookup.rb` turns a digit segment into an
//! Integer and does `value[segment]`), the `hash` strategy refuses a hash whose keys are not all
//! strings (`Hash[String,Data]`, `merge_strategy.rb:266`), and a value that is not `RichData`
//! (a Symbol, a Boolean or nil key) is refused when it is looked up
//! (`data_provider.rb:84` `validate_data_value`); an Integer beyond 64 bits prints exactly.
//!
//! Rather than widening `Value` for every crate, the Hiera reader (`lamina_hiera_files`)
//! encodes them as *marked strings*, which only this engine reads: a string starting with NUL
//! (YAML text cannot hold NUL; JSON can, so a JSON string forged to look like a mark is read as
//! one — harmless, it only changes how that string prints). [`Hiera::query`] strips every mark
//! from its result, so callers see the keys' string forms as before.
//!
//! [`Hiera::query`]: super::Hiera::query

use crate::{Map, Value};

/// The mark prefix.
pub const MARK: char = '\0';

/// A map key the reader marks: an Integer, a Float, `true`/`false`, nil.
#[derive(Debug, Clone, PartialEq)]
pub enum RichKey<'a> {
    /// A plain string key.
    Str(&'a str),
    /// An Integer key (its decimal text).
    Int(&'a str),
    /// A Float key (Ruby's `to_s`).
    Float(&'a str),
    /// A Boolean key.
    Bool(bool),
    /// A nil key.
    Nil,
}

/// The marked key for an Integer (`i64` or bignum digits).
#[must_use]
pub fn int_key(digits: &str) -> String {
    format!("{MARK}i{digits}")
}

/// The marked key for a Float (Ruby's `to_s` of it).
#[must_use]
pub fn float_key(text: &str) -> String {
    format!("{MARK}f{text}")
}

/// The marked key for `true`, `false` or nil.
#[must_use]
pub fn scalar_key(v: &Value) -> String {
    match v {
        Value::Bool(true) => format!("{MARK}bt"),
        Value::Bool(false) => format!("{MARK}bf"),
        _ => format!("{MARK}n"),
    }
}

/// A Symbol value.
#[must_use]
pub fn symbol(name: &str) -> String {
    format!("{MARK}s{name}")
}

/// An Integer beyond 64 bits (a Ruby Bignum), by its decimal digits.
#[must_use]
pub fn bignum(decimal: &str) -> String {
    format!("{MARK}d{decimal}")
}

/// The decimal digits, if `v` is a marked bignum.
#[must_use]
pub fn as_bignum(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => s.strip_prefix("\0d"),
        _ => None,
    }
}

/// A top-level value Puppet refuses, carrying the inferred type its message names.
#[must_use]
pub fn refused(type_text: &str) -> String {
    format!("{MARK}r{type_text}")
}

/// The inferred type text of a refused value (see [`refused`]).
#[must_use]
pub fn refusal(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => s.strip_prefix("\0r"),
        _ => None,
    }
}

/// The Symbol name, if `v` is a marked Symbol.
#[must_use]
pub fn as_symbol(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => s.strip_prefix("\0s"),
        _ => None,
    }
}

/// Decodes a map key.
#[must_use]
pub fn key(k: &str) -> RichKey<'_> {
    let Some(rest) = k.strip_prefix(MARK) else { return RichKey::Str(k) };
    match rest.as_bytes().first() {
        Some(b'i') => RichKey::Int(&rest[1..]),
        Some(b'f') => RichKey::Float(&rest[1..]),
        Some(b'b') => RichKey::Bool(rest == "bt"),
        Some(b'n') => RichKey::Nil,
        _ => RichKey::Str(k),
    }
}

/// True if any key or string in `v` is marked.
#[must_use]
pub fn has_marks(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with(MARK),
        Value::Array(a) => a.iter().any(has_marks),
        Value::Hash(h) => h.iter().any(|(k, v)| k.starts_with(MARK) || has_marks(v)),
        _ => false,
    }
}

/// True if a hash in `v` has a key that is not a string (`v` is then not `Data`).
#[must_use]
pub fn has_rich_keys(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(has_rich_keys),
        Value::Hash(h) => h.iter().any(|(k, v)| k.starts_with(MARK) || has_rich_keys(v)),
        _ => false,
    }
}

/// True if `v` is not Puppet's `RichData`: it holds a Symbol, or a hash key that is a Boolean
/// or nil (`RichDataKey` is `Variant[String, Numeric]`).
#[must_use]
pub fn is_refused(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with("\0s"),
        Value::Array(a) => a.iter().any(is_refused),
        Value::Hash(h) => h.iter().any(|(k, v)| matches!(key(k), RichKey::Bool(_) | RichKey::Nil) || is_refused(v)),
        _ => false,
    }
}

/// A top-level data value as the engine stores it: refused values (see [`is_refused`]) become
/// a [`refused`] mark naming their inferred type, which the lookup of that key reports.
#[must_use]
pub fn checked(v: Value) -> Value {
    if has_marks(&v) && is_refused(&v) { Value::String(refused(&super::infer::infer(&v).to_string())) } else { v }
}

/// The key's string form (`to_s`): what callers outside the engine see.
#[must_use]
pub fn plain_key(k: &str) -> &str {
    match key(k) {
        RichKey::Str(s) | RichKey::Int(s) | RichKey::Float(s) => s,
        RichKey::Bool(true) => "true",
        RichKey::Bool(false) => "false",
        RichKey::Nil => "",
    }
}

/// `v` with every mark stripped (keys as their string forms, Symbols as their names). Cheap
/// when there is nothing to strip.
#[must_use]
pub fn unmark(v: Value) -> Value {
    if !has_marks(&v) {
        return v;
    }
    match v {
        // Symbols by their names, bignums by their digits.
        Value::String(s) => match s.strip_prefix("\0s").or_else(|| s.strip_prefix("\0d")) {
            Some(text) => Value::String(text.to_string()),
            None => Value::String(s),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(unmark).collect()),
        Value::Hash(h) => {
            let mut out = Map::with_capacity(h.len());
            for (k, v) in h {
                out.insert(plain_key(&k).to_string(), unmark(v));
            }
            Value::Hash(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(key(&int_key("12")), RichKey::Int("12"));
        assert_eq!(key(&float_key("1.5")), RichKey::Float("1.5"));
        assert_eq!(key(&scalar_key(&Value::Bool(true))), RichKey::Bool(true));
        assert_eq!(key(&scalar_key(&Value::Null)), RichKey::Nil);
        assert_eq!(key("plain"), RichKey::Str("plain"));
        let mut h = Map::new();
        h.insert(int_key("1"), Value::String(symbol("s")));
        assert_eq!(unmark(Value::Hash(h)).to_string(), r#"{"1":"s"}"#);
    }
}

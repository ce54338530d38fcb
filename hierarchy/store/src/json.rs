//! Values as JSON text in the store, losslessly.
//!
//! Plain JSON keeps what matters for Foreman's semantics: integer vs real (`1` vs `1.0`, both
//! written and read by serde_json exactly), key order (`preserve_order`), null. The one thing
//! JSON cannot spell is a non-finite real (`.nan`, `.inf` in YAML); those are written as a
//! one-key object under a key no estate can produce from YAML text (it starts with a NUL).

use lamina_foreman::{Map, Value};
use serde_json::Value as J;

const FLOAT_TAG: &str = "\u{0}lamina:float";

fn to_j(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => J::Number(n),
            None => {
                let spelled = if f.is_nan() {
                    "nan"
                } else if *f > 0.0 {
                    "inf"
                } else {
                    "-inf"
                };
                let mut m = serde_json::Map::new();
                m.insert(FLOAT_TAG.to_string(), J::from(spelled));
                J::Object(m)
            }
        },
        Value::String(s) => J::String(s.clone()),
        Value::Array(a) => J::Array(a.iter().map(to_j).collect()),
        Value::Hash(h) => J::Object(h.iter().map(|(k, v)| (k.clone(), to_j(v))).collect()),
    }
}

fn from_j(v: J) -> Value {
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => n.as_i64().map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
        J::String(s) => Value::String(s),
        J::Array(a) => Value::Array(a.into_iter().map(from_j).collect()),
        J::Object(o) => {
            if o.len() == 1
                && let Some(J::String(s)) = o.get(FLOAT_TAG)
            {
                return Value::Float(match s.as_str() {
                    "inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    _ => f64::NAN,
                });
            }
            Value::Hash(o.into_iter().map(|(k, v)| (k, from_j(v))).collect())
        }
    }
}

/// The value as JSON text.
pub(crate) fn encode(v: &Value) -> String {
    to_j(v).to_string()
}

/// A map as JSON text.
pub(crate) fn encode_map(m: &Map) -> String {
    J::Object(m.iter().map(|(k, v)| (k.clone(), to_j(v))).collect()).to_string()
}

/// Decode JSON text written by [`encode`].
pub(crate) fn decode(s: &str) -> Result<Value, String> {
    serde_json::from_str::<J>(s).map(from_j).map_err(|e| format!("invalid JSON value: {e}"))
}

/// Decode a map written by [`encode_map`].
pub(crate) fn decode_map(s: &str) -> Result<Map, String> {
    match decode(s)? {
        Value::Hash(m) => Ok(m),
        other => Err(format!("expected a JSON object, found {}", other.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_types_and_order() {
        let mut m = Map::new();
        m.insert("z".into(), Value::Float(1.0));
        m.insert("a".into(), Value::Int(1));
        m.insert("nan".into(), Value::Float(f64::INFINITY));
        m.insert("s".into(), Value::from("0755"));
        m.insert("l".into(), Value::Array(vec![Value::Null, Value::Bool(false), Value::Float(-0.5)]));
        let v = Value::Hash(m);
        assert_eq!(decode(&encode(&v)).unwrap(), v);
        assert!(matches!(decode(&encode(&Value::Float(f64::NAN))).unwrap(), Value::Float(f) if f.is_nan()));
    }
}

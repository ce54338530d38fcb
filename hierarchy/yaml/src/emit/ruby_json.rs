//! Ruby's JSON generator (json 2.6, `JSON.generate`) for lookup answers ([`lamina_value::Data`]):
//! what `puppet lookup --render-as json` prints and what the Hiera HTTP endpoints answer, so
//! that Ruby reads back the same types (integers beyond 64 bits as Integers).

use super::{Emit, EmitKey, Shape};
use crate::YamlError;

/// `v` as compact JSON, keys in order.
///
/// # Errors
/// NaN and infinities, which Ruby's generator refuses ([`crate::YamlErrorKind::Write`], with the
/// generator's message: `1000: NaN not allowed in JSON`).
pub fn to_ruby_json<V: Emit>(v: &V) -> Result<String, YamlError> {
    let mut out = String::new();
    json(&mut out, v).map_err(|m| YamlError::write(&m))?;
    Ok(out)
}

/// Ruby's JSON generator: `\b \f \n \r \t \" \\` and `\u00XX` for other controls; NaN and
/// infinities fail as the generator does (`GeneratorError`, message code 1000 in json 2.6).
fn json<V: Emit>(out: &mut String, v: &V) -> Result<(), String> {
    match v.shape() {
        Shape::Null => out.push_str("null"),
        Shape::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Shape::Int(i) => out.push_str(&i.to_string()),
        Shape::Float(f) if f.is_nan() => return Err("1000: NaN not allowed in JSON".into()),
        Shape::Float(f) if f.is_infinite() => {
            return Err(format!("1000: {}Infinity not allowed in JSON", if f < 0.0 { "-" } else { "" }));
        }
        Shape::Float(f) => out.push_str(&lamina_value::ruby_float(f)),
        // A Ruby Bignum prints its digits.
        Shape::BigInt(d) => out.push_str(d),
        Shape::Str(s) => string(out, s),
        Shape::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(out, x)?;
            }
            out.push(']');
        }
        Shape::Hash(h) => {
            out.push('{');
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // Ruby's generator writes every key with `to_s` (`1` → "1").
                string(out, &k.text());
                out.push(':');
                json(out, x)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A string as Ruby's JSON generator writes it (quoted and escaped).
#[must_use]
pub fn to_ruby_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    string(&mut out, s);
    out
}

/// A JSON string as Ruby's generator writes it.
fn string(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

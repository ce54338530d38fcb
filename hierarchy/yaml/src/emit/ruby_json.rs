//! Ruby's JSON generator (json 2.6, `JSON.generate`) for values from the lookup engine, marks
//! and all (`lamina_hiera::rich`): what `puppet lookup --render-as json` prints and
//! what the Hiera HTTP endpoints answer, so that Ruby reads back the same types (integers
//! beyond 64 bits as Integers).

use lamina_hiera::rich;
use lamina_value::Value;

/// `v` as compact JSON, keys in order.
///
/// # Errors
/// NaN and infinities, which Ruby's generator refuses (`1000: NaN not allowed in JSON`).
pub fn to_ruby_json(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    json(&mut out, v)?;
    Ok(out)
}

/// Ruby's JSON generator: `\b \f \n \r \t \" \\` and `\u00XX` for other controls; NaN and
/// infinities fail as the generator does (`GeneratorError`, message code 1000 in json 2.6).
fn json(out: &mut String, v: &Value) -> Result<(), String> {
    use std::fmt::Write as _;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if f.is_nan() => return Err("1000: NaN not allowed in JSON".into()),
        Value::Float(f) if f.is_infinite() => {
            return Err(format!("1000: {}Infinity not allowed in JSON", if *f < 0.0 { "-" } else { "" }));
        }
        Value::Float(f) => out.push_str(&lamina_value::ruby_float(*f)),
        // A Ruby Bignum prints its digits.
        Value::String(_) if let Some(d) = rich::as_bignum(v) => out.push_str(d),
        Value::String(s) => {
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
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(out, x)?;
            }
            out.push(']');
        }
        Value::Hash(h) => {
            out.push('{');
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // Ruby's generator writes every key with `to_s` (`1` → "1").
                json(out, &Value::String(rich::plain_key(k).to_string()))?;
                out.push(':');
                json(out, x)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

//! Values as JSON text in the store, losslessly.
//!
//! JSON keeps what matters for Foreman's semantics: integer vs real (`1` vs `1.0`: a real is
//! always written with a dot or an exponent), key order, null. The one thing RFC 8259 cannot
//! spell is a non-finite real (`.nan`, `.inf` in YAML): those are written as the number tokens
//! `NaN`, `Infinity` and `-Infinity` (as JSON5 and Ruby's `JSON.generate(allow_nan: true)` write
//! them), which no other JSON value can be mistaken for. Earlier schemas stored each as a one-key
//! object under a NUL-prefixed key: migration 3 (`hierarchy/store/migrations/0003_nonfinite_reals.sql`)
//! rewrites them when a writer opens the store, and until then readers, which never write, read
//! that spelling too ([`Spelling::Schema2`]).
//!
//! The codec is Lamina's own (rather than serde_json's, which has no such tokens): it writes and
//! reads [`Value`]s directly, with no intermediate tree.

use lamina_value::{Map, Value};
use std::fmt::Write as _;

/// The value as JSON text.
pub(crate) fn encode(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

/// A map as JSON text.
pub(crate) fn encode_map(m: &Map) -> String {
    let mut out = String::new();
    write_map(&mut out, m);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(b) => out.push_str(b.as_str()),
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" }),
        // `Debug` is the shortest text that reads back as the same double, always with a dot or
        // an exponent (`1.0`, `1e20`), so it never reads back as an integer.
        Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Hash(h) => write_map(out, h),
    }
}

fn write_map(out: &mut String, m: &Map) {
    out.push('{');
    for (i, (k, x)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, k);
        out.push(':');
        write_value(out, x);
    }
    out.push('}');
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// How the rows being read spell non-finite reals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spelling {
    /// As [`encode`] writes them (schema 3 and later).
    Current,
    /// Also as schemas 1 and 2 wrote them: `{"\u0000lamina:float":"nan"}` (`"inf"`, `"-inf"`).
    Schema2,
}

/// The key schemas 1 and 2 wrote a non-finite real under.
const SCHEMA2_REAL: &str = "\u{0}lamina:float";

/// Decode JSON text written by [`encode`] (any RFC 8259 text, plus the three non-finite tokens).
pub(crate) fn decode(s: &str, spelling: Spelling) -> Result<Value, String> {
    let mut p = Parser { s: s.as_bytes(), i: 0, depth: 0, spelling };
    let v = p.value().map_err(|e| format!("invalid JSON value: {e} at byte {}", p.i))?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("invalid JSON value: trailing characters at byte {}", p.i));
    }
    Ok(v)
}

/// Decode a map written by [`encode_map`].
pub(crate) fn decode_map(s: &str, spelling: Spelling) -> Result<Map, String> {
    match decode(s, spelling)? {
        Value::Hash(m) => Ok(m),
        other => Err(format!("expected a JSON object, found {}", other.type_name())),
    }
}

/// Deepest nesting read (the estate reader's own limit is 64; this only bounds a damaged row).
const MAX_DEPTH: usize = 512;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    spelling: Spelling,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Value, &'static str> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Value::String),
            Some(b'n') if self.eat("null") => Ok(Value::Null),
            Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat("NaN") => Ok(Value::Float(f64::NAN)),
            Some(b'I') if self.eat("Infinity") => Ok(Value::Float(f64::INFINITY)),
            Some(b'-') if self.eat("-Infinity") => Ok(Value::Float(f64::NEG_INFINITY)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err("unexpected character"),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, &'static str>) -> Result<Value, &'static str> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("nesting too deep");
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Result<Value, &'static str> {
        self.i += 1;
        let mut m = Map::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Hash(m));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err("expected a string key");
            }
            let k = self.string()?;
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err("expected ':'");
            }
            self.i += 1;
            let v = self.value()?;
            m.insert(k, v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(self.schema2_real(m));
                }
                _ => return Err("expected ',' or '}'"),
            }
        }
    }

    /// `m`, or the real an earlier schema spelled as it.
    fn schema2_real(&self, m: Map) -> Value {
        if self.spelling == Spelling::Schema2
            && m.len() == 1
            && let Some(Value::String(s)) = m.get(SCHEMA2_REAL)
        {
            return Value::Float(match s.as_str() {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                _ => f64::NAN,
            });
        }
        Value::Hash(m)
    }

    fn array(&mut self) -> Result<Value, &'static str> {
        self.i += 1;
        let mut a = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Array(a));
        }
        loop {
            a.push(self.value()?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(a));
                }
                _ => return Err("expected ',' or ']'"),
            }
        }
    }

    /// An integer (of any size: the codec writes big integers as their digits) or a real.
    fn number(&mut self) -> Result<Value, &'static str> {
        let start = self.i;
        let mut real = false;
        while let Some(&b) = self.s.get(self.i) {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => real = true,
                _ => break,
            }
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| "invalid number")?;
        if !real && let Some(i) = lamina_value::Int::from_decimal(text.trim_start_matches('+')) {
            return Ok(match i {
                lamina_value::Int::Small(i) => Value::Int(i),
                lamina_value::Int::Big(b) => Value::BigInt(b),
            });
        }
        text.parse::<f64>().map(Value::Float).map_err(|_| "invalid number")
    }

    fn string(&mut self) -> Result<String, &'static str> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.s[start..self.i]);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out).map_err(|_| "invalid UTF-8 in a string");
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'u') => self.unicode_escape()?,
                        Some(e) => lamina_yaml::short_escape(*e).ok_or("invalid escape")?,
                        None => return Err("invalid escape"),
                    };
                    self.i += 1;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => return Err("unterminated string"),
            }
        }
    }

    /// `\uXXXX` (a surrogate pair as two); leaves `i` on the escape's last digit.
    fn unicode_escape(&mut self) -> Result<char, &'static str> {
        let hex = |p: &Self, at: usize| -> Result<u32, &'static str> {
            let digits = p.s.get(at..at + 4).ok_or("short \\u escape")?;
            let text = std::str::from_utf8(digits).map_err(|_| "invalid \\u escape")?;
            u32::from_str_radix(text, 16).map_err(|_| "invalid \\u escape")
        };
        let hi = hex(self, self.i + 1)?;
        self.i += 4;
        if (0xD800..0xDC00).contains(&hi) && self.s.get(self.i + 1..self.i + 3) == Some(b"\\u") {
            let lo = hex(self, self.i + 3)?;
            if (0xDC00..0xE000).contains(&lo) {
                self.i += 6;
                return char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).ok_or("invalid \\u escape");
            }
        }
        char::from_u32(hi).ok_or("invalid \\u escape (a lone surrogate)")
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
        m.insert("inf".into(), Value::Float(f64::INFINITY));
        m.insert("-inf".into(), Value::Float(f64::NEG_INFINITY));
        m.insert("s".into(), Value::from("0755 \"q\" \\ \n\t\u{1}\u{0} é 😀"));
        m.insert("big".into(), Value::Float(1e300));
        m.insert("tiny".into(), Value::Float(-1.5e-300));
        m.insert(
            "l".into(),
            Value::Array(vec![Value::Null, Value::Bool(false), Value::Float(-0.5), Value::Int(i64::MIN)]),
        );
        let v = Value::Hash(m);
        assert_eq!(decode(&encode(&v), Spelling::Current).unwrap(), v);
        assert!(
            matches!(decode(&encode(&Value::Float(f64::NAN)), Spelling::Current).unwrap(), Value::Float(f) if f.is_nan())
        );
        assert_eq!(encode(&Value::Float(1.0)), "1.0");
    }

    /// Regression (issue 10): a non-finite real was stored as a one-key object under a
    /// NUL-prefixed key, so a hash a user wrote with that key read back as a real.
    #[test]
    fn issue10_no_key_is_read_as_a_real() {
        let mut m = Map::new();
        m.insert("\u{0}lamina:float".into(), Value::from("nan"));
        let v = Value::Hash(m);
        assert_eq!(decode(&encode(&v), Spelling::Current).unwrap(), v);
    }

    #[test]
    fn reads_what_serde_json_wrote() {
        // Rows written before this codec: serde_json's spelling of the same values.
        let v = decode(r#"{"a":1e20,"b":[1.5,-0.0,"\u00e9\ud83d\ude00"],"c":{"d":null}}"#, Spelling::Current).unwrap();
        assert_eq!(v.to_string(), r#"{"a":1.0e+20,"b":[1.5,-0.0,"é😀"],"c":{"d":null}}"#);
        assert!(decode("[1,]", Spelling::Current).is_err());
        assert!(decode("{} x", Spelling::Current).is_err());
        assert!(decode(&"[".repeat(1000), Spelling::Current).is_err());
        // Schema 2's spelling of a real, read from a store not yet brought up to date.
        let old = r#"{"x":{"\u0000lamina:float":"-inf"}}"#;
        assert_eq!(decode(old, Spelling::Schema2).unwrap().to_string(), r#"{"x":-Infinity}"#);
    }
}

//! A fast path for documents that are plain JSON (a facts upload, on every agent run): the value
//! the YAML reader gives for the same text, read without libyaml's event machinery.
//!
//! JSON is (almost) a subset of YAML's flow style, and Puppet's facts bodies are JSON, but the
//! reader's answer is the contract: so this reader accepts only text whose reading as YAML 1.1
//! is certain, and returns `None` for anything else, leaving it (and every error message) to
//! [`crate::parse_value`]. Numbers go through the very scalar rules the YAML reader applies to a
//! plain scalar (`1e3` is the string `"1e3"` there, as in Psych); what it declines:
//! * characters libyaml refuses or treats as line breaks (control characters, NEL, LS, PS,
//!   BOM), tabs and carriage returns;
//! * `\u` escapes of UTF-16 surrogates (libyaml refuses them);
//! * the key `"<<"` (a merge key, even quoted), keys over 1,000 bytes or with a line break
//!   before their colon;
//! * integers beyond 64 bits, and documents over the budget's depth or node count.
//!
//! `tests.rs` (`json_fast_path_equals_yaml_reader`) compares the two readers on generated
//! documents.

use crate::Limits;
use crate::scalar::{self, Token};
use lamina_value::{Map, Value};

/// The value of `src` when it is a JSON text the fast path reads exactly as
/// [`crate::parse_value`] would; `None` when that reader must decide.
#[must_use]
pub fn parse_json_value(src: &str, limits: &Limits) -> Option<Value> {
    if src.len() > limits.max_bytes {
        return None;
    }
    let mut p = Parser { b: src.as_bytes(), src, i: 0, nodes: 0, limits };
    p.ws()?;
    if !matches!(p.peek(), Some(b'{' | b'[')) {
        // A bare scalar is a plain scalar in YAML, with its own rules.
        return None;
    }
    let v = p.value(0)?;
    p.ws()?;
    (p.i == p.b.len()).then_some(v)
}

struct Parser<'a> {
    b: &'a [u8],
    src: &'a str,
    i: usize,
    nodes: usize,
    limits: &'a Limits,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips spaces and newlines; `None` on a tab or carriage return (declined, not an error).
    fn ws(&mut self) -> Option<()> {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\n' => self.i += 1,
                b'\t' | b'\r' => return None,
                _ => break,
            }
        }
        Some(())
    }

    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= self.limits.max_nodes).then_some(())
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.count()?;
        match self.peek()? {
            b'{' => {
                if depth + 1 > self.limits.max_depth {
                    return None;
                }
                self.i += 1;
                let mut map = Map::new();
                self.ws()?;
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(Value::Hash(map));
                }
                loop {
                    self.ws()?;
                    if self.peek()? != b'"' {
                        return None;
                    }
                    self.count()?;
                    let at = self.i;
                    let key = self.string()?;
                    // libyaml takes a key as a simple key only within one line and 1024
                    // characters; beyond that the YAML reader decides.
                    if key == "<<" || self.i - at > 1000 {
                        return None;
                    }
                    while self.peek() == Some(b' ') {
                        self.i += 1;
                    }
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    self.ws()?;
                    let v = self.value(depth + 1)?;
                    // A Ruby Hash keeps a repeated key's first position and last value.
                    map.insert(key, v);
                    self.ws()?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Value::Hash(map));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth + 1 > self.limits.max_depth {
                    return None;
                }
                self.i += 1;
                let mut seq = Vec::new();
                self.ws()?;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(Value::Array(seq));
                }
                loop {
                    self.ws()?;
                    seq.push(self.value(depth + 1)?);
                    self.ws()?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Value::Array(seq));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(Value::String),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'n' => self.word("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Option<Value> {
        if self.b[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Some(v)
        } else {
            None
        }
    }

    /// A JSON number, resolved as the YAML reader resolves the same plain scalar.
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i > s
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else if !digits(self) {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        match scalar::tokenize(self.src[start..self.i].to_string()) {
            Ok(Token::Value(v)) => Some(v),
            _ => None,
        }
    }

    /// A JSON string (the cursor on its opening quote).
    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            // Copy the longest run of ordinary characters at once.
            let run = self.b[self.i..].iter().position(|&c| c == b'"' || c == b'\\' || !(0x20..0x7F).contains(&c))?;
            out.push_str(&self.src[self.i..self.i + run]);
            self.i += run;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.i += 1;
                    let c = match *self.b.get(self.i)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.src.get(self.i + 1..self.i + 5)?;
                            let code = u32::from_str_radix(hex, 16).ok()?;
                            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                                return None;
                            }
                            self.i += 4;
                            char::from_u32(code)? // surrogates: `None`, declined
                        }
                        _ => return None,
                    };
                    self.i += 1;
                    out.push(c);
                }
                c if c < 0x20 => return None,
                _ => {
                    // A multi-byte character: kept only if libyaml reads it as printable text.
                    let ch = self.src[self.i..].chars().next()?;
                    if !printable(ch) {
                        return None;
                    }
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// libyaml's `IS_PRINTABLE` for a non-ASCII character, less the ones it reads as line breaks
/// (NEL, LS, PS) and the BOM.
fn printable(c: char) -> bool {
    matches!(c, '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

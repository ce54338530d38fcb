//! JSON as RFC 8259 defines it, for bodies that say they are JSON (`Content-Type:
//! application/json`): read strictly, never as YAML 1.1.
//!
//! The YAML reader accepts every JSON text, but reads some of it as YAML 1.1 does, which is not
//! what a JSON client meant: `0755` is the octal 493 there, `no` is `false`, a trailing comma is
//! taken, `1e3` is the string `"1e3"`. Here `0755`, `no` and the trailing comma are errors with
//! their line and column, and `1e3` is the number 1000.0. Integers keep every digit (beyond 64
//! bits as [`Value::BigInt`], as Ruby's `JSON.parse` keeps an Integer); a repeated key keeps its
//! first position and its last value (a Ruby Hash's). The same [`Limits`] bound size, depth and
//! node count as for YAML.
//!
//! The result is a [`Node`] tree with positions, so that the estate loader's messages name the
//! line and column of a field in a JSON body as they do in a YAML file.

use crate::{Limits, Mark, Node, NodeKind, YamlError, YamlErrorKind};
use lamina_value::{Int, Map, Value};

/// Read `src` (named `file` in errors) as one JSON text.
///
/// # Errors
/// The first place `src` is not JSON, with its line and column; or a limit exceeded.
pub fn parse_json(src: &str, file: &str, limits: &Limits) -> Result<Node, YamlError> {
    if src.len() > limits.max_bytes {
        let msg = format!("the document is {} bytes, more than the limit of {}", src.len(), limits.max_bytes);
        return Err(YamlError::new(YamlErrorKind::Limit, file, 0, 0, msg));
    }
    let mut p = Reader {
        b: src.as_bytes(),
        src,
        i: 0,
        line: 1,
        line_start: 0,
        col_at: std::cell::Cell::new((0, 0)),
        nodes: 0,
        limits,
        file,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(node)
}

/// [`parse_json`]'s value, as [`Node::to_value`] gives it.
///
/// # Errors
/// As [`parse_json`].
pub fn parse_json_value_strict(src: &str, file: &str, limits: &Limits) -> Result<Value, YamlError> {
    parse_json(src, file, limits).map(into_value)
}

/// A node's value, its strings moved rather than copied (a facts upload is read on every run).
fn into_value(n: Node) -> Value {
    match n.kind {
        NodeKind::Scalar(v) => v,
        NodeKind::Seq(items) => Value::Array(items.into_iter().map(into_value).collect()),
        NodeKind::Map(pairs) => {
            let mut m = Map::with_capacity(pairs.len());
            for (k, v) in pairs {
                let key = match k.kind {
                    NodeKind::Scalar(Value::String(s)) => s,
                    other => crate::key_string(into_value(Node { kind: other, mark: k.mark })),
                };
                m.insert(key, into_value(v));
            }
            Value::Hash(m)
        }
    }
}

/// The character of a two-character JSON escape `\e` (`\"`, `\n`, ...); `None` for any
/// other `e` (`\u` included: it takes four hex digits).
#[must_use]
pub fn short_escape(e: u8) -> Option<char> {
    Some(match e {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

fn key_of(k: &Node) -> &str {
    match &k.kind {
        NodeKind::Scalar(Value::String(s)) => s,
        _ => "",
    }
}

/// A repeated key keeps its first position and its last value (a Ruby Hash's). Checked once
/// the object is read, with a hash set, so that an object of many keys costs no quadratic
/// search; the merge itself runs only when a key repeats.
fn dedupe(pairs: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    // Most objects are small (a facts upload's are): comparing each key with the ones before
    // costs less than hashing them.
    let unique = if pairs.len() <= 16 {
        pairs.iter().enumerate().all(|(i, (k, _))| pairs[..i].iter().all(|(p, _)| key_of(p) != key_of(k)))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(pairs.len());
        pairs.iter().all(|(k, _)| seen.insert(key_of(k)))
    };
    if unique {
        return pairs;
    }
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match first.get(key_of(&k)) {
            Some(&i) => out[i].1 = v,
            None => {
                first.insert(key_of(&k).to_string(), out.len());
                out.push((k, v));
            }
        }
    }
    out
}

struct Reader<'a> {
    b: &'a [u8],
    src: &'a str,
    i: usize,
    line: u32,
    line_start: usize,
    /// The last column worked out: `(byte offset, characters from its line's start)`. Marks
    /// are taken at increasing offsets, so each is counted from the last one, not from the
    /// line's start: a one-line body of a million values costs one pass, not a million.
    col_at: std::cell::Cell<(usize, usize)>,
    nodes: usize,
    limits: &'a Limits,
    file: &'a str,
}

impl Reader<'_> {
    fn mark(&self) -> Mark {
        // Columns count characters, as the YAML reader's do.
        let (at, col) = self.col_at.get();
        let (from, base) = if (self.line_start..=self.i).contains(&at) { (at, col) } else { (self.line_start, 0) };
        let col = base + self.src.get(from..self.i).map_or(0, |s| s.chars().count());
        self.col_at.set((self.i, col));
        Mark { line: self.line, col: u32::try_from(col + 1).unwrap_or(u32::MAX) }
    }

    fn err(&self, msg: impl Into<String>) -> YamlError {
        let m = self.mark();
        YamlError::new(YamlErrorKind::Syntax, self.file, m.line, m.col, msg)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Spaces, tabs, line feeds and carriage returns: RFC 8259's whitespace.
    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                _ => break,
            }
        }
    }

    fn count(&mut self) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            let msg = format!("the document has more than {} nodes", self.limits.max_nodes);
            return Err(YamlError::new(YamlErrorKind::Limit, self.file, self.line, 0, msg));
        }
        Ok(())
    }

    fn deeper(&self, depth: usize) -> Result<(), YamlError> {
        if depth + 1 > self.limits.max_depth {
            let m = self.mark();
            let msg = format!("the document nests deeper than {} levels", self.limits.max_depth);
            return Err(YamlError::new(YamlErrorKind::Limit, self.file, m.line, m.col, msg));
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, YamlError> {
        self.count()?;
        let mark = self.mark();
        let kind = match self.peek() {
            None => return Err(self.err("the JSON text ends where a value was expected")),
            Some(b'{') => {
                self.deeper(depth)?;
                self.i += 1;
                NodeKind::Map(self.members(depth)?)
            }
            Some(b'[') => {
                self.deeper(depth)?;
                self.i += 1;
                NodeKind::Seq(self.elements(depth)?)
            }
            Some(b'"') => NodeKind::Scalar(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => NodeKind::Scalar(self.number()?),
            Some(_) => NodeKind::Scalar(self.literal()?),
        };
        Ok(Node { kind, mark })
    }

    fn members(&mut self, depth: usize) -> Result<Vec<(Node, Node)>, YamlError> {
        let mut pairs: Vec<(Node, Node)> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(pairs);
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err(if self.peek() == Some(b'}') {
                    "a trailing comma before '}' (JSON has none)"
                } else {
                    "expected a double-quoted key"
                }));
            }
            self.count()?;
            let kmark = self.mark();
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':' after the key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            pairs.push((Node { kind: NodeKind::Scalar(Value::String(key)), mark: kmark }, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(dedupe(pairs));
                }
                _ => return Err(self.err("expected ',' or '}' after a value in an object")),
            }
        }
    }

    fn elements(&mut self, depth: usize) -> Result<Vec<Node>, YamlError> {
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(items);
        }
        loop {
            self.ws();
            if self.peek() == Some(b']') {
                return Err(self.err("a trailing comma before ']' (JSON has none)"));
            }
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(items);
                }
                _ => return Err(self.err("expected ',' or ']' after a value in an array")),
            }
        }
    }

    /// `true`, `false`, `null`; anything else is named, with a hint for YAML's spellings.
    fn literal(&mut self) -> Result<Value, YamlError> {
        let word_end = self.b[self.i..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.' || *c == b'~'))
            .map_or(self.b.len(), |n| self.i + n);
        let word = &self.src[self.i..word_end];
        let v = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "" => return Err(self.err(format!("unexpected character {:?}", self.src[self.i..].chars().next()))),
            w => {
                return Err(self.err(format!(
                    "`{w}` is not a JSON value (JSON has true, false and null; a string is double-quoted)"
                )));
            }
        };
        self.i = word_end;
        Ok(v)
    }

    /// RFC 8259's number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Value, YamlError> {
        let start = self.i;
        let digits = |r: &mut Self| {
            let s = r.i;
            while r.peek().is_some_and(|c| c.is_ascii_digit()) {
                r.i += 1;
            }
            r.i - s
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_at = self.i;
        let n = digits(self);
        if n == 0 {
            return Err(self.err("a number needs digits after '-'"));
        }
        if n > 1 && self.b[int_at] == b'0' {
            let text = &self.src[start..self.i];
            self.i = start;
            return Err(self.err(format!(
                "{text}: JSON numbers have no leading zeros (an octal mode such as 0755 is a string: \"0755\")"
            )));
        }
        let mut real = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            real = true;
            if digits(self) == 0 {
                return Err(self.err("a number needs digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            real = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("a number needs digits in its exponent"));
            }
        }
        let text = &self.src[start..self.i];
        if real {
            return match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                _ => Err(self.err(format!("{text} is beyond a 64-bit float"))),
            };
        }
        match Int::from_decimal(text) {
            Some(Int::Small(i)) => Ok(Value::Int(i)),
            Some(Int::Big(b)) => Ok(Value::BigInt(b)),
            None => Err(self.err(format!("{text} is not a number"))),
        }
    }

    /// A double-quoted string with RFC 8259's escapes (`\uXXXX`, surrogate pairs joined).
    fn string(&mut self) -> Result<String, YamlError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run = self.i;
            while self.peek().is_some_and(|c| c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            out.push_str(&self.src[run..self.i]);
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.peek() {
                        Some(b'u') => {
                            self.i += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        Some(e) => short_escape(e).ok_or_else(|| self.err("an unknown escape in a string"))?,
                        None => return Err(self.err("an unknown escape in a string")),
                    };
                    self.i += 1;
                    out.push(c);
                }
                None => return Err(self.err("a string that is never closed")),
                Some(b'\n') => return Err(self.err("a line break inside a string (write it as \\n)")),
                Some(_) => return Err(self.err("a control character inside a string (escape it as \\u00XX)")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, YamlError> {
        let h = self.src.get(self.i..self.i + 4).filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
        let Some(v) = h.and_then(|h| u32::from_str_radix(h, 16).ok()) else {
            return Err(self.err("\\u needs four hexadecimal digits"));
        };
        self.i += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, YamlError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.src.get(self.i..self.i + 2) != Some("\\u") {
                return Err(self.err("a high surrogate escape without its low surrogate"));
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.err("a high surrogate escape without its low surrogate"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.err("a lone surrogate escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Result<Value, String> {
        parse_json_value_strict(s, "body", &Limits::hiera()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_json_as_json() {
        assert_eq!(v(r#"{"a": 1e3}"#).unwrap(), Value::Hash(Map::from_iter([("a".into(), Value::Float(1000.0))])));
        assert_eq!(v("[-0, 1.5, true, null]").unwrap().to_ruby_s(), "[0,1.5,true,null]");
        assert_eq!(v(r#""\ud83d\ude00\u00e9\n""#).unwrap(), Value::String("😀é\n".into()));
        assert!(matches!(v("123456789012345678901234567890").unwrap(), Value::BigInt(_)));
        assert_eq!(v(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap().to_ruby_s(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn issue15_json_bodies_are_not_read_as_yaml() {
        let e = v("{\"value\": 0755}").unwrap_err();
        assert_eq!(
            e,
            "body:1:11: 0755: JSON numbers have no leading zeros (an octal mode such as 0755 is a string: \"0755\")"
        );
        let e = v("{\"value\":\n  no}").unwrap_err();
        assert!(e.starts_with("body:2:3: `no` is not a JSON value"), "{e}");
        assert_eq!(v("{\"a\": 1,}").unwrap_err(), "body:1:9: a trailing comma before '}' (JSON has none)");
        assert_eq!(v("[1, 2,]").unwrap_err(), "body:1:7: a trailing comma before ']' (JSON has none)");
        assert!(v("{'a': 1}").unwrap_err().contains("expected a double-quoted key"));
        assert!(v("{\"a\": 1} x").unwrap_err().contains("unexpected text after the JSON value"));
        assert!(v("\"\\ud800\"").unwrap_err().contains("surrogate"));
    }

    #[test]
    fn issue15_a_long_one_line_body_is_read_in_one_pass() {
        // A million values on one line, and an object of 100,000 keys: each was quadratic once
        // (columns counted from the line's start, repeated keys searched linearly), which made
        // this test run for minutes; the repeated key keeps its first place and last value.
        let big = format!("[{}0]", "0,".repeat(1_000_000));
        let lim = Limits { max_nodes: 2_000_000, max_bytes: 4 << 20, ..Limits::hiera() };
        assert!(matches!(parse_json_value_strict(&big, "b", &lim), Ok(Value::Array(a)) if a.len() == 1_000_001));
        let keys = (0..100_000).map(|i| format!("\"k{i}\": {i}")).collect::<Vec<_>>().join(",");
        let obj = format!("{{{keys}, \"k5\": -1}}");
        let Ok(Value::Hash(h)) = parse_json_value_strict(&obj, "b", &lim) else { panic!("object") };
        assert_eq!((h.len(), h.get_index_of("k5"), h.get("k5")), (100_000, Some(5), Some(&Value::Int(-1))));
        assert_eq!(
            v("[1,\n 2, x]").unwrap_err(),
            "body:2:5: `x` is not a JSON value (JSON has true, false and null; a string is double-quoted)"
        );
    }

    #[test]
    fn limits_hold() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(v(&deep).unwrap_err().contains("nests deeper than 64"));
        let lim = Limits { max_bytes: 4, ..Limits::hiera() };
        assert!(parse_json("[1, 2]", "b", &lim).is_err());
    }
}

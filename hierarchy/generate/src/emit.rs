//! Fast, allocation-light YAML text writing for the generator. Every string value is written
//! double-quoted (escaping `"`, `\` and control characters), so no YAML 1.1 reader can mistake
//! `"yes"`, `"0755"`, `"1:30"` or `"2024-06-01"` for anything but a string. Map keys are written
//! plain only when they are lower-case identifiers that no YAML version reads as non-strings.

use std::io::Write as _;

/// A typed value for smart class parameters and custom parameters, written in flow style.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    S(String),
    I(i64),
    /// A real, written with this many decimals (always with a dot, so YAML 1.1 reads a float).
    R(f64, u8),
    B(bool),
    A(Vec<V>),
    H(Vec<(String, V)>),
}

impl V {
    pub(crate) fn s(s: impl Into<String>) -> V {
        V::S(s.into())
    }

    /// The value as Foreman's API would take it in a string `value` field with a
    /// `parameter_type`: JSON for arrays and hashes, the plain text otherwise.
    pub(crate) fn to_text(&self) -> String {
        match self {
            V::S(s) => s.clone(),
            V::I(i) => i.to_string(),
            V::R(f, d) => format!("{:.*}", usize::from(*d), f),
            V::B(b) => b.to_string(),
            V::A(_) | V::H(_) => {
                let mut s = String::new();
                self.json(&mut s);
                s
            }
        }
    }

    fn json(&self, out: &mut String) {
        match self {
            V::S(s) => json_str(s, out),
            V::A(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.json(out);
                }
                out.push(']');
            }
            V::H(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    json_str(k, out);
                    out.push_str(": ");
                    v.json(out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_text()),
        }
    }
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A scalar for [`Out::kv_flow`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum F<'a> {
    S(&'a str),
    I(i64),
    B(bool),
    /// A real with two decimals.
    R(f64),
    /// A list of strings.
    L(&'a [&'a str]),
}

/// Words that YAML 1.1 or 1.2 read as booleans or null when plain.
const RESERVED_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

fn plain_key(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && !RESERVED_WORDS.contains(&k)
}

/// A YAML document being written into memory.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) b: Vec<u8>,
}

impl Out {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Out { b: Vec::with_capacity(n) }
    }

    #[inline]
    pub(crate) fn raw(&mut self, s: &str) {
        self.b.extend_from_slice(s.as_bytes());
    }

    #[inline]
    pub(crate) fn nl(&mut self) {
        self.b.push(b'\n');
    }

    #[inline]
    pub(crate) fn indent(&mut self, n: usize) {
        for _ in 0..n {
            self.b.extend_from_slice(b"  ");
        }
    }

    /// A map key: plain when safe, else double-quoted.
    pub(crate) fn key_text(&mut self, k: &str) {
        if plain_key(k) {
            self.raw(k);
        } else {
            self.qstr(k);
        }
    }

    /// `<indent>key:` (no newline).
    #[inline]
    pub(crate) fn key(&mut self, ind: usize, k: &str) {
        self.indent(ind);
        self.key_text(k);
        self.b.push(b':');
    }

    /// A double-quoted scalar.
    pub(crate) fn qstr(&mut self, s: &str) {
        self.b.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let esc: Option<&[u8]> = match c {
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'\n' => Some(b"\\n"),
                b'\t' => Some(b"\\t"),
                b'\r' => Some(b"\\r"),
                0 => Some(b"\\0"),
                c if c < 0x20 || c == 0x7f => None,
                _ => continue,
            };
            self.b.extend_from_slice(&bytes[start..i]);
            match esc {
                Some(e) => self.b.extend_from_slice(e),
                None => {
                    let _ = write!(self.b, "\\x{c:02X}");
                }
            }
            start = i + 1;
        }
        // Non-ASCII text is passed through as UTF-8, except the characters YAML treats as line
        // breaks or byte-order marks, which are escaped.
        let rest = &s[start..];
        if rest.chars().any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}')) {
            for c in rest.chars() {
                if matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}') {
                    let _ = write!(self.b, "\\u{:04X}", c as u32);
                } else {
                    let mut buf = [0u8; 4];
                    self.b.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        } else {
            self.b.extend_from_slice(rest.as_bytes());
        }
        self.b.push(b'"');
    }

    pub(crate) fn int(&mut self, v: i64) {
        let mut buf = [0u8; 20];
        let mut n = v.unsigned_abs();
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            self.b.push(b'-');
        }
        self.b.extend_from_slice(&buf[i..]);
    }

    pub(crate) fn real(&mut self, v: f64, decimals: u8) {
        let _ = write!(self.b, "{:.*}", usize::from(decimals.max(1)), v);
    }

    pub(crate) fn boolean(&mut self, v: bool) {
        self.raw(if v { "true" } else { "false" });
    }

    /// `<indent>key: "value"\n`
    pub(crate) fn kv_s(&mut self, ind: usize, k: &str, v: &str) {
        self.key(ind, k);
        self.b.push(b' ');
        self.qstr(v);
        self.nl();
    }

    pub(crate) fn kv_i(&mut self, ind: usize, k: &str, v: i64) {
        self.key(ind, k);
        self.b.push(b' ');
        self.int(v);
        self.nl();
    }

    pub(crate) fn kv_b(&mut self, ind: usize, k: &str, v: bool) {
        self.key(ind, k);
        self.b.push(b' ');
        self.boolean(v);
        self.nl();
    }

    /// `<indent>key:\n` — a block collection follows.
    pub(crate) fn open(&mut self, ind: usize, k: &str) {
        self.key(ind, k);
        self.nl();
    }

    /// `<indent>key: ["a", "b"]\n`
    pub(crate) fn kv_strs<S: AsRef<str>>(&mut self, ind: usize, k: &str, items: &[S]) {
        self.key(ind, k);
        self.raw(" [");
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.raw(", ");
            }
            self.qstr(s.as_ref());
        }
        self.raw("]\n");
    }

    /// `<indent>key: {a: 1, b: "x"}\n` — a small leaf map in flow style.
    pub(crate) fn kv_flow(&mut self, ind: usize, k: &str, items: &[(&str, F<'_>)]) {
        self.key(ind, k);
        self.raw(" {");
        for (i, (name, v)) in items.iter().enumerate() {
            if i > 0 {
                self.raw(", ");
            }
            self.key_text(name);
            self.raw(": ");
            match *v {
                F::S(s) => self.qstr(s),
                F::I(n) => self.int(n),
                F::B(b) => self.boolean(b),
                F::R(r) => self.real(r, 2),
                F::L(items) => {
                    self.b.push(b'[');
                    for (j, s) in items.iter().enumerate() {
                        if j > 0 {
                            self.raw(", ");
                        }
                        self.qstr(s);
                    }
                    self.b.push(b']');
                }
            }
        }
        self.raw("}\n");
    }

    /// `<indent>key: <flow value>\n`
    pub(crate) fn kv_v(&mut self, ind: usize, k: &str, v: &V) {
        self.key(ind, k);
        self.b.push(b' ');
        self.value(v);
        self.nl();
    }

    /// A value in flow style.
    pub(crate) fn value(&mut self, v: &V) {
        match v {
            V::S(s) => self.qstr(s),
            V::I(i) => self.int(*i),
            V::R(f, d) => self.real(*f, *d),
            V::B(b) => self.boolean(*b),
            V::A(items) => {
                self.b.push(b'[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.raw(", ");
                    }
                    self.value(x);
                }
                self.b.push(b']');
            }
            V::H(pairs) => {
                self.b.push(b'{');
                for (i, (k, x)) in pairs.iter().enumerate() {
                    if i > 0 {
                        self.raw(", ");
                    }
                    self.key_text(k);
                    self.raw(": ");
                    self.value(x);
                }
                self.b.push(b'}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Out, V};

    fn text(f: impl FnOnce(&mut Out)) -> String {
        let mut o = Out::default();
        f(&mut o);
        String::from_utf8(o.b).unwrap()
    }

    #[test]
    fn quoting_and_escaping() {
        assert_eq!(text(|o| o.qstr("yes")), "\"yes\"");
        assert_eq!(text(|o| o.qstr("a\"b\\c\nd\u{1}")), "\"a\\\"b\\\\c\\nd\\x01\"");
        assert_eq!(text(|o| o.qstr("x\u{2028}é")), "\"x\\u2028é\"");
        assert_eq!(text(|o| o.key_text("on")), "\"on\"");
        assert_eq!(text(|o| o.key_text("/boot")), "\"/boot\"");
        assert_eq!(text(|o| o.key_text("total_bytes")), "total_bytes");
        assert_eq!(text(|o| o.int(-1234567)), "-1234567");
        assert_eq!(text(|o| o.int(0)), "0");
        assert_eq!(text(|o| o.real(1.0, 2)), "1.00");
        let v = V::H(vec![("a b".into(), V::A(vec![V::I(1), V::s("x"), V::B(false)])), ("k".into(), V::H(vec![]))]);
        assert_eq!(text(|o| o.value(&v)), "{\"a b\": [1, \"x\", false], k: {}}");
        assert_eq!(v.to_text(), "{\"a b\": [1, \"x\", false], \"k\": {}}");
    }
}

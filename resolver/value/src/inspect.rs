//! Ruby's `inspect` of data, as Ruby 3.0 to 3.3 write it: `{"a"=>1, "b"=>[nil, true]}`
//! (`to_s` of arrays and hashes, which Hiera interpolation and ERB output print).

use crate::{Data, Key, ruby_float};
use std::fmt::Write as _;

/// Ruby's `inspect`: `{"a"=>1, "b"=>[nil, true]}`.
#[must_use]
pub fn ruby_inspect(v: &Data) -> String {
    let mut out = String::new();
    inspect_into(&mut out, v);
    out
}

fn inspect_into(out: &mut String, v: &Data) {
    match v {
        Data::Null => out.push_str("nil"),
        Data::BigInt(b) => out.push_str(b.as_str()),
        Data::String(s) => inspect_str(out, s),
        Data::Symbol(s) => {
            out.push(':');
            out.push_str(s);
        }
        Data::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inspect_into(out, x);
            }
            out.push(']');
        }
        Data::Hash(h) => {
            out.push('{');
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match k {
                    Key::Str(k) => inspect_str(out, k),
                    Key::Nil => out.push_str("nil"),
                    other => out.push_str(&other.to_s()),
                }
                out.push_str("=>");
                inspect_into(out, x);
            }
            out.push('}');
        }
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(i) => out.push_str(&i.to_string()),
        Data::Float(f) => out.push_str(&ruby_float(*f)),
    }
}

/// A string as Ruby's `String#inspect` writes it (UTF-8): `\"`, `\\`, the named escapes, `\#`
/// before `{`, `$` or `@`, other control characters as `\uXXXX`.
pub fn inspect_str(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '#' if matches!(chars.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_as_ruby() {
        // Checked with Ruby 3.1 and 3.3: p "\x01a\x7f\e\a\b\v\f"
        let mut out = String::new();
        inspect_str(&mut out, "\u{1}a\u{7f}\u{1b}\u{7}\u{8}\u{b}\u{c}");
        assert_eq!(out, r#""\u0001a\u007F\e\a\b\v\f""#);
        let h = Data::Hash(
            [(Key::from("a"), Data::Array(vec![Data::Int(1), Data::Null, Data::from("#{x}")]))].into_iter().collect(),
        );
        assert_eq!(ruby_inspect(&h), r#"{"a"=>[1, nil, "\#{x}"]}"#);
    }
}

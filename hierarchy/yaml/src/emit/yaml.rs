//! The YAML 1.1-safe block emitter.

use super::{Emit, EmitKey, Shape};
use lamina_value::ruby_float;
use std::borrow::Cow;

/// How a string is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// As is.
    Plain,
    /// `'…'` with `'` doubled: for strings a YAML 1.1 reader would resolve to something else
    /// (`'no'`, `'0755'`, `''`) or that start with an indicator (`'- a'`, `'#c'`).
    Single,
    /// `"…"` with escapes: control characters, tabs, Unicode line separators and BOMs, and
    /// multi-line strings that cannot be a literal block.
    Double,
    /// `|`, `|-` or `|+` literal block (multi-line strings; values only).
    Literal,
}

/// Longest emitted key written as a simple `key:`. libyaml refuses simple keys longer than
/// 1024 characters; longer ones are written as explicit `? key` / `: value` pairs.
const MAX_SIMPLE_KEY: usize = 1000;

/// First bytes that make a plain scalar unsafe or possibly non-string in YAML 1.1:
/// the indicators ``- ? : , [ ] { } # & * ! | > ' " % @ ` ``, `~` (null), `<` (`<<` merge key),
/// `=` (value key), `+ - .` and digits (numbers, `.inf`, dates, times, sexagesimals,
/// `1,000`), whitespace. Conservative: `10.0.0.1` is quoted too.
const RISKY_FIRST: [bool; 256] = {
    let mut t = [false; 256];
    let risky = b"-?:,[]{}#&*!|>'\"%@`~<=+. \t0123456789";
    let mut i = 0;
    while i < risky.len() {
        t[risky[i] as usize] = true;
        i += 1;
    }
    t
};

/// Bytes the classifier has to look at more closely (everything else is plain-safe anywhere
/// after the first byte): C0 controls, `#`, `:`, DEL, and every non-ASCII byte.
const ATTENTION: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'#' as usize || i == b':' as usize || i >= 0x7f;
        i += 1;
    }
    t
};

/// What the byte scan found.
#[derive(Default)]
struct Scan {
    quote: bool,
    newline: bool,
    tab: bool,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// True if any of the 8 bytes of `x` may be an [`ATTENTION`] byte (exact for "none").
#[inline]
fn chunk_needs_attention(x: u64) -> bool {
    let has_zero = |y: u64| y.wrapping_sub(LO) & !y & HI;
    let below_space = x.wrapping_sub(LO * 0x20) & !x & HI;
    (below_space
        | (x & HI)
        | has_zero(x ^ (LO * 0x7f))
        | has_zero(x ^ (LO * u64::from(b':')))
        | has_zero(x ^ (LO * u64::from(b'#'))))
        != 0
}

/// Look at byte `i`; false if the string must be double-quoted.
#[inline]
fn scan_byte(b: &[u8], i: usize, scan: &mut Scan) -> bool {
    let c = b[i];
    if !ATTENTION[c as usize] {
        return true;
    }
    match c {
        b'\n' => scan.newline = true,
        b'\t' => scan.tab = true,
        // `: ` ends a plain key; ` #` starts a comment.
        b':' => scan.quote |= b.get(i + 1) == Some(&b' '),
        b'#' => scan.quote |= i > 0 && b[i - 1] == b' ',
        0x80.. => return !needs_escape_at(b, i),
        // Other C0 controls and DEL.
        _ => return false,
    }
    true
}

/// Decide how to write `s`. One pass over the bytes (8 at a time where nothing is special);
/// conservative: when in doubt, quote.
pub(crate) fn classify(s: &str) -> Style {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return Style::Single; // '' (an empty plain scalar is null)
    };
    let mut scan = Scan { quote: RISKY_FIRST[first as usize] || last == b' ' || last == b':', ..Scan::default() };
    let mut i = 0;
    for chunk in b.chunks_exact(8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if chunk_needs_attention(x) {
            for j in i..i + 8 {
                if !scan_byte(b, j, &mut scan) {
                    return Style::Double;
                }
            }
        }
        i += 8;
    }
    for j in i..b.len() {
        if !scan_byte(b, j, &mut scan) {
            return Style::Double;
        }
    }
    if scan.newline {
        // A literal block cannot keep a leading space, tab or empty line without an
        // indentation indicator; those rare strings are double-quoted instead.
        return if matches!(first, b' ' | b'\t' | b'\n') { Style::Double } else { Style::Literal };
    }
    if scan.tab {
        return Style::Double;
    }
    if scan.quote || is_keyword(b) { Style::Single } else { Style::Plain }
}

/// YAML 1.1 booleans and nulls that start with a letter, any case (Psych: `/^(yes|true|on)$/i`,
/// `/^(no|false|off)$/i`, `/^null$/i`), plus the spec's `y`/`n` which Psych itself quotes.
fn is_keyword(b: &[u8]) -> bool {
    const WORDS: [&[u8]; 9] = [b"y", b"n", b"yes", b"no", b"true", b"false", b"on", b"off", b"null"];
    if b.len() > 5 || !matches!(b[0] | 0x20, b'y' | b'n' | b't' | b'f' | b'o') {
        return false;
    }
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(b))
}

/// Non-ASCII characters that must be escaped at byte `i` (a UTF-8 lead byte): C1 controls
/// (U+0080–U+009F, including NEL, a YAML 1.1 line break), U+2028/U+2029 (line/paragraph
/// separators, line breaks in YAML 1.1), U+FEFF (BOM) and U+FFFE/U+FFFF (not printable for
/// libyaml's reader). Everything else is written as UTF-8.
fn needs_escape_at(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        0xC2 => (0x80..=0x9F).contains(&at(1)),
        0xE2 => at(1) == 0x80 && matches!(at(2), 0xA8 | 0xA9),
        0xEF => (at(1) == 0xBB && at(2) == 0xBF) || (at(1) == 0xBF && matches!(at(2), 0xBE | 0xBF)),
        _ => false,
    }
}

const SPACES: &str = "                                                                ";

fn write_indent(out: &mut String, mut n: usize) {
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

fn write_single(s: &str, out: &mut String) {
    out.push('\'');
    let mut rest = s;
    while let Some(p) = rest.find('\'') {
        out.push_str(&rest[..=p]);
        out.push('\'');
        rest = &rest[p + 1..];
    }
    out.push_str(rest);
    out.push('\'');
}

fn write_double(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: &str = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            '\0' => "\\0",
            '\u{7}' => "\\a",
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{b}' => "\\v",
            '\u{c}' => "\\f",
            '\r' => "\\r",
            '\u{1b}' => "\\e",
            '\u{85}' => "\\N",
            '\u{2028}' => "\\L",
            '\u{2029}' => "\\P",
            c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) => {
                out.push_str(&s[start..i]);
                let v = c as u32 as usize;
                out.push_str("\\x");
                out.push(HEX[v >> 4] as char);
                out.push(HEX[v & 15] as char);
                start = i + c.len_utf8();
                continue;
            }
            '\u{feff}' => "\\uFEFF",
            '\u{fffe}' => "\\uFFFE",
            '\u{ffff}' => "\\uFFFF",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(esc);
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A literal block for a multi-line string (classified [`Style::Literal`]: no character that
/// needs escaping, first byte not a space, tab or newline). `content_indent` is the column of
/// the block's lines. Ends with a newline.
fn write_literal(s: &str, content_indent: usize, out: &mut String) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-\n",
        1 => "|\n",
        _ => "|+\n",
    });
    for line in body.split('\n') {
        if !line.is_empty() {
            write_indent(out, content_indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// A string in value position (after `key: `, `- ` or `--- `), with its line end.
fn write_str_value(s: &str, content_indent: usize, out: &mut String) {
    match classify(s) {
        Style::Plain => out.push_str(s),
        Style::Single => write_single(s, out),
        Style::Double => write_double(s, out),
        Style::Literal => return write_literal(s, content_indent, out),
    }
    out.push('\n');
}

fn write_key(k: &str, out: &mut String) {
    match classify(k) {
        Style::Plain => out.push_str(k),
        // Psych merges a quoted `'<<'` key whose value is a mapping; only an explicit str tag
        // keeps it a plain key (Psych writes it the same way).
        Style::Single if k == "<<" => out.push_str("!!str '<<'"),
        Style::Single => write_single(k, out),
        Style::Double | Style::Literal => write_double(k, out),
    }
}

fn write_int(i: i64, out: &mut String) {
    let mut buf = [0u8; 21];
    let mut pos = buf.len();
    let mut n = i.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    out.push_str(std::str::from_utf8(&buf[pos..]).unwrap_or_default());
}

/// Floats as Ruby writes them (`1.0`, `-0.0`, `1.0e+20`, `1.5e-05`): always with a dot and a
/// signed exponent, the only spellings Psych's float pattern accepts; `.inf`, `-.inf`, `.nan`.
fn write_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str(".nan");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
    } else {
        out.push_str(&ruby_float(f));
    }
}

enum Frame<'a, V: Emit> {
    Seq { items: std::slice::Iter<'a, V>, indent: usize },
    Map { entries: indexmap::map::Iter<'a, V::Key, V>, indent: usize },
}

/// Where a value goes: `indent` is the column of the key or dash before it; `after_dash` for
/// `- ` and explicit `: ` positions, where a nested collection starts on the same line.
fn write_node<'a, V: Emit>(
    v: &'a V,
    indent: usize,
    after_dash: bool,
    out: &mut String,
    stack: &mut Vec<Frame<'a, V>>,
    inline: &mut bool,
) {
    match v.shape() {
        Shape::Null => out.push('\n'),
        Shape::Bool(b) => out.push_str(if b { " true\n" } else { " false\n" }),
        Shape::Int(i) => {
            out.push(' ');
            write_int(i, out);
            out.push('\n');
        }
        // A Ruby Bignum (Hiera data): Psych writes its digits.
        Shape::BigInt(digits) => {
            out.push(' ');
            out.push_str(digits);
            out.push('\n');
        }
        Shape::Float(f) => {
            out.push(' ');
            write_float(f, out);
            out.push('\n');
        }
        Shape::Str(s) => {
            out.push(' ');
            write_str_value(s, indent + 2, out);
        }
        Shape::Array([]) => out.push_str(" []\n"),
        Shape::Hash(h) if h.is_empty() => out.push_str(" {}\n"),
        Shape::Array(a) => {
            if after_dash {
                out.push(' ');
                *inline = true;
                stack.push(Frame::Seq { items: a.iter(), indent: indent + 2 });
            } else {
                // Psych/libyaml: a sequence under a key is not indented.
                out.push('\n');
                stack.push(Frame::Seq { items: a.iter(), indent });
            }
        }
        Shape::Hash(h) => {
            if after_dash {
                out.push(' ');
                *inline = true;
            } else {
                out.push('\n');
            }
            stack.push(Frame::Map { entries: h.iter(), indent: indent + 2 });
        }
    }
}

enum Item<'a, V> {
    Elem(&'a V, usize),
    Entry(Cow<'a, str>, &'a V, usize),
}

pub(crate) fn write_document<V: Emit>(doc: &V, out: &mut String) {
    out.push_str("---");
    let mut stack: Vec<Frame<'_, V>> = Vec::new();
    let mut inline = false;
    match doc.shape() {
        Shape::Array(a) if !a.is_empty() => {
            out.push('\n');
            stack.push(Frame::Seq { items: a.iter(), indent: 0 });
        }
        Shape::Hash(h) if !h.is_empty() => {
            out.push('\n');
            stack.push(Frame::Map { entries: h.iter(), indent: 0 });
        }
        _ => write_node(doc, 0, false, out, &mut stack, &mut inline),
    }
    while let Some(frame) = stack.last_mut() {
        let item = match frame {
            Frame::Seq { items, indent } => items.next().map(|v| Item::Elem(v, *indent)),
            Frame::Map { entries, indent } => entries.next().map(|(k, v)| Item::Entry(k.text(), v, *indent)),
        };
        let Some(item) = item else {
            stack.pop();
            continue;
        };
        let indent = match item {
            Item::Elem(_, i) | Item::Entry(_, _, i) => i,
        };
        if !std::mem::take(&mut inline) {
            write_indent(out, indent);
        }
        match item {
            Item::Elem(v, _) => {
                out.push('-');
                write_node(v, indent, true, out, &mut stack, &mut inline);
            }
            Item::Entry(k, v, _) => {
                let start = out.len();
                write_key(&k, out);
                if out.len() - start > MAX_SIMPLE_KEY {
                    out.insert_str(start, "? ");
                    out.push('\n');
                    write_indent(out, indent);
                    out.push(':');
                    write_node(v, indent, true, out, &mut stack, &mut inline);
                } else {
                    out.push(':');
                    write_node(v, indent, false, out, &mut stack, &mut inline);
                }
            }
        }
    }
}

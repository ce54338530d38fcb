//! `json_data` files read exactly as Puppet 7 reads them.
//!
//! Puppet's `json_data` (`functions/json_data.rb`) calls `Puppet::Util::Json.load(content)` on the
//! file read as UTF-8 (no BOM stripping). MultiJson is not installed with Puppet 7, so that is
//! `::JSON.parse(content, {})`: the json gem 2.6.1 (Ruby 3.1) C extension, defaults
//! `max_nesting: 100`, `allow_nan: false`, no `create_additions`. A `JSON::ParserError` (and its
//! subclass `JSON::NestingError`) becomes `Unable to parse (<path>): <message>`.
//!
//! This is a hand-written recursive descent that follows the gem's Ragel machines
//! (`ext/json/ext/parser/parser.rl` of flori/json: `JSON_value`, `JSON_object`, `JSON_array`,
//! `JSON_string`, `JSON_float`, `JSON_integer`, `json_string_unescape`) closely enough to stop where
//! they stop, because the message quotes the rest of the input from there. The installed gem
//! (Ruby 3.1's json 2.6.1) is the ground truth: the numbers are the `__LINE__`s of its generated
//! `parser.c`, and every rule below was derived from or checked against it (`json_tests.rs`
//! records its answers; `tests/json_ruby.rs` compares with it live on thousands of texts):
//!
//! * `859: unexpected token at '<rest>'` — the top-level machine (`cParser_parse`) failed: at the
//!   first byte that is neither `ignore` nor a value start, at the start of a value that failed
//!   without raising (an object, string, literal or number: those sub-machines return `NULL`, so an
//!   error anywhere inside a top-level object quotes the whole object), or at whatever follows the value.
//! * `451: unexpected token at '<rest>'` — an array machine failed; arrays raise themselves, at the
//!   byte they could not take, or at the start of an element that failed without raising.
//! * `225`/`232`/`249` — `NaN`, `Infinity`, `-Infinity` (refused without `allow_nan`); the quote
//!   starts at `NaN`, one byte *before* `Infinity` (the gem's `p - 8` on an 8-byte word; at offset 0
//!   it reads outside the string, which in practice is a NUL: `''`), and at `-Infinity`.
//! * `521: incomplete surrogate pair at '<rest>'` — a `\uD800`–`\uDBFF` escape with fewer than six
//!   bytes before the closing quote; the quote starts where the unescaper's pending literal run began.
//! * `nesting of 101 is too deep` — the 101st open array/object (checked on entry, so depth is bounded).
//! * `<rest>` runs to the end of the input or the first NUL byte (it is printed with C's `%s`).
//! * `ignore` is `[ \t\r\n]`, `/* ... */` and `// ...\n` (a `//` comment needs its newline).
//! * Numbers: `-?(0|[1-9][0-9]*)` then `.[0-9]+` and/or `[eE][+-]?[0-9]+` make a Float (`strtod`,
//!   correctly rounded, overflow to ±Infinity) unless followed by one of `[0-9Ee.-]`; otherwise the
//!   integer prefix is taken (an exact Integer, a bignum beyond i64) unless a digit follows it.
//!   So `1.` stops before `.`, `01` fails, `-0` is the Integer 0, `-0.0` the Float -0.0.
//! * Strings: raw bytes below 0x20 refuse; `\` + any byte ≥ 0x20 other than `u` is accepted and an
//!   unknown escape drops the backslash (`\q` is `q`); `\u` needs four hex digits. A high surrogate
//!   escape followed by `\u` combines with it whatever it is; followed by anything else it becomes
//!   `?` and the next byte is swallowed. Duplicate keys keep the first position and the last value.
//!
//! Not reproduced: Ruby strings may hold invalid UTF-8 (raw bytes in the file, or a lone
//! `\uDC00`–`\uDFFF` escape, which the gem encodes as three bytes); `Data::String` cannot, so
//! such bytes become U+FFFD here (Puppet itself then fails rendering the value:
//! `source sequence is illegal/malformed utf-8`). Messages quoting such bytes are likewise lossy.

use lamina_hiera::HieraError;
use lamina_value::{Data, DataMap, Int, Key};

/// The gem's default `max_nesting`.
const MAX_NESTING: usize = 100;

/// `JSON.parse(text)` as json 2.6.1 does it.
///
/// # Errors
/// The gem's `JSON::ParserError`/`JSON::NestingError` message, e.g. `859: unexpected token at '{,}'`.
pub fn parse(text: &str) -> Result<Data, HieraError> {
    parse_bytes(text.as_bytes())
}

/// [`parse`] over the raw bytes of a file (the gem does not check UTF-8).
///
/// # Errors
/// As [`parse`].
pub fn parse_bytes(src: &[u8]) -> Result<Data, HieraError> {
    Parser { s: src, nesting: 0 }.document().map_err(HieraError::plain)
}

/// Why a sub-machine stopped: `Fail` is its `NULL` return (the caller decides what to report),
/// `Raise` an exception that ends the parse.
enum Stop {
    Fail,
    Raise(String),
}

type Step<T> = Result<T, Stop>;

struct Parser<'a> {
    s: &'a [u8],
    nesting: usize,
}

/// `"{line}: {what} at '{rest}'"`, `rest` from `at` (`None`: before the input) to the end or a NUL.
fn message(s: &[u8], line: u32, what: &str, at: Option<usize>) -> String {
    let rest = at.map_or(&[][..], |i| &s[i.min(s.len())..]);
    let rest = rest.iter().position(|&b| b == 0).map_or(rest, |n| &rest[..n]);
    format!("{line}: {what} at '{}'", String::from_utf8_lossy(rest))
}

fn unexpected(s: &[u8], line: u32, at: usize) -> String {
    message(s, line, "unexpected token", Some(at))
}

/// `begin_value` in parser.rl: `[nft"\-\[\{NI] | digit`.
fn begins_value(b: Option<u8>) -> bool {
    matches!(b, Some(b'n' | b'f' | b't' | b'"' | b'-' | b'[' | b'{' | b'N' | b'I' | b'0'..=b'9'))
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|k| from + k)
}

impl Parser<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    /// `ignore*` from `i`: `Ok` where it ends, `Err` where a comment broke (the byte after a lone
    /// `/`, or the end of the input for an unterminated comment).
    fn ignore(&self, mut i: usize) -> Result<usize, usize> {
        loop {
            match self.at(i) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
                Some(b'/') => match self.at(i + 1) {
                    Some(b'*') => i = find(self.s, i + 2, b"*/").ok_or(self.s.len())? + 2,
                    Some(b'/') => i = find(self.s, i + 2, b"\n").ok_or(self.s.len())? + 1,
                    _ => return Err(i + 1),
                },
                _ => return Ok(i),
            }
        }
    }

    /// The `JSON` machine: `ignore* begin_value ignore*`, then the end of the input.
    fn document(&mut self) -> Result<Data, String> {
        let s = self.s;
        let top = |at| unexpected(s, 859, at);
        let i = self.ignore(0).map_err(top)?;
        if !begins_value(self.at(i)) {
            return Err(top(i));
        }
        let (v, i) = match self.value(i) {
            Ok(x) => x,
            Err(Stop::Fail) => return Err(top(i)),
            Err(Stop::Raise(m)) => return Err(m),
        };
        match self.ignore(i) {
            Ok(j) if j == s.len() => Ok(v),
            Ok(j) | Err(j) => Err(top(j)),
        }
    }

    /// The `JSON_value` machine at a `begin_value` byte: the value and where it ends.
    fn value(&mut self, i: usize) -> Step<(Data, usize)> {
        let rest = &self.s[i..];
        let word = |w: &[u8], v: Data| if rest.starts_with(w) { Ok((v, i + w.len())) } else { Err(Stop::Fail) };
        match rest[0] {
            b'n' => word(b"null", Data::Null),
            b't' => word(b"true", Data::Bool(true)),
            b'f' => word(b"false", Data::Bool(false)),
            // `parse_nan`/`parse_infinity` raise on the word's last byte, quoting from `p - 2` and `p - 8`.
            b'N' if rest.starts_with(b"NaN") => Err(Stop::Raise(unexpected(self.s, 225, i))),
            b'I' if rest.starts_with(b"Infinity") => {
                Err(Stop::Raise(message(self.s, 232, "unexpected token", i.checked_sub(1))))
            }
            b'N' | b'I' => Err(Stop::Fail),
            b'"' => self.string(i).map(|(s, end)| (Data::String(s), end)),
            b'[' => self.nested(|p| p.array(i)),
            b'{' => self.nested(|p| p.object(i)),
            _ => self.number(i),
        }
    }

    /// `current_nesting` goes up before an array or object machine starts, which refuses > 100.
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Step<(Data, usize)>) -> Step<(Data, usize)> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(Stop::Raise(format!("nesting of {} is too deep", self.nesting)));
        }
        let r = f(self);
        self.nesting -= 1;
        r
    }

    /// `parse_number`: `-Infinity` (9 bytes available), else `JSON_float`, else `JSON_integer`.
    fn number(&self, i: usize) -> Step<(Data, usize)> {
        if self.s[i..].starts_with(b"-Infinity") {
            return Err(Stop::Raise(unexpected(self.s, 249, i)));
        }
        let digits = |mut j: usize| {
            while self.at(j).is_some_and(|b| b.is_ascii_digit()) {
                j += 1;
            }
            j
        };
        // '-'? ('0' | [1-9][0-9]*)
        let mut j = i + usize::from(self.at(i) == Some(b'-'));
        j = match self.at(j) {
            Some(b'0') => j + 1,
            Some(b'1'..=b'9') => digits(j + 1),
            _ => return Err(Stop::Fail),
        };
        let int_end = j;
        // Float: ('.' [0-9]+ exponent?) | exponent, where exponent = [Ee] [+\-]? [0-9]+; the
        // machine then refuses a following [0-9Ee.\-].
        let exponent = |j: usize| -> Option<usize> {
            let j = j + 1 + usize::from(matches!(self.at(j + 1), Some(b'+' | b'-')));
            let end = digits(j);
            (end > j).then_some(end)
        };
        let float_end = match self.at(j) {
            Some(b'.') => {
                let end = digits(j + 1);
                if end == j + 1 {
                    None
                } else if matches!(self.at(end), Some(b'e' | b'E')) {
                    exponent(end)
                } else {
                    Some(end)
                }
            }
            Some(b'e' | b'E') => exponent(j),
            _ => None,
        };
        let text = |end: usize| std::str::from_utf8(&self.s[i..end]).unwrap_or_default();
        if let Some(end) = float_end.filter(|&e| !matches!(self.at(e), Some(b'0'..=b'9' | b'e' | b'E' | b'.' | b'-'))) {
            // rb_cstr_to_dbl: correctly rounded like Rust's parser; out of range is ±Infinity/±0.0.
            return Ok((Data::Float(text(end).parse().unwrap_or(f64::NAN)), end));
        }
        if self.at(int_end).is_some_and(|b| b.is_ascii_digit()) {
            return Err(Stop::Fail); // `01`, `-00`
        }
        let t = text(int_end);
        let v = t.parse::<i64>().map_or_else(|_| Int::from_decimal(t).map_or(Data::Null, Data::from), Data::Int);
        Ok((v, int_end))
    }

    /// The `JSON_string` machine at `"`, then `json_string_unescape`.
    fn string(&self, i: usize) -> Step<(String, usize)> {
        let mut j = i + 1;
        loop {
            match self.at(j) {
                None => return Err(Stop::Fail),
                Some(b'"') => break,
                Some(b'\\') => match self.at(j + 1) {
                    Some(b'u') => {
                        let hex = self.s.get(j + 2..j + 6).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
                        if hex.is_none() {
                            return Err(Stop::Fail);
                        }
                        j += 6;
                    }
                    Some(0x20..) => j += 2,
                    _ => return Err(Stop::Fail),
                },
                Some(0..0x20) => return Err(Stop::Fail),
                Some(_) => j += 1,
            }
        }
        let bytes = self.unescape(i + 1, j)?;
        let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok((text, j + 1))
    }

    /// `json_string_unescape` over `s[start..end]` (already accepted by the string machine), with
    /// its pointer arithmetic: after a swallowed byte the scan can be out of step with the
    /// machine's escapes, read a `\u` off literal text (non-hex digits give U+FFFD) and even
    /// take the closing quote as an escaped byte (`"\ud800\\\\\\"` is `?\\"`).
    fn unescape(&self, start: usize, end: usize) -> Step<Vec<u8>> {
        let s = self.s;
        // `unescape_unicode`: four hex digits, else U+FFFD.
        let hex = |k: usize| {
            s.get(k..k + 4)
                .and_then(|h| h.iter().try_fold(0u32, |acc, &b| Some((acc << 4) | char::from(b).to_digit(16)?)))
                .unwrap_or(0xFFFD)
        };
        let mut out = Vec::with_capacity(end - start);
        // `p`: start of the pending literal run; `pe`: the scan position.
        let (mut p, mut pe) = (start, start);
        while pe < end {
            if s[pe] != b'\\' {
                pe += 1;
                continue;
            }
            out.extend_from_slice(&s[p..pe]);
            pe += 1;
            match s.get(pe).copied().unwrap_or(0) {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'"' => out.push(b'"'),
                b'\\' => out.push(b'\\'),
                b'b' => out.push(0x08),
                b'f' => out.push(0x0c),
                // (`pe > stringEnd - 4` cannot hold here: a misaligned `\u` has six bytes after it.)
                b'u' => {
                    let mut ch = hex(pe + 1);
                    pe += 4;
                    if ch & 0xFC00 == 0xD800 {
                        pe += 1;
                        if pe + 6 > end {
                            let what = "incomplete surrogate pair";
                            return Err(Stop::Raise(message(s, 521, what, Some(p))));
                        }
                        if s[pe] == b'\\' && s[pe + 1] == b'u' {
                            let sur = hex(pe + 2);
                            ch = ((ch & 0x3F) << 10) | ((((ch >> 6) & 0xF) + 1) << 16) | (sur & 0x3FF);
                            pe += 5;
                        } else {
                            // `unescape = "?"; break;` — and `p = ++pe` skips the byte after the escape.
                            out.push(b'?');
                            pe += 1;
                            p = pe;
                            continue;
                        }
                    }
                    utf8(ch, &mut out);
                }
                // Unknown escapes (and `\/`): drop the backslash, keep the byte.
                _ => {
                    p = pe;
                    continue;
                }
            }
            pe += 1;
            p = pe;
        }
        out.extend_from_slice(&s[p.min(pe)..pe]);
        Ok(out)
    }

    /// The `JSON_array` machine at `[`; it raises (451) on any failure.
    fn array(&mut self, start: usize) -> Step<(Data, usize)> {
        let s = self.s;
        let raise = |at| Stop::Raise(unexpected(s, 451, at));
        let mut items = Vec::new();
        let mut i = self.ignore(start + 1).map_err(raise)?;
        if self.at(i) == Some(b']') {
            return Ok((Data::Array(items), i + 1));
        }
        loop {
            if !begins_value(self.at(i)) {
                return Err(raise(i));
            }
            let (v, next) = self.value(i).map_err(|e| if let Stop::Fail = e { raise(i) } else { e })?;
            items.push(v);
            i = self.ignore(next).map_err(raise)?;
            match self.at(i) {
                Some(b']') => return Ok((Data::Array(items), i + 1)),
                Some(b',') => i = self.ignore(i + 1).map_err(raise)?,
                _ => return Err(raise(i)),
            }
        }
    }

    /// The `JSON_object` machine at `{`; it never raises itself (its caller reports its start).
    fn object(&mut self, start: usize) -> Step<(Data, usize)> {
        let fail = |_| Stop::Fail;
        let mut map = DataMap::new();
        let mut i = self.ignore(start + 1).map_err(fail)?;
        if self.at(i) == Some(b'}') {
            return Ok((Data::Hash(map), i + 1));
        }
        loop {
            if self.at(i) != Some(b'"') {
                return Err(Stop::Fail);
            }
            let (key, next) = self.string(i)?;
            i = self.ignore(next).map_err(fail)?;
            if self.at(i) != Some(b':') {
                return Err(Stop::Fail);
            }
            i = self.ignore(i + 1).map_err(fail)?;
            if !begins_value(self.at(i)) {
                return Err(Stop::Fail);
            }
            let (v, next) = self.value(i)?;
            // rb_hash_aset: a repeated key keeps its place and takes the new value.
            map.insert(Key::Str(key), v);
            i = self.ignore(next).map_err(fail)?;
            match self.at(i) {
                Some(b'}') => return Ok((Data::Hash(map), i + 1)),
                Some(b',') => i = self.ignore(i + 1).map_err(fail)?,
                _ => return Err(Stop::Fail),
            }
        }
    }
}

/// `convert_UTF32_to_UTF8` (no surrogate check: a lone low surrogate yields invalid UTF-8).
fn utf8(ch: u32, out: &mut Vec<u8>) {
    #[allow(clippy::cast_possible_truncation)]
    let b = |v: u32| v as u8;
    match ch {
        0..=0x7F => out.push(b(ch)),
        0x80..=0x7FF => out.extend([b((ch >> 6) | 0xC0), b((ch & 0x3F) | 0x80)]),
        0x800..=0xFFFF => out.extend([b((ch >> 12) | 0xE0), b(((ch >> 6) & 0x3F) | 0x80), b((ch & 0x3F) | 0x80)]),
        _ => out.extend([
            b((ch >> 18) | 0xF0),
            b(((ch >> 12) & 0x3F) | 0x80),
            b(((ch >> 6) & 0x3F) | 0x80),
            b((ch & 0x3F) | 0x80),
        ]),
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;

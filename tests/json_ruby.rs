//! `json_data`'s parser (`lamina_hiera_files::parse_json_bytes`) against the live Ruby: a few thousand
//! generated JSON texts — valid documents, mutated ones (a byte deleted, inserted, duplicated,
//! replaced; truncations; NaN/Infinity/comment/escape fragments), number edge cases (bignums,
//! exponents, overflow), nesting around the limit of 100 — written to files and read by ONE Ruby
//! process exactly as Puppet's `json_data` does (`File.read(path, encoding: 'utf-8')`, then
//! `Puppet::Util::Json.load`, i.e. json 2.6.1's `JSON.parse`). Each answer, the value or the
//! exception's message, must be identical: hash order, integers (bignums too) by their digits,
//! floats by their bits, strings (invalid UTF-8 scrubbed to U+FFFD on both sides: `Value`
//! strings are Rust strings, see the module's doc).

use lamina_tests::{under_ci, which};
use lamina_value::Data;
use std::fmt::Write as _;
use std::process::{Command, Stdio};

/// Deterministic xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T: ?Sized>(&mut self, xs: &[&'a T]) -> &'a T {
        xs[self.below(xs.len())]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + u8::try_from(self.below(10)).unwrap_or(0))).collect()
    }
}

fn ws(r: &mut Rng) -> &'static str {
    if r.chance(60) {
        return "";
    }
    r.pick(&[" ", "\n", "\t ", "\r\n  ", "/* c */", " // c\n", "/**/", "/* * / */ "])
}

fn number(r: &mut Rng) -> String {
    let sign = if r.chance(30) { "-" } else { "" };
    match r.below(9) {
        0 => (i64::try_from(r.below(2001)).unwrap_or(0) - 1000).to_string(),
        1 => (*r.pick(&[
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "-0",
            "-0.0",
            "0e0",
            "0.0",
            "1e400",
            "-1E+400",
            "1e-400",
            "4.9e-324",
            "2.4e-324",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "2.2250738585072011e-308",
        ]))
        .to_string(),
        2 => {
            let n = 18 + r.below(30);
            format!("{sign}{}{}", 1 + r.below(9), r.digits(n))
        }
        3 | 4 => {
            let n = r.below(20);
            let int = if r.chance(30) { "0".to_string() } else { format!("{}{}", 1 + r.below(9), r.digits(n)) };
            let n = 1 + r.below(25);
            let frac = if r.chance(75) { format!(".{}", r.digits(n)) } else { String::new() };
            let exp = if frac.is_empty() || r.chance(50) {
                let e = r.pick(&["e", "E"]);
                let s = r.pick(&["", "+", "-"]);
                let n = 1 + r.below(3);
                format!("{e}{s}{}", r.digits(n))
            } else {
                String::new()
            };
            format!("{sign}{int}{frac}{exp}")
        }
        5 => {
            let f = f64::from_bits(r.next());
            if f.is_finite() { if r.chance(50) { format!("{f:e}") } else { format!("{f}") } } else { "1.5".into() }
        }
        6 => format!("{sign}0.{}1e{}", "0".repeat(r.below(30)), r.below(700)),
        _ => format!("{sign}{}", r.below(100_000)),
    }
}

/// A string literal; `key`: no lone low surrogate escapes (two keys that differ only there
/// would both become U+FFFD and collapse into one here, while Ruby keeps two invalid strings).
fn string(r: &mut Rng, key: bool) -> String {
    let mut s = String::from("\"");
    for _ in 0..r.below(8) {
        let piece = match r.below(12) {
            2 if key => format!("\\u{:04x}", 0xD800 + r.below(0x400)),
            0 => format!("\\u{:04x}", r.below(0xD800)),
            1 => format!("\\u{:04X}\\u{:04x}", 0xD800 + r.below(0x400), 0xDC00 + r.below(0x400)),
            2 => format!("\\u{:04x}", 0xD800 + r.below(0x800)),
            3 => (*r.pick(&["\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\q", "\\'", "\\0"])).into(),
            4 => (*r.pick(&["é", "€", "😀", "\u{7f}", "ü"])).into(),
            _ => (*r.pick(&["a", "b", "key", " ", "x y", "1", "{", "]", ":", ","])).into(),
        };
        s.push_str(&piece);
    }
    s + "\""
}

fn value(r: &mut Rng, depth: usize) -> String {
    let kind = if depth >= 4 { 2 + r.below(4) } else { r.below(6) };
    match kind {
        0 => {
            let mut s = format!("{{{}", ws(r));
            let keys = ["\"a\"", "\"b\"", "\"k\"", "\"\""];
            for i in 0..r.below(5) {
                if i > 0 {
                    let _ = write!(s, ",{}", ws(r));
                }
                let key = if r.chance(40) { (*r.pick(&keys)).to_string() } else { string(r, true) };
                let _ = write!(s, "{key}{}:{}{}{}", ws(r), ws(r), value(r, depth + 1), ws(r));
            }
            s + "}"
        }
        1 => {
            let mut s = format!("[{}", ws(r));
            for i in 0..r.below(5) {
                if i > 0 {
                    let _ = write!(s, ",{}", ws(r));
                }
                let _ = write!(s, "{}{}", value(r, depth + 1), ws(r));
            }
            s + "]"
        }
        2 => (*r.pick(&["null", "true", "false"])).into(),
        3 | 4 => number(r),
        _ => string(r, false),
    }
}

fn document(r: &mut Rng) -> Vec<u8> {
    let v = if r.chance(70) {
        loop {
            let v = value(r, 0);
            if v.starts_with('{') {
                break v;
            }
        }
    } else {
        value(r, 0)
    };
    format!("{}{v}{}", ws(r), if r.chance(50) { "\n" } else { ws(r) }).into_bytes()
}

const FRAGMENTS: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "//",
    "/*",
    "*/",
    ",",
    ":",
    "01",
    "1.",
    ".5",
    "e5",
    "-",
    "\\u12",
    "\\ud800",
    "\"",
    "null",
    "[",
    "]",
    "{",
    "}",
    "\u{feff}",
    " ",
];

fn mutate(r: &mut Rng, mut d: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + r.below(3) {
        let at = r.below(d.len() + 1);
        match r.below(7) {
            0 if at < d.len() => {
                d.remove(at);
            }
            1 => {
                let b = *r.pick(&[
                    &b'{', &b'}', &b'[', &b']', &b',', &b':', &b'"', &b'\\', &b'/', &b'*', &b'-', &b'.', &b'e', &b'0',
                    &b'1', &b'n', &b'u', &b' ', &b'\n', &b'\t', &0, &1, &0x7f, &0xff, &0xc3,
                ]);
                d.insert(at, b);
            }
            2 if at < d.len() => d.insert(at, d[at]),
            3 if at < d.len() => d[at] = u8::try_from(r.below(256)).unwrap_or(0),
            4 => d.truncate(at),
            _ => {
                let f = r.pick(FRAGMENTS).as_bytes();
                d.splice(at..at, f.iter().copied());
            }
        }
    }
    d
}

fn deep(r: &mut Rng) -> Vec<u8> {
    let depth = 95 + r.below(11);
    let opens: Vec<bool> = (0..depth).map(|_| r.chance(50)).collect();
    let mut s = String::new();
    for &arr in &opens {
        s.push_str(if arr { "[" } else { "{\"k\":" });
    }
    s.push_str(&value(r, 3));
    for &arr in opens.iter().rev() {
        s.push(if arr { ']' } else { '}' });
    }
    let d = s.into_bytes();
    if r.chance(30) { mutate(r, d) } else { d }
}

/// The fixed seed, or `LAMINA_JSON_RUBY_SEED` (to explore further; a failure prints the seed).
fn seed() -> u64 {
    std::env::var("LAMINA_JSON_RUBY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&s| s != 0)
        .unwrap_or(0x9E37_79B9_7F4A_7C15)
}

fn cases() -> Vec<Vec<u8>> {
    let mut r = Rng(seed());
    let mut out = Vec::new();
    for _ in 0..1200 {
        out.push(document(&mut r));
    }
    for _ in 0..2200 {
        let d = document(&mut r);
        out.push(mutate(&mut r, d));
    }
    for _ in 0..400 {
        let n = number(&mut r).into_bytes();
        let n = if r.chance(40) { mutate(&mut r, n) } else { n };
        out.push(if r.chance(50) { [b"[".as_slice(), &n, b"]"].concat() } else { n });
    }
    for _ in 0..200 {
        out.push(deep(&mut r));
    }
    out
}

/// Prints, per file, `V <dump>` or `E <message>`; escapes as [`esc`] does.
const RUBY: &str = r##"
begin
  require 'puppet'
  LOAD = ->(s) { Puppet::Util::Json.load(s) }
  ERR = Puppet::Util::Json::ParseError
rescue LoadError
  require 'json'
  LOAD = ->(s) { JSON.parse(s, {}) }
  ERR = JSON::ParserError
end
def esc(s)
  s.scrub.each_char.map { |c| o = c.ord; c == '\\' ? '\\\\' : c == '"' ? '\\"' : (o < 0x20 || o == 0x7f) ? format('\\x%02X', o) : c }.join
end
def dump(v)
  case v
  when nil then 'N'
  when true then 'T'
  when false then 'F'
  when Integer then "i#{v}"
  when Float then "d#{[v].pack('G').unpack1('H*')}"
  when String then "\"#{esc(v)}\""
  when Array then "[#{v.map { |x| dump(x) }.join(',')}]"
  when Hash then "{#{v.map { |k, x| "#{dump(k)}:#{dump(x)}" }.join(',')}}"
  else "?#{v.class}"
  end
end
File.readlines(ARGV[0], chomp: true).each do |path|
  content = File.read(path, encoding: 'utf-8')
  line = begin
    "V #{dump(LOAD.(content))}"
  rescue ERR => e
    "E #{esc(e.message)}"
  end
  puts line
end
"##;

fn esc(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c < ' ' || c == '\x7f' => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn dump(v: &Data) -> String {
    match v {
        Data::Null => "N".into(),
        Data::Bool(true) => "T".into(),
        Data::Bool(false) => "F".into(),
        Data::Int(i) => format!("i{i}"),
        Data::Float(f) => format!("d{:016x}", f.to_bits()),
        Data::BigInt(d) => format!("i{d}"),
        Data::Symbol(s) => format!(":{s}"),
        Data::String(s) => format!("\"{}\"", esc(s)),
        Data::Array(a) => format!("[{}]", a.iter().map(dump).collect::<Vec<_>>().join(",")),
        Data::Hash(h) => format!(
            "{{{}}}",
            h.iter().map(|(k, x)| format!("\"{}\":{}", esc(&k.to_s()), dump(x))).collect::<Vec<_>>().join(",")
        ),
    }
}

fn answer(src: &[u8]) -> String {
    match lamina_hiera_files::parse_json_bytes(src) {
        Ok(v) => format!("V {}", dump(&v)),
        Err(e) => format!("E {}", esc(&e.message)),
    }
}

#[test]
fn json_data_parser_matches_ruby() {
    if which("ruby").is_none() {
        assert!(!under_ci(), "json_ruby: ruby is required under CI: apt-get install -y ruby puppet");
        eprintln!("json_ruby: SKIPPED: ruby not found on PATH");
        return;
    }
    let cases = cases();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut list = String::new();
    for (i, c) in cases.iter().enumerate() {
        let p = dir.path().join(format!("{i:05}.json"));
        std::fs::write(&p, c).expect("write case");
        let _ = writeln!(list, "{}", p.display());
    }
    let list_file = dir.path().join("cases.txt");
    std::fs::write(&list_file, list).expect("write list");
    let script = dir.path().join("parse.rb");
    std::fs::write(&script, RUBY).expect("write script");
    let out = Command::new("ruby").arg(&script).arg(&list_file).stdin(Stdio::null()).output().expect("run ruby");
    assert!(out.status.success(), "ruby failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("ruby printed UTF-8");
    let ruby: Vec<&str> = stdout.lines().collect();
    assert_eq!(ruby.len(), cases.len(), "ruby answered a different number of cases");

    let mut bad = Vec::new();
    let (mut values, mut errors) = (0, 0);
    for (c, want) in cases.iter().zip(&ruby) {
        let got = answer(c);
        if want.starts_with('V') {
            values += 1;
        } else {
            errors += 1;
        }
        if got != *want {
            let shown: String = esc(&String::from_utf8_lossy(c)).chars().take(300).collect();
            bad.push(format!("input \"{shown}\"\n  ruby:   {want}\n  lamina: {got}"));
        }
    }
    eprintln!(
        "json_ruby: {} cases ({values} values, {errors} errors), {} differ (seed {})",
        cases.len(),
        bad.len(),
        seed()
    );
    assert!(values > 1000 && errors > 1000, "the generator lost its balance: {values} values, {errors} errors");
    assert!(
        bad.is_empty(),
        "{} of {} differ; first ones:\n{}",
        bad.len(),
        cases.len(),
        bad[..bad.len().min(15)].join("\n")
    );
}

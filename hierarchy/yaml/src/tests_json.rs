//! The JSON fast path against the YAML reader: wherever it answers, it answers the same.

use super::{Limits, parse_json_value, parse_value};

/// xorshift64*: reproducible documents without a dependency.
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
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    /// Mostly the first `common` entries, now and then any.
    fn mostly<'a>(&mut self, xs: &[&'a str], common: usize) -> &'a str {
        if self.below(30) == 0 { self.pick(xs) } else { xs[self.below(common)] }
    }
}

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "7",
    "-12",
    "1e3",
    "1E5",
    "1.5",
    "-0.25",
    "1.0e+3",
    "1.5E-3",
    "0.1",
    "12345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "00",
    "01",
    "1.",
    ".5",
    "1e",
    "-",
];
const STRINGS: &[&str] = &[
    r#""""#,
    r#""a""#,
    r#""yes""#,
    r#""<<""#,
    r##""# not a comment""##,
    r#""a: b""#,
    r#""- x""#,
    r#""\/\b\f\n\r\t""#,
    r#""\u00e9\u0041""#,
    r#""\ud83d\ude00""#,
    r#""\ud83d""#,
    r#""\u2028""#,
    r#""\u0000""#,
    "\"caf\u{e9}\"",
    "\"\u{1F600}\"",
    "\"\u{2028}\"",
    "\"\u{85}\"",
    "\"\u{FEFF}\"",
    "\"\u{7F}\"",
    "\"a\tb\"",
    "\"a\nb\"",
    r#""\"quoted\" \\ back""#,
    r#""\x41""#,
    r#""\q""#,
    r#""1.5""#,
    r#""~""#,
    r#""null""#,
    r#""2024-01-01""#,
];
const WORDS: &[&str] = &["true", "false", "null", "tru", "nul"];
const SPACE: &[&str] = &["", "", " ", "\n", "\n  ", "  ", "\t", "\r\n"];

fn gen_value(r: &mut Rng, depth: usize, out: &mut String) {
    let kind = if depth >= 4 { r.below(3) } else { r.below(5) };
    match kind {
        0 => out.push_str(r.mostly(NUMBERS, 11)),
        1 => out.push_str(r.mostly(STRINGS, 15)),
        2 => out.push_str(r.mostly(WORDS, 3)),
        3 => {
            out.push('[');
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(r.mostly(SPACE, 6));
                gen_value(r, depth + 1, out);
            }
            out.push_str(r.mostly(SPACE, 6));
            out.push(']');
        }
        _ => gen_map(r, depth, out),
    }
}

fn gen_map(r: &mut Rng, depth: usize, out: &mut String) {
    const KEYS: &[&str] = &[r#""a""#, r#""b""#, r#""os""#, r#""<<""#, r#""yes""#, r#""a b""#, r#""\u00e9""#, r#""""#];
    out.push('{');
    for i in 0..r.below(5) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r.mostly(SPACE, 6));
        out.push_str(r.mostly(KEYS, 3));
        out.push_str(r.mostly(&["", " ", "\n"], 2));
        out.push(':');
        out.push_str(r.pick(&["", " ", "  ", "\n"]));
        gen_value(r, depth + 1, out);
    }
    out.push_str(r.mostly(SPACE, 6));
    out.push('}');
}

#[test]
fn json_fast_path_equals_yaml_reader() {
    let limits = Limits::hiera();
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut taken, mut declined) = (0, 0);
    for _ in 0..20_000 {
        let mut doc = String::from(r.mostly(SPACE, 6));
        if r.below(4) == 0 {
            gen_value(&mut r, 0, &mut doc);
        } else {
            gen_map(&mut r, 0, &mut doc);
        }
        doc.push_str(r.mostly(&["", "\n", " ", "x", ",", "\n# c\n"], 3));
        match parse_json_value(&doc, &limits) {
            Some(fast) => {
                taken += 1;
                let slow = parse_value(&doc, "t.json", &limits);
                assert_eq!(slow.as_ref().ok(), Some(&Some(fast.clone())), "{doc:?}: fast {fast:?}, YAML {slow:?}");
            }
            None => declined += 1,
        }
    }
    // The generator hits both sides: otherwise this test would compare nothing.
    assert!(taken > 3_000 && declined > 3_000, "taken {taken}, declined {declined}");
}

#[test]
fn json_fast_path_reads_a_facts_upload() {
    let body = r#"{"name": "web01.example.com", "values": {"os": {"family": "Debian", "release": {"major": "12"}},
 "uptime_seconds": 86400, "load": 0.5, "virtual": "kvm", "is_virtual": true, "mounts": ["/", "/var"], "x": null}}"#;
    let fast = parse_json_value(body, &Limits::hiera()).expect("plain JSON is read by the fast path");
    assert_eq!(Some(fast), parse_value(body, "t.json", &Limits::hiera()).unwrap());
}

#[test]
fn json_fast_path_declines_what_it_must() {
    let limits = Limits::hiera();
    for doc in [
        "",
        "1",
        "\"a\"",
        "{\"a\": 1e3",
        "{\"a\":\t1}",
        "{\"<<\": {\"a\": 1}}",
        "{\"a\": 99999999999999999999}",
        "{\"a\": \"\\ud800\"}",
        "{\"a\": \"\u{2028}\"}",
        "[1] # c",
        "{'a': 1}",
        "{a: 1}",
        "{\"a\": 1,}",
    ] {
        assert_eq!(parse_json_value(doc, &limits), None, "{doc:?}");
    }
    let deep = "[".repeat(65) + &"]".repeat(65);
    assert_eq!(parse_json_value(&deep, &limits), None, "deeper than the budget");
    let wide = format!("[{}0]", "0,".repeat(20));
    let few = Limits { max_nodes: 10, ..Limits::hiera() };
    assert_eq!(parse_json_value(&wide, &few), None, "more nodes than the budget");
}

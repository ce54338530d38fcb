//! Psych parity: a table of plain scalars with the answers Psych 4.0.3 (Ruby 3.1, Puppet 7.23's
//! Psych) gave for them — `Psych::ScalarScanner#tokenize` with the class loader `safe_load`
//! builds — hard-coded, plus live checks against the installed `ruby` for the same table and for
//! whole documents through `YAML.safe_load(src, permitted_classes: [Symbol], aliases: true)`.

use std::io::Write;
use std::process::{Command, Stdio};

use lamina_value::Value;
use serde_json::{Value as J, json};

use super::{Limits, Node, NodeKind, PsychError, parse_node, resolve_plain_scalar};

#[derive(Debug, Clone, Copy)]
pub(super) enum E {
    /// String.
    S(&'static str),
    I(i64),
    /// Float by its IEEE bits (exact, and -0.0 distinct from 0.0).
    F(u64),
    Nan,
    B(bool),
    N,
    /// A Ruby Symbol in Psych; the name as a String here (see the module docs).
    Sym(&'static str),
    /// Psych raises with exactly this message.
    Err(&'static str),
    /// A Bignum in Psych, and here: its decimal digits.
    Big(&'static str),
    /// A Bignum in Psych where Lamina needs a machine integer (a sexagesimal part): an "out of
    /// range" error here.
    Range,
}
use E::{B, Big, Err, F, I, N, Nan, Range, S, Sym};

/// Verified with `ruby` (see the module docs); `psych_parity_live` re-checks it on every run.
pub(super) const SCALARS: &[(&str, E)] = &[
    ("yes", B(true)),
    ("Yes", B(true)),
    ("YES", B(true)),
    ("yEs", B(true)),
    ("no", B(false)),
    ("NO", B(false)),
    ("on", B(true)),
    ("On", B(true)),
    ("off", B(false)),
    ("OFF", B(false)),
    ("true", B(true)),
    ("True", B(true)),
    ("FALSE", B(false)),
    ("false", B(false)),
    ("y", S("y")),
    ("Y", S("Y")),
    ("n", S("n")),
    ("N", S("N")),
    ("~", N),
    ("null", N),
    ("Null", N),
    ("NULL", N),
    ("nUll", N),
    ("", N),
    ("0", I(0)),
    ("-7", I(-7)),
    ("+7", I(7)),
    ("-0", I(0)),
    ("017", I(15)),
    ("0o17", S("0o17")),
    ("0x1F", I(31)),
    ("-0x1F", I(-31)),
    ("+0x1f", I(31)),
    ("1_000", I(1000)),
    ("1,000", I(1000)),
    ("1__000", S("1__000")),
    ("1_", S("1_")),
    ("0b101", I(5)),
    ("0b1_0", I(2)),
    ("08", S("08")),
    ("0_8", S("0_8")),
    ("0,7", I(7)),
    ("0755", I(493)),
    ("-0755", I(-493)),
    ("00", I(0)),
    ("190:20:30", I(685230)),
    ("1:30", I(5400)),
    ("-1:30", I(-1800)),
    ("+1:00", I(3600)),
    ("1:5", I(3900)),
    ("1:05:07", I(3907)),
    ("1:30.5", F(0x40b5360000000000)),
    ("-0:30.0", F(0x409c200000000000)),
    ("1:30.5_5", F(0x40b5390000000000)),
    ("1:60", S("1:60")),
    ("1_0:30", I(37800)),
    ("1__0:30", I(5400)),
    ("1:2:3:4", S("1:2:3:4")),
    ("12:30:45.25", F(0x40e5fea800000000)),
    ("0:0.", F(0x0000000000000000)),
    ("1.5", F(0x3ff8000000000000)),
    ("1e3", S("1e3")),
    ("1.0e3", S("1.0e3")),
    ("1.0e+3", F(0x408f400000000000)),
    ("1.0E+3", F(0x408f400000000000)),
    ("1.e+3", F(0x408f400000000000)),
    ("1.", F(0x3ff0000000000000)),
    (".", S(".")),
    ("-.", S("-.")),
    (".5", F(0x3fe0000000000000)),
    ("+.5", F(0x3fe0000000000000)),
    ("-.5e+3", F(0xc07f400000000000)),
    ("6.8523015e+5", F(0x4124e95c4ccccccd)),
    ("1_000.5", F(0x408f440000000000)),
    ("1,000.5", F(0x408f440000000000)),
    ("1_000.e+3", F(0x412e848000000000)),
    ("1.5_5", S("1.5_5")),
    ("09.5", F(0x4023000000000000)),
    ("1.0", F(0x3ff0000000000000)),
    ("-0.0", F(0x8000000000000000)),
    ("1.0e+20", F(0x4415af1d78b58c40)),
    ("3.0e-5", F(0x3eff75104d551d69)),
    ("0.1e-05", F(0x3eb0c6f7a0b5ed8d)),
    ("1.0e+999", F(0x7ff0000000000000)),
    ("1.0e-999", F(0x0000000000000000)),
    (".inf", F(0x7ff0000000000000)),
    ("+.inf", F(0x7ff0000000000000)),
    ("-.inf", F(0xfff0000000000000)),
    (".Inf", F(0x7ff0000000000000)),
    ("-.INF", F(0xfff0000000000000)),
    (".iNf", F(0x7ff0000000000000)),
    (".nan", Nan),
    (".NaN", Nan),
    (".NAN", Nan),
    ("+.nan", S("+.nan")),
    (":foo", Sym("foo")),
    (":\"foo bar\"", Sym("foo bar")),
    (":'a'b'", Sym("a'b")),
    (":1", Sym("1")),
    (":yes", Sym("yes")),
    ("::", Sym(":")),
    ("1.2.3", S("1.2.3")),
    ("0.0.0.0", S("0.0.0.0")),
    ("12abc", S("12abc")),
    ("-", S("-")),
    ("+a", S("+a")),
    ("-a", S("-a")),
    ("_1", S("_1")),
    ("x86_64", S("x86_64")),
    ("/dev/sda1", S("/dev/sda1")),
    ("<<", S("<<")),
    ("=", S("=")),
    ("%{literal('%')}", S("%{literal('%')}")),
    ("3.10.0-1160.el7.x86_64", S("3.10.0-1160.el7.x86_64")),
    ("192.168.1.10", S("192.168.1.10")),
    ("1.0.0-rc1", S("1.0.0-rc1")),
    ("+ 5", S("+ 5")),
    ("0b", S("0b")),
    ("0x", S("0x")),
    ("-.5", F(0xbfe0000000000000)),
    ("yes ", S("yes ")),
    ("9223372036854775807", I(9223372036854775807)),
    ("-9223372036854775808", I(i64::MIN)),
    ("0x7FFFFFFFFFFFFFFF", I(9223372036854775807)),
    ("n\non", B(true)),
    ("y\nyes", B(true)),
    ("x\non", S("x\non")),
    ("n\nonx", S("n\nonx")),
    ("o\nn", S("o\nn")),
    ("n\n\non", S("n\n\non")),
    ("o\noff", B(false)),
    ("~\nnull", S("~\nnull")),
    ("2001-01-01", Err("Tried to load unspecified class: Date")),
    ("2001-02-30", Err("Tried to load unspecified class: Date")),
    ("2001-1-1", Err("Tried to load unspecified class: Date")),
    ("2001-13-01", S("2001-13-01")),
    ("99999-01-01", S("99999-01-01")),
    ("2001-01-32", S("2001-01-32")),
    ("2001-09-30", Err("Tried to load unspecified class: Date")),
    ("2001-01-01 10:00:00", Err("Tried to load unspecified class: Time")),
    ("2001-01-01t10:00:00Z", Err("Tried to load unspecified class: Time")),
    ("2001-01-01T10:00:00.5Z", Err("Tried to load unspecified class: Time")),
    ("2001-01-01 10:00:00 +0530", Err("Tried to load unspecified class: Time")),
    ("2001-01-01T10:00:00 +5:3", S("2001-01-01T10:00:00 +5:3")),
    ("2001-01-01 10:00:00+05:", Err("Tried to load unspecified class: Time")),
    ("-2001-01-01 10:00:00", Err("Tried to load unspecified class: Time")),
    ("2001-01-01 10:00:00 ", S("2001-01-01 10:00:00 ")),
    ("0b_", Err("invalid value for Integer(): \"0b\"")),
    ("0x_", Err("invalid value for Integer(): \"0x\"")),
    ("-0b_", Err("invalid value for Integer(): \"-0b\"")),
    (".e+3", Err("invalid value for Float(): \"e+3\"")),
    ("123456789012345678901234567890", Big("123456789012345678901234567890")),
    ("9223372036854775808", Big("9223372036854775808")),
    ("-9223372036854775809", Big("-9223372036854775809")),
    ("0x8000000000000000", Big("9223372036854775808")),
    ("99999999999999999999:00", Range),
];

/// Our answer in the oracle's tagged form: `["str", s]`, `["int", "15"]`, `["float", bits-hex]`, ...
fn tag_value(v: &Value) -> J {
    match v {
        Value::Null => json!(["null"]),
        Value::Bool(b) => json!(["bool", b]),
        Value::Int(i) => json!(["int", i.to_string()]),
        Value::BigInt(b) => json!(["int", b.as_str()]),
        Value::Float(f) if f.is_nan() => json!(["nan"]),
        Value::Float(f) => json!(["float", format!("{:016x}", f.to_bits())]),
        Value::String(s) => json!(["str", s]),
        Value::Array(a) => json!(["arr", a.iter().map(tag_value).collect::<Vec<_>>()]),
        Value::Hash(h) => json!(["hash", h.iter().map(|(k, v)| json!([k, tag_value(v)])).collect::<Vec<_>>()]),
    }
}

fn expected(e: E) -> Result<Value, String> {
    Ok(match e {
        S(s) | Sym(s) => Value::String(s.into()),
        I(i) => Value::Int(i),
        Big(d) => match lamina_value::Int::from_decimal(d) {
            Some(lamina_value::Int::Big(b)) => Value::BigInt(b),
            _ => return std::result::Result::Err(format!("{d} is not a bignum")),
        },
        F(bits) => Value::Float(f64::from_bits(bits)),
        Nan => Value::Float(f64::NAN),
        B(b) => Value::Bool(b),
        N => Value::Null,
        Err(m) => return std::result::Result::Err(m.into()),
        Range => return std::result::Result::Err("out of range".into()),
    })
}

fn same(got: &Result<Value, String>, want: &Result<Value, String>) -> bool {
    match (got, want) {
        (Ok(a), Ok(b)) => tag_value(a) == tag_value(b),
        (std::result::Result::Err(a), std::result::Result::Err(b)) => a == b || (b == "out of range" && a.contains(b)),
        _ => false,
    }
}

#[test]
fn scalar_table_matches_psych_answers() {
    assert!(SCALARS.len() >= 40);
    let mut bad = Vec::new();
    for &(input, e) in SCALARS {
        let got = resolve_plain_scalar(input).map_err(|e| e.message);
        if !same(&got, &expected(e)) {
            bad.push(format!("{input:?}: got {got:?}, Psych {e:?}"));
        }
    }
    assert!(bad.is_empty(), "{} mismatches:\n{}", bad.len(), bad.join("\n"));
}

/// Runs `ruby -e script` with `input` on stdin; `None` when there is no ruby to run (and CI is
/// not set — on CI a missing oracle is a failure, not a skip).
fn ruby(script: &str, input: &str) -> Option<J> {
    let child = Command::new("ruby").arg("-e").arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        std::result::Result::Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "CI is set but `ruby` (the Psych oracle) cannot run: {e}");
            eprintln!("psych_parity_live: skipped, no ruby on PATH ({e})");
            return None;
        }
    };
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write to ruby");
    let out = child.wait_with_output().expect("ruby output");
    assert!(out.status.success(), "ruby failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("ruby printed JSON"))
}

const RUBY_CONV: &str = r#"
require 'yaml'; require 'json'
def conv(v)
  case v
  when nil then ["null"]
  when true, false then ["bool", v]
  when Integer then ["int", v.to_s]
  when Float then v.nan? ? ["nan"] : ["float", [v].pack('G').unpack1('H*')]
  when String then ["str", v]
  when Symbol then ["sym", v.to_s]
  when Array then ["arr", v.map { |x| conv(x) }]
  when Hash then h = {}; v.each { |k, x| h[k.is_a?(String) ? k : (k.is_a?(Array) || k.is_a?(Hash)) ? "COLL" : k.to_s] = conv(x) }; ["hash", h.to_a]
  else ["other", v.class.to_s]
  end
end
"#;

/// Symbols are strings on our side (module docs); everything else must be identical.
fn unsym(j: J) -> J {
    match j {
        J::Array(mut a) if a.len() == 2 && a[0] == "sym" && a[1].is_string() => {
            a[0] = json!("str");
            J::Array(a)
        }
        J::Array(a) => J::Array(a.into_iter().map(unsym).collect()),
        other => other,
    }
}

/// Deterministic pseudo-random scalars: random characters Psych's regexes care about, and
/// random joins of fragments that build dates, times, sexagesimals, numbers and keywords.
fn fuzz_scalars(n: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"0123456789012345+-._,:eExbo7Tt ZyYnNl~:-.";
    const PARTS: &[&str] = &[
        "2001", "-", "01", "1", "12", "31", "32", "13", "T", "t", " ", "  ", "10", ":", "00", "59", "60", ".", "5",
        "Z", "+05", ":30", "-1", "0x", "0b", "0", "07", "08", "_", ",", "e+", "e-", "E+", "3", "inf", "nan", "Inf",
        "NaN", "~", "null", "yes", "No", "on", "OFF", "y", ":", "'", "\"", "a",
    ];
    let mut seed: u64 = 0x5EED_1234_ABCD_0001;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    (0..n)
        .map(|i| {
            let mut pick = |xs: &[&'static str]| xs[next() % xs.len()];
            let s: String = match i % 3 {
                0 => (0..1 + next() % 12).map(|_| ALPHABET[next() % ALPHABET.len()] as char).collect(),
                1 => (0..1 + next() % 7).map(|_| PARTS[next() % PARTS.len()]).collect(),
                // Date/time shapes around the edges of Psych's TIME and date regexes.
                _ => {
                    let date = [
                        pick(&["", "", "", "-", "+"]),
                        pick(&["2001", "2001", "2001", "199", "20011"]),
                        pick(&["-", "-", "-", "/"]),
                        pick(&["1", "01", "09", "10", "12", "13", "00", "001"]),
                        "-",
                        pick(&["1", "01", "29", "30", "31", "32", "39", "001"]),
                    ]
                    .concat();
                    let time = [
                        pick(&["", "", "T", "t", " ", "\t", "  ", "x"]),
                        pick(&["1", "10", "10", "100"]),
                        pick(&[":00", ":00", ":0"]),
                        pick(&[":00", ":00", ":5", ":000", ""]),
                        pick(&["", "", ".", ".5", ".123456"]),
                        pick(&["", "", "Z", " Z", "+5", "-05", "+0530", "+05:30", "+05:", "+5:3", " +1", "z", " "]),
                    ]
                    .concat();
                    if next() % 3 == 0 { date } else { date + &time }
                }
            };
            s.trim().to_string()
        })
        .collect()
}

#[test]
fn psych_parity_live() {
    let script = format!(
        "{RUBY_CONV}
ss = Psych::ScalarScanner.new(Psych::ClassLoader::Restricted.new(['Symbol'], []))
out = JSON.parse(STDIN.read).map {{ |s| begin; conv(ss.tokenize(s)); rescue Exception => e; ['err', e.message]; end }}
puts JSON.generate(out)"
    );
    let fuzz = fuzz_scalars(20_000);
    let inputs: Vec<&str> = SCALARS.iter().map(|(s, _)| *s).chain(fuzz.iter().map(String::as_str)).collect();
    let Some(J::Array(answers)) = ruby(&script, &serde_json::to_string(&inputs).expect("json")) else { return };
    let mut bad = Vec::new();
    let table = SCALARS.iter().map(|&(s, e)| (s, Some(e))).chain(fuzz.iter().map(|s| (s.as_str(), None)));
    for ((input, e), answer) in table.zip(answers) {
        let answer = unsym(answer);
        let ours = match resolve_plain_scalar(input).map_err(|e| e.message) {
            Ok(v) => tag_value(&v),
            std::result::Result::Err(m) => json!(["err", m]),
        };
        let table = match e.map(expected) {
            Some(Ok(v)) => tag_value(&v),
            Some(std::result::Result::Err(m)) => json!(["err", m]),
            None => ours.clone(),
        };
        // A Bignum from Ruby is a BigInt here, except in a sexagesimal part (out of range).
        let big = answer[0] == "int" && answer[1].as_str().and_then(|s| s.parse::<i64>().ok()).is_none();
        let ok =
            |x: &J| *x == answer || (big && x[0] == "err" && x[1].as_str().is_some_and(|m| m.contains("out of range")));
        if !ok(&ours) || !ok(&table) {
            bad.push(format!("{input:?}: psych {answer}, ours {ours}, table {table}"));
            if bad.len() > 50 {
                break;
            }
        }
    }
    assert!(bad.is_empty(), "{} differences from Psych:\n{}", bad.len(), bad.join("\n"));

    // Whole documents, and generated ones, through YAML.safe_load: the same value, or the same
    // exception with the same message.
    let script = format!(
        "{RUBY_CONV}
out = JSON.parse(STDIN.read).map {{ |d| begin; conv(YAML.safe_load(d, permitted_classes: [Symbol], aliases: true, filename: 'doc.yaml')); rescue Exception => e; ['err', e.class.to_s, e.message]; end }}
puts JSON.generate(out)"
    );
    let mut docs: Vec<String> = DOCS.iter().map(|d| (*d).to_string()).collect();
    let generated = fuzz_documents(4000);
    docs.extend(mutations(&generated[..2000], 4000));
    docs.extend(mutations(&DOCS.iter().map(|d| (*d).to_string()).collect::<Vec<_>>(), 4000));
    docs.extend(generated);
    let Some(J::Array(answers)) = ruby(&script, &serde_json::to_string(&docs).expect("json")) else { return };
    let (mut bad, mut errors) = (Vec::new(), 0);
    for (doc, answer) in docs.iter().zip(answers) {
        let answer = unsym(answer);
        let ours = match parse_node(doc, "doc.yaml", &Limits::default()) {
            Ok(node) => node.as_ref().map_or(json!(["null"]), tag_node),
            std::result::Result::Err(e) => {
                errors += 1;
                match e.psych {
                    Some(PsychError::Syntax(m)) => json!(["err", "Psych::SyntaxError", format!("(doc.yaml): {m}")]),
                    Some(PsychError::DisallowedClass(m)) => json!(["err", "Psych::DisallowedClass", m]),
                    // The class of other exceptions is not modelled: the message must match.
                    Some(PsychError::Other(m)) => json!(["err", answer[1].clone(), m]),
                    None => json!(["err", "(none)", e.message]),
                }
            }
        };
        if ours != answer {
            bad.push(format!("{doc:?}:\n  psych {answer}\n  ours  {ours}"));
        }
    }
    eprintln!("psych_parity_live: {} documents, {errors} refused by both, all identical", docs.len() - bad.len());
    assert!(
        errors > 1000,
        "only {errors} of {} documents were errors: the mutations do not exercise errors",
        docs.len()
    );
    assert!(bad.is_empty(), "{} of {} documents differ from Psych:\n{}", bad.len(), docs.len(), bad.join("\n"));
}

/// `n` variants of `docs`, each with one to three random single-character edits (delete,
/// duplicate, insert or replace with a character YAML cares about): broken documents, for
/// refusals and their messages.
fn mutations(docs: &[String], n: usize) -> Vec<String> {
    const CHARS: &[char] = &[
        ' ', '\t', '\n', '\r', ':', '-', '?', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
        '@', '`', '\\', 'a', '0', '.', '\u{e9}',
    ];
    let mut seed: u64 = 0x0BAD_C0DE_0000_0001;
    let mut next = move |m: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % m.max(1)
    };
    (0..n)
        .map(|i| {
            let mut chars: Vec<char> = docs[i % docs.len()].chars().collect();
            for _ in 0..1 + next(3) {
                let at = next(chars.len() + 1);
                let c = CHARS[next(CHARS.len())];
                match next(4) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars.insert(at, chars[at]),
                    2 if at < chars.len() => chars[at] = c,
                    _ => chars.insert(at, c),
                }
            }
            chars.into_iter().collect()
        })
        .collect()
}

/// `tag_value` of `n.to_value()`, except that collection keys all read "COLL" (their string forms
/// differ between Ruby's `inspect` and ours by design).
fn tag_node(n: &Node) -> J {
    match &n.kind {
        NodeKind::Seq(items) => json!(["arr", items.iter().map(tag_node).collect::<Vec<_>>()]),
        NodeKind::Map(pairs) => {
            let mut m = indexmap::IndexMap::new();
            for (k, v) in pairs {
                let key = match &k.kind {
                    NodeKind::Scalar(s) => super::key_string(s.clone()),
                    _ => "COLL".to_string(),
                };
                m.insert(key, tag_node(v));
            }
            json!(["hash", m.into_iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()])
        }
        NodeKind::Scalar(v) => tag_value(v),
    }
}

/// Random small documents: block and flow collections around scalars, indicators and
/// separators where libyaml and saphyr are most likely to disagree.
fn fuzz_documents(n: usize) -> Vec<String> {
    const SCALARS: &[&str] = &[
        "a",
        "yes",
        "no",
        "1",
        "0x1F",
        "1:30",
        "-",
        "~",
        "''",
        "\"\"",
        "'x y'",
        "\"q\\tz\"",
        ":a",
        "a:b",
        "1.5",
        "1e3",
        "x y",
        "-x",
        "?",
        "!",
        "*",
        "%",
        "0755",
        "08",
        "null",
        "On",
        "foo bar",
        "a: b",
        "é",
        "<<",
        "=",
        "+1",
        "-.inf",
        ".nan",
        "&a x",
        "*a",
        "!!str 1",
        "! 1",
        "'#'",
        "a #c",
        "|",
        ">",
    ];
    let mut seed: u64 = 0x00D0_C0FF_EE00_0001;
    let mut next = move |m: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % m
    };
    fn flow(next: &mut dyn FnMut(usize) -> usize, d: usize) -> String {
        if d > 2 || next(10) < 4 {
            return SCALARS[next(SCALARS.len())].to_string();
        }
        let seps = [", ", ",", "  ,", " ,\t"];
        let kvs = [": ", ":", " : ", ":\t"];
        let sep = seps[next(seps.len())];
        if next(2) == 0 {
            let items: Vec<String> = (0..next(4)).map(|_| flow(next, d + 1)).collect();
            format!("[{}]", items.join(sep))
        } else {
            let items: Vec<String> = (0..next(4))
                .map(|_| format!("{}{}{}", SCALARS[next(SCALARS.len())], kvs[next(kvs.len())], flow(next, d + 1)))
                .collect();
            format!("{{{}}}", items.join(sep))
        }
    }
    fn block(next: &mut dyn FnMut(usize) -> usize, ind: usize, d: usize, out: &mut Vec<String>) {
        let pad = " ".repeat(ind);
        if d > 2 || next(10) < 3 {
            let lead = ["- ", "k: ", "? ", "- &b ", "k: *a "][next(5)];
            out.push(format!("{pad}{lead}{}", flow(next, 0)));
            return;
        }
        let seq = next(2) == 0;
        for _ in 0..1 + next(3) {
            let key = ["k", "a", "yes", "1", "<<", "'q'", ":s", "x y", "-k", "&a k", "~"][next(11)];
            let head = if seq { format!("{pad}-") } else { format!("{pad}{key}{}:", next(3)) };
            if next(2) == 0 {
                out.push(format!("{head}{}{}", [" ", "\t", "  "][next(3)], flow(next, 0)));
            } else {
                out.push(head);
                let step = [0, 2, 2, 4][next(4)] + usize::from(seq) * 2;
                block(next, ind + step, d + 1, out);
            }
        }
    }
    (0..n)
        .map(|_| {
            let mut lines = Vec::new();
            block(&mut next, 0, 0, &mut lines);
            lines.join("\n") + "\n"
        })
        .collect()
}

/// Documents whose Psych reading we reproduce exactly (deliberate differences — Bignums,
/// `!!binary`, recursive aliases — are tested in `tests.rs` instead).
pub(super) const DOCS: &[&str] = &[
    // corpus/hiera/oracle-cases/yaml_scalars/data/common.yaml without its Bignum line
    "bools: [yes, no, on, off, y, n, true, false, True, FALSE, \"yes\"]\nnulls: [~, null, Null, \"\", \"~\"]\nints: [0, -7, +7, 017, 0o17, 0x1F, 1_000, 0b101, 190:20:30]\nfloats: [1.5, 1e3, 1.0e+3, .5, 6.8523015e+5, 1_000.5, 1.0, -0.0, 1.0e+20, 3.0e-5]\nnonfinite: [-.inf, .NaN]\nstrings: [1.2.3, \"017\", 'single ''quoted''', 0.0.0.0, 12abc, -, \"%{literal('%')}\"]\nmultiline_literal: |\n  line1\n  line2\nmultiline_folded: >\n  folded\n  text\nanchors:\n  base: &base {a: 1, b: 2}\n  derived:\n    <<: *base\n    b: 3\n  ref: *base\nint_keys: {1: one, 2: two}\nbool_key: {yes: was-yes, true: was-true}\nnull_key: {~: null-key}\nfloat_key: {1.5: x}\n\"quoted: key\": 1\n",
    // merge keys
    "b: 3\n<<: {b: 2, c: 1}",
    "<<: {b: 2, c: 1}\nb: 3",
    "\"<<\": {b: 2}\na: 1",
    "!!str <<: {b: 2}",
    "!str <<: {b: 2}",
    "x: &x 1\n<<: *x",
    "x: &x [1]\n<<: *x",
    "<<: [{a: 1, b: 1}, {b: 2, c: 2}]",
    "<<: [{a: 1}, 3]",
    "<<: ~",
    "<<: []",
    "- &x {b: 1}\n- <<: *x\n  a: 1",
    "- &s [{b: 1}]\n- <<: *s",
    "- - &x {a: 1}\n  - &y {a: 2, b: 3}\n- <<: [*x, *y]\n  a: 0",
    "- &k \"<<\"\n- {*k : {a: 1}}",
    "base: &b {a: 1, a: 2, c: 0}\nm:\n  a: 9\n  a: 8\n  <<: *b\n  c: 5\n  c: 6\n  <<: {d: 1, a: 7}",
    "a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc:\n  z: 0\n  <<: [*a, *b, {w: 4}]\n  y: 9",
    // tags Psych ignores or resolves
    "a: !foo bar\nb: !foo {x: 1}\nc: !foo [1]\nd: ! 12\ne: !!int \"12\"\nf: !!int abc\ng: !!str 12\nh: !!float 1\ni: !!bool \"yes\"\nj: !!null x\nk: !ruby/sym foo\nl: !ruby/symbol \"foo\"\nm: !!map {a: 1}\nn: !!seq [1]\no: !!str [1]\np: !ruby/class ''\nq: ! \"12\"\nr: !<tag:yaml.org,2002:str> 12\ns: !!float \"1e3\"\nt: !!float 0x1A\nu: !!float \" 12 \"\nv: !str: x\nw: !ruby/string x\nx: !ruby/object:Hash {a: 1, <<: {b: 2}}\ny: !!omap [{a: 1, b: 2}, {c: 3}]\nz: !foo yes\nzz: !!str\n",
    // conversion errors
    "a: !!float abc",
    "a: !!float ~",
    "a: !!float yes",
    "a: !ruby/object:Foo {}",
    "a: !ruby/regexp /a/",
    "a: !!set {a: 1}",
    "a: !ruby/object {}",
    "a: !ruby/string:Foo x",
    "a: !ruby/hash:Foo {}",
    "a: !seq:Foo [1]",
    "a: !map:Foo {}",
    "a: !ruby/exception {}",
    "a: !ruby/struct {a: 1}",
    "a: !ruby/struct:Point {a: 1}",
    "a: !ruby/range 1..2",
    "a: !ruby/object:BigDecimal 1.5",
    "a: !ruby/class Kernel",
    "a: !!omap {a: 1}",
    "a: !!float 2001-01-01",
    "when: 2024-01-31",
    "x:\n  - [1, {d: 2001-01-01 10:00:00}]",
    "- 0b_",
    "- .e+3",
    "a: 2001-01-01\nb: [1, 2",
    // syntax errors
    "a: *b",
    "a:\n\tb: 1",
    "a: [1, 2\nb: {",
    "- a\n\t- b",
    // scalars in context
    "a: 'yes'\nb: \"1:30\"\nc: |\n  line1\n  line2\nd: >\n  folded\n  text\ne: |-\n  x\nf: \"\\x41\\u00e9\\t\"\ng: 'it''s'\nh: \"no\"\ni: >-\n  yes\n",
    "sym: :foo\n:symkey: v\n:\"q k\": 1\nlist: [':b']\nblock:\n  - :d",
    "[a, -, b, [-], {a: -}, {-: x}]",
    // ':' starting a flow item: libyaml refuses, saphyr would read a plain scalar
    "[:a]",
    "[ :a ]",
    "{:a: 1}",
    "{a: :b}",
    "[x, :a]",
    "{:foo => :bar}",
    "k: !!seq [:a]",
    "k: &x {a: :b}",
    "k: [[x], {y: [:z]}]",
    "list: [':b', :c ]",
    "[foo :bar]\n",
    "[a:b, {a: b:c}]",
    "- !!map\n  k: :x\n- &a\n  - :y\n- !!seq\n  - :z\n",
    "k: !!map\n  a: :x\nl: &q\n  - :w\nm: &c # [ {\n  - :v\n",
    "k: &a\n  [:x]\n",
    "{1: a, \"1\": b}",
    "1: x\n0x1: y\n01: z",
    "~: a\n'': b",
    "? \n: a",
    "yes: 1\ntrue: 2\nTrue: 3\nno: 4\noff: 5",
    "1.5: a\n-0.0: b\n.inf: c\n.nan: d\n1.0e+20: e\n0.00001: f",
    "--- 1\n--- 2",
    "--- [a\n",
    "",
    "---",
    "---\n...\n",
    "# only a comment\n",
    "~",
    "--- |\n  x\n",
    "a: &a {x: [1, 2, {y: z}]}\nb: *a\nc: [*a, *a]",
    "a: &x 1\nb: &x 2\nc: *x",
    "a:\t1\nb:\tfoo\nc: 'x:\ty'\nd:\t\t-1\ne: |\n  p:\tq\nf: [x,\ty]\n",
    "[a, b, {c: d}, [e], {}, []]",
    "{a: [1, 2], b: {c: ~}, d: }",
    "a: n\n\n  on\nb: y\n\n  yes\nc: x\n\n  on\nd: o\n\n  off",
    "os:\n  family: RedHat\n  release: {major: '7', full: 7.9.2009}\nipaddress: 10.0.0.1\nuptime_seconds: 12345\nis_virtual: false\nmemory: {system: {total: 7.64 GiB}}\nkernelversion: 3.10.0\nmtu: 1500\n",
    "a: [0, -7, +7, 017, 0o17, 0x1F, 1_000, 0b101, 190:20:30, 1.5, 1e3, 1.0e+3, .5, -.inf, .NaN, 1:30.5, 1,000, 0,7]",
    "- a: 1\n  b: 2\n- c\n-\n- - d\n  - e\n",
    "a:\n  - b\n  -\n    c: d\n  - - e\nf: g",
    "key with spaces: value with spaces\n'single': \"double\"\n? complex\n: value",
    "a: 1 # comment\n# full line\nb: 2",
    "a: \"multi\n  line\"\nb: plain\n  continued\n",
    "%YAML 1.1\n---\na: 1",
    "a: &anc\n  b: 1\nc: *anc\nd:\n  <<: *anc\n  e: 2",
];

//! `json_data`'s parser against answers recorded from Ruby 3.1's json 2.6.1
//! (`ruby -rjson -e 'JSON.parse(src)'`, the message of the `JSON::ParserError`, or the value).
//! The live differential test is `tests/json_ruby.rs`.

use lamina_value::{Data, ruby_float};

/// The parser's answer with the gem's message as the error.
fn parse(text: &str) -> Result<Data, String> {
    super::parse(text).map_err(|e| e.message)
}

fn parse_bytes(src: &[u8]) -> Result<Data, String> {
    super::parse_bytes(src).map_err(|e| e.message)
}

/// Like the recording script's dump: Ruby's `to_s` for numbers, `nil`, strings quoted with
/// `\\`, `\"` and `\xNN` for control bytes (invalid UTF-8 was `scrub`bed to U+FFFD).
fn dump(v: &Data) -> String {
    match v {
        Data::Null => "nil".into(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => ruby_float(*f),
        Data::BigInt(d) => d.to_string(),
        // JSON has no Symbols.
        Data::Symbol(s) => format!(":{s}"),
        Data::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    c if c < ' ' || c == '\x7f' => out.push_str(&format!("\\x{:02X}", u32::from(c))),
                    c => out.push(c),
                }
            }
            out + "\""
        }
        Data::Array(a) => format!("[{}]", a.iter().map(dump).collect::<Vec<_>>().join(", ")),
        Data::Hash(h) => format!(
            "{{{}}}",
            h.iter()
                .map(|(k, x)| format!("{} => {}", dump(&Data::String(k.to_s().into_owned())), dump(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// (input, Ruby's answer): `Ok(dump of the value)` or `Err(message)`.
const RECORDED: &[(&[u8], Result<&str, &str>)] = &[
    (b"{\"a\": 1,,}\n", Err("859: unexpected token at '{\"a\": 1,,}\n'")),
    (b"{\"a\": 1,}", Err("859: unexpected token at '{\"a\": 1,}'")),
    (b"[1,]", Err("451: unexpected token at ']'")),
    (b"[1,,2]", Err("451: unexpected token at ',2]'")),
    (b"[,1]", Err("451: unexpected token at ',1]'")),
    (b"{\"a\" 1}", Err("859: unexpected token at '{\"a\" 1}'")),
    (b"{\"a\":}", Err("859: unexpected token at '{\"a\":}'")),
    (b"{\"a\"", Err("859: unexpected token at '{\"a\"'")),
    (b"{\"a\":1", Err("859: unexpected token at '{\"a\":1'")),
    (b"{", Err("859: unexpected token at '{'")),
    (b"[", Err("451: unexpected token at ''")),
    (b"[1", Err("451: unexpected token at ''")),
    (b"\"abc", Err("859: unexpected token at '\"abc'")),
    (b"[\"a", Err("451: unexpected token at '\"a'")),
    (b"{} x", Err("859: unexpected token at 'x'")),
    (b"[] x", Err("859: unexpected token at 'x'")),
    (b"1 x", Err("859: unexpected token at 'x'")),
    (b"[1] [2]", Err("859: unexpected token at '[2]'")),
    (b"nul", Err("859: unexpected token at 'nul'")),
    (b"[tru]", Err("451: unexpected token at 'tru]'")),
    (b"x", Err("859: unexpected token at 'x'")),
    (b"NaN", Err("225: unexpected token at 'NaN'")),
    (b"[NaN]", Err("225: unexpected token at 'NaN]'")),
    (b"{\"a\":NaN}", Err("225: unexpected token at 'NaN}'")),
    (b"Infinity", Err("232: unexpected token at ''")),
    (b"  Infinity", Err("232: unexpected token at ' Infinity'")),
    (b"[Infinity]", Err("232: unexpected token at '[Infinity]'")),
    (b"{\"a\":Infinity}", Err("232: unexpected token at ':Infinity}'")),
    (b"-Infinity", Err("249: unexpected token at '-Infinity'")),
    (b"[-Infinity]", Err("249: unexpected token at '-Infinity]'")),
    (b"-Infinit", Err("859: unexpected token at '-Infinit'")),
    (b"-", Err("859: unexpected token at '-'")),
    (b"[-]", Err("451: unexpected token at '-]'")),
    (b"01", Err("859: unexpected token at '01'")),
    (b"[01]", Err("451: unexpected token at '01]'")),
    (b"-01", Err("859: unexpected token at '-01'")),
    (b"1.", Err("859: unexpected token at '.'")),
    (b"[1.]", Err("451: unexpected token at '.]'")),
    (b".5", Err("859: unexpected token at '.5'")),
    (b"1.e5", Err("859: unexpected token at '.e5'")),
    (b"1e", Err("859: unexpected token at 'e'")),
    (b"[1.5e]", Err("451: unexpected token at '.5e]'")),
    (b"[1.5-]", Err("451: unexpected token at '.5-]'")),
    (b"[1e5.]", Err("451: unexpected token at 'e5.]'")),
    (b"[1x]", Err("451: unexpected token at 'x]'")),
    (b"-0", Ok("0")),
    (b"-0.0", Ok("-0.0")),
    (b"0e0", Ok("0.0")),
    (b"1E2", Ok("100.0")),
    (b"1.0e+400", Ok("Infinity")),
    (b"-1e400", Ok("-Infinity")),
    (b"1e-400", Ok("0.0")),
    (b"4.9e-324", Ok("5.0e-324")),
    (b"0.1", Ok("0.1")),
    (b"1.7976931348623157e308", Ok("1.7976931348623157e+308")),
    (b"123456789012345678901234567890", Ok("123456789012345678901234567890")),
    (b"-123456789012345678901234567890", Ok("-123456789012345678901234567890")),
    (b"9223372036854775807", Ok("9223372036854775807")),
    (b"9223372036854775808", Ok("9223372036854775808")),
    (b"-9223372036854775808", Ok("-9223372036854775808")),
    (b"-9223372036854775809", Ok("-9223372036854775809")),
    (b"18446744073709551616", Ok("18446744073709551616")),
    (b"\"a\\qb\"", Ok("\"aqb\"")),
    (b"\"\\'\\a\\x\\0\"", Ok("\"'ax0\"")),
    (b"\"\\b\\f\\n\\r\\t\\/\\\\\\\"\"", Ok("\"\\x08\\x0C\\x0A\\x0D\\x09/\\\\\\\"\"")),
    (b"\"a\\u12\"", Err("859: unexpected token at '\"a\\u12\"'")),
    (b"\"a\\u12zz\"", Err("859: unexpected token at '\"a\\u12zz\"'")),
    (b"\"\\u00e9\\u20AC\\ud83d\\ude00\"", Ok("\"\u{e9}\u{20ac}\u{1f600}\"")),
    (b"\"\\ud800\"", Err("521: incomplete surrogate pair at '\\ud800\"'")),
    (b"\"ab\\ud800\"", Err("521: incomplete surrogate pair at 'ab\\ud800\"'")),
    (b"\"x\\ny\\ud800\"", Err("521: incomplete surrogate pair at 'y\\ud800\"'")),
    (b"\"ab\\ud800abcdef\"", Ok("\"ab?bcdef\"")),
    (b"\"\\ud800\\u0041\"", Ok("\"\u{10041}\"")),
    (b"\"\\ud800\\ud800\"", Ok("\"\u{10000}\"")),
    (b"\"\\udc00x\"", Ok("\"\u{fffd}\u{fffd}\u{fffd}x\"")),
    (b"\"\\ud800\\\\u1234\"", Ok("\"?\u{1234}\"")),
    (b"\"\\ud800\\\\uabc\"", Ok("\"?\u{fffd}\"")),
    (b"\"\\ud800\\\\\\\\\\\\\"", Ok("\"?\\\\\\\\\\\"\"")),
    (b"[{\"a\":\"\\ud800\"}]", Err("521: incomplete surrogate pair at '\\ud800\"}]'")),
    (b"\"a\tb\"", Err("859: unexpected token at '\"a\tb\"'")),
    (b"\"a\nb\"", Err("859: unexpected token at '\"a\nb\"'")),
    (b"\"a\x01b\"", Err("859: unexpected token at '\"a\u{1}b\"'")),
    (b"\"a\\\x01b\"", Err("859: unexpected token at '\"a\\\u{1}b\"'")),
    (b"\"\x7F\"", Ok("\"\\x7F\"")),
    (b"[\"\x00\"]", Err("451: unexpected token at '\"'")),
    (b"{\"a\\u0000b\":1}", Ok("{\"a\\x00b\" => 1}")),
    (b"", Err("859: unexpected token at ''")),
    (b" ", Err("859: unexpected token at ''")),
    (b"  \n\t\r ", Err("859: unexpected token at ''")),
    (b"// c", Err("859: unexpected token at ''")),
    (b"/* c */", Err("859: unexpected token at ''")),
    (b"/* c", Err("859: unexpected token at ''")),
    (b"/", Err("859: unexpected token at ''")),
    (b"/x", Err("859: unexpected token at 'x'")),
    (b"/*/1", Err("859: unexpected token at ''")),
    (b"/**/1", Ok("1")),
    (b"/*a*/*/1", Err("859: unexpected token at '*/1'")),
    (b"// c\n{}", Ok("{}")),
    (b"{}// c", Err("859: unexpected token at ''")),
    (b"{}// c\n", Ok("{}")),
    (b"{/*x*/\"a\"/*y*/:/*z*/1/*w*/}", Ok("{\"a\" => 1}")),
    (b"[1/*x*/,/*y*/2]", Ok("[1, 2]")),
    (b"[1//x]", Err("451: unexpected token at ''")),
    (b"[1/x]", Err("451: unexpected token at 'x]'")),
    (b"{\"a\":1/x}", Err("859: unexpected token at '{\"a\":1/x}'")),
    (b"[1,/*x*/]", Err("451: unexpected token at ']'")),
    (b"\x0C[1]", Err("859: unexpected token at '\u{c}[1]'")),
    (b"\x0B[1]", Err("859: unexpected token at '\u{b}[1]'")),
    (b"\xC2\xA0[1]", Err("859: unexpected token at '\u{a0}[1]'")),
    (b"\xEF\xBB\xBF{}", Err("859: unexpected token at '\u{feff}{}'")),
    (b"\"\xFF\"", Ok("\"\u{fffd}\"")),
    (b"\xFF", Err("859: unexpected token at '\u{fffd}'")),
    (b"\"\xED\xB0\x80\"", Ok("\"\u{fffd}\u{fffd}\u{fffd}\"")),
    (b"{}\x00xyz", Err("859: unexpected token at ''")),
    (b"[1,,\x00x]", Err("451: unexpected token at ','")),
    (b"{\"a\":\"\\ud800\"\x00}", Err("521: incomplete surrogate pair at '\\ud800\"'")),
    (b"{\"a\":1,\"a\":2,\"b\":3}", Ok("{\"a\" => 2, \"b\" => 3}")),
    (
        b"{\"a\":1,\"b\":{\"c\":[1,2.5,null,true,false,\"x\"]},\"a\":{\"d\":1}}",
        Ok("{\"a\" => {\"d\" => 1}, \"b\" => {\"c\" => [1, 2.5, nil, true, false, \"x\"]}}"),
    ),
    (b"{ }", Ok("{}")),
    (b"[ ]", Ok("[]")),
    (b"{\"\":1}", Ok("{\"\" => 1}")),
    (b"{1:2}", Err("859: unexpected token at '{1:2}'")),
    (b"{,}", Err("859: unexpected token at '{,}'")),
    (b"{\"a\":1 \"b\":2}", Err("859: unexpected token at '{\"a\":1 \"b\":2}'")),
    (b"{\"a\":{\"b\":[1,2,]}}", Err("451: unexpected token at ']}}'")),
    (b"{\"a\":{\"b\":nul}}", Err("859: unexpected token at '{\"a\":{\"b\":nul}}'")),
    (b"[[[1],[2,]]]", Err("451: unexpected token at ']]]'")),
    (b"5", Ok("5")),
    (b"\"s\"", Ok("\"s\"")),
    (b"null", Ok("nil")),
    (b"true", Ok("true")),
    (b"1.5", Ok("1.5")),
];

#[test]
fn messages_and_values_as_recorded_from_ruby() {
    let mut bad = Vec::new();
    for &(src, want) in RECORDED {
        let got = parse_bytes(src).map(|v| dump(&v));
        if got.as_deref().map_err(String::as_str) != want {
            bad.push(format!("{:?}: want {want:?}, got {got:?}", String::from_utf8_lossy(src)));
        }
    }
    assert!(bad.is_empty(), "{} of {} differ:\n{}", bad.len(), RECORDED.len(), bad.join("\n"));
}

#[test]
fn corpus_bad_json_message() {
    // corpus/hiera/cases/errors_data/data/bad.json, as Puppet reported it.
    assert_eq!(parse("{\"a\": 1,,}\n"), Err("859: unexpected token at '{\"a\": 1,,}\n'".into()));
}

#[test]
fn nesting_stops_at_101_without_deep_recursion() {
    let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(parse(&ok).is_ok());
    let objs = format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100));
    assert!(parse(&objs).is_ok());
    let too_deep = "nesting of 101 is too deep";
    for src in [
        format!("{}{}", "[".repeat(101), "]".repeat(101)),
        format!("{}1{}", "{\"a\":".repeat(101), "}".repeat(101)),
        format!("{}{{}}{}", "[".repeat(100), "]".repeat(100)),
        // Checked on entry: what follows does not matter.
        format!("{}[x", "[".repeat(100)),
        "[".repeat(1_000_000),
        "{\"a\":".repeat(1_000_000),
        "[{\"a\":".repeat(500_000),
    ] {
        assert_eq!(parse(&src), Err(too_deep.into()));
    }
    // An error before the 101st level wins.
    let shallow = format!("{}[x{}", "[".repeat(99), "]".repeat(100));
    assert_eq!(parse(&shallow), Err(format!("451: unexpected token at 'x{}'", "]".repeat(100))));
}

#[test]
fn integers_beyond_i64_are_bignums() {
    let Ok(Data::Array(a)) = parse("[9223372036854775807, 9223372036854775808, -9223372036854775809, 1e2]") else {
        panic!("array")
    };
    assert_eq!(a[0], Data::Int(i64::MAX));
    assert!(matches!(&a[1], Data::BigInt(b) if b.as_str() == "9223372036854775808"), "{:?}", a[1]);
    assert!(matches!(&a[2], Data::BigInt(b) if b.as_str() == "-9223372036854775809"), "{:?}", a[2]);
    assert_eq!(a[3], Data::Float(100.0));
}

#[test]
fn duplicate_keys_keep_first_position_last_value() {
    let Ok(Data::Hash(h)) = parse(r#"{"b":1,"a":2,"b":3}"#) else { panic!("hash") };
    let keys: Vec<&str> = h.keys().filter_map(lamina_value::Key::as_str).collect();
    assert_eq!(keys, ["b", "a"]);
    assert_eq!(h["b"], Data::Int(3));
}

#[test]
fn signed_zero_and_overflow() {
    assert!(matches!(parse("-0.0"), Ok(Data::Float(f)) if f == 0.0 && f.is_sign_negative()));
    assert_eq!(parse("-0"), Ok(Data::Int(0)));
    assert_eq!(parse("[1.0e+400]"), Ok(Data::Array(vec![Data::Float(f64::INFINITY)])));
}

//! Behaviour of the reader beyond single scalars: documents, merge keys, budgets, encodings.

use lamina_value::Value;

use super::tests_psych::DOCS;
use super::{
    Limits, Mark, Node, NodeKind, PsychError, YamlError, parse_data, parse_facts, parse_node, parse_value,
    read_file_limited,
};

fn val(src: &str) -> Value {
    parse_value(src, "t.yaml", &Limits::default()).expect("parses").expect("has a document")
}

fn err(src: &str) -> YamlError {
    let a = parse_value(src, "t.yaml", &Limits::default()).expect_err("must fail");
    let b = parse_node(src, "t.yaml", &Limits::default()).expect_err("must fail");
    assert_eq!(a, b, "both entry points report the same error");
    a
}

fn json(v: &Value) -> String {
    v.to_string()
}

#[test]
fn parse_value_equals_node_to_value() {
    for doc in DOCS {
        let a = parse_value(doc, "t.yaml", &Limits::default());
        let b = parse_node(doc, "t.yaml", &Limits::default()).map(|n| n.map(|n| n.to_value()));
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{doc:?}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{doc:?}"),
            (a, b) => panic!("{doc:?}: {a:?} vs {b:?}"),
        }
    }
}

#[test]
fn puppet_yaml_scalars_case() {
    // corpus/hiera/oracle-cases/yaml_scalars: what `puppet lookup` returned for each key.
    let v = val(DOCS[0]);
    let Value::Hash(h) = v else { panic!() };
    assert_eq!(json(&h["bools"]), r#"[true,false,true,false,"y","n",true,false,true,false,"yes"]"#);
    assert_eq!(json(&h["nulls"]), r#"[null,null,null,"","~"]"#);
    assert_eq!(json(&h["ints"]), r#"[0,-7,7,15,"0o17",31,1000,5,685230]"#);
    assert_eq!(json(&h["floats"]), r#"[1.5,"1e3",1000.0,0.5,685230.15,1000.5,1.0,-0.0,1.0e+20,3.0e-05]"#);
    assert_eq!(json(&h["strings"]), r#"["1.2.3","017","single 'quoted'","0.0.0.0","12abc","-","%{literal('%')}"]"#);
    assert_eq!(h["multiline_literal"], Value::from("line1\nline2\n"));
    assert_eq!(h["multiline_folded"], Value::from("folded text\n"));
    assert_eq!(json(&h["anchors"]), r#"{"base":{"a":1,"b":2},"derived":{"a":1,"b":3},"ref":{"a":1,"b":2}}"#);
    assert_eq!(json(&h["int_keys"]), r#"{"1":"one","2":"two"}"#);
    assert_eq!(json(&h["float_key"]), r#"{"1.5":"x"}"#);
    assert_eq!(h["quoted: key"], Value::Int(1));
    // A Bignum is read as Psych reads it: an Integer of any size.
    let big = parse_value("big: 123456789012345678901234567890\n", "t.yaml", &Limits::default()).expect("reads");
    assert_eq!(big.map(|v| v.to_string()).as_deref(), Some(r#"{"big":123456789012345678901234567890}"#));
}

#[test]
fn puppet_errors_data_case() {
    // corpus/hiera/oracle-cases/errors_data/data/err/*.yaml
    let e = err("when: 2024-01-31\n");
    assert_eq!(e.message, "Tried to load unspecified class: Date");
    assert_eq!(
        e.to_string(),
        "t.yaml:1:7: Tried to load unspecified class: Date (an unquoted date: write when: '2024-01-31')"
    );
    assert_eq!(val("common_key: first\ncommon_key: second\n"), val("common_key: second"));
    assert!(parse_value("", "t.yaml", &Limits::default()).unwrap().is_none());
    assert_eq!(json(&val("- just\n- a list\n")), r#"["just","a list"]"#);
    // Symbols: keys become their names (Puppet's symkeys_to_string), values too (see mod docs).
    assert_eq!(json(&val("sym: :foo\n:symkey: v\n")), r#"{"sym":"foo","symkey":"v"}"#);
    let e = err("a:\n\tb: 1\n");
    assert_eq!(e.line, 2);
    let e = err("a: [1, 2\nb: {\n");
    assert!(e.line >= 1 && !e.message.is_empty());
}

#[test]
fn merge_keys_follow_psych_merge_bang() {
    assert_eq!(json(&val("b: 3\n<<: {b: 2, c: 1}")), r#"{"b":2,"c":1}"#);
    assert_eq!(json(&val("<<: {b: 2, c: 1}\nb: 3")), r#"{"b":3,"c":1}"#);
    assert_eq!(json(&val("<<: [{a: 1, b: 1}, {b: 2, c: 2}]")), r#"{"b":1,"c":2,"a":1}"#);
    assert_eq!(json(&val("x: &x [1]\n<<: *x")), r#"{"x":[1],"<<":[1]}"#);
    assert_eq!(json(&val("!!str <<: {b: 2}")), r#"{"<<":{"b":2}}"#);
    assert_eq!(json(&val("\"<<\": {b: 2}")), r#"{"b":2}"#);
}

fn keys(n: &Node) -> Vec<String> {
    let NodeKind::Map(pairs) = &n.kind else { panic!("not a map") };
    pairs.iter().map(|(k, _)| k.to_value().to_ruby_s()).collect()
}

#[test]
fn node_maps_keep_duplicates_but_not_merged_overrides() {
    let src = "base: &b {a: 1, c: 0}\nm:\n  <<: *b\n  a: 9\n  d: 1\n  d: 2\n";
    let root = parse_node(src, "t.yaml", &Limits::default()).unwrap().unwrap();
    let NodeKind::Map(pairs) = &root.kind else { panic!() };
    let m = &pairs[1].1;
    // `a` overrides the merged `a` in place; `d` is a genuine duplicate and stays twice.
    assert_eq!(keys(m), ["a", "c", "d", "d"]);
    assert_eq!(json(&m.to_value()), r#"{"a":9,"c":0,"d":2}"#);
    // The explicit `a` carries its own mark; the merged `c` the anchor's.
    let NodeKind::Map(mp) = &m.kind else { panic!() };
    assert_eq!(mp[0].0.mark, Mark { line: 4, col: 3 });
    assert_eq!(mp[1].0.mark, Mark { line: 1, col: 17 });
}

#[test]
fn non_string_keys_are_kept_in_nodes_and_stringified_in_values() {
    let root = parse_node("1: a\ntrue: b\n~: c\n1.5: d\n[x]: e\n", "t.yaml", &Limits::default()).unwrap().unwrap();
    let NodeKind::Map(pairs) = &root.kind else { panic!() };
    assert!(matches!(pairs[0].0.kind, NodeKind::Scalar(Value::Int(1))));
    assert!(matches!(pairs[1].0.kind, NodeKind::Scalar(Value::Bool(true))));
    assert!(matches!(pairs[2].0.kind, NodeKind::Scalar(Value::Null)));
    assert!(matches!(pairs[4].0.kind, NodeKind::Seq(_)));
    let Value::Hash(h) = root.to_value() else { panic!() };
    assert_eq!(h.keys().collect::<Vec<_>>(), ["1", "true", "", "1.5", "[\"x\"]"]);
}

#[test]
fn documents_and_marks() {
    assert!(parse_node("", "t", &Limits::default()).unwrap().is_none());
    assert!(parse_node("# nothing\n", "t", &Limits::default()).unwrap().is_none());
    assert!(parse_node("---\n", "t", &Limits::default()).unwrap().is_none());
    assert_eq!(val("~"), Value::Null);
    assert_eq!(val("--- 1\n--- [\n"), Value::Int(1), "only the first document is read");
    let root = parse_node("a:\n  - x\n  - {b: c}\n", "t", &Limits::default()).unwrap().unwrap();
    let NodeKind::Map(pairs) = &root.kind else { panic!() };
    assert_eq!(pairs[0].0.mark, Mark { line: 1, col: 1 });
    let NodeKind::Seq(items) = &pairs[0].1.kind else { panic!() };
    assert_eq!(items[0].mark, Mark { line: 2, col: 5 });
    assert_eq!(items[1].mark, Mark { line: 3, col: 5 });
}

#[test]
fn libyaml_reads_what_yaml_1_2_parsers_refuse() {
    assert_eq!(json(&val("a:\t1\nb:\tfoo\nc: |\n  p:\tq\n")), r#"{"a":1,"b":"foo","c":"p:\tq\n"}"#);
    assert_eq!(json(&val("[a, -, b, [-], {a: -}]")), r#"["a","-","b",["-"],{"a":"-"}]"#);
    // '?' starting a flow item is a key indicator, whatever follows (Psych: [{"x"=>nil}], {"x"=>1}).
    assert_eq!(json(&val("[?x]")), r#"[{"x":null}]"#);
    assert_eq!(json(&val("{?x: 1}")), r#"{"x":1}"#);
    assert_eq!(json(&val("- ?x\n")), r#"["?x"]"#, "block context: a plain scalar, as in Psych");
    // A tag then ',' in a flow collection (the vendored parser's patch).
    assert_eq!(json(&val("[!foo, x]")), r#"[null,"x"]"#);
    let e = err("a:\tfoo\nb: 2001-01-01\n");
    assert_eq!((e.line, e.col), (2, 4));
}

#[test]
fn deliberate_differences_from_psych() {
    assert!(err("a: !!binary aGVsbG8=").message.contains("!!binary"));
    assert!(err("a: &a [*a]").message.contains("recursive"));
    assert!(err("a: !ruby/encoding UTF-8").message.contains("not supported"));
}

#[test]
fn conversion_errors_lose_to_later_syntax_errors() {
    // Psych parses the whole document first: the syntax error is what Puppet reports.
    let e = err("a: 2001-01-01\nb: [1, 2\n");
    assert!(!e.message.contains("Date"), "{e}");
}

#[test]
fn alias_bomb_fails_fast() {
    let mut src = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (c, prev) in "bcdefghi".chars().zip("abcdefgh".chars()) {
        src.push_str(&format!("{c}: &{c} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    assert!(src.len() < 400, "{} bytes", src.len());
    // The budget stops the expansion at 100,000 copied nodes (bounded work and memory; speed
    // itself is a benchmark's business, not a test's).
    let e = parse_value(&src, "bomb.yaml", &Limits::hiera()).unwrap_err();
    let e2 = parse_node(&src, "bomb.yaml", &Limits::hiera()).unwrap_err();
    assert_eq!(e.message, "aliases expand to more than 100000 nodes");
    assert_eq!(e, e2);
    assert_eq!(e.line, 6, "{e}"); // the first `*e` already passes 100,000 expanded nodes
    // A few aliases are fine.
    assert_eq!(json(&val("a: &a {x: 1}\nb: [*a, *a]\n")), r#"{"a":{"x":1},"b":[{"x":1},{"x":1}]}"#);
}

#[test]
fn node_and_depth_budgets() {
    let small = Limits { max_nodes: 10, ..Limits::default() };
    let e = parse_value("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", "t", &small).unwrap_err();
    assert!(e.message.contains("more than 10 nodes"), "{e}");
    // An alias cannot smuggle depth past the limit.
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    let src = format!("a: &a {}\nb: {}\n", deep(40), "[".repeat(30) + "*a" + &"]".repeat(30));
    let e = parse_value(&src, "t", &Limits::default()).unwrap_err();
    assert_eq!((e.message.as_str(), e.line), ("nesting deeper than 64", 2));
    assert!(parse_value(&deep(64), "t", &Limits::default()).is_ok());
    let e = parse_value(&deep(65), "t", &Limits::default()).unwrap_err();
    assert_eq!((e.line, e.col), (1, 65));
    let e = parse_value("x", "t", &Limits { max_bytes: 0, ..Limits::default() }).unwrap_err();
    assert!(e.message.contains("too large"), "{e}");
}

/// 10,000-deep flow and block nesting fail cleanly on a 256 KiB stack.
#[test]
fn deep_nesting_fails_fast_on_a_small_stack() {
    let flow = "[".repeat(10_000) + &"]".repeat(10_000);
    let block_seq = "- ".repeat(10_000) + "x\n";
    let mut block_map = String::new();
    for i in 0..10_000 {
        block_map.push_str(&" ".repeat(i));
        block_map.push_str("a:\n");
    }
    let handle = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let mut out = Vec::new();
            for src in [&flow, &block_seq, &block_map] {
                for e in [
                    parse_value(src, "deep.yaml", &Limits::default()).unwrap_err(),
                    parse_node(src, "deep.yaml", &Limits::default()).unwrap_err(),
                ] {
                    out.push((e.message, e.line));
                }
            }
            out
        })
        .expect("spawn");
    let out = handle.join().expect("no stack overflow");
    for (msg, _) in &out {
        assert_eq!(msg, "nesting deeper than 64");
    }
    assert_eq!(out[4].1, 65, "block map fails at the 65th line");
}

#[test]
fn files_too_large_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.yaml");
    std::fs::write(&p, "a: b\n".repeat(9 * 1024 * 1024 / 5)).unwrap();
    let e = read_file_limited(&p, &Limits::hiera()).unwrap_err();
    assert!(e.message.starts_with("file too large (9437"), "{e}");
    assert!(e.message.ends_with("limit 8388608)"), "{e}");
    // A non-regular file (no usable length) is cut off by `take`.
    #[cfg(unix)]
    {
        let limits = Limits { max_bytes: 100, ..Limits::hiera() };
        let e = read_file_limited(std::path::Path::new("/dev/zero"), &limits).unwrap_err();
        assert!(e.message.contains("too large (more than 100 bytes"), "{e}");
    }
}

#[test]
fn encodings() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let l = Limits::hiera();
    let bom = read_file_limited(&write("bom.yaml", b"\xEF\xBB\xBFa: 1\n"), &l).unwrap();
    assert_eq!(bom, "a: 1\n");
    assert_eq!(json(&val(&bom)), r#"{"a":1}"#);
    assert_eq!(json(&val("\u{FEFF}a: 1\n")), r#"{"a":1}"#, "a BOM passed to parse_value is fine too");
    let e = read_file_limited(&write("u16.yaml", b"\xFF\xFEa\x00:\x00"), &l).unwrap_err();
    assert!(e.message.contains("UTF-16"), "{e}");
    let e = read_file_limited(&write("nul.yaml", b"a: 1\nb: x\x00y\n"), &l).unwrap_err();
    assert_eq!((e.line, e.col), (2, 5));
    assert!(e.to_string().ends_with("nul.yaml:2:5: NUL byte in file (only UTF-8 text is supported)"), "{e}");
    let e = read_file_limited(&write("latin1.yaml", b"a: 1\nname: caf\xE9\n"), &l).unwrap_err();
    assert_eq!((e.line, e.col, e.message.as_str()), (2, 10, "invalid UTF-8 (byte 0xE9)"));
    let e = read_file_limited(&dir.path().join("missing.yaml"), &l).unwrap_err();
    assert_eq!(e.line, 0);
    // parse_* refuse what libyaml refuses: NUL and other control characters.
    let e = err("a: 1\nb: \"x\u{1}\"\n");
    assert_eq!((e.line, e.col), (2, 6));
    assert_eq!(err("a: \0").message, "control characters are not allowed (NUL byte)");
    let e = err("a: 1\nb: \"x\u{1}\"\n");
    assert_eq!(e.psych, Some(PsychError::Syntax("control characters are not allowed at line 1 column 1".into())));
}

#[test]
fn tab_indentation_is_an_error() {
    let e = err("a:\n\tb: 1\n");
    assert_eq!(e.line, 2);
    let e = err("a:\n  b: |\n    x\n\ty\n");
    assert_eq!(e.line, 4);
}

#[test]
fn display_format() {
    let e = YamlError::new(super::YamlErrorKind::Syntax, "d/x.yaml", 3, 7, "boom");
    assert_eq!(e.to_string(), "d/x.yaml:3:7: boom");
    let _: &dyn std::error::Error = &e;
}

#[test]
fn hiera_data_keeps_ruby_types_apart() {
    use lamina_value::{Data, Key};
    let src = "a: 0x1FFFFFFFFFFFFFFFFF\nb: {1: x, '1': y, 1.5: z}\nc: :sym\nd: {true: x}\ne:\n  :k: v\n";
    let Some(Data::Hash(h)) = parse_data(src, "t.yaml", &Limits::hiera()).unwrap() else { panic!("hash") };
    assert!(matches!(&h["a"], Data::BigInt(b) if b.as_str() == "590295810358705651711"), "{:?}", h["a"]);
    let Data::Hash(b) = &h["b"] else { panic!("b") };
    let keys: Vec<&Key> = b.keys().collect();
    assert_eq!(keys, [&Key::Int(1), &Key::from("1"), &Key::Float(1.5)]);
    assert_eq!(h["c"], Data::Symbol("sym".into()));
    assert_eq!(h["d"], Data::Hash([(Key::Bool(true), Data::from("x"))].into_iter().collect()));
    // Symbol keys are strings (Puppet's symkeys_to_string).
    assert_eq!(h["e"], Data::Hash([(Key::from("k"), Data::from("v"))].into_iter().collect()));
    // Facts: bignums kept, keys by their `to_s`, Symbols by their names.
    let Some(Data::Hash(f)) = parse_facts(src, "f.yaml", &Limits::hiera()).unwrap() else { panic!("hash") };
    assert!(matches!(&f["a"], Data::BigInt(_)));
    let Data::Hash(b) = &f["b"] else { panic!("b") };
    assert_eq!(b.keys().map(Key::to_s).collect::<Vec<_>>(), ["1", "1.5"]);
    assert_eq!(f["c"], Data::from("sym"));
    // Estate values keep bignums too (Foreman stores Ruby Integers of any size).
    let v = parse_value("a: 0x1FFFFFFFFFFFFFFFFF\n", "t.yaml", &Limits::hiera()).expect("reads");
    assert_eq!(v.map(|v| v.to_string()).as_deref(), Some(r#"{"a":590295810358705651711}"#));
}

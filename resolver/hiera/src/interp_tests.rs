use super::super::{Config, DataSource, Hiera, HieraError, Layers, Level, Locations, Query};
use super::*;
use std::sync::Arc;

struct Mem(Map);
impl DataSource for Mem {
    fn data(&self, _f: &str, _path: &str, _w: &mut dyn FnMut(String)) -> Result<Option<Arc<Map>>, HieraError> {
        Ok(Some(Arc::new(self.0.clone())))
    }
    fn glob(&self, _pattern: &str) -> Vec<String> {
        Vec::new()
    }
}

fn layers() -> Layers {
    let level = Level {
        name: "common".into(),
        function: "yaml_data".into(),
        datadir: "/d".into(),
        locations: Locations::Paths(vec!["common.yaml".into()]),
    };
    Layers {
        global: Some(Ok(Config { file: "/h.yaml".into(), hierarchy: vec![level], default_hierarchy: vec![] })),
        ..Layers::default()
    }
}

fn scope() -> Map {
    let mut facts = Map::new();
    facts.insert("os".into(), Value::Hash([("family".to_string(), Value::from("Debian"))].into_iter().collect()));
    facts.insert("dotted.fact".into(), Value::from("dv"));
    facts.insert("list".into(), Value::Array(vec![Value::from("zero"), Value::from("one")]));
    let mut s = facts.clone();
    s.insert("facts".into(), Value::Hash(facts));
    s.insert("num".into(), Value::Int(42));
    s
}

fn look(data: &[(&str, Value)], key: &str) -> Result<Option<Value>, HieraError> {
    let src = Mem(data.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect());
    let l = layers();
    let sc = scope();
    Hiera::new(&l, &src, &sc).query(&Query::new(vec![key.into()]))
}

fn str_of(data: &[(&str, Value)], key: &str) -> String {
    to_s(&look(data, key).unwrap().unwrap())
}

#[test]
fn scope_expressions() {
    let d = [
        (
            "a",
            Value::from(
                "%{facts.os.family}|%{::num}|%{scope('num')}|%{facts.'dotted.fact'}|%{facts.list.1}|%{facts.list.9}",
            ),
        ),
        ("b", Value::from("[%{}][%{::}][%{''}]%{literal('%')}{x}%{nosuch}")),
        ("c", Value::from("%{facts.os}|%{facts.list}")),
        ("u", Value::from("%{facts.x")),
    ];
    assert_eq!(str_of(&d, "a"), "Debian|42|42|dv|one|");
    assert_eq!(str_of(&d, "b"), "[][][]%{x}");
    assert_eq!(str_of(&d, "c"), "{\"family\"=>\"Debian\"}|[\"zero\", \"one\"]");
    assert_eq!(str_of(&d, "u"), "%{facts.x");
}

#[test]
fn lookup_alias_and_errors() {
    let d = [
        ("n", Value::Int(8080)),
        ("al", Value::from("%{ alias('n') }")),
        ("lk", Value::from("%{lookup('n')}")),
        ("bad", Value::from("port %{alias('n')}")),
        ("m", Value::from("%{foo('n')}")),
        ("r", Value::from("%{lookup('r')}")),
    ];
    assert_eq!(look(&d, "al").unwrap(), Some(Value::Int(8080)));
    assert_eq!(look(&d, "lk").unwrap(), Some(Value::from("8080")));
    assert_eq!(
        look(&d, "bad").unwrap_err().message,
        "'alias' interpolation is only permitted if the expression is equal to the entire string"
    );
    assert_eq!(look(&d, "m").unwrap_err().message, "Unknown interpolation method 'foo'");
    assert_eq!(
        look(&d, "r").unwrap_err().message,
        "Lookup of key 'r' failed: Lookup of key 'r' failed: Recursive lookup detected in [r]"
    );
}

#[test]
fn doubling_chain_is_capped_and_fast() {
    // k{i} = k{i-1} twice: 2^60 bytes without caps; memoised and capped it fails fast.
    let mut d: Vec<(String, Value)> = vec![("k0".into(), Value::from("xx"))];
    for i in 1..60 {
        d.push((format!("k{i}"), Value::from(format!("%{{lookup('k{}')}}%{{lookup('k{}')}}", i - 1, i - 1))));
    }
    let refs: Vec<(&str, Value)> = d.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let e = look(&refs, "k59").unwrap_err();
    assert!(e.message.contains("Lamina's limit"), "{e}");
    // Aliased containers doubling.
    let mut d: Vec<(String, Value)> = vec![("a0".into(), Value::Array(vec![Value::Int(1)]))];
    for i in 1..40 {
        let al = Value::from(format!("%{{alias('a{}')}}", i - 1));
        d.push((format!("a{i}"), Value::Array(vec![al.clone(), al])));
    }
    let refs: Vec<(&str, Value)> = d.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    assert!(look(&refs, "a39").unwrap_err().message.contains("Lamina's limit"));
}

#[test]
fn convert_to_bignum_is_unmarked_for_plain_callers() {
    // `Integer.new` makes a bignum of a plain string: `query` must still strip the mark.
    let lo: Value = Value::Hash(
        [("k".to_string(), Value::Hash([("convert_to".to_string(), Value::from("Integer"))].into_iter().collect()))]
            .into_iter()
            .collect(),
    );
    let d = [("lookup_options", lo), ("k", Value::from("123456789012345678901234567890"))];
    assert_eq!(look(&d, "k").unwrap(), Some(Value::from("123456789012345678901234567890")));
}

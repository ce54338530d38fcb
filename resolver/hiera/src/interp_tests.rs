use super::super::{Config, DataSource, Hiera, HieraError, Layers, Level, Locations, Query};
use super::*;
use crate::Key;
use std::sync::Arc;

struct Mem(DataMap);
impl DataSource for Mem {
    fn data(&self, _f: &str, _path: &str, _w: &mut dyn FnMut(String)) -> Result<Option<Arc<DataMap>>, HieraError> {
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

fn scope() -> DataMap {
    let mut facts = DataMap::new();
    facts.insert("os".into(), Data::Hash([(Key::from("family"), Data::from("Debian"))].into_iter().collect()));
    facts.insert("dotted.fact".into(), Data::from("dv"));
    facts.insert("list".into(), Data::Array(vec![Data::from("zero"), Data::from("one")]));
    let mut s = facts.clone();
    s.insert("facts".into(), Data::Hash(facts));
    s.insert("num".into(), Data::Int(42));
    s
}

fn look(data: &[(&str, Data)], key: &str) -> Result<Option<Data>, HieraError> {
    let src = Mem(data.iter().map(|(k, v)| (Key::from(*k), v.clone())).collect());
    let l = layers();
    let sc = scope();
    // Puppet 7's `strict=warning`: undefined variables interpolate "" (one case below).
    Hiera::new(&l, &src, &sc).with_strict(crate::Strict::Warning).query(&Query::new(vec![key.into()]))
}

fn str_of(data: &[(&str, Data)], key: &str) -> String {
    to_s(&look(data, key).unwrap().unwrap())
}

#[test]
fn scope_expressions() {
    let d = [
        (
            "a",
            Data::from(
                "%{facts.os.family}|%{::num}|%{scope('num')}|%{facts.'dotted.fact'}|%{facts.list.1}|%{facts.list.9}",
            ),
        ),
        ("b", Data::from("[%{}][%{::}][%{''}]%{literal('%')}{x}%{nosuch}")),
        ("c", Data::from("%{facts.os}|%{facts.list}")),
        ("u", Data::from("%{facts.x")),
    ];
    assert_eq!(str_of(&d, "a"), "Debian|42|42|dv|one|");
    assert_eq!(str_of(&d, "b"), "[][][]%{x}");
    assert_eq!(str_of(&d, "c"), "{\"family\"=>\"Debian\"}|[\"zero\", \"one\"]");
    assert_eq!(str_of(&d, "u"), "%{facts.x");
}

#[test]
fn lookup_alias_and_errors() {
    let d = [
        ("n", Data::Int(8080)),
        ("al", Data::from("%{ alias('n') }")),
        ("lk", Data::from("%{lookup('n')}")),
        ("bad", Data::from("port %{alias('n')}")),
        ("m", Data::from("%{foo('n')}")),
        ("r", Data::from("%{lookup('r')}")),
    ];
    assert_eq!(look(&d, "al").unwrap(), Some(Data::Int(8080)));
    assert_eq!(look(&d, "lk").unwrap(), Some(Data::from("8080")));
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
    let mut d: Vec<(String, Data)> = vec![("k0".into(), Data::from("xx"))];
    for i in 1..60 {
        d.push((format!("k{i}"), Data::from(format!("%{{lookup('k{}')}}%{{lookup('k{}')}}", i - 1, i - 1))));
    }
    let refs: Vec<(&str, Data)> = d.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let e = look(&refs, "k59").unwrap_err();
    assert!(e.message.contains("Lamina's limit"), "{e}");
    // Aliased containers doubling.
    let mut d: Vec<(String, Data)> = vec![("a0".into(), Data::Array(vec![Data::Int(1)]))];
    for i in 1..40 {
        let al = Data::from(format!("%{{alias('a{}')}}", i - 1));
        d.push((format!("a{i}"), Data::Array(vec![al.clone(), al])));
    }
    let refs: Vec<(&str, Data)> = d.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    assert!(look(&refs, "a39").unwrap_err().message.contains("Lamina's limit"));
}

#[test]
fn convert_to_makes_a_bignum_of_a_string() {
    // `Integer.new` makes an Integer beyond 64 bits of a plain string; callers outside Hiera
    // get it as an estate Integer of the same size.
    let lo: Data = Data::Hash(
        [(Key::from("k"), Data::Hash([(Key::from("convert_to"), Data::from("Integer"))].into_iter().collect()))]
            .into_iter()
            .collect(),
    );
    let d = [("lookup_options", lo), ("k", Data::from("123456789012345678901234567890"))];
    let found = look(&d, "k").unwrap().unwrap();
    assert!(matches!(&found, Data::BigInt(b) if b.as_str() == "123456789012345678901234567890"), "{found:?}");
    assert_eq!(found.into_value().to_string(), "123456789012345678901234567890");
}

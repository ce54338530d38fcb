//! A session answers many lookups and keeps what cannot change within it (locations, data,
//! scope texts, interpolated entries, nested lookups). Puppet keeps none of that between two
//! `lookup()` calls, so every answer of a long session — value, not found or error text — must
//! be what a fresh session gives for the same query, whatever was asked before.

use super::super::{Config, DataSource, Hiera, HieraError, Layers, Level, Locations, Query, Strategy};
use crate::{Data, DataMap, Key};
use proptest::prelude::{ProptestConfig, prop_assert_eq, proptest};
use proptest::strategy::Strategy as _;
use std::sync::Arc;

/// Two data files, `node.yaml` over `common.yaml`.
struct Files(DataMap, DataMap);

impl DataSource for Files {
    fn data(&self, _f: &str, path: &str, _w: &mut dyn FnMut(String)) -> Result<Option<Arc<DataMap>>, HieraError> {
        Ok(Some(Arc::new(if path.ends_with("node.yaml") { self.0.clone() } else { self.1.clone() })))
    }
    fn glob(&self, _pattern: &str) -> Vec<String> {
        Vec::new()
    }
}

fn layers() -> Layers {
    let level = |name: &str| Level {
        name: name.into(),
        function: "yaml_data".into(),
        datadir: "/d".into(),
        locations: Locations::Paths(vec![format!("{name}.yaml")]),
    };
    Layers {
        global: Some(Ok(Config {
            file: "/h.yaml".into(),
            hierarchy: vec![level("node"), level("common")],
            default_hierarchy: vec![],
        })),
        ..Layers::default()
    }
}

fn scope() -> DataMap {
    let mut facts = DataMap::new();
    facts.insert("os".into(), Data::Hash([(Key::from("family"), Data::from("Debian"))].into_iter().collect()));
    facts.insert("role".into(), Data::from("web"));
    let mut s = facts.clone();
    s.insert("facts".into(), Data::Hash(facts));
    // A variable whose value interpolates again, scope only and through a lookup.
    s.insert("again".into(), Data::from("<%{facts.role}>"));
    s.insert("via".into(), Data::from("<%{lookup('k1')}>"));
    s
}

const KEYS: usize = 5;

/// Strings that read the scope, look keys up (possibly in a cycle), alias, or are plain.
fn text() -> impl proptest::strategy::Strategy<Value = Data> {
    (0usize..11, 0usize..KEYS).prop_map(|(kind, k)| {
        Data::from(match kind {
            0 => "plain".to_string(),
            1 => "%{facts.os.family}-%{facts.role}".to_string(),
            2 => "%{nosuch}|%{::role}".to_string(),
            3 => format!("%{{lookup('k{k}')}}!"),
            4 => format!("%{{alias('k{k}')}}"),
            5 => format!("%{{hiera('k{k}.x')}}"),
            6 => "%{again}".to_string(),
            7 => "%{via}".to_string(),
            8 => "%{literal('%')}{x}".to_string(),
            9 => "%{facts.os}".to_string(),
            _ => format!("%{{scope('facts.role')}}{k}"),
        })
    })
}

fn value() -> impl proptest::strategy::Strategy<Value = Data> {
    let leaf = proptest::prop_oneof![3 => text(), 1 => (0i64..3).prop_map(Data::Int)];
    leaf.prop_recursive(2, 8, 3, |inner| {
        proptest::prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Data::Array),
            proptest::collection::vec((proptest::sample::select(vec!["x", "y", "%{facts.role}"]), inner), 0..3)
                .prop_map(|kv| Data::Hash(kv.into_iter().map(|(k, v)| (Key::from(k), v)).collect())),
        ]
    })
}

/// `lookup_options` giving some keys a merge (by name or by pattern), possibly a broken one.
fn options() -> impl proptest::strategy::Strategy<Value = Option<Data>> {
    let merge = |key: &str, how: &str| {
        let how: DataMap = [(Key::from("merge"), Data::from(how))].into_iter().collect();
        Some(Data::Hash([(Key::from(key), Data::Hash(how))].into_iter().collect()))
    };
    (0usize..9).prop_map(move |i| match i {
        0 => merge("k0", "unique"),
        1 => merge("^k[12]", "deep"),
        2 => merge("k3", "hash"),
        3 => merge("k4", "nosuch"),
        4 => Some(Data::from("%{facts.role}")),
        // Nested lookups while the options are read (see `options_cache`).
        5 => merge("k0", "%{lookup('s')}"),
        6 => merge("k1", "%{lookup('k1')}"),
        7 => Some(Data::from("%{alias('opts')}")),
        _ => None,
    })
}

fn file() -> impl proptest::strategy::Strategy<Value = DataMap> {
    (proptest::collection::vec(proptest::option::of(value()), KEYS), options()).prop_map(|(vs, lo)| {
        let mut m: DataMap =
            vs.into_iter().enumerate().filter_map(|(i, v)| Some((Key::from(format!("k{i}")), v?))).collect();
        if let Some(lo) = lo {
            m.insert("lookup_options".into(), lo);
        }
        m.insert("s".into(), Data::from("unique"));
        let deep: DataMap = [(Key::from("merge"), Data::from("deep"))].into_iter().collect();
        m.insert("opts".into(), Data::Hash([(Key::from("k2"), Data::Hash(deep))].into_iter().collect()));
        m
    })
}

fn query(k: usize, dotted: bool, merge: usize) -> Query {
    let name = if dotted { format!("k{k}.x") } else { format!("k{k}") };
    let mut q = Query::new(vec![name]);
    q.merge = match merge {
        0 => None,
        1 => Some(Strategy::Unique),
        2 => Some(Strategy::Hash),
        _ => Some(Strategy::Deep(super::super::DeepOptions::default())),
    };
    q
}

fn answer(r: Result<Option<Data>, HieraError>) -> String {
    match r {
        Ok(Some(v)) => format!("{v:?}"),
        Ok(None) => "not found".into(),
        Err(e) => format!("error: {}", e.message),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_long_session_answers_as_fresh_ones(
        node in file(),
        common in file(),
        asks in proptest::collection::vec((0..KEYS, proptest::bool::weighted(0.2), 0usize..4), 1..24),
    ) {
        let (l, sc, src) = (layers(), scope(), Files(node, common));
        let session = Hiera::new(&l, &src, &sc);
        // Every query twice: the second is answered from whatever the first kept.
        for &(k, dotted, merge) in asks.iter().chain(&asks) {
            let q = query(k, dotted, merge);
            let fresh = answer(Hiera::new(&l, &src, &sc).query(&q));
            prop_assert_eq!(answer(session.query(&q)), fresh, "{}", q.names[0]);
        }
    }
}

/// Issue 3: a nested lookup memoised under one key was served under another whose stack held
/// it, hiding Puppet's recursion error (found by the property above).
#[test]
fn issue3_memoised_nested_lookup_keeps_the_recursion_check() {
    let node: DataMap = [(Key::from("k1"), Data::from("plain"))].into_iter().collect();
    let common: DataMap = [(Key::from("k1"), Data::Array(vec![Data::from("%{lookup('k1')}!")]))].into_iter().collect();
    let (l, sc, src) = (layers(), scope(), Files(node, common));
    let session = Hiera::new(&l, &src, &sc);
    // `k1.x` interpolates common's k1 under the name `k1.x`: the nested `k1` is found ("plain"),
    // then the unique-merged array cannot be dug into.
    let dotted = answer(session.query(&query(1, true, 1)));
    assert!(dotted.contains("Got Array when a hash-like object was expected"), "{dotted}");
    let err = answer(session.query(&query(1, false, 1)));
    assert!(err.contains("Recursive lookup detected in [k1]"), "{err}");
}

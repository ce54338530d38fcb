//! Properties: output does not depend on input order, merges are idempotent, a host's result
//! does not depend on unrelated hosts.

use lamina_estate::{PsychText, load_source};
use lamina_foreman::deep_merge;
use lamina_foreman::model::{EstateSource, Host};
use lamina_foreman::{Estate, Map, Value, compile, resolve};
use lamina_generate::{GenOptions, generate};
use lamina_yaml::Limits;
use lamina_yaml::to_yaml;
use proptest::prelude::*;
use std::sync::OnceLock;

/// One generated estate shared by the properties (generating is the slow part).
fn source() -> &'static EstateSource {
    static SRC: OnceLock<EstateSource> = OnceLock::new();
    SRC.get_or_init(|| {
        let d = tempfile::tempdir().expect("tempdir");
        generate(&GenOptions { hosts: 120, seed: 42 }, d.path()).expect("generate");
        load_source(d.path(), &Limits::default()).expect("generated estate loads")
    })
}

fn render(e: &Estate, certname: &str) -> String {
    let h = e.host(certname).expect("host");
    match resolve(e, h, false).and_then(|r| r.document()) {
        Ok(doc) => to_yaml(&doc.into_value()),
        Err(err) => format!("error: {err}"),
    }
}

fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        #[allow(clippy::cast_possible_truncation)]
        let j = (*seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

fn baseline() -> &'static (Estate, Vec<(String, String)>) {
    static B: OnceLock<(Estate, Vec<(String, String)>)> = OnceLock::new();
    B.get_or_init(|| {
        let e = compile(source().clone(), &PsychText).expect("compiles");
        let out = e.certnames().iter().map(|c| (c.clone(), render(&e, c))).collect();
        (e, out)
    })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        "[a-z]{0,4}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-c]", inner), 0..4).prop_map(|kv| Value::Hash(kv.into_iter().collect())),
        ]
    })
}

fn hash() -> impl Strategy<Value = Map> {
    prop::collection::vec(("[a-d]", value()), 0..5).prop_map(|kv| kv.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Shuffling every list of the estate (hosts, host groups, classes, config groups,
    /// taxonomies, override values) changes no byte of any host's document.
    #[test]
    fn output_is_independent_of_input_order(seed in 1u64..u64::MAX) {
        let mut s = seed;
        let mut src = source().clone();
        shuffle(&mut src.hosts, &mut s);
        shuffle(&mut src.hostgroups, &mut s);
        shuffle(&mut src.puppetclasses, &mut s);
        shuffle(&mut src.config_groups, &mut s);
        shuffle(&mut src.organizations, &mut s);
        shuffle(&mut src.locations, &mut s);
        shuffle(&mut src.domains, &mut s);
        shuffle(&mut src.subnets, &mut s);
        shuffle(&mut src.operatingsystems, &mut s);
        for c in &mut src.puppetclasses {
            shuffle(&mut c.parameters, &mut s);
            for p in &mut c.parameters {
                shuffle(&mut p.override_values, &mut s);
            }
        }
        let e = compile(src, &PsychText).expect("compiles");
        for (c, want) in &baseline().1 {
            prop_assert_eq!(&render(&e, c), want, "host {}", c);
        }
    }

    /// Adding hosts nobody refers to changes no other host's document.
    #[test]
    fn hosts_do_not_depend_on_unrelated_hosts(n in 1usize..20, pick in 0usize..1000) {
        let mut src = source().clone();
        let template = src.hosts[pick % src.hosts.len()].clone();
        for i in 0..n {
            let name = format!("extra-{i}.unrelated.example");
            src.hosts.push(Host { name: name.clone(), certname: None, ..template.clone() });
        }
        let e = compile(src, &PsychText).expect("compiles");
        for (c, want) in &baseline().1 {
            prop_assert_eq!(&render(&e, c), want, "host {}", c);
        }
    }

    /// `deep_merge` (ActiveSupport's `deep_merge!`) is idempotent: merging what is already
    /// there changes nothing, and `(a ⊕ b) ⊕ b = a ⊕ b`.
    #[test]
    fn deep_merge_is_idempotent(a in hash(), b in hash()) {
        let mut aa = a.clone();
        deep_merge(&mut aa, &a);
        prop_assert_eq!(&aa, &a);
        let mut ab = a.clone();
        deep_merge(&mut ab, &b);
        let mut abb = ab.clone();
        deep_merge(&mut abb, &b);
        prop_assert_eq!(abb, ab);
    }
}

/// Loading host files builds only the facts that order lines name; the documents are the same
/// as when every fact is kept (a host file that also holds `settings` turns the filter off).
#[test]
fn fact_filtering_is_invisible() {
    let d = tempfile::tempdir().expect("tempdir");
    let filtered = d.path().join("filtered");
    generate(&GenOptions { hosts: 150, seed: 9 }, &filtered).expect("generate");
    let full = d.path().join("full");
    std::fs::create_dir_all(full.join("hosts")).expect("mkdir");
    for entry in std::fs::read_dir(&filtered).expect("read") {
        let p = entry.expect("entry").path();
        if p.is_file() && p.file_name() != Some(std::ffi::OsStr::new("settings.yaml")) {
            std::fs::copy(&p, full.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let settings = std::fs::read_to_string(filtered.join("settings.yaml")).expect("settings");
    for entry in std::fs::read_dir(filtered.join("hosts")).expect("read") {
        let p = entry.expect("entry").path();
        let mut text = std::fs::read_to_string(&p).expect("hosts");
        if p.ends_with("hosts-0000.yaml") {
            text.push('\n');
            text.push_str(&settings);
        }
        std::fs::write(full.join("hosts").join(p.file_name().expect("name")), text).expect("write");
    }
    let a = lamina_estate::load(&filtered).expect("filtered loads");
    let b = lamina_estate::load(&full).expect("full loads");
    let kept =
        |e: &Estate| e.certnames().iter().map(|c| e.host_source(e.host(c).expect("host")).facts.len()).sum::<usize>();
    assert!(kept(&a) < kept(&b), "the filter dropped facts ({} vs {})", kept(&a), kept(&b));
    assert_eq!(a.certnames(), b.certnames());
    for c in a.certnames() {
        assert_eq!(render(&a, c), render(&b, c), "host {c}");
    }
}

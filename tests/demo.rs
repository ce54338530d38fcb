//! The bundled demo estate renders every host, and each host shows what `corpus/demo/README.md`
//! says it shows.

use lamina_estate::load;
use lamina_foreman::{Estate, Value, resolve};
use lamina_tests::repo_root;
use std::sync::OnceLock;

fn demo() -> &'static Estate {
    static E: OnceLock<Estate> = OnceLock::new();
    E.get_or_init(|| load(&repo_root().join("corpus/demo")).expect("demo estate loads"))
}

fn doc(certname: &str) -> Value {
    let e = demo();
    let h = e.host(certname).unwrap_or_else(|| panic!("{certname} in demo"));
    resolve(e, h, false).expect("resolves").document().expect("document").into_value()
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| match cur {
        Value::Hash(m) => m.get(*k),
        _ => None,
    })
}

#[test]
fn every_demo_host_renders() {
    let e = demo();
    assert_eq!(e.host_count(), 12);
    for c in e.certnames() {
        let h = e.host(c).expect("host");
        resolve(e, h, false).and_then(|r| r.document()).unwrap_or_else(|err| panic!("{c}: {err}"));
    }
}

#[test]
fn web01_fqdn_values_combined_matcher_and_layering() {
    let d = doc("web01.demo.example.com");
    assert_eq!(get(&d, &["classes", "apache", "listen_port"]), Some(&Value::Int(8443)));
    assert_eq!(get(&d, &["classes", "motd", "message"]), Some(&Value::from("Public web tier (demo.example.com)")));
    assert!(get(&d, &["classes", "apache", "vhosts", "shop"]).is_some(), "fqdn hash merged in");
    assert_eq!(get(&d, &["parameters", "tier"]), Some(&Value::from("gold")));
    assert_eq!(get(&d, &["parameters", "rack_power_kw"]), Some(&Value::Int(16)), "\"0x10\" cast to 16");
    assert_eq!(get(&d, &["parameters", "http_port"]), Some(&Value::Int(8080)), "host beats host group");
    assert_eq!(get(&d, &["parameters", "puppetmaster"]), Some(&Value::from("puppet-dmz.demo.example.com")));
    let servers = get(&d, &["classes", "ntp", "servers"]).expect("servers");
    let Value::Array(s) = servers else { panic!("array") };
    assert_eq!(s.iter().filter(|v| **v == Value::from("0.pool.ntp.org")).count(), 1, "avoid_duplicates");
}

#[test]
fn combined_matcher_quirk_db01_vs_db02() {
    // Foreman never generates hostgroup=Base/DB,organization=ACME for a host in ACME/Ops.
    let d1 = doc("db01.demo.example.com");
    let d2 = doc("db02.ops.example.net");
    assert_eq!(get(&d1, &["classes", "nrpe", "command_timeout"]), Some(&Value::Int(30)));
    assert_eq!(get(&d2, &["classes", "nrpe", "command_timeout"]), Some(&Value::Int(120)));
    assert_eq!(get(&d2, &["classes", "postgresql", "version"]), Some(&Value::from("15")), "key omit, value matched");
    assert_eq!(get(&d1, &["classes", "postgresql", "version"]), None, "key omit, no match");
}

#[test]
fn nas01_has_no_environment() {
    let d = doc("nas01.ops.example.net");
    assert_eq!(get(&d, &["classes"]), Some(&Value::Array(Vec::new())));
    assert_eq!(get(&d, &["environment"]), None);
}

#[test]
fn lb01_omitted_value_and_config_group() {
    let d = doc("lb01.demo.example.com");
    assert_eq!(get(&d, &["classes", "motd", "message"]), None);
    assert!(get(&d, &["classes", "motd", "footer"]).is_some());
    assert!(get(&d, &["classes", "haproxy"]).is_some(), "edge config group brings haproxy");
}

#[test]
fn app02_development_drops_production_only_class() {
    let d = doc("app02.demo.example.com");
    assert_eq!(get(&d, &["environment"]), Some(&Value::from("development")));
    assert!(get(&d, &["classes", "collectd"]).is_none());
}

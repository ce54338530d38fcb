//! Every field of the estate format's table (`lamina_estate::FIELDS`) is read by the loader and
//! kept by every place that carries an estate: the store's writer and readers (import, then the
//! whole read and the per-host read) and the exporter (export, then loading its files again).
//!
//! Each case sets one field of one object of a small valid estate to a value other than the
//! base estate's, then checks that the loaded model differs from the base's (the loader kept
//! it), that the ENC shows it where Foreman's does, and that the store and the exported files
//! give back the same model (origins aside) and the same ENC for every host. The cases cover the
//! table exactly: a field added to the table without a case, or a case for a field the table
//! does not have, fails. The generator writes no field outside the table.

use lamina_estate::{self as estate, FIELDS, PsychText};
use lamina_foreman::model::{EstateSource, Origin};
use lamina_foreman::{Estate, Map, Value, compile, resolve};
use lamina_generate::{GenOptions, generate};
use lamina_store as store;
use lamina_yaml::{self as yaml, Limits};
use std::collections::BTreeSet;
use std::path::Path;

/// The estate every case starts from: one object of each kind, valid, small.
const BASE: &str = r#"
parameters:
  global_p: g
organizations:
  - {title: ACME}
locations:
  - {title: DC1}
domains:
  - {name: example.com}
subnets:
  - {name: prod-a}
operatingsystems:
  - {name: CentOS, major: "7"}
environments: [production]
puppetclasses:
  ntp:
    parameters:
      servers:
        parameter_type: array
        default_value: [a]
        override: true
        override_values:
          - {match: "hostgroup=Base", value: [b]}
      probe:
  motd:
config_groups:
  - {name: monitoring, puppetclasses: [motd]}
hostgroups:
  - {title: Base, environment: production, puppetclasses: [ntp]}
  - {title: Base/Web}
hosts:
  - name: web01.example.com
    hostgroup: Base/Web
    parameters: [{name: host_p, value: "1"}]
    interfaces:
      - {identifier: eth0, primary: true}
"#;

/// The object of the base estate whose fields a section's cases set.
fn object(section: &str) -> &'static str {
    match section {
        "estate" => "",
        "settings" => "settings",
        "parameters" => "hosts/0/parameters/0",
        "organizations" => "organizations/0",
        "locations" => "locations/0",
        "domains" => "domains/0",
        "subnets" => "subnets/0",
        "operatingsystems" => "operatingsystems/0",
        "puppetclasses" => "puppetclasses/ntp",
        "puppetclasses.parameters" => "puppetclasses/ntp/parameters/probe",
        "puppetclasses.parameters.override_values" => "puppetclasses/ntp/parameters/servers/override_values/0",
        "config_groups" => "config_groups/0",
        "hostgroups" => "hostgroups/1",
        "hosts" => "hosts/0",
        "hosts.owner" => "hosts/0/owner",
        "hosts.interfaces" => "hosts/0/interfaces/0",
        other => panic!("section {other} of the field table has no object in this test's base estate"),
    }
}

/// One field set to a non-default value.
#[derive(Debug, Clone)]
struct Case {
    section: &'static str,
    field: &'static str,
    /// Below the field: empty sets the field itself, `+` appends to its list, a name sets that
    /// entry of its mapping.
    at: &'static str,
    /// The value, as YAML.
    value: &'static str,
    /// Other edits that keep the estate valid (`path`, YAML).
    also: Vec<(&'static str, &'static str)>,
    /// Where the first host's ENC shows the field (`path`, YAML value), if it does.
    enc: Option<(String, &'static str)>,
}

fn set(section: &'static str, field: &'static str, value: &'static str) -> Case {
    Case { section, field, at: "", value, also: Vec::new(), enc: None }
}

impl Case {
    fn at(mut self, at: &'static str) -> Self {
        self.at = at;
        self
    }
    fn also(mut self, path: &'static str, value: &'static str) -> Self {
        self.also.push((path, value));
        self
    }
    fn enc(mut self, path: impl Into<String>, value: &'static str) -> Self {
        self.enc = Some((path.into(), value));
        self
    }
}

/// One case per field of the table.
#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    let s = "estate";
    let mut out = vec![
        set(s, "settings", "\"$5$top\"").at("root_pass").enc("parameters/root_pw", "\"$5$top\""),
        set(s, "parameters", "42").at("extra_p").enc("parameters/extra_p", "42"),
        set(s, "organizations", "{title: Umbrella}").at("+"),
        set(s, "locations", "{title: DC2}").at("+"),
        set(s, "domains", "{name: other.example.com}").at("+"),
        set(s, "subnets", "{name: dmz}").at("+"),
        set(s, "operatingsystems", "{name: Debian, major: \"12\"}").at("+"),
        set(s, "environments", "staging").at("+"),
        set(s, "puppetclasses", "~").at("extra"),
        set(s, "config_groups", "{name: edge}").at("+"),
        set(s, "hostgroups", "{title: Other}").at("+"),
        set(s, "hosts", "{name: web02.example.com, hostgroup: Base}").at("+"),
    ];
    let s = "settings";
    out.extend([
        set(s, "default_lookup_path", "[hostgroup, fqdn]"),
        set(s, "matchers_inheritance", "false").enc("classes/ntp/servers", "[a]"),
        set(s, "enc_environment", "false"),
        set(s, "root_pass", "\"$5$set\"").enc("parameters/root_pw", "\"$5$set\""),
        set(s, "interpolate_erb_in_parameters", "false")
            .also("hosts/0/parameters/0/value", "\"<%= 1 %>\"")
            .enc("parameters/host_p", "\"<%= 1 %>\""),
        set(s, "safemode_render", "false")
            .also("hosts/0/parameters/0/value", "\"<%= @host.environment %>\"")
            .enc("parameters/host_p", "production"),
    ]);
    let s = "parameters";
    out.extend([
        set(s, "name", "renamed_p").enc("parameters/renamed_p", "\"1\""),
        set(s, "value", "\"2\"").enc("parameters/host_p", "\"2\""),
        set(s, "parameter_type", "integer").enc("parameters/host_p", "1"),
        set(s, "hidden_value", "true").enc("parameters/host_p", "\"1\""),
    ]);
    let s = "organizations";
    out.extend([
        set(s, "title", "Umbrella").also("hosts/0/organization", "Umbrella").enc("parameters/organization", "Umbrella"),
        set(s, "parameters", "{org_p: 1}").also("hosts/0/organization", "ACME").enc("parameters/org_p", "1"),
    ]);
    let s = "locations";
    out.extend([
        set(s, "title", "DC9").also("hosts/0/location", "DC9").enc("parameters/location", "DC9"),
        set(s, "parameters", "{loc_p: 1}").also("hosts/0/location", "DC1").enc("parameters/loc_p", "1"),
    ]);
    let s = "domains";
    out.extend([
        set(s, "name", "renamed.example.com")
            .also("hosts/0/domain", "renamed.example.com")
            .enc("parameters/domainname", "renamed.example.com"),
        set(s, "fullname", "\"Example Inc.\"")
            .also("hosts/0/domain", "example.com")
            .enc("parameters/foreman_domain_description", "\"Example Inc.\""),
        set(s, "parameters", "{dom_p: 1}").also("hosts/0/domain", "example.com").enc("parameters/dom_p", "1"),
    ]);
    let s = "subnets";
    out.push(
        set(s, "name", "renamed").also("hosts/0/subnet", "renamed").enc("parameters/foreman_subnets/0/name", "renamed"),
    );
    for (field, value) in [
        ("network", "\"10.0.0.0\""),
        ("mask", "\"255.255.255.0\""),
        ("gateway", "\"10.0.0.1\""),
        ("dns_primary", "\"10.0.0.2\""),
        ("dns_secondary", "\"10.0.0.3\""),
        ("from", "\"10.0.0.10\""),
        ("to", "\"10.0.0.200\""),
        ("boot_mode", "DHCP"),
        ("ipam", "\"Internal DB\""),
        ("vlanid", "42"),
        ("mtu", "9000"),
        ("nic_delay", "5"),
        ("network_type", "IPv4"),
        ("description", "\"front end\""),
    ] {
        let c = set(s, field, value).also("hosts/0/subnet", "prod-a");
        out.push(c.enc(format!("parameters/foreman_subnets/0/{field}"), value));
    }
    out.push(set(s, "parameters", "{sub_p: 1}").also("hosts/0/subnet", "prod-a").enc("parameters/sub_p", "1"));
    let s = "operatingsystems";
    out.extend([
        set(s, "name", "Alma").also("hosts/0/operatingsystem", "Alma 7"),
        set(s, "major", "\"8\"").also("hosts/0/operatingsystem", "CentOS 8"),
        set(s, "minor", "\"9\"").also("hosts/0/operatingsystem", "CentOS 7.9"),
        set(s, "description", "\"CentOS Linux 7\"").also("hosts/0/operatingsystem", "CentOS 7"),
        set(s, "password_hash", "SHA512").also("hosts/0/operatingsystem", "CentOS 7"),
        set(s, "family", "Redhat")
            .also("hosts/0/operatingsystem", "CentOS 7")
            .also("hosts/0/parameters/0/value", "\"<%= @host.os.family %>\"")
            .enc("parameters/host_p", "Redhat"),
        set(s, "parameters", "{os_p: 1}").also("hosts/0/operatingsystem", "CentOS 7").enc("parameters/os_p", "1"),
    ]);
    let s = "puppetclasses";
    out.extend([
        set(s, "environments", "[production]"),
        set(s, "parameters", "{other: {override: true, default_value: x}}").enc("classes/ntp/other", "x"),
    ]);
    let s = "puppetclasses.parameters";
    out.extend([
        set(s, "parameter_type", "integer"),
        set(s, "default_value", "x"),
        set(s, "override", "true").enc("classes/ntp/probe", "\"\""),
        set(s, "override_value_order", "[fqdn, domain]"),
        set(s, "merge_overrides", "true").also("puppetclasses/ntp/parameters/probe/parameter_type", "array"),
        set(s, "merge_default", "true")
            .also("puppetclasses/ntp/parameters/probe/parameter_type", "array")
            .also("puppetclasses/ntp/parameters/probe/merge_overrides", "true"),
        set(s, "avoid_duplicates", "true")
            .also("puppetclasses/ntp/parameters/probe/parameter_type", "array")
            .also("puppetclasses/ntp/parameters/probe/merge_overrides", "true"),
        set(s, "omit", "true"),
        set(s, "hidden_value", "true"),
        set(s, "validator_type", "list").also("puppetclasses/ntp/parameters/probe/validator_rule", "\"a, b\""),
        set(s, "validator_rule", "\"^x$\""),
        set(s, "required", "true"),
        set(s, "description", "\"a probe\""),
        set(s, "override_values", "[{match: \"hostgroup=Base/Web\", value: y}]")
            .also("puppetclasses/ntp/parameters/probe/override", "true")
            .enc("classes/ntp/probe", "y"),
        set(s, "key_type", "integer"),
    ]);
    let s = "puppetclasses.parameters.override_values";
    out.extend([
        set(s, "match", "\"hostgroup=Base/Web\"").enc("classes/ntp/servers", "[b]"),
        set(s, "value", "[c]").enc("classes/ntp/servers", "[c]"),
        set(s, "omit", "true"),
    ]);
    let s = "config_groups";
    out.extend([set(s, "name", "observability"), set(s, "puppetclasses", "[motd, ntp]")]);
    let s = "hostgroups";
    out.extend([
        set(s, "title", "Base/Front").also("hosts/0/hostgroup", "Base/Front").enc("parameters/hostgroup", "Base/Front"),
        set(s, "environment", "production"),
        set(s, "puppetclasses", "[motd]").enc("classes/motd", "~"),
        set(s, "config_groups", "[monitoring]").enc("parameters/foreman_config_groups", "[monitoring]"),
        set(s, "parameters", "{hg_p: 1}").enc("parameters/hg_p", "1"),
        set(s, "root_pass", "\"$5$hg\"").enc("parameters/root_pw", "\"$5$hg\""),
        set(s, "puppet_proxy", "puppet.example.com").enc("parameters/puppetmaster", "puppet.example.com"),
        set(s, "puppet_ca_proxy", "ca.example.com").enc("parameters/puppet_ca", "ca.example.com"),
    ]);
    let s = "hosts";
    out.extend([
        set(s, "name", "web09.example.com").enc("parameters/foreman_fqdn", "web09.example.com"),
        set(s, "certname", "cert01"),
        set(s, "hostgroup", "Base").enc("parameters/hostgroup", "Base"),
        set(s, "organization", "ACME").enc("parameters/organization", "ACME"),
        set(s, "location", "DC1").enc("parameters/location", "DC1"),
        set(s, "domain", "example.com").enc("parameters/domainname", "example.com"),
        set(s, "subnet", "prod-a").enc("parameters/foreman_subnets/0/name", "prod-a"),
        set(s, "subnet6", "prod-a").enc("parameters/foreman_subnets/0/name", "prod-a"),
        set(s, "operatingsystem", "CentOS 7"),
        set(s, "architecture", "x86_64"),
        set(s, "environment", "production"),
        set(s, "puppetclasses", "[motd]").enc("classes/motd", "~"),
        set(s, "config_groups", "[monitoring]").enc("parameters/foreman_config_groups", "[monitoring]"),
        set(s, "parameters", "{host_map_p: 1}").enc("parameters/host_map_p", "1"),
        set(s, "comment", "\"front end\"").enc("parameters/comment", "\"front end\""),
        set(s, "owner", "{name: Web Team}").enc("parameters/owner_name", "Web Team"),
        set(s, "root_pass", "\"$5$host\"").enc("parameters/root_pw", "\"$5$host\""),
        set(s, "puppet_proxy", "puppet2.example.com").enc("parameters/puppetmaster", "puppet2.example.com"),
        set(s, "puppet_ca_proxy", "ca2.example.com").enc("parameters/puppet_ca", "ca2.example.com"),
        set(s, "interfaces", "[{identifier: eth1}]").enc("parameters/foreman_interfaces/0/identifier", "eth1"),
        set(s, "facts", "{os: {family: RedHat}, is_virtual: true}"),
    ]);
    let s = "hosts.owner";
    out.extend([
        set(s, "name", "Web Team").enc("parameters/owner_name", "Web Team"),
        set(s, "email", "web@example.com").enc("parameters/owner_email", "web@example.com"),
    ]);
    let s = "hosts.interfaces";
    for (field, value) in [
        ("ip", "\"10.0.0.5\""),
        ("ip6", "\"fd00::5\""),
        ("mac", "\"52:54:00:12:34:56\""),
        ("name", "web01-eth0.example.com"),
        ("attrs", "{speed: 1000}"),
        ("virtual", "true"),
        ("link", "false"),
        ("identifier", "eth9"),
        ("managed", "false"),
        ("primary", "false"),
        ("provision", "true"),
        ("subnet", "prod-a"),
        ("subnet6", "prod-a"),
        ("tag", "\"100\""),
        ("attached_to", "eth1"),
        ("type", "Bond"),
    ] {
        let c = set(s, field, value);
        out.push(match field {
            // An interface's subnet is exported as the whole subnet.
            "subnet" | "subnet6" => c.enc("parameters/foreman_subnets/0/name", "prod-a"),
            _ => c.enc(format!("parameters/foreman_interfaces/0/{field}"), value),
        });
    }
    out
}

fn parse(text: &str) -> Value {
    yaml::parse_value(text, "case", &Limits::default()).expect("case YAML").unwrap_or(Value::Null)
}

/// Set the value at `path` (`/`-separated; a number indexes a list, `+` appends to it),
/// creating the mappings on the way.
fn put(doc: &mut Value, path: &str, v: Value) {
    let mut cur = doc;
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if cur.is_null() {
            *cur = if seg == "+" { Value::Array(Vec::new()) } else { Value::Hash(Map::new()) };
        }
        cur = match cur {
            Value::Array(a) => {
                if seg == "+" {
                    a.push(Value::Null);
                }
                let at = if seg == "+" { a.len() - 1 } else { seg.parse::<usize>().expect("list index") };
                &mut a[at]
            }
            Value::Hash(m) => m.entry(seg.to_string()).or_insert(Value::Null),
            other => panic!("{path}: cannot go into {other:?}"),
        };
    }
    *cur = v;
}

fn get<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for seg in path.split('/') {
        cur = match cur {
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            Value::Hash(m) => m.get(seg)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The model without where each object was written (the store and the exporter may move them).
fn without_origins(mut s: EstateSource) -> EstateSource {
    let o = Origin::default;
    s.settings.origin = o();
    let params = |p: &mut Vec<lamina_foreman::model::Parameter>| p.iter_mut().for_each(|p| p.origin = o());
    params(&mut s.parameters);
    for t in s.organizations.iter_mut().chain(&mut s.locations) {
        t.origin = o();
        params(&mut t.parameters);
    }
    for d in &mut s.domains {
        d.origin = o();
        params(&mut d.parameters);
    }
    for x in &mut s.subnets {
        x.origin = o();
        params(&mut x.parameters);
    }
    for x in &mut s.operatingsystems {
        x.origin = o();
        params(&mut x.parameters);
    }
    s.environments.iter_mut().for_each(|e| e.1 = o());
    for c in &mut s.puppetclasses {
        c.origin = o();
        for k in &mut c.parameters {
            k.origin = o();
            k.override_values.iter_mut().for_each(|v| v.origin = o());
        }
    }
    s.config_groups.iter_mut().for_each(|c| c.origin = o());
    for g in &mut s.hostgroups {
        g.origin = o();
        params(&mut g.parameters);
    }
    for h in &mut s.hosts {
        h.origin = o();
        params(&mut h.parameters);
        h.interfaces.iter_mut().for_each(|n| n.origin = o());
    }
    s
}

/// Fail showing where two models first differ (a whole model is too long to read).
fn same_model(got: &EstateSource, want: &EstateSource, what: &str) {
    if got == want {
        return;
    }
    let (g, w) = (format!("{got:#?}"), format!("{want:#?}"));
    let (g, w): (Vec<&str>, Vec<&str>) = (g.lines().collect(), w.lines().collect());
    let at = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
    let part = |l: &[&str]| l[at.saturating_sub(10).min(l.len())..(at + 3).min(l.len())].join("\n");
    panic!("{what} differs:\n--- got\n{}\n--- expected\n{}", part(&g), part(&w));
}

fn enc_doc(e: &Estate, host: u32) -> Result<Value, String> {
    resolve(e, host, false).and_then(|r| r.document()).map(|d| d.into_value()).map_err(|err| format!("error: {err}"))
}

/// Every host's ENC (or its error), in certname order.
fn encs(e: &Estate) -> Vec<(String, String)> {
    e.certnames()
        .iter()
        .map(|c| {
            let h = e.host(c).expect("host in estate");
            (c.clone(), enc_doc(e, h).map_or_else(|err| err, |d| yaml::to_yaml(&d)))
        })
        .collect()
}

fn compiled(src: &EstateSource, what: &str) -> Estate {
    compile(src.clone(), &PsychText).unwrap_or_else(|e| panic!("{what} does not compile:\n{e}"))
}

/// Write `doc` as one estate file in a new directory `dir`.
fn write_estate(dir: &Path, doc: &Value) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("estate.yaml"), yaml::to_yaml(doc)).expect("write estate");
}

/// One case through the loader, the store and the exporter.
fn check(case: &Case, i: usize, base: &Value, base_model: &EstateSource, dir: &Path, url: &str) {
    let name = format!("{}.{}", case.section, case.field);
    let mut doc = base.clone();
    let obj = object(case.section);
    let path = [obj, case.field, case.at].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("/");
    put(&mut doc, &path, parse(case.value));
    for (p, v) in &case.also {
        put(&mut doc, p, parse(v));
    }
    let files = dir.join(format!("case-{i:03}"));
    write_estate(&files, &doc);

    // The loader: the field reaches the model, and the ENC where Foreman shows it.
    let loaded = estate::load_source(&files, &Limits::default())
        .unwrap_or_else(|e| panic!("{name}: the estate does not load:\n{e}\n{}", yaml::to_yaml(&doc)));
    let model = without_origins(loaded.clone());
    assert!(&model != base_model, "{name}: the loaded model does not hold the field");
    let e = compiled(&loaded, &name);
    let expected = encs(&e);
    if let Some((p, v)) = &case.enc {
        let doc = enc_doc(&e, 0).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(get(&doc, p), Some(&parse(v)), "{name}: ENC {p}\n{}", yaml::to_yaml(&doc));
    }

    // The store: the whole read and the per-host read.
    store::import(&files, url).unwrap_or_else(|e| panic!("{name}: import: {e}"));
    let stored = store::load_source(url).unwrap_or_else(|e| panic!("{name}: load_source: {e}"));
    same_model(&without_origins(stored), &model, &format!("{name}: the store's model"));
    let from_store = store::load_estate(url).unwrap_or_else(|e| panic!("{name}: load_estate: {e}"));
    assert_eq!(encs(&from_store), expected, "{name}: ENC from the store");
    for (certname, enc) in &expected {
        let part = store::load_host(url, certname).expect("load_host").expect("known host");
        let h = part.host(certname).expect("host in the per-host estate");
        let got = enc_doc(&part, h).map_or_else(|err| err, |d| yaml::to_yaml(&d));
        assert_eq!(&got, enc, "{name}: ENC of {certname} from the per-host read");
    }

    // The exporter: its files load to the same model and ENC.
    let out = dir.join(format!("export-{i:03}"));
    store::export(url, &out).unwrap_or_else(|e| panic!("{name}: export: {e}"));
    let exported = estate::load_source(&out, &Limits::default()).unwrap_or_else(|e| panic!("{name}: exported: {e}"));
    same_model(&without_origins(exported.clone()), &model, &format!("{name}: the exported files' model"));
    assert_eq!(encs(&compiled(&exported, &name)), expected, "{name}: ENC from the exported files");
}

/// The cases cover the table's fields exactly, once each.
#[test]
fn cases_cover_the_field_table() {
    let mut seen = BTreeSet::new();
    for c in cases() {
        assert!(seen.insert((c.section, c.field)), "two cases for {}.{}", c.section, c.field);
    }
    let table: BTreeSet<(&str, &str)> =
        FIELDS.iter().flat_map(|(s, fields)| fields.iter().map(move |f| (*s, *f))).collect();
    let missing: Vec<_> = table.difference(&seen).collect();
    let extra: Vec<_> = seen.difference(&table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "fields without a case: {missing:?}; cases for no field: {extra:?}"
    );
}

#[test]
fn every_field_survives_loader_store_and_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = parse(BASE);
    write_estate(&dir.path().join("base"), &base);
    let base_src = estate::load_source(&dir.path().join("base"), &Limits::default()).expect("base estate loads");
    compiled(&base_src, "the base estate");
    let base_model = without_origins(base_src);
    let url = format!("sqlite://{}", dir.path().join("fields.db").display());
    for (i, case) in cases().iter().enumerate() {
        check(case, i, &base, &base_model, dir.path(), &url);
    }
}

/// Collect the `(section, field)` pairs of one estate file's value, following the table's
/// nesting; a key of a section the table does not list is reported too.
fn walk(section: &'static str, v: &Value, seen: &mut BTreeSet<(String, String)>) {
    let Value::Hash(m) = v else { return };
    let each = |list: &Value, s: &'static str, seen: &mut BTreeSet<(String, String)>| {
        if let Value::Array(items) = list {
            items.iter().for_each(|i| walk(s, i, seen));
        }
    };
    for (k, child) in m {
        seen.insert((section.to_string(), k.clone()));
        match (section, k.as_str()) {
            ("estate", "settings") => walk("settings", child, seen),
            ("estate", "puppetclasses") => {
                if let Value::Hash(classes) = child {
                    classes.values().for_each(|c| walk("puppetclasses", c, seen));
                }
            }
            ("puppetclasses", "parameters") => {
                if let Value::Hash(keys) = child {
                    keys.values().for_each(|k| walk("puppetclasses.parameters", k, seen));
                }
            }
            ("puppetclasses.parameters", "override_values") => {
                each(child, "puppetclasses.parameters.override_values", seen);
            }
            ("hosts", "owner") => walk("hosts.owner", child, seen),
            ("hosts", "interfaces") => each(child, "hosts.interfaces", seen),
            // PARAMS: a map's names are the user's; a list's entries have fields.
            (_, "parameters") => each(child, "parameters", seen),
            ("estate", list) => {
                if let Some((s, _)) = FIELDS.iter().find(|(s, _)| *s == list) {
                    each(child, s, seen);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn the_generator_writes_only_fields_of_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("estate");
    generate(&GenOptions { hosts: 12, seed: 5 }, &out).expect("generate");
    let mut seen = BTreeSet::new();
    for f in estate::estate_files(&out).expect("estate files") {
        let text = std::fs::read_to_string(&f).expect("read");
        let v =
            yaml::parse_value(&text, &f.display().to_string(), &Limits::default()).expect("YAML").expect("a document");
        walk("estate", &v, &mut seen);
    }
    let unknown: Vec<_> =
        seen.iter().filter(|(s, f)| !FIELDS.iter().any(|(t, fields)| t == s && fields.contains(&f.as_str()))).collect();
    assert!(unknown.is_empty(), "the generator writes fields outside the table: {unknown:?}");
    // The walk reached the nested sections (so an unknown field there would have been seen).
    for (s, f) in
        [("hosts", "facts"), ("hosts.interfaces", "identifier"), ("puppetclasses.parameters.override_values", "match")]
    {
        assert!(seen.contains(&(s.to_string(), f.to_string())), "the generated estate has no {s}.{f}");
    }
}

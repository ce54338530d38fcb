//! Foreman's API objects mapped onto estate-format sections.

use super::{Fetch, PullError, all};
use lamina_foreman::SUBNET_EXPORT;
use lamina_value::{Map, Value};
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Requests in flight while hosts are read (each host is three GETs).
const WORKERS: usize = 8;

/// Hosts per estate file, as `lamina export` writes them.
const HOSTS_PER_FILE: usize = 1000;

/// What a pull read: the estate files, and each host's ENC as Foreman rendered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    /// `(relative path, section document)`, to be written as YAML.
    pub files: Vec<(String, Value)>,
    /// Each host's certname and the ENC Foreman serves for it (`data` of `/api/hosts/:id/enc`).
    pub encs: Vec<(String, J)>,
    /// Counts of what was read, by kind.
    pub counts: BTreeMap<&'static str, usize>,
}

/// JSON as an estate value: integers beyond 64 bits and reals stay numbers as far as they can.
fn value(j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n.as_i64().map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
        J::String(s) => Value::String(s.clone()),
        J::Array(a) => Value::Array(a.iter().map(value).collect()),
        J::Object(o) => Value::Hash(o.iter().map(|(k, v)| (k.clone(), value(v))).collect()),
    }
}

fn text(j: &J) -> Option<String> {
    match j {
        J::String(s) if !s.is_empty() => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn obj(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Hash(pairs.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.to_string(), v)).collect())
}

/// A smart proxy child (`smart_proxies/base.json.rabl`: `name`, `id`, `url`) as the ENC names
/// it (`puppetmaster`, `puppet_ca`): the host of its URL.
fn proxy(p: &J) -> Value {
    let Some(url) = p["url"].as_str() else { return Value::Null };
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host.is_empty() { Value::Null } else { Value::from(host) }
}

fn opt(j: &J) -> Value {
    text(j).map_or(Value::Null, Value::String)
}

fn names(list: &J, field: &str) -> Value {
    let v: Vec<Value> =
        list.as_array().into_iter().flatten().filter_map(|x| text(&x[field])).map(Value::String).collect();
    if v.is_empty() { Value::Null } else { Value::Array(v) }
}

/// A parameter list (`app/views/api/v2/parameters/main.json.rabl`) in the estate's list form:
/// name, the cast value, its type, and whether it is hidden (the key is `hidden_value?`).
fn params(list: &[J]) -> Value {
    if list.is_empty() {
        return Value::Null;
    }
    Value::Array(
        list.iter()
            .map(|p| {
                let hidden = p["hidden_value?"].as_bool().unwrap_or(false);
                obj([
                    ("name", opt(&p["name"])),
                    ("value", value(&p["value"])),
                    ("parameter_type", opt(&p["parameter_type"])),
                    ("hidden_value", if hidden { Value::Bool(true) } else { Value::Null }),
                ])
            })
            .collect(),
    )
}

fn section(name: &str, v: Value) -> Value {
    Value::Hash(Map::from_iter([(name.to_string(), v)]))
}

/// Facts as Foreman stores them (`structured_fact_importer.rb`): names flattened with `::`,
/// values strings, each inner node present with `null`. Nested back into hashes; the values
/// stay the strings Foreman matches against.
fn facts(flat: &serde_json::Map<String, J>) -> Value {
    let mut root = Map::new();
    let mut keys: Vec<&String> = flat.keys().collect();
    keys.sort();
    for k in keys {
        let v = &flat[k];
        if v.is_null() {
            continue;
        }
        let parts: Vec<&str> = k.split("::").collect();
        if !insert_path(&mut root, &parts, value(v)) {
            // A leaf with children (not produced by Foreman's importer): kept flat.
            root.insert(k.clone(), value(v));
        }
    }
    Value::Hash(root)
}

/// `v` at `parts` under `m`, creating hashes on the way; `false` when a leaf is in the way.
fn insert_path(m: &mut Map, parts: &[&str], v: Value) -> bool {
    match parts {
        [] => false,
        [last] => {
            m.insert((*last).to_string(), v);
            true
        }
        [first, rest @ ..] => match m.entry((*first).to_string()).or_insert_with(|| Value::Hash(Map::new())) {
            Value::Hash(inner) => insert_path(inner, rest, v),
            _ => false,
        },
    }
}

/// One Foreman setting's value, when it can be read.
fn setting(fetch: &dyn Fetch, name: &str) -> Option<J> {
    fetch.get(&format!("/api/settings/{name}")).ok().map(|s| s["value"].clone()).filter(|v| !v.is_null())
}

/// The estate of the Foreman behind `fetch`. Object lists are read once; hosts are read by
/// eight threads, `progress("hosts", done, of)` told after each.
///
/// # Errors
/// The first failed request.
#[allow(clippy::too_many_lines)]
pub fn pull(fetch: &dyn Fetch, progress: &(dyn Fn(&str, usize, usize) + Sync)) -> Result<Pulled, PullError> {
    let mut files: Vec<(String, Value)> = Vec::new();
    let mut counts = BTreeMap::new();
    let hidden = "show_hidden=true&show_hidden_parameters=true";

    // Settings that change resolution (`config/initializers/f_foreman_settings_*.rb`).
    let mut settings = Map::new();
    if let Some(J::String(path)) = setting(fetch, "Default_parameters_Lookup_Path").as_ref().map(|v| match v {
        J::Array(a) => J::String(a.iter().filter_map(text).collect::<Vec<_>>().join("\n")),
        other => other.clone(),
    }) {
        let lines: Vec<Value> = path.split_whitespace().map(Value::from).collect();
        if !lines.is_empty() {
            settings.insert("default_lookup_path".into(), Value::Array(lines));
        }
    }
    for name in ["matchers_inheritance", "enc_environment", "interpolate_erb_in_parameters", "safemode_render"] {
        if let Some(J::Bool(b)) = setting(fetch, name) {
            settings.insert(name.into(), Value::Bool(b));
        }
    }
    files.push(("settings.yaml".into(), section("settings", Value::Hash(settings))));

    let globals = all(fetch, &format!("/api/common_parameters?{hidden}"))?;
    counts.insert("global parameters", globals.len());
    if !globals.is_empty() {
        files.push(("parameters.yaml".into(), section("parameters", params(&globals))));
    }

    // Taxonomies: titles, parents listed before children (sorted by title), own parameters.
    for (kind, file) in [("organizations", "organizations.yaml"), ("locations", "locations.yaml")] {
        let mut list = all(fetch, &format!("/api/{kind}"))?;
        list.sort_by(|a, b| a["title"].as_str().cmp(&b["title"].as_str()));
        let mut out = Vec::with_capacity(list.len());
        for t in &list {
            let own = all(fetch, &format!("/api/{kind}/{}/parameters?{hidden}", t["id"]))?;
            out.push(obj([("title", opt(&t["title"])), ("parameters", params(&own))]));
        }
        counts.insert(kind, out.len());
        files.push((file.into(), section(kind, Value::Array(out))));
    }

    // Domains, subnets, operating systems: parameters are show-only.
    let mut network = Map::new();
    let domains = all(fetch, "/api/domains")?;
    let mut out = Vec::new();
    for d in &domains {
        let shown = fetch.get(&format!("/api/domains/{}?{hidden}", d["id"]))?;
        let own = shown["parameters"].as_array().cloned().unwrap_or_default();
        out.push(obj([("name", opt(&d["name"])), ("fullname", opt(&d["fullname"])), ("parameters", params(&own))]));
    }
    counts.insert("domains", out.len());
    network.insert("domains".into(), Value::Array(out));
    let subnets = all(fetch, "/api/subnets")?;
    let mut out = Vec::new();
    for s in &subnets {
        let shown = fetch.get(&format!("/api/subnets/{}?{hidden}", s["id"]))?;
        let own = shown["parameters"].as_array().cloned().unwrap_or_default();
        // `Subnet#to_export`'s attributes, as the index renders them.
        let mut m = Map::new();
        for f in SUBNET_EXPORT {
            match &s[f] {
                J::Null => {}
                J::Number(n) => {
                    m.insert(f.into(), n.as_i64().map_or_else(|| Value::String(n.to_string()), Value::Int));
                }
                J::String(v) => {
                    m.insert(f.into(), Value::String(v.clone()));
                }
                other => {
                    m.insert(f.into(), Value::String(other.to_string()));
                }
            }
        }
        if let Value::Array(_) = params(&own) {
            m.insert("parameters".into(), params(&own));
        }
        out.push(Value::Hash(m));
    }
    counts.insert("subnets", out.len());
    network.insert("subnets".into(), Value::Array(out));
    files.push(("network.yaml".into(), Value::Hash(network)));

    // Operating systems: hosts name theirs by Foreman's `to_label` (the description when set);
    // the estate by `<name> <major>.<minor>`.
    let oses = all(fetch, "/api/operatingsystems")?;
    let mut os_title: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for o in &oses {
        let shown = fetch.get(&format!("/api/operatingsystems/{}?{hidden}", o["id"]))?;
        let own = shown["parameters"].as_array().cloned().unwrap_or_default();
        let (name, major, minor) =
            (text(&o["name"]).unwrap_or_default(), text(&o["major"]).unwrap_or_default(), text(&o["minor"]));
        let ours = match &minor {
            Some(m) => format!("{name} {major}.{m}"),
            None => format!("{name} {major}"),
        };
        if let Some(t) = text(&o["title"]) {
            os_title.insert(t, ours.clone());
        }
        os_title.insert(ours.clone(), ours);
        out.push(obj([
            ("name", Value::String(name)),
            ("major", Value::String(major)),
            ("minor", minor.map_or(Value::Null, Value::String)),
            ("description", opt(&o["description"])),
            ("password_hash", opt(&o["password_hash"])),
            ("family", opt(&o["family"])),
            ("parameters", params(&own)),
        ]));
    }
    counts.insert("operating systems", out.len());
    files.push(("operatingsystems.yaml".into(), section("operatingsystems", Value::Array(out))));

    // Environments, and the classes of each (a class in every environment needs no list).
    let envs = all(fetch, "/foreman_puppet/api/environments")?;
    let env_names: Vec<String> = envs.iter().filter_map(|e| text(&e["name"])).collect();
    let mut class_envs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &envs {
        let listed = fetch.get(&format!("/foreman_puppet/api/environments/{}/puppetclasses?style=list", e["id"]))?;
        for c in listed["results"].as_array().into_iter().flatten() {
            if let (Some(c), Some(env)) = (text(&c["name"]), text(&e["name"])) {
                class_envs.entry(c).or_default().push(env);
            }
        }
    }
    counts.insert("environments", env_names.len());
    files.push((
        "environments.yaml".into(),
        section("environments", Value::Array(env_names.iter().map(|e| Value::from(e.as_str())).collect())),
    ));

    // Smart class parameters, each shown for its override values.
    let keys = all(fetch, &format!("/foreman_puppet/api/smart_class_parameters?{hidden}"))?;
    counts.insert("smart class parameters", keys.len());
    let mut classes: BTreeMap<String, Map> = class_envs.keys().map(|c| (c.clone(), Map::new())).collect();
    let mut n_values = 0;
    for k in &keys {
        let shown = fetch.get(&format!("/foreman_puppet/api/smart_class_parameters/{}?{hidden}", k["id"]))?;
        let Some(class) = text(&k["puppetclass_name"]) else { continue };
        let order: Vec<Value> = shown["override_value_order"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(Value::from)
            .collect();
        let values: Vec<Value> = shown["override_values"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                let omit = v["omit"].as_bool().unwrap_or(false);
                obj([
                    ("match", opt(&v["match"])),
                    ("value", if omit { Value::Null } else { value(&v["value"]) }),
                    ("omit", if omit { Value::Bool(true) } else { Value::Null }),
                ])
            })
            .collect();
        n_values += values.len();
        let flag = |f: &str| if shown[f].as_bool().unwrap_or(false) { Value::Bool(true) } else { Value::Null };
        let key = obj([
            ("parameter_type", opt(&shown["parameter_type"])),
            ("default_value", value(&shown["default_value"])),
            ("override", flag("override")),
            ("override_value_order", if order.is_empty() { Value::Null } else { Value::Array(order) }),
            ("merge_overrides", flag("merge_overrides")),
            ("merge_default", flag("merge_default")),
            ("avoid_duplicates", flag("avoid_duplicates")),
            ("omit", flag("omit")),
            ("hidden_value", flag("hidden_value?")),
            ("required", flag("required")),
            ("validator_type", opt(&shown["validator_type"])),
            ("validator_rule", opt(&shown["validator_rule"])),
            ("description", opt(&shown["description"])),
            ("override_values", if values.is_empty() { Value::Null } else { Value::Array(values) }),
        ]);
        if let Some(p) = text(&shown["parameter"]) {
            classes.entry(class).or_default().insert(p, key);
        }
    }
    counts.insert("override values", n_values);
    let all_envs = env_names.len();
    let classes: Map = classes
        .into_iter()
        .map(|(c, params)| {
            let envs = class_envs
                .get(&c)
                .filter(|e| e.len() < all_envs)
                .map(|e| Value::Array(e.iter().map(|x| Value::from(x.as_str())).collect()));
            let params = if params.is_empty() { Value::Null } else { Value::Hash(params) };
            (c, obj([("environments", envs.unwrap_or(Value::Null)), ("parameters", params)]))
        })
        .collect();
    counts.insert("puppet classes", classes.len());
    files.push(("puppetclasses.yaml".into(), section("puppetclasses", Value::Hash(classes))));

    let groups = all(fetch, "/foreman_puppet/api/config_groups")?;
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| obj([("name", opt(&g["name"])), ("puppetclasses", names(&g["puppetclasses"], "name"))]))
        .collect();
    counts.insert("config groups", groups.len());
    files.push(("config_groups.yaml".into(), section("config_groups", Value::Array(groups))));

    // Host groups: `<x>_id` is the group's own setting (null when inherited), `<x>_name` may be
    // inherited (`nested_ancestry_common.rb`); classes and config groups are show-only.
    let mut list = all(fetch, "/api/hostgroups")?;
    list.sort_by(|a, b| a["title"].as_str().cmp(&b["title"].as_str()));
    let mut out = Vec::with_capacity(list.len());
    for g in &list {
        let s = fetch.get(&format!("/api/hostgroups/{}?{hidden}", g["id"]))?;
        let own = |id: &str, v: Value| if s[id].is_null() { Value::Null } else { v };
        let own_params = s["parameters"].as_array().cloned().unwrap_or_default();
        out.push(obj([
            ("title", opt(&s["title"])),
            ("environment", own("environment_id", opt(&s["environment_name"]))),
            ("puppetclasses", names(&s["puppetclasses"], "name")),
            ("config_groups", names(&s["config_groups"], "name")),
            ("puppet_proxy", own("puppet_proxy_id", proxy(&s["puppet_proxy"]))),
            ("puppet_ca_proxy", own("puppet_ca_proxy_id", proxy(&s["puppet_ca_proxy"]))),
            ("parameters", params(&own_params)),
        ]));
    }
    counts.insert("host groups", out.len());
    files.push(("hostgroups.yaml".into(), section("hostgroups", Value::Array(out))));

    // Hosts: show, facts and ENC of each, by several workers.
    let index = all(fetch, "/api/hosts")?;
    let total = index.len();
    let done = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<HostRead, PullError>)>> = Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(total.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(h) = index.get(i) else { break };
                    let r = host(fetch, h, &os_title, hidden);
                    let failed = r.is_err();
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, r));
                    progress("hosts", done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    if failed {
                        next.store(usize::MAX / 2, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    let mut hosts = Vec::with_capacity(total);
    let mut encs = Vec::with_capacity(total);
    for (_, r) in results {
        let (h, certname, enc) = r?;
        hosts.push(h);
        encs.push((certname, enc));
    }
    counts.insert("hosts", hosts.len());
    for (i, chunk) in hosts.chunks(HOSTS_PER_FILE).enumerate() {
        files.push((format!("hosts/hosts-{i:05}.yaml"), section("hosts", Value::Array(chunk.to_vec()))));
    }
    Ok(Pulled { files, encs, counts })
}

/// A host read: its estate entry, certname and Foreman's ENC.
type HostRead = (Value, String, J);

/// One host: its show (`app/views/api/v2/hosts/show.json.rabl`), facts and ENC.
fn host(
    fetch: &dyn Fetch,
    h: &J,
    os_title: &BTreeMap<String, String>,
    hidden: &str,
) -> Result<(Value, String, J), PullError> {
    let id = &h["id"];
    let s = fetch.get(&format!("/api/hosts/{id}?{hidden}"))?;
    let name = text(&s["name"]).ok_or_else(|| PullError::new(&format!("/api/hosts/{id}"), "a host without a name"))?;
    let certname = text(&s["certname"]).unwrap_or_else(|| name.clone());
    let facts_path = format!("/api/hosts/{id}/facts?per_page=1000000");
    let facts_body = fetch.get(&facts_path)?;
    let flat = facts_body["results"]
        .as_object()
        .and_then(|r| r.values().next())
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default();
    let enc_body = fetch.get(&format!("/api/hosts/{id}/enc"))?;
    let enc = enc_body["data"].clone();
    let own_params = s["parameters"].as_array().cloned().unwrap_or_default();
    let interfaces: Vec<Value> = s["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            let flag = |f: &str| n[f].as_bool().map_or(Value::Null, Value::Bool);
            obj([
                ("identifier", opt(&n["identifier"])),
                ("ip", opt(&n["ip"])),
                ("ip6", opt(&n["ip6"])),
                ("mac", opt(&n["mac"])),
                ("name", opt(&n["name"])),
                ("subnet", opt(&n["subnet_name"])),
                ("subnet6", opt(&n["subnet6_name"])),
                ("primary", flag("primary")),
                ("provision", flag("provision")),
                ("managed", flag("managed")),
                ("virtual", flag("virtual")),
                ("tag", opt(&n["tag"])),
                ("attached_to", opt(&n["attached_to"])),
                ("type", opt(&n["type"])),
            ])
        })
        .collect();
    let os = text(&s["operatingsystem_name"]).map(|t| os_title.get(&t).cloned().unwrap_or(t));
    let owner = match (text(&s["owner_name"]), text(&enc["parameters"]["owner_email"])) {
        (None, None) => Value::Null,
        (n, e) => {
            obj([("name", n.map_or(Value::Null, Value::String)), ("email", e.map_or(Value::Null, Value::String))])
        }
    };
    let host = obj([
        ("name", Value::String(name.clone())),
        ("certname", if certname == name { Value::Null } else { Value::String(certname.clone()) }),
        ("hostgroup", opt(&s["hostgroup_title"])),
        ("organization", opt(&s["organization_name"])),
        ("location", opt(&s["location_name"])),
        ("domain", opt(&s["domain_name"])),
        ("subnet", opt(&s["subnet_name"])),
        ("subnet6", opt(&s["subnet6_name"])),
        ("operatingsystem", os.map_or(Value::Null, Value::String)),
        ("architecture", opt(&s["architecture_name"])),
        ("environment", opt(&s["environment_name"])),
        ("puppetclasses", names(&s["puppetclasses"], "name")),
        ("config_groups", names(&s["config_groups"], "name")),
        ("comment", opt(&s["comment"])),
        ("owner", owner),
        // Readable only in the ENC: the crypted password Foreman sends.
        ("root_pass", opt(&enc["parameters"]["root_pw"])),
        ("puppet_proxy", proxy(&s["puppet_proxy"])),
        ("puppet_ca_proxy", proxy(&s["puppet_ca_proxy"])),
        ("parameters", params(&own_params)),
        ("interfaces", if interfaces.is_empty() { Value::Null } else { Value::Array(interfaces) }),
        ("facts", facts(&flat)),
    ]);
    Ok((host, certname, enc))
}

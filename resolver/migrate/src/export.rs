//! `export-hiera`: a Hiera 5 hierarchy and data files that give every host what Foreman's smart
//! class parameters give it.
//!
//! One level per order line (`hostgroup`, `domain,hostgroup`, `fqdn`, a fact...), ordered so
//! that every key's own `override_value_order` holds among the lines it has values for (a line
//! appears again further down for keys whose orders disagree), then
//! `common` with the defaults and the `lookup_options` of merged keys (the defaults of arrays
//! merged with `merge_default` go in a level above all others instead: Foreman puts their
//! items first). A level's path
//! interpolates what the ENC sends (`%{hostgroup}`, `%{organization_title}`, `%{domainname}`,
//! `%{foreman_fqdn}`, custom parameters) or the facts (`%{facts.os.family}`), so its data file
//! holds what that line alone gives the hosts that read it ([`Estate::line_values`]): inherited
//! host group, organization and location titles are walked by Foreman at match time, and
//! Hiera cannot walk them (the ENC sends only a host's own title), so each group's file holds
//! what its chain resolves to. A line over an attribute the ENC does not send (`os`,
//! `architecture`, `ip`...) becomes a per-node level (`%{trusted.certname}`).
//!
//! A key whose semantics Hiera's levels cannot say (an omitted override value: a level cannot
//! stop a lookup; a merged key's default when `merge_default` is off: sent only when nothing
//! matches; an array merge that keeps duplicates; a value holding ERB, which Foreman renders
//! per host) is written host by host instead, each host's
//! ENC value in a per-node level, and named in [`Export::notes`]: the export stays exact, and
//! says which keys still need a person.

use lamina_foreman::{EncDocument, Estate, HOST_ATTRIBUTES, Idx, LineValue, Map, SmartKey, Value, fact};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The data directory, relative to the `hiera.yaml` written.
pub const DATADIR: &str = "data";

/// The data file of the top level: the defaults of array keys merged with `merge_default`,
/// whose items Foreman puts first.
const MERGE_DEFAULTS: &str = "merged_array_defaults.yaml";

/// The directory of the per-node level: keys the levels cannot express.
const PER_NODE: &str = "nodes";

/// An estate's smart class parameters as Hiera data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Export {
    /// The `hiera.yaml` (version 5).
    pub config: Value,
    /// Data files by path relative to [`DATADIR`], each `class::key` → value.
    pub files: BTreeMap<String, Map>,
    /// What the data cannot reproduce, by key (`class::key`, or `*` for the whole export).
    pub notes: Vec<(String, String)>,
    /// Hidden keys (`hidden_value`) whose values the files hold in clear.
    pub hidden: Vec<String>,
}

/// How a host attribute of an order line is reached from a Hiera scope: the interpolation, and
/// the host's value for it; `None` when the ENC does not send it.
fn attribute(attr: &str, host: &HostVars<'_>) -> Option<(String, Option<String>)> {
    let param = |name: &str| host.params.get(name).and_then(scalar);
    let sent = |name: &str| Some((format!("%{{{name}}}"), param(name)));
    match attr {
        "fqdn" | "name" => sent("foreman_fqdn"),
        "certname" => Some(("%{trusted.certname}".into(), Some(host.certname.to_string()))),
        "hostgroup" => sent("hostgroup"),
        "organization" => sent("organization_title"),
        "location" => sent("location_title"),
        "domain" => sent("domainname"),
        "environment" => sent("foreman_env"),
        "comment" => sent("comment"),
        a if HOST_ATTRIBUTES.contains(&a) => None,
        // A parameter, else a fact: Foreman's order, and a top-scope variable is the ENC
        // parameter when there is one, else the fact.
        a if !a.contains("::") => Some((format!("%{{{a}}}"), param(a).or_else(|| fact(host.facts, a)))),
        a => {
            let path = a.split("::").collect::<Vec<_>>().join(".");
            Some((format!("%{{facts.{path}}}"), fact(host.facts, a)))
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null | Value::Array(_) | Value::Hash(_) => None,
        other => Some(other.to_ruby_s()),
    }
}

/// What a host's paths interpolate.
struct HostVars<'a> {
    certname: &'a str,
    params: &'a Map,
    facts: &'a Map,
}

/// One hierarchy level: an order line, and which copy of it (keys whose orders disagree get
/// copies of a line at the places their orders need).
struct Level {
    line: Vec<String>,
    copy: usize,
    /// The path template, relative to the datadir.
    template: String,
    /// Whether the line needs an attribute the ENC does not send (one file per host).
    per_node: bool,
}

fn dir(line: &[String], copy: usize) -> String {
    if copy == 0 { line.join(",") } else { format!("{}~{}", line.join(","), copy + 1) }
}

fn level(line: &[String], copy: usize) -> Level {
    let dir = dir(line, copy);
    let probe = HostVars { certname: "", params: &Map::new(), facts: &Map::new() };
    let parts: Option<Vec<String>> = line.iter().map(|a| attribute(a, &probe).map(|(t, _)| t)).collect();
    match parts {
        Some(p) => {
            Level { line: line.to_vec(), copy, template: format!("{dir}/{}.yaml", p.join("/")), per_node: false }
        }
        None => {
            Level { line: line.to_vec(), copy, template: format!("{dir}/%{{trusted.certname}}.yaml"), per_node: true }
        }
    }
}

/// The level's path for a host, `None` when the host has no value for one of its attributes.
fn path(level: &Level, host: &HostVars<'_>) -> Option<String> {
    let dir = dir(&level.line, level.copy);
    if level.per_node {
        return Some(format!("{dir}/{}.yaml", host.certname));
    }
    let mut parts = Vec::with_capacity(level.line.len());
    for a in &level.line {
        let (_, v) = attribute(a, host)?;
        parts.push(v.filter(|v| !v.is_empty())?);
    }
    Some(format!("{dir}/{}.yaml", parts.join("/")))
}

/// Hiera interpolates `%{...}` in data; Foreman's values are literal.
fn literal(v: &Value) -> Value {
    let esc = |s: &str| s.replace("%{", "%{literal('%')}{");
    match v {
        Value::String(s) if s.contains("%{") => Value::String(esc(s)),
        Value::Array(a) => Value::Array(a.iter().map(literal).collect()),
        Value::Hash(m) => Value::Hash(m.iter().map(|(k, v)| (esc(k), literal(v))).collect()),
        other => other.clone(),
    }
}

/// The hierarchy: a sequence of lines in which every key's order, among the lines it has values
/// for, is a subsequence, so that each key's levels come in its own order. Orders are embedded
/// most common first, greedily: a line an order needs after its last placed one is reused
/// when it comes later, else a copy is inserted there (inserting never breaks an order already
/// embedded). Returns the levels as (line, copy) and, per key and line index, its level.
#[allow(clippy::type_complexity)]
fn plan(keys: &[SmartKey<'_>]) -> (Vec<(Vec<String>, usize)>, HashMap<(Idx, usize), usize>) {
    let mut orders: Vec<(Vec<Vec<String>>, Vec<(Idx, Vec<usize>)>)> = Vec::new();
    for k in keys {
        let used = k.used_lines();
        let seq: Vec<Vec<String>> = used.iter().map(|&i| k.lines[i].clone()).collect();
        match orders.iter_mut().find(|(s, _)| *s == seq) {
            Some((_, ks)) => ks.push((k.id, used)),
            None => orders.push((seq, vec![(k.id, used)])),
        }
    }
    // Most common orders first (stable: ties in first appearance).
    orders.sort_by_key(|(_, ks)| std::cmp::Reverse(ks.len()));
    // Levels as ids into `slots` so that insertions do not move assignments.
    let mut slots: Vec<(Vec<String>, usize)> = Vec::new();
    let mut seqn: Vec<usize> = Vec::new();
    let mut assigned: Vec<((Idx, usize), usize)> = Vec::new();
    for (seq, ks) in &orders {
        let mut at = 0;
        let mut ids = Vec::with_capacity(seq.len());
        for line in seq {
            let found = (at..seqn.len()).find(|&p| slots[seqn[p]].0 == *line);
            let p = match found {
                Some(p) => p,
                None => {
                    let copy = slots.iter().filter(|(l, _)| l == line).count();
                    slots.push((line.clone(), copy));
                    seqn.insert(at, slots.len() - 1);
                    at
                }
            };
            ids.push(seqn[p]);
            at = p + 1;
        }
        for (key, used) in ks {
            for (&li, &id) in used.iter().zip(&ids) {
                assigned.push(((*key, li), id));
            }
        }
    }
    let pos: HashMap<usize, usize> = seqn.iter().enumerate().map(|(p, &id)| (id, p)).collect();
    let levels = seqn.iter().map(|&id| slots[id].clone()).collect();
    (levels, assigned.into_iter().map(|(k, id)| (k, pos[&id])).collect())
}

/// The export of `estate`'s smart class parameters, from the [`Estate::line_values`] of every
/// host (`hosts`: each host with its line values or the reason they cannot be had), and the
/// ENC document and facts of each (`vars`: certname, ENC document, facts).
#[must_use]
pub fn export<'a>(
    estate: &Estate,
    hosts: &[(Idx, Result<Vec<LineValue>, String>)],
    vars: impl Fn(Idx) -> Option<(&'a str, &'a EncDocument, &'a Map)>,
) -> Export {
    let keys = estate.smart_keys();
    let by_id: HashMap<Idx, &SmartKey<'_>> = keys.iter().map(|k| (k.id, k)).collect();
    let name = |k: &SmartKey<'_>| format!("{}::{}", k.class, k.param.key);
    let (lines, level_of) = plan(&keys);
    let levels: Vec<Level> = lines.iter().map(|(l, c)| level(l, *c)).collect();
    let mut out = Export::default();
    let mut notes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut note = |k: String, n: String| {
        notes.entry(k).or_default().insert(n);
    };

    // Keys Hiera's levels cannot express are written host by host, in a level of their own
    // (the ENC's final value; nothing where Foreman sends nothing): exact, and noted.
    let mut per_node: HashMap<Idx, &'static str> = HashMap::new();
    for k in &keys {
        let p = k.param;
        let erb = p.default_value.as_ref().is_some_and(Value::contains_erb)
            || p.override_values.iter().any(|ov| ov.value.as_ref().is_some_and(Value::contains_erb));
        let why = if erb {
            Some("a value holds ERB, which Foreman renders host by host: Hiera data cannot hold it")
        } else if p.override_values.iter().any(|ov| ov.omit) {
            Some("an override value is omitted (`omit: true`), and a Hiera level cannot stop a lookup")
        } else if p.merge_overrides && p.parameter_type.name() == "array" && !p.avoid_duplicates {
            Some("its array merge keeps duplicates (avoid_duplicates is off), and Hiera's unique merge drops them")
        } else if p.merge_overrides && !p.merge_default && p.default_value.as_ref().is_some_and(|v| !v.is_null()) {
            Some(
                "merge_default is off: Foreman sends the default only when nothing matches, which a Hiera merge cannot say",
            )
        } else {
            None
        };
        if let Some(why) = why {
            per_node.insert(k.id, why);
            note(name(k), format!("written per node: {why}"));
        }
    }

    let by_name: HashMap<(&str, &str), Idx> = keys.iter().map(|k| ((k.class, k.param.key.as_str()), k.id)).collect();
    let mut conflicts: BTreeSet<String> = BTreeSet::new();
    for (host, values) in hosts {
        let Some((certname, doc, facts)) = vars(*host) else { continue };
        let params = &doc.parameters;
        let values = match values {
            Ok(v) => v,
            Err(e) => {
                note("*".into(), format!("host {certname} is left out: {e}"));
                continue;
            }
        };
        let hv = HostVars { certname, params, facts };
        let mut mine = Map::new();
        for (class, sent) in doc.classes.iter().flatten() {
            for (param, v) in sent.iter().flatten() {
                if by_name.get(&(class.as_str(), param.as_str())).is_some_and(|id| per_node.contains_key(id)) {
                    mine.insert(format!("{class}::{param}"), literal(v));
                }
            }
        }
        if !mine.is_empty() {
            out.files.insert(format!("{PER_NODE}/{certname}.yaml"), mine);
        }
        for lv in values {
            if per_node.contains_key(&lv.key) {
                continue;
            }
            let k = by_id[&lv.key];
            let key = name(k);
            let Some(value) = &lv.value else { continue };
            // A line with candidates but no override value written for it cannot happen (a
            // candidate is an override value of that line); skip rather than guess.
            let Some(&lvl) = level_of.get(&(lv.key, lv.line)) else { continue };
            let lvl = &levels[lvl];
            let Some(p) = path(lvl, &hv) else { continue };
            if p.split('/').any(|c| c == ".." || c == ".") {
                note(key, format!("host {certname}: the path {p} would leave its level's directory"));
                continue;
            }
            let file = out.files.entry(p.clone()).or_default();
            let value = literal(value);
            match file.get(&key) {
                Some(v) if *v != value => {
                    conflicts.insert(format!("{p} {key}"));
                }
                Some(_) => {}
                None => {
                    file.insert(key, value);
                }
            }
        }
    }
    for c in conflicts {
        note("*".into(), format!("hosts sharing {c} get different values from Foreman: the file holds the first"));
    }

    // common: the defaults (what Foreman sends when nothing matches), and lookup_options.
    let mut common = Map::new();
    let mut options = Map::new();
    for k in &keys {
        let key = name(k);
        let p = k.param;
        if p.hidden_value {
            out.hidden.push(key.clone());
        }
        if per_node.contains_key(&k.id) {
            continue;
        }
        if p.merge_overrides {
            let merge = if matches!(p.parameter_type.name(), "array") { "unique" } else { "deep" };
            options.insert(key.clone(), Value::Hash(Map::from_iter([("merge".to_string(), Value::from(merge))])));
            if !p.merge_default {
                continue;
            }
            if merge == "unique" {
                // Foreman's merged array starts with the default's items; Hiera's unique merge
                // takes levels highest first: the default goes in a level above all others,
                // which only such keys use.
                if let Some(v) = k.fallback(estate) {
                    out.files.entry(MERGE_DEFAULTS.into()).or_default().insert(key, literal(&v));
                }
                continue;
            }
        }
        if let Some(v) = k.fallback(estate) {
            common.insert(key, literal(&v));
        }
    }
    if !options.is_empty() {
        common.shift_insert(0, "lookup_options".into(), Value::Hash(options));
    }
    out.files.insert("common.yaml".into(), common);

    let mut hierarchy: Vec<Value> = Vec::new();
    if out.files.keys().any(|f| f.starts_with(PER_NODE)) {
        hierarchy.push(Value::Hash(Map::from_iter([
            ("name".to_string(), Value::from("keys written per node")),
            ("path".to_string(), Value::from(format!("{PER_NODE}/%{{trusted.certname}}.yaml"))),
        ])));
    }
    if out.files.contains_key(MERGE_DEFAULTS) {
        hierarchy.push(Value::Hash(Map::from_iter([
            ("name".to_string(), Value::from("defaults of merged arrays")),
            ("path".to_string(), Value::from(MERGE_DEFAULTS)),
        ])));
    }
    hierarchy.extend(levels.iter().map(|l| {
        let copy = if l.copy == 0 { String::new() } else { format!(" (copy {})", l.copy + 1) };
        let node = if l.per_node { " (per node)" } else { "" };
        let name = format!("{}{copy}{node}", l.line.join(","));
        Value::Hash(Map::from_iter([
            ("name".to_string(), Value::from(name)),
            ("path".to_string(), Value::from(l.template.as_str())),
        ]))
    }));
    hierarchy.push(Value::Hash(Map::from_iter([
        ("name".to_string(), Value::from("common")),
        ("path".to_string(), Value::from("common.yaml")),
    ])));
    out.config = Value::Hash(Map::from_iter([
        ("version".to_string(), Value::Int(5)),
        (
            "defaults".to_string(),
            Value::Hash(Map::from_iter([
                ("datadir".to_string(), Value::from(DATADIR)),
                ("data_hash".to_string(), Value::from("yaml_data")),
            ])),
        ),
        ("hierarchy".to_string(), Value::Array(hierarchy)),
    ]));
    out.notes = notes.into_iter().flat_map(|(k, ns)| ns.into_iter().map(move |n| (k.clone(), n))).collect();
    out
}

//! What a change to an estate's data does to each host's ENC document, and which data objects
//! explain it: the blast radius of an edit, for a whole estate (`lamina diff`).
//!
//! [`host_diff`] compares one host's documents in two compiled versions of an estate: its
//! environment, its parameters, its classes and their smart class parameters, added, removed
//! or changed, old and new value side by side. Secret values (hidden parameters, `root_pw`,
//! hidden smart class parameters) are compared but shown as [`MASK`], as Foreman's UI shows
//! them. [`report`] gathers the hosts that differ, counts them by host group, environment and
//! key, and lays the data objects that differ between the versions
//! ([`Estate::changes_from`]) over them: which edit reached which of the changed hosts.
//!
//! Pure: the caller opens the two versions, and runs [`host_diff`] on as many threads as it
//! likes (each call reads the two estates only).

use lamina_foreman::{Estate, MASK, Map, ObjectChange, Value, resolve};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One difference in a host's ENC document. Values are as shown: secrets masked; `None` where
/// the side has no such value.
#[derive(Clone, Debug, PartialEq)]
pub enum Delta {
    /// The host's environment.
    Environment {
        /// Before.
        before: Option<String>,
        /// After.
        after: Option<String>,
    },
    /// A parameter of the document's `parameters` (built-in or custom).
    Parameter {
        /// Its name.
        name: String,
        /// Before.
        before: Option<Value>,
        /// After.
        after: Option<Value>,
    },
    /// A class the host gets on one side only.
    Class {
        /// The class.
        name: String,
        /// Whether the host gets it after (else it had it before only).
        added: bool,
    },
    /// A smart class parameter sent for a class.
    ClassParameter {
        /// The class.
        class: String,
        /// The key.
        key: String,
        /// Before.
        before: Option<Value>,
        /// After.
        after: Option<Value>,
    },
    /// A side whose document cannot be resolved, with the reason (which names no value).
    Unresolvable {
        /// The reason before, if that side fails.
        before: Option<String>,
        /// The reason after, if that side fails.
        after: Option<String>,
    },
}

/// How a host's documents differ.
#[derive(Clone, Debug, PartialEq)]
pub struct HostDiff {
    /// The certname.
    pub certname: String,
    /// Whether the host exists before.
    pub before: bool,
    /// Whether it exists after.
    pub after: bool,
    /// Its host group (after, else before).
    pub hostgroup: Option<String>,
    /// Its environment (after, else before).
    pub environment: Option<String>,
    /// The differences; for a host on one side only, its whole document as differences.
    pub deltas: Vec<Delta>,
}

/// One side's document with what in it is secret.
struct Doc {
    parameters: Map,
    classes: BTreeMap<String, Map>,
    environment: Option<String>,
    hostgroup: Option<String>,
    secret: HashSet<String>,
    secret_keys: HashSet<(String, String)>,
}

fn doc(e: &Estate, certname: &str) -> Option<Result<Doc, String>> {
    let host = e.host(certname)?;
    let hostgroup = e.host_source(host).hostgroup.clone();
    Some((|| {
        let r = resolve(e, host, false).map_err(|err| err.to_string())?;
        let d = r.document().map_err(|err| err.to_string())?;
        let secret = d.parameters.keys().filter(|n| r.secret_parameter(n)).cloned().collect();
        let mut secret_keys = HashSet::new();
        let mut classes = BTreeMap::new();
        for (c, params) in d.classes.into_iter().flatten() {
            let params = params.unwrap_or_default();
            for k in params.keys() {
                if r.secret_class_parameter(&c, k) {
                    secret_keys.insert((c.clone(), k.clone()));
                }
            }
            classes.insert(c, params);
        }
        Ok(Doc { parameters: d.parameters, classes, environment: d.environment, hostgroup, secret, secret_keys })
    })())
}

fn shown(v: Option<&Value>, secret: bool) -> Option<Value> {
    v.map(|v| if secret { Value::from(MASK) } else { v.clone() })
}

/// The names of two maps, the first's order first.
fn union<'a>(a: &'a Map, b: &'a Map) -> impl Iterator<Item = &'a String> {
    a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)))
}

/// How host `certname`'s documents differ between `before` and `after`; `None` when they do
/// not (or when neither version has the host).
#[must_use]
pub fn host_diff(before: &Estate, after: &Estate, certname: &str) -> Option<HostDiff> {
    let (a, b) = (doc(before, certname), doc(after, certname));
    if a.is_none() && b.is_none() {
        return None;
    }
    let (exists_a, exists_b) = (a.is_some(), b.is_some());
    let empty = || Doc {
        parameters: Map::new(),
        classes: BTreeMap::new(),
        environment: None,
        hostgroup: None,
        secret: HashSet::new(),
        secret_keys: HashSet::new(),
    };
    let (a, b) = match (a.unwrap_or_else(|| Ok(empty())), b.unwrap_or_else(|| Ok(empty()))) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let (ea, eb) = (a.err(), b.err());
            if ea == eb {
                return None;
            }
            let d = Delta::Unresolvable { before: ea, after: eb };
            return Some(HostDiff {
                certname: certname.to_string(),
                before: exists_a,
                after: exists_b,
                hostgroup: None,
                environment: None,
                deltas: vec![d],
            });
        }
    };
    let mut deltas = Vec::new();
    if a.environment != b.environment {
        deltas.push(Delta::Environment { before: a.environment.clone(), after: b.environment.clone() });
    }
    for name in union(&a.parameters, &b.parameters) {
        let (x, y) = (a.parameters.get(name), b.parameters.get(name));
        if x != y {
            let secret = a.secret.contains(name) || b.secret.contains(name);
            deltas.push(Delta::Parameter { name: name.clone(), before: shown(x, secret), after: shown(y, secret) });
        }
    }
    let none = Map::new();
    let classes: BTreeSet<&String> = a.classes.keys().chain(b.classes.keys()).collect();
    for c in classes {
        let (x, y) = (a.classes.get(c), b.classes.get(c));
        if x.is_some() != y.is_some() {
            deltas.push(Delta::Class { name: c.clone(), added: y.is_some() });
        }
        let (x, y) = (x.unwrap_or(&none), y.unwrap_or(&none));
        for key in union(x, y) {
            let (p, q) = (x.get(key), y.get(key));
            if p != q {
                let id = (c.clone(), key.clone());
                let secret = a.secret_keys.contains(&id) || b.secret_keys.contains(&id);
                deltas.push(Delta::ClassParameter {
                    class: c.clone(),
                    key: key.clone(),
                    before: shown(p, secret),
                    after: shown(q, secret),
                });
            }
        }
    }
    if deltas.is_empty() && exists_a == exists_b {
        return None;
    }
    Some(HostDiff {
        certname: certname.to_string(),
        before: exists_a,
        after: exists_b,
        hostgroup: b.hostgroup.or(a.hostgroup),
        environment: b.environment.or(a.environment),
        deltas,
    })
}

/// A data object that differs, with the changed hosts it reaches.
#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    /// The object and every host it can reach.
    pub change: ObjectChange,
    /// The hosts among those whose documents differ (sorted).
    pub changed_hosts: Vec<String>,
}

/// Every host that differs between two versions, counted, with the data objects that explain
/// them.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Hosts compared (in either version).
    pub compared: usize,
    /// The hosts that differ, by certname.
    pub hosts: Vec<HostDiff>,
    /// The data objects that differ, each with the changed hosts it reaches; those that reach
    /// none changed no document.
    pub objects: Vec<Explained>,
    /// Changed hosts that no differing object reaches (empty unless the reach computation
    /// misses something: it is reported rather than hidden).
    pub unexplained: Vec<String>,
}

/// The report on `hosts` (each [`host_diff`] that found a difference, in any order) out of
/// `compared` hosts.
#[must_use]
pub fn report(before: &Estate, after: &Estate, mut hosts: Vec<HostDiff>, compared: usize) -> Report {
    hosts.sort_by(|x, y| x.certname.cmp(&y.certname));
    let changed: BTreeSet<&str> = hosts.iter().map(|h| h.certname.as_str()).collect();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let objects = after
        .changes_from(before)
        .into_iter()
        .map(|change| {
            let changed_hosts: Vec<String> = match &change.reaches {
                None => changed.iter().map(|c| (*c).to_string()).collect(),
                Some(r) => r.iter().filter(|c| changed.contains(c.as_str())).cloned().collect(),
            };
            Explained { change, changed_hosts }
        })
        .collect::<Vec<_>>();
    for o in &objects {
        covered.extend(o.changed_hosts.iter().filter_map(|c| changed.get(c.as_str()).copied()));
    }
    let unexplained = changed.difference(&covered).map(|c| (*c).to_string()).collect();
    Report { compared, hosts, objects, unexplained }
}

impl Report {
    /// Whether any host's document differs.
    #[must_use]
    pub fn changed(&self) -> bool {
        !self.hosts.is_empty()
    }

    /// Changed hosts counted by host group, by environment and by key (`class::key` for a smart
    /// class parameter, the name for a parameter, `environment`, `class <name>`).
    #[must_use]
    pub fn counts(&self) -> [(&'static str, BTreeMap<String, usize>); 3] {
        let (mut groups, mut envs, mut keys) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for h in &self.hosts {
            *groups.entry(h.hostgroup.clone().unwrap_or_else(|| "(none)".into())).or_insert(0) += 1;
            *envs.entry(h.environment.clone().unwrap_or_else(|| "(none)".into())).or_insert(0) += 1;
            let mut seen = BTreeSet::new();
            for d in &h.deltas {
                seen.insert(match d {
                    Delta::Environment { .. } => "environment".to_string(),
                    Delta::Parameter { name, .. } => name.clone(),
                    Delta::Class { name, .. } => format!("class {name}"),
                    Delta::ClassParameter { class, key, .. } => format!("{class}::{key}"),
                    Delta::Unresolvable { .. } => "(unresolvable)".to_string(),
                });
            }
            for k in seen {
                *keys.entry(k).or_insert(0) += 1;
            }
        }
        [("by_hostgroup", groups), ("by_environment", envs), ("by_key", keys)]
    }

    /// The report as data (`--format json`).
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut summary = Map::new();
        summary.insert("compared".into(), int(self.compared));
        summary.insert("changed".into(), int(self.hosts.iter().filter(|h| h.before && h.after).count()));
        summary.insert("added".into(), int(self.hosts.iter().filter(|h| !h.before).count()));
        summary.insert("removed".into(), int(self.hosts.iter().filter(|h| !h.after).count()));
        for (name, counts) in self.counts() {
            summary.insert(name.into(), Value::Hash(counts.into_iter().map(|(k, n)| (k, int(n))).collect()));
        }
        let objects = self
            .objects
            .iter()
            .map(|o| {
                let mut m = Map::new();
                m.insert("kind".into(), Value::from(o.change.kind.label()));
                m.insert("name".into(), Value::from(o.change.name.as_str()));
                m.insert("how".into(), Value::from(o.change.how.label()));
                m.insert("reaches".into(), o.change.reaches.as_ref().map_or(Value::from("all"), |r| int(r.len())));
                m.insert(
                    "changed_hosts".into(),
                    Value::Array(o.changed_hosts.iter().map(|c| Value::from(c.as_str())).collect()),
                );
                Value::Hash(m)
            })
            .collect();
        let hosts = self.hosts.iter().map(host_value).collect();
        let mut out = Map::new();
        out.insert("summary".into(), Value::Hash(summary));
        out.insert("objects".into(), Value::Array(objects));
        out.insert(
            "unexplained".into(),
            Value::Array(self.unexplained.iter().map(|c| Value::from(c.as_str())).collect()),
        );
        out.insert("hosts".into(), Value::Array(hosts));
        Value::Hash(out)
    }

    /// The report for people (`--format text`).
    #[must_use]
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let (added, removed) =
            (self.hosts.iter().filter(|h| !h.before).count(), self.hosts.iter().filter(|h| !h.after).count());
        let _ = writeln!(
            s,
            "{} of {} hosts differ ({} changed, {added} added, {removed} removed)",
            self.hosts.len(),
            self.compared,
            self.hosts.len() - added - removed
        );
        if !self.objects.is_empty() {
            let _ = writeln!(s, "\ndata that differs, and the changed hosts it reaches:");
            for o in &self.objects {
                let name = if o.change.name.is_empty() { String::new() } else { format!(" {}", o.change.name) };
                let reach =
                    o.change.reaches.as_ref().map_or_else(|| "every host".to_string(), |r| plural(r.len(), "host"));
                let _ = writeln!(
                    s,
                    "  {}{name} {}: can reach {reach}, {} changed",
                    o.change.kind.label(),
                    o.change.how.label(),
                    plural(o.changed_hosts.len(), "host")
                );
            }
        }
        if !self.unexplained.is_empty() {
            let _ = writeln!(s, "\nchanged hosts no data change reaches: {}", self.unexplained.join(", "));
        }
        for (name, counts) in self.counts() {
            if counts.is_empty() {
                continue;
            }
            let title = match name {
                "by_hostgroup" => "host group",
                "by_environment" => "environment",
                _ => "key",
            };
            let list = top(&counts);
            let _ = writeln!(s, "\nby {title}: {}", list.join(", "));
        }
        for h in &self.hosts {
            let status = match (h.before, h.after) {
                (false, _) => " (added)",
                (_, false) => " (removed)",
                _ => "",
            };
            let _ = writeln!(s, "\n{}{status}", h.certname);
            for d in &h.deltas {
                let _ = writeln!(s, "  {}", delta_text(d));
            }
        }
        s
    }
}

/// The 20 largest counts as `name count`, largest first, then `and N more` (a text report's
/// line; JSON has them all): an estate has hundreds of host groups.
#[must_use]
pub fn top(counts: &BTreeMap<String, usize>) -> Vec<String> {
    const SHOWN: usize = 20;
    let mut by_size: Vec<(&String, &usize)> = counts.iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut list: Vec<String> = by_size.iter().take(SHOWN).map(|(k, n)| format!("{k} {n}")).collect();
    if by_size.len() > SHOWN {
        list.push(format!("and {} more", by_size.len() - SHOWN));
    }
    list
}

fn int(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn opt(v: Option<&Value>) -> Value {
    v.cloned().unwrap_or(Value::Null)
}

fn side(v: Option<&Value>) -> String {
    v.map_or_else(|| "(absent)".to_string(), ToString::to_string)
}

fn delta_text(d: &Delta) -> String {
    let change = |before: Option<&Value>, after: Option<&Value>| match (before, after) {
        (None, Some(y)) => format!("+ {y}"),
        (Some(x), None) => format!("- {x}"),
        _ => format!("{} → {}", side(before), side(after)),
    };
    match d {
        Delta::Environment { before, after } => {
            format!("environment: {} → {}", before.as_deref().unwrap_or("(none)"), after.as_deref().unwrap_or("(none)"))
        }
        Delta::Parameter { name, before, after } => {
            format!("parameter {name}: {}", change(before.as_ref(), after.as_ref()))
        }
        Delta::Class { name, added } => format!("class {name}: {}", if *added { "added" } else { "removed" }),
        Delta::ClassParameter { class, key, before, after } => {
            format!("{class}::{key}: {}", change(before.as_ref(), after.as_ref()))
        }
        Delta::Unresolvable { before, after } => format!(
            "cannot be resolved: before {}, after {}",
            before.as_deref().unwrap_or("ok"),
            after.as_deref().unwrap_or("ok")
        ),
    }
}

fn host_value(h: &HostDiff) -> Value {
    let mut m = Map::new();
    m.insert("certname".into(), Value::from(h.certname.as_str()));
    let status = match (h.before, h.after) {
        (false, _) => "added",
        (_, false) => "removed",
        _ => "changed",
    };
    m.insert("status".into(), Value::from(status));
    m.insert("hostgroup".into(), h.hostgroup.as_deref().map_or(Value::Null, Value::from));
    m.insert("environment".into(), h.environment.as_deref().map_or(Value::Null, Value::from));
    let changes = h
        .deltas
        .iter()
        .map(|d| {
            let mut c = Map::new();
            match d {
                Delta::Environment { before, after } => {
                    c.insert("what".into(), Value::from("environment"));
                    c.insert("before".into(), before.as_deref().map_or(Value::Null, Value::from));
                    c.insert("after".into(), after.as_deref().map_or(Value::Null, Value::from));
                }
                Delta::Parameter { name, before, after } => {
                    c.insert("what".into(), Value::from("parameter"));
                    c.insert("name".into(), Value::from(name.as_str()));
                    c.insert("before".into(), opt(before.as_ref()));
                    c.insert("after".into(), opt(after.as_ref()));
                }
                Delta::Class { name, added } => {
                    c.insert("what".into(), Value::from("class"));
                    c.insert("name".into(), Value::from(name.as_str()));
                    c.insert("how".into(), Value::from(if *added { "added" } else { "removed" }));
                }
                Delta::ClassParameter { class, key, before, after } => {
                    c.insert("what".into(), Value::from("class_parameter"));
                    c.insert("class".into(), Value::from(class.as_str()));
                    c.insert("key".into(), Value::from(key.as_str()));
                    c.insert("before".into(), opt(before.as_ref()));
                    c.insert("after".into(), opt(after.as_ref()));
                }
                Delta::Unresolvable { before, after } => {
                    c.insert("what".into(), Value::from("unresolvable"));
                    c.insert("before".into(), before.as_deref().map_or(Value::Null, Value::from));
                    c.insert("after".into(), after.as_deref().map_or(Value::Null, Value::from));
                }
            }
            Value::Hash(c)
        })
        .collect();
    m.insert("changes".into(), Value::Array(changes));
    Value::Hash(m)
}

//! What replacing one estate source with another changes, section by section: the objects added,
//! removed and changed, by name (what `lamina import` says it replaces). Objects are compared in
//! the estate format ([`crate::write`]), so where each was defined (file, line) does not count,
//! only what it holds.

use crate::write::{host_value, hostgroup_value, param_value, smart_param};
use lamina_foreman::Value;
use lamina_foreman::model::{EstateSource, Parameter};
use std::collections::HashMap;

/// The changes to one section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionDiff {
    /// The section, as the estate format names it (`hosts`, `hostgroups`, ...); `facts` for
    /// the hosts' facts.
    pub section: &'static str,
    /// Objects only in the new source.
    pub added: Vec<String>,
    /// Objects only in the old one.
    pub removed: Vec<String>,
    /// Objects in both, holding something else.
    pub changed: Vec<String>,
}

impl SectionDiff {
    /// Nothing changes in the section.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn params(list: &[Parameter]) -> Value {
    Value::Array(list.iter().map(param_value).collect())
}

/// Compare two keyed lists.
fn section(section: &'static str, old: Vec<(String, Value)>, new: Vec<(String, Value)>) -> SectionDiff {
    let before: HashMap<&str, &Value> = old.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let after: HashMap<&str, &Value> = new.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut d = SectionDiff { section, ..SectionDiff::default() };
    for (k, v) in &new {
        match before.get(k.as_str()) {
            None => d.added.push(k.clone()),
            Some(b) if *b != v => d.changed.push(k.clone()),
            Some(_) => {}
        }
    }
    d.removed = old.iter().filter(|(k, _)| !after.contains_key(k.as_str())).map(|(k, _)| k.clone()).collect();
    d
}

/// A host's data without its facts (they are their own section).
fn host_data(h: &lamina_foreman::model::Host) -> Value {
    let mut v = host_value(h).unwrap_or(Value::Null);
    if let Value::Hash(m) = &mut v {
        m.shift_remove("facts");
    }
    v
}

/// Every section that changes from `old` to `new` (empty: the same estate).
#[must_use]
pub fn compare(old: &EstateSource, new: &EstateSource) -> Vec<SectionDiff> {
    type Keyed = fn(&EstateSource) -> Vec<(String, Value)>;
    let sections: [(&'static str, Keyed); 13] = [
        ("settings", |s| {
            let st = &s.settings;
            let v = format!(
                "{:?}",
                (
                    &st.default_lookup_path,
                    st.matchers_inheritance,
                    st.enc_environment,
                    &st.root_pass,
                    st.interpolate_erb_in_parameters,
                    st.safemode_render
                )
            );
            vec![("settings".to_string(), Value::from(v.as_str()))]
        }),
        ("parameters", |s| s.parameters.iter().map(|p| (p.name.clone(), param_value(p))).collect()),
        ("organizations", |s| s.organizations.iter().map(|t| (t.title.clone(), params(&t.parameters))).collect()),
        ("locations", |s| s.locations.iter().map(|t| (t.title.clone(), params(&t.parameters))).collect()),
        ("domains", |s| {
            s.domains
                .iter()
                .map(|d| {
                    let v = Value::Array(vec![Value::from(d.fullname.as_deref().unwrap_or("")), params(&d.parameters)]);
                    (d.name.clone(), v)
                })
                .collect()
        }),
        ("subnets", |s| {
            s.subnets
                .iter()
                .map(|n| (n.name.clone(), Value::Array(vec![Value::Hash(n.attrs.clone()), params(&n.parameters)])))
                .collect()
        }),
        ("operatingsystems", |s| {
            s.operatingsystems
                .iter()
                .map(|o| {
                    let attrs = format!("{:?}", (&o.description, &o.password_hash, &o.family));
                    (o.title(), Value::Array(vec![Value::from(attrs.as_str()), params(&o.parameters)]))
                })
                .collect()
        }),
        ("environments", |s| s.environments.iter().map(|(e, _)| (e.clone(), Value::Null)).collect()),
        ("smart_class_parameters", |s| {
            s.puppetclasses
                .iter()
                .flat_map(|c| {
                    let envs = format!("{:?}", c.environments);
                    std::iter::once((c.name.clone(), Value::from(envs.as_str())))
                        .chain(c.parameters.iter().map(move |k| (format!("{}::{}", c.name, k.key), smart_param(k))))
                })
                .collect()
        }),
        ("config_groups", |s| {
            s.config_groups.iter().map(|c| (c.name.clone(), Value::from(c.puppetclasses.join(",").as_str()))).collect()
        }),
        ("hostgroups", |s| {
            s.hostgroups.iter().map(|g| (g.title.clone(), hostgroup_value(g).unwrap_or(Value::Null))).collect()
        }),
        ("hosts", |s| s.hosts.iter().map(|h| (h.name.clone(), host_data(h))).collect()),
        ("facts", |s| s.hosts.iter().map(|h| (h.name.clone(), Value::Hash((*h.facts).clone()))).collect()),
    ];
    sections
        .into_iter()
        .map(|(name, keyed)| {
            let mut d = section(name, keyed(old), keyed(new));
            if name == "facts" {
                // Hosts added or removed are counted as hosts; here only the facts that change.
                d.added.clear();
                d.removed.clear();
            }
            d
        })
        .filter(|d| !d.is_empty())
        .collect()
}

/// One line per section: `hosts: 2 added (a, b), 1 removed (c), 3 changed (d, e, f)`, naming at
/// most `names` objects of each kind.
#[must_use]
pub fn summary_lines(diffs: &[SectionDiff], names: usize) -> Vec<String> {
    let part = |n: &str, list: &[String]| -> Option<String> {
        if list.is_empty() {
            return None;
        }
        let mut shown = list.iter().take(names).cloned().collect::<Vec<_>>().join(", ");
        if list.len() > names {
            shown.push_str(&format!(", … {} more", list.len() - names));
        }
        Some(format!("{} {n} ({shown})", list.len()))
    };
    diffs
        .iter()
        .map(|d| {
            let parts: Vec<String> =
                [part("added", &d.added), part("removed", &d.removed), part("changed", &d.changed)]
                    .into_iter()
                    .flatten()
                    .collect();
            format!("{}: {}", d.section, parts.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_foreman::model::{Host, Origin};

    fn host(name: &str, env: &str) -> Host {
        Host { name: name.into(), environment: Some(env.into()), ..Host::default() }
    }

    #[test]
    fn names_what_changes_and_ignores_where_it_was_written() {
        let old = EstateSource { hosts: vec![host("a", "production"), host("b", "production")], ..Default::default() };
        let mut new = old.clone();
        new.hosts[0].environment = Some("development".into());
        new.hosts[1].origin = Origin::default();
        new.hosts.push(host("c", "production"));
        new.hosts.remove(1);
        let d = compare(&old, &new);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].added.clone(), d[0].removed.clone(), d[0].changed.clone()),
            (vec!["c".into()], vec!["b".into()], vec!["a".into()])
        );
        assert_eq!(summary_lines(&d, 5), ["hosts: 1 added (c), 1 removed (b), 1 changed (a)"]);
        assert!(compare(&old, &old).is_empty());
    }
}

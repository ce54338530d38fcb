//! One estate object as the read API and the audit log show it: in the estate format (the
//! fields an estate file would hold), with secrets masked unless the caller may see them.
//!
//! What is masked ([`mask`]), as Foreman's API does it: the value of a parameter or smart class
//! parameter with `hidden_value` (Foreman's `show_hidden` shows it to those allowed), and every
//! `root_pass` (Foreman's API never returns the root password).

use crate::edit::{Op, ParamOwner};
use crate::write::{host_value, hostgroup_value, param_value, smart_param};
use lamina_foreman::model::{EstateSource, Parameter};
use lamina_foreman::{Map, Value};

/// What a masked value reads as.
pub const MASKED: &str = "*****";

/// An object an edit names (the subject of a write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A host, by name.
    Host(String),
    /// A host group, by title.
    Hostgroup(String),
    /// One parameter of an owner.
    Param(ParamOwner, String),
    /// A smart class parameter: class, key.
    Key(String, String),
    /// An override value: class, key, match.
    Override(String, String, String),
}

impl Subject {
    /// The object an edit writes; `None` for facts (not an object of the estate's data).
    #[must_use]
    pub fn of(op: &Op) -> Option<Subject> {
        Some(match op {
            Op::PutHost(h) => Subject::Host(h.name.clone()),
            Op::DeleteHost(n) => Subject::Host(n.clone()),
            Op::PutHostgroup(g) => Subject::Hostgroup(g.title.clone()),
            Op::DeleteHostgroup(t) => Subject::Hostgroup(t.clone()),
            Op::PutParam(o, p) => Subject::Param(o.clone(), p.name.clone()),
            Op::DeleteParam(o, n) => Subject::Param(o.clone(), n.clone()),
            Op::PutKey(c, k) => Subject::Key(c.clone(), k.key.clone()),
            Op::DeleteKey(c, k) => Subject::Key(c.clone(), k.clone()),
            Op::PutOverride(c, k, v) => Subject::Override(c.clone(), k.clone(), v.match_.clone()),
            Op::DeleteOverride(c, k, m) => Subject::Override(c.clone(), k.clone(), m.clone()),
            Op::Facts(..) => return None,
        })
    }

    /// The object's API path with its names as written (`/v1/hosts/web01.example.com`,
    /// `/v1/hostgroups/Base/Web`): what the audit log records and filters on, readable, and a
    /// prefix of its children's (a host group's own parameters).
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Subject::Host(n) => format!("/v1/hosts/{n}"),
            Subject::Hostgroup(t) => format!("/v1/hostgroups/{t}"),
            Subject::Param(ParamOwner::Global, n) => format!("/v1/parameters/{n}"),
            Subject::Param(o, n) => {
                let (kind, name) = owner_path(o);
                format!("/v1/{kind}/{name}/parameters/{n}")
            }
            Subject::Key(c, k) => format!("/v1/puppetclasses/{c}/smart_class_parameters/{k}"),
            Subject::Override(c, k, m) => {
                format!("/v1/puppetclasses/{c}/smart_class_parameters/{k}/override_values/{m}")
            }
        }
    }
}

/// The API's collection name and the owner's name.
fn owner_path(o: &ParamOwner) -> (&'static str, &str) {
    match o {
        ParamOwner::Global => ("parameters", ""),
        ParamOwner::Organization(n) => ("organizations", n),
        ParamOwner::Location(n) => ("locations", n),
        ParamOwner::Domain(n) => ("domains", n),
        ParamOwner::Subnet(n) => ("subnets", n),
        ParamOwner::Os(n) => ("operatingsystems", n),
        ParamOwner::Hostgroup(n) => ("hostgroups", n),
        ParamOwner::Host(n) => ("hosts", n),
    }
}

/// The parameters of `owner`, or `None` when there is no such owner.
#[must_use]
pub fn owner_params<'s>(src: &'s EstateSource, owner: &ParamOwner) -> Option<&'s [Parameter]> {
    Some(match owner {
        ParamOwner::Global => &src.parameters,
        ParamOwner::Organization(t) => &src.organizations.iter().find(|o| &o.title == t)?.parameters,
        ParamOwner::Location(t) => &src.locations.iter().find(|o| &o.title == t)?.parameters,
        ParamOwner::Domain(n) => &src.domains.iter().find(|d| &d.name == n)?.parameters,
        ParamOwner::Subnet(n) => &src.subnets.iter().find(|d| &d.name == n)?.parameters,
        ParamOwner::Os(t) => &src.operatingsystems.iter().find(|o| &o.title() == t)?.parameters,
        ParamOwner::Hostgroup(t) => &src.hostgroups.iter().find(|g| &g.title == t)?.parameters,
        ParamOwner::Host(n) => &src.hosts.iter().find(|h| &h.name == n)?.parameters,
    })
}

/// The object `subject` names as it is in `src` (`None`: there is none), unmasked. A host is
/// shown without its facts (they have their own route and change on every agent run).
#[must_use]
pub fn value_of(src: &EstateSource, subject: &Subject) -> Option<Value> {
    match subject {
        Subject::Host(n) => {
            let h = src.hosts.iter().find(|h| &h.name == n)?;
            let mut v = host_value(h).ok()?;
            if let Value::Hash(m) = &mut v {
                m.shift_remove("facts");
            }
            Some(v)
        }
        Subject::Hostgroup(t) => hostgroup_value(src.hostgroups.iter().find(|g| &g.title == t)?).ok(),
        Subject::Param(o, n) => owner_params(src, o)?.iter().find(|p| &p.name == n).map(param_value),
        Subject::Key(c, k) => {
            let key = src.puppetclasses.iter().find(|x| &x.name == c)?.parameters.iter().find(|x| &x.key == k)?;
            let mut v = smart_param(key);
            if let Value::Hash(m) = &mut v {
                m.insert_before(0, "class".to_string(), Value::from(c.as_str()));
                m.insert_before(1, "key".to_string(), Value::from(k.as_str()));
            }
            Some(v)
        }
        Subject::Override(c, k, mt) => {
            let key = src.puppetclasses.iter().find(|x| &x.name == c)?.parameters.iter().find(|x| &x.key == k)?;
            let ov = key.override_values.iter().find(|v| &v.match_ == mt)?;
            let mut m = Map::new();
            m.insert("match".into(), Value::from(ov.match_.as_str()));
            if let Some(x) = &ov.value {
                m.insert("value".into(), x.clone());
            }
            if ov.omit {
                m.insert("omit".into(), Value::Bool(true));
            }
            // The key's `hidden_value` hides its override values too.
            if key.hidden_value {
                m.insert("hidden_value".into(), Value::Bool(true));
            }
            Some(Value::Hash(m))
        }
    }
}

/// The field of a write that holds the mask itself ([`MASKED`]) where a read masks (a hidden
/// value, a root password): the body came from a read without `show_hidden`, and writing it
/// back would replace the secret with `*****`. `None` when there is none.
#[must_use]
pub fn masked_field(op: &Op) -> Option<String> {
    let is_mask = |v: &Value| matches!(v, Value::String(s) if s == MASKED);
    let pass = |p: &Option<String>| p.as_deref() == Some(MASKED);
    let param = |ps: &[Parameter]| {
        ps.iter().find(|p| p.hidden_value && is_mask(&p.value)).map(|p| format!("the value of parameter {:?}", p.name))
    };
    match op {
        Op::PutHost(h) if pass(&h.root_pass) => Some("root_pass".into()),
        Op::PutHost(h) => param(&h.parameters),
        Op::PutHostgroup(g) if pass(&g.root_pass) => Some("root_pass".into()),
        Op::PutHostgroup(g) => param(&g.parameters),
        Op::PutParam(_, p) => param(std::slice::from_ref(p)),
        Op::PutKey(_, k) if k.hidden_value => {
            if k.default_value.as_ref().is_some_and(is_mask) {
                return Some("default_value".into());
            }
            k.override_values
                .iter()
                .find(|v| v.value.as_ref().is_some_and(is_mask))
                .map(|v| format!("the value of override {:?}", v.match_))
        }
        // An override value alone does not say whether its key hides it: the mask is refused
        // whatever the key.
        Op::PutOverride(_, _, v) if v.value.as_ref().is_some_and(is_mask) => Some("value".into()),
        _ => None,
    }
}

/// Mask the secrets of an object shown by [`value_of`] (or a list of them): see the module docs.
pub fn mask(v: &mut Value) {
    match v {
        Value::Hash(m) => {
            let hidden = matches!(m.get("hidden_value"), Some(Value::Bool(true)));
            for (k, x) in m.iter_mut() {
                let secret = k == "root_pass" || (hidden && (k == "value" || k == "default_value"));
                if secret && !x.is_null() {
                    *x = Value::from(MASKED);
                } else if hidden && k == "override_values" {
                    if let Value::Array(items) = x {
                        for it in items {
                            if let Value::Hash(o) = it
                                && let Some(val) = o.get_mut("value")
                            {
                                *val = Value::from(MASKED);
                            }
                        }
                    }
                } else {
                    mask(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hidden_values_and_root_passwords() {
        let mut v = Value::Hash(Map::from_iter([
            ("name".to_string(), Value::from("web01")),
            ("root_pass".to_string(), Value::from("$6$hash")),
            (
                "parameters".to_string(),
                Value::Array(vec![
                    Value::Hash(Map::from_iter([
                        ("name".to_string(), Value::from("vault")),
                        ("value".to_string(), Value::from("s3cret")),
                        ("hidden_value".to_string(), Value::Bool(true)),
                    ])),
                    Value::Hash(Map::from_iter([
                        ("name".to_string(), Value::from("plain")),
                        ("value".to_string(), Value::from("shown")),
                    ])),
                ]),
            ),
        ]));
        mask(&mut v);
        let text = v.to_ruby_s();
        assert!(!text.contains("s3cret") && !text.contains("$6$hash"), "{text}");
        assert!(text.contains("shown") && text.contains(MASKED), "{text}");
    }

    #[test]
    fn paths_keep_names_as_written() {
        assert_eq!(Subject::Hostgroup("Base/Web".into()).path(), "/v1/hostgroups/Base/Web");
        let p = Subject::Param(ParamOwner::Hostgroup("Base/Web".into()), "x".into());
        assert_eq!(p.path(), "/v1/hostgroups/Base/Web/parameters/x");
    }
}

//! Provenance: for every parameter and class parameter of a host, where its value came from.
//!
//! The explanation is a plain [`Value`] document (so every front-end can print it as YAML or
//! JSON). Hidden values (`hidden_value`) and `root_pw` are masked as Foreman's UI masks them
//! (`*****`, core `app/models/concerns/hidden_value.rb`) unless `show_hidden` is set.

use crate::enc::document;
use crate::error::Error;
use crate::model::Origin;
use crate::model::OverrideValue;
use crate::resolve::{ClassParam, ParamDef, Resolution, Via};
use crate::value::{Map, Value};

/// What Foreman shows instead of a hidden value.
pub const MASK: &str = "*****";

/// Built-in ENC parameters that carry secrets.
const SECRET_BUILTINS: [&str; 1] = ["root_pw"];

fn origin(m: &mut Map, o: &Origin) {
    m.insert("file".into(), Value::String(o.file.to_string()));
    if o.line > 0 {
        m.insert("line".into(), Value::Int(i64::from(o.line)));
    }
}

fn def(d: &ParamDef<'_>, show_hidden: bool) -> Value {
    let mut m = Map::new();
    m.insert("layer".into(), Value::from(d.layer.label()));
    if !d.owner.is_empty() {
        m.insert("object".into(), Value::from(d.owner));
    }
    m.insert("value".into(), mask(&d.param.value, d.param.hidden_value && !show_hidden));
    origin(&mut m, &d.param.origin);
    Value::Hash(m)
}

fn mask(v: &Value, hide: bool) -> Value {
    if hide { Value::from(MASK) } else { v.clone() }
}

/// Explain a resolved host.
///
/// # Errors
/// As [`document`]: the explanation includes the ENC values, so a host that cannot be
/// rendered cannot be explained either.
pub(crate) fn explain(r: &Resolution<'_>, show_hidden: bool) -> Result<Value, Error> {
    let doc = document(r)?;
    let mut out = Map::new();
    out.insert("host".into(), Value::from(r.host.src.certname()));
    let mut hm = Map::new();
    origin(&mut hm, &r.host.src.origin);
    out.insert("defined_at".into(), Value::Hash(hm));
    match r.environment {
        Some(env) => {
            let from = if r.host.src.environment.is_some() {
                "host".to_string()
            } else {
                let g = r.host.hostgroup.map(|g| &r.estate.hostgroups[g as usize]);
                let owner = g.and_then(|g| {
                    g.chain
                        .iter()
                        .rev()
                        .map(|&a| &r.estate.hostgroups[a as usize])
                        .find(|a| a.src.environment.is_some())
                });
                owner.map_or_else(|| "host group".to_string(), |o| format!("host group {}", o.src.title))
            };
            out.insert(
                "environment".into(),
                Value::Hash(Map::from_iter([
                    ("value".to_string(), Value::from(env)),
                    ("from".to_string(), Value::String(from)),
                ])),
            );
        }
        None => {
            out.insert("environment".into(), Value::Null);
        }
    }

    // Parameters: every key of the ENC's `parameters`, with its source.
    let mut params = Map::new();
    for (name, value) in &doc.parameters {
        let mut m = Map::new();
        if let Some(rp) = r.params.get(name.as_str()) {
            let hidden = rp.winner.param.hidden_value && !show_hidden;
            m.insert("value".into(), mask(value, hidden));
            if r.rendered.contains_key(name.as_str()) {
                m.insert("template".into(), mask(&rp.winner.param.value, hidden));
            }
            if rp.winner.param.hidden_value {
                m.insert("hidden".into(), Value::Bool(true));
            }
            m.insert("source".into(), def(&rp.winner, show_hidden));
            if !rp.overridden.is_empty() {
                m.insert(
                    "overrides".into(),
                    Value::Array(rp.overridden.iter().rev().map(|d| def(d, show_hidden)).collect()),
                );
            }
        } else {
            let hidden = SECRET_BUILTINS.contains(&name.as_str()) && !show_hidden;
            m.insert("value".into(), mask(value, hidden));
            m.insert("source".into(), Value::Hash(Map::from_iter([("layer".to_string(), Value::from("built-in"))])));
        }
        params.insert(name.clone(), Value::Hash(m));
    }
    out.insert("parameters".into(), Value::Hash(params));

    let mut classes = Map::new();
    for c in &r.classes {
        let mut cm = Map::new();
        for cp in &c.params {
            let p = &cp.key.src;
            let hide = p.hidden_value && !show_hidden;
            let mut m = Map::new();
            match &cp.value {
                Some(v) => {
                    m.insert("value".into(), mask(v, hide));
                }
                None => {
                    m.insert("omitted".into(), Value::Bool(true));
                }
            }
            if let Some(t) = &cp.template {
                m.insert("template".into(), mask(t, hide));
            }
            if p.hidden_value {
                m.insert("hidden".into(), Value::Bool(true));
            }
            m.insert("type".into(), Value::from(p.parameter_type.name()));
            m.insert("source".into(), source(cp, hide));
            if !cp.candidates.is_empty() {
                m.insert(
                    "candidates".into(),
                    Value::Array(cp.candidates.iter().map(|&(ov, l)| ov_entry(cp, ov, Some(l), hide)).collect()),
                );
            }
            cm.insert(p.key.clone(), Value::Hash(m));
        }
        classes.insert(c.name.to_string(), if c.has_keys { Value::Hash(cm) } else { Value::Null });
    }
    out.insert("classes".into(), Value::Hash(classes));
    Ok(Value::Hash(out))
}

/// An override value as explained: its match, order line, value (or omit) and origin.
fn ov_entry(cp: &ClassParam<'_>, ov: &OverrideValue, line: Option<usize>, hide: bool) -> Value {
    let mut e = Map::new();
    e.insert("match".into(), Value::from(ov.match_.as_str()));
    if let Some(l) = line {
        e.insert("order_line".into(), Value::from(cp.key.lines[l].join(",")));
    }
    if ov.omit {
        e.insert("omit".into(), Value::Bool(true));
    } else if let Some(v) = &ov.value {
        e.insert("value".into(), mask(v, hide));
    }
    origin(&mut e, &ov.origin);
    Value::Hash(e)
}

/// Where a smart class parameter's value came from: the default, the matcher that won (with
/// its order line), or the contributors of a merge.
fn source(cp: &ClassParam<'_>, hide: bool) -> Value {
    let p = &cp.key.src;
    match &cp.via {
        Via::Default => {
            let mut d = Map::new();
            d.insert("from".into(), Value::from("default value"));
            if p.omit {
                d.insert("note".into(), Value::from("the key is omitted: its default is not sent"));
            } else if crate::resolve::nil_cast_quirk(p) {
                d.insert(
                    "note".into(),
                    Value::from(
                        "Foreman sends `true`: no default and no matching value (its caster's TypeError on nil, rescued by ClassificationResult#type_cast, which returns the logger's `true`)",
                    ),
                );
            }
            origin(&mut d, &p.origin);
            Value::Hash(d)
        }
        Via::Match(ov) => {
            let line = cp.candidates.iter().find(|(c, _)| std::ptr::eq(*c, *ov)).map(|&(_, l)| l);
            let mut d = match ov_entry(cp, ov, line, hide) {
                Value::Hash(h) => h,
                _ => Map::new(),
            };
            d.shift_insert(0, "from".into(), Value::from("matcher"));
            Value::Hash(d)
        }
        Via::Merge { default, values } => {
            let mut d = Map::new();
            d.insert("from".into(), Value::from("merged overrides"));
            d.insert("merge_default".into(), Value::Bool(*default));
            if p.avoid_duplicates {
                d.insert("avoid_duplicates".into(), Value::Bool(true));
            }
            d.insert(
                "contributors".into(),
                Value::Array(values.iter().map(|ov| ov_entry(cp, ov, None, hide)).collect()),
            );
            Value::Hash(d)
        }
    }
}

impl Resolution<'_> {
    /// Where the smart class parameter `key` of `class` got its value for this host, as
    /// `explain` words it (`from`: `default value`, `matcher` with its `match` and
    /// `order_line`, or `merged overrides` with their `contributors`; file and line), hidden
    /// values masked unless `show_hidden`. `None` when the host has no such key.
    #[must_use]
    pub fn class_parameter_source(&self, class: &str, key: &str, show_hidden: bool) -> Option<Value> {
        let cp = self.classes.iter().find(|c| c.name == class)?.params.iter().find(|p| p.key.src.key == key)?;
        Some(source(cp, cp.key.src.hidden_value && !show_hidden))
    }

    /// Whether the ENC parameter `name` of this host carries a secret: a hidden custom
    /// parameter, or `root_pw`. Front-ends that show values (a diff) print [`MASK`] instead.
    #[must_use]
    pub fn secret_parameter(&self, name: &str) -> bool {
        match self.params.get(name) {
            Some(rp) => rp.winner.param.hidden_value,
            None => SECRET_BUILTINS.contains(&name),
        }
    }

    /// Whether the smart class parameter `key` of `class` is hidden (`hidden_value`).
    #[must_use]
    pub fn secret_class_parameter(&self, class: &str, key: &str) -> bool {
        self.classes
            .iter()
            .find(|c| c.name == class)
            .and_then(|c| c.params.iter().find(|p| p.key.src.key == key))
            .is_some_and(|p| p.key.src.hidden_value)
    }
}

//! An estate source written back as estate YAML files (the estate format), through the ENC
//! emitter so that YAML 1.1 reads every value back with the same type (`"0755"`, `"no"`, ...).
//!
//! Layout: one file per section (`settings.yaml`, `parameters.yaml`, `puppetclasses.yaml`, ...)
//! and hosts split over `hosts/hosts-NNNNN.yaml`, 1,000 per file; the loader reads files in
//! sorted path order, so the zero-padded names keep the hosts' order.

use lamina_foreman::model::{EstateSource, Host, Hostgroup, Parameter, SmartParam, ValidatorType};
use lamina_foreman::{Map, Value};
use std::path::Path;

/// Why an estate cannot be written: a value the format cannot hold, or a file system error
/// (naming the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError(pub String);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteError {}

impl From<String> for WriteError {
    fn from(s: String) -> Self {
        WriteError(s)
    }
}

const HOSTS_PER_FILE: usize = 1000;

/// A mapping builder that leaves out absent optional fields.
#[derive(Default)]
struct Obj(Map);

impl Obj {
    fn put(mut self, k: &str, v: impl Into<Value>) -> Self {
        self.0.insert(k.to_string(), v.into());
        self
    }
    fn opt(self, k: &str, v: Option<&String>) -> Self {
        match v {
            Some(s) => self.put(k, s.as_str()),
            None => self,
        }
    }
    fn flag(self, k: &str, v: bool) -> Self {
        if v { self.put(k, true) } else { self }
    }
    fn names(self, k: &str, v: &[String]) -> Self {
        if v.is_empty() { self } else { self.put(k, strs(v)) }
    }
    fn params(self, owner: &str, v: &[Parameter]) -> Result<Self, String> {
        if v.is_empty() { Ok(self) } else { Ok(self.put("parameters", params(owner, v)?)) }
    }
    fn done(self) -> Value {
        Value::Hash(self.0)
    }
}

fn strs(v: &[String]) -> Value {
    Value::Array(v.iter().map(|s| Value::from(s.as_str())).collect())
}

/// The map form keeps the YAML value's own type and no `hidden_value`; the list form carries
/// both. Which one a parameter was written in is what `parameter_type: None` records.
fn map_form(p: &Parameter) -> bool {
    p.parameter_type.is_none() && !p.hidden_value
}

/// PARAMS of one owner, in the form they were written in.
fn params(owner: &str, list: &[Parameter]) -> Result<Value, String> {
    if list.iter().all(map_form) {
        return Ok(Value::Hash(list.iter().map(|p| (p.name.clone(), p.value.clone())).collect()));
    }
    let mut out = Vec::with_capacity(list.len());
    for p in list {
        let Some(t) = p.parameter_type else {
            return Err(format!(
                "{owner} parameter {}: untyped and typed parameters of one owner cannot be written in one list",
                p.name
            ));
        };
        out.push(
            Obj::default()
                .put("name", p.name.as_str())
                .put("value", p.value.clone())
                .put("parameter_type", t.name())
                .flag("hidden_value", p.hidden_value)
                .done(),
        );
    }
    Ok(Value::Array(out))
}

/// A host group as the estate format writes it (an item of `hostgroups`).
///
/// # Errors
/// Parameters the format cannot hold in one list (typed and untyped together).
pub fn hostgroup_value(g: &Hostgroup) -> Result<Value, WriteError> {
    let o = Obj::default()
        .put("title", g.title.as_str())
        .opt("environment", g.environment.as_ref())
        .names("puppetclasses", &g.puppetclasses)
        .names("config_groups", &g.config_groups)
        .params(&format!("host group {}", g.title), &g.parameters)?
        .opt("root_pass", g.root_pass.as_ref())
        .opt("puppet_proxy", g.puppet_proxy.as_ref())
        .opt("puppet_ca_proxy", g.puppet_ca_proxy.as_ref());
    Ok(o.done())
}

/// A host as the estate format writes it (an item of `hosts`), its facts included.
///
/// # Errors
/// Parameters the format cannot hold in one list (typed and untyped together).
pub fn host_value(h: &Host) -> Result<Value, WriteError> {
    let mut o = Obj::default()
        .put("name", h.name.as_str())
        .opt("certname", h.certname.as_ref())
        .opt("hostgroup", h.hostgroup.as_ref())
        .opt("organization", h.organization.as_ref())
        .opt("location", h.location.as_ref())
        .opt("domain", h.domain.as_ref())
        .opt("subnet", h.subnet.as_ref())
        .opt("subnet6", h.subnet6.as_ref())
        .opt("operatingsystem", h.operatingsystem.as_ref())
        .opt("architecture", h.architecture.as_ref())
        .opt("environment", h.environment.as_ref())
        .names("puppetclasses", &h.puppetclasses)
        .names("config_groups", &h.config_groups)
        .params(&format!("host {}", h.name), &h.parameters)?
        .opt("comment", h.comment.as_ref());
    if let Some(w) = &h.owner {
        o = o.put("owner", Obj::default().opt("name", w.name.as_ref()).opt("email", w.email.as_ref()).done());
    }
    o = o
        .opt("root_pass", h.root_pass.as_ref())
        .opt("puppet_proxy", h.puppet_proxy.as_ref())
        .opt("puppet_ca_proxy", h.puppet_ca_proxy.as_ref());
    if !h.interfaces.is_empty() {
        o = o.put("interfaces", Value::Array(h.interfaces.iter().map(|n| Value::Hash(n.attrs.clone())).collect()));
    }
    if !h.facts.is_empty() {
        o = o.put("facts", Value::Hash((*h.facts).clone()));
    }
    Ok(o.done())
}

/// One parameter in the list form (`name`, `value`, `parameter_type` when declared,
/// `hidden_value` when set), whatever form it was written in.
#[must_use]
pub fn param_value(p: &Parameter) -> Value {
    let mut o = Obj::default().put("name", p.name.as_str()).put("value", p.value.clone());
    if let Some(t) = p.parameter_type {
        o = o.put("parameter_type", t.name());
    }
    o.flag("hidden_value", p.hidden_value).done()
}

/// A smart class parameter as the estate format writes it (a value of a class's `parameters`).
#[must_use]
pub fn smart_param(k: &SmartParam) -> Value {
    let mut o = Obj::default().put("parameter_type", k.parameter_type.name());
    if let Some(d) = &k.default_value {
        o = o.put("default_value", d.clone());
    }
    o = o.flag("override", k.override_);
    if let Some(lines) = &k.order {
        o = o.put(
            "override_value_order",
            Value::Array(lines.iter().map(|l| Value::from(l.join(",").as_str())).collect()),
        );
    }
    o = o
        .flag("merge_overrides", k.merge_overrides)
        .flag("merge_default", k.merge_default)
        .flag("avoid_duplicates", k.avoid_duplicates)
        .flag("omit", k.omit)
        .flag("hidden_value", k.hidden_value);
    if let Some(t) = &k.validator_type {
        o = o.put("validator_type", validator_name(t));
    }
    o = o
        .opt("validator_rule", k.validator_rule.as_ref())
        .flag("required", k.required)
        .opt("description", k.description.as_ref());
    if !k.override_values.is_empty() {
        let vals = k
            .override_values
            .iter()
            .map(|v| {
                let mut o = Obj::default().put("match", v.match_.as_str());
                if let Some(x) = &v.value {
                    o = o.put("value", x.clone());
                }
                o.flag("omit", v.omit).done()
            })
            .collect();
        o = o.put("override_values", Value::Array(vals));
    }
    o.done()
}

/// The estate format's name of a validator type.
#[must_use]
pub fn validator_name(t: &ValidatorType) -> &'static str {
    match t {
        ValidatorType::Regexp => "regexp",
        ValidatorType::List => "list",
    }
}

/// The files of `src`: `(relative path, YAML text)`.
#[allow(clippy::too_many_lines)]
pub fn files(src: &EstateSource) -> Result<Vec<(String, String)>, WriteError> {
    let mut out = Vec::new();
    let mut file = |name: &str, section: &str, v: Value| {
        out.push((name.to_string(), lamina_yaml::to_yaml(&Value::Hash(Map::from_iter([(section.to_string(), v)])))));
    };
    let s = &src.settings;
    file(
        "settings.yaml",
        "settings",
        Obj::default()
            .put("default_lookup_path", strs(&s.default_lookup_path))
            .put("matchers_inheritance", s.matchers_inheritance)
            .put("enc_environment", s.enc_environment)
            .put("interpolate_erb_in_parameters", s.interpolate_erb_in_parameters)
            .put("safemode_render", s.safemode_render)
            .opt("root_pass", s.root_pass.as_ref())
            .done(),
    );
    // Global parameters may come from several files in different forms: one file per run of
    // the same form keeps both the forms and the order.
    let mut runs: Vec<&[Parameter]> = Vec::new();
    let mut rest = src.parameters.as_slice();
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|p| map_form(p) == map_form(first)).count();
        runs.push(&rest[..n]);
        rest = &rest[n..];
    }
    for (i, run) in runs.iter().enumerate() {
        let name = if runs.len() == 1 { "parameters.yaml".to_string() } else { format!("parameters-{i:03}.yaml") };
        file(&name, "parameters", params("global", run)?);
    }
    for (name, list) in [("organizations", &src.organizations), ("locations", &src.locations)] {
        if list.is_empty() {
            continue;
        }
        let mut v = Vec::new();
        for t in list {
            v.push(Obj::default().put("title", t.title.as_str()).params(&t.title, &t.parameters)?.done());
        }
        file(&format!("{name}.yaml"), name, Value::Array(v));
    }
    if !src.domains.is_empty() {
        let mut v = Vec::new();
        for d in &src.domains {
            let o = Obj::default().put("name", d.name.as_str()).opt("fullname", d.fullname.as_ref());
            v.push(o.params(&format!("domain {}", d.name), &d.parameters)?.done());
        }
        file("domains.yaml", "domains", Value::Array(v));
    }
    if !src.subnets.is_empty() {
        let mut v = Vec::new();
        for s in &src.subnets {
            let mut o = Obj::default().put("name", s.name.as_str());
            for (k, x) in &s.attrs {
                o = o.put(k, x.clone());
            }
            v.push(o.params(&format!("subnet {}", s.name), &s.parameters)?.done());
        }
        file("subnets.yaml", "subnets", Value::Array(v));
    }
    if !src.operatingsystems.is_empty() {
        let mut v = Vec::new();
        for o in &src.operatingsystems {
            let x = Obj::default()
                .put("name", o.name.as_str())
                .put("major", o.major.as_str())
                .opt("minor", o.minor.as_ref())
                .opt("description", o.description.as_ref())
                .opt("password_hash", o.password_hash.as_ref())
                .opt("family", o.family.as_ref());
            v.push(x.params(&format!("operating system {}", o.title()), &o.parameters)?.done());
        }
        file("operatingsystems.yaml", "operatingsystems", Value::Array(v));
    }
    if !src.environments.is_empty() {
        let names: Vec<String> = src.environments.iter().map(|(n, _)| n.clone()).collect();
        file("environments.yaml", "environments", strs(&names));
    }
    if !src.puppetclasses.is_empty() {
        let mut m = Map::new();
        for c in &src.puppetclasses {
            let mut o = Obj::default();
            if let Some(envs) = &c.environments {
                o = o.put("environments", strs(envs));
            }
            if !c.parameters.is_empty() {
                o = o.put(
                    "parameters",
                    Value::Hash(c.parameters.iter().map(|k| (k.key.clone(), smart_param(k))).collect()),
                );
            }
            m.insert(c.name.clone(), o.done());
        }
        file("puppetclasses.yaml", "puppetclasses", Value::Hash(m));
    }
    if !src.config_groups.is_empty() {
        let v = src
            .config_groups
            .iter()
            .map(|c| Obj::default().put("name", c.name.as_str()).names("puppetclasses", &c.puppetclasses).done())
            .collect();
        file("config_groups.yaml", "config_groups", Value::Array(v));
    }
    if !src.hostgroups.is_empty() {
        let mut v = Vec::new();
        for g in &src.hostgroups {
            v.push(hostgroup_value(g)?);
        }
        file("hostgroups.yaml", "hostgroups", Value::Array(v));
    }
    for (i, chunk) in src.hosts.chunks(HOSTS_PER_FILE).enumerate() {
        let mut v = Vec::with_capacity(chunk.len());
        for h in chunk {
            v.push(host_value(h)?);
        }
        file(&format!("hosts/hosts-{i:05}.yaml"), "hosts", Value::Array(v));
    }
    Ok(out)
}

/// Write the files under `dir`, which must be absent or empty (stale estate files left there
/// would be read back with the new ones).
pub fn write(dir: &Path, files: &[(String, String)]) -> Result<(), WriteError> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_some() {
        return Err(format!("{}: the export directory must be empty or absent", dir.display()).into());
    }
    for (name, text) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&p, text).map_err(|e| io(&p, e))?;
    }
    Ok(())
}

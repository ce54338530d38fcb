//! The ENC document Puppet's exec node terminus reads: `parameters`, `classes`, `environment`.
//!
//! Assembled as Foreman's `Host::Managed#info` does: the providers' hashes deep-merged in
//! registration order — foreman_puppet's `ConfigGroupsInfo` and `PuppetInfo`, core's
//! `StaticInfo`, then `HostParamsInfo` — so user parameters override built-in ones of the same
//! name (core `app/models/concerns/host_info_extensions.rb`, `app/services/host_info.rb`).

use crate::error::{Error, ErrorKind};
use crate::render::StaticInfo;
use crate::resolve::{Resolution, deep_merge};
use crate::value::{Map, Value};
use indexmap::IndexMap;

/// A host's ENC document, typed: what Puppet's exec node terminus reads.
#[derive(Debug, Clone, PartialEq)]
pub struct EncDocument {
    /// `parameters`: the built-in parameters, then the host's custom parameters (which win).
    pub parameters: Map,
    /// `classes`, sorted by name, each with the smart class parameters sent for it (`None`: no
    /// parameter is sent, written `null`). `None` for a host without an environment, which
    /// Foreman sends as `classes: []`.
    pub classes: Option<IndexMap<String, Option<Map>>>,
    /// `environment`: the host's, unless `settings.enc_environment` is off.
    pub environment: Option<String>,
}

impl EncDocument {
    /// The document as Puppet reads it: `parameters`, `classes`, then `environment`.
    #[must_use]
    pub fn into_value(self) -> Value {
        let mut doc = Map::with_capacity(3);
        doc.insert("parameters".into(), Value::Hash(self.parameters));
        let classes = match self.classes {
            None => Value::Array(Vec::new()),
            Some(cs) => Value::Hash(cs.into_iter().map(|(c, p)| (c, p.map_or(Value::Null, Value::Hash))).collect()),
        };
        doc.insert("classes".into(), classes);
        if let Some(env) = self.environment {
            doc.insert("environment".into(), Value::String(env));
        }
        Value::Hash(doc)
    }
}

/// Subnet attributes Foreman exports, in its order (core `app/models/subnet.rb` `attr_exportable`).
pub const SUBNET_EXPORT: [&str; 15] = [
    "name",
    "network",
    "mask",
    "gateway",
    "dns_primary",
    "dns_secondary",
    "from",
    "to",
    "boot_mode",
    "ipam",
    "vlanid",
    "mtu",
    "nic_delay",
    "network_type",
    "description",
];

/// Interface attributes Foreman exports, in its order (core `app/models/nic/base.rb`).
pub const NIC_EXPORT: [&str; 16] = [
    "ip",
    "ip6",
    "mac",
    "name",
    "attrs",
    "virtual",
    "link",
    "identifier",
    "managed",
    "primary",
    "provision",
    "subnet",
    "subnet6",
    "tag",
    "attached_to",
    "type",
];

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// The built-in parameters Foreman computes, in its insertion order.
fn builtin(r: &Resolution<'_>) -> Map {
    let e = r.estate;
    let h = r.host;
    let src = &h.src;
    let mut p = Map::new();
    // ConfigGroupsInfo: the host's own config groups, then its host groups' (leaf → root).
    let mut cgs: Vec<Value> = Vec::new();
    let mut add_cg = |i: u32| {
        let v = s(&e.config_groups[i as usize].name);
        if !cgs.contains(&v) {
            cgs.push(v);
        }
    };
    h.config_groups.iter().for_each(|&c| add_cg(c));
    if let Some(g) = h.hostgroup {
        for &a in e.hostgroups[g as usize].chain.iter().rev() {
            e.hostgroups[a as usize].config_groups.iter().for_each(|&c| add_cg(c));
        }
    }
    p.insert("foreman_config_groups".into(), Value::Array(cgs));
    // PuppetInfo.
    let group = h.hostgroup.map(|g| &e.hostgroups[g as usize]);
    let proxy = src.puppet_proxy.clone().or_else(|| group.and_then(|g| g.puppet_proxy.clone()));
    p.insert("puppetmaster".into(), s(proxy.as_deref().unwrap_or("")));
    let ca = src.puppet_ca_proxy.clone().or_else(|| group.and_then(|g| g.puppet_ca_proxy.clone()));
    if let Some(ca) = ca {
        p.insert("puppet_ca".into(), s(&ca));
    }
    if let Some(env) = r.environment {
        p.insert("foreman_env".into(), s(env));
    }
    // StaticInfo.
    let short = src.name.split('.').next().unwrap_or(&src.name);
    p.insert("foreman_hostname".into(), s(short));
    p.insert("foreman_fqdn".into(), s(&src.name));
    if let Some(g) = group {
        p.insert("hostgroup".into(), s(&g.src.title));
    }
    if let Some(c) = src.comment.as_deref().filter(|c| !c.trim().is_empty()) {
        p.insert("comment".into(), s(c));
    }
    let base64 = h.os.is_some_and(|o| e.operatingsystems[o as usize].0.password_hash.as_deref() == Some("Base64"));
    let root = src
        .root_pass
        .clone()
        .filter(|x| !x.is_empty())
        .or_else(|| group.and_then(|g| g.root_pass.clone()))
        .or_else(|| e.settings.root_pass.clone());
    if let (Some(root), false) = (root, base64) {
        p.insert("root_pw".into(), s(&root));
    }
    let subnet_export = |name: &str| -> Value {
        e.subnets.iter().find(|x| x.name == name).map_or(Value::Null, |sn| {
            let mut m = Map::new();
            for k in SUBNET_EXPORT {
                let v = if k == "name" { s(&sn.name) } else { sn.attrs.get(k).cloned().unwrap_or(Value::Null) };
                m.insert(k.into(), v);
            }
            Value::Hash(m)
        })
    };
    let mut subnets: Vec<Value> = Vec::new();
    let mut nics: Vec<Value> = Vec::new();
    for nic in &src.interfaces {
        let mut m = Map::new();
        for k in NIC_EXPORT {
            let v = match k {
                "subnet" | "subnet6" => {
                    let v = nic.get_str(k).map_or(Value::Null, subnet_export);
                    if !v.is_null() && !subnets.contains(&v) {
                        subnets.push(v.clone());
                    }
                    v
                }
                "name" if nic.is_primary() && !nic.attrs.contains_key("name") => s(&src.name),
                "attrs" => nic.attrs.get(k).cloned().unwrap_or_else(|| Value::Hash(Map::new())),
                "link" => nic.attrs.get(k).cloned().unwrap_or(Value::Bool(true)),
                "virtual" | "primary" | "provision" => nic.attrs.get(k).cloned().unwrap_or(Value::Bool(false)),
                "managed" => nic.attrs.get(k).cloned().unwrap_or(Value::Bool(true)),
                "type" => s(nic_type(nic.get_str("type").unwrap_or("interface"))),
                _ => nic.attrs.get(k).cloned().unwrap_or(Value::Null),
            };
            m.insert(k.into(), v);
        }
        nics.push(Value::Hash(m));
    }
    // Hosts without interfaces still have the host-level subnets.
    for name in [&src.subnet, &src.subnet6].into_iter().flatten() {
        let v = subnet_export(name);
        if !v.is_null() && !subnets.contains(&v) {
            subnets.push(v);
        }
    }
    p.insert("foreman_subnets".into(), Value::Array(subnets));
    p.insert("foreman_interfaces".into(), Value::Array(nics));
    for (key, tax, list) in [("location", h.location, &e.locations), ("organization", h.organization, &e.organizations)]
    {
        if let Some(t) = tax {
            let t = &list[t as usize];
            p.insert(key.into(), s(&t.name));
            p.insert(format!("{key}_title"), s(&t.src.title));
        }
    }
    if let Some(d) = h.domain {
        let d = &e.domains[d as usize];
        p.insert("domainname".into(), s(&d.name));
        if let Some(f) = &d.fullname {
            p.insert("foreman_domain_description".into(), s(f));
        }
    }
    if let Some(o) = &src.owner {
        if let Some(n) = &o.name {
            p.insert("owner_name".into(), s(n));
        }
        if let Some(m) = &o.email {
            p.insert("owner_email".into(), s(m));
        }
    }
    p
}

/// Foreman's `humanized_name` of an interface type.
fn nic_type(t: &str) -> &'static str {
    match t.to_ascii_lowercase().as_str() {
        "bmc" => "BMC",
        "bond" => "Bond",
        "bridge" => "Bridge",
        _ => "Interface",
    }
}

/// Built-in parameters that foreman_puppet's providers add unrendered (`ConfigGroupsInfo`,
/// `PuppetInfo#puppet_static_info`); core's `StaticInfo` renders the others.
const NOT_RENDERED: [&str; 4] = ["foreman_config_groups", "puppetmaster", "puppet_ca", "foreman_env"];

/// Build the ENC document for a resolved host: built-in parameters (those of `StaticInfo`
/// rendered with the provider as `@host`, as Foreman does), the custom parameters as rendered,
/// and the smart class parameters resolved.
///
/// # Errors
/// When a built-in parameter holds ERB that cannot render.
pub(crate) fn document(r: &Resolution<'_>) -> Result<EncDocument, Error> {
    let host_err =
        |what: String| Error::new(ErrorKind::Resolve, format!("host {}", r.host.src.name), what).at(&r.host.src.origin);
    let settings = &r.estate.settings;
    let mut params = builtin(r);
    if settings.interpolate_erb_in_parameters {
        let mut ctx = StaticInfo { safemode: settings.safemode_render };
        for (name, v) in &mut params {
            if v.contains_erb() && !NOT_RENDERED.contains(&name.as_str()) {
                *v = ctx.value(v).map_err(|m| host_err(format!("built-in parameter {name}: {m}")))?;
            }
        }
    }
    // HostParamsInfo is deep-merged last: user parameters override built-in ones.
    let mut user = Map::with_capacity(r.params.len());
    for (name, rp) in &r.params {
        let v = r.rendered.get(name).unwrap_or(&rp.winner.param.value);
        user.insert((*name).to_string(), v.clone());
    }
    deep_merge(&mut params, &user);

    if r.environment.is_none() {
        return Ok(EncDocument { parameters: params, classes: None, environment: None });
    }
    let mut classes = IndexMap::with_capacity(r.classes.len());
    for c in &r.classes {
        let mut m = Map::new();
        for cp in &c.params {
            if let Some(v) = &cp.value {
                m.insert(cp.key.src.key.clone(), v.clone());
            }
        }
        classes.insert(c.name.to_string(), if m.is_empty() { None } else { Some(m) });
    }
    let environment = r.environment.filter(|_| settings.enc_environment).map(str::to_string);
    Ok(EncDocument { parameters: params, classes: Some(classes), environment })
}

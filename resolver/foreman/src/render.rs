//! ERB in parameter values, rendered per host as Foreman renders it (setting
//! `interpolate_erb_in_parameters`), with `lamina-erb` and the host as its [`Context`].
//!
//! Foreman's rules (core unless marked fp):
//!
//! - `ParameterSafeRender#render` (`app/services/parameter_safe_render.rb`) renders every string
//!   holding ERB (`contains_erb?`), walks arrays and hash values, and leaves everything else;
//!   nothing is rescued, so a failing template fails the host's whole ENC.
//! - Custom parameters: `HostParams#host_params` (`app/models/concerns/host_params.rb`) renders
//!   each value in precedence order and sends the rendered string, never cast again.
//!   `host_param('x')` gives x's rendered value (`host_param` renders x alone); there is no
//!   cycle check in Foreman (a cycle ends in `SystemStackError`), here it fails the host and
//!   names the cycle. Inside a host parameter, `@host.params`, `host_param!`,
//!   `host_param_true?`, `host_param_false?` re-enter `host_params` before its cache is set and
//!   recurse without end, so they fail the host here too; `host_enc` computes `host.info`,
//!   which renders the value again, so it fails in every parameter.
//! - Matchers read host parameters rendered (`MatchesGenerator#attr_to_value`:
//!   `host.host_params[element]`).
//! - Smart class parameters: `Classification::ClassificationResult#[]`
//!   (`app/services/classification/classification_result.rb`) renders, then casts with the
//!   key's type (a `TypeError` gives the logger's `true`), then validates when the stored value
//!   was an ERB string (`Invalid value ... of parameter ...` fails the host).
//! - Built-in parameters (`HostInfoProviders::StaticInfo`) are rendered with the provider
//!   object itself as `@host` (`ParameterSafeRender.new(self)` in
//!   `app/models/host_info_providers/static_info.rb`): only templates that do not touch the
//!   host render.
//! - `@host` is jailed (`Host::Managed::Jail` in `app/models/host/managed.rb`, and the jails of
//!   `Hostgroup`, `Domain`, `Operatingsystem`, `Taxonomy`, `ApplicationRecord`) unless the
//!   setting `safemode_render` is off; `<%= obj %>` writes `obj.to_s`: a host group's,
//!   organization's or location's title, a domain's or architecture's name, an operating
//!   system's `"name major.minor"`.

use crate::cast::{TextParser, validate};
use crate::compile::{CHost, Estate, Key};
use crate::model::ParamType;
use crate::resolve::ResolvedParam;
use crate::value::{Map, Value};
use indexmap::IndexMap;
use lamina_erb::{Context, Obj, R, Template, contains_erb};
use rustc_hash::FxHashMap as HashMap;

/// Methods `Host::Managed::Jail` allows (core `app/models/host/managed.rb`).
const HOST_JAIL: &[&str] = &[
    "id",
    "name",
    "created_at",
    "diskLayout",
    "puppet_server",
    "puppet_ca_server",
    "operatingsystem",
    "os",
    "ptable",
    "hostgroup",
    "url_for_boot",
    "compute_resource",
    "domain",
    "ip",
    "ip6",
    "mac",
    "shortname",
    "architecture",
    "model",
    "certname",
    "capabilities",
    "provider",
    "subnet",
    "subnet6",
    "token",
    "location",
    "organization",
    "provision_method",
    "image_build?",
    "pxe_build?",
    "otp",
    "realm",
    "nil?",
    "indent",
    "primary_interface",
    "provision_interface",
    "interfaces",
    "bond_interfaces",
    "bridge_interfaces",
    "interfaces_with_identifier",
    "managed_interfaces",
    "facts",
    "facts_hash",
    "root_pass",
    "sp_name",
    "sp_ip",
    "sp_mac",
    "sp_subnet",
    "use_image",
    "multiboot",
    "jumpstart_path",
    "install_path",
    "miniroot",
    "medium",
    "bmc_nic",
    "templates_used",
    "owner",
    "owner_type",
    "ssh_authorized_keys",
    "pxe_loader",
    "global_status",
    "global_status_label",
    "get_status",
    "puppetca_token",
    "last_report",
    "build?",
    "smart_proxies",
    "host_param",
    "virtual",
    "ram",
    "sockets",
    "cores",
    "params",
    "pxe_loader_efi?",
    "comment",
];
/// `Hostgroup::Jail` (core `app/models/hostgroup.rb`).
const HOSTGROUP_JAIL: &[&str] = &[
    "id",
    "name",
    "diskLayout",
    "puppet_server",
    "operatingsystem",
    "architecture",
    "ptable",
    "url_for_boot",
    "params",
    "puppet_proxy",
    "puppet_ca_server",
    "os",
    "arch",
    "domain",
    "subnet",
    "subnet6",
    "hosts",
    "realm",
    "root_pass",
    "description",
    "pxe_loader",
    "title",
    "children",
    "parent",
];
/// `Taxonomy` jails (core `app/models/taxonomy.rb`).
const TAXONOMY_JAIL: &[&str] = &["id", "name", "title", "description"];
/// `Domain::Jail` (core `app/models/domain.rb`).
const DOMAIN_JAIL: &[&str] = &["id", "name", "fullname"];
/// `Operatingsystem::Jail` (core `app/models/operatingsystem.rb`).
const OS_JAIL: &[&str] = &[
    "id",
    "name",
    "major",
    "minor",
    "family",
    "to_s",
    "==",
    "release",
    "release_name",
    "kernel",
    "initrd",
    "pxe_type",
    "boot_files_uri",
    "password_hash",
    "mediumpath",
    "bootfile",
];
/// `Subnet::Jail` (core `app/models/subnet.rb`), the attributes an estate holds.
const SUBNET_JAIL: &[&str] = &[
    "id",
    "name",
    "network",
    "mask",
    "cidr",
    "title",
    "to_label",
    "gateway",
    "dns_primary",
    "dns_secondary",
    "dns_servers",
    "vlanid",
    "mtu",
    "nic_delay",
    "boot_mode",
    "ipam",
    "from",
    "to",
    "description",
];
/// `ApplicationRecord::Jail` (architectures, environments).
const RECORD_JAIL: &[&str] = &["id", "name"];

/// How many parameters may render inside one another through `host_param`.
const MAX_CHAIN: usize = 16;

/// Renders one host's templates: its custom parameters (memoized, with a cycle check) and its
/// smart class parameter values.
pub(crate) struct Renderer<'a, 'e> {
    e: &'e Estate,
    h: &'e CHost,
    params: &'a IndexMap<&'e str, ResolvedParam<'e>>,
    /// Rendered values of the parameters that hold ERB.
    pub(crate) done: HashMap<&'e str, Value>,
    /// Parameters being rendered, outermost first: non-empty while a host parameter renders.
    stack: Vec<&'e str>,
}

impl<'a, 'e> Renderer<'a, 'e> {
    pub(crate) fn new(e: &'e Estate, h: &'e CHost, params: &'a IndexMap<&'e str, ResolvedParam<'e>>) -> Self {
        Renderer { e, h, params, done: HashMap::default(), stack: Vec::new() }
    }

    /// Render every custom parameter that holds ERB, in Foreman's order (`host.params`).
    pub(crate) fn render_params(&mut self) -> Result<(), String> {
        if !self.e.settings.interpolate_erb_in_parameters {
            return Ok(());
        }
        let names: Vec<&'e str> =
            self.params.iter().filter(|(_, rp)| rp.winner.param.value.contains_erb()).map(|(n, _)| *n).collect();
        for n in names {
            self.param(n)?;
        }
        Ok(())
    }

    /// Parameter `name` rendered (it must exist), or why it cannot be.
    fn param(&mut self, name: &'e str) -> Result<Value, String> {
        if let Some(v) = self.done.get(name) {
            return Ok(v.clone());
        }
        let rp = &self.params[name];
        let raw = &rp.winner.param.value;
        if !self.e.settings.interpolate_erb_in_parameters || !raw.contains_erb() {
            return Ok(raw.clone());
        }
        if self.stack.contains(&name) {
            let mut cycle: Vec<&str> = self.stack.iter().skip_while(|n| **n != name).copied().collect();
            cycle.push(name);
            return Err(format!(
                "host_param cycle {}: Foreman recurses without end (stack level too deep)",
                cycle.join(" -> ")
            ));
        }
        // Each reference renders inside the one that made it: a bounded chain keeps a hostile
        // estate from exhausting the stack (real chains are a few parameters long).
        if self.stack.len() >= MAX_CHAIN {
            return Err(format!("host_param references nest deeper than {MAX_CHAIN} parameters"));
        }
        self.stack.push(name);
        let r = self.value(raw);
        self.stack.pop();
        let v = r.map_err(|m| format!("parameter {name} (from {}): {m}", owner(rp)))?;
        self.done.insert(name, v.clone());
        Ok(v)
    }

    /// A value rendered against this host ([`render_object`]).
    pub(crate) fn value(&mut self, v: &Value) -> Result<Value, String> {
        render_object(v, self)
    }

    /// A smart class parameter's picked value as Foreman sends it: rendered, cast to the key's
    /// type, validated when the stored value was a template (`ClassificationResult#[]`).
    /// `Ok(None)`: the cast gave `nil`, so the key is not sent.
    pub(crate) fn class_value(
        &mut self,
        key: &Key,
        v: &Value,
        parser: &dyn TextParser,
    ) -> Result<Option<Value>, String> {
        let p = &key.src;
        let late = matches!(v, Value::String(s) if contains_erb(s));
        let rendered = if self.e.settings.interpolate_erb_in_parameters { self.value(v)? } else { v.clone() };
        let cast = cast_rendered(&rendered, p.parameter_type, parser)?;
        if late {
            let shown = cast.as_ref().map_or_else(String::new, lamina_erb::to_s);
            let shown = if p.hidden_value { crate::explain::MASK.to_string() } else { shown };
            validate(cast.as_ref().unwrap_or(&Value::Null), p.validator_type.as_ref(), p.validator_rule.as_deref())
                .map_err(|m| format!("Invalid value '{shown}' ({m})"))?;
        }
        Ok(cast)
    }

    fn host_method(&mut self, name: &str, args: &[Value]) -> Option<Result<R, String>> {
        let e = self.e;
        let h = self.h;
        let src = &h.src;
        let s = |v: Option<&str>| Ok(R::V(v.map_or(Value::Null, Value::from)));
        let obj =
            |class: &'static str, id: Option<u32>| Ok(id.map_or(R::V(Value::Null), |id| R::Obj(Obj { class, id })));
        let primary = |k: &str| src.interfaces.iter().find(|n| n.is_primary()).and_then(|n| n.get_str(k));
        if self.e.settings.safemode_render && !HOST_JAIL.contains(&name) {
            return Some(Err(format!("undefined method '{name}' for Host::Managed::Jail (Host::Managed)")));
        }
        if !args.is_empty() && name != "host_param" {
            return None;
        }
        Some(match name {
            "name" | "fqdn" | "to_label" => s(Some(&src.name)),
            "certname" => s(Some(src.certname())),
            "shortname" => {
                let d = h.domain.map(|d| e.domains[d as usize].name.as_str());
                let short = d.and_then(|d| src.name.strip_suffix(&format!(".{d}"))).unwrap_or(&src.name);
                s(Some(short))
            }
            "hostgroup" => obj("Hostgroup", h.hostgroup),
            "organization" => obj("Organization", h.organization),
            "location" => obj("Location", h.location),
            "domain" => obj("Domain", h.domain),
            "operatingsystem" | "os" => obj("Operatingsystem", h.os),
            "subnet" => obj("Subnet", h.subnet),
            "subnet6" => obj("Subnet", h.subnet6),
            "architecture" | "arch" => obj("Architecture", src.architecture.as_ref().map(|_| 0)),
            "environment" => obj("Environment", h.environment),
            "ip" | "ip6" | "mac" => s(primary(name)),
            "comment" => s(src.comment.as_deref()),
            "facts" | "facts_hash" => Ok(R::V(Value::Hash(flat_facts(&src.facts)))),
            "params" => self.params().map(|m| R::V(Value::Hash(m))),
            "host_param" => match args {
                [n] => self.host_param(&lamina_erb::to_s(n)).map(|v| R::V(v.unwrap_or(Value::Null))),
                _ => Err(format!("wrong number of arguments (given {}, expected 1) in `host_param'", args.len())),
            },
            _ => return None,
        })
    }
}

/// `ParameterSafeRender#render_object`: strings with ERB rendered, arrays and hash values
/// walked, anything else as is.
fn render_object(v: &Value, ctx: &mut dyn Context) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if contains_erb(s) => {
            Value::String(Template::parse(s).and_then(|t| t.render(ctx)).map_err(|e| e.to_string())?)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| render_object(x, ctx)).collect::<Result<_, _>>()?),
        Value::Hash(h) => {
            Value::Hash(h.iter().map(|(k, x)| Ok((k.clone(), render_object(x, ctx)?))).collect::<Result<_, String>>()?)
        }
        other => other.clone(),
    })
}

fn owner(rp: &ResolvedParam<'_>) -> String {
    let w = &rp.winner;
    if w.owner.is_empty() { w.layer.label().to_string() } else { format!("{} {}", w.layer.label(), w.owner) }
}

/// `host.facts`: Foreman stores facts by flattened name (`os::family`) as strings.
fn flat_facts(facts: &Map) -> Map {
    fn walk(prefix: &str, v: &Value, out: &mut Map) {
        match v {
            Value::Hash(h) => {
                for (k, x) in h {
                    walk(&if prefix.is_empty() { k.clone() } else { format!("{prefix}::{k}") }, x, out);
                }
            }
            Value::Null => {
                out.insert(prefix.to_string(), Value::Null);
            }
            other => {
                out.insert(prefix.to_string(), Value::String(lamina_erb::to_s(other)));
            }
        }
    }
    let mut out = Map::new();
    for (k, v) in facts {
        walk(k, v, &mut out);
    }
    out
}

/// The caster applied to a rendered value (core `app/services/foreman/parameters/caster.rb`),
/// with `ClassificationResult#type_cast`'s rescue: a `TypeError` gives the logger's `true`.
/// `Ok(None)` is `nil`. YAML and JSON that cannot be parsed fail (Foreman does not rescue them).
pub(crate) fn cast_rendered(v: &Value, t: ParamType, parser: &dyn TextParser) -> Result<Option<Value>, String> {
    const TYPE_ERROR: Value = Value::Bool(true);
    let yaml_or_json = |s: &str| -> Result<Value, String> {
        match parser.yaml(s) {
            Ok(v) => Ok(v),
            Err(_) => parser.json(s).map_err(|e| format!("cannot cast the rendered value to {}: {e}", t.name())),
        }
    };
    Ok(Some(match (t, v) {
        (ParamType::String, v) => Value::String(lamina_erb::to_s(v)),
        (ParamType::Boolean, Value::String(s)) if s.is_empty() => return Ok(None),
        (ParamType::Boolean, v) => match lamina_erb::to_bool(v) {
            Some(b) => Value::Bool(b),
            None => TYPE_ERROR,
        },
        (ParamType::Integer | ParamType::Real, Value::Int(_) | Value::BigInt(_)) => v.clone(),
        (ParamType::Integer, Value::Float(f)) => crate::cast::cast(&Value::Float(*f), ParamType::Integer, parser)?,
        (ParamType::Real, Value::Float(_)) => v.clone(),
        // The caster's real falls back on its integer rules itself.
        (ParamType::Integer | ParamType::Real, Value::String(_)) => {
            crate::cast::cast(v, t, parser).unwrap_or(TYPE_ERROR)
        }
        (ParamType::Integer | ParamType::Real, _) => return Ok(None),
        (ParamType::Array, Value::Array(_)) | (ParamType::Hash, Value::Hash(_)) => v.clone(),
        (ParamType::Array, Value::Hash(h)) => {
            Value::Array(h.iter().map(|(k, x)| Value::Array(vec![Value::String(k.clone()), x.clone()])).collect())
        }
        (ParamType::Array, Value::String(s)) => match yaml_or_json(s)? {
            x @ Value::Array(_) => x,
            _ => TYPE_ERROR,
        },
        (ParamType::Hash, Value::String(s)) => match yaml_or_json(s)? {
            x @ Value::Hash(_) => x,
            _ => TYPE_ERROR,
        },
        (ParamType::Array | ParamType::Hash, _) => TYPE_ERROR,
        (ParamType::Json, Value::String(s)) => {
            return parser
                .json(s)
                .map(|x| (!x.is_null()).then_some(x))
                .map_err(|e| format!("cannot parse the rendered value as JSON: {e}"));
        }
        (ParamType::Yaml, Value::String(s)) => {
            return parser
                .yaml(s)
                .map(|x| (!x.is_null()).then_some(x))
                .map_err(|e| format!("cannot parse the rendered value as YAML: {e}"));
        }
        (ParamType::Json | ParamType::Yaml, other) => other.clone(),
    }))
}

impl Context for Renderer<'_, '_> {
    fn ivar(&mut self, name: &str) -> Option<R> {
        (name == "host").then_some(R::Obj(Obj { class: "Host", id: 0 }))
    }

    fn method(&mut self, obj: Obj, name: &str, args: &[Value]) -> Option<Result<R, String>> {
        let e = self.e;
        let safemode = e.settings.safemode_render;
        let jail = |list: &[&str], jail: &str, class: &str| -> Option<Result<R, String>> {
            (safemode && !list.contains(&name)).then(|| Err(format!("undefined method '{name}' for {jail} ({class})")))
        };
        let s = |v: &str| Some(Ok(R::V(Value::from(v))));
        let opt = |v: Option<&String>| Some(Ok(R::V(v.map_or(Value::Null, |v| Value::from(v.as_str())))));
        if obj.class != "Host" && !args.is_empty() {
            return None;
        }
        let i = obj.id as usize;
        match obj.class {
            "Host" => self.host_method(name, args),
            "Hostgroup" => {
                if let Some(refused) = jail(HOSTGROUP_JAIL, "Hostgroup::Jail", "Hostgroup") {
                    return Some(refused);
                }
                let g = &e.hostgroups[i];
                match name {
                    "name" => s(g.src.title.rsplit('/').next().unwrap_or_default()),
                    "title" => s(&g.src.title),
                    "parent" => Some(Ok(match g.chain.len() {
                        n if n >= 2 => R::Obj(Obj { class: "Hostgroup", id: g.chain[n - 2] }),
                        _ => R::V(Value::Null),
                    })),
                    _ => None,
                }
            }
            "Organization" | "Location" => {
                let (list, jail_name) = if obj.class == "Organization" {
                    (&e.organizations, "Organization::Jail")
                } else {
                    (&e.locations, "Location::Jail")
                };
                if let Some(refused) = jail(TAXONOMY_JAIL, jail_name, obj.class) {
                    return Some(refused);
                }
                let t = &list[i];
                match name {
                    "name" => s(&t.name),
                    "title" => s(&t.src.title),
                    _ => None,
                }
            }
            "Domain" => {
                if let Some(refused) = jail(DOMAIN_JAIL, "Domain::Jail", "Domain") {
                    return Some(refused);
                }
                let d = &e.domains[i];
                match name {
                    "name" => s(&d.name),
                    "fullname" => opt(d.fullname.as_ref()),
                    _ => None,
                }
            }
            "Operatingsystem" => {
                if let Some(refused) = jail(OS_JAIL, "Operatingsystem::Jail", "Operatingsystem") {
                    return Some(refused);
                }
                let (o, _) = &e.operatingsystems[i];
                match name {
                    "name" => s(&o.name),
                    "major" => s(&o.major),
                    "minor" => opt(o.minor.as_ref()),
                    "family" => opt(o.family.as_ref()),
                    "password_hash" => opt(o.password_hash.as_ref()),
                    "release" => s(&release(o)),
                    _ => None,
                }
            }
            "Subnet" => {
                if let Some(refused) = jail(SUBNET_JAIL, "Subnet::Jail", "Subnet") {
                    return Some(refused);
                }
                let sn = &e.subnets[i];
                match name {
                    "name" => s(&sn.name),
                    "to_label" => Some(Ok(R::V(Value::String(subnet_label(sn))))),
                    "cidr" => Some(Ok(R::V(mask_bits(sn).map_or(Value::Null, |b| Value::Int(i64::from(b)))))),
                    k => Some(Ok(R::V(sn.attrs.get(k).cloned().unwrap_or(Value::Null)))),
                }
            }
            "Architecture" | "Environment" => {
                let class = if obj.class == "Architecture" { "Architecture" } else { "ForemanPuppet::Environment" };
                if let Some(refused) = jail(RECORD_JAIL, "ApplicationRecord::Jail", class) {
                    return Some(refused);
                }
                match name {
                    "name" => Some(Ok(R::V(Value::String(self.to_s(obj))))),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn to_s(&mut self, obj: Obj) -> String {
        let e = self.e;
        let i = obj.id as usize;
        match obj.class {
            "Host" => self.h.src.name.clone(),
            "Hostgroup" => e.hostgroups[i].src.title.clone(),
            "Organization" => e.organizations[i].src.title.clone(),
            "Location" => e.locations[i].src.title.clone(),
            "Domain" => e.domains[i].name.clone(),
            "Operatingsystem" => {
                let (o, _) = &e.operatingsystems[i];
                format!("{} {}", o.name, release(o))
            }
            // `Subnet#to_s` is its name (core `app/models/subnet.rb`).
            "Subnet" => e.subnets[i].name.clone(),
            "Architecture" => self.h.src.architecture.clone().unwrap_or_default(),
            "Environment" => e.environments[i].clone(),
            other => format!("#<{other}>"),
        }
    }

    fn host_param(&mut self, name: &str) -> Result<Option<Value>, String> {
        match self.params.get_key_value(name) {
            None => Ok(None),
            Some((&n, _)) => self.param(n).map(Some),
        }
    }

    fn params(&mut self) -> Result<Map, String> {
        if !self.stack.is_empty() {
            return Err("reading every host parameter (`@host.params`, `host_param!`, `host_param_true?`, \
                        `host_param_false?`) inside a host parameter makes Foreman render them all again, without \
                        end (stack level too deep); `host_param('name')` reads one"
                .into());
        }
        let names: Vec<&str> = self.params.keys().copied().collect();
        let mut out = Map::with_capacity(names.len());
        for n in names {
            out.insert(n.to_string(), self.param(n)?);
        }
        Ok(out)
    }

    fn host_enc(&mut self, _: &[Value]) -> Result<Value, String> {
        Err("`host_enc` inside a parameter value makes Foreman compute the ENC again, which renders this value \
             again, without end (stack level too deep)"
            .into())
    }
}

/// `Operatingsystem#release`: `major.minor`, or `major` without a minor.
fn release(o: &crate::model::OperatingSystem) -> String {
    match o.minor.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => format!("{}.{m}", o.major),
        None => o.major.clone(),
    }
}

/// `Subnet#cidr`: the mask's set bits (`IPAddr.new(mask).to_i.to_s(2).count("1")`), IPv4 or
/// IPv6.
fn mask_bits(sn: &crate::model::Subnet) -> Option<u32> {
    let mask: std::net::IpAddr = sn.attrs.get("mask").and_then(Value::as_str)?.parse().ok()?;
    Some(match mask {
        std::net::IpAddr::V4(m) => u32::from(m).count_ones(),
        std::net::IpAddr::V6(m) => u128::from(m).count_ones(),
    })
}

/// `Subnet#to_label`: `name (network/cidr)`.
fn subnet_label(sn: &crate::model::Subnet) -> String {
    let net = sn.attrs.get("network").map(lamina_erb::to_s).unwrap_or_default();
    format!("{} ({net}/{})", sn.name, mask_bits(sn).unwrap_or(0))
}

/// The context of built-in parameters: `HostInfoProviders::StaticInfo` passes itself as the
/// host, so only templates that do not touch it render.
pub(crate) struct StaticInfo {
    pub(crate) safemode: bool,
}

impl StaticInfo {
    fn refused(&self, name: &str) -> String {
        if self.safemode {
            format!("undefined method '{name}' for Safemode::Jail (HostInfoProviders::StaticInfo)")
        } else {
            format!("undefined method `{name}' for #<HostInfoProviders::StaticInfo>")
        }
    }

    /// Render a built-in parameter's value ([`render_object`]).
    pub(crate) fn value(&mut self, v: &Value) -> Result<Value, String> {
        render_object(v, self)
    }
}

impl Context for StaticInfo {
    fn ivar(&mut self, name: &str) -> Option<R> {
        (name == "host").then_some(R::Obj(Obj { class: "HostInfoProviders::StaticInfo", id: 0 }))
    }

    fn method(&mut self, _: Obj, name: &str, _: &[Value]) -> Option<Result<R, String>> {
        Some(Err(self.refused(name)))
    }

    fn to_s(&mut self, _: Obj) -> String {
        "#<HostInfoProviders::StaticInfo>".into()
    }

    fn host_param(&mut self, _: &str) -> Result<Option<Value>, String> {
        Err(self.refused("host_param"))
    }

    fn params(&mut self) -> Result<Map, String> {
        Err(self.refused("params"))
    }

    fn host_enc(&mut self, _: &[Value]) -> Result<Value, String> {
        Err(self.refused("info"))
    }
}

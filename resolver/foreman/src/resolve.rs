//! Per-host resolution: custom parameters, classes, smart class parameters — with the
//! provenance of every value.
//!
//! Everything here borrows from the compiled [`Estate`]; values are cloned only when a merge
//! builds a new one or when the ENC document is emitted.

use crate::compile::{CHost, Estate, Idx, Key};
use crate::error::{Error, ErrorKind};
use crate::model::{OverrideValue, ParamType, Parameter};
use crate::render::Renderer;
use crate::value::{Map, Value};
use indexmap::IndexMap;
use rustc_hash::FxHashMap as HashMap;

/// The layer a custom parameter came from, lowest precedence first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Layer {
    /// Global ("common") parameters.
    Global,
    /// An organization (root → leaf).
    Organization,
    /// A location (root → leaf).
    Location,
    /// The host's domain.
    Domain,
    /// The primary interface's IPv4 subnet.
    Subnet,
    /// The primary interface's IPv6 subnet.
    Subnet6,
    /// The operating system.
    Os,
    /// A host group (root → leaf).
    Hostgroup,
    /// The host itself.
    Host,
}

impl Layer {
    /// Foreman's `associated_type` label.
    #[must_use]
    pub(crate) fn label(self) -> &'static str {
        match self {
            Layer::Global => "global",
            Layer::Organization => "organization",
            Layer::Location => "location",
            Layer::Domain => "domain",
            Layer::Subnet | Layer::Subnet6 => "subnet",
            Layer::Os => "operating system",
            Layer::Hostgroup => "host group",
            Layer::Host => "host",
        }
    }
}

/// One definition of a custom parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParamDef<'e> {
    /// Layer.
    pub(crate) layer: Layer,
    /// The owning object's title or name (empty for global).
    pub(crate) owner: &'e str,
    /// The parameter.
    pub(crate) param: &'e Parameter,
}

/// A resolved custom parameter: the winning definition and, when tracing, the ones it hid.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedParam<'e> {
    /// The definition that won.
    pub(crate) winner: ParamDef<'e>,
    /// Lower-precedence definitions of the same name (only when tracing), lowest first.
    pub(crate) overridden: Vec<ParamDef<'e>>,
}

/// How a smart class parameter got its value.
#[derive(Clone, Debug)]
pub(crate) enum Via<'e> {
    /// The key's default value.
    Default,
    /// The first matching override value.
    Match(&'e OverrideValue),
    /// A merge of override values (`merge_overrides`), in Foreman's iteration order
    /// (arrays: highest priority first; hashes: lowest first), after the default when
    /// `merge_default`.
    Merge {
        /// The default took part.
        default: bool,
        /// Contributing override values.
        values: Vec<&'e OverrideValue>,
    },
}

/// The outcome for one smart class parameter of a host.
#[derive(Clone, Debug)]
pub(crate) struct ClassParam<'e> {
    /// The key.
    pub(crate) key: &'e Key,
    /// The value sent, or `None` when the parameter is not sent (omitted).
    pub(crate) value: Option<Value>,
    /// Where it came from.
    pub(crate) via: Via<'e>,
    /// Every matching override value in priority order (for explain), with its line index.
    pub(crate) candidates: Vec<(&'e OverrideValue, usize)>,
    /// The value as stored, when it held ERB and `value` is what it rendered to.
    pub(crate) template: Option<Value>,
}

/// A class of the host with its overridden parameters.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedClass<'e> {
    /// Class name.
    pub(crate) name: &'e str,
    /// Whether the class has overridden keys at all (`nil` in the ENC when it has none).
    pub(crate) has_keys: bool,
    /// Parameters (sent and omitted), sorted by key.
    pub(crate) params: Vec<ClassParam<'e>>,
}

/// Everything resolved for one host: its ENC document ([`Self::document`]) and where each
/// value came from ([`Self::explain`]).
#[derive(Clone, Debug)]
pub struct Resolution<'e> {
    /// The estate.
    pub(crate) estate: &'e Estate,
    /// The host.
    pub(crate) host: &'e CHost,
    /// Custom parameters in Foreman's hash order.
    pub(crate) params: IndexMap<&'e str, ResolvedParam<'e>>,
    /// What the parameters holding ERB rendered to (by name).
    pub(crate) rendered: HashMap<&'e str, Value>,
    /// Classes sorted by name (empty without an environment).
    pub(crate) classes: Vec<ResolvedClass<'e>>,
    /// Environment name.
    pub(crate) environment: Option<&'e str>,
}

impl Resolution<'_> {
    /// The host's ENC document.
    ///
    /// # Errors
    /// When a built-in parameter holds ERB that cannot render.
    pub fn document(&self) -> Result<crate::EncDocument, Error> {
        crate::enc::document(self)
    }

    /// Where each of the host's values came from, hidden values masked unless `show_hidden`
    /// (the resolution must have been made with `trace`).
    ///
    /// # Errors
    /// As [`Self::document`].
    pub fn explain(&self, show_hidden: bool) -> Result<Value, Error> {
        crate::explain::explain(self, show_hidden)
    }
}

fn err(host: &CHost, msg: String) -> Error {
    Error::new(ErrorKind::Resolve, format!("host {}", host.src.name), msg).at(&host.src.origin)
}

/// Resolve one host. `trace` keeps the definitions each parameter hid (for explain).
///
/// # Errors
/// When the host's data cannot be resolved: a merge of incompatible values, a value Foreman
/// could only cast in an undefined way, or ERB in a parameter value that cannot render (naming
/// the parameter, the construct and its line and column in the template).
pub fn resolve(estate: &Estate, host: Idx, trace: bool) -> Result<Resolution<'_>, Error> {
    let h = &estate.hosts[host as usize];
    let params = host_params(estate, h, trace);
    let environment = h.environment.map(|e| estate.environments[e as usize].as_str());
    let mut rn = Renderer::new(estate, h, &params);
    rn.render_params().map_err(|m| err(h, m))?;
    let classes = if environment.is_some() { classes(estate, h, &params, &mut rn)? } else { Vec::new() };
    let rendered = rn.done;
    Ok(Resolution { estate, host: h, params, rendered, classes, environment })
}

/// Custom parameters: global < organization chain < location chain < domain < subnet <
/// subnet6 < OS < host group chain < host (core `app/models/concerns/host_params.rb`).
/// A later definition replaces the value but keeps the key's first position, as Ruby's
/// `Hash#[]=` does.
pub(crate) fn host_params<'e>(e: &'e Estate, h: &'e CHost, trace: bool) -> IndexMap<&'e str, ResolvedParam<'e>> {
    let mut out: IndexMap<&'e str, ResolvedParam<'e>> = IndexMap::new();
    let mut add = |layer: Layer, owner: &'e str, list: &'e [Parameter]| {
        for p in list {
            let def = ParamDef { layer, owner, param: p };
            match out.get_mut(p.name.as_str()) {
                Some(r) => {
                    if trace {
                        r.overridden.push(r.winner);
                    }
                    r.winner = def;
                }
                None => {
                    out.insert(&p.name, ResolvedParam { winner: def, overridden: Vec::new() });
                }
            }
        }
    };
    add(Layer::Global, "", &e.globals);
    if let Some(o) = h.organization {
        for &a in &e.organizations[o as usize].chain {
            let t = &e.organizations[a as usize].src;
            add(Layer::Organization, &t.title, &t.parameters);
        }
    }
    if let Some(l) = h.location {
        for &a in &e.locations[l as usize].chain {
            let t = &e.locations[a as usize].src;
            add(Layer::Location, &t.title, &t.parameters);
        }
    }
    if let Some(d) = h.domain {
        let d = &e.domains[d as usize];
        add(Layer::Domain, &d.name, &d.parameters);
    }
    if let Some(s) = h.subnet {
        let s = &e.subnets[s as usize];
        add(Layer::Subnet, &s.name, &s.parameters);
    }
    if let Some(s) = h.subnet6 {
        let s = &e.subnets[s as usize];
        add(Layer::Subnet6, &s.name, &s.parameters);
    }
    if let Some(o) = h.os {
        let (os, title) = &e.operatingsystems[o as usize];
        add(Layer::Os, title, &os.parameters);
    }
    if let Some(g) = h.hostgroup {
        for &a in &e.hostgroups[g as usize].chain {
            let g = &e.hostgroups[a as usize].src;
            add(Layer::Hostgroup, &g.title, &g.parameters);
        }
    }
    add(Layer::Host, &h.src.name, &h.src.parameters);
    out
}

/// The host's classes: own + config groups' + every host group in the chain (+ their config
/// groups), filtered to the host's environment, sorted by name
/// (fp `app/models/foreman_puppet/puppet_facet_common.rb#classes`).
fn class_ids(e: &Estate, h: &CHost) -> Vec<Idx> {
    let mut ids: Vec<Idx> = Vec::with_capacity(32);
    let push_cgs = |ids: &mut Vec<Idx>, cgs: &[Idx]| {
        for &cg in cgs {
            ids.extend_from_slice(&e.config_groups[cg as usize].classes);
        }
    };
    push_cgs(&mut ids, &h.config_groups);
    if let Some(g) = h.hostgroup {
        for &a in &e.hostgroups[g as usize].chain {
            let g = &e.hostgroups[a as usize];
            ids.extend_from_slice(&g.classes);
            push_cgs(&mut ids, &g.config_groups);
        }
    }
    ids.extend_from_slice(&h.classes);
    let env = h.environment;
    ids.retain(|&c| match (&e.classes[c as usize].environments, env) {
        (None, _) => true,
        (Some(set), Some(env)) => set.contains(&env),
        (Some(_), None) => false,
    });
    // Classes are sorted by name at compile time, so their indexes sort the same way.
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Matcher attributes answered by the host itself (`host.respond_to?`); any other attribute
/// is a host parameter, else a fact.
pub const HOST_ATTRIBUTES: [&str; 17] = [
    "fqdn",
    "name",
    "certname",
    "hostgroup",
    "organization",
    "location",
    "domain",
    "os",
    "operatingsystem",
    "environment",
    "architecture",
    "comment",
    "subnet",
    "subnet6",
    "ip",
    "ip6",
    "mac",
];

/// Per-host matcher generation, memoized per order line (Foreman's `MatchesGenerator`).
struct Matcher<'a, 'e> {
    e: &'e Estate,
    h: &'e CHost,
    params: &'a IndexMap<&'e str, ResolvedParam<'e>>,
    /// The parameters holding ERB, rendered (matchers read them rendered).
    rendered: &'a HashMap<&'e str, Value>,
    cache: HashMap<Idx, Vec<(Idx, usize)>>,
}

impl Estate {
    /// Whether giving host `host` the facts `facts` can change its ENC document: facts reach it
    /// through override values' order lines, so if one of the facts those lines can read
    /// differs, and through ERB that reads `@host.facts`, so if any fact differs and one of the
    /// host's templates names `facts`. (Agents upload facts on every run; most runs change only
    /// volatile facts such as uptimes, which no matcher reads.)
    ///
    /// # Panics
    /// When `host` is not an index [`Self::host`] gave for this estate.
    #[must_use]
    pub fn facts_matter(&self, host: Idx, facts: &Map) -> bool {
        let old = &self.hosts[host as usize].src.facts;
        self.rules
            .iter()
            .flatten()
            .filter(|el| !HOST_ATTRIBUTES.contains(&el.as_str()))
            .any(|el| fact(old, el) != fact(facts, el))
            || (**old != *facts && self.templates_read_facts(host))
    }

    /// Whether a template the host renders (a custom parameter it receives, a value of a key of
    /// its classes) mentions `facts`: a cheap, safe over-approximation of `@host.facts[...]`.
    fn templates_read_facts(&self, host: Idx) -> bool {
        if !self.settings.interpolate_erb_in_parameters {
            return false;
        }
        fn reads(v: &Value) -> bool {
            match v {
                Value::String(s) => lamina_erb::contains_erb(s) && s.contains("facts"),
                Value::Array(a) => a.iter().any(reads),
                Value::Hash(h) => h.values().any(reads),
                _ => false,
            }
        }
        let h = &self.hosts[host as usize];
        host_params(self, h, false).values().any(|rp| reads(&rp.winner.param.value))
            || class_ids(self, h).iter().flat_map(|&c| &self.classes[c as usize].override_keys).any(|&k| {
                let p = &self.keys[k as usize].src;
                p.default_value.as_ref().is_some_and(reads)
                    || p.override_values.iter().any(|ov| ov.value.as_ref().is_some_and(reads))
            })
    }
}

impl<'e> Matcher<'_, 'e> {
    /// `attr_to_value`: a host attribute ([`HOST_ATTRIBUTES`]), else a host parameter, else a fact
    /// (core `app/services/classification/matches_generator.rb`).
    fn attr_value(&self, el: &str) -> Option<String> {
        let e = self.e;
        let h = self.h;
        let title = |v: Option<Idx>, list: &'e [crate::compile::Tax]| v.map(|i| list[i as usize].src.title.clone());

        match el {
            "fqdn" | "name" => Some(h.src.name.clone()),
            "certname" => Some(h.src.certname().to_string()),
            "hostgroup" => h.hostgroup.map(|g| e.hostgroups[g as usize].src.title.clone()),
            "organization" => title(h.organization, &e.organizations),
            "location" => title(h.location, &e.locations),
            "domain" => h.domain.map(|d| e.domains[d as usize].name.clone()),
            "os" | "operatingsystem" => h.os.map(|o| e.operatingsystems[o as usize].1.clone()),
            "environment" => h.environment.map(|v| e.environments[v as usize].clone()),
            "architecture" => h.src.architecture.clone(),
            "comment" => h.src.comment.clone(),
            "subnet" => h.src.subnet.clone(),
            "subnet6" => h.src.subnet6.clone(),
            "ip" | "ip6" | "mac" => {
                h.src.interfaces.iter().find(|n| n.is_primary()).and_then(|n| n.get_str(el)).map(str::to_string)
            }
            _ => {
                if let Some(p) = self.params.get(el) {
                    return Some(self.rendered.get(el).unwrap_or(&p.winner.param.value).to_ruby_s());
                }
                fact(&h.src.facts, el)
            }
        }
    }

    /// The match strings this host generates for one order line, with the sort weight of each
    /// (the length of its inherited-attribute values), interned; strings no override value uses
    /// are dropped, as the SQL `IN` would never return them.
    fn rule(&mut self, rule_id: Idx) -> &[(Idx, usize)] {
        if !self.cache.contains_key(&rule_id) {
            let v = self.generate(rule_id);
            self.cache.insert(rule_id, v);
        }
        &self.cache[&rule_id]
    }

    fn generate(&self, rule_id: Idx) -> Vec<(Idx, usize)> {
        let e = self.e;
        let mut out = Vec::new();
        self.match_strings(&e.rules[rule_id as usize], |s, weight| {
            if let Some(&id) = e.match_ids.get(s) {
                out.push((id, weight));
            }
        });
        out
    }

    /// Every match string this host generates for one order line, in Foreman's order, with its
    /// sort weight (the length of its inherited-attribute values).
    fn match_strings(&self, rule: &[String], mut emit: impl FnMut(&str, usize)) {
        const INHERIT: [&str; 3] = ["hostgroup", "organization", "location"];
        let mut parts: Vec<(String, String)> = Vec::with_capacity(rule.len());
        for el in rule {
            // nil renders as "el=", which no stored match can equal.
            let Some(v) = self.attr_value(el) else { return };
            if v.is_empty() {
                return;
            }
            parts.push((el.clone(), v));
        }
        let mut emit_parts = |parts: &[(String, String)]| {
            let s = parts.iter().map(|(a, v)| format!("{a}={v}")).collect::<Vec<_>>().join(",");
            let weight = parts.iter().filter(|(a, _)| INHERIT.contains(&a.as_str())).map(|(_, v)| v.len() + 1).sum();
            emit(&s, weight);
        };
        emit_parts(&parts);
        if self.e.settings.matchers_inheritance {
            // Foreman mutates one `match` array across the three inherited attributes without
            // resetting it, so for `hostgroup,organization` with hostgroup a/b/c and org x/y it
            // generates a/b/c+x/y, a/b+x/y, a+x/y, a+x — never a/b/c+x. Kept on purpose
            // (core `app/services/classification/matches_generator.rb`, Foreman 3.x).
            for el in INHERIT {
                let Some(pos) = parts.iter().position(|(a, _)| a == el) else { continue };
                let mut title = parts[pos].1.clone();
                while let Some(i) = title.rfind('/') {
                    title.truncate(i);
                    parts[pos].1.clone_from(&title);
                    emit_parts(&parts);
                }
            }
        }
    }
}

/// Every match string the host generates for these order lines, as Foreman's
/// `MatchesGenerator` does (host attributes, then the host's resolved parameters, then facts;
/// inherited host group/organization/location titles with Foreman's quirk). A store uses it to
/// fetch only the override values a host can match.
#[must_use]
pub fn candidate_matches<'l>(estate: &Estate, host: Idx, lines: impl IntoIterator<Item = &'l [String]>) -> Vec<String> {
    let h = &estate.hosts[host as usize];
    let params = host_params(estate, h, false);
    // A parameter that cannot render fails the host when it resolves; here it matches as written.
    let mut rn = Renderer::new(estate, h, &params);
    let _ = rn.render_params();
    let rendered = rn.done;
    let m = Matcher { e: estate, h, params: &params, rendered: &rendered, cache: HashMap::default() };
    let mut out = Vec::new();
    for line in lines {
        m.match_strings(line, |s, _| out.push(s.to_string()));
    }
    out
}

/// A fact by Foreman's flattened name (`os::family`), as the matcher string it gives; only
/// scalar leaves have values (Foreman stores no value for a structured fact's inner nodes).
#[must_use]
pub fn fact(facts: &Map, name: &str) -> Option<String> {
    if let Some(v) = facts.get(name) {
        return scalar_s(v);
    }
    let mut cur: Option<&Value> = None;
    for (i, seg) in name.split("::").enumerate() {
        cur = if i == 0 {
            facts.get(seg)
        } else {
            match cur? {
                Value::Hash(m) => m.get(seg),
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|n| a.get(n)),
                _ => None,
            }
        };
    }
    cur.and_then(scalar_s)
}

fn scalar_s(v: &Value) -> Option<String> {
    match v {
        Value::Null | Value::Array(_) | Value::Hash(_) => None,
        other => Some(other.to_ruby_s()),
    }
}

fn classes<'e>(
    e: &'e Estate,
    h: &'e CHost,
    params: &IndexMap<&'e str, ResolvedParam<'e>>,
    rn: &mut Renderer<'_, 'e>,
) -> Result<Vec<ResolvedClass<'e>>, Error> {
    let ids = class_ids(e, h);
    let rendered = rn.done.clone();
    let mut m = Matcher { e, h, params, rendered: &rendered, cache: HashMap::default() };
    let mut out = Vec::with_capacity(ids.len());
    for c in ids {
        let class = &e.classes[c as usize];
        let mut cps = Vec::with_capacity(class.override_keys.len());
        for &k in &class.override_keys {
            let key = &e.keys[k as usize];
            cps.push(class_param(key, &mut m, h, rn)?);
        }
        out.push(ResolvedClass { name: &class.name, has_keys: !class.override_keys.is_empty(), params: cps });
    }
    Ok(out)
}

/// Every override value of `key` the host matches, with its order line, ranked as Foreman ranks
/// them: path line first, then the deepest inherited title (values_hash_query.rb
/// `sort_lookup_values`). Ruby's sort_by is not stable; ties keep generation order here.
fn candidates<'e>(key: &'e Key, m: &mut Matcher<'_, 'e>) -> Vec<(&'e OverrideValue, usize)> {
    if key.value_ids.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(&'e OverrideValue, usize, usize)> = Vec::new();
    for (li, &rule) in key.line_ids.iter().enumerate() {
        for &(mid, weight) in m.rule(rule) {
            if let Some(&vi) = key.value_ids.get(&mid) {
                found.push((&key.src.override_values[vi], li, weight));
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
    found.into_iter().map(|(v, l, _)| (v, l)).collect()
}

/// Foreman's `ValuesHashQuery#calculate_value` + `ClassificationResult#[]` for one key.
fn class_param<'e>(
    key: &'e Key,
    m: &mut Matcher<'_, 'e>,
    h: &CHost,
    rn: &mut Renderer<'_, 'e>,
) -> Result<ClassParam<'e>, Error> {
    let p = &key.src;
    let cands = candidates(key, m);
    let name = || format!("{}::{}", m.e.classes[key.class as usize].name, p.key);

    let picked: Option<(Option<Value>, Via<'e>)> = if p.merge_overrides {
        merged(key, &cands, p.merge_default)
            .map_err(|msg| err(h, format!("smart class parameter {}: {msg}", name())))?
    } else {
        // The first candidate wins even when it is omitted (`:managed => lv.omit`).
        cands.first().map(|&(ov, _)| (if ov.omit { None } else { ov.value.clone() }, Via::Match(ov)))
    };
    let (mut value, via) = match picked {
        Some(x) => x,
        None => (default_value(key), Via::Default),
    };
    // A template is rendered, cast and validated per host (`ClassificationResult#[]`).
    let mut template = None;
    if let Some(v) = value.take_if(|v| v.contains_erb()) {
        value = rn
            .class_value(key, &v, m.e.parser.0.as_ref())
            .map_err(|msg| err(h, format!("smart class parameter {}: {msg}", name())))?;
        template = Some(v);
    }
    Ok(ClassParam { key, value, via, candidates: cands, template })
}

/// The fallback to the key's default: `omit` on the key suppresses it; a missing default goes
/// through Foreman's caster with `nil` (`app/services/foreman/parameters/caster.rb`): string →
/// `""`, boolean → `false`, integer/real → nil, json → `JSON.load(nil)`, nil: those two are not
/// sent. For array, hash and yaml the caster raises `TypeError` (`load_yaml_or_json` returns nil
/// and it is not an Array/Hash; `YAML.safe_load(nil)` cannot read nil), and
/// `Classification::ClassificationResult#type_cast` (`app/services/classification/
/// classification_result.rb`) rescues it and returns what `Rails.logger.warn` returns: `true`.
/// So Foreman sends `key: true` — kept, as Foreman does it ([`nil_cast_quirk`]).
pub(crate) fn default_value(key: &Key) -> Option<Value> {
    let p = &key.src;
    if p.omit {
        return None;
    }
    match &p.default_value {
        Some(Value::Null) | None => match p.parameter_type {
            ParamType::String => Some(Value::String(String::new())),
            ParamType::Boolean => Some(Value::Bool(false)),
            ParamType::Integer | ParamType::Real | ParamType::Json => None,
            ParamType::Array | ParamType::Hash | ParamType::Yaml => Some(Value::Bool(true)),
        },
        Some(v) => Some(v.clone()),
    }
}

type Merged<'e> = Option<(Option<Value>, Via<'e>)>;

/// Whether `p`, when no override value matches, is sent as `true` by Foreman's nil-cast quirk
/// (the caster raises on nil; `ClassificationResult#type_cast` returns the logger's `true`):
/// sent (`override`, not `omit`), no default, and an array, hash or yaml type.
#[must_use]
pub fn nil_cast_quirk(p: &crate::model::SmartParam) -> bool {
    p.override_
        && !p.omit
        && p.default_value.as_ref().is_none_or(Value::is_null)
        && matches!(p.parameter_type, ParamType::Array | ParamType::Hash | ParamType::Yaml)
}

/// `merge_overrides`: arrays concatenate highest priority first (`|` with avoid_duplicates);
/// hashes deep-merge lowest first so that higher priority wins. Omitted values are skipped.
/// An empty result counts as no value (fall back to the default).
fn merged<'e>(key: &'e Key, cands: &[(&'e OverrideValue, usize)], with_default: bool) -> Result<Merged<'e>, String> {
    let p = &key.src;
    let default = if with_default { p.default_value.clone().filter(|v| !v.is_null()) } else { None };
    let had_default = default.is_some();
    let mut used = Vec::new();
    let value = match p.parameter_type {
        ParamType::Array => {
            let mut acc = match default {
                None => Vec::new(),
                Some(Value::Array(a)) => a,
                Some(other) => return Err(format!("default value {} is not an array", other.type_name())),
            };
            if p.avoid_duplicates {
                dedup(&mut acc);
            }
            for &(ov, _) in cands {
                if ov.omit {
                    continue;
                }
                let Some(Value::Array(items)) = &ov.value else {
                    return Err(format!("override value {:?} is not an array and cannot be merged", ov.match_));
                };
                used.push(ov);
                for it in items {
                    if !p.avoid_duplicates || !acc.contains(it) {
                        acc.push(it.clone());
                    }
                }
            }
            (!acc.is_empty()).then_some(Value::Array(acc))
        }
        _ => {
            let mut acc = match default {
                None => Map::new(),
                Some(Value::Hash(m)) => m,
                Some(other) => return Err(format!("default value {} is not a hash", other.type_name())),
            };
            for &(ov, _) in cands.iter().rev() {
                if ov.omit {
                    continue;
                }
                let Some(Value::Hash(h)) = &ov.value else {
                    return Err(format!("override value {:?} is not a hash and cannot be merged", ov.match_));
                };
                used.push(ov);
                deep_merge(&mut acc, h);
            }
            (!acc.is_empty()).then_some(Value::Hash(acc))
        }
    };
    Ok(value.map(|v| (Some(v), Via::Merge { default: had_default, values: used })))
}

/// One order line's candidates (`cands`, priority order) merged as `merge_overrides` merges,
/// without the default: what that line alone contributes; `None` when all are omitted.
pub(crate) fn merge_line(key: &Key, cands: &[&OverrideValue]) -> Result<Option<Value>, String> {
    let cands: Vec<(&OverrideValue, usize)> = cands.iter().map(|&c| (c, 0)).collect();
    Ok(merged(key, &cands, false)?.and_then(|(v, _)| v))
}

/// For every key of host `h`'s classes and every order line with candidates: the key, the
/// line's index and its candidates in Foreman's priority order (the deepest inherited title
/// first), as [`class_param`] ranks them ([`candidates`], grouped by line).
pub(crate) fn line_matches<'e>(
    e: &'e Estate,
    h: &'e CHost,
    params: &IndexMap<&'e str, ResolvedParam<'e>>,
    mut f: impl FnMut(Idx, usize, &[&'e OverrideValue]) -> Result<(), String>,
) -> Result<(), String> {
    let mut rn = Renderer::new(e, h, params);
    rn.render_params()?;
    let rendered = rn.done;
    let mut m = Matcher { e, h, params, rendered: &rendered, cache: HashMap::default() };
    let mut line: Vec<&'e OverrideValue> = Vec::new();
    for c in class_ids(e, h) {
        for &k in &e.classes[c as usize].override_keys {
            let cands = candidates(&e.keys[k as usize], &mut m);
            for group in cands.chunk_by(|a, b| a.1 == b.1) {
                line.clear();
                line.extend(group.iter().map(|&(v, _)| v));
                f(k, group[0].1, &line)?;
            }
        }
    }
    Ok(())
}

/// Ruby's `Array#|` on the accumulator itself: drop later duplicates.
fn dedup(a: &mut Vec<Value>) {
    let mut out: Vec<Value> = Vec::with_capacity(a.len());
    for v in a.drain(..) {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    *a = out;
}

/// ActiveSupport's `Hash#deep_merge!`: nested hashes merge, anything else is replaced.
pub fn deep_merge(into: &mut Map, from: &Map) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Hash(a)), Value::Hash(b)) => deep_merge(a, b),
            (Some(slot), _) => *slot = v.clone(),
            (None, _) => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

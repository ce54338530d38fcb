//! Validation and compilation of an [`EstateSource`] into an immutable, indexed [`Estate`].
//!
//! Every reference is checked and every rule Foreman applies when it saves the same objects is
//! applied here, so that an estate Foreman would refuse is refused — with all errors at once.
//! Compilation precomputes what every host needs: ancestor chains (root→leaf), inherited
//! host-group attributes, parameter values cast per type, per-key matcher indexes.

use crate::cast::{TextParser, cast};
use crate::error::{Error, ErrorKind, Errors};
pub(crate) use crate::estate::{CGroup, CHost, Class, Estate, Group, Idx, Key, Names, Tax};
use crate::keys::{KeyCtx, intern_matchers};
use crate::model::{
    ConfigGroup, Domain, EstateSource, Host, Hostgroup, OperatingSystem, Origin, Parameter, PuppetClass, Settings,
    SmartParam, Subnet, Taxonomy,
};
use crate::suggest::Hints;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::{Arc, OnceLock};

#[allow(clippy::cast_possible_truncation)]
fn idx(i: usize) -> Idx {
    i as Idx
}

/// Index by name, reporting duplicates.
fn index_names<'a>(
    items: impl Iterator<Item = (&'a str, &'a Origin)>,
    what: &str,
    errs: &mut Vec<Error>,
) -> HashMap<String, Idx> {
    let mut map: HashMap<String, Idx> = HashMap::default();
    let mut origins: Vec<&Origin> = Vec::new();
    for (i, (name, origin)) in items.enumerate() {
        if let Some(&prev) = map.get(name) {
            errs.push(
                Error::new(
                    ErrorKind::Duplicate,
                    format!("{what} {name}"),
                    format!("defined twice (first at {})", origins[prev as usize]),
                )
                .at(origin),
            );
        } else {
            map.insert(name.to_string(), idx(i));
        }
        origins.push(origin);
    }
    map
}

/// Cast and check one list of custom parameters.
pub(crate) fn check_params(params: &mut [Parameter], owner: &str, parser: &dyn TextParser, errs: &mut Vec<Error>) {
    let mut seen: HashMap<&str, &Origin> = HashMap::default();
    for p in params.iter_mut() {
        if p.name.is_empty() || p.name.chars().any(char::is_whitespace) {
            errs.push(
                Error::new(
                    ErrorKind::Invalid,
                    format!("{owner} parameter {:?}", p.name),
                    "name can't contain whitespace or be blank",
                )
                .at(&p.origin),
            );
        }
        // Foreman stores ERB strings uncast and renders them per host.
        if let Some(t) = p.parameter_type
            && !p.value.contains_erb()
        {
            match cast(&p.value, t, parser) {
                Ok(v) => p.value = v,
                Err(msg) => errs
                    .push(Error::new(ErrorKind::Invalid, format!("{owner} parameter {}", p.name), msg).at(&p.origin)),
            }
        }
    }
    for p in params.iter() {
        if let Some(prev) = seen.insert(&p.name, &p.origin) {
            errs.push(
                Error::new(
                    ErrorKind::Duplicate,
                    format!("{owner} parameter {}", p.name),
                    format!("has already been taken (first at {prev})"),
                )
                .at(&p.origin),
            );
        }
    }
}

/// Resolve the parent chain of nested titles (`A/B/C`), reporting missing parents. The parent of
/// a title is the title up to its last `/`; chains are built parent-first so a deep tree costs
/// one lookup per object (no recursion, no quadratic re-joining).
fn chains(
    titles: &[(&str, &Origin)],
    index: &HashMap<String, Idx>,
    what: &str,
    errs: &mut Vec<Error>,
) -> Vec<Vec<Idx>> {
    let mut order: Vec<usize> = (0..titles.len()).collect();
    order.sort_by_key(|&i| titles[i].0.matches('/').count());
    let mut out: Vec<Vec<Idx>> = vec![Vec::new(); titles.len()];
    let hints = Hints::default();
    for i in order {
        let (title, origin) = titles[i];
        if title.split('/').any(|s| s.trim().is_empty()) {
            errs.push(
                Error::new(ErrorKind::Invalid, format!("{what} {title:?}"), "title has an empty segment").at(origin),
            );
        }
        let mut chain = match title.rsplit_once('/') {
            None => Vec::new(),
            Some((parent, _)) => match index.get(parent) {
                Some(&p) => out[p as usize].clone(),
                None => {
                    let hint = hints.for_name(what, parent, index.keys().map(String::as_str));
                    errs.push(
                        Error::new(
                            ErrorKind::UnknownReference,
                            format!("{what} {title}"),
                            format!("parent {what} {parent:?} does not exist{hint}"),
                        )
                        .at(origin),
                    );
                    Vec::new()
                }
            },
        };
        chain.push(idx(i));
        out[i] = chain;
    }
    out
}

/// How to compile: see [`compile_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// The source is a partial view of an estate that was validated whole (a store's per-host
    /// read): skip only the checks that need objects the view leaves out — an override value's
    /// `fqdn=` naming another host and `hostgroup=` naming a host group outside the host's
    /// chain. Every other check still runs.
    pub trusted_references: bool,
}

/// Compile and validate. `parser` parses YAML/JSON text embedded in values.
///
/// # Errors
/// Every problem found, each naming its file, line and object.
pub fn compile(src: EstateSource, parser: &dyn TextParser) -> Result<Estate, Errors> {
    compile_with(src, parser, CompileOptions::default())
}

/// [`compile`] with options. The stages below run in this order, each adding its problems to
/// one list, so that an estate's errors always come out in the same order.
///
/// # Errors
/// Every problem found, each naming its file, line and object.
pub fn compile_with(mut src: EstateSource, parser: &dyn TextParser, opts: CompileOptions) -> Result<Estate, Errors> {
    let mut errs = Vec::new();
    let settings = src.settings.clone();
    check_settings(&settings, &mut errs);
    check_params(&mut src.parameters, "global", parser, &mut errs);
    let env_index = index_names(src.environments.iter().map(|(n, o)| (n.as_str(), o)), "environment", &mut errs);
    let (organizations, org_index) = build_taxonomies(&mut src.organizations, "organization", parser, &mut errs);
    let (locations, loc_index) = build_taxonomies(&mut src.locations, "location", parser, &mut errs);
    let domain_index = build_domains(&mut src.domains, parser, &mut errs);
    let subnet_index = build_subnets(&mut src.subnets, parser, &mut errs);
    let (operatingsystems, os_index) = build_operatingsystems(&mut src.operatingsystems, parser, &mut errs);
    let (classes, mut keys, class_index) = build_classes(&mut src.puppetclasses, &env_index, &mut errs);
    let (config_groups, cg_index) = build_config_groups(&src.config_groups, &class_index, &mut errs);
    let names = Names {
        environments: env_index,
        organizations: org_index,
        locations: loc_index,
        domains: domain_index,
        subnets: subnet_index,
        operatingsystems: os_index,
        classes: class_index,
        config_groups: cg_index,
        hostgroups: HashMap::default(),
    };
    let (hostgroups, hg_index) = build_hostgroups(&mut src.hostgroups, &names, parser, &mut errs);
    let names = Names { hostgroups: hg_index, ..names };
    let environments: Vec<String> = src.environments.into_iter().map(|(n, _)| n).collect();
    let hints = Hints::default();
    let host_ctx = HostCtx {
        names: &names,
        hostgroups: &hostgroups,
        classes: &classes,
        environments: &environments,
        parser,
        hints: &hints,
    };
    let (hosts, host_by_name, host_by_certname) = build_hosts(&mut src.hosts, &host_ctx, &mut errs);
    let key_ctx = KeyCtx {
        settings: &settings,
        host_exists: &|n| host_by_name.contains_key(n),
        hostgroups: &hostgroups,
        hg_index: &names.hostgroups,
        parser,
        trusted_references: opts.trusted_references,
    };
    check_keys(&mut keys, &classes, &key_ctx, &mut errs);

    if !errs.is_empty() {
        return Err(Errors(errs));
    }
    let (rules, match_ids) = intern_matchers(&mut keys);
    let fqdn_refs = fqdn_refs(&keys);
    Ok(Estate {
        settings: Arc::new(settings),
        globals: Arc::new(src.parameters),
        organizations: Arc::new(organizations),
        locations: Arc::new(locations),
        domains: Arc::new(src.domains),
        subnets: Arc::new(src.subnets),
        operatingsystems: Arc::new(operatingsystems),
        environments: Arc::new(environments),
        classes: Arc::new(classes),
        keys: Arc::new(keys.into_iter().map(Arc::new).collect()),
        config_groups: Arc::new(config_groups),
        hostgroups: Arc::new(hostgroups),
        names: Arc::new(names),
        fqdn_refs: Arc::new(fqdn_refs),
        hosts: hosts.into_iter().map(Arc::new).collect(),
        host_by_certname: host_by_certname.into_iter().collect(),
        host_by_name: host_by_name.into_iter().collect(),
        rules: Arc::new(rules),
        match_ids: Arc::new(match_ids),
        certnames: OnceLock::new(),
        parser: crate::cast::SharedParser(parser.shared()),
    })
}

/// Host names matched by `fqdn=` in any override value.
pub(crate) fn fqdn_refs<'k>(keys: impl IntoIterator<Item = &'k Key>) -> HashSet<String> {
    let mut out = HashSet::default();
    for k in keys {
        for m in k.values.keys() {
            for part in m.split(',') {
                if let Some(name) = part.strip_prefix("fqdn=") {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

/// The object whose references are being resolved: errors name it and where it is defined.
#[derive(Clone, Copy)]
pub(crate) struct Referrer<'a> {
    pub(crate) owner: &'a str,
    pub(crate) origin: &'a Origin,
    /// "Did you mean" for unknown names, shared by the referrers of one compile.
    pub(crate) hints: &'a Hints,
}

impl Referrer<'_> {
    /// The `what` called `name` in `index`; an error when there is none.
    pub(crate) fn find(
        self,
        index: &HashMap<String, Idx>,
        name: Option<&str>,
        what: &str,
        errs: &mut Vec<Error>,
    ) -> Option<Idx> {
        let n = name?;
        let found = index.get(n).copied();
        if found.is_none() {
            let hint = self.hints.for_name(what, n, index.keys().map(String::as_str));
            errs.push(
                Error::new(ErrorKind::UnknownReference, self.owner, format!("{what} {n:?} does not exist{hint}"))
                    .at(self.origin),
            );
        }
        found
    }

    /// Classes by name, each once, in the order written; an error per unknown name.
    pub(crate) fn classes(self, index: &HashMap<String, Idx>, names: &[String], errs: &mut Vec<Error>) -> Vec<Idx> {
        let mut out = Vec::new();
        for n in names {
            match index.get(n) {
                Some(&c) => {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
                None => {
                    let hint = self.hints.for_name("puppet class", n, index.keys().map(String::as_str));
                    errs.push(
                        Error::new(
                            ErrorKind::UnknownReference,
                            self.owner,
                            format!("puppet class {n:?} does not exist{hint}"),
                        )
                        .at(self.origin),
                    );
                }
            }
        }
        out
    }

    /// Config groups by name, in the order written; an error per unknown name.
    pub(crate) fn config_groups(
        self,
        index: &HashMap<String, Idx>,
        names: &[String],
        errs: &mut Vec<Error>,
    ) -> Vec<Idx> {
        names.iter().filter_map(|n| self.find(index, Some(n), "config group", errs)).collect()
    }
}

/// Settings: `default_lookup_path` can't be blank.
fn check_settings(settings: &Settings, errs: &mut Vec<Error>) {
    if settings.default_lookup_path.is_empty() {
        errs.push(
            Error::new(ErrorKind::Invalid, "settings default_lookup_path", "can't be blank").at(&settings.origin),
        );
    }
}

/// Organizations or locations (`what`): parameters cast, titles indexed, chains root→leaf.
fn build_taxonomies(
    list: &mut Vec<Taxonomy>,
    what: &str,
    parser: &dyn TextParser,
    errs: &mut Vec<Error>,
) -> (Vec<Tax>, HashMap<String, Idx>) {
    for t in list.iter_mut() {
        let owner = format!("{what} {}", t.title);
        check_params(&mut t.parameters, &owner, parser, errs);
    }
    let index = index_names(list.iter().map(|t| (t.title.as_str(), &t.origin)), what, errs);
    let titles: Vec<(&str, &Origin)> = list.iter().map(|t| (t.title.as_str(), &t.origin)).collect();
    let ch = chains(&titles, &index, what, errs);
    let out = list
        .drain(..)
        .zip(ch)
        .map(|(t, chain)| Tax { name: t.title.rsplit('/').next().unwrap_or_default().to_string(), src: t, chain })
        .collect();
    (out, index)
}

/// Domains: parameters cast, names indexed.
fn build_domains(list: &mut [Domain], parser: &dyn TextParser, errs: &mut Vec<Error>) -> HashMap<String, Idx> {
    for d in list.iter_mut() {
        let owner = format!("domain {}", d.name);
        check_params(&mut d.parameters, &owner, parser, errs);
    }
    index_names(list.iter().map(|d| (d.name.as_str(), &d.origin)), "domain", errs)
}

/// Subnets: parameters cast, names indexed.
fn build_subnets(list: &mut [Subnet], parser: &dyn TextParser, errs: &mut Vec<Error>) -> HashMap<String, Idx> {
    for s in list.iter_mut() {
        let owner = format!("subnet {}", s.name);
        check_params(&mut s.parameters, &owner, parser, errs);
    }
    index_names(list.iter().map(|s| (s.name.as_str(), &s.origin)), "subnet", errs)
}

/// Operating systems: parameters cast, each paired with its title (`Name major.minor`), titles
/// indexed.
fn build_operatingsystems(
    list: &mut Vec<OperatingSystem>,
    parser: &dyn TextParser,
    errs: &mut Vec<Error>,
) -> (Vec<(OperatingSystem, String)>, HashMap<String, Idx>) {
    for o in list.iter_mut() {
        let owner = format!("operating system {}", o.title());
        check_params(&mut o.parameters, &owner, parser, errs);
    }
    let out: Vec<(OperatingSystem, String)> = list
        .drain(..)
        .map(|o| {
            let t = o.title();
            (o, t)
        })
        .collect();
    let index = index_names(out.iter().map(|(o, t)| (t.as_str(), &o.origin)), "operating system", errs);
    (out, index)
}

/// Classes, sorted by name as Foreman's default scope does: names indexed, environments
/// resolved, and their smart class parameters (sorted by key; a key defined twice in a class is
/// an error) collected into one key table.
fn build_classes(
    list: &mut Vec<PuppetClass>,
    env_index: &HashMap<String, Idx>,
    errs: &mut Vec<Error>,
) -> (Vec<Class>, Vec<Key>, HashMap<String, Idx>) {
    list.sort_by(|a, b| a.name.cmp(&b.name));
    let index = index_names(list.iter().map(|c| (c.name.as_str(), &c.origin)), "puppet class", errs);
    let mut classes = Vec::new();
    let mut keys = Vec::new();
    let hints = Hints::default();
    for (ci, pc) in list.drain(..).enumerate() {
        let PuppetClass { name, environments, parameters, origin } = pc;
        let envs = environments.map(|list| {
            let owner = format!("puppet class {name}");
            let by = Referrer { owner: &owner, origin: &origin, hints: &hints };
            list.iter().filter_map(|e| by.find(env_index, Some(e), "environment", errs)).collect::<HashSet<_>>()
        });
        let override_keys = push_keys(idx(ci), &name, parameters, &mut keys, errs);
        classes.push(Class { name, environments: envs, override_keys });
    }
    (classes, keys, index)
}

/// Appends class `class`'s smart class parameters to `keys`, sorted by key, refusing a key
/// defined twice; returns the indexes of its overridden (`override: true`) keys.
fn push_keys(
    class: Idx,
    class_name: &str,
    mut params: Vec<SmartParam>,
    keys: &mut Vec<Key>,
    errs: &mut Vec<Error>,
) -> Vec<Idx> {
    params.sort_by(|a, b| a.key.cmp(&b.key));
    let mut override_keys = Vec::new();
    let mut seen = HashSet::default();
    for p in params {
        if !seen.insert(p.key.clone()) {
            errs.push(
                Error::new(
                    ErrorKind::Duplicate,
                    format!("{class_name}::{}", p.key),
                    "smart class parameter defined twice",
                )
                .at(&p.origin),
            );
            continue;
        }
        let ki = idx(keys.len());
        if p.override_ {
            override_keys.push(ki);
        }
        keys.push(Key {
            class,
            src: p,
            lines: Vec::new(),
            values: HashMap::default(),
            line_ids: Vec::new(),
            value_ids: HashMap::default(),
        });
    }
    override_keys
}

/// Config groups: names indexed, then each one's classes resolved.
fn build_config_groups(
    list: &[ConfigGroup],
    class_index: &HashMap<String, Idx>,
    errs: &mut Vec<Error>,
) -> (Vec<CGroup>, HashMap<String, Idx>) {
    let index = index_names(list.iter().map(|c| (c.name.as_str(), &c.origin)), "config group", errs);
    let hints = Hints::default();
    let out = list
        .iter()
        .map(|ConfigGroup { name, puppetclasses, origin }| {
            let owner = format!("config group {name}");
            let by = Referrer { owner: &owner, origin, hints: &hints };
            CGroup { name: name.clone(), classes: by.classes(class_index, puppetclasses, errs) }
        })
        .collect();
    (out, index)
}

/// Host groups: parameters cast, titles indexed, chains root→leaf, each group's own
/// environment, classes and config groups resolved, then its inherited attributes.
fn build_hostgroups(
    list: &mut Vec<Hostgroup>,
    names: &Names,
    parser: &dyn TextParser,
    errs: &mut Vec<Error>,
) -> (Vec<Group>, HashMap<String, Idx>) {
    for g in list.iter_mut() {
        let owner = format!("host group {}", g.title);
        check_params(&mut g.parameters, &owner, parser, errs);
    }
    let index = index_names(list.iter().map(|g| (g.title.as_str(), &g.origin)), "host group", errs);
    let titles: Vec<(&str, &Origin)> = list.iter().map(|g| (g.title.as_str(), &g.origin)).collect();
    let hg_chains = chains(&titles, &index, "host group", errs);
    let mut groups: Vec<Group> = Vec::with_capacity(list.len());
    let hints = Hints::default();
    for (g, chain) in list.drain(..).zip(hg_chains) {
        let owner = format!("host group {}", g.title);
        let by = Referrer { owner: &owner, origin: &g.origin, hints: &hints };
        let own_env = by.find(&names.environments, g.environment.as_deref(), "environment", errs);
        let classes = by.classes(&names.classes, &g.puppetclasses, errs);
        let cgs = by.config_groups(&names.config_groups, &g.config_groups, errs);
        groups.push(Group {
            environment: own_env,
            root_pass: g.root_pass.clone(),
            puppet_proxy: g.puppet_proxy.clone(),
            puppet_ca_proxy: g.puppet_ca_proxy.clone(),
            classes,
            config_groups: cgs,
            chain,
            src: g,
        });
    }
    inherit_group_attributes(&mut groups);
    (groups, index)
}

/// Inherited host group attributes: a value set nearest to the leaf wins (ancestry's
/// `nested_attribute_for`); an empty root password counts as unset.
fn inherit_group_attributes(groups: &mut [Group]) {
    for i in 0..groups.len() {
        inherit_one(groups, i);
    }
}

/// Host group `i`'s inherited attributes, from its own and its ancestors' (whose environments
/// are already inherited, or their own).
pub(crate) fn inherit_one(groups: &mut [Group], i: usize) {
    {
        let chain = groups[i].chain.clone();
        let pick = |f: &dyn Fn(&Group) -> Option<String>| chain.iter().rev().find_map(|&a| f(&groups[a as usize]));
        let root_pass = pick(&|g| g.src.root_pass.clone().filter(|s| !s.is_empty()));
        let proxy = pick(&|g| g.src.puppet_proxy.clone());
        let ca = pick(&|g| g.src.puppet_ca_proxy.clone());
        let env = chain.iter().rev().find_map(|&a| groups[a as usize].environment);
        let g = &mut groups[i];
        g.root_pass = root_pass;
        g.puppet_proxy = proxy;
        g.puppet_ca_proxy = ca;
        g.environment = env;
    }
}

/// What a host's references are resolved against.
pub(crate) struct HostCtx<'a> {
    pub(crate) names: &'a Names,
    pub(crate) hostgroups: &'a [Group],
    pub(crate) classes: &'a [Class],
    pub(crate) environments: &'a [String],
    pub(crate) parser: &'a dyn TextParser,
    pub(crate) hints: &'a Hints,
}

/// Hosts: names and certnames indexed (each unique), then each host compiled in definition
/// order. Returns the hosts and the name and certname indexes.
fn build_hosts(
    list: &mut Vec<Host>,
    ctx: &HostCtx<'_>,
    errs: &mut Vec<Error>,
) -> (Vec<CHost>, HashMap<String, Idx>, HashMap<String, Idx>) {
    let by_name = index_names(list.iter().map(|h| (h.name.as_str(), &h.origin)), "host", errs);
    let by_certname = index_names(list.iter().map(|h| (h.certname(), &h.origin)), "host certname", errs);
    let mut hosts = Vec::with_capacity(list.len());
    for h in list.drain(..) {
        hosts.push(ctx.host(h, errs));
    }
    (hosts, by_name, by_certname)
}

impl HostCtx<'_> {
    /// One host: parameters cast, references resolved, subnets taken from the primary interface,
    /// environment inherited from the host group, own classes checked against it.
    pub(crate) fn host(&self, mut h: Host, errs: &mut Vec<Error>) -> CHost {
        let owner = format!("host {}", h.name);
        check_params(&mut h.parameters, &owner, self.parser, errs);
        let n = self.names;
        let by = Referrer { owner: &owner, origin: &h.origin, hints: self.hints };
        let hostgroup = by.find(&n.hostgroups, h.hostgroup.as_deref(), "host group", errs);
        let organization = by.find(&n.organizations, h.organization.as_deref(), "organization", errs);
        let location = by.find(&n.locations, h.location.as_deref(), "location", errs);
        let domain = by.find(&n.domains, h.domain.as_deref(), "domain", errs);
        let os = by.find(&n.operatingsystems, h.operatingsystem.as_deref(), "operating system", errs);
        let (subnet_name, subnet6_name) = host_subnets(&h, &owner, errs);
        let subnet = by.find(&n.subnets, subnet_name.as_deref(), "subnet", errs);
        let subnet6 = by.find(&n.subnets, subnet6_name.as_deref(), "subnet", errs);
        check_interfaces(&h, &n.subnets, &owner, errs);
        let own_env = by.find(&n.environments, h.environment.as_deref(), "environment", errs);
        let environment = own_env.or_else(|| hostgroup.and_then(|g| self.hostgroups[g as usize].environment));
        let classes = by.classes(&n.classes, &h.puppetclasses, errs);
        if let Some(env) = environment {
            self.check_class_environments(&classes, env, by, errs);
        }
        let config_groups = by.config_groups(&n.config_groups, &h.config_groups, errs);
        h.subnet = subnet_name;
        h.subnet6 = subnet6_name;
        CHost {
            src: h,
            hostgroup,
            organization,
            location,
            domain,
            subnet,
            subnet6,
            os,
            environment,
            classes,
            config_groups,
        }
    }

    /// A class assigned to the host itself must exist in its environment (fp host_test "host
    /// puppet classes must belong to the host environment"); inherited ones are filtered
    /// instead.
    pub(crate) fn check_class_environments(&self, classes: &[Idx], env: Idx, by: Referrer<'_>, errs: &mut Vec<Error>) {
        for &c in classes {
            let class = &self.classes[c as usize];
            if class.environments.as_ref().is_some_and(|s| !s.contains(&env)) {
                errs.push(
                    Error::new(
                        ErrorKind::Invalid,
                        by.owner,
                        format!(
                            "puppet class {} does not belong to the {} environment",
                            class.name, self.environments[env as usize]
                        ),
                    )
                    .at(by.origin),
                );
            }
        }
    }
}

/// Host `subnet`/`subnet6` default to the primary interface's; both given and different is an
/// error (the spec's rule: Foreman keeps them on the primary interface only).
fn host_subnets(h: &Host, owner: &str, errs: &mut Vec<Error>) -> (Option<String>, Option<String>) {
    let primary = h.interfaces.iter().find(|n| n.is_primary());
    let mut pick = |own: &Option<String>, key: &str| -> Option<String> {
        let nic = primary.and_then(|p| p.get_str(key)).map(str::to_string);
        match (own, nic) {
            (Some(a), Some(b)) if *a != b => {
                errs.push(
                    Error::new(
                        ErrorKind::Invalid,
                        owner.to_string(),
                        format!("{key} {a:?} differs from the primary interface's {key} {b:?}"),
                    )
                    .at(&h.origin),
                );
                Some(a.clone())
            }
            (Some(a), _) => Some(a.clone()),
            (None, b) => b,
        }
    };
    (pick(&h.subnet, "subnet"), pick(&h.subnet6, "subnet6"))
}

/// Every interface's `subnet`/`subnet6` must name a subnet.
fn check_interfaces(h: &Host, subnets: &HashMap<String, Idx>, owner: &str, errs: &mut Vec<Error>) {
    for nic in &h.interfaces {
        for k in ["subnet", "subnet6"] {
            if let Some(s) = nic.get_str(k)
                && !subnets.contains_key(s)
            {
                errs.push(
                    Error::new(ErrorKind::UnknownReference, owner, format!("interface {k} {s:?} does not exist"))
                        .at(&nic.origin),
                );
            }
        }
    }
}

/// Smart class parameters: types, defaults, flags, order lines, override values
/// ([`KeyCtx::check_key`], after Foreman's `LookupKey`/`LookupValue` validations).
fn check_keys(keys: &mut [Key], classes: &[Class], ctx: &KeyCtx<'_>, errs: &mut Vec<Error>) {
    for k in keys {
        let class_name = &classes[k.class as usize].name;
        ctx.check_key(k, class_name, errs);
    }
}

//! Validation and compilation of an [`EstateSource`] into an immutable, indexed [`Estate`].
//!
//! Every reference is checked and every rule Foreman applies when it saves the same objects is
//! applied here, so that an estate Foreman would refuse is refused — with all errors at once.
//! Compilation precomputes what every host needs: ancestor chains (root→leaf), inherited
//! host-group attributes, parameter values cast per type, per-key matcher indexes.

use crate::cast::{TextParser, cast};
use crate::error::{Error, ErrorKind, Errors};
use crate::keys::{KeyCtx, intern_matchers};
pub use crate::keys::{sanitize_match, split_line};
use crate::model::{
    ConfigGroup, Domain, EstateSource, Host, Hostgroup, OperatingSystem, Origin, Parameter, PuppetClass, Settings,
    SmartParam, Subnet, Taxonomy,
};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Index into one of the estate's tables.
pub type Idx = u32;

/// A compiled organization or location.
#[derive(Debug)]
pub struct Tax {
    /// As written (parameters cast).
    pub src: Taxonomy,
    /// Last title segment (Foreman's `name`).
    pub name: String,
    /// Ancestors and self, root first.
    pub chain: Vec<Idx>,
}

/// A compiled host group with its inherited attributes resolved.
#[derive(Debug)]
pub struct Group {
    /// As written (parameters cast).
    pub src: Hostgroup,
    /// Ancestors and self, root first.
    pub chain: Vec<Idx>,
    /// Inherited environment.
    pub environment: Option<Idx>,
    /// Inherited root password.
    pub root_pass: Option<String>,
    /// Inherited Puppet proxy.
    pub puppet_proxy: Option<String>,
    /// Inherited Puppet CA proxy.
    pub puppet_ca_proxy: Option<String>,
    /// Own classes.
    pub classes: Vec<Idx>,
    /// Own config groups.
    pub config_groups: Vec<Idx>,
}

/// A compiled class.
#[derive(Debug)]
pub struct Class {
    /// Name.
    pub name: String,
    /// Environments having the class; `None` = all.
    pub environments: Option<HashSet<Idx>>,
    /// Overridden (`override: true`) keys, sorted by key name.
    pub override_keys: Vec<Idx>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A compiled smart class parameter.
#[derive(Debug)]
pub struct Key {
    /// Owning class.
    pub class: Idx,
    /// As written, default and override values cast.
    pub src: SmartParam,
    /// Order lines (effective), each an attribute list.
    pub lines: Vec<Vec<String>>,
    /// Index of the sanitized match string → override value index in `src.override_values`.
    pub values: HashMap<String, usize>,
    /// `lines` as indexes into [`Estate::rules`].
    pub line_ids: Vec<Idx>,
    /// Interned match id ([`Estate::match_ids`]) → override value index.
    pub value_ids: HashMap<Idx, usize>,
}

/// A compiled config group.
#[derive(Debug)]
pub struct CGroup {
    /// Name.
    pub name: String,
    /// Classes.
    pub classes: Vec<Idx>,
}

/// A compiled host.
#[derive(Debug)]
pub struct CHost {
    /// As written (parameters cast).
    pub src: Host,
    /// Host group.
    pub hostgroup: Option<Idx>,
    /// Organization.
    pub organization: Option<Idx>,
    /// Location.
    pub location: Option<Idx>,
    /// Domain.
    pub domain: Option<Idx>,
    /// IPv4 subnet.
    pub subnet: Option<Idx>,
    /// IPv6 subnet.
    pub subnet6: Option<Idx>,
    /// Operating system.
    pub os: Option<Idx>,
    /// Effective environment (own or inherited from the host group).
    pub environment: Option<Idx>,
    /// Own classes.
    pub classes: Vec<Idx>,
    /// Own config groups.
    pub config_groups: Vec<Idx>,
}

/// The compiled, immutable estate. Cheap to share between threads.
#[derive(Debug)]
pub struct Estate {
    /// Settings.
    pub settings: Settings,
    /// Global parameters.
    pub globals: Vec<Parameter>,
    /// Organizations.
    pub organizations: Vec<Tax>,
    /// Locations.
    pub locations: Vec<Tax>,
    /// Domains.
    pub domains: Vec<Domain>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
    /// Operating systems and their titles.
    pub operatingsystems: Vec<(OperatingSystem, String)>,
    /// Environment names.
    pub environments: Vec<String>,
    /// Classes, sorted by name.
    pub classes: Vec<Class>,
    /// Smart class parameters.
    pub keys: Vec<Key>,
    /// Config groups.
    pub config_groups: Vec<CGroup>,
    /// Host groups.
    pub hostgroups: Vec<Group>,
    /// Hosts, in definition order.
    pub hosts: Vec<CHost>,
    host_by_certname: HashMap<String, Idx>,
    host_by_name: HashMap<String, Idx>,
    /// Every distinct order line used by a key that has override values (Foreman's
    /// `possible_value_orders`).
    pub rules: Vec<Vec<String>>,
    /// Every sanitized match string of every override value, interned.
    pub match_ids: HashMap<String, Idx>,
    /// Sorted certnames (for deterministic listing).
    pub certnames: Vec<String>,
}

impl Estate {
    /// The host with this certname (or, failing that, this FQDN), as Foreman's `/node/:name`
    /// finds it.
    #[must_use]
    pub fn host(&self, certname: &str) -> Option<Idx> {
        self.host_by_certname.get(certname).or_else(|| self.host_by_name.get(certname)).copied()
    }
}

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
fn check_params(params: &mut [Parameter], owner: &str, parser: &dyn TextParser, errs: &mut Vec<Error>) {
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
                    errs.push(
                        Error::new(
                            ErrorKind::UnknownReference,
                            format!("{what} {title}"),
                            format!("parent {what} {parent:?} does not exist"),
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

/// [`compile`] with options.
///
/// # Errors
/// Every problem found, each naming its file, line and object.
#[allow(clippy::too_many_lines)]
pub fn compile_with(mut src: EstateSource, parser: &dyn TextParser, opts: CompileOptions) -> Result<Estate, Errors> {
    let mut errs = Vec::new();
    let settings = src.settings.clone();
    check_lookup_path(&settings, &mut errs);

    check_params(&mut src.parameters, "global", parser, &mut errs);

    // Environments.
    let env_index = index_names(src.environments.iter().map(|(n, o)| (n.as_str(), o)), "environment", &mut errs);
    let env_ref = |name: &Option<String>, what: &str, origin: &Origin, errs: &mut Vec<Error>| -> Option<Idx> {
        let n = name.as_ref()?;
        let found = env_index.get(n).copied();
        if found.is_none() {
            errs.push(
                Error::new(ErrorKind::UnknownReference, what.to_string(), format!("environment {n:?} does not exist"))
                    .at(origin),
            );
        }
        found
    };

    // Taxonomies.
    let taxes = |list: &mut Vec<Taxonomy>, what: &str, errs: &mut Vec<Error>| -> (Vec<Tax>, HashMap<String, Idx>) {
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
    };
    let (organizations, org_index) = taxes(&mut src.organizations, "organization", &mut errs);
    let (locations, loc_index) = taxes(&mut src.locations, "location", &mut errs);

    for d in &mut src.domains {
        let owner = format!("domain {}", d.name);
        check_params(&mut d.parameters, &owner, parser, &mut errs);
    }
    let domain_index = index_names(src.domains.iter().map(|d| (d.name.as_str(), &d.origin)), "domain", &mut errs);
    for s in &mut src.subnets {
        let owner = format!("subnet {}", s.name);
        check_params(&mut s.parameters, &owner, parser, &mut errs);
    }
    let subnet_index = index_names(src.subnets.iter().map(|s| (s.name.as_str(), &s.origin)), "subnet", &mut errs);
    for o in &mut src.operatingsystems {
        let owner = format!("operating system {}", o.title());
        check_params(&mut o.parameters, &owner, parser, &mut errs);
    }
    let operatingsystems: Vec<(OperatingSystem, String)> = src
        .operatingsystems
        .drain(..)
        .map(|o| {
            let t = o.title();
            (o, t)
        })
        .collect();
    let os_index =
        index_names(operatingsystems.iter().map(|(o, t)| (t.as_str(), &o.origin)), "operating system", &mut errs);

    // Classes, sorted by name as Foreman's default scope does.
    src.puppetclasses.sort_by(|a, b| a.name.cmp(&b.name));
    let class_index =
        index_names(src.puppetclasses.iter().map(|c| (c.name.as_str(), &c.origin)), "puppet class", &mut errs);
    let mut classes = Vec::new();
    let mut keys = Vec::new();
    for (ci, pc) in src.puppetclasses.drain(..).enumerate() {
        let PuppetClass { name, environments, parameters, origin } = pc;
        let envs = environments.map(|list| {
            list.iter()
                .filter_map(|e| env_ref(&Some(e.clone()), &format!("puppet class {name}"), &origin, &mut errs))
                .collect::<HashSet<_>>()
        });
        let mut params = parameters;
        params.sort_by(|a, b| a.key.cmp(&b.key));
        let mut override_keys = Vec::new();
        let mut seen = HashSet::default();
        for p in params {
            if !seen.insert(p.key.clone()) {
                errs.push(
                    Error::new(
                        ErrorKind::Duplicate,
                        format!("{name}::{}", p.key),
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
                class: idx(ci),
                src: p,
                lines: Vec::new(),
                values: HashMap::default(),
                line_ids: Vec::new(),
                value_ids: HashMap::default(),
            });
        }
        classes.push(Class { name, environments: envs, override_keys, origin });
    }

    let cg_index =
        index_names(src.config_groups.iter().map(|c| (c.name.as_str(), &c.origin)), "config group", &mut errs);
    let class_refs = |names: &[String], owner: &str, origin: &Origin, errs: &mut Vec<Error>| -> Vec<Idx> {
        let mut out = Vec::new();
        for n in names {
            match class_index.get(n) {
                Some(&c) => {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
                None => errs.push(
                    Error::new(
                        ErrorKind::UnknownReference,
                        owner.to_string(),
                        format!("puppet class {n:?} does not exist"),
                    )
                    .at(origin),
                ),
            }
        }
        out
    };
    let config_groups: Vec<CGroup> = src
        .config_groups
        .iter()
        .map(|ConfigGroup { name, puppetclasses, origin }| CGroup {
            name: name.clone(),
            classes: class_refs(puppetclasses, &format!("config group {name}"), origin, &mut errs),
        })
        .collect();
    let cg_refs = |names: &[String], owner: &str, origin: &Origin, errs: &mut Vec<Error>| -> Vec<Idx> {
        names
            .iter()
            .filter_map(|n| {
                let f = cg_index.get(n).copied();
                if f.is_none() {
                    errs.push(
                        Error::new(
                            ErrorKind::UnknownReference,
                            owner.to_string(),
                            format!("config group {n:?} does not exist"),
                        )
                        .at(origin),
                    );
                }
                f
            })
            .collect()
    };

    // Host groups: chains root→leaf, then inherited attributes in chain order.
    for g in &mut src.hostgroups {
        let owner = format!("host group {}", g.title);
        check_params(&mut g.parameters, &owner, parser, &mut errs);
    }
    let hg_index = index_names(src.hostgroups.iter().map(|g| (g.title.as_str(), &g.origin)), "host group", &mut errs);
    let hg_titles: Vec<(&str, &Origin)> = src.hostgroups.iter().map(|g| (g.title.as_str(), &g.origin)).collect();
    let hg_chains = chains(&hg_titles, &hg_index, "host group", &mut errs);
    let mut hostgroups: Vec<Group> = Vec::with_capacity(src.hostgroups.len());
    for (g, chain) in src.hostgroups.drain(..).zip(hg_chains) {
        let owner = format!("host group {}", g.title);
        let own_env = env_ref(&g.environment, &owner, &g.origin, &mut errs);
        let classes = class_refs(&g.puppetclasses, &owner, &g.origin, &mut errs);
        let cgs = cg_refs(&g.config_groups, &owner, &g.origin, &mut errs);
        hostgroups.push(Group {
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
    // Inheritance: a value set nearest to the leaf wins (ancestry's `nested_attribute_for`).
    for i in 0..hostgroups.len() {
        let chain = hostgroups[i].chain.clone();
        let pick = |f: &dyn Fn(&Group) -> Option<String>| chain.iter().rev().find_map(|&a| f(&hostgroups[a as usize]));
        let root_pass = pick(&|g| g.src.root_pass.clone().filter(|s| !s.is_empty()));
        let proxy = pick(&|g| g.src.puppet_proxy.clone());
        let ca = pick(&|g| g.src.puppet_ca_proxy.clone());
        let env = chain.iter().rev().find_map(|&a| hostgroups[a as usize].environment);
        let g = &mut hostgroups[i];
        g.root_pass = root_pass;
        g.puppet_proxy = proxy;
        g.puppet_ca_proxy = ca;
        g.environment = env;
    }

    // Hosts.
    let classes_tbl = &classes;
    let host_name_index = index_names(src.hosts.iter().map(|h| (h.name.as_str(), &h.origin)), "host", &mut errs);
    let host_by_certname = index_names(src.hosts.iter().map(|h| (h.certname(), &h.origin)), "host certname", &mut errs);
    let mut hosts = Vec::with_capacity(src.hosts.len());
    for mut h in src.hosts.drain(..) {
        let owner = format!("host {}", h.name);
        check_params(&mut h.parameters, &owner, parser, &mut errs);
        let look =
            |name: &Option<String>, index: &HashMap<String, Idx>, what: &str, errs: &mut Vec<Error>| -> Option<Idx> {
                let n = name.as_ref()?;
                let f = index.get(n).copied();
                if f.is_none() {
                    errs.push(
                        Error::new(ErrorKind::UnknownReference, owner.clone(), format!("{what} {n:?} does not exist"))
                            .at(&h.origin),
                    );
                }
                f
            };
        let hostgroup = look(&h.hostgroup, &hg_index, "host group", &mut errs);
        let organization = look(&h.organization, &org_index, "organization", &mut errs);
        let location = look(&h.location, &loc_index, "location", &mut errs);
        let domain = look(&h.domain, &domain_index, "domain", &mut errs);
        let os = look(&h.operatingsystem, &os_index, "operating system", &mut errs);
        let (subnet_name, subnet6_name) = host_subnets(&h, &owner, &mut errs);
        let subnet = look(&subnet_name, &subnet_index, "subnet", &mut errs);
        let subnet6 = look(&subnet6_name, &subnet_index, "subnet", &mut errs);
        for nic in &h.interfaces {
            for k in ["subnet", "subnet6"] {
                if let Some(s) = nic.get_str(k)
                    && !subnet_index.contains_key(s)
                {
                    errs.push(
                        Error::new(
                            ErrorKind::UnknownReference,
                            owner.clone(),
                            format!("interface {k} {s:?} does not exist"),
                        )
                        .at(&nic.origin),
                    );
                }
            }
        }
        let own_env = env_ref(&h.environment, &owner, &h.origin, &mut errs);
        let environment = own_env.or_else(|| hostgroup.and_then(|g| hostgroups[g as usize].environment));
        let classes = class_refs(&h.puppetclasses, &owner, &h.origin, &mut errs);
        // A class assigned to the host itself must exist in its environment (fp host_test
        // "host puppet classes must belong to the host environment"); inherited ones are
        // filtered instead.
        if let Some(env) = environment {
            for &c in &classes {
                let class = &classes_tbl[c as usize];
                if class.environments.as_ref().is_some_and(|s| !s.contains(&env)) {
                    errs.push(
                        Error::new(
                            ErrorKind::Invalid,
                            owner.clone(),
                            format!(
                                "puppet class {} does not belong to the {} environment",
                                class.name, src.environments[env as usize].0
                            ),
                        )
                        .at(&h.origin),
                    );
                }
            }
        }
        let config_groups = cg_refs(&h.config_groups, &owner, &h.origin, &mut errs);
        h.subnet = subnet_name;
        h.subnet6 = subnet6_name;
        hosts.push(CHost {
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
        });
    }

    // Smart class parameters: types, defaults, flags, order lines, override values.
    let ctx = KeyCtx {
        settings: &settings,
        host_names: &host_name_index,
        hostgroups: &hostgroups,
        hg_index: &hg_index,
        parser,
        trusted_references: opts.trusted_references,
    };
    for k in &mut keys {
        let class_name = &classes[k.class as usize].name;
        ctx.check_key(k, class_name, &mut errs);
    }

    if !errs.is_empty() {
        return Err(Errors(errs));
    }
    let (rules, match_ids) = intern_matchers(&mut keys);
    let mut certnames: Vec<String> = host_by_certname.keys().cloned().collect();
    certnames.sort();
    Ok(Estate {
        settings,
        globals: src.parameters,
        organizations,
        locations,
        domains: src.domains,
        subnets: src.subnets,
        operatingsystems,
        environments: src.environments.into_iter().map(|(n, _)| n).collect(),
        classes,
        keys,
        config_groups,
        hostgroups,
        hosts,
        host_by_certname,
        host_by_name: host_name_index,
        rules,
        match_ids,
        certnames,
    })
}

fn check_lookup_path(settings: &Settings, errs: &mut Vec<Error>) {
    if settings.default_lookup_path.is_empty() {
        errs.push(
            Error::new(ErrorKind::Invalid, "settings default_lookup_path", "can't be blank").at(&settings.origin),
        );
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

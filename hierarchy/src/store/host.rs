//! The per-host read: only what one host's ENC needs, compiled as a partial estate.
//!
//! Fetched: the host; its host group, organization and location chains; its domain, subnets
//! (own and interfaces') and OS; the config groups it and its host groups name; the classes
//! they can give it with their keys; global parameters, settings and environments (small); and
//! — after a first compile of that view — only the override values of its overridden keys whose
//! sanitized match string is one the host can generate. Those strings depend only on the host
//! (its attributes, its resolved parameters, its facts) and on the keys' order lines, all of
//! which the first compile has at hand, so the second compile sees exactly the override values
//! that the whole estate's resolution could pick for this host.

use super::db::{Arg, Conn};
use super::read::{Filter, Reader, take_params};
use crate::estate::PsychText;
use lamina_resolver::compile::{CHost, CompileOptions, Estate, Idx, compile_with};
use lamina_resolver::model::{EstateSource, Parameter};
use lamina_resolver::{Errors, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// `A/B/C` → `A`, `A/B`, `A/B/C`.
fn chain_titles(title: Option<&String>) -> Vec<Arg> {
    let Some(t) = title else { return Vec::new() };
    let mut out: Vec<Arg> = t.match_indices('/').map(|(i, _)| Arg::from(&t[..i])).collect();
    out.push(Arg::from(t));
    out
}

fn args(names: impl IntoIterator<Item = String>) -> Vec<Arg> {
    let set: BTreeSet<String> = names.into_iter().collect();
    set.into_iter().map(Arg::from).collect()
}

/// Everything but the override values for `certname`, or `None` for an unknown host; with the
/// database ids of the view's overridden keys as `(class index, key index, key id)`.
async fn view(r: &mut Reader<'_>, certname: &str) -> Result<Option<(EstateSource, Vec<(usize, usize, i64)>)>, String> {
    // Foreman's `/node/:name` finds the host by certname, then by name (as `Estate::host`).
    let mut hosts = r.hosts(Some(("lookup_certname", certname))).await?;
    if hosts.is_empty() {
        hosts = r.hosts(Some(("name", certname))).await?;
    }
    let Some((host_id, host)) = hosts.pop() else { return Ok(None) };

    let hg_titles = chain_titles(host.hostgroup.as_ref());
    let hostgroups = r.hostgroups(Some(&hg_titles)).await?;
    let organizations = r.taxonomies("organizations", Some(&chain_titles(host.organization.as_ref()))).await?;
    let locations = r.taxonomies("locations", Some(&chain_titles(host.location.as_ref()))).await?;
    let domains = r.domains(Some(&args(host.domain.clone()))).await?;
    let mut subnet_names: Vec<String> = host.subnet.iter().chain(&host.subnet6).cloned().collect();
    for nic in &host.interfaces {
        subnet_names.extend(["subnet", "subnet6"].iter().filter_map(|k| nic.get_str(k).map(str::to_string)));
    }
    let subnets = r.subnets(Some(&args(subnet_names))).await?;
    let oses = r.operatingsystems(Some(&args(host.operatingsystem.clone()))).await?;

    let cg_names = host.config_groups.iter().chain(hostgroups.iter().flat_map(|(_, g)| &g.config_groups)).cloned();
    let config_groups = r.config_groups(Some(&args(cg_names))).await?;
    let class_names = host
        .puppetclasses
        .iter()
        .chain(hostgroups.iter().flat_map(|(_, g)| &g.puppetclasses))
        .chain(config_groups.iter().flat_map(|c| &c.puppetclasses))
        .cloned();
    let (puppetclasses, keys) = r.classes(Some(&args(class_names))).await?;

    let ids = |list: &[i64]| list.iter().map(|&i| Arg::Int(i)).collect::<Vec<_>>();
    let org_ids = ids(&organizations.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let loc_ids = ids(&locations.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let dom_ids = ids(&domains.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let sub_ids = ids(&subnets.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let os_ids = ids(&oses.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let hg_ids = ids(&hostgroups.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let host_ids = [Arg::Int(host_id)];
    let owners: [(&str, Filter<'_>); 8] = [
        ("global", Some(&[Arg::Int(0)])),
        ("organization", Some(&org_ids)),
        ("location", Some(&loc_ids)),
        ("domain", Some(&dom_ids)),
        ("subnet", Some(&sub_ids)),
        ("os", Some(&os_ids)),
        ("hostgroup", Some(&hg_ids)),
        ("host", Some(&host_ids)),
    ];
    let mut params = r.params(&owners).await?;
    let mut with = |kind: &str, id: i64| -> Vec<Parameter> { take_params(&mut params, kind, id) };
    let src = EstateSource {
        settings: r.settings().await?,
        parameters: with("global", 0),
        organizations: organizations
            .into_iter()
            .map(|(id, mut t)| {
                t.parameters = with("organization", id);
                t
            })
            .collect(),
        locations: locations
            .into_iter()
            .map(|(id, mut t)| {
                t.parameters = with("location", id);
                t
            })
            .collect(),
        domains: domains
            .into_iter()
            .map(|(id, mut d)| {
                d.parameters = with("domain", id);
                d
            })
            .collect(),
        subnets: subnets
            .into_iter()
            .map(|(id, mut s)| {
                s.parameters = with("subnet", id);
                s
            })
            .collect(),
        operatingsystems: oses
            .into_iter()
            .map(|(id, mut o)| {
                o.parameters = with("os", id);
                o
            })
            .collect(),
        environments: r.environments().await?,
        puppetclasses,
        config_groups,
        hostgroups: hostgroups
            .into_iter()
            .map(|(id, mut g)| {
                g.parameters = with("hostgroup", id);
                g
            })
            .collect(),
        hosts: vec![{
            let mut h = host;
            h.parameters = with("host", host_id);
            h
        }],
    };
    Ok(Some((src, keys)))
}

/// What `load_host` returns inside the store module: the compiled partial estate, a store
/// error, or the estate's validation errors.
pub(crate) enum HostLoad {
    Found(Box<Estate>),
    Unknown,
    Invalid(Errors),
}

pub(crate) async fn load_host(conn: &mut Conn, certname: &str) -> Result<HostLoad, String> {
    let mut r = Reader::new(conn).await?;
    let Some((mut src, keys)) = view(&mut r, certname).await? else { return Ok(HostLoad::Unknown) };
    let opts = CompileOptions { trusted_references: true };
    let first = match compile_with(src.clone(), &PsychText, opts) {
        Ok(e) => e,
        Err(errs) => return Ok(HostLoad::Invalid(errs)),
    };
    // Only overridden keys are ever resolved; their lines give the candidate strings.
    let mut key_ids = Vec::new();
    let mut lines: BTreeSet<&[String]> = BTreeSet::new();
    let at: HashMap<i64, (usize, usize)> = keys.iter().map(|&(c, k, id)| (id, (c, k))).collect();
    let by_name: HashMap<(&str, &str), i64> = keys
        .iter()
        .map(|&(c, k, id)| ((src.puppetclasses[c].name.as_str(), src.puppetclasses[c].parameters[k].key.as_str()), id))
        .collect();
    for k in first.keys.iter().filter(|k| k.src.override_) {
        let class = &first.classes[k.class as usize].name;
        if let Some(&id) = by_name.get(&(class.as_str(), k.src.key.as_str())) {
            key_ids.push(Arg::Int(id));
            lines.extend(k.lines.iter().map(Vec::as_slice));
        }
    }
    let host = first.hosts.len().checked_sub(1).and_then(|i| Idx::try_from(i).ok()).unwrap_or_default();
    let matches = args(candidates(&first, host, lines));
    let values = r.override_values(Some((&key_ids, &matches))).await?;
    if values.is_empty() {
        return Ok(HostLoad::Found(Box::new(first)));
    }
    for (key, v) in values {
        if let Some(&(c, k)) = at.get(&key) {
            src.puppetclasses[c].parameters[k].override_values.push(v);
        }
    }
    Ok(match compile_with(src, &PsychText, opts) {
        Ok(e) => HostLoad::Found(Box::new(e)),
        Err(errs) => HostLoad::Invalid(errs),
    })
}

/// Every match string the host generates for these order lines, as Foreman's
/// `MatchesGenerator` builds them (see `lamina_resolver::resolve`): `attr=value` joined by `,`,
/// nothing for a line with an attribute the host has no value for, and with
/// `matchers_inheritance` the same strings with each inherited title (host group, organization,
/// location) cut back to its ancestors, mutating one list as Foreman does.
fn candidates<'a>(e: &Estate, host: Idx, lines: impl IntoIterator<Item = &'a [String]>) -> Vec<String> {
    const INHERIT: [&str; 3] = ["hostgroup", "organization", "location"];
    let h = &e.hosts[host as usize];
    let mut out = Vec::new();
    'line: for line in lines {
        let mut parts: Vec<(&str, String)> = Vec::with_capacity(line.len());
        for el in line {
            match attr_value(e, h, el) {
                Some(v) if !v.is_empty() => parts.push((el, v)),
                _ => continue 'line,
            }
        }
        let join =
            |parts: &[(&str, String)]| parts.iter().map(|(a, v)| format!("{a}={v}")).collect::<Vec<_>>().join(",");
        out.push(join(&parts));
        if e.settings.matchers_inheritance {
            for el in INHERIT {
                let Some(pos) = parts.iter().position(|(a, _)| *a == el) else { continue };
                let mut title = parts[pos].1.clone();
                while let Some(i) = title.rfind('/') {
                    title.truncate(i);
                    parts[pos].1.clone_from(&title);
                    out.push(join(&parts));
                }
            }
        }
    }
    out
}

/// A matcher attribute's value for the host: a host attribute, else a host parameter (the
/// winning definition), else a fact.
fn attr_value(e: &Estate, h: &CHost, el: &str) -> Option<String> {
    let tax = |v: Option<Idx>, list: &[lamina_resolver::compile::Tax]| v.map(|i| list[i as usize].src.title.clone());
    match el {
        "fqdn" | "name" => Some(h.src.name.clone()),
        "certname" => Some(h.src.certname().to_string()),
        "hostgroup" => h.hostgroup.map(|g| e.hostgroups[g as usize].src.title.clone()),
        "organization" => tax(h.organization, &e.organizations),
        "location" => tax(h.location, &e.locations),
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
        _ => match host_param(e, h, el) {
            Some(v) => Some(v.to_ruby_s()),
            None => fact(&h.src.facts, el),
        },
    }
}

/// The host's parameter `name` as resolved: the highest layer defining it wins (host > host
/// group chain, leaf first > OS > subnet6 > subnet > domain > location chain > organization
/// chain > global).
fn host_param<'e>(e: &'e Estate, h: &'e CHost, name: &str) -> Option<&'e Value> {
    let find = |list: &'e [Parameter]| list.iter().rev().find(|p| p.name == name).map(|p| &p.value);
    let chain = |v: Option<Idx>, list: &'e [lamina_resolver::compile::Tax]| {
        v.into_iter()
            .flat_map(move |i| list[i as usize].chain.iter().rev().map(move |&a| &list[a as usize].src.parameters))
    };
    let mut layers: Vec<&'e [Parameter]> = vec![&h.src.parameters];
    if let Some(g) = h.hostgroup {
        layers.extend(
            e.hostgroups[g as usize].chain.iter().rev().map(|&a| e.hostgroups[a as usize].src.parameters.as_slice()),
        );
    }
    layers.extend(h.os.map(|o| e.operatingsystems[o as usize].0.parameters.as_slice()));
    layers.extend(h.subnet6.map(|s| e.subnets[s as usize].parameters.as_slice()));
    layers.extend(h.subnet.map(|s| e.subnets[s as usize].parameters.as_slice()));
    layers.extend(h.domain.map(|d| e.domains[d as usize].parameters.as_slice()));
    layers.extend(chain(h.location, &e.locations).map(Vec::as_slice));
    layers.extend(chain(h.organization, &e.organizations).map(Vec::as_slice));
    layers.push(&e.globals);
    layers.into_iter().find_map(find)
}

/// A fact by its `::`-joined path; only scalar leaves have values.
fn fact(facts: &Map, name: &str) -> Option<String> {
    let scalar = |v: &Value| match v {
        Value::Null | Value::Array(_) | Value::Hash(_) => None,
        other => Some(other.to_ruby_s()),
    };
    if let Some(v) = facts.get(name) {
        return scalar(v);
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
    cur.and_then(scalar)
}

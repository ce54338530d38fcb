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
use super::json::Spelling;
use super::read::{Filter, Reader, take_params};
use lamina_estate::PsychText;
use lamina_foreman::Errors;
use lamina_foreman::model::{EstateSource, Parameter};
use lamina_foreman::{CompileOptions, Estate, Idx, compile_with};
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

pub(crate) async fn load_host(conn: &mut Conn, certname: &str, spelling: Spelling) -> Result<HostLoad, String> {
    let mut r = Reader::new(conn, spelling).await?;
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
    for (class, key, klines) in first.overridden_keys() {
        if let Some(&id) = by_name.get(&(class, key)) {
            key_ids.push(Arg::Int(id));
            lines.extend(klines.iter().map(Vec::as_slice));
        }
    }
    let host = first.host_count().checked_sub(1).and_then(|i| Idx::try_from(i).ok()).unwrap_or_default();
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

/// Every match string the host generates for these order lines: the resolver's own
/// generator ([`lamina_foreman::candidate_matches`]), so that the store fetches exactly
/// the override values resolution can match.
fn candidates<'a>(e: &Estate, host: Idx, lines: impl IntoIterator<Item = &'a [String]>) -> Vec<String> {
    lamina_foreman::candidate_matches(e, host, lines)
}

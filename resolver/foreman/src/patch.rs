//! New versions of a compiled estate with one object changed (a host, its facts, a parameter
//! list, a host group, a smart class parameter), sharing everything else with the version they
//! came from: the change costs what the object touches, not what the estate costs.
//!
//! The rules are the full compile's: a host is compiled by the same function
//! ([`crate::compile`]'s per-host step) against the same indexes. Anything the fast path cannot
//! decide alone — an invalid host, a certname another host has, a removed host that an override
//! value names by `fqdn=` — makes it answer `None`, and the caller compiles the whole source,
//! so that a refused change is refused with exactly the errors `lamina check` gives for the
//! estate it would have made.

use crate::cast::TextParser;
use crate::compile::{HostCtx, Referrer, check_params, inherit_one};
use crate::estate::{Estate, Group, Idx};
use crate::model::{Host, Hostgroup, Parameter};
use crate::suggest::Hints;
use crate::value::Map;
use std::sync::{Arc, OnceLock};

#[allow(clippy::cast_possible_truncation)]
fn idx(i: usize) -> Idx {
    i as Idx
}

/// The owner of a list of custom parameters.
#[derive(Clone, Copy, Debug)]
pub enum Owner<'a> {
    /// The global parameters.
    Global,
    /// An organization, by title.
    Organization(&'a str),
    /// A location, by title.
    Location(&'a str),
    /// A domain, by name.
    Domain(&'a str),
    /// A subnet, by name.
    Subnet(&'a str),
    /// An operating system, by title (`Name major.minor`).
    Os(&'a str),
    /// A host group, by title.
    Hostgroup(&'a str),
}

/// `table` with row `at` changed by `f`: a new table, the old one untouched.
pub(crate) fn with_row<T: Clone>(table: &Arc<Vec<T>>, at: Idx, f: impl FnOnce(&mut T)) -> Arc<Vec<T>> {
    let mut t = (**table).clone();
    f(&mut t[at as usize]);
    Arc::new(t)
}

impl Estate {
    /// This estate with the host group titled `title` replaced by `group`, or added: its own
    /// attributes, classes, config groups and parameters checked as the full compile checks
    /// them, the inherited attributes of its subtree recomputed, and the environment of the
    /// subtree's hosts (own or inherited) with the check that a host's own classes belong to
    /// it. A new group is added under its parent (no host, no other group and no override
    /// value can name a group that did not exist). `None` for a renamed host group, or any
    /// error (compile the whole source).
    #[must_use]
    pub fn with_hostgroup(&self, title: &str, group: Hostgroup, parser: &dyn TextParser) -> Option<Estate> {
        let n = &self.names;
        if group.title != title {
            return None;
        }
        let Some(&gi) = n.hostgroups.get(title) else { return self.with_new_hostgroup(group, parser) };
        let mut groups = (*self.hostgroups).clone();
        let chain = std::mem::take(&mut groups[gi as usize].chain);
        groups[gi as usize] = self.own_group(group, chain, parser)?;
        // The subtree, parents first, each from its own environment again.
        let mut subtree: Vec<usize> = (0..groups.len()).filter(|&i| groups[i].chain.contains(&gi)).collect();
        subtree.sort_by_key(|&i| groups[i].chain.len());
        for &i in &subtree {
            let own = groups[i].src.environment.as_deref().and_then(|e| n.environments.get(e).copied());
            groups[i].environment = own;
        }
        for &i in &subtree {
            inherit_one(&mut groups, i);
        }
        let hints = Hints::default();
        let ctx = HostCtx {
            names: &self.names,
            hostgroups: &groups,
            classes: &self.classes,
            environments: &self.environments,
            parser,
            hints: &hints,
        };
        let mut next = self.clone();
        let mut errs = Vec::new();
        for (hi, h) in self.hosts.iter().enumerate() {
            let Some(hg) = h.hostgroup.filter(|&x| groups[x as usize].chain.contains(&gi)) else { continue };
            let own = h.src.environment.as_deref().and_then(|e| n.environments.get(e).copied());
            let env = own.or(groups[hg as usize].environment);
            if env == h.environment {
                continue;
            }
            if let Some(env) = env {
                let owner = format!("host {}", h.src.name);
                ctx.check_class_environments(
                    &h.classes,
                    env,
                    Referrer { owner: &owner, origin: &h.src.origin, hints: &hints },
                    &mut errs,
                );
                if !errs.is_empty() {
                    return None;
                }
            }
            let mut moved = (**h).clone();
            moved.environment = env;
            next.hosts.set(hi, Arc::new(moved));
        }
        next.hostgroups = Arc::new(groups);
        Some(next)
    }

    /// A host group's own attributes, classes, config groups and parameters, checked as the
    /// full compile checks them, with its `chain`; its inherited attributes are left for
    /// `inherit_one`. `None` on any error.
    fn own_group(&self, mut g: Hostgroup, chain: Vec<Idx>, parser: &dyn TextParser) -> Option<Group> {
        let n = &self.names;
        let mut errs = Vec::new();
        check_params(&mut g.parameters, "", parser, &mut errs);
        let hints = Hints::default();
        let by = Referrer { owner: "", origin: &g.origin, hints: &hints };
        let environment = by.find(&n.environments, g.environment.as_deref(), "environment", &mut errs);
        let classes = by.classes(&n.classes, &g.puppetclasses, &mut errs);
        let config_groups = by.config_groups(&n.config_groups, &g.config_groups, &mut errs);
        errs.is_empty().then(|| Group {
            environment,
            root_pass: None,
            puppet_proxy: None,
            puppet_ca_proxy: None,
            classes,
            config_groups,
            chain,
            src: g,
        })
    }

    /// [`Self::with_hostgroup`] for a title the estate does not have.
    fn with_new_hostgroup(&self, group: Hostgroup, parser: &dyn TextParser) -> Option<Estate> {
        let n = &self.names;
        if group.title.split('/').any(|s| s.trim().is_empty()) {
            return None;
        }
        let gi = idx(self.hostgroups.len());
        let mut chain = match group.title.rsplit_once('/') {
            None => Vec::new(),
            Some((parent, _)) => self.hostgroups[*n.hostgroups.get(parent)? as usize].chain.clone(),
        };
        chain.push(gi);
        let title = group.title.clone();
        let mut groups = (*self.hostgroups).clone();
        groups.push(self.own_group(group, chain, parser)?);
        inherit_one(&mut groups, gi as usize);
        let mut names = (**n).clone();
        names.hostgroups.insert(title, gi);
        let mut next = self.clone();
        next.hostgroups = Arc::new(groups);
        next.names = Arc::new(names);
        Some(next)
    }

    /// This estate without the host group titled `title`. `None` when it does not exist, or
    /// when removing it is an error the full compile reports: a host or a child group in it,
    /// an override value matching it by `hostgroup=`. The last group takes its slot (as a
    /// removed host's), so its subtree's chains and its hosts are renumbered.
    #[must_use]
    pub fn without_hostgroup(&self, title: &str) -> Option<Estate> {
        let n = &self.names;
        let gi = *n.hostgroups.get(title)?;
        let name = title.rsplit('/').next().unwrap_or(title);
        let in_use =
            self.hosts.iter().any(|h| h.hostgroup == Some(gi))
                || self.hostgroups.iter().any(|g| g.chain.len() > 1 && g.chain[g.chain.len() - 2] == gi)
                || self.keys.iter().flat_map(|k| k.values.keys()).any(|m| {
                    m.split(',').filter_map(|p| p.strip_prefix("hostgroup=")).any(|v| v == title || v == name)
                });
        if in_use {
            return None;
        }
        let last = idx(self.hostgroups.len() - 1);
        let mut groups = (*self.hostgroups).clone();
        groups.swap_remove(gi as usize);
        let mut names = (**n).clone();
        names.hostgroups.remove(title);
        let mut next = self.clone();
        if gi != last {
            for g in &mut groups {
                for x in &mut g.chain {
                    if *x == last {
                        *x = gi;
                    }
                }
            }
            names.hostgroups.insert(groups[gi as usize].src.title.clone(), gi);
            for (hi, h) in self.hosts.iter().enumerate() {
                if h.hostgroup == Some(last) {
                    let mut moved = (**h).clone();
                    moved.hostgroup = Some(gi);
                    next.hosts.set(hi, Arc::new(moved));
                }
            }
        }
        next.hostgroups = Arc::new(groups);
        next.names = Arc::new(names);
        Some(next)
    }

    /// This estate with the parameter list of `owner` replaced. Hosts read their owners'
    /// parameters when they are resolved, so nothing else is recompiled. `None` when the list
    /// is invalid (names, duplicates, casts: compile the whole source for the errors) or the
    /// owner does not exist.
    #[must_use]
    pub fn with_params(&self, owner: Owner<'_>, mut params: Vec<Parameter>, parser: &dyn TextParser) -> Option<Estate> {
        let mut errs = Vec::new();
        check_params(&mut params, "", parser, &mut errs);
        if !errs.is_empty() {
            return None;
        }
        let n = &self.names;
        let mut next = self.clone();
        match owner {
            Owner::Global => next.globals = Arc::new(params),
            Owner::Organization(t) => {
                next.organizations =
                    with_row(&self.organizations, *n.organizations.get(t)?, |x| x.src.parameters = params);
            }
            Owner::Location(t) => {
                next.locations = with_row(&self.locations, *n.locations.get(t)?, |x| x.src.parameters = params);
            }
            Owner::Domain(d) => next.domains = with_row(&self.domains, *n.domains.get(d)?, |x| x.parameters = params),
            Owner::Subnet(s) => next.subnets = with_row(&self.subnets, *n.subnets.get(s)?, |x| x.parameters = params),
            Owner::Os(t) => {
                next.operatingsystems =
                    with_row(&self.operatingsystems, *n.operatingsystems.get(t)?, |x| x.0.parameters = params);
            }
            Owner::Hostgroup(t) => {
                next.hostgroups = with_row(&self.hostgroups, *n.hostgroups.get(t)?, |x| x.src.parameters = params);
            }
        }
        Some(next)
    }

    /// This estate with the facts of `host` replaced (an agent's upload). Facts are not
    /// validated (Foreman keeps what the agent reports), so this cannot fail.
    ///
    /// # Panics
    /// When `host` is not an index [`Estate::host`] gave for this version.
    #[must_use]
    pub fn with_facts(&self, host: Idx, facts: Arc<Map>) -> Estate {
        // The host's other fields are cloned; its facts are shared, never copied.
        let mut h = (*self.hosts[host as usize]).clone();
        h.src.facts = facts;
        let mut next = self.clone();
        next.hosts.set(host as usize, Arc::new(h));
        next
    }

    /// This estate with the host named `name` replaced by `host`, added when there is none, or
    /// removed (`None`). `None` when the change cannot be made on its own: the host is invalid,
    /// takes another host's certname, is not named `name`, or is removed while an override value
    /// matches it by `fqdn=`; compile the whole source then (it reports every error).
    #[must_use]
    pub fn with_host(&self, name: &str, host: Option<Host>, parser: &dyn TextParser) -> Option<Estate> {
        let old = self.host_by_name.get(name).copied();
        let mut next = self.clone();
        next.certnames = OnceLock::new();
        match host {
            Some(h) => {
                if h.name != name {
                    return None;
                }
                let certname = h.certname().to_string();
                if self.host_by_certname.get(&certname).is_some_and(|&i| Some(i) != old) {
                    return None;
                }
                let hints = Hints::default();
                let ctx = HostCtx {
                    names: &self.names,
                    hostgroups: &self.hostgroups,
                    classes: &self.classes,
                    environments: &self.environments,
                    parser,
                    hints: &hints,
                };
                let mut errs = Vec::new();
                let compiled = ctx.host(h, &mut errs);
                if !errs.is_empty() {
                    return None;
                }
                let at = match old {
                    Some(i) => {
                        let was = self.hosts[i as usize].src.certname().to_string();
                        next.host_by_certname.remove(&was);
                        next.hosts.set(i as usize, Arc::new(compiled));
                        i
                    }
                    None => {
                        next.hosts.push_back(Arc::new(compiled));
                        let i = idx(next.hosts.len() - 1);
                        next.host_by_name.insert(name.to_string(), i);
                        i
                    }
                };
                next.host_by_certname.insert(certname, at);
            }
            None => {
                let i = old?;
                if self.fqdn_refs.contains(name) {
                    return None;
                }
                let gone = next.hosts[i as usize].src.certname().to_string();
                next.host_by_certname.remove(&gone);
                next.host_by_name.remove(name);
                // The last host takes the freed slot, so that no other index moves.
                let last = next.hosts.len() - 1;
                if i as usize != last {
                    let moved = Arc::clone(&next.hosts[last]);
                    next.host_by_name.insert(moved.src.name.clone(), i);
                    next.host_by_certname.insert(moved.src.certname().to_string(), i);
                    next.hosts.set(i as usize, moved);
                }
                next.hosts.pop_back();
            }
        }
        Some(next)
    }
}

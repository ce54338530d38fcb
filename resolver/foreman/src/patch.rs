//! New versions of a compiled estate with one host changed, sharing everything else with the
//! version they came from: the change costs what the host costs, not what the estate costs.
//!
//! The rules are the full compile's: a host is compiled by the same function
//! ([`crate::compile`]'s per-host step) against the same indexes. Anything the fast path cannot
//! decide alone — an invalid host, a certname another host has, a removed host that an override
//! value names by `fqdn=` — makes it answer `None`, and the caller compiles the whole source,
//! so that a refused change is refused with exactly the errors `lamina check` gives for the
//! estate it would have made.

use crate::cast::TextParser;
use crate::compile::HostCtx;
use crate::estate::{Estate, Idx};
use crate::model::Host;
use crate::value::Map;
use std::sync::{Arc, OnceLock};

#[allow(clippy::cast_possible_truncation)]
fn idx(i: usize) -> Idx {
    i as Idx
}

impl Estate {
    /// This estate with the facts of `host` replaced (an agent's upload). Facts are not
    /// validated (Foreman keeps what the agent reports), so this cannot fail.
    ///
    /// # Panics
    /// When `host` is not an index [`Estate::host`] gave for this version.
    #[must_use]
    pub fn with_facts(&self, host: Idx, facts: Map) -> Estate {
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
                let ctx = HostCtx {
                    names: &self.names,
                    hostgroups: &self.hostgroups,
                    classes: &self.classes,
                    environments: &self.environments,
                    parser,
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

//! Which hosts a change can reach: the hosts whose ENC document (and Hiera scope) may differ
//! after it, so that a server drops exactly their cached documents and moves exactly their
//! versions (`ETag`s). Computed on the estate *before* the change, from what hosts are linked
//! to; always a superset of the hosts that really change (the property test in
//! `tests/incremental.rs` renders every host outside the set before and after).

use crate::estate::{Estate, Idx};
use crate::keys::sanitize_match;
use crate::patch::Owner;
use crate::resolve::candidate_matches;
use rustc_hash::FxHashSet as HashSet;

/// What a change is to.
#[derive(Clone, Copy, Debug)]
pub enum Reach<'a> {
    /// The parameters, or the object itself, of an owner of custom parameters: every host for
    /// the global ones; the hosts of a taxonomy or host group and its descendants; the hosts of
    /// a domain, a subnet (IPv4 or IPv6) or an operating system.
    Owner(Owner<'a>),
    /// A host (by name or certname).
    Host(&'a str),
    /// A smart class parameter as a whole (its default, type, flags, order): the hosts that
    /// get its class, directly, from a host group or through a config group.
    Class(&'a str),
    /// Some override values of one smart class parameter, by match (as written or sanitized):
    /// the hosts that get its class and generate one of the matches.
    Matches {
        /// The class.
        class: &'a str,
        /// The key.
        key: &'a str,
        /// The matches added, changed or removed.
        matches: &'a [String],
    },
}

impl Estate {
    /// The hosts `reach` can change; `None` for every host.
    #[must_use]
    pub fn hosts_reached(&self, reach: Reach<'_>) -> Option<Vec<Idx>> {
        let n = &self.names;
        let all = || (0..self.hosts.len()).map(crate::estate::idx);
        let filter = |f: &dyn Fn(&crate::estate::CHost) -> bool| -> Vec<Idx> {
            all().filter(|&i| f(&self.hosts[i as usize])).collect()
        };
        Some(match reach {
            Reach::Owner(Owner::Global) => return None,
            Reach::Owner(Owner::Organization(t)) => match n.organizations.get(t) {
                Some(&o) => {
                    filter(&|h| h.organization.is_some_and(|x| self.organizations[x as usize].chain.contains(&o)))
                }
                None => Vec::new(),
            },
            Reach::Owner(Owner::Location(t)) => match n.locations.get(t) {
                Some(&o) => filter(&|h| h.location.is_some_and(|x| self.locations[x as usize].chain.contains(&o))),
                None => Vec::new(),
            },
            Reach::Owner(Owner::Domain(d)) => match n.domains.get(d) {
                Some(&d) => filter(&|h| h.domain == Some(d)),
                None => Vec::new(),
            },
            Reach::Owner(Owner::Subnet(s)) => match n.subnets.get(s) {
                Some(&s) => filter(&|h| h.subnet == Some(s) || h.subnet6 == Some(s)),
                None => Vec::new(),
            },
            Reach::Owner(Owner::Os(t)) => match n.operatingsystems.get(t) {
                Some(&o) => filter(&|h| h.os == Some(o)),
                None => Vec::new(),
            },
            Reach::Owner(Owner::Hostgroup(t)) => match n.hostgroups.get(t) {
                Some(&g) => filter(&|h| h.hostgroup.is_some_and(|x| self.hostgroups[x as usize].chain.contains(&g))),
                None => Vec::new(),
            },
            Reach::Host(name) => self.host(name).into_iter().collect(),
            Reach::Class(c) => self.hosts_with_class(c),
            Reach::Matches { class, key, matches } => {
                let Some(k) =
                    self.keys.iter().find(|k| k.src.key == key && self.classes[k.class as usize].name == class)
                else {
                    // A key the estate does not have yet: whoever gets its class.
                    return Some(self.hosts_with_class(class));
                };
                let wanted: HashSet<String> =
                    matches.iter().map(|m| sanitize_match(m).map_or_else(|| m.clone(), |(_, s)| s)).collect();
                self.hosts_with_class(class)
                    .into_iter()
                    .filter(|&h| {
                        candidate_matches(self, h, k.lines.iter().map(Vec::as_slice)).iter().any(|m| wanted.contains(m))
                    })
                    .collect()
            }
        })
    }

    /// Hosts that get class `name` from anywhere (own classes, host groups, config groups),
    /// whatever their environment.
    fn hosts_with_class(&self, name: &str) -> Vec<Idx> {
        let Some(&c) = self.names.classes.get(name) else { return Vec::new() };
        let cgs: HashSet<Idx> = (0..self.config_groups.len())
            .map(crate::estate::idx)
            .filter(|&g| self.config_groups[g as usize].classes.contains(&c))
            .collect();
        let groups: Vec<bool> = self
            .hostgroups
            .iter()
            .map(|g| g.classes.contains(&c) || g.config_groups.iter().any(|x| cgs.contains(x)))
            .collect();
        (0..self.hosts.len())
            .map(crate::estate::idx)
            .filter(|&i| {
                let h = &self.hosts[i as usize];
                h.classes.contains(&c)
                    || h.config_groups.iter().any(|x| cgs.contains(x))
                    || h.hostgroup
                        .is_some_and(|g| self.hostgroups[g as usize].chain.iter().any(|&a| groups[a as usize]))
            })
            .collect()
    }
}

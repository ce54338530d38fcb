//! A change applied to a compiled estate (the next version, sharing what it leaves alone), and
//! which hosts it reaches: the invalidation set of a server's response cache and of its hosts'
//! versions (`ETag`s).

use crate::PsychText;
use crate::edit::{Change, ParamOwner};
use lamina_foreman::model::{EstateSource, Origin, OverrideValue, SmartParam};
use lamina_foreman::{Estate, Owner, Reach};

/// The version of `before` with `change` made, built from what the change touches
/// ([`Estate::with_facts`], [`Estate::with_host`], [`Estate::with_params`],
/// [`Estate::with_hostgroup`], [`Estate::without_hostgroup`], [`Estate::with_key`],
/// [`Estate::without_key`]); `None` when that path declines (an error, a renamed object):
/// compile `source`, the source with the change made, instead; its errors are the change's.
#[must_use]
pub fn patched(before: &Estate, change: &Change, source: &EstateSource) -> Option<Estate> {
    match change {
        Change::Facts(c, facts) => before.host(c).map(|i| before.with_facts(i, facts.clone())),
        Change::Host(name, h) => before.with_host(name, h.as_deref().cloned(), &PsychText),
        Change::Params(ParamOwner::Host(name), _) => {
            let h = source.hosts.iter().find(|h| &h.name == name).cloned();
            before.with_host(name, h, &PsychText)
        }
        Change::Params(owner, list) => owner.as_owner().and_then(|o| before.with_params(o, list.clone(), &PsychText)),
        Change::Hostgroup(title, Some(g)) => before.with_hostgroup(title, (**g).clone(), &PsychText),
        Change::Hostgroup(title, None) => before.without_hostgroup(title),
        Change::Key { class, key, param: Some(p) } => before.with_key(class, key, (**p).clone(), &PsychText),
        Change::Key { class, key, param: None } => before.without_key(class, key),
    }
}

/// The certnames a host-level change (a host, its parameters, its facts) can alter the
/// documents of, in the estate before it; `None` for a change that is not a host's.
pub fn touched(before: &Estate, change: &Change) -> Option<Vec<String>> {
    let of_name = |n: &str| before.host(n).map(|i| before.host_source(i).certname().to_string());
    match change {
        // Facts no matcher reads leave the documents as they were.
        Change::Facts(c, facts) => match before.host(c) {
            Some(i) if !before.facts_matter(i, facts) => Some(Vec::new()),
            _ => Some(vec![c.clone()]),
        },
        Change::Host(n, h) => {
            let mut v: Vec<String> = of_name(n).into_iter().collect();
            v.extend(h.as_ref().map(|h| h.certname().to_string()));
            Some(v)
        }
        Change::Params(ParamOwner::Host(n), _) => Some(of_name(n).into_iter().collect()),
        _ => None,
    }
}

/// The certnames any change can alter the documents (and Hiera scopes) of, given the estate
/// `before` and `after` the batch of changes it is part of; `None` for every host. A superset
/// of the hosts whose documents differ, computed from what hosts are linked to
/// ([`lamina_foreman::Estate::hosts_reached`]): a host group's change reaches its subtree, an
/// override value the hosts that can generate its match, a global parameter every host.
pub fn reached(before: &Estate, after: &Estate, change: &Change) -> Option<Vec<String>> {
    if let Some(v) = touched(before, change) {
        return Some(v);
    }
    let matches: Vec<String>;
    let reach = match change {
        Change::Params(owner, _) => match owner.as_owner() {
            Some(o) => Reach::Owner(o),
            None => return touched(before, change),
        },
        Change::Hostgroup(t, _) => Reach::Owner(Owner::Hostgroup(t)),
        Change::Key { class, key, .. } => match (before.key_source(class, key), after.key_source(class, key)) {
            // Only override values changed: the hosts that can generate one of those matches.
            (Some(a), Some(b)) if same_but_values(a, b) => {
                let differs =
                    |x: &OverrideValue, other: &SmartParam| !other.override_values.iter().any(|y| same_value(x, y));
                matches = a
                    .override_values
                    .iter()
                    .filter(|x| differs(x, b))
                    .chain(b.override_values.iter().filter(|x| differs(x, a)))
                    .map(|x| x.match_.clone())
                    .collect();
                Reach::Matches { class, key, matches: &matches }
            }
            _ => Reach::Class(class),
        },
        Change::Facts(..) | Change::Host(..) => return None,
    };
    let hosts = before.hosts_reached(reach)?;
    Some(hosts.into_iter().map(|i| before.host_source(i).certname().to_string()).collect())
}

fn same_value(a: &OverrideValue, b: &OverrideValue) -> bool {
    a.match_ == b.match_ && a.value == b.value && a.omit == b.omit
}

/// Two versions of a smart class parameter that differ at most in their override values.
fn same_but_values(a: &SmartParam, b: &SmartParam) -> bool {
    let bare = |p: &SmartParam| SmartParam { override_values: Vec::new(), origin: Origin::default(), ..p.clone() };
    bare(a) == bare(b)
}

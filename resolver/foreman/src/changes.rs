//! What differs between two versions of an estate, object by object, and which hosts each
//! difference can reach: the explanation half of a diff (`lamina diff` says which data edit
//! reached which hosts). Objects are compared by what they hold, not by where they are written
//! (two checkouts of one repository differ in every `Origin`).

use crate::estate::{Estate, Idx};
use crate::model::{Domain, Host, Hostgroup, OperatingSystem, Origin, Parameter, SmartParam, Subnet, Taxonomy};
use crate::patch::Owner;
use crate::reach::Reach;
use std::collections::{BTreeMap, BTreeSet};

/// What kind of object differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// The settings (every host).
    Settings,
    /// The global parameters.
    GlobalParameters,
    /// The list of environments (every host).
    Environments,
    /// An organization.
    Organization,
    /// A location.
    Location,
    /// A domain.
    Domain,
    /// A subnet.
    Subnet,
    /// An operating system.
    OperatingSystem,
    /// A Puppet class's environments (every host that may get it: every host).
    PuppetClass,
    /// A config group.
    ConfigGroup,
    /// A host group.
    Hostgroup,
    /// A smart class parameter (with its override values), as `class::key`.
    SmartClassParameter,
    /// A host, facts aside.
    Host,
    /// A host's facts only (those an order line reads).
    HostFacts,
}

impl ObjectKind {
    /// As people say it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Settings => "settings",
            ObjectKind::GlobalParameters => "global parameters",
            ObjectKind::Environments => "environments",
            ObjectKind::Organization => "organization",
            ObjectKind::Location => "location",
            ObjectKind::Domain => "domain",
            ObjectKind::Subnet => "subnet",
            ObjectKind::OperatingSystem => "operating system",
            ObjectKind::PuppetClass => "puppet class",
            ObjectKind::ConfigGroup => "config group",
            ObjectKind::Hostgroup => "host group",
            ObjectKind::SmartClassParameter => "smart class parameter",
            ObjectKind::Host => "host",
            ObjectKind::HostFacts => "host facts",
        }
    }
}

/// Whether an object was added, removed or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum How {
    /// Only in the later version.
    Added,
    /// Only in the earlier version.
    Removed,
    /// In both, different.
    Changed,
}

impl How {
    /// As people say it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            How::Added => "added",
            How::Removed => "removed",
            How::Changed => "changed",
        }
    }
}

/// One object that differs between two versions of an estate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectChange {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name: a title, a host name, `class::key`; empty for the global parameters,
    /// settings and environments.
    pub name: String,
    /// Added, removed or changed.
    pub how: How,
    /// The certnames (sorted) of the hosts, in either version, whose documents it can alter;
    /// `None` for every host.
    pub reaches: Option<Vec<String>>,
}

/// Clears every `Origin` inside a value, so that equality compares content only.
trait Unlocated: Clone + PartialEq {
    fn clear(&mut self);
    fn same(&self, other: &Self) -> bool {
        if self == other {
            return true;
        }
        let (mut a, mut b) = (self.clone(), other.clone());
        a.clear();
        b.clear();
        a == b
    }
}

fn clear_params(ps: &mut [Parameter]) {
    for p in ps {
        p.origin = Origin::default();
    }
}

impl Unlocated for Vec<Parameter> {
    fn clear(&mut self) {
        clear_params(self);
    }
}

macro_rules! unlocated_with_params {
    ($($t:ty),*) => {$(
        impl Unlocated for $t {
            fn clear(&mut self) {
                self.origin = Origin::default();
                clear_params(&mut self.parameters);
            }
        }
    )*};
}
unlocated_with_params!(Taxonomy, Domain, Subnet, OperatingSystem, Hostgroup);

impl Unlocated for SmartParam {
    fn clear(&mut self) {
        self.origin = Origin::default();
        for v in &mut self.override_values {
            v.origin = Origin::default();
        }
    }
}

impl Unlocated for Host {
    fn clear(&mut self) {
        self.origin = Origin::default();
        clear_params(&mut self.parameters);
        for n in &mut self.interfaces {
            n.origin = Origin::default();
        }
        self.facts = std::sync::Arc::default();
    }
}

/// Compares two keyed lists of objects: `(name, how)` for each that differs.
fn compare<'a, T: Unlocated + 'a>(
    before: impl IntoIterator<Item = (String, &'a T)>,
    after: impl IntoIterator<Item = (String, &'a T)>,
) -> Vec<(String, How)> {
    let a: BTreeMap<String, &T> = before.into_iter().collect();
    let b: BTreeMap<String, &T> = after.into_iter().collect();
    let mut out = Vec::new();
    for (name, x) in &a {
        match b.get(name) {
            None => out.push((name.clone(), How::Removed)),
            Some(y) if !x.same(y) => out.push((name.clone(), How::Changed)),
            Some(_) => {}
        }
    }
    out.extend(b.keys().filter(|n| !a.contains_key(*n)).map(|n| (n.clone(), How::Added)));
    out
}

impl Estate {
    /// Every object that differs between `before` and this estate, with the hosts each can
    /// reach in either version (a superset of the hosts whose documents it really changes, as
    /// [`Estate::hosts_reached`] computes it), in a stable order: by kind, then name.
    #[must_use]
    pub fn changes_from(&self, before: &Estate) -> Vec<ObjectChange> {
        let (a, b) = (before, self);
        let mut out = Vec::new();
        let mut push = |kind, name: String, how, reaches| out.push(ObjectChange { kind, name, how, reaches });

        let mut settings = (*a.settings).clone();
        let mut settings_b = (*b.settings).clone();
        settings.origin = Origin::default();
        settings_b.origin = Origin::default();
        if settings != settings_b {
            push(ObjectKind::Settings, String::new(), How::Changed, None);
        }
        if !a.globals.same(&b.globals) {
            push(ObjectKind::GlobalParameters, String::new(), How::Changed, None);
        }
        if a.environments != b.environments {
            push(ObjectKind::Environments, String::new(), How::Changed, None);
        }
        let reach = |r: Reach<'_>| -> Option<Vec<String>> {
            let mut set = BTreeSet::new();
            for e in [a, b] {
                for i in e.hosts_reached(r)? {
                    set.insert(e.host_source(i).certname().to_string());
                }
            }
            Some(set.into_iter().collect())
        };
        for (n, how) in compare(taxes(a, true), taxes(b, true)) {
            let r = reach(Reach::Owner(Owner::Organization(&n)));
            push(ObjectKind::Organization, n, how, r);
        }
        for (n, how) in compare(taxes(a, false), taxes(b, false)) {
            let r = reach(Reach::Owner(Owner::Location(&n)));
            push(ObjectKind::Location, n, how, r);
        }
        for (n, how) in compare(domains(a), domains(b)) {
            let r = reach(Reach::Owner(Owner::Domain(&n)));
            push(ObjectKind::Domain, n, how, r);
        }
        for (n, how) in compare(subnets(a), subnets(b)) {
            let r = reach(Reach::Owner(Owner::Subnet(&n)));
            push(ObjectKind::Subnet, n, how, r);
        }
        for (n, how) in compare(oses(a), oses(b)) {
            let r = reach(Reach::Owner(Owner::Os(&n)));
            push(ObjectKind::OperatingSystem, n, how, r);
        }
        for (n, how) in compare_named(class_envs(a), class_envs(b)) {
            push(ObjectKind::PuppetClass, n, how, None);
        }
        for (n, how) in compare_named(config_groups(a), config_groups(b)) {
            push(ObjectKind::ConfigGroup, n, how, None);
        }
        for (n, how) in compare::<Hostgroup>(groups(a), groups(b)) {
            let r = reach(Reach::Owner(Owner::Hostgroup(&n)));
            push(ObjectKind::Hostgroup, n, how, r);
        }
        for (n, how) in compare::<SmartParam>(keys(a), keys(b)) {
            let class = n.rsplit_once("::").map_or("", |(c, _)| c);
            let r = reach(Reach::Class(class));
            push(ObjectKind::SmartClassParameter, n, how, r);
        }
        for (n, how) in compare::<Host>(hosts(a), hosts(b)) {
            let r = reach(Reach::Host(&n));
            push(ObjectKind::Host, n, how, r);
        }
        // Facts apart, and only those an order line of either version reads: one side may
        // hold every fact and the other only those (a store against estate files).
        for (ib, h) in b.hosts.iter().enumerate() {
            if let Some(&ia) = a.host_by_name.get(&h.src.name)
                && (a.facts_matter(ia, &h.src.facts)
                    || b.facts_matter(crate::estate::idx(ib), &a.hosts[ia as usize].src.facts))
            {
                push(ObjectKind::HostFacts, h.src.name.clone(), How::Changed, Some(vec![h.src.certname().to_string()]));
            }
        }
        out
    }
}

fn taxes(e: &Estate, orgs: bool) -> Vec<(String, &Taxonomy)> {
    let list = if orgs { &e.organizations } else { &e.locations };
    list.iter().map(|t| (t.src.title.clone(), &t.src)).collect()
}

fn domains(e: &Estate) -> Vec<(String, &Domain)> {
    e.domains.iter().map(|d| (d.name.clone(), d)).collect()
}

fn subnets(e: &Estate) -> Vec<(String, &Subnet)> {
    e.subnets.iter().map(|s| (s.name.clone(), s)).collect()
}

fn oses(e: &Estate) -> Vec<(String, &OperatingSystem)> {
    e.operatingsystems.iter().map(|(o, t)| (t.clone(), o)).collect()
}

fn groups(e: &Estate) -> Vec<(String, &Hostgroup)> {
    e.hostgroups.iter().map(|g| (g.src.title.clone(), &g.src)).collect()
}

fn keys(e: &Estate) -> Vec<(String, &SmartParam)> {
    e.keys.iter().map(|k| (format!("{}::{}", e.classes[k.class as usize].name, k.src.key), &k.src)).collect()
}

fn hosts(e: &Estate) -> Vec<(String, &Host)> {
    e.hosts.iter().map(|h| (h.src.name.clone(), &h.src)).collect()
}

/// Compares two name → content maps.
fn compare_named<T: PartialEq>(a: BTreeMap<String, T>, b: BTreeMap<String, T>) -> Vec<(String, How)> {
    let mut out: Vec<(String, How)> = a
        .iter()
        .filter_map(|(n, x)| match b.get(n) {
            None => Some((n.clone(), How::Removed)),
            Some(y) if x != y => Some((n.clone(), How::Changed)),
            Some(_) => None,
        })
        .collect();
    out.extend(b.keys().filter(|n| !a.contains_key(*n)).map(|n| (n.clone(), How::Added)));
    out
}

/// Each class's environments by name (`None`: every environment).
fn class_envs(e: &Estate) -> BTreeMap<String, Option<BTreeSet<String>>> {
    let env = |i: &Idx| e.environments[*i as usize].clone();
    e.classes.iter().map(|c| (c.name.clone(), c.environments.as_ref().map(|s| s.iter().map(env).collect()))).collect()
}

/// Each config group's classes by name.
fn config_groups(e: &Estate) -> BTreeMap<String, BTreeSet<String>> {
    e.config_groups
        .iter()
        .map(|g| (g.name.clone(), g.classes.iter().map(|&c| e.classes[c as usize].name.clone()).collect()))
        .collect()
}

//! The compiled estate: immutable tables indexed by [`Idx`], built once by
//! [`crate::compile()`] and shared by every resolution. Their fields are the crate's own; other
//! crates ask the [`Estate`] for what they need.

use crate::model::{Domain, Host, Hostgroup, OperatingSystem, Parameter, Settings, SmartParam, Subnet, Taxonomy};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::{Arc, OnceLock};

/// Index into one of the estate's tables.
pub type Idx = u32;

/// An index from a table position (tables hold fewer than 2^32 rows).
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn idx(i: usize) -> Idx {
    i as Idx
}

/// A compiled organization or location.
#[derive(Debug, Clone)]
pub(crate) struct Tax {
    /// As written (parameters cast).
    pub(crate) src: Taxonomy,
    /// Last title segment (Foreman's `name`).
    pub(crate) name: String,
    /// Ancestors and self, root first.
    pub(crate) chain: Vec<Idx>,
}

/// A compiled host group with its inherited attributes resolved.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// As written (parameters cast).
    pub(crate) src: Hostgroup,
    /// Ancestors and self, root first.
    pub(crate) chain: Vec<Idx>,
    /// Inherited environment.
    pub(crate) environment: Option<Idx>,
    /// Inherited root password.
    pub(crate) root_pass: Option<String>,
    /// Inherited Puppet proxy.
    pub(crate) puppet_proxy: Option<String>,
    /// Inherited Puppet CA proxy.
    pub(crate) puppet_ca_proxy: Option<String>,
    /// Own classes.
    pub(crate) classes: Vec<Idx>,
    /// Own config groups.
    pub(crate) config_groups: Vec<Idx>,
}

/// A compiled class.
#[derive(Debug, Clone)]
pub(crate) struct Class {
    /// Name.
    pub(crate) name: String,
    /// Environments having the class; `None` = all.
    pub(crate) environments: Option<HashSet<Idx>>,
    /// Overridden (`override: true`) keys, sorted by key name.
    pub(crate) override_keys: Vec<Idx>,
}

/// A compiled smart class parameter.
#[derive(Debug)]
pub(crate) struct Key {
    /// Owning class.
    pub(crate) class: Idx,
    /// As written, default and override values cast.
    pub(crate) src: SmartParam,
    /// Order lines (effective), each an attribute list.
    pub(crate) lines: Vec<Vec<String>>,
    /// Index of the sanitized match string → override value index in `src.override_values`.
    pub(crate) values: HashMap<String, usize>,
    /// `lines` as indexes into [`Estate::rules`].
    pub(crate) line_ids: Vec<Idx>,
    /// Interned match id ([`Estate::match_ids`]) → override value index.
    pub(crate) value_ids: HashMap<Idx, usize>,
}

/// A compiled config group.
#[derive(Debug)]
pub(crate) struct CGroup {
    /// Name.
    pub(crate) name: String,
    /// Classes.
    pub(crate) classes: Vec<Idx>,
}

/// A compiled host.
#[derive(Debug, Clone)]
pub(crate) struct CHost {
    /// As written (parameters cast).
    pub(crate) src: Host,
    /// Host group.
    pub(crate) hostgroup: Option<Idx>,
    /// Organization.
    pub(crate) organization: Option<Idx>,
    /// Location.
    pub(crate) location: Option<Idx>,
    /// Domain.
    pub(crate) domain: Option<Idx>,
    /// IPv4 subnet.
    pub(crate) subnet: Option<Idx>,
    /// IPv6 subnet.
    pub(crate) subnet6: Option<Idx>,
    /// Operating system.
    pub(crate) os: Option<Idx>,
    /// Effective environment (own or inherited from the host group).
    pub(crate) environment: Option<Idx>,
    /// Own classes.
    pub(crate) classes: Vec<Idx>,
    /// Own config groups.
    pub(crate) config_groups: Vec<Idx>,
}

/// Name → index of the objects hosts refer to by name (kept so that one host can be compiled
/// against a compiled estate: [`Estate::with_host`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct Names {
    pub(crate) environments: HashMap<String, Idx>,
    pub(crate) organizations: HashMap<String, Idx>,
    pub(crate) locations: HashMap<String, Idx>,
    pub(crate) domains: HashMap<String, Idx>,
    pub(crate) subnets: HashMap<String, Idx>,
    pub(crate) operatingsystems: HashMap<String, Idx>,
    pub(crate) classes: HashMap<String, Idx>,
    pub(crate) config_groups: HashMap<String, Idx>,
    /// Host groups by title.
    pub(crate) hostgroups: HashMap<String, Idx>,
}

/// A persistent map (structure shared between versions) with the fast hasher.
pub(crate) type PMap<K, V> = imbl::GenericHashMap<K, V, rustc_hash::FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

/// The compiled, immutable estate. Cheap to share between threads, and cheap to clone: every
/// table is shared (`Arc`), and the hosts live in persistent structures, so that a version
/// with one host changed ([`Estate::with_facts`], [`Estate::with_host`]) shares everything
/// else with the version it came from, and a reader holding the old version keeps a
/// consistent view of it.
#[derive(Debug, Clone)]
pub struct Estate {
    /// Settings.
    pub(crate) settings: Arc<Settings>,
    /// Global parameters.
    pub(crate) globals: Arc<Vec<Parameter>>,
    /// Organizations.
    pub(crate) organizations: Arc<Vec<Tax>>,
    /// Locations.
    pub(crate) locations: Arc<Vec<Tax>>,
    /// Domains.
    pub(crate) domains: Arc<Vec<Domain>>,
    /// Subnets.
    pub(crate) subnets: Arc<Vec<Subnet>>,
    /// Operating systems and their titles.
    pub(crate) operatingsystems: Arc<Vec<(OperatingSystem, String)>>,
    /// Environment names.
    pub(crate) environments: Arc<Vec<String>>,
    /// Classes, sorted by name.
    pub(crate) classes: Arc<Vec<Class>>,
    /// Smart class parameters (each shared, so that a new version replaces one cheaply).
    pub(crate) keys: Arc<Vec<Arc<Key>>>,
    /// Config groups.
    pub(crate) config_groups: Arc<Vec<CGroup>>,
    /// Host groups.
    pub(crate) hostgroups: Arc<Vec<Group>>,
    /// What hosts refer to, by name.
    pub(crate) names: Arc<Names>,
    /// Host names that override values match with `fqdn=` (a host named here cannot be removed
    /// or renamed without the key failing validation).
    pub(crate) fqdn_refs: Arc<HashSet<String>>,
    /// Hosts. A removed host's slot is taken by the last host, so indexes are not stable
    /// across versions: look a host up by name in the version at hand.
    pub(crate) hosts: imbl::Vector<Arc<CHost>>,
    pub(crate) host_by_certname: PMap<String, Idx>,
    pub(crate) host_by_name: PMap<String, Idx>,
    /// Every distinct order line used by a key that has override values (Foreman's
    /// `possible_value_orders`).
    pub(crate) rules: Arc<Vec<Vec<String>>>,
    /// Every sanitized match string of every override value, interned.
    pub(crate) match_ids: Arc<HashMap<String, Idx>>,
    /// Sorted certnames (for deterministic listing), computed when first asked for.
    pub(crate) certnames: OnceLock<Vec<String>>,
    /// Parses YAML and JSON that templates render (smart class parameter values).
    pub(crate) parser: crate::cast::SharedParser,
}

/// What an estate holds, counted (`lamina check`'s summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Hosts.
    pub hosts: usize,
    /// Host groups.
    pub hostgroups: usize,
    /// Puppet classes.
    pub classes: usize,
    /// Smart class parameters.
    pub smart_class_parameters: usize,
    /// Override values.
    pub override_values: usize,
}

impl Estate {
    /// The host with this certname (or, failing that, this FQDN), as Foreman's `/node/:name`
    /// finds it.
    #[must_use]
    pub fn host(&self, certname: &str) -> Option<Idx> {
        self.host_by_certname.get(certname).or_else(|| self.host_by_name.get(certname)).copied()
    }

    /// Every host's certname, sorted.
    #[must_use]
    pub fn certnames(&self) -> &[String] {
        self.certnames.get_or_init(|| {
            let mut v: Vec<String> = self.host_by_certname.keys().cloned().collect();
            v.sort();
            v
        })
    }

    /// How many hosts.
    #[must_use]
    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    /// A host as written (its facts, certname, origin; parameters cast).
    ///
    /// # Panics
    /// When `host` is not an index [`Self::host`] gave for this estate.
    #[must_use]
    pub fn host_source(&self, host: Idx) -> &Host {
        &self.hosts[host as usize].src
    }

    /// A smart class parameter as compiled (matches sanitized, values cast), by class and key.
    #[must_use]
    pub fn key_source(&self, class: &str, key: &str) -> Option<&crate::model::SmartParam> {
        let c = *self.names.classes.get(class)?;
        self.keys.iter().find(|k| k.class == c && k.src.key == key).map(|k| &k.src)
    }

    /// What the estate holds, counted.
    #[must_use]
    pub fn stats(&self) -> Stats {
        Stats {
            hosts: self.hosts.len(),
            hostgroups: self.hostgroups.len(),
            classes: self.classes.len(),
            smart_class_parameters: self.keys.len(),
            override_values: self.keys.iter().map(|k| k.src.override_values.len()).sum(),
        }
    }

    /// Every overridden smart class parameter (`override: true`, the only ones resolution
    /// reads) as its class name, key name and effective order lines.
    pub fn overridden_keys(&self) -> impl Iterator<Item = (&str, &str, &[Vec<String>])> {
        self.keys
            .iter()
            .filter(|k| k.src.override_)
            .map(|k| (self.classes[k.class as usize].name.as_str(), k.src.key.as_str(), k.lines.as_slice()))
    }
}

//! Hiera for a front-end: which configuration, the scope a node's lookups see, and the merge
//! options a user gives.

use crate::estate::Estate;
use lamina_foreman::Idx;
use lamina_foreman::{Error, Map};
use lamina_hiera::{Layers, Strategy, Strict};
use lamina_hiera::{parse_merge, strategy_by_name, with_deep_flags};
use lamina_hiera_files::{FileSource, load_layers};
use lamina_value::{Data, DataMap, Key};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// Puppet's default global `hiera.yaml`.
pub const PUPPET_HIERA_CONFIG: &str = "/etc/puppetlabs/puppet/hiera.yaml";

/// The global `hiera.yaml`: the one given, else the estate's `hiera/hiera.yaml` when it has
/// one, else Puppet's default ([`PUPPET_HIERA_CONFIG`]); made absolute, so that a later change
/// of directory does not move it.
#[must_use]
pub fn global_config(given: Option<&Path>, estate_dir: Option<&Path>) -> PathBuf {
    let global = given.map_or_else(
        || {
            estate_dir
                .map(|d| d.join("hiera/hiera.yaml"))
                .filter(|p| p.is_file())
                .unwrap_or_else(|| PathBuf::from(PUPPET_HIERA_CONFIG))
        },
        Path::to_path_buf,
    );
    std::path::absolute(&global).unwrap_or(global)
}

/// One set of Hiera layers, read once, and the warnings their configurations gave.
#[derive(Debug)]
pub struct HieraLayers {
    /// The layers.
    pub layers: Layers,
    /// Warnings of the configurations.
    pub warnings: Vec<String>,
}

impl HieraLayers {
    /// The layers of a global `hiera.yaml` and, optionally, an environment directory (its
    /// `hiera.yaml` and `modules/`).
    #[must_use]
    pub fn load(global: &Path, environment_dir: Option<&Path>) -> HieraLayers {
        let (layers, warnings) = load_layers(global, environment_dir);
        HieraLayers { layers, warnings }
    }
}

/// The Hiera files of a long-lived process: the layers of each global `hiera.yaml` used so far
/// (read once each) and the data-file caches they share, one per `strict` setting (a file that
/// is not a hash reads differently under `strict=error`).
#[derive(Debug)]
pub struct HieraFiles {
    layers: Mutex<HashMap<PathBuf, Arc<HieraLayers>>>,
    sources: [FileSource; 3],
}

impl Default for HieraFiles {
    /// Nothing read yet (each cache with its own `strict`).
    fn default() -> Self {
        HieraFiles::new()
    }
}

impl HieraFiles {
    /// Nothing read yet.
    #[must_use]
    pub fn new() -> Self {
        HieraFiles {
            layers: Mutex::default(),
            sources: [Strict::Error, Strict::Warning, Strict::Off].map(FileSource::with_strict),
        }
    }

    /// The layers with `global` (absolute, see [`global_config`]) as the global layer.
    pub fn layers(&self, global: &Path) -> Arc<HieraLayers> {
        let mut cache = self.layers.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(global.to_path_buf()).or_insert_with_key(|g| Arc::new(HieraLayers::load(g, None))))
    }

    /// The data files, read and cached, with Puppet 8's `strict=error` (the default).
    #[must_use]
    pub fn source(&self) -> &FileSource {
        self.source_for(Strict::default())
    }

    /// The data files, read and cached, with `strict`.
    #[must_use]
    pub fn source_for(&self, strict: Strict) -> &FileSource {
        match strict {
            Strict::Error => &self.sources[0],
            Strict::Warning => &self.sources[1],
            Strict::Off => &self.sources[2],
        }
    }
}

/// Puppet's `strict` by name (`error`, `warning`, `off`), as every front-end takes it; `None`
/// for another name.
#[must_use]
pub fn parse_strict(name: &str) -> Option<Strict> {
    match name {
        "error" => Some(Strict::Error),
        "warning" => Some(Strict::Warning),
        "off" => Some(Strict::Off),
        _ => None,
    }
}

/// Which `$environment` a node's lookups see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment<'a> {
    /// This one (`puppet lookup --environment`, `production` by default).
    Named(&'a str),
    /// The host's ENC environment, else `production`: what a Puppet master gives the node's
    /// catalog compilation.
    OfEnc,
}

/// The top scope of a node's lookups, as `puppet lookup --node N [--facts F]` builds it: for a
/// host of the estate, its facts (or `facts`, which replace them) and its ENC parameters as
/// top-scope variables (winning over facts of the same name, as Puppet's node merge does), and
/// `trusted.certname` its certname; for any other name only `trusted.certname` (and `facts`);
/// with no node, `facts` alone.
///
/// # Errors
/// When the host cannot be resolved (as its ENC would fail), or its facts cannot be read.
pub fn node_scope(
    estate: Option<&Estate>,
    node: Option<&str>,
    facts: Option<DataMap>,
    environment: Environment<'_>,
) -> Result<DataMap, Error> {
    let host = match (estate, node) {
        (Some(e), Some(n)) => e.host(n).map(|h| (e, h)),
        _ => None,
    };
    let Some((estate, host)) = host else {
        let env = match environment {
            Environment::Named(e) => e,
            Environment::OfEnc => "production",
        };
        let certname = node.map(str::to_string);
        return Ok(lamina_hiera::top_scope(facts.unwrap_or_default(), DataMap::new(), certname, env));
    };
    // Given facts replace the host's: then its file is not read.
    let facts = match facts {
        Some(f) => f,
        None => data_map(estate.facts(host)?),
    };
    host_scope(estate.compiled(), host, facts, environment)
}

/// The top scope of a host of a compiled estate with the facts given (see [`node_scope`]).
///
/// # Errors
/// When the host cannot be resolved.
pub fn host_scope(
    estate: &lamina_foreman::Estate,
    host: Idx,
    facts: DataMap,
    environment: Environment<'_>,
) -> Result<DataMap, Error> {
    let doc = crate::estate::host_enc(estate, host)?;
    let env = match environment {
        Environment::Named(e) => e,
        Environment::OfEnc => doc.environment.as_deref().unwrap_or("production"),
    };
    let certname = estate.host_source(host).certname().to_string();
    Ok(lamina_hiera::top_scope(facts, data_map(doc.parameters), Some(certname), env))
}

/// A map of estate values as Hiera data.
#[must_use]
pub fn data_map(m: Map) -> DataMap {
    m.into_iter().map(|(k, v)| (Key::Str(k), Data::from(v))).collect()
}

/// The merge a user asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// `puppet lookup --merge NAME`: `first`, `unique`, `hash` or `deep`.
    Flag(String),
    /// `lookup()`'s `merge` argument: a strategy name, or a hash with `strategy` and the deep
    /// merge's options.
    Value(Data),
}

/// What a user gives besides the key: the merge, and the deep merge's options as
/// `puppet lookup`'s flags (only with `deep`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MergeOptions {
    /// The merge, overriding `lookup_options`.
    pub merge: Option<Merge>,
    /// `--knock-out-prefix`.
    pub knock_out_prefix: Option<String>,
    /// `--sort-merged-arrays`.
    pub sort_merged_arrays: bool,
    /// `--merge-hash-arrays`.
    pub merge_hash_arrays: bool,
}

/// Why merge options are refused; each front-end words it as its own options are spelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// [`Merge::Flag`] with a name other than `first`, `unique`, `hash` or `deep`.
    UnknownFlag(String),
    /// [`Merge::Value`] that Puppet refuses, with Puppet's message.
    Invalid(String),
    /// The deep merge's options with a merge that is not `deep`.
    DeepOptionsWithoutDeep,
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::UnknownFlag(m) => write!(f, "unknown merge {m:?}: use first, unique, hash or deep"),
            MergeError::Invalid(m) => f.write_str(m),
            MergeError::DeepOptionsWithoutDeep => {
                f.write_str("knock_out_prefix, sort_merged_arrays and merge_hash_arrays need the deep merge")
            }
        }
    }
}

impl std::error::Error for MergeError {}

impl MergeOptions {
    /// Options as `puppet lookup`'s flags give them: `--merge NAME` and the deep merge's flags.
    #[must_use]
    pub fn flags(
        merge: Option<&str>,
        knock_out_prefix: Option<&str>,
        sort_merged_arrays: bool,
        merge_hash_arrays: bool,
    ) -> MergeOptions {
        MergeOptions {
            merge: merge.map(|m| Merge::Flag(m.to_string())),
            knock_out_prefix: knock_out_prefix.map(str::to_string),
            sort_merged_arrays,
            merge_hash_arrays,
        }
    }

    /// The explicit strategy (`None`: the keys' `lookup_options` decide).
    ///
    /// # Errors
    /// See [`MergeError`].
    pub fn strategy(&self) -> Result<Option<Strategy>, MergeError> {
        let merge = match &self.merge {
            None => None,
            Some(Merge::Flag(m)) if ["first", "unique", "hash", "deep"].contains(&m.as_str()) => {
                Some(strategy_by_name(m).map_err(|e| MergeError::Invalid(e.message))?)
            }
            Some(Merge::Flag(m)) => return Err(MergeError::UnknownFlag(m.clone())),
            Some(Merge::Value(v)) => Some(parse_merge(v).map_err(|e| MergeError::Invalid(e.message))?),
        };
        with_deep_flags(merge, self.knock_out_prefix.as_deref(), self.sort_merged_arrays, self.merge_hash_arrays)
            .map_err(|_| MergeError::DeepOptionsWithoutDeep)
    }
}

/// The Puppet version Lamina answers as with `strict=error` (its `server_facts.serverversion`).
pub const PUPPET8_VERSION: &str = "8.10.0";

/// This machine's name and addresses as Facter gives them (`networking.fqdn`, `networking.ip`,
/// `networking.ip6`), read once.
fn machine() -> &'static (Option<String>, Option<String>, Option<String>) {
    static MACHINE: std::sync::OnceLock<(Option<String>, Option<String>, Option<String>)> = std::sync::OnceLock::new();
    MACHINE.get_or_init(|| {
        let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let host = read("/proc/sys/kernel/hostname");
        // A short hostname takes the resolver's domain, as Facter's does (`domain`, else the
        // first `search` entry of resolv.conf).
        let domain = read("/etc/resolv.conf").and_then(|r| {
            let field = |k: &str| {
                r.lines().find_map(|l| l.strip_prefix(k).and_then(|v| v.split_whitespace().next().map(str::to_string)))
            };
            field("domain ").or_else(|| field("search "))
        });
        let fqdn = host.map(|h| match domain {
            Some(d) if !h.contains('.') => format!("{h}.{d}"),
            _ => h,
        });
        // The source address of the default route: connecting a UDP socket sends nothing.
        let source = |bind: &str, to: &str| {
            let s = std::net::UdpSocket::bind(bind).ok()?;
            s.connect(to).ok()?;
            Some(s.local_addr().ok()?.ip().to_string())
        };
        (fqdn, source("0.0.0.0:0", "192.0.2.1:9"), source("[::]:0", "[2001:db8::1]:9"))
    })
}

/// Set `$server_facts` in a lookup scope as `puppet lookup` does: Puppet 8
/// (`strict` [`Strict::Error`]) sets the version, this machine's name and addresses
/// (`Puppet::Node::ServerFacts.load`: `serverversion`, `servername`, `serverip`, `serverip6`,
/// the ones Facter knows) and the lookup's `environment` (`Node#add_server_facts`); Puppet 7's
/// lookup sets none (`{}`, as [`node_scope`] leaves it).
pub fn add_server_facts(scope: &mut DataMap, strict: Strict) {
    if strict != Strict::Error {
        return;
    }
    let (name, ip, ip6) = machine();
    let mut f = DataMap::new();
    f.insert("serverversion".into(), Data::from(PUPPET8_VERSION));
    for (k, v) in [("servername", name), ("serverip", ip), ("serverip6", ip6)] {
        if let Some(v) = v {
            f.insert(k.into(), Data::from(v.as_str()));
        }
    }
    let env = scope.get("environment").cloned().unwrap_or_else(|| Data::from("production"));
    f.insert("environment".into(), env);
    scope.insert("server_facts".into(), Data::Hash(f));
}

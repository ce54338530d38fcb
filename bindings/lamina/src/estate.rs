//! Opening an estate, from files or a store, and what every front-end asks of it.

use crate::facts::Facts;
use lamina_foreman::EncDocument;
use lamina_foreman::Idx;
use lamina_foreman::{Error, ErrorKind, Errors, Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// URL schemes that name a store instead of a path.
const STORE_SCHEMES: [&str; 3] = ["sqlite://", "postgres://", "postgresql://"];

/// Where an estate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Estate files: one YAML file or a directory of them.
    Files(PathBuf),
    /// A store: `sqlite://PATH` or `postgres://USER@HOST:PORT/DATABASE`.
    Store(String),
}

impl Source {
    /// A path, or a store URL when it starts with `sqlite://`, `postgres://` or
    /// `postgresql://`.
    #[must_use]
    pub fn parse(text: &str) -> Source {
        if STORE_SCHEMES.iter().any(|s| text.starts_with(s)) {
            Source::Store(text.to_string())
        } else {
            Source::Files(PathBuf::from(text))
        }
    }

    /// As shown to people: a store URL without its password.
    #[must_use]
    pub fn shown(&self) -> String {
        match self {
            Source::Files(p) => p.display().to_string(),
            Source::Store(url) => lamina_store::shown_url(url),
        }
    }
}

/// How much of the hosts' facts to build when reading estate files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FactsPolicy {
    /// Only the facts that order lines name: all that ENC resolution reads. A host's other
    /// facts (for a Hiera scope) are read again from its file when first asked for
    /// ([`Estate::facts`]). Facts are most of an estate's bytes: this loads in less than half
    /// the time, with a seventh of the memory, on the 10,000-host benchmark estate.
    #[default]
    Matchers,
    /// Every fact of every host.
    All,
}

/// A compiled, immutable estate and where it came from; cheap to share between threads.
#[derive(Debug)]
pub struct Estate {
    compiled: Arc<lamina_foreman::Estate>,
    source: Source,
    /// The estate files' path made absolute at opening (for its `hiera/hiera.yaml`): a later
    /// change of directory does not move it. Messages name files as `source` gives them.
    dir: Option<PathBuf>,
    facts: Facts,
}

impl Estate {
    /// Load, validate and compile the estate at `source`. A store holds every fact; estate
    /// files build the facts `facts` says.
    ///
    /// # Errors
    /// Every load and validation error (file, line and object of each), or the store's failure.
    pub fn open(source: Source, facts: FactsPolicy) -> Result<Estate, Errors> {
        match &source {
            Source::Store(url) => {
                let compiled = lamina_store::load_estate(url)?;
                Ok(Estate { compiled: Arc::new(compiled), source, dir: None, facts: Facts::Kept })
            }
            Source::Files(path) => {
                let (compiled, facts) = match facts {
                    FactsPolicy::All => {
                        let opts = lamina_estate::LoadOptions { all_facts: true, ..Default::default() };
                        (lamina_estate::load_with(path, &opts)?, Facts::Kept)
                    }
                    FactsPolicy::Matchers => {
                        let facts = Facts::before_loading(path);
                        (lamina_estate::load_with(path, &lamina_estate::LoadOptions::default())?, facts)
                    }
                };
                let dir = Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()));
                Ok(Estate { compiled: Arc::new(compiled), source, dir, facts })
            }
        }
    }

    /// Only what host `certname` needs, read from the store at `url` (its few rows, not the
    /// whole estate): the host's ENC is byte-identical to the whole estate's. `Ok(None)` for a
    /// host the store does not have.
    ///
    /// # Errors
    /// The store's failure, or a host whose data does not compile.
    pub fn open_host(url: &str, certname: &str) -> Result<Option<Estate>, Errors> {
        Ok(lamina_store::load_host(url, certname)?.map(|compiled| Estate {
            compiled: Arc::new(compiled),
            source: Source::Store(url.to_string()),
            dir: None,
            facts: Facts::Kept,
        }))
    }

    /// The compiled estate.
    #[must_use]
    pub fn compiled(&self) -> &Arc<lamina_foreman::Estate> {
        &self.compiled
    }

    /// Where it came from.
    #[must_use]
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The estate files' path, absolute (not for a store).
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The host with this certname (or, failing that, this FQDN), as Foreman's `/node/:name`
    /// finds it.
    #[must_use]
    pub fn host(&self, certname: &str) -> Option<Idx> {
        self.compiled.host(certname)
    }

    /// Every host's certname, sorted.
    #[must_use]
    pub fn certnames(&self) -> &[String] {
        self.compiled.certnames()
    }

    /// How many hosts.
    #[must_use]
    pub fn len(&self) -> usize {
        self.compiled.host_count()
    }

    /// True for an estate without hosts.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.compiled.host_count() == 0
    }

    /// A host's ENC document.
    ///
    /// # Errors
    /// When the host's data cannot be resolved (a cast, ERB, a merge).
    pub fn enc(&self, host: Idx) -> Result<EncDocument, Error> {
        host_enc(&self.compiled, host)
    }

    /// Where each of a host's values came from, hidden values masked unless `show_hidden`.
    ///
    /// # Errors
    /// As [`Self::enc`].
    pub fn explain(&self, host: Idx, show_hidden: bool) -> Result<Value, Error> {
        lamina_foreman::resolve(&self.compiled, host, true)?.explain(show_hidden)
    }

    /// Every fact of a host: from the compiled estate when it holds them all, else read again
    /// from the host's estate file (once per file; a file changed since opening is refused
    /// rather than mixed with the compiled estate).
    ///
    /// # Errors
    /// When the host's file cannot be read again, or changed since the estate was opened.
    pub fn facts(&self, host: Idx) -> Result<Map, Error> {
        self.facts.of(&self.compiled, host)
    }
}

/// A host's ENC document from a compiled estate.
///
/// # Errors
/// When the host's data cannot be resolved.
pub fn host_enc(estate: &lamina_foreman::Estate, host: Idx) -> Result<EncDocument, Error> {
    lamina_foreman::resolve(estate, host, false)?.document()
}

/// The error for a certname the estate does not have.
#[must_use]
pub fn unknown_host(certname: &str) -> Error {
    Error::new(ErrorKind::UnknownHost, format!("host {certname}"), "unknown host")
}

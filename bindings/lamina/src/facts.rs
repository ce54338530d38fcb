//! A host's whole facts, for Hiera lookups (see [`crate::FactsPolicy`]).
//!
//! Facts are most of an estate's bytes, and ENC resolution reads only the few that matchers
//! name. So an estate opened from files with [`crate::FactsPolicy::Matchers`] builds only those
//! (as `lamina render` does), and a lookup for an estate host reads that host's file again, once,
//! for all of its facts (`lamina_estate::host_facts`). A file changed since the estate was
//! opened is refused rather than mixed with the compiled estate. Estates read from a store keep
//! every fact: a store reads each host's facts in one column anyway.

use lamina_estate::{estate_files, host_facts};
use lamina_foreman::{Error, ErrorKind, Estate, Map};
use lamina_yaml::Limits;
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Size and modification time of a file: how a change since opening is noticed.
type Stamp = (u64, Option<SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()))
}

/// The facts of the hosts of one file, by the line each host starts on.
type FileFacts = FxHashMap<u32, (String, Map)>;

/// Where a host's whole facts come from.
#[derive(Debug)]
pub(crate) enum Facts {
    /// The compiled estate holds every fact.
    Kept,
    /// Only the matchers' facts were built: the others are read from the host's file.
    Reread(Reread),
}

/// The estate files as they were when opened, and the facts read from them since.
#[derive(Debug)]
pub(crate) struct Reread {
    /// The working directory at opening: host origins name files as the loader was given them.
    base: PathBuf,
    /// Each estate file (named as in host origins) and its stamp before loading.
    stamps: FxHashMap<String, Stamp>,
    /// Files read so far. A file's facts are kept once read: looking up every host of a file
    /// reads it once.
    files: Mutex<FxHashMap<String, Arc<FileFacts>>>,
}

impl Facts {
    /// Before loading the estate at `path` without all facts: the stamp of every file it reads.
    pub(crate) fn before_loading(path: &Path) -> Self {
        let base = std::env::current_dir().unwrap_or_default();
        let stamps = estate_files(path)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| Some((f.display().to_string(), stamp(f)?)))
            .collect();
        Facts::Reread(Reread { base, stamps, files: Mutex::new(FxHashMap::default()) })
    }

    /// Every fact of host `idx`.
    pub(crate) fn of(&self, estate: &Estate, idx: u32) -> Result<Map, Error> {
        let src = estate.host_source(idx);
        let Facts::Reread(r) = self else { return Ok((*src.facts).clone()) };
        let name = &*src.origin.file;
        let file = r.file(name)?;
        match file.get(&src.origin.line) {
            Some((certname, facts)) if certname == src.certname() => Ok(facts.clone()),
            _ => Err(changed(name)),
        }
    }
}

fn changed(name: &str) -> Error {
    Error::new(
        ErrorKind::Io,
        "",
        format!("estate file {name} changed since Estate.open: open the estate again to look up its hosts' facts"),
    )
}

impl Reread {
    fn file(&self, name: &str) -> Result<Arc<FileFacts>, Error> {
        if let Some(f) = self.files.lock().unwrap_or_else(PoisonError::into_inner).get(name) {
            return Ok(Arc::clone(f));
        }
        let path = self.base.join(name);
        let before = self.stamps.get(name).ok_or_else(|| changed(name))?;
        if stamp(&path).as_ref() != Some(before) {
            return Err(changed(name));
        }
        // Read without the lock held: lookups of other files go on meanwhile (two threads may
        // read the same file once each; both get the same facts).
        let hosts = host_facts(&path, &Limits::default()).map_err(|e| {
            let kind = e.kind().unwrap_or(ErrorKind::Io);
            let first = e.0.first().map(ToString::to_string).unwrap_or_default();
            Error::new(kind, "", format!("cannot read the facts of {name}: {first}"))
        })?;
        let facts: Arc<FileFacts> =
            Arc::new(hosts.into_iter().map(|(origin, certname, facts)| (origin.line, (certname, facts))).collect());
        if stamp(&path).as_ref() != Some(before) {
            return Err(changed(name));
        }
        self.files.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_string(), Arc::clone(&facts));
        Ok(facts)
    }
}

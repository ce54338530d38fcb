//! The response cache: each host's rendered ENC document, per format, with the version of the
//! host it was rendered at ([`crate::state::Snapshot::version`]). A hit is served only when its
//! version is the host's current one, so a stale entry can never be served; a change also drops
//! the entries of exactly the hosts it touches (or all of them, for a change that reaches every
//! host), so that stale documents do not occupy the budget. Bounded in bytes (`--cache-bytes`;
//! 0 turns it off).

use axum::body::Bytes;
use moka::sync::Cache as Moka;

/// A document format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Yaml,
    Json,
}

impl Format {
    /// A short tag, part of the `ETag`.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Format::Yaml => "y",
            Format::Json => "j",
        }
    }
}

/// One rendered document.
#[derive(Clone, Debug)]
struct Doc {
    version: i64,
    bytes: Bytes,
}

/// The cache; `None` inside when turned off.
#[derive(Debug)]
pub(crate) struct Cache {
    by_format: Option<[Moka<String, Doc>; 2]>,
}

impl Cache {
    /// A cache of at most `max_bytes` of documents (split between the formats as they are
    /// asked for); 0 turns it off.
    pub(crate) fn new(max_bytes: u64) -> Cache {
        if max_bytes == 0 {
            return Cache { by_format: None };
        }
        let one = || {
            Moka::builder()
                .max_capacity(max_bytes / 2)
                .weigher(|k: &String, d: &Doc| u32::try_from(k.len() + d.bytes.len() + 64).unwrap_or(u32::MAX))
                .build()
        };
        Cache { by_format: Some([one(), one()]) }
    }

    fn of(&self, f: Format) -> Option<&Moka<String, Doc>> {
        self.by_format.as_ref().map(|c| &c[f as usize])
    }

    /// The document of `certname` in `format`, if cached at `version`.
    pub(crate) fn get(&self, certname: &str, format: Format, version: i64) -> Option<Bytes> {
        let d = self.of(format)?.get(certname)?;
        (d.version == version).then_some(d.bytes)
    }

    /// Keep a document rendered at `version`.
    pub(crate) fn put(&self, certname: &str, format: Format, version: i64, bytes: Bytes) {
        if let Some(c) = self.of(format) {
            c.insert(certname.to_string(), Doc { version, bytes });
        }
    }

    /// Drop the documents of one host.
    pub(crate) fn forget(&self, certname: &str) {
        if let Some(cs) = &self.by_format {
            cs.iter().for_each(|c| c.invalidate(certname));
        }
    }

    /// Drop every document.
    pub(crate) fn clear(&self) {
        if let Some(cs) = &self.by_format {
            cs.iter().for_each(Moka::invalidate_all);
        }
    }
}

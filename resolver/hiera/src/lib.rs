//! Hiera 5 lookups with the semantics of Puppet 7.23's `lookup()` (`pops/lookup/*.rb`,
//! `pops/merge_strategy.rb`, the deep_merge gem 1.1.1) — the pure algorithm, no I/O.
//!
//! Values are [`Data`]: Ruby's objects as Psych or the json gem loads them, with typed hash
//! keys, Symbols and Integers of any size, which Puppet's lookup treats apart from strings.
//! The caller (`lamina-hiera-files`) parses `hiera.yaml` files into [`Config`]s, gathers
//! them into [`Layers`] (global, environment, modules) and implements [`DataSource`] (reading
//! and caching data files, globbing). [`Hiera`] then answers [`Query`]s for one scope
//! ([`top_scope`]):
//!
//! - keys are split into a root and dotted segments (`sub_lookup.rb`); data is found and merged
//!   by root key, then dug (a digit segment digs an Integer key);
//! - the merge strategy is the explicit one ([`Strategy`], [`parse_merge`]), else the key's
//!   `lookup_options` entry (exact key, then the first `^pattern` in merged order), applied as a
//!   left fold at every nesting: layers (always three variants), hierarchy levels, locations;
//!   found values stay references into the data until a merge builds its result, once, from all
//!   of them (same results and errors as the pairwise fold);
//! - every value read from a location is interpolated first: `%{var}`, `%{facts.a.b}`,
//!   `scope`, `lookup`/`hiera`, `alias`, `literal` (Ruby's `to_s` of the values: [`to_s`]);
//! - `--type` and `convert_to` follow Puppet's type system as far as a lookup needs it
//!   ([`PType`]), with the `TypeMismatchDescriber`'s words;
//! - errors carry Puppet's wording; errors raised while the global layer is searched are
//!   prefixed `Lookup of key 'k' failed: ` as `lookup_adapter.rb:147` does;
//! - a [`Hiera`] session answers every lookup as a fresh one would (as Puppet does, which keeps
//!   nothing between two `lookup()` calls), keeping only what cannot change within it: nested
//!   lookups are memoised with the names their recursion checks pushed and the depth they
//!   needed (a memo is not used where the stack would make the lookup fail), and entries whose
//!   interpolation read only the scope are kept interpolated;
//! - strings are capped at [`MAX_STRING`] bytes and nesting at [`MAX_NESTING`], so a doubling
//!   chain fails fast instead of exploding.
//!
//! ```
//! use lamina_hiera::{Config, DataSource, Hiera, HieraError, Layers, Level, Locations, Query};
//! use lamina_value::{Data, DataMap};
//! use std::sync::Arc;
//!
//! struct Mem(DataMap);
//! impl DataSource for Mem {
//!     fn data(&self, _f: &str, path: &str, _w: &mut dyn FnMut(String)) -> Result<Option<Arc<DataMap>>, HieraError> {
//!         Ok(match self.0.get(path) { Some(Data::Hash(h)) => Some(Arc::new(h.clone())), _ => None })
//!     }
//!     fn glob(&self, _pattern: &str) -> Vec<String> { Vec::new() }
//! }
//! let mut files = DataMap::new();
//! let mut common = DataMap::new();
//! common.insert("greeting".into(), Data::from("hello %{facts.name}"));
//! files.insert("/h/data/common.yaml".into(), Data::Hash(common));
//! let level = Level {
//!     name: "common".into(),
//!     function: "yaml_data".into(),
//!     datadir: "/h/data".into(),
//!     locations: Locations::Paths(vec!["common.yaml".into()]),
//! };
//! let cfg = Config { file: "/h/hiera.yaml".into(), hierarchy: vec![level], default_hierarchy: vec![] };
//! let layers = Layers { global: Some(Ok(cfg)), ..Layers::default() };
//! let mut scope = DataMap::new();
//! let mut facts = DataMap::new();
//! facts.insert("name".into(), Data::from("web01"));
//! scope.insert("facts".into(), Data::Hash(facts));
//! let src = Mem(files);
//! let hiera = Hiera::new(&layers, &src, &scope);
//! let v = hiera.query(&Query::new(vec!["greeting".into()])).unwrap();
//! assert_eq!(v, Some(Data::from("hello web01")));
//! ```

mod describe;
mod engine;
mod fold;
mod infer;
mod int;
mod interp;
mod key;
mod loc;
mod merge;
mod options;
mod options_cache;
mod rsort;
mod scope;
mod type_parser;
mod types;

pub use engine::{Hiera, Origin, Strict};
pub use interp::{ruby_inspect, to_s};
pub use merge::{DeepOptions, Strategy, puppet_type_name};
pub use options::{DeepFlagsWithoutDeep, parse_merge, strategy_by_name, with_deep_flags};
pub use scope::top_scope;
pub use types::{PType, Re};

use indexmap::IndexMap;
pub use lamina_value::{Data, DataMap, Key};
use std::fmt;
use std::sync::Arc;

/// Longest string an interpolation may produce (a doubling chain hits it after ~20 steps).
pub const MAX_STRING: usize = 1 << 20;
/// Deepest nesting of lookups through interpolation.
pub const MAX_NESTING: usize = 64;
/// Most nodes in a value returned by `alias` (aliases copy whole containers).
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// What kind of lookup failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HieraErrorKind {
    /// Puppet's `LookupError`: a merge, a type, a recursion, an interpolated value, an option.
    /// Prefixed `Lookup of key 'k' failed: ` when it crosses the global layer.
    Lookup,
    /// An error Puppet reports with an issue code (a `hiera.yaml` or an interpolation's syntax):
    /// never prefixed.
    Issue,
    /// A data file that cannot be read or parsed (Puppet's `Unable to parse ...`).
    Data,
}

/// A lookup error with Puppet's message, and the file it is about when there is one.
#[derive(Debug, Clone)]
pub struct HieraError {
    /// What kind.
    pub kind: HieraErrorKind,
    /// The message, in Puppet's words.
    pub message: String,
    /// The `hiera.yaml` or data file concerned (also named in the message, as Puppet names it).
    pub file: Option<String>,
    /// What caused it (a YAML reader's error).
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl PartialEq for HieraError {
    /// Equal kinds, messages and files (causes are not compared).
    fn eq(&self, other: &HieraError) -> bool {
        self.kind == other.kind && self.message == other.message && self.file == other.file
    }
}

impl Eq for HieraError {}

impl HieraError {
    /// A plain LookupError (prefixed when it crosses the global layer).
    #[must_use]
    pub fn plain(message: impl Into<String>) -> Self {
        HieraError { kind: HieraErrorKind::Lookup, message: message.into(), file: None, source: None }
    }

    /// An issue-coded error (never prefixed).
    #[must_use]
    pub fn coded(message: impl Into<String>) -> Self {
        HieraError { kind: HieraErrorKind::Issue, ..HieraError::plain(message) }
    }

    /// A data file that cannot be read or parsed.
    #[must_use]
    pub fn data(file: &str, message: impl Into<String>) -> Self {
        HieraError { kind: HieraErrorKind::Data, file: Some(file.to_string()), ..HieraError::plain(message) }
    }

    /// The same error, about `file`.
    #[must_use]
    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    /// The same error, caused by `source`.
    #[must_use]
    pub fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
}

impl fmt::Display for HieraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HieraError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Where one hierarchy level reads its data (`location_resolver.rb`), as declared: templates
/// are interpolated against the scope at lookup time.
#[derive(Debug, Clone, PartialEq)]
pub enum Locations {
    /// No location key: an error for the file-based data functions.
    None,
    /// `path` / `paths`: each a location, kept even when the file is missing (then skipped).
    Paths(Vec<String>),
    /// `glob` / `globs`: the sorted matches are the locations.
    Globs(Vec<String>),
    /// `mapped_paths: [VAR, NAME, TEMPLATE]`.
    Mapped {
        /// Scope expression with dotted navigation (`facts.apps`).
        var: String,
        /// The local variable each element is bound to.
        name: String,
        /// Path template.
        template: String,
    },
}

/// One `hierarchy` entry of a hiera.yaml, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// `name`.
    pub name: String,
    /// The data_hash function (`yaml_data`, `json_data`, ...), passed to [`DataSource::data`].
    pub function: String,
    /// Absolute datadir (config directory + datadir), not yet interpolated.
    pub datadir: String,
    /// The locations.
    pub locations: Locations,
}

/// A parsed hiera.yaml (version 5).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// The file (for messages).
    pub file: String,
    /// `hierarchy`.
    pub hierarchy: Vec<Level>,
    /// `default_hierarchy` (module layer only).
    pub default_hierarchy: Vec<Level>,
}

/// The three layers of a lookup (`lookup_adapter.rb` `PROVIDER_STACK`). A layer that failed
/// to load holds its error, raised when a lookup reaches it.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// The global layer (`--hiera_config`).
    pub global: Option<Result<Config, HieraError>>,
    /// The environment layer (`<env>/hiera.yaml`).
    pub environment: Option<Result<Config, HieraError>>,
    /// Modules of the environment by name; `None` for a module without a hiera.yaml.
    pub modules: IndexMap<String, Option<Result<Config, HieraError>>>,
}

/// Reads data files for the engine.
pub trait DataSource {
    /// The hash `function` returns for the absolute `path`; `Ok(None)` when the file does not
    /// exist (the location is skipped). Warnings (a YAML file that is not a hash) go to `warn`.
    ///
    /// # Errors
    /// Puppet's message for an unreadable or invalid file (`Unable to parse (...)...`).
    fn data(
        &self,
        function: &str,
        path: &str,
        warn: &mut dyn FnMut(String),
    ) -> Result<Option<Arc<DataMap>>, HieraError>;

    /// The files (not directories) matching an absolute glob pattern, sorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// One `lookup()` call.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Names tried in order; the first found wins.
    pub names: Vec<String>,
    /// Explicit merge (overrides `lookup_options`).
    pub merge: Option<Strategy>,
    /// Default value (not merged; type-checked).
    pub default: Option<Data>,
    /// Expected type of the value.
    pub value_type: Option<PType>,
}

impl Query {
    /// A plain lookup of `names`.
    #[must_use]
    pub fn new(names: Vec<String>) -> Self {
        Query { names, ..Query::default() }
    }
}

/// Puppet's not-found message for a query's names (`functions/lookup.rb`).
#[must_use]
pub fn not_found_message(names: &[String]) -> String {
    if names.len() == 1 {
        format!("Function lookup() did not find a value for the name '{}'", names[0])
    } else {
        let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        format!("Function lookup() did not find a value for any of the names [{}]", quoted.join(", "))
    }
}

/// Joins `rel` to `dir` as Ruby's `Pathname#+` does: an absolute `rel` wins, `.` and `..`
/// segments are resolved lexically.
#[must_use]
pub fn join_path(dir: &str, rel: &str) -> String {
    let base = if rel.starts_with('/') { String::new() } else { dir.to_string() };
    let mut parts: Vec<&str> = Vec::new();
    let absolute = rel.starts_with('/') || dir.starts_with('/');
    for seg in base.split('/').chain(rel.split('/')) {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute { format!("/{joined}") } else { joined }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_path_like_pathname_plus() {
        assert_eq!(join_path("/a/b", "c.yaml"), "/a/b/c.yaml");
        assert_eq!(join_path("/a/b", "/abs/c.yaml"), "/abs/c.yaml");
        assert_eq!(join_path("/a/cfg/data", "../../data/common.yaml"), "/a/data/common.yaml");
        assert_eq!(join_path("/a/b", "./x/./y"), "/a/b/x/y");
    }

    #[test]
    fn not_found_messages() {
        assert_eq!(not_found_message(&["k".into()]), "Function lookup() did not find a value for the name 'k'");
        assert_eq!(
            not_found_message(&["a".into(), "b".into()]),
            "Function lookup() did not find a value for any of the names ['a', 'b']"
        );
    }
}

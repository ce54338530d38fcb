//! Foreman's classification of a Puppet estate, pure: what Foreman 3.x with foreman_puppet
//! computes for a host's ENC, with the same rules, compiled once and answered in microseconds.
//!
//! This crate does no I/O and knows no file format. It takes an estate as data
//! ([`model::EstateSource`]: Foreman's objects with Foreman's field names, each remembering the
//! file and line it came from), validates it as Foreman validates the same objects when it saves
//! them and compiles it once ([`compile()`]) into an immutable, indexed [`Estate`], and resolves
//! hosts from it:
//!
//! - [`resolve()`] — one host's custom parameters (global < organization < location <
//!   domain < subnet < subnet6 < OS < host group < host), its classes (own, config groups, host
//!   group chain, filtered to its environment) and its smart class parameters (override matchers
//!   in order-line priority, inherited host group/organization/location matchers, merges, omit),
//!   keeping the provenance of every value;
//! - [`Resolution::document`] — the ENC document Puppet's exec node terminus reads
//!   ([`EncDocument`]: `parameters`, `classes`, `environment`), with Foreman's built-in
//!   parameters;
//! - [`Resolution::explain`] — where every value came from, hidden values masked.
//!
//! Every failure is an [`Error`] with a kind, the object and the file and line it was defined
//! at; a compile reports all of them at once ([`Errors`]).
//!
//! The rules follow Foreman 3.x with foreman_puppet; comments cite the Foreman file behind each
//! subtle one. Text embedded in values (`array`/`hash`/`yaml`/`json` parameters written as
//! strings) is parsed by a [`TextParser`] the caller supplies, so that this crate needs no YAML
//! library; `lamina-estate` supplies one with Psych's YAML 1.1 rules, and loads estates from
//! files.
//!
//! ```
//! use lamina_foreman::model::{EstateSource, Host, Origin, Parameter};
//! use lamina_foreman::{Error, ErrorKind, TextParser, Value, compile, resolve};
//!
//! struct NoText;
//! impl TextParser for NoText {
//!     fn yaml(&self, _: &str) -> Result<Value, Error> { Err(Error::new(ErrorKind::Syntax, "", "unused")) }
//!     fn json(&self, _: &str) -> Result<Value, Error> { Err(Error::new(ErrorKind::Syntax, "", "unused")) }
//!     fn shared(&self) -> std::sync::Arc<dyn TextParser + Send + Sync> { std::sync::Arc::new(NoText) }
//! }
//!
//! let origin = Origin::default();
//! let mut src = EstateSource::default();
//! src.parameters.push(Parameter {
//!     name: "ntp_server".into(),
//!     value: Value::from("pool.ntp.org"),
//!     parameter_type: None,
//!     hidden_value: false,
//!     origin: origin.clone(),
//! });
//! src.hosts.push(Host { name: "web01.example.com".into(), origin, ..Host::default() });
//!
//! let estate = compile(src, &NoText).expect("valid estate");
//! let host = estate.host("web01.example.com").expect("known host");
//! let doc = resolve(&estate, host, false)?.document()?;
//! assert_eq!(doc.parameters.get("ntp_server"), Some(&Value::from("pool.ntp.org")));
//! assert_eq!(doc.classes, None, "no environment: Foreman sends `classes: []`");
//! # Ok::<(), lamina_foreman::Error>(())
//! ```
mod by_line;
mod cast;
mod changes;
mod compile;
mod enc;
mod error;
mod estate;
mod explain;
mod keys;
pub mod model;
mod patch;
mod patch_key;
mod reach;
mod render;
mod resolve;
mod suggest;
use lamina_value as value;

pub use by_line::{LineValue, SmartKey};
pub use cast::TextParser;
pub use changes::{How, ObjectChange, ObjectKind};
pub use compile::{CompileOptions, compile, compile_with};
pub use enc::{EncDocument, NIC_EXPORT, SUBNET_EXPORT};
pub use error::{Cause, Error, ErrorKind, Errors};
pub use estate::{Estate, Idx, Stats};
pub use explain::MASK;
pub use keys::{sanitize_match, split_line};
pub use patch::Owner;
pub use reach::Reach;
pub use resolve::{HOST_ATTRIBUTES, Resolution, candidate_matches, deep_merge, fact, nil_cast_quirk, resolve};
pub use suggest::{closest, did_you_mean};
pub use value::{Map, Value};

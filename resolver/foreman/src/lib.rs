//! Lamina's pure resolution core: Foreman-style classification of a Puppet estate.
//!
//! This crate does no I/O and knows no file format. It takes an estate as data
//! ([`model::EstateSource`]: Foreman's objects with Foreman's field names, each remembering the
//! file and line it came from), validates and compiles it once ([`compile()`]) into an immutable,
//! indexed [`Estate`], and resolves hosts from it:
//!
//! - [`resolve::resolve`] — one host's custom parameters (global < organization < location <
//!   domain < subnet < subnet6 < OS < host group < host), its classes (own, config groups, host
//!   group chain, filtered to its environment) and its smart class parameters (override matchers
//!   in order-line priority, inherited host group/organization/location matchers, merges, omit),
//!   keeping the provenance of every value;
//! - [`enc::document`] — the ENC document Puppet's exec node terminus reads (`parameters`,
//!   `classes`, `environment`), with Foreman's built-in parameters;
//! - [`explain::explain`] — where every value came from, hidden values masked.
//!
//! The rules follow Foreman 3.x with foreman_puppet; comments cite the Foreman file behind each
//! subtle one. Text embedded in values (`array`/`hash`/`yaml`/`json` parameters written as
//! strings) is parsed by a [`cast::TextParser`] the caller supplies, so that this crate needs no
//! YAML library; `lamina-hierarchy` supplies one with Psych's YAML 1.1 rules, and loads estates
//! from files.
//!
//! ```
//! use lamina_foreman::model::{EstateSource, Host, Origin, Parameter};
//! use lamina_foreman::cast::TextParser;
//! use lamina_foreman::{Error, ErrorKind, Value, compile, enc, resolve};
//!
//! struct NoText;
//! impl TextParser for NoText {
//!     fn yaml(&self, _: &str) -> Result<Value, Error> { Err(Error::new(ErrorKind::Syntax, "", "unused")) }
//!     fn json(&self, _: &str) -> Result<Value, Error> { Err(Error::new(ErrorKind::Syntax, "", "unused")) }
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
//! let doc = enc::document(&resolve::resolve(&estate, host, false)?)?;
//! assert_eq!(doc.parameters.get("ntp_server"), Some(&Value::from("pool.ntp.org")));
//! assert_eq!(doc.classes, None, "no environment: Foreman sends `classes: []`");
//! # Ok::<(), lamina_foreman::Error>(())
//! ```
pub mod cast;
pub mod compile;
pub mod enc;
pub mod error;
pub mod explain;
mod keys;
pub mod model;
pub mod resolve;
pub use lamina_value as value;

pub use compile::{Estate, compile};
pub use error::{Error, ErrorKind, Errors};
pub use value::{Map, Value};

//! Where Lamina's layers come from: reading YAML the way Puppet does, loading estates, writing
//! ENC documents Puppet reads back with the same types, and generating large estates.
//!
//! - [`yaml`] — a YAML 1.1 reader with Psych's scalar rules (`yes`/`on` are true, `0755` is 493,
//!   an unquoted date is refused as Puppet refuses it) and hard budgets on size, depth, nodes and
//!   alias expansion, built on libyaml's events (the parser Psych uses, so syntax errors read as
//!   Puppet's);
//! - [`estate`] — estate files (one file or a directory) into a compiled
//!   [`lamina_resolver::Estate`], every error of every file reported together with its file and
//!   line;
//! - [`emit`] — the YAML 1.1-safe emitter (every string Psych would read as something else is
//!   quoted) and JSON;
//! - [`generate`] — the deterministic generator of realistic large estates.
//!
//! ```
//! use lamina_hierarchy::{emit, estate};
//! use lamina_resolver::{enc, resolve};
//!
//! let e = estate::load_str(
//!     "environments: [production]\n\
//!      puppetclasses:\n  motd: {parameters: {banner: {override: true, default_value: 'no'}}}\n\
//!      hosts:\n  - {name: web01.example.com, environment: production, puppetclasses: [motd]}\n",
//!     "estate.yaml",
//! )
//! .expect("valid estate");
//! let doc = enc::document(&resolve::resolve(&e, e.host("web01.example.com").unwrap(), false)?)?;
//! let yaml = emit::to_yaml(&doc);
//! assert!(yaml.contains("banner: 'no'") || yaml.contains("banner: \"no\""), "{yaml}");
//! # Ok::<(), lamina_resolver::Error>(())
//! ```
pub mod edit;
pub mod emit;
pub mod estate;
pub mod generate;
pub mod hiera;
pub mod store;
pub mod yaml;

//! Lamina as a library: the jobs every front-end (the `lamina` command, `lamina serve`, the
//! Python binding, the benches) shares, in one place.
//!
//! - [`Estate`]: open an estate from files or a store ([`Source`]), validated and compiled,
//!   with a [`FactsPolicy`] for how much of the hosts' facts to build; a host's ENC as a typed
//!   [`EncDocument`], its explanation, all its facts; [`Estate::open_host`] reads only one
//!   host's rows from a store.
//! - Hiera: [`global_config`] (which `hiera.yaml`), [`HieraLayers`] and [`HieraFiles`]
//!   (configurations and data files, read once), [`node_scope`] (the top scope of a node's
//!   lookups, as `puppet lookup --node` builds it) and [`MergeOptions`] (the merge a user asks
//!   for, checked as Puppet checks it).
//!
//! The engines underneath are pure and can be used alone: `lamina-foreman` (classification),
//! `lamina-hiera` (lookups); the readers are `lamina-yaml`, `lamina-estate`,
//! `lamina-hiera-files` and `lamina-store`.
//!
//! ```
//! use lamina::{Environment, Estate, FactsPolicy, HieraLayers, Source, node_scope};
//! use lamina_hiera::{Hiera, Query};
//! use lamina_value::Data;
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/demo");
//! let estate = Estate::open(Source::Files(dir.clone()), FactsPolicy::Matchers)?;
//! let host = estate.host("web01.demo.example.com").expect("a demo host");
//!
//! // The ENC document, typed.
//! let doc = estate.enc(host)?;
//! assert_eq!(doc.environment.as_deref(), Some("production"));
//! assert!(doc.classes.as_ref().is_some_and(|c| c.contains_key("ntp")));
//! // As Puppet reads it.
//! let yaml = lamina_yaml::to_yaml(&doc.into_value());
//! assert!(yaml.starts_with("---\nparameters:\n"));
//!
//! // A lookup with the node's scope: its facts and ENC parameters are top-scope variables.
//! let hiera = tempfile::tempdir()?;
//! std::fs::write(hiera.path().join("hiera.yaml"), "version: 5\nhierarchy:\n  - {name: node, path: 'nodes/%{facts.hostname}.yaml'}\n")?;
//! std::fs::create_dir_all(hiera.path().join("data/nodes"))?;
//! std::fs::write(hiera.path().join("data/nodes/web01.yaml"), "motd: 'web01 in %{environment}'\n")?;
//! let scope = node_scope(Some(&estate), Some("web01.demo.example.com"), None, Environment::OfEnc)?;
//! let layers = HieraLayers::load(&hiera.path().join("hiera.yaml"), None);
//! let source = lamina_hiera_files::FileSource::new();
//! let answer = Hiera::new(&layers.layers, &source, &scope).query(&Query::new(vec!["motd".into()]))?;
//! assert_eq!(answer, Some(Data::from("web01 in production")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod estate;
mod facts;
mod hiera;

pub use estate::{Estate, FactsPolicy, Source, host_enc, unknown_host};
pub use hiera::{
    Environment, HieraFiles, HieraLayers, Merge, MergeError, MergeOptions, PUPPET_HIERA_CONFIG, PUPPET8_VERSION,
    add_server_facts, data_map, global_config, host_scope, node_scope, parse_strict,
};
pub use lamina_foreman::EncDocument;
pub use lamina_foreman::{Error, ErrorKind, Errors};
pub use lamina_hiera::Strict;
pub use lamina_store::shown_url;

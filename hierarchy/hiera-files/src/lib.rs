//! Hiera 5's files for the lookup engine (`lamina-hiera`, which does no I/O): `hiera.yaml`
//! parsed and validated with Puppet's messages (`pops/lookup/hiera_config.rb`), the three layers
//! of a lookup (global, environment, modules: `lookup_adapter.rb`) in [`load_layers`], and a
//! [`FileSource`] that reads `yaml_data` (Psych's YAML 1.1, through `lamina-yaml`), `json_data`
//! (Ruby's json gem 2.6.1, [`parse_json`]) and a `hocon_data` subset, each file once per
//! process.
//!
//! ```
//! use lamina_hiera::{Hiera, Query};
//! use lamina_hiera_files::{FileSource, load_layers};
//! use lamina_value::{Data, DataMap};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("hiera.yaml"),
//!     "version: 5\nhierarchy:\n  - name: common\n    path: common.yaml\n",
//! )?;
//! std::fs::create_dir(dir.path().join("data"))?;
//! std::fs::write(dir.path().join("data/common.yaml"), "ntp::servers: [a, b]\nport: 0x1F\n")?;
//!
//! let (layers, warnings) = load_layers(&dir.path().join("hiera.yaml"), None);
//! assert!(warnings.is_empty());
//! let source = FileSource::new();
//! let scope = DataMap::new();
//! let hiera = Hiera::new(&layers, &source, &scope);
//! let found = hiera.query(&Query::new(vec!["port".into()]))?;
//! assert_eq!(found, Some(Data::Int(31)), "YAML 1.1: 0x1F is an Integer");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod hocon;
mod json;
mod source;

pub use config::{LayerKind, LoadedConfig, load_config};
pub use json::{parse as parse_json, parse_bytes as parse_json_bytes};
pub use source::{FileSource, glob};

use lamina_hiera::Layers;
use std::path::Path;

/// The layers of a lookup: the global `hiera.yaml` (missing: Puppet's default config relative
/// to its directory), `<env_dir>/hiera.yaml` and every `<env_dir>/modules/<m>` (its hiera.yaml,
/// if any). Returns the layers and the warnings their configurations produced.
#[must_use]
pub fn load_layers(global: &Path, env_dir: Option<&Path>) -> (Layers, Vec<String>) {
    let mut warnings = Vec::new();
    let mut layers = Layers::default();
    let mut take = |l: LoadedConfig| {
        warnings.extend(l.warnings);
        l.config
    };
    layers.global = take(load_config(global, LayerKind::Global));
    if let Some(env) = env_dir {
        layers.environment = take(load_config(&env.join("hiera.yaml"), LayerKind::Environment));
        let mut mods: Vec<_> = std::fs::read_dir(env.join("modules"))
            .map(|rd| rd.filter_map(Result::ok).filter(|e| e.path().is_dir()).collect())
            .unwrap_or_default();
        mods.sort_by_key(std::fs::DirEntry::file_name);
        for m in mods {
            let name = m.file_name().to_string_lossy().into_owned();
            let cfg = take(load_config(&m.path().join("hiera.yaml"), LayerKind::Module));
            layers.modules.insert(name, cfg);
        }
    }
    (layers, warnings)
}

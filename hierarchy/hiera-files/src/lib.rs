//! Hiera 5 from files: `hiera.yaml` parsing and validation with Puppet's messages
//! (`pops/lookup/hiera_config.rb`), the three layers of an environment
//! (`lookup_adapter.rb`), and a [`FileSource`] reading `yaml_data`/`json_data` files with a
//! per-process cache. The lookup algorithm itself is `lamina_foreman::hiera`.

mod config;
mod hocon;
pub mod json;
mod source;

pub use config::{LayerKind, LoadedConfig, load_config};
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

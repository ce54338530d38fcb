//! `Estate.lookup`: Hiera 5 lookups through `lamina_foreman::hiera` with the files read by
//! `lamina_hiera_files`, the scope and the options as `lamina lookup` builds them
//! (`bindings/cli/src/cmd/lookup.rs`: `estate_scope` and `strategy`, mirrored here until they
//! move into the library; `lamina_foreman::enc::lookup_scope` would serve but takes the
//! environment from the ENC, where `puppet lookup` takes `--environment`).

use crate::facts::Facts;
use lamina_foreman::{Estate, Map, Value, enc, resolve};
use lamina_hiera::options::{parse_merge, with_deep_flags};
use lamina_hiera::{Hiera, Layers, Query, Strategy};
use lamina_hiera_files::{FileSource, load_layers};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// One set of Hiera layers: a global `hiera.yaml`, read once, and its warnings.
#[derive(Debug)]
pub(crate) struct HieraLayers {
    layers: Layers,
    warnings: Vec<String>,
}

impl HieraLayers {
    /// Warnings of the configurations.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// The Hiera side of an estate: the layers of each global `hiera.yaml` used so far (read once
/// each) and one data-file cache they share.
#[derive(Debug)]
pub(crate) struct HieraFiles {
    /// The estate's path (not for a store): its `hiera/hiera.yaml` is the default global layer.
    estate_path: Option<PathBuf>,
    /// By absolute path of the global `hiera.yaml`.
    layers: Mutex<FxHashMap<PathBuf, Arc<HieraLayers>>>,
    source: FileSource,
}

impl HieraFiles {
    pub(crate) fn new(estate_path: Option<PathBuf>) -> Self {
        HieraFiles { estate_path, layers: Mutex::new(FxHashMap::default()), source: FileSource::new() }
    }

    /// The layers with `hiera_config` as the global layer; by default the estate's
    /// `hiera/hiera.yaml`, else Puppet's default path, as `lamina lookup --estate` does.
    pub(crate) fn layers(&self, hiera_config: Option<&Path>) -> Arc<HieraLayers> {
        let global = hiera_config.map_or_else(
            || {
                self.estate_path
                    .as_ref()
                    .map(|d| d.join("hiera/hiera.yaml"))
                    .filter(|p| p.is_file())
                    .unwrap_or_else(|| PathBuf::from("/etc/puppetlabs/puppet/hiera.yaml"))
            },
            Path::to_path_buf,
        );
        let global = std::path::absolute(&global).unwrap_or(global);
        let mut cache = self.layers.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(global).or_insert_with_key(|g| {
            let (layers, warnings) = load_layers(g, None);
            Arc::new(HieraLayers { layers, warnings })
        }))
    }
}

/// Why a lookup gave no value.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Not found: Puppet's message.
    NotFound(String),
    /// A lookup error (Puppet's wording) or a bad argument.
    Error(String),
}

/// What `puppet lookup` takes besides the key and the node (flags spelled as Puppet's).
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Replace the host's facts.
    pub(crate) facts: Option<Map>,
    /// `--merge`: a strategy name or a hash (`strategy` and deep options).
    pub(crate) merge: Option<Value>,
    /// `--knock-out-prefix`, `--sort-merged-arrays`, `--merge-hash-arrays`: only with `deep`.
    pub(crate) knock_out_prefix: Option<String>,
    pub(crate) sort_merged_arrays: bool,
    pub(crate) merge_hash_arrays: bool,
    /// `--environment` (`$environment` in the scope).
    pub(crate) environment: String,
    /// `--hiera_config`: the global layer.
    pub(crate) hiera_config: Option<PathBuf>,
}

impl Options {
    /// The explicit merge strategy: `merge`, with the deep-merge flags applied over it, as
    /// `puppet lookup` accepts them (only with the `deep` strategy).
    fn strategy(&self) -> Result<Option<Strategy>, Failure> {
        let merge = self.merge.as_ref().map(parse_merge).transpose().map_err(|e| Failure::Error(e.message))?;
        with_deep_flags(merge, self.knock_out_prefix.as_deref(), self.sort_merged_arrays, self.merge_hash_arrays).map_err(
            |_| {
                Failure::Error(
                    "The options knock_out_prefix, sort_merged_arrays, and merge_hash_arrays are only available with merge 'deep'"
                        .into(),
                )
            },
        )
    }
}

/// Look `key` up for `node` (an estate host: its facts and ENC parameters; else only its
/// certname) with `opts`.
pub(crate) fn lookup(
    estate: &Estate,
    facts: &Facts,
    files: &HieraFiles,
    key: &str,
    node: Option<&str>,
    opts: Options,
) -> Result<Value, Failure> {
    let merge = opts.strategy()?;
    let (mut host_facts, params, certname) = match node.map(|n| (n, estate.host(n))) {
        None => (Map::new(), Map::new(), None),
        Some((n, None)) => (Map::new(), Map::new(), Some(n.to_string())),
        Some((_, Some(idx))) => {
            let doc = resolve::resolve(estate, idx, false)
                .and_then(|r| enc::document(&r))
                .map_err(|e| Failure::Error(e.to_string()))?;
            let params = match doc {
                Value::Hash(mut d) => match d.swap_remove("parameters") {
                    Some(Value::Hash(p)) => p,
                    _ => Map::new(),
                },
                _ => Map::new(),
            };
            // Given facts replace the host's: then its file is not read.
            let host_facts = match opts.facts {
                Some(_) => Map::new(),
                None => facts.of(estate, idx).map_err(Failure::Error)?,
            };
            (host_facts, params, Some(estate.hosts[idx as usize].src.certname().to_string()))
        }
    };
    if let Some(f) = opts.facts {
        host_facts = f;
    }
    let scope = lamina_hiera::top_scope(host_facts, params, certname, &opts.environment);
    let layers = files.layers(opts.hiera_config.as_deref());
    let engine = Hiera::new(&layers.layers, &files.source, &scope);
    let query = Query { names: vec![key.to_string()], merge, default: None, value_type: None };
    // Marks kept: the caller converts bignums to Python ints (`convert::to_py_rich`).
    match engine.query_rich(&query) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Failure::NotFound(lamina_hiera::not_found_message(&[key.to_string()]))),
        Err(e) => Err(Failure::Error(e.message)),
    }
}

/// A Python value (facts, a merge option) as an engine value.
pub(crate) fn from_py(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        Ok(Value::Null)
    } else if v.is_instance_of::<PyBool>() {
        Ok(Value::Bool(v.extract()?))
    } else if v.is_instance_of::<PyInt>() {
        Ok(Value::Int(v.extract()?))
    } else if v.is_instance_of::<PyFloat>() {
        Ok(Value::Float(v.extract()?))
    } else if v.is_instance_of::<PyString>() {
        Ok(Value::String(v.extract()?))
    } else if let Ok(d) = v.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, x) in d.iter() {
            let key: String = k.extract().map_err(|_| PyTypeError::new_err("hash keys must be str"))?;
            m.insert(key, from_py(&x)?);
        }
        Ok(Value::Hash(m))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        Ok(Value::Array(v.try_iter()?.map(|x| from_py(&x?)).collect::<PyResult<_>>()?))
    } else {
        Err(PyTypeError::new_err(format!("cannot convert {} to a Hiera value", v.get_type().name()?)))
    }
}

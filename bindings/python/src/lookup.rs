//! `Estate.lookup`: Hiera 5 lookups through `lamina_resolver::hiera` with the files read by
//! `lamina_hierarchy::hiera`, the scope built as `lamina lookup` builds it
//! (`bindings/cli/src/cmd/lookup.rs`: `estate_scope` and `build_scope`, mirrored here until
//! they move into the library).

use lamina_hierarchy::hiera::{FileSource, load_layers};
use lamina_resolver::hiera::{Hiera, Layers, Query, options::parse_merge};
use lamina_resolver::{Estate, Map, Value, enc, resolve};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::{Path, PathBuf};

/// The Hiera side of an estate: its layers (read once) and a data-file cache.
#[derive(Debug)]
pub(crate) struct HieraFiles {
    layers: Layers,
    warnings: Vec<String>,
    source: FileSource,
}

impl HieraFiles {
    /// The estate's `hiera/hiera.yaml` is the global layer (else Puppet's default path), as
    /// `lamina lookup --estate` does.
    pub(crate) fn for_estate(estate_path: Option<&Path>) -> Self {
        let global = estate_path
            .map(|d| d.join("hiera/hiera.yaml"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("/etc/puppetlabs/puppet/hiera.yaml"));
        let global = std::path::absolute(&global).unwrap_or(global);
        let (layers, warnings) = load_layers(&global, None);
        HieraFiles { layers, warnings, source: FileSource::new() }
    }

    /// Warnings of the configurations.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
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

/// Look `key` up with `facts` (overriding the host's) for `node`.
pub(crate) fn lookup(
    estate: &Estate,
    files: &HieraFiles,
    key: &str,
    node: Option<&str>,
    facts: Option<Map>,
    merge: Option<&Value>,
) -> Result<Value, Failure> {
    let merge = merge.map(parse_merge).transpose().map_err(|e| Failure::Error(e.message))?;
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
            let host = &estate.hosts[idx as usize].src;
            (host.facts.clone(), params, Some(host.certname().to_string()))
        }
    };
    if let Some(f) = facts {
        host_facts = f;
    }
    let scope = lamina_resolver::hiera::top_scope(host_facts, params, certname, "production");
    let engine = Hiera::new(&files.layers, &files.source, &scope);
    let query = Query { names: vec![key.to_string()], merge, default: None, value_type: None };
    match engine.query(&query) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Failure::NotFound(lamina_resolver::hiera::not_found_message(&[key.to_string()]))),
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

//! `Estate.lookup`: Hiera 5 lookups with the scope and the options `lamina lookup` uses (the
//! `lamina` facade's `node_scope` and `MergeOptions`), the layers and data files read once per
//! estate (`lamina::HieraFiles`).

use lamina::{Environment, Estate, HieraFiles, Merge, MergeError, MergeOptions};
use lamina_hiera::{Hiera, Query};
use lamina_value::{Data, DataMap, Key};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::PathBuf;

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
    pub(crate) facts: Option<DataMap>,
    /// The merge, and the deep merge's options.
    pub(crate) merge: MergeOptions,
    /// `--environment` (`$environment` in the scope).
    pub(crate) environment: String,
    /// `--hiera_config`: the global layer.
    pub(crate) hiera_config: Option<PathBuf>,
    /// Puppet's `strict`.
    pub(crate) strict: lamina::Strict,
}

/// Look `key` up for `node` (an estate host: its facts and ENC parameters; else only its
/// certname) with `opts`.
pub(crate) fn lookup(
    estate: &Estate,
    files: &HieraFiles,
    key: &str,
    node: Option<&str>,
    opts: Options,
) -> Result<Data, Failure> {
    let merge = opts.merge.strategy().map_err(|e| match e {
        MergeError::DeepOptionsWithoutDeep => Failure::Error(
            "The options knock_out_prefix, sort_merged_arrays, and merge_hash_arrays are only available with merge 'deep'"
                .into(),
        ),
        other => Failure::Error(other.to_string()),
    })?;
    let mut scope = lamina::node_scope(Some(estate), node, opts.facts, Environment::Named(&opts.environment))
        .map_err(|e| Failure::Error(e.to_string()))?;
    lamina::add_server_facts(&mut scope, opts.strict);
    let layers = files.layers(&lamina::global_config(opts.hiera_config.as_deref(), estate.path()));
    let engine = Hiera::new(&layers.layers, files.source_for(opts.strict), &scope).with_strict(opts.strict);
    let query = Query { names: vec![key.to_string()], merge, default: None, value_type: None };
    match engine.query(&query) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Failure::NotFound(lamina_hiera::not_found_message(&[key.to_string()]))),
        Err(e) => Err(Failure::Error(e.message)),
    }
}

/// The merge argument: a strategy name or a hash.
pub(crate) fn merge_arg(v: &Bound<'_, PyAny>) -> PyResult<Merge> {
    Ok(Merge::Value(from_py(v)?))
}

/// A Python value (facts, a merge option) as Hiera data.
pub(crate) fn from_py(v: &Bound<'_, PyAny>) -> PyResult<Data> {
    if v.is_none() {
        Ok(Data::Null)
    } else if v.is_instance_of::<PyBool>() {
        Ok(Data::Bool(v.extract()?))
    } else if v.is_instance_of::<PyInt>() {
        Ok(Data::Int(v.extract()?))
    } else if v.is_instance_of::<PyFloat>() {
        Ok(Data::Float(v.extract()?))
    } else if v.is_instance_of::<PyString>() {
        Ok(Data::String(v.extract()?))
    } else if let Ok(d) = v.cast::<PyDict>() {
        let mut m = DataMap::new();
        for (k, x) in d.iter() {
            let key: String = k.extract().map_err(|_| PyTypeError::new_err("hash keys must be str"))?;
            m.insert(Key::Str(key), from_py(&x)?);
        }
        Ok(Data::Hash(m))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        Ok(Data::Array(v.try_iter()?.map(|x| from_py(&x?)).collect::<PyResult<_>>()?))
    } else {
        Err(PyTypeError::new_err(format!("cannot convert {} to a Hiera value", v.get_type().name()?)))
    }
}

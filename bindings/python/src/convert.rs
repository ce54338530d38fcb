//! Engine values to Python objects. The typing is the engine's (YAML 1.1 as Puppet reads it):
//! this only maps shapes — `Null` → `None`, `Bool` → `bool`, `Int` → `int`, `Float` → `float`,
//! `String` → `str`, `Array` → `list`, `Hash` → `dict` (insertion order kept).

use lamina_resolver::Value;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rustc_hash::FxHashMap;

/// Keys longer than this are not cached (they rarely repeat).
const MAX_CACHED_KEY: usize = 64;
/// Bound on the cache's size.
const MAX_CACHED_KEYS: usize = 1 << 16;

/// A converter. With a key cache, the hash keys every document shares (`parameters`,
/// `classes`, class and parameter names) are created once and reused, hash included: rendering
/// many documents then builds far fewer strings.
#[derive(Debug, Default)]
pub(crate) struct Converter {
    keys: Option<FxHashMap<Box<str>, Py<PyString>>>,
}

impl Converter {
    /// A converter that creates every object afresh (one document).
    pub(crate) fn plain() -> Self {
        Converter { keys: None }
    }

    /// A converter that shares hash keys between the documents it converts.
    pub(crate) fn caching() -> Self {
        Converter { keys: Some(FxHashMap::default()) }
    }

    fn key<'py>(&mut self, py: Python<'py>, k: &str) -> Bound<'py, PyString> {
        match &mut self.keys {
            Some(cache) if k.len() <= MAX_CACHED_KEY => {
                if let Some(s) = cache.get(k) {
                    return s.bind(py).clone();
                }
                let s = PyString::new(py, k);
                if cache.len() < MAX_CACHED_KEYS {
                    cache.insert(k.into(), s.clone().unbind());
                }
                s
            }
            _ => PyString::new(py, k),
        }
    }

    /// Convert one value, recursively.
    pub(crate) fn convert<'py>(&mut self, py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
        Ok(match v {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Value::Int(i) => i.into_pyobject(py)?.into_any(),
            Value::Float(f) => f.into_pyobject(py)?.into_any(),
            Value::String(s) => PyString::new(py, s).into_any(),
            Value::Array(items) => {
                let converted = items.iter().map(|item| self.convert(py, item)).collect::<PyResult<Vec<_>>>()?;
                PyList::new(py, converted)?.into_any()
            }
            Value::Hash(map) => {
                let dict = PyDict::new(py);
                for (k, item) in map {
                    dict.set_item(self.key(py, k), self.convert(py, item)?)?;
                }
                dict.into_any()
            }
        })
    }
}

/// Convert one value (no cache).
pub(crate) fn to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    Ok(Converter::plain().convert(py, v)?.unbind())
}

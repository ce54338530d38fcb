//! Engine values to Python objects. The typing is the engine's (YAML 1.1 as Puppet reads it):
//! this only maps shapes — `Null` → `None`, `Bool` → `bool`, `Int` → `int`, `Float` → `float`,
//! `String` → `str`, `Array` → `list`, `Hash` → `dict` (insertion order kept).

use lamina_value::{Data, Value};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyString};
use rustc_hash::FxHashMap;

/// Strings longer than this are not cached (they rarely repeat).
const MAX_CACHED_LEN: usize = 64;
/// Bound on the key cache: an estate has a few thousand distinct keys at most.
const MAX_CACHED_KEYS: usize = 1 << 16;
/// Bound on the value cache. Small on purpose: the values worth sharing recur from the first
/// documents on, and a larger table (filled with values unique to one host) cost more in
/// cache misses than it saved (measured on the benchmark estate: 1<<12 beat 1<<16 by 20 %).
const MAX_CACHED_VALUES: usize = 1 << 12;

/// Python strings by their text, bounded.
type Cache = FxHashMap<Box<str>, Py<PyString>>;

/// A converter. With caches, the strings documents share — hash keys (`parameters`,
/// `classes`, class and parameter names) and short values (environments, domains, subnet
/// fields, defaults) — are created once and reused: rendering many documents then builds
/// far fewer objects (keys come with their hash computed), and the documents take less memory.
/// Keys and values are cached apart so that values unique to a host (names, addresses) cannot
/// crowd out the keys every document has.
#[derive(Debug, Default)]
pub(crate) struct Converter {
    caches: Option<Box<(Cache, Cache)>>,
}

/// The Python string for `s`, from `cache` (added if there is room).
fn cached<'py>(py: Python<'py>, cache: &mut Cache, bound: usize, s: &str) -> Bound<'py, PyString> {
    if s.len() > MAX_CACHED_LEN {
        return PyString::new(py, s);
    }
    if let Some(o) = cache.get(s) {
        return o.bind(py).clone();
    }
    let o = PyString::new(py, s);
    if cache.len() < bound {
        cache.insert(s.into(), o.clone().unbind());
    }
    o
}

impl Converter {
    /// A converter that creates every object afresh (one document).
    pub(crate) fn plain() -> Self {
        Converter { caches: None }
    }

    /// A converter that shares strings between the documents it converts.
    pub(crate) fn caching() -> Self {
        Converter { caches: Some(Box::default()) }
    }

    fn key<'py>(&mut self, py: Python<'py>, k: &str) -> Bound<'py, PyString> {
        match &mut self.caches {
            Some(c) => cached(py, &mut c.0, MAX_CACHED_KEYS, k),
            None => PyString::new(py, k),
        }
    }

    fn string<'py>(&mut self, py: Python<'py>, v: &str) -> Bound<'py, PyString> {
        match &mut self.caches {
            Some(c) => cached(py, &mut c.1, MAX_CACHED_VALUES, v),
            None => PyString::new(py, v),
        }
    }

    /// Convert one value, recursively.
    pub(crate) fn convert<'py>(&mut self, py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
        Ok(match v {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Value::Int(i) => i.into_pyobject(py)?.into_any(),
            Value::BigInt(b) => py.get_type::<PyInt>().call1((b.as_str(),))?,
            Value::Float(f) => f.into_pyobject(py)?.into_any(),
            Value::String(s) => self.string(py, s).into_any(),
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

/// A lookup's answer: Ruby's data as Python objects. Integers beyond 64 bits become Python
/// ints (Puppet has them as Integers), keys their `to_s` (a later key with the same text
/// replacing an earlier one, as in a `dict`), Symbols their names.
pub(crate) fn data_to_py(py: Python<'_>, v: &Data) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Data::Null => py.None(),
        Data::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Data::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Data::BigInt(b) => py.get_type::<PyInt>().call1((b.as_str(),))?.unbind(),
        Data::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
        Data::String(s) | Data::Symbol(s) => PyString::new(py, s).into_any().unbind(),
        Data::Array(items) => {
            let converted = items.iter().map(|item| data_to_py(py, item)).collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, converted)?.into_any().unbind()
        }
        Data::Hash(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(&*k.to_s(), data_to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

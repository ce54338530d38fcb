//! Engine values to Python objects. The typing is the engine's (YAML 1.1 as Puppet reads it):
//! this only maps shapes — `Null` → `None`, `Bool` → `bool`, `Int` → `int`, `Float` → `float`,
//! `String` → `str`, `Array` → `list`, `Hash` → `dict` (insertion order kept).

use lamina_resolver::Value;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Convert one value, recursively.
pub(crate) fn to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Value::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
        Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Hash(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

//! Engine errors to the exceptions defined in Python (`lamina/__init__.py`), built by importing
//! the classes from the package as minijinja-py's `make_error` does: the classes, their bases
//! and their attributes live in one place, in Python.

use lamina_foreman::{Error, ErrorKind, Errors};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// An instance of `lamina.<class>` built with one argument and `kwargs`.
fn instance<'py>(
    py: Python<'py>,
    class: &str,
    arg: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("lamina")?.getattr(class)?.call((arg,), kwargs)
}

/// A `lamina.LaminaError` with this message.
pub(crate) fn lamina_error(py: Python<'_>, message: &str) -> PyErr {
    match instance(py, "LaminaError", message, None) {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// `lamina.KeyNotFound(key, message=...)`.
pub(crate) fn key_not_found(py: Python<'_>, key: &str, message: &str) -> PyErr {
    let kwargs = PyDict::new(py);
    let made = kwargs.set_item("message", message).and_then(|()| instance(py, "KeyNotFound", key, Some(&kwargs)));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// `lamina.HostNotFound(certname)`.
pub(crate) fn host_not_found(py: Python<'_>, certname: &str) -> PyErr {
    match instance(py, "HostNotFound", certname, None) {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// The exception instance for a list of errors (a load reports all of them; a host's
/// resolution one): `HostNotFound` for an unknown host, else `DataError` carrying the first
/// error's file, line and object, and every message in `.errors`.
pub(crate) fn errors_instance<'py>(py: Python<'py>, errs: &[Error]) -> PyResult<Bound<'py, PyAny>> {
    if let [e] = errs
        && e.kind == ErrorKind::UnknownHost
    {
        return instance(py, "HostNotFound", e.object.trim_start_matches("host "), None);
    }
    let message = Errors(errs.to_vec()).to_string();
    let kwargs = PyDict::new(py);
    if let Some(first) = errs.first() {
        if let Some(o) = &first.origin {
            kwargs.set_item("file", &*o.file)?;
            kwargs.set_item("line", (o.line > 0).then_some(o.line))?;
        }
        kwargs.set_item("key", (!first.object.is_empty()).then_some(first.object.as_str()))?;
    }
    let all = PyList::new(py, errs.iter().map(ToString::to_string))?;
    kwargs.set_item("errors", all)?;
    instance(py, "DataError", &message, Some(&kwargs))
}

/// [`errors_instance`] as an exception to raise.
pub(crate) fn from_errors(py: Python<'_>, errs: &[Error]) -> PyErr {
    match errors_instance(py, errs) {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

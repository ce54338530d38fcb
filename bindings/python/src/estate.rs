//! `Estate`: a compiled, immutable estate shared behind an `Arc`, so one object serves any
//! number of Python threads; every resolution runs with the GIL released. No resolution logic
//! lives here: it calls `lamina_resolver::{resolve, enc, explain}` and converts the result.

use crate::convert::{Converter, to_py};
use crate::errors::{errors_instance, from_errors, host_not_found};
use lamina_hierarchy::estate::{LoadOptions, load_with};
use lamina_resolver::{Error, Value, enc, explain, resolve};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use rayon::prelude::*;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

/// URL schemes that name an estate store instead of a path.
const STORE_SCHEMES: [&str; 3] = ["sqlite://", "postgres://", "postgresql://"];

/// A compiled estate. Immutable: safe to share between threads.
#[pyclass(frozen, module = "lamina", name = "Estate")]
#[derive(Debug)]
pub(crate) struct Estate {
    inner: Arc<lamina_resolver::Estate>,
    /// What it was opened from, for `repr` (a store URL without its password).
    source: String,
}

/// One host's ENC document.
fn enc_doc(estate: &lamina_resolver::Estate, host: u32) -> Result<Value, Error> {
    enc::document(&resolve::resolve(estate, host, false)?)
}

/// A store URL as shown: without a password.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = url[s + 3..at].split(':').next().unwrap_or_default();
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

impl Estate {
    /// The host's index, or `HostNotFound`.
    fn host(&self, py: Python<'_>, certname: &str) -> PyResult<u32> {
        self.inner.host(certname).ok_or_else(|| host_not_found(py, certname))
    }
}

#[pymethods]
impl Estate {
    /// Load and compile an estate: a file or directory of estate YAML, or a store URL
    /// (`sqlite://PATH`, `postgres://USER@HOST:PORT/DATABASE`).
    #[staticmethod]
    fn open(py: Python<'_>, path_or_store_url: PathBuf) -> PyResult<Self> {
        let text = path_or_store_url.to_string_lossy().into_owned();
        if STORE_SCHEMES.iter().any(|s| text.starts_with(s)) {
            let loaded = py.detach(|| lamina_hierarchy::store::load_estate(&text));
            return match loaded {
                Ok(e) => Ok(Estate { inner: Arc::new(e), source: shown(&text) }),
                Err(errs) => Err(from_errors(py, &errs.0)),
            };
        }
        // Every fact of every host is kept: Hiera scopes and `explain` may read any of them.
        let opts = LoadOptions { all_facts: true, ..LoadOptions::default() };
        match py.detach(|| load_with(&path_or_store_url, &opts)) {
            Ok(e) => Ok(Estate { inner: Arc::new(e), source: text }),
            Err(errs) => Err(from_errors(py, &errs.0)),
        }
    }

    /// Every host's certname, sorted.
    fn hosts(&self) -> Vec<String> {
        self.inner.certnames.clone()
    }

    /// The ENC document of a host (found by certname, else by FQDN).
    fn enc(&self, py: Python<'_>, certname: &str) -> PyResult<Py<PyAny>> {
        let host = self.host(py, certname)?;
        let estate = &*self.inner;
        match py.detach(|| enc_doc(estate, host)) {
            Ok(doc) => to_py(py, &doc),
            Err(e) => Err(from_errors(py, &[e])),
        }
    }

    /// Where each of a host's values came from. Hidden values are masked unless `show_hidden`.
    #[pyo3(signature = (certname, show_hidden = false))]
    fn explain(&self, py: Python<'_>, certname: &str, show_hidden: bool) -> PyResult<Py<PyAny>> {
        let host = self.host(py, certname)?;
        let estate = &*self.inner;
        let out = py.detach(|| resolve::resolve(estate, host, true).and_then(|r| explain::explain(&r, show_hidden)));
        match out {
            Ok(doc) => to_py(py, &doc),
            Err(e) => Err(from_errors(py, &[e])),
        }
    }

    /// Resolve every host (on all cores unless `parallel` is false, with the GIL released),
    /// then iterate `(certname, document)` in certname order; a host that fails yields its
    /// exception instance in place of the document.
    #[pyo3(signature = (parallel = true))]
    fn render_all(&self, py: Python<'_>, parallel: bool) -> RenderIter {
        let estate = &*self.inner;
        let render = |name: &String| {
            let doc = estate
                .host(name)
                .ok_or_else(|| {
                    Error::new(lamina_resolver::ErrorKind::UnknownHost, format!("host {name}"), "unknown host")
                })
                .and_then(|h| enc_doc(estate, h));
            (name.clone(), doc)
        };
        let results: Vec<(String, Result<Value, Error>)> = py.detach(|| {
            if parallel {
                estate.certnames.par_iter().map(render).collect()
            } else {
                estate.certnames.iter().map(render).collect()
            }
        });
        RenderIter { results: results.into_iter(), converter: Converter::caching(), ready: VecDeque::new() }
    }

    fn __len__(&self) -> usize {
        self.inner.hosts.len()
    }

    fn __contains__(&self, certname: &str) -> bool {
        self.inner.host(certname).is_some()
    }

    fn __repr__(&self) -> String {
        format!("<lamina.Estate {:?} ({} hosts)>", self.source, self.inner.hosts.len())
    }
}

/// Documents converted per batch by the `render_all` iterator.
const BATCH: usize = 256;

/// The iterator `Estate.render_all` returns: results already computed, converted to Python
/// objects a batch at a time.
#[pyclass(module = "lamina")]
#[derive(Debug)]
pub(crate) struct RenderIter {
    results: std::vec::IntoIter<(String, Result<Value, Error>)>,
    converter: Converter,
    ready: VecDeque<Py<PyTuple>>,
}

/// Pauses Python's cyclic garbage collector while it lives (if it was enabled), so that
/// building thousands of fresh containers does not trigger full collections over all of them.
/// Only native conversion code runs meanwhile: no Python code, so nothing can observe it.
struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import("gc")?;
        if gc.call_method0("isenabled")?.is_truthy()? {
            gc.call_method0("disable")?;
            Ok(GcPause { gc: Some(gc) })
        } else {
            Ok(GcPause { gc: None })
        }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc
            && let Err(e) = gc.call_method0("enable")
        {
            e.restore(gc.py());
        }
    }
}

impl RenderIter {
    /// Convert the next batch of results.
    fn fill(&mut self, py: Python<'_>) -> PyResult<()> {
        let _pause = GcPause::new(py)?;
        for (name, result) in self.results.by_ref().take(BATCH) {
            let item = match result {
                Ok(doc) => self.converter.to_py(py, &doc)?,
                Err(e) => errors_instance(py, &[e])?,
            };
            self.ready.push_back(PyTuple::new(py, [PyString::new(py, &name).into_any(), item])?.unbind());
        }
        Ok(())
    }
}

#[pymethods]
impl RenderIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyTuple>>> {
        if self.ready.is_empty() {
            self.fill(py)?;
        }
        Ok(self.ready.pop_front())
    }

    fn __length_hint__(&self) -> usize {
        self.ready.len() + self.results.len()
    }
}

//! `Estate`: a compiled, immutable estate shared behind an `Arc`, so one object serves any
//! number of Python threads; every resolution runs with the GIL released. No resolution logic
//! lives here: it calls `lamina_resolver::{resolve, enc, explain}` and converts the result.

use crate::convert::{Converter, to_py};
use crate::errors::{errors_instance, from_errors, host_not_found, key_not_found, lamina_error};
use crate::lookup::{Failure, HieraFiles, from_py};
use lamina_hierarchy::estate::{LoadOptions, load_with};
use lamina_resolver::{Error, Value, enc, explain, resolve};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use rayon::prelude::*;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// URL schemes that name an estate store instead of a path.
const STORE_SCHEMES: [&str; 3] = ["sqlite://", "postgres://", "postgresql://"];

/// A compiled estate. Immutable: safe to share between threads.
#[pyclass(frozen, module = "lamina", name = "Estate")]
#[derive(Debug)]
pub(crate) struct Estate {
    inner: Arc<lamina_resolver::Estate>,
    /// What it was opened from, for `repr` (a store URL without its password).
    source: String,
    /// The estate's path (not for a store): its `hiera/` holds the Hiera data.
    path: Option<PathBuf>,
    /// Hiera layers and data cache, read on the first lookup.
    hiera: OnceLock<HieraFiles>,
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

/// Estates with at least this many hosts are freed on a thread of their own.
const BACKGROUND_DROP_HOSTS: usize = 1000;

impl Drop for Estate {
    /// Freeing a large estate (millions of values: every fact of every host) takes a good part
    /// of a second; the last reference is released on a background thread instead of the
    /// caller's, as the `lamina` command skips it by exiting.
    fn drop(&mut self) {
        if Arc::strong_count(&self.inner) == 1 && self.inner.hosts.len() >= BACKGROUND_DROP_HOSTS {
            let last = Arc::clone(&self.inner);
            let _ = std::thread::Builder::new().name("lamina-drop".into()).spawn(move || {
                // Wait for `self.inner` to go (right after this `drop` returns): then this is
                // the last reference and the estate is freed here.
                while Arc::strong_count(&last) > 1 {
                    std::thread::yield_now();
                }
                drop(last);
            });
        }
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
                Ok(e) => Ok(Estate { inner: Arc::new(e), source: shown(&text), path: None, hiera: OnceLock::new() }),
                Err(errs) => Err(from_errors(py, &errs.0)),
            };
        }
        // Every fact of every host is kept: Hiera scopes and `explain` may read any of them.
        let opts = LoadOptions { all_facts: true, ..LoadOptions::default() };
        match py.detach(|| load_with(&path_or_store_url, &opts)) {
            Ok(e) => {
                // Absolute: a later `chdir` does not move the Hiera files of an open estate.
                let path = std::path::absolute(&path_or_store_url).unwrap_or(path_or_store_url);
                Ok(Estate { inner: Arc::new(e), source: text, path: Some(path), hiera: OnceLock::new() })
            }
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

    /// A Hiera 5 lookup as `puppet lookup KEY [--node NODE] [--facts F] [--merge M]` does it,
    /// the estate's `hiera/hiera.yaml` as the global layer. `node`: an estate host (its facts
    /// and ENC parameters are the scope) or any certname; `facts` replaces the host's facts;
    /// `merge`: a strategy name or a hash with `strategy` and deep-merge options. Not found:
    /// `default` if given, else `KeyNotFound`.
    #[pyo3(signature = (key, node = None, facts = None, merge = None, **kwargs))]
    fn lookup(
        &self,
        py: Python<'_>,
        key: &str,
        node: Option<&str>,
        facts: Option<&Bound<'_, PyDict>>,
        merge: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let mut default = None;
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                match k.extract::<String>()?.as_str() {
                    "default" => default = Some(v),
                    other => {
                        return Err(PyTypeError::new_err(format!(
                            "lookup() got an unexpected keyword argument {other:?}"
                        )));
                    }
                }
            }
        }
        let facts = match facts.map(|f| from_py(f.as_any())).transpose()? {
            Some(Value::Hash(m)) => Some(m),
            _ => None,
        };
        let merge = merge.map(from_py).transpose()?;
        let estate = &*self.inner;
        let (hiera, path) = (&self.hiera, self.path.as_deref());
        let out = py.detach(|| {
            let files = hiera.get_or_init(|| HieraFiles::for_estate(path));
            crate::lookup::lookup(estate, files, key, node, facts, merge.as_ref())
        });
        match out {
            Ok(v) => to_py(py, &v),
            Err(Failure::NotFound(msg)) => match default {
                Some(d) => Ok(d.unbind()),
                None => Err(key_not_found(py, key, &msg)),
            },
            Err(Failure::Error(msg)) => Err(lamina_error(py, &msg)),
        }
    }

    /// Warnings of the Hiera configuration files (read on first use).
    fn hiera_warnings(&self, py: Python<'_>) -> Vec<String> {
        let (hiera, path) = (&self.hiera, self.path.as_deref());
        py.detach(|| hiera.get_or_init(|| HieraFiles::for_estate(path)).warnings().to_vec())
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
                Ok(doc) => self.converter.convert(py, &doc)?,
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

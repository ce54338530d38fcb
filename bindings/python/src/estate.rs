//! `Estate`: a compiled, immutable estate shared behind an `Arc`, so one object serves any
//! number of Python threads; every resolution runs with the GIL released. No resolution logic
//! lives here: it calls the `lamina` facade (`lamina::Estate`) and converts the result.

use crate::convert::to_py;
use crate::errors::{from_errors, host_not_found, key_not_found, lamina_error};
use crate::lookup::{Failure, Options, from_py, merge_arg};
use crate::render::{RenderIter, enc_doc};
use lamina::{FactsPolicy, HieraFiles, MergeOptions, Source};
use lamina_value::Data;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Arc;

/// A compiled estate. Immutable: safe to share between threads.
#[pyclass(frozen, module = "lamina", name = "Estate")]
#[derive(Debug)]
pub(crate) struct Estate {
    inner: Arc<lamina::Estate>,
    /// What it was opened from, for `repr` (a store URL without its password).
    source: String,
    /// Hiera layers and data files, read when a lookup first needs them.
    hiera: HieraFiles,
}

/// Estates with at least this many hosts are freed on a thread of their own.
const BACKGROUND_DROP_HOSTS: usize = 1000;

impl Drop for Estate {
    /// Freeing a large estate (millions of values) takes a noticeable part of a second; the last reference is released on a background thread instead of the
    /// caller's, as the `lamina` command skips it by exiting.
    fn drop(&mut self) {
        if Arc::strong_count(&self.inner) == 1 && self.inner.len() >= BACKGROUND_DROP_HOSTS {
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
        let source = match Source::parse(&text) {
            Source::Files(_) => Source::Files(path_or_store_url),
            store => store,
        };
        let shown = match &source {
            Source::Store(_) => source.shown(),
            Source::Files(_) => text,
        };
        // Only the facts matchers name are built; lookups read the others.
        match py.detach(|| lamina::Estate::open(source, FactsPolicy::Matchers)) {
            Ok(e) => Ok(Estate { inner: Arc::new(e), source: shown, hiera: HieraFiles::new() }),
            Err(errs) => Err(from_errors(py, &errs.0)),
        }
    }

    /// Every host's certname, sorted.
    fn hosts(&self) -> Vec<String> {
        self.inner.certnames().to_vec()
    }

    /// The ENC document of a host (found by certname, else by FQDN).
    fn enc(&self, py: Python<'_>, certname: &str) -> PyResult<Py<PyAny>> {
        let host = self.host(py, certname)?;
        let estate = self.inner.compiled();
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
        let out = py.detach(|| estate.explain(host, show_hidden));
        match out {
            Ok(doc) => to_py(py, &doc),
            Err(e) => Err(from_errors(py, &[e])),
        }
    }

    /// Iterate `(certname, document)` in certname order, the hosts resolved ahead of the
    /// iteration on all cores (on the caller's thread, chunk by chunk, unless `parallel`), with
    /// the GIL released; a host that fails yields its exception instance in place of the
    /// document.
    #[pyo3(signature = (parallel = true))]
    fn render_all(&self, parallel: bool) -> RenderIter {
        RenderIter::new(self.inner.compiled(), parallel)
    }

    /// A Hiera 5 lookup as `puppet lookup KEY [--node NODE] [--facts F] [--merge M] ...` does
    /// it. `node`: an estate host (its facts and ENC parameters are the scope) or any certname;
    /// `facts` replaces the host's facts; `merge`: a strategy name or a hash with `strategy`
    /// and deep-merge options, which `knock_out_prefix`, `sort_merged_arrays` and
    /// `merge_hash_arrays` set too (only with `deep`); `environment` is `$environment`;
    /// `hiera_config` the global layer (default: the estate's `hiera/hiera.yaml`). Not found:
    /// `default` if given, else `KeyNotFound`.
    #[pyo3(signature = (
        key, node = None, facts = None, merge = None, *, environment = "production", hiera_config = None,
        knock_out_prefix = None, sort_merged_arrays = false, merge_hash_arrays = false, strict = "error", **kwargs
    ))]
    #[allow(clippy::too_many_arguments)] // Puppet's options, as keyword arguments
    fn lookup(
        &self,
        py: Python<'_>,
        key: &str,
        node: Option<&str>,
        facts: Option<&Bound<'_, PyDict>>,
        merge: Option<&Bound<'_, PyAny>>,
        environment: &str,
        hiera_config: Option<PathBuf>,
        knock_out_prefix: Option<String>,
        sort_merged_arrays: bool,
        merge_hash_arrays: bool,
        strict: &str,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let strict = lamina::parse_strict(strict).ok_or_else(|| {
            PyValueError::new_err(format!("strict must be 'error', 'warning' or 'off', not {strict:?}"))
        })?;
        // `default` comes as a keyword so that `default=None` differs from no default.
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
        let opts = Options {
            facts: match facts.map(|f| from_py(f.as_any())).transpose()? {
                Some(Data::Hash(m)) => Some(m),
                _ => None,
            },
            merge: MergeOptions {
                merge: merge.map(merge_arg).transpose()?,
                knock_out_prefix,
                sort_merged_arrays,
                merge_hash_arrays,
            },
            environment: environment.to_string(),
            hiera_config,
            strict,
        };
        let (estate, hiera) = (&*self.inner, &self.hiera);
        match py.detach(|| crate::lookup::lookup(estate, hiera, key, node, opts)) {
            Ok(v) => crate::convert::data_to_py(py, &v),
            Err(Failure::NotFound(msg)) => match default {
                Some(d) => Ok(d.unbind()),
                None => Err(key_not_found(py, key, &msg)),
            },
            Err(Failure::Error(msg)) => Err(lamina_error(py, &msg)),
        }
    }

    /// Warnings of a Hiera configuration (by default the estate's; read on first use).
    #[pyo3(signature = (hiera_config = None))]
    fn hiera_warnings(&self, py: Python<'_>, hiera_config: Option<PathBuf>) -> Vec<String> {
        let (estate, hiera) = (&*self.inner, &self.hiera);
        py.detach(|| hiera.layers(&lamina::global_config(hiera_config.as_deref(), estate.path())).warnings.clone())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, certname: &str) -> bool {
        self.inner.host(certname).is_some()
    }

    fn __repr__(&self) -> String {
        format!("<lamina.Estate {:?} ({} hosts)>", self.source, self.inner.len())
    }
}

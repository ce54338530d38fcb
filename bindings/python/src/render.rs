//! `Estate.render_all`: every host's ENC document, resolved ahead of the iteration on all cores
//! (GIL released) while the caller's thread converts what is ready into Python objects.
//!
//! Why streamed rather than "resolve all, then convert": converting is single-threaded (it
//! needs the GIL) and takes about as long as resolving on every core, so the two overlap; and
//! only a bounded window of engine documents exists at a time instead of all 10,000 (270 MB on
//! the benchmark estate, where the kernel zeroing fresh pages took a third of the CPU time).

use crate::convert::Converter;
use crate::errors::errors_instance;
use lamina_foreman::{Error, Estate, Value};
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyString, PyTuple};
use rayon::prelude::*;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Hosts per chunk: resolved together on all cores, converted together under the GIL.
const CHUNK: usize = 256;
/// Chunks resolved ahead of the conversion at most: bounds the memory of a slow consumer.
const AHEAD: usize = 8;

type Rendered = Vec<(String, Result<Value, Error>)>;

/// One host's ENC document.
pub(crate) fn enc_doc(estate: &Estate, host: u32) -> Result<Value, Error> {
    lamina::host_enc(estate, host).map(lamina::EncDocument::into_value)
}

/// The documents of the hosts `range` (indices into `estate.certnames()`).
fn render(estate: &Estate, range: Range<usize>, parallel: bool) -> Rendered {
    let one = |name: &String| {
        let doc = estate.host(name).ok_or_else(|| lamina::unknown_host(name)).and_then(|h| enc_doc(estate, h));
        (name.clone(), doc)
    };
    let names = &estate.certnames()[range];
    if parallel { names.par_iter().map(one).collect() } else { names.iter().map(one).collect() }
}

/// Where the next chunks come from.
#[derive(Debug)]
enum Source {
    /// A thread resolving chunks on the rayon pool, in order, at most `AHEAD` in advance. It
    /// stops when the iterator is dropped (its sends fail).
    Ahead(Receiver<Rendered>),
    /// Resolved on the caller's thread (GIL released), one chunk per conversion: `parallel=False`.
    Inline { estate: Arc<Estate>, next: usize },
}

/// The iterator `Estate.render_all` returns. Frozen, its state behind a mutex taken with the
/// GIL released (`lock_py_attached`): threads sharing one iterator take turns, each item
/// returned once, instead of failing on a borrow held while another waits for a chunk.
#[pyclass(frozen, module = "lamina")]
#[derive(Debug)]
pub(crate) struct RenderIter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    source: Source,
    /// Hosts not yet returned (for `__length_hint__`).
    left: usize,
    converter: Converter,
    ready: VecDeque<Py<PyTuple>>,
}

impl RenderIter {
    pub(crate) fn new(estate: &Arc<Estate>, parallel: bool) -> Self {
        let total = estate.certnames().len();
        let source = if parallel {
            let (tx, rx) = sync_channel(AHEAD);
            let shared = Arc::clone(estate);
            let spawned = std::thread::Builder::new().name("lamina-render".into()).spawn(move || produce(&shared, &tx));
            match spawned {
                Ok(_) => Source::Ahead(rx),
                // No thread to be had: resolve on the caller's thread, chunk by chunk.
                Err(_) => Source::Inline { estate: Arc::clone(estate), next: 0 },
            }
        } else {
            Source::Inline { estate: Arc::clone(estate), next: 0 }
        };
        let state = State { source, left: total, converter: Converter::caching(), ready: VecDeque::new() };
        RenderIter { state: Mutex::new(state) }
    }

    fn state(&self, py: Python<'_>) -> MutexGuard<'_, State> {
        self.state.lock_py_attached(py).unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The next chunk of results, waiting for it with the GIL released.
    fn next_chunk(&mut self, py: Python<'_>) -> Option<Rendered> {
        match &mut self.source {
            Source::Ahead(rx) => match rx.try_recv() {
                Ok(chunk) => Some(chunk),
                Err(_) => py.detach(move || rx.recv().ok()),
            },
            Source::Inline { estate, next } => {
                let start = *next;
                let end = (start + CHUNK).min(estate.certnames().len());
                if start >= end {
                    return None;
                }
                *next = end;
                let estate = &**estate;
                Some(py.detach(|| render(estate, start..end, false)))
            }
        }
    }

    /// Convert the next chunk of results.
    fn fill(&mut self, py: Python<'_>) -> PyResult<()> {
        let Some(chunk) = self.next_chunk(py) else { return Ok(()) };
        let _pause = GcPause::new(py)?;
        for (name, result) in chunk {
            let item = match result {
                Ok(doc) => self.converter.convert(py, &doc)?,
                Err(e) => errors_instance(py, &[e])?,
            };
            self.ready.push_back(PyTuple::new(py, [PyString::new(py, &name).into_any(), item])?.unbind());
        }
        Ok(())
    }
}

/// The resolving thread: chunk after chunk, each on every core.
fn produce(estate: &Estate, tx: &SyncSender<Rendered>) {
    let total = estate.certnames().len();
    for start in (0..total).step_by(CHUNK) {
        let chunk = render(estate, start..(start + CHUNK).min(total), true);
        if tx.send(chunk).is_err() {
            return;
        }
    }
}

#[pymethods]
impl RenderIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyTuple>>> {
        let mut st = self.state(py);
        if st.ready.is_empty() {
            st.fill(py)?;
        }
        let item = st.ready.pop_front();
        if item.is_some() {
            st.left -= 1;
        }
        Ok(item)
    }

    fn __length_hint__(&self, py: Python<'_>) -> usize {
        self.state(py).left
    }
}

/// Pauses Python's cyclic garbage collector while it lives (if it was enabled), so that
/// building thousands of fresh containers does not trigger collections over all of them.
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

//! `lamina._native`: the Rust half of Lamina's Python binding, over the `lamina` facade.
//! Registration only; see `estate.rs` (the `Estate` class), `render.rs` (the `render_all`
//! iterator), `lookup.rs` (Hiera lookups), `convert.rs` (values to Python objects) and
//! `errors.rs` (errors to the exceptions defined in `python/lamina/__init__.py`).

mod convert;
mod errors;
mod estate;
mod lookup;
mod render;

use pyo3::prelude::*;

// As in the `lamina` command: the engine allocates many small values, across threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The native module; the public API is the `lamina` package that re-exports it.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<estate::Estate>()?;
    m.add_class::<render::RenderIter>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

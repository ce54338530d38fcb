//! Shared bench fixtures: generated estates, built once per size under `target/bench-corpus/`
//! and reused by every bench (and by `benches/run.sh`).

use std::path::{Path, PathBuf};

/// The directory holding a generated estate of `hosts` hosts (seed 1), generating it if absent.
///
/// # Panics
/// When the estate cannot be generated.
#[must_use]
pub fn generated_estate(hosts: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-corpus");
    let dir = root.join(format!("hosts-{hosts}-seed-1"));
    let done = dir.join(".complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        lamina_generate::generate(&lamina_generate::GenOptions { hosts, seed: 1 }, &dir)
            .expect("generate bench estate");
        std::fs::write(&done, b"").expect("mark complete");
    }
    dir
}

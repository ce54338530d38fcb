//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root").to_path_buf()
}

/// The built `lamina` binary (built by `cargo build` before the tests run; `.ci/run` does so).
///
/// # Panics
/// When it has not been built.
#[must_use]
pub fn lamina_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    for dir in exe.ancestors().skip(1) {
        let cand = dir.join("lamina");
        if cand.is_file() {
            return cand;
        }
    }
    panic!("the lamina binary is not built: run `cargo build -p lamina-cli` (same profile) first");
}

/// True when running under CI, where missing tools must fail loudly.
#[must_use]
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Find a program on PATH.
#[must_use]
pub fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(prog)).find(|p| p.is_file()))
}

//! The commands.

pub(crate) mod client;
pub(crate) mod enc;
pub(crate) mod lookup;
pub(crate) mod render;
pub(crate) mod serve;
pub(crate) mod store;

use crate::cli::{EXIT_INVALID, EstateArg};
use lamina_foreman::Estate;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The demo estate shipped in the repository.
pub(crate) fn demo_estate() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/demo")
}

/// Where the estate is: `--estate`, `$LAMINA_ESTATE`, then the bundled demo.
pub(crate) fn estate_path(arg: &EstateArg) -> Result<PathBuf, String> {
    if let Some(p) = &arg.estate {
        return Ok(p.clone());
    }
    let demo = demo_estate();
    if demo.is_dir() { Ok(demo) } else { Err("no estate given: pass --estate PATH or set LAMINA_ESTATE".into()) }
}

/// Load and compile, printing every error (exit 2) on failure.
pub(crate) fn load(arg: &EstateArg) -> Result<Estate, ExitCode> {
    if let Some(url) = &arg.store {
        return store::load(url);
    }
    let path = estate_path(arg).map_err(|e| {
        eprintln!("lamina: {e}");
        ExitCode::from(EXIT_INVALID)
    })?;
    lamina_estate::load(&path).map_err(|errs| {
        let mut err = std::io::stderr().lock();
        let n = errs.0.len();
        for e in &errs.0 {
            let _ = writeln!(err, "error: {e}");
        }
        let _ = writeln!(err, "lamina: {} is invalid ({n} error{})", path.display(), if n == 1 { "" } else { "s" });
        ExitCode::from(EXIT_INVALID)
    })
}

pub(crate) fn check(arg: &EstateArg) -> ExitCode {
    let t = Instant::now();
    match load(arg) {
        Ok(e) => {
            println!(
                "ok: {} hosts, {} host groups, {} classes, {} smart class parameters, {} override values ({:.2}s)",
                e.hosts.len(),
                e.hostgroups.len(),
                e.classes.len(),
                e.keys.len(),
                e.keys.iter().map(|k| k.src.override_values.len()).sum::<usize>(),
                t.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

pub(crate) fn generate(hosts: usize, seed: u64, out: &Path) -> ExitCode {
    let t = Instant::now();
    let opts = lamina_generate::GenOptions { hosts, seed };
    match lamina_generate::generate(&opts, out) {
        Ok(s) => {
            eprintln!(
                "generated {} hosts, {} host groups, {} classes, {} smart class parameters, {} override values: {} files, {:.1} MB in {:.2}s",
                s.hosts,
                s.hostgroups,
                s.classes,
                s.smart_parameters,
                s.override_values,
                s.files,
                s.bytes as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lamina: cannot generate into {}: {e}", out.display());
            ExitCode::from(EXIT_INVALID)
        }
    }
}

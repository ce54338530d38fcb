//! `lamina import`, `lamina export` and `--store`: estates kept in SQLite or PostgreSQL.

use crate::cli::EXIT_INVALID;
use lamina_foreman::{Errors, Estate};
use lamina_store as store;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `lamina import`.
#[derive(clap::Args, Debug)]
pub(crate) struct ImportArgs {
    /// Estate file or directory.
    pub(crate) estate: PathBuf,
    /// Store URL: `sqlite://PATH` or `postgres://...`
    #[arg(long)]
    pub(crate) store: String,
}

/// Arguments of `lamina export`.
#[derive(clap::Args, Debug)]
pub(crate) struct ExportArgs {
    /// Store URL: `sqlite://PATH` or `postgres://...`
    #[arg(long)]
    pub(crate) store: String,
    /// Output directory.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

/// Print every error and a closing line; exit 2.
pub(crate) fn report(errs: &Errors, what: &str) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let n = errs.0.len();
    for e in &errs.0 {
        let _ = writeln!(err, "error: {e}");
    }
    let _ = writeln!(err, "lamina: {what} ({n} error{})", if n == 1 { "" } else { "s" });
    ExitCode::from(EXIT_INVALID)
}

/// The whole estate from a store (`render`, `check`).
pub(crate) fn load(url: &str) -> Result<Estate, ExitCode> {
    store::load_estate(url).map_err(|errs| report(&errs, &format!("cannot load the estate from {url}")))
}

/// Only what one host needs (`enc`): `Ok(None)` for an unknown host.
pub(crate) fn load_host(url: &str, certname: &str) -> Result<Option<Estate>, ExitCode> {
    store::load_host(url, certname).map_err(|errs| report(&errs, &format!("cannot load host {certname} from {url}")))
}

pub(crate) fn import(args: &ImportArgs) -> ExitCode {
    let t = Instant::now();
    match store::import(&args.estate, &args.store) {
        Ok(s) => {
            eprintln!(
                "imported {} hosts, {} host groups, {} classes, {} override values into {} in {:.2}s",
                s.hosts,
                s.hostgroups,
                s.classes,
                s.override_values,
                args.store,
                t.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(errs) => report(&errs, &format!("nothing imported into {}", args.store)),
    }
}

pub(crate) fn export(args: &ExportArgs) -> ExitCode {
    let t = Instant::now();
    match store::export(&args.store, &args.out) {
        Ok(s) => {
            eprintln!(
                "exported {} hosts in {} files to {} in {:.2}s",
                s.hosts,
                s.files,
                args.out.display(),
                t.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(errs) => report(&errs, &format!("export from {} failed", args.store)),
    }
}

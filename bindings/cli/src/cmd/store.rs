//! `lamina import`, `lamina export` and `--store`: estates kept in SQLite or PostgreSQL.

use crate::failure::Failure;
use lamina_store as store;
use std::path::PathBuf;
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

pub(crate) fn import(args: &ImportArgs) -> Result<(), Failure> {
    let t = Instant::now();
    let s = store::import(&args.estate, &args.store)
        .map_err(|errs| Failure::Errors(errs, format!("nothing imported into {}", lamina::shown_url(&args.store))))?;
    eprintln!(
        "imported {} hosts, {} host groups, {} classes, {} override values into {} in {:.2}s",
        s.hosts,
        s.hostgroups,
        s.classes,
        s.override_values,
        lamina::shown_url(&args.store),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(crate) fn export(args: &ExportArgs) -> Result<(), Failure> {
    let t = Instant::now();
    let s = store::export(&args.store, &args.out)
        .map_err(|errs| Failure::Errors(errs, format!("export from {} failed", lamina::shown_url(&args.store))))?;
    eprintln!(
        "exported {} hosts in {} files to {} in {:.2}s",
        s.hosts,
        s.files,
        args.out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

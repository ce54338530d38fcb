//! `lamina import`, `lamina export` and `--store`: estates kept in SQLite or PostgreSQL.

use crate::failure::Failure;
use lamina_store as store;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lamina import`.
#[derive(clap::Args, Debug)]
pub(crate) struct ImportArgs {
    /// Estate file or directory (also `--estate`, as every other command takes it).
    #[arg(required_unless_present = "estate_flag", conflicts_with = "estate_flag")]
    pub(crate) estate: Option<PathBuf>,
    /// Estate file or directory.
    #[arg(long = "estate", id = "estate_flag", value_name = "ESTATE")]
    pub(crate) estate_flag: Option<PathBuf>,
    /// Store URL: `sqlite://PATH` or `postgres://...`
    #[arg(long)]
    pub(crate) store: String,
    /// Replace writes made through the API since the store's last import. Without it, an
    /// import over such writes is refused (and lists the newest of them).
    #[arg(long)]
    pub(crate) force: bool,
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
    let estate =
        args.estate.as_ref().or(args.estate_flag.as_ref()).ok_or_else(|| Failure::invalid("give the estate"))?;
    let opts = store::ImportOptions { force: args.force, who: user() };
    let s = store::import_with(estate, &args.store, &opts)
        .map_err(|errs| Failure::Errors(errs, format!("nothing imported into {}", lamina::shown_url(&args.store))))?;
    print_replaced(&args.store, &s.replaced);
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

/// Who runs the command, for the store's audit log.
pub(crate) fn user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default()
}

/// What an import replaced, section by section (on stderr, with the summary line).
pub(crate) fn print_replaced(url: &str, r: &store::Replaced) {
    if r.fresh {
        return;
    }
    if r.diffs.is_empty() {
        eprintln!("the store {} already held this estate: nothing changed", lamina::shown_url(url));
        return;
    }
    eprintln!("changes to {}:", lamina::shown_url(url));
    for line in store::summary_lines(&r.diffs, 5) {
        eprintln!("  {line}");
    }
    if r.api_writes > 0 {
        eprintln!("  replaced {} write(s) made through the API since the last import (--force)", r.api_writes);
    }
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

//! `lamina import`, `lamina export` and `--store` (in progress).

use crate::cli::EXIT_INVALID;
use lamina_resolver::Estate;
use std::path::PathBuf;
use std::process::ExitCode;

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

pub(crate) fn load(url: &str) -> Result<Estate, ExitCode> {
    eprintln!("lamina: stores are not implemented yet ({url})");
    Err(ExitCode::from(EXIT_INVALID))
}

pub(crate) fn import(args: &ImportArgs) -> ExitCode {
    eprintln!("lamina: import into {} is not implemented yet ({})", args.store, args.estate.display());
    ExitCode::from(EXIT_INVALID)
}

pub(crate) fn export(args: &ExportArgs) -> ExitCode {
    eprintln!("lamina: export from {} is not implemented yet ({})", args.store, args.out.display());
    ExitCode::from(EXIT_INVALID)
}

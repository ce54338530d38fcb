//! `lamina lookup`: Hiera lookups (in progress).

use crate::cli::EXIT_INVALID;
use std::process::ExitCode;

/// Arguments of `lamina lookup` (to be completed with `puppet lookup`'s flags).
#[derive(clap::Args, Debug)]
pub(crate) struct LookupArgs {
    /// Keys to look up.
    #[arg(required = true)]
    pub(crate) keys: Vec<String>,
}

pub(crate) fn run(args: &LookupArgs) -> ExitCode {
    eprintln!("lamina: lookup of {:?} is not implemented yet", args.keys);
    ExitCode::from(EXIT_INVALID)
}

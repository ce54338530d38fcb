//! `lamina completions SHELL` and `lamina man`: generated from the clap definition, so they
//! never drift from the flags the command takes. `docs/man/lamina.1` is a copy of `lamina man`
//! for packages (a test keeps it up to date).

use crate::cli::Cli;
use crate::failure::{Failure, print};
use clap::CommandFactory as _;

pub(crate) fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    // Into a buffer first: the generators panic when their writer fails (a closed pipe).
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "lamina", &mut out);
    print(&out)
}

pub(crate) fn man() -> Result<(), Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Failure::invalid(format!("cannot render the man page: {e}")))?;
    print(&out)
}

//! How a command fails: every command returns a [`Failure`], and [`Failure::exit`] is the one
//! place that prints it and picks the exit code.
//!
//! Exit codes (the README's contract, which Puppet's exec node terminus reads as "not found"
//! for any non-zero code):
//! - 1: an unknown host, a server that gave no answer (and no cached copy), a lookup that
//!   failed or found nothing (as `puppet lookup`), or a `diff` that found differences (as
//!   `diff(1)`);
//! - 2: anything else: an invalid estate, a host whose data cannot be resolved, an option that
//!   cannot be used, a file or a store that fails.

use lamina::{Error, ErrorKind, Errors};
use std::io::Write;
use std::process::ExitCode;

/// What the exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// No such host.
    UnknownHost,
    /// The server did not answer and there is no cached copy.
    NoAnswer,
    /// A lookup failed or found nothing.
    Lookup,
    /// `diff` found hosts whose documents differ.
    Differs,
    /// Invalid data, options, files or stores.
    Invalid,
}

impl Status {
    /// The status of an error of this kind.
    pub(crate) fn of(kind: ErrorKind) -> Status {
        match kind {
            ErrorKind::UnknownHost => Status::UnknownHost,
            _ => Status::Invalid,
        }
    }

    fn code(self) -> u8 {
        match self {
            Status::UnknownHost | Status::NoAnswer | Status::Lookup | Status::Differs => 1,
            Status::Invalid => 2,
        }
    }
}

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Every error of one load or write (`error: ...` each), then `lamina: CONTEXT (N errors)`.
    Errors(Errors, String),
    /// One error: `lamina: ...`.
    Error(Error),
    /// A message of the command itself: `lamina: ...`.
    Message(Status, String),
    /// A lookup's failure, worded as `puppet lookup` words it: `Error: ...`.
    Lookup(String),
    /// Already reported (a render's failed hosts, a lookup that found nothing).
    Reported(Status),
}

impl Failure {
    /// A message of the command itself with exit code 2.
    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure::Message(Status::Invalid, message.into())
    }

    /// What the exit code says.
    pub(crate) fn status(&self) -> Status {
        match self {
            Failure::Errors(errs, _) => errs.kind().map_or(Status::Invalid, Status::of),
            Failure::Error(e) => Status::of(e.kind),
            Failure::Message(s, _) | Failure::Reported(s) => *s,
            Failure::Lookup(_) => Status::Lookup,
        }
    }

    /// Print the failure on standard error; the exit code.
    pub(crate) fn exit(self) -> ExitCode {
        let code = self.status().code();
        let mut err = std::io::stderr().lock();
        let _ = match self {
            Failure::Errors(errs, context) => {
                for e in &errs.0 {
                    let _ = writeln!(err, "error: {e}");
                }
                let n = errs.0.len();
                writeln!(err, "lamina: {context} ({n} error{})", if n == 1 { "" } else { "s" })
            }
            Failure::Error(e) => writeln!(err, "lamina: {e}"),
            Failure::Message(_, m) => writeln!(err, "lamina: {m}"),
            Failure::Lookup(m) => writeln!(err, "Error: {m}"),
            Failure::Reported(_) => Ok(()),
        };
        ExitCode::from(code)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Error(e)
    }
}

/// Write `text` to standard output and flush it.
///
/// # Errors
/// When standard output is closed (a failure without a message: the reader went away).
pub(crate) fn print(text: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text).and_then(|()| stdout.flush()).map_err(|_| Failure::Reported(Status::Invalid))
}

//! Errors with a location: which file and line, which object, what is wrong.

use crate::model::Origin;
use std::fmt;

/// What kind of failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The estate is invalid: Foreman would refuse to save it.
    Invalid,
    /// A reference to an object that does not exist.
    UnknownReference,
    /// A host group or taxonomy cycle.
    Cycle,
    /// The same object defined twice.
    Duplicate,
    /// No host with that certname.
    UnknownHost,
    /// A host's data cannot be resolved (cast failure, ERB, merge conflict).
    Resolve,
    /// A file or a request body that is not valid YAML (or JSON).
    Syntax,
    /// A file or directory that cannot be read or written.
    Io,
    /// The store failed: it cannot be reached, queried or brought up to date.
    Store,
    /// The store changed under a write: nothing was written.
    Conflict,
    /// An edit names an object (or an owner) that does not exist.
    NotFound,
}

/// One error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Kind.
    pub kind: ErrorKind,
    /// The object concerned, e.g. `host web01.example.com` or `ntp::servers`.
    pub object: String,
    /// What is wrong.
    pub message: String,
    /// Where the object was defined.
    pub origin: Option<Origin>,
}

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, object: impl Into<String>, message: impl Into<String>) -> Self {
        Error { kind, object: object.into(), message: message.into(), origin: None }
    }

    /// Attach the definition site.
    #[must_use]
    pub fn at(mut self, origin: &Origin) -> Self {
        self.origin = Some(origin.clone());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            write!(f, "{o}: ")?;
        }
        if self.object.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.object, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// Several errors found in one pass (a load reports all of them, not one per run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

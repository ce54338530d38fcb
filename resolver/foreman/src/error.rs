//! Errors with a location: which file, line and column, which object, what is wrong.
//!
//! [`Error`] is the estate's error type: the compiler reports what Foreman would refuse, and the
//! crates that read estates (`lamina-estate`, `lamina-store`) and the `lamina` facade report
//! their failures — a file that cannot be read, a store that does not answer — with the same
//! type and their own [`ErrorKind`]s, so that a front-end prints and maps every one alike.

use crate::model::Origin;
use std::fmt;
use std::sync::Arc;

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
    /// How a program was asked to run: an option, a setting or a file of settings that
    /// cannot be used.
    Usage,
}

/// The cause of an error, when there is one (an I/O or database error).
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// One error.
#[derive(Clone, Debug)]
pub struct Error {
    /// Kind.
    pub kind: ErrorKind,
    /// The object concerned, e.g. `host web01.example.com` or `ntp::servers`.
    pub object: String,
    /// What is wrong.
    pub message: String,
    /// Where: the file and line the object was defined at (or where a file's problem is).
    pub origin: Option<Origin>,
    /// The column of the problem in that line (1-based, in characters), where known.
    pub column: Option<u32>,
    /// What caused it (an I/O or database error).
    pub source: Option<Cause>,
}

impl PartialEq for Error {
    /// Equal kinds, objects, messages and locations (causes are not compared).
    fn eq(&self, other: &Error) -> bool {
        self.kind == other.kind
            && self.object == other.object
            && self.message == other.message
            && self.origin == other.origin
            && self.column == other.column
    }
}

impl Eq for Error {}

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, object: impl Into<String>, message: impl Into<String>) -> Self {
        Error { kind, object: object.into(), message: message.into(), origin: None, column: None, source: None }
    }

    /// Attach the definition site.
    #[must_use]
    pub fn at(mut self, origin: &Origin) -> Self {
        self.origin = Some(origin.clone());
        self
    }

    /// Attach the column of the problem.
    #[must_use]
    pub fn at_column(mut self, column: u32) -> Self {
        self.column = (column > 0).then_some(column);
        self
    }

    /// Attach the cause.
    #[must_use]
    pub fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `file:line:column` when the column is known, as compilers and editors read it.
        match (&self.origin, self.column) {
            (Some(o), Some(c)) if o.line > 0 => write!(f, "{o}:{c}: ")?,
            (Some(o), _) => write!(f, "{o}: ")?,
            (None, _) => {}
        }
        if self.object.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.object, self.message)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Several errors found in one pass (a load reports all of them, not one per run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The kind of the first error (what a front-end maps to an exit code or a status).
    #[must_use]
    pub fn kind(&self) -> Option<ErrorKind> {
        self.0.first().map(|e| e.kind)
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

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

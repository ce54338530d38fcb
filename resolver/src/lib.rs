//! Lamina's pure resolution core.
pub mod cast;
pub mod compile;
pub mod enc;
pub mod error;
pub mod explain;
pub mod model;
pub mod resolve;
pub mod value;

pub use compile::{Estate, compile};
pub use error::{Error, ErrorKind, Errors};
pub use value::{Map, Value};

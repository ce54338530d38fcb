//! Lamina's pure resolution core.
pub mod value;
pub use value::{Map, Value};

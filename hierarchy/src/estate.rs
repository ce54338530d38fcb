//! estate (in progress)

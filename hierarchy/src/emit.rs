//! emit (in progress)

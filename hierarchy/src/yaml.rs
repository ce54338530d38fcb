//! yaml (in progress)

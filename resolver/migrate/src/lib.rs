//! Moving Foreman's smart class parameters to Hiera, host by host, with proof.
//!
//! A site leaving smart class parameters for Hiera wants two things: data files that give each
//! host what Foreman's ENC gives it, and a check that they do before Foreman stops sending the
//! parameters. Puppet gives an ENC's class parameters precedence over automatic parameter
//! lookup, so while Foreman sends a key, Hiera's value for `class::key` is not used; once it
//! stops, Hiera's is. The move is safe for a host exactly when the two agree.
//!
//! - [`check_host`] compares, for one host, every smart class parameter the ENC sends with a
//!   Hiera lookup of `class::key` in that host's scope (its facts, its ENC parameters as
//!   top-scope variables, `trusted`, its environment) under the key's `lookup_options`, as
//!   automatic parameter lookup does; a mismatch carries both provenances: the Foreman matcher
//!   that won, and the Hiera levels and files that answered. [`Report`] gathers the hosts and
//!   counts the mismatches by class, key and host group.
//!
//! - [`export`] writes the other half: a Hiera 5 hierarchy (one level per order line, in an
//!   order every key's `override_value_order` agrees with) and data files equivalent to the
//!   estate's smart class parameters, with a note for each key whose semantics Hiera cannot
//!   reproduce. `migrate-check` against an export is the proof.
//!
//! Pure: the caller loads the Hiera layers and gives the data files through a
//! [`lamina_hiera::DataSource`], and runs [`check_host`] on as many threads as it likes.

mod check;
mod export;

pub use check::{HostCheck, Mismatch, Report, check_host};
pub use export::{DATADIR, Export, export};

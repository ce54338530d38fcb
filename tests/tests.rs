//! Lamina's integration tests: one binary (fast to link), one module per concern.

// Foreman/foreman_puppet conformance cases under corpus/conformance/, each citing its source.
mod conformance;
// The `lamina` command: exit codes, stdout/stderr contracts, render, explain.
mod cli;
// Hostile and malformed estates: bombs, deep nesting, unknown fields, wrong types.
mod bad_input;
// Properties: determinism under reordering, merge idempotence, host independence.
mod props;
// The real Puppet reads Lamina's ENC output with the intended types.
mod puppet_acceptance;
// The demo estate renders and shows what its README says.
mod demo;
// Differential tests of `lamina lookup` against the real Puppet (curated + random Hiera cases).
mod hiera_oracle;
// `json_data`'s JSON parser against the live Ruby json gem (random valid and broken texts).
mod json_ruby;
// Estate stores: SQLite and PostgreSQL, round trips, the per-host read, the CLI.
mod store;
// Every field of the estate format's table through the loader, the store and the exporter.
mod estate_fields;
// Hiera lookups against the oracle cases real Puppet answered (corpus/hiera/oracle-cases/).
mod hiera;
// `lamina enc --server`: the thin ENC client against `lamina serve`, its cache, and Puppet through it.
mod server_enc;
// The real `puppet lookup` through the lamina module's Hiera backends against `lamina serve` on PostgreSQL.
mod server_hiera;
// `lamina serve`: /node, the write API, shared stores, facts, secrets, tokens, OpenAPI.
mod server_api;

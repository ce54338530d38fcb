//! An estate read out of a running Foreman, through its API v2 and foreman_puppet's, written as
//! estate files (`docs/estate-format.md`) that render the ENC Foreman serves.
//!
//! The HTTP client is the caller's ([`Fetch`]: one GET, JSON back), so the paging and the
//! mapping here are tested against recorded responses. What is read, and from where (paths in
//! `theforeman/foreman` and `theforeman/foreman_puppet`):
//!
//! - every index is paged (`page`, `per_page`) until `subtotal` rows came back (the envelope of
//!   `app/views/api/v2/layouts/index_layout.json.erb`); `per_page=all` is not used, since
//!   smart class parameters and facts do not honour it (`puppet_lookups_common_controller.rb`,
//!   `fact_values_controller.rb`);
//! - hidden values are asked for with `show_hidden=true` and `show_hidden_parameters=true`
//!   (`app/views/api/v2/common/show_hidden.json.rabl`): without the permission to edit them
//!   Foreman answers `*****`, which is then what the estate holds;
//! - global parameters (`/api/common_parameters`), organizations and locations with their own
//!   parameters (`/api/<taxonomy>/:id/parameters`), domains, subnets, operating systems (shown
//!   one by one for their parameters), environments, puppet classes per environment
//!   (`?style=list`), config groups, smart class parameters (shown one by one for their
//!   `override_values`; `override_value_order` is newline-separated), host groups and hosts
//!   (shown one by one: classes, config groups, interfaces and own parameters are show-only),
//!   each host's facts (`/api/hosts/:id/facts`: flattened with `::`, values as strings) and its
//!   ENC (`/api/hosts/:id/enc`): root passwords are readable nowhere else, so each host's
//!   crypted `root_pw` becomes its `root_pass`.

mod map;

pub use map::{Pulled, pull};
use serde_json::Value as J;

/// One GET of the Foreman API.
pub trait Fetch: Sync {
    /// The JSON body of `GET path` (`path` starts with `/api/` or `/foreman_puppet/api/` and
    /// may carry a query).
    ///
    /// # Errors
    /// Transport errors, non-2xx statuses and bodies that are not JSON, worded for the user
    /// (never with credentials).
    fn get(&self, path: &str) -> Result<J, PullError>;
}

/// Why a pull failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullError {
    /// The request (path and query), or `""`.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for PullError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "GET {}: {}", self.path, self.message) }
    }
}

impl std::error::Error for PullError {}

impl PullError {
    /// An error of request `path`.
    #[must_use]
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        PullError { path: path.to_string(), message: message.into() }
    }
}

/// Rows per page: Foreman sets no maximum; large pages mean few requests.
pub const PER_PAGE: usize = 1000;

/// Every row of an index: pages of [`PER_PAGE`] until `subtotal` rows came back (or, without
/// one, a short page). `path` may already carry a query.
///
/// # Errors
/// A failed request, or a page that is not an index envelope.
pub fn all(fetch: &dyn Fetch, path: &str) -> Result<Vec<J>, PullError> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    for page in 1.. {
        let url = format!("{path}{sep}page={page}&per_page={PER_PAGE}");
        let body = fetch.get(&url)?;
        let rows = match &body["results"] {
            J::Array(a) => a.clone(),
            _ => return Err(PullError::new(&url, "not a Foreman index (no `results` list)")),
        };
        let got = rows.len();
        out.extend(rows);
        // `subtotal` decides (a server may cap `per_page` below what was asked); without it, a
        // short page is the last.
        let subtotal = body["subtotal"].as_u64().and_then(|n| usize::try_from(n).ok());
        let last = match subtotal {
            Some(n) => out.len() >= n,
            None => got < PER_PAGE,
        };
        if got == 0 || last {
            break;
        }
    }
    Ok(out)
}

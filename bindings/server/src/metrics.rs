//! Prometheus metrics, kept by hand (a handful of counters, one latency histogram per route):
//! `lamina_http_requests_total{route,status}`, `lamina_http_request_duration_seconds{route}`,
//! `lamina_estate_revision`, `lamina_estate_hosts`, `lamina_estate_reloads_total`,
//! `lamina_estate_reload_seconds`, `lamina_writes_total`, `lamina_facts_batches_total`,
//! `lamina_facts_uploads_total`, `lamina_feed_changes_total`, `lamina_enc_cache_hits_total`,
//! `lamina_enc_cache_misses_total`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One route's counts: by status, and its latency.
#[derive(Debug, Default)]
struct Route {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

/// Per route, looked up by the borrowed route (no allocation per request once a route is
/// known).
#[derive(Debug, Default)]
struct Http {
    routes: BTreeMap<String, Route>,
}

/// The server's metrics.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    http: Mutex<Http>,
    revision: AtomicI64,
    hosts: AtomicU64,
    reloads: AtomicU64,
    reload_micros: AtomicU64,
    writes: AtomicU64,
    facts_batches: AtomicU64,
    facts_uploads: AtomicU64,
    feed_changes: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    /// 1 while the store answers (or there is none), 0 while the server answers from memory.
    store_up: AtomicU64,
    /// Failed attempts to read the store's changes.
    store_errors: AtomicU64,
    /// The CRL bundle's earliest `nextUpdate` (Unix seconds), 0 without TLS or a CRL.
    pub(crate) crl_next_update: std::sync::Arc<AtomicI64>,
}

impl Metrics {
    /// One request served.
    pub(crate) fn request(&self, route: &str, status: u16, took: Duration) {
        let mut http = self.http.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !http.routes.contains_key(route) {
            http.routes.insert(route.to_string(), Route::default());
        }
        let Some(r) = http.routes.get_mut(route) else { return };
        *r.statuses.entry(status).or_default() += 1;
        let h = &mut r.latency;
        let s = took.as_secs_f64();
        h.count += 1;
        h.sum += s;
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                h.counts[i] += 1;
            }
        }
    }

    /// The store answered (`true`) or failed.
    pub(crate) fn store(&self, up: bool) {
        self.store_up.store(u64::from(up), Ordering::Relaxed);
        if !up {
            self.store_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn set_estate(&self, revision: i64, hosts: usize) {
        self.revision.store(revision, Ordering::Relaxed);
        self.hosts.store(hosts as u64, Ordering::Relaxed);
    }

    pub(crate) fn reloaded(&self, took: Duration) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
        self.reload_micros.store(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub(crate) fn wrote(&self, changes: usize) {
        self.writes.fetch_add(changes as u64, Ordering::Relaxed);
    }

    pub(crate) fn applied(&self, changes: usize) {
        self.feed_changes.fetch_add(changes as u64, Ordering::Relaxed);
    }

    /// An ENC document served from the response cache (`hit`) or rendered.
    pub(crate) fn cache(&self, hit: bool) {
        if hit { &self.cache_hits } else { &self.cache_misses }.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn facts_batch(&self, uploads: usize) {
        self.facts_batches.fetch_add(1, Ordering::Relaxed);
        self.facts_uploads.fetch_add(uploads as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let http = self.http.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP lamina_http_requests_total HTTP requests served, by route and status.\n");
        out.push_str("# TYPE lamina_http_requests_total counter\n");
        for (route, r) in &http.routes {
            for (status, n) in &r.statuses {
                let _ = writeln!(out, "lamina_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
        }
        out.push_str("# HELP lamina_http_request_duration_seconds Time to answer a request, by route.\n");
        out.push_str("# TYPE lamina_http_request_duration_seconds histogram\n");
        for (route, h) in http.routes.iter().map(|(k, r)| (k, &r.latency)) {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "lamina_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "lamina_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "lamina_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "lamina_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        drop(http);
        let gauges: [(&str, &str, &str, String); 13] = [
            (
                "lamina_tls_crl_next_update_seconds",
                "gauge",
                "When the CRL bundle's earliest CRL expires (Unix time; 0: no CRL). Puppet Server refuses every agent once it has.",
                self.crl_next_update.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_store_up",
                "gauge",
                "1 while the store answers; 0 while the estate is served from memory, possibly stale.",
                self.store_up.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_store_errors_total",
                "counter",
                "Failed reads of the store's changes.",
                self.store_errors.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_estate_revision",
                "gauge",
                "Store revision the served estate was built from.",
                self.revision.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_estate_hosts",
                "gauge",
                "Hosts in the served estate.",
                self.hosts.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_estate_reloads_total",
                "counter",
                "Reloads of the estate from the store.",
                self.reloads.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_estate_reload_seconds",
                "gauge",
                "Duration of the last reload (read and compile).",
                (self.reload_micros.load(Ordering::Relaxed) as f64 / 1e6).to_string(),
            ),
            (
                "lamina_writes_total",
                "counter",
                "Objects changed through the API.",
                self.writes.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_facts_batches_total",
                "counter",
                "Facts batches committed.",
                self.facts_batches.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_facts_uploads_total",
                "counter",
                "Facts uploads received.",
                self.facts_uploads.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_feed_changes_total",
                "counter",
                "Objects changed by other servers, applied from the store's change feed.",
                self.feed_changes.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_enc_cache_hits_total",
                "counter",
                "ENC documents served from the response cache.",
                self.cache_hits.load(Ordering::Relaxed).to_string(),
            ),
            (
                "lamina_enc_cache_misses_total",
                "counter",
                "ENC documents rendered (not in the response cache at the host's version).",
                self.cache_misses.load(Ordering::Relaxed).to_string(),
            ),
        ];
        for (name, kind, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        }
        out
    }
}

//! Read endpoints: the Foreman-compatible `/node/{certname}`, and `/v1/hosts/{certname}/enc`
//! and `/explain`. Answered from the snapshot in memory.

use crate::cache::Format;
use crate::state::State;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as S};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lamina_foreman::{Value, resolve};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

const YAML: &str = "text/yaml; charset=utf-8";
const JSON: &str = "application/json";

pub(crate) fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body.into()).into_response()
}

pub(crate) fn json(status: StatusCode, v: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, JSON)], v.to_string()).into_response()
}

pub(crate) fn json_text(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, JSON)], body).into_response()
}

pub(crate) fn json_error(status: StatusCode, msg: impl Into<String>) -> Response {
    json(status, &serde_json::json!({ "error": msg.into() }))
}

/// The header carrying the revision an answer reflects (and a write made); answers that do not
/// set it get the current one (`around`).
pub(crate) const REVISION: &str = "x-lamina-revision";
/// The header a reader sets to wait until the server has applied a revision (as the
/// `min_revision` query parameter).
pub(crate) const MIN_REVISION: &str = "x-lamina-min-revision";
/// How long a read waits for `min_revision` before answering 503.
const MIN_REVISION_WAIT: Duration = Duration::from_secs(5);

/// Why a host has no document: 404 unknown, 412 unresolvable (Foreman answers a host whose
/// data cannot be rendered with 412 Precondition Failed and the reason; foreman_puppet's
/// `app/controllers/foreman_puppet/concerns/hosts_controller_extensions.rb`, `externalNodes`),
/// 503 when the server has not reached the revision asked for.
enum Failure {
    Unknown,
    Unresolvable(String),
    Behind(i64, i64),
}

impl Failure {
    fn message(&self, certname: &str) -> String {
        match self {
            Failure::Unknown => format!("unknown host {certname:?}"),
            Failure::Unresolvable(why) => why.clone(),
            Failure::Behind(want, have) => format!(
                "this server has not applied revision {want} yet (it is at {have}); try again or ask another server"
            ),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Failure::Unknown => StatusCode::NOT_FOUND,
            Failure::Unresolvable(_) => StatusCode::PRECONDITION_FAILED,
            Failure::Behind(..) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The revision a read asks to reflect: `?min_revision=N` or the header.
fn min_revision(query: Option<i64>, headers: &HeaderMap) -> Option<i64> {
    query.or_else(|| headers.get(MIN_REVISION).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()))
}

/// The response header naming the certname an ENC document is for.
pub(crate) const CERTNAME: &str = "x-lamina-certname";

fn revision_header(rev: i64) -> (header::HeaderName, HeaderValue) {
    (header::HeaderName::from_static(REVISION), HeaderValue::from(rev))
}

/// A host's ENC document in `format`, from the cache when it holds the host's current
/// version; 304 when the client's `If-None-Match` names it.
async fn enc_document(
    st: &State,
    certname: &str,
    format: Format,
    headers: &HeaderMap,
    min: Option<i64>,
) -> Result<Response, Failure> {
    if let Some(want) = min
        && !st.reached(want, MIN_REVISION_WAIT).await
    {
        return Err(Failure::Behind(want, st.current().revision));
    }
    let snap = st.current();
    let estate = &snap.estate;
    let host = estate.host(certname).ok_or(Failure::Unknown)?;
    let canonical = estate.host_source(host).certname();
    let version = snap.version(canonical);
    let etag = format!("\"{version}-{}\"", format.tag());
    let etag_value = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok(
            (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value), revision_header(snap.revision)]).into_response()
        );
    }
    let cached = st.cache.get(canonical, format, version);
    st.metrics.cache(cached.is_some());
    let bytes = match cached {
        Some(b) => b,
        None => {
            // Resolver errors name the parameter, its owner and the rule, never a value, so the
            // reason is safe to return.
            let unresolvable = |e: lamina_foreman::Error| Failure::Unresolvable(e.to_string());
            let doc = resolve(estate, host, false).and_then(|r| r.document()).map_err(unresolvable)?.into_value();
            let text = match format {
                Format::Yaml => lamina_yaml::to_yaml(&doc),
                Format::Json => lamina_yaml::to_json(&doc),
            };
            let b = Bytes::from(text);
            st.cache.put(canonical, format, version, b.clone());
            b
        }
    };
    let ctype = HeaderValue::from_static(if format == Format::Json { JSON } else { YAML });
    // The certname the document is for (the host's own, whichever name it was asked by): the
    // thin client checks it, so that a misrouted answer never classifies another node.
    let whose = HeaderValue::from_str(canonical).unwrap_or_else(|_| HeaderValue::from_static(""));
    let stale = !st.store_ok.load(std::sync::atomic::Ordering::Relaxed);
    let mut resp = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ctype),
            (header::ETAG, etag_value),
            revision_header(snap.revision),
            (header::HeaderName::from_static(CERTNAME), whose),
        ],
        bytes,
    )
        .into_response();
    if stale {
        // Answered from memory while the store does not answer: possibly behind other servers.
        resp.headers_mut().insert(header::HeaderName::from_static("x-lamina-stale"), HeaderValue::from_static("true"));
    }
    Ok(resp)
}

fn build(st: &State, certname: &str) -> Result<Value, Failure> {
    let snap = st.current();
    let estate = &snap.estate;
    let host = estate.host(certname).ok_or(Failure::Unknown)?;
    // Explain masks hidden values (show_hidden = false).
    resolve(estate, host, true).and_then(|r| r.explain(false)).map_err(|e| Failure::Unresolvable(e.to_string()))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NodeQuery {
    format: Option<String>,
    min_revision: Option<i64>,
}

/// `GET /node/{certname}?format=yml`: what Foreman's `/node` answers an `enc.rb`/`node.rb`.
pub(crate) async fn node(
    S(st): S<Arc<State>>,
    Path(certname): Path<String>,
    Query(q): Query<NodeQuery>,
    headers: HeaderMap,
) -> Response {
    let format = if q.format.as_deref() == Some("json") { Format::Json } else { Format::Yaml };
    match enc_document(&st, &certname, format, &headers, min_revision(q.min_revision, &headers)).await {
        Ok(r) => r,
        Err(f) => text(f.status(), format!("{}\n", f.message(&certname))),
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("json"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct EncQuery {
    min_revision: Option<i64>,
}

/// `GET /v1/hosts/{certname}/enc`: YAML, or JSON with `Accept: application/json`.
pub(crate) async fn enc(
    S(st): S<Arc<State>>,
    Path(certname): Path<String>,
    Query(q): Query<EncQuery>,
    headers: HeaderMap,
) -> Response {
    let format = if wants_json(&headers) { Format::Json } else { Format::Yaml };
    match enc_document(&st, &certname, format, &headers, min_revision(q.min_revision, &headers)).await {
        Ok(r) => r,
        Err(f) => json_error(f.status(), f.message(&certname)),
    }
}

/// `GET /v1/hosts/{certname}/explain`: where every value came from (hidden values masked).
pub(crate) async fn explain(S(st): S<Arc<State>>, Path(certname): Path<String>) -> Response {
    match build(&st, &certname) {
        Ok(doc) => (StatusCode::OK, [(header::CONTENT_TYPE, JSON)], lamina_yaml::to_json(&doc)).into_response(),
        Err(f) => json_error(f.status(), f.message(&certname)),
    }
}

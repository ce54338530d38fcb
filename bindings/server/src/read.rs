//! Read endpoints: the Foreman-compatible `/node/{certname}`, and `/v1/hosts/{certname}/enc`
//! and `/explain`. Answered from the snapshot in memory.

use crate::state::State;
use axum::extract::{Path, Query, State as S};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lamina_foreman::EncDocument;
use lamina_foreman::{Value, resolve};
use serde::Deserialize;
use std::sync::Arc;

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

/// A document in the asked format: YAML (Puppet's) or JSON.
fn document(doc: &Value, as_json: bool) -> Response {
    if as_json {
        (StatusCode::OK, [(header::CONTENT_TYPE, JSON)], lamina_yaml::to_json(doc)).into_response()
    } else {
        (StatusCode::OK, [(header::CONTENT_TYPE, YAML)], lamina_yaml::to_yaml(doc)).into_response()
    }
}

/// Why a host has no document: 404 unknown, 412 unresolvable (Foreman answers a host whose
/// data cannot be rendered with 412 Precondition Failed and the reason; foreman_puppet's
/// `app/controllers/foreman_puppet/concerns/hosts_controller_extensions.rb`, `externalNodes`).
enum Failure {
    Unknown,
    Unresolvable(String),
}

fn build(st: &State, certname: &str, do_explain: bool) -> Result<Value, Failure> {
    let snap = st.current();
    let estate = &snap.estate;
    let host = estate.host(certname).ok_or(Failure::Unknown)?;
    // Resolver errors name the parameter, its owner and the rule, never a value, so the reason
    // is safe to return; explain masks hidden values (show_hidden = false).
    let r = resolve(estate, host, do_explain).map_err(|e| Failure::Unresolvable(e.to_string()))?;
    if do_explain { r.explain(false) } else { r.document().map(EncDocument::into_value) }
        .map_err(|e| Failure::Unresolvable(e.to_string()))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NodeQuery {
    format: Option<String>,
}

/// `GET /node/{certname}?format=yml`: what Foreman's `/node` answers an `enc.rb`/`node.rb`.
pub(crate) async fn node(S(st): S<Arc<State>>, Path(certname): Path<String>, Query(q): Query<NodeQuery>) -> Response {
    let as_json = q.format.as_deref() == Some("json");
    match build(&st, &certname, false) {
        Ok(doc) => document(&doc, as_json),
        Err(Failure::Unknown) => text(StatusCode::NOT_FOUND, format!("unknown host {certname:?}\n")),
        Err(Failure::Unresolvable(why)) => text(StatusCode::PRECONDITION_FAILED, format!("{why}\n")),
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("json"))
}

/// `GET /v1/hosts/{certname}/enc`: YAML, or JSON with `Accept: application/json`.
pub(crate) async fn enc(S(st): S<Arc<State>>, Path(certname): Path<String>, headers: HeaderMap) -> Response {
    let as_json = wants_json(&headers);
    match build(&st, &certname, false) {
        Ok(doc) => document(&doc, as_json),
        Err(Failure::Unknown) => json_error(StatusCode::NOT_FOUND, format!("unknown host {certname:?}")),
        Err(Failure::Unresolvable(why)) => json_error(StatusCode::PRECONDITION_FAILED, why),
    }
}

/// `GET /v1/hosts/{certname}/explain`: where every value came from (hidden values masked).
pub(crate) async fn explain(S(st): S<Arc<State>>, Path(certname): Path<String>) -> Response {
    match build(&st, &certname, true) {
        Ok(doc) => document(&doc, true),
        Err(Failure::Unknown) => json_error(StatusCode::NOT_FOUND, format!("unknown host {certname:?}")),
        Err(Failure::Unresolvable(why)) => json_error(StatusCode::PRECONDITION_FAILED, why),
    }
}

//! Hiera endpoints: `GET /v1/hosts/{certname}/lookup/{key}` (one key, `lamina lookup`'s merge
//! options) and `GET /v1/hosts/{certname}/hiera` (every key of the host's hierarchy in one JSON
//! document, for hiera-http and the `lamina::data_hash` backend).
//!
//! The scope is what a Puppet master gives the host (`lamina::host_scope` with the ENC's
//! environment); a certname the estate does not have gets `trusted.certname` only, as
//! `puppet lookup --node` does.
//! Lookups read data files (cached after the first read), so they run on the blocking pool.

use crate::read::{json_error, json_text};
use crate::state::{HieraCtx, State};
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::Response;
use lamina::{Environment, MergeError, MergeOptions};
use lamina_hiera::{DataSource, Hiera, HieraError, Strategy, not_found_message};
use lamina_value::{Data, DataMap, Key};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Merge options, spelled as `puppet lookup`'s flags (underscored).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct LookupQuery {
    merge: Option<String>,
    knock_out_prefix: Option<String>,
    #[serde(default)]
    sort_merged_arrays: bool,
    #[serde(default)]
    merge_hash_arrays: bool,
    default: Option<String>,
}

fn strategy(q: &LookupQuery) -> Result<Option<Strategy>, String> {
    let opts = MergeOptions::flags(
        q.merge.as_deref(),
        q.knock_out_prefix.as_deref(),
        q.sort_merged_arrays,
        q.merge_hash_arrays,
    );
    opts.strategy().map_err(|e| match e {
        MergeError::DeepOptionsWithoutDeep => {
            "knock_out_prefix, sort_merged_arrays and merge_hash_arrays need merge=deep".to_string()
        }
        other => other.to_string(),
    })
}

/// The host's scope, and whether the estate has the host (else only `trusted.certname`).
fn scope(st: &State, certname: &str) -> Result<(DataMap, bool), String> {
    let snap = st.current();
    let strict = st.hiera.as_ref().map_or(lamina::Strict::default(), |h| h.strict);
    let Some(host) = snap.estate.host(certname) else {
        let mut scope =
            lamina::node_scope(None, Some(certname), None, Environment::OfEnc).map_err(|e| e.to_string())?;
        lamina::add_server_facts(&mut scope, strict);
        return Ok((scope, false));
    };
    let facts = lamina::data_map((*snap.estate.host_source(host).facts).clone());
    let mut scope = lamina::host_scope(&snap.estate, host, facts, Environment::OfEnc).map_err(|e| e.to_string())?;
    lamina::add_server_facts(&mut scope, strict);
    Ok((scope, true))
}

/// 501 when the server has no Hiera configuration: not 404, which the `lamina` module's
/// backends read as "host or key not found" (Puppet would then skip the level silently and
/// compile without its data); any other status fails the lookup with this message.
fn no_hiera(st: &State) -> Option<Response> {
    st.hiera.is_none().then(|| {
        json_error(
            StatusCode::NOT_IMPLEMENTED,
            "this server has no Hiera configuration (start it with --hiera-config FILE, or serve an estate with a hiera/hiera.yaml)",
        )
    })
}

/// The Hiera document and the keys left out with their errors.
type Document = (String, Vec<(String, String)>);

/// One key through every layer, Ruby's types kept ([`Data`]): answers are written with
/// [`lamina_yaml::to_ruby_json`], so the Puppet side reads bignums back as Integers.
fn lookup_data(engine: &Hiera<'_>, key: &str, merge: Option<Strategy>) -> Result<Option<Data>, HieraError> {
    engine.query(&lamina_hiera::Query { names: vec![key.to_string()], merge, default: None, value_type: None })
}

/// `GET /v1/hosts/{certname}/lookup/{key}` → `{"<key>": value}` (a one-key object, so that
/// hiera-http's default `dig` finds the value with a `__KEY__` URI); 404 not found; 422 a
/// lookup error.
pub(crate) async fn lookup(
    S(st): S<Arc<State>>,
    Path((certname, key)): Path<(String, String)>,
    Query(q): Query<LookupQuery>,
) -> Response {
    if let Some(r) = no_hiera(&st) {
        return r;
    }
    let merge = match strategy(&q) {
        Ok(m) => m,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let st2 = Arc::clone(&st);
    let k = key.clone();
    let res = tokio::task::spawn_blocking(move || -> Result<Option<Data>, (StatusCode, String)> {
        let ctx = st2.hiera.as_ref().ok_or((StatusCode::NOT_FOUND, String::new()))?;
        let (scope, _) = scope(&st2, &certname).map_err(|e| (StatusCode::PRECONDITION_FAILED, e))?;
        let engine = Hiera::new(&ctx.layers, &ctx.source, &scope).with_strict(ctx.strict);
        let found = lookup_data(&engine, &k, merge)
            .map_err(|HieraError { message, .. }| (StatusCode::UNPROCESSABLE_ENTITY, message))?;
        Ok(found.or_else(|| q.default.map(Data::String)))
    })
    .await;
    match res {
        Ok(Ok(Some(v))) => {
            let mut m = DataMap::new();
            m.insert(Key::Str(key), v);
            match lamina_yaml::to_ruby_json(&Data::Hash(m)) {
                Ok(text) => json_text(text),
                Err(e) => json_error(StatusCode::UNPROCESSABLE_ENTITY, e.message),
            }
        }
        Ok(Ok(None)) => json_error(StatusCode::NOT_FOUND, not_found_message(&[key])),
        Ok(Err((status, msg))) => json_error(status, msg),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {e}")),
    }
}

/// A data source that remembers every hash it handed out (to list the keys a host's
/// hierarchy defines).
struct Recording<'a> {
    inner: &'a dyn DataSource,
    seen: Mutex<Vec<Arc<DataMap>>>,
}

impl DataSource for Recording<'_> {
    fn data(
        &self,
        function: &str,
        path: &str,
        warn: &mut dyn FnMut(String),
    ) -> Result<Option<Arc<DataMap>>, HieraError> {
        let r = self.inner.data(function, path, warn)?;
        if let Some(m) = &r {
            self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Arc::clone(m));
        }
        Ok(r)
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        self.inner.glob(pattern)
    }
}

/// A key no data file defines: looking it up visits every level of the hierarchy.
const PROBE: &str = "lamina_server_probe_key_that_no_data_defines";

/// Every key of the host's hierarchy with the value `lookup(key)` gives it, as one JSON object
/// (each value written once, in Ruby's JSON). Keys whose lookup fails are left out and named in
/// the second list (one bad key must not hide the others).
fn document(ctx: &HieraCtx, scope: &DataMap) -> Result<Document, String> {
    let rec = Recording { inner: &ctx.source, seen: Mutex::new(Vec::new()) };
    let probe = Hiera::new(&ctx.layers, &rec, scope).with_strict(ctx.strict);
    probe.lookup(PROBE, None).map_err(|e| e.message)?;
    let seen = rec.seen.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Top-level keys that are not strings in the YAML (`1:`, `true:`) cannot be looked up by
    // name, in Puppet as here: leave them out.
    let keys: BTreeSet<&String> = seen
        .iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| match k {
            Key::Str(s) if s != "lookup_options" => Some(s),
            _ => None,
        })
        .collect();
    let engine = Hiera::new(&ctx.layers, &ctx.source, scope).with_strict(ctx.strict);
    let mut out = String::from("{");
    let mut failed = Vec::new();
    for k in keys {
        // A key with a dot must be quoted to be looked up as one name, not dug into.
        let name = if k.contains('.') { format!("\"{k}\"") } else { k.clone() };
        match lookup_data(&engine, &name, None) {
            // A value JSON cannot hold (NaN, infinities) is a failed key.
            Ok(Some(v)) => match lamina_yaml::to_ruby_json(&v) {
                Ok(json) => {
                    if out.len() > 1 {
                        out.push(',');
                    }
                    out.push_str(&lamina_yaml::to_ruby_json_string(k));
                    out.push(':');
                    out.push_str(&json);
                }
                Err(e) => failed.push((k.clone(), e.message)),
            },
            Ok(None) => {}
            Err(e) => failed.push((k.clone(), e.message)),
        }
    }
    out.push('}');
    Ok((out, failed))
}

/// `GET /v1/hosts/{certname}/hiera`.
pub(crate) async fn hiera_doc(S(st): S<Arc<State>>, Path(certname): Path<String>) -> Response {
    if let Some(r) = no_hiera(&st) {
        return r;
    }
    let st2 = Arc::clone(&st);
    let res = tokio::task::spawn_blocking(move || -> Result<Document, (StatusCode, String)> {
        let ctx = st2.hiera.as_ref().ok_or((StatusCode::NOT_FOUND, String::new()))?;
        let (scope, known) = scope(&st2, &certname).map_err(|e| (StatusCode::PRECONDITION_FAILED, e))?;
        if !known {
            return Err((StatusCode::NOT_FOUND, format!("unknown host {certname:?}")));
        }
        document(ctx, &scope).map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e))
    })
    .await;
    match res {
        Ok(Ok((doc, failed))) => {
            for (k, e) in &failed {
                tracing::warn!(key = %k, error = %e, "key left out of the Hiera document: its lookup fails");
            }
            json_text(doc)
        }
        Ok(Err((status, msg))) => json_error(status, msg),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {e}")),
    }
}

//! The write API: one estate object per request, validated as the loader validates estate
//! files (field by field, then the whole estate), committed in one transaction, or refused
//! with 400/404/422 and nothing changed. Bodies are JSON objects (RFC 8259; YAML 1.1 when the
//! `Content-Type` says `application/yaml`) with the estate format's field names; the URL names
//! the object.

use crate::access::Actor;
use crate::read::{json, json_error};
use crate::state::{State, WriteError};
use axum::Extension;
use axum::extract::{FromRequest, Path, Request, State as S};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lamina_estate::edit::{self, BodyFormat, Op, Target};
use lamina_store::ParamOwner;
use std::sync::Arc;

/// A request body and the format its `Content-Type` names ([`BodyFormat::of_content_type`]).
pub(crate) struct Body {
    pub(crate) text: String,
    pub(crate) format: BodyFormat,
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Body, Response> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let format = BodyFormat::of_content_type(ct);
        let text = String::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        Ok(Body { text, format })
    }
}

fn done(res: Result<i64, WriteError>) -> Response {
    match res {
        Ok(revision) => {
            let mut r = json(StatusCode::OK, &serde_json::json!({ "revision": revision }));
            r.headers_mut().insert(crate::read::REVISION, axum::http::HeaderValue::from(revision));
            r
        }
        Err(WriteError::NotFound(m)) => json_error(StatusCode::NOT_FOUND, m),
        Err(WriteError::Invalid(errs)) => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!({ "error": errs.first().cloned().unwrap_or_default(), "errors": errs }),
        ),
        Err(WriteError::ReadOnly) => json_error(
            StatusCode::CONFLICT,
            "this server serves estate files (--estate), which it does not write: start it with --store URL",
        ),
        Err(WriteError::Store(m)) => {
            tracing::error!(error = %m, "write failed in the store");
            json_error(StatusCode::SERVICE_UNAVAILABLE, format!("the store failed, nothing was written: {m}"))
        }
    }
}

/// Parse the body as `target` and write it.
async fn put(
    st: &State,
    who: &Actor,
    body: &Body,
    target: Target<'_>,
    label: &str,
    owner: Option<ParamOwner>,
) -> Response {
    match edit::parse_body(&body.text, body.format, target, label) {
        Ok(op) if let Some(field) = lamina_estate::object::masked_field(&op) => {
            done(Err(WriteError::Invalid(vec![format!(
                "{label}: {field} is {}, the mask a read shows, not the secret: send the real value (a writer reads it with ?show_hidden=true)",
                lamina_estate::object::MASKED
            )])))
        }
        Ok(op) => done(
            st.write(
                match owner {
                    Some(o) => edit::with_owner(op, o),
                    None => op,
                },
                &who.who,
            )
            .await,
        ),
        Err(errs) => done(Err(WriteError::Invalid(errs.0.iter().map(ToString::to_string).collect()))),
    }
}

pub(crate) async fn put_host(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    put(&st, &who, &body, Target::Host(&name), &format!("PUT /v1/hosts/{name}"), None).await
}

pub(crate) async fn delete_host(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(name): Path<String>,
) -> Response {
    done(st.write(Op::DeleteHost(name), &who.who).await)
}

pub(crate) async fn put_hostgroup(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(title): Path<String>,
    body: Body,
) -> Response {
    put(&st, &who, &body, Target::Hostgroup(&title), &format!("PUT /v1/hostgroups/{title}"), None).await
}

pub(crate) async fn delete_hostgroup(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(title): Path<String>,
) -> Response {
    done(st.write(Op::DeleteHostgroup(title), &who.who).await)
}

/// The owner kinds of `/v1/{kind}/{owner}/parameters/{name}`.
pub(crate) const OWNER_KINDS: [&str; 7] =
    ["organizations", "locations", "domains", "subnets", "operatingsystems", "hostgroups", "hosts"];

pub(crate) fn owner(kind: &str, name: String) -> ParamOwner {
    match kind {
        "organizations" => ParamOwner::Organization(name),
        "locations" => ParamOwner::Location(name),
        "domains" => ParamOwner::Domain(name),
        "subnets" => ParamOwner::Subnet(name),
        "operatingsystems" => ParamOwner::Os(name),
        "hostgroups" => ParamOwner::Hostgroup(name),
        _ => ParamOwner::Host(name),
    }
}

pub(crate) async fn put_global_param(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    put(&st, &who, &body, Target::Param(&name), &format!("PUT /v1/parameters/{name}"), Some(ParamOwner::Global)).await
}

pub(crate) async fn delete_global_param(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(name): Path<String>,
) -> Response {
    done(st.write(Op::DeleteParam(ParamOwner::Global, name), &who.who).await)
}

pub(crate) async fn put_param(
    st: Arc<State>,
    who: Actor,
    kind: &'static str,
    of: String,
    name: String,
    body: Body,
) -> Response {
    let label = format!("PUT /v1/{kind}/{of}/parameters/{name}");
    put(&st, &who, &body, Target::Param(&name), &label, Some(owner(kind, of))).await
}

pub(crate) async fn delete_param(st: Arc<State>, who: Actor, kind: &'static str, of: String, name: String) -> Response {
    done(st.write(Op::DeleteParam(owner(kind, of), name), &who.who).await)
}

pub(crate) async fn put_key(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path((class, key)): Path<(String, String)>,
    body: Body,
) -> Response {
    let label = format!("PUT /v1/puppetclasses/{class}/smart_class_parameters/{key}");
    put(&st, &who, &body, Target::Key(&class, &key), &label, None).await
}

pub(crate) async fn delete_key(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path((class, key)): Path<(String, String)>,
) -> Response {
    done(st.write(Op::DeleteKey(class, key), &who.who).await)
}

pub(crate) async fn put_override(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path((class, key, m)): Path<(String, String, String)>,
    body: Body,
) -> Response {
    let label = format!("PUT /v1/puppetclasses/{class}/smart_class_parameters/{key}/override_values/{m}");
    put(&st, &who, &body, Target::Override(&class, &key, &m), &label, None).await
}

pub(crate) async fn delete_override(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path((class, key, m)): Path<(String, String, String)>,
) -> Response {
    done(st.write(Op::DeleteOverride(class, key, m), &who.who).await)
}

/// `PUT /v1/hosts/{certname}/facts`: a facts hash, or Foreman's `{"name", "facts"}` upload.
pub(crate) async fn put_facts(S(st): S<Arc<State>>, Path(certname): Path<String>, body: Body) -> Response {
    let label = format!("PUT /v1/hosts/{certname}/facts");
    match edit::parse_facts_within(&body.text, body.format, &certname, &label, &st.facts_limits) {
        Ok(facts) => done(st.put_facts(certname, facts).await),
        Err(errs) => done(Err(WriteError::Invalid(errs.0.iter().map(ToString::to_string).collect()))),
    }
}

//! Reads of the estate's objects, in the estate format (what a `PUT` of the same URL takes),
//! and of the audit log:
//!
//! - `GET /v1/hosts?search=&page=&per_page=`: the host list, searched and paged as Foreman's
//!   API does (`{total, subtotal, page, per_page, search, results}`);
//! - `GET /v1/hosts/{name}`, `/v1/hosts/{name}/facts`, `/v1/hostgroups[/{title}]`,
//!   `/v1/parameters[/{name}]`, `/v1/{kind}/{owner}/parameters[/{name}]`,
//!   `/v1/puppetclasses/{class}/smart_class_parameters/{key}[/override_values/{match}]`;
//! - `GET /v1/audits?object=&page=&per_page=`: who changed what, newest first.
//!
//! Hidden values and root passwords are masked (`lamina_estate::object`); `?show_hidden=true`
//! shows them to a caller that may write (a writer token, an admin certificate), as Foreman's
//! `show_hidden` needs the edit permission.

use crate::access::Actor;
use crate::read::{json, json_error};
use crate::state::State;
use axum::Extension;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::Response;
use lamina_estate::edit::ParamOwner;
use lamina_estate::object::{self, Subject};
use lamina_foreman::Value;
use lamina_foreman::model::Host;
use serde::Deserialize;
use std::sync::Arc;

/// `?show_hidden=`, `?search=`, `?page=`, `?per_page=`, `?object=`.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ReadQuery {
    #[serde(default)]
    show_hidden: bool,
    search: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    object: Option<String>,
}

/// Foreman's default page size.
const PER_PAGE: usize = 20;
/// The largest page.
const MAX_PER_PAGE: usize = 1000;

/// The object `v`, masked unless `show_hidden` is asked by a caller allowed to see it.
/// 403 when `show_hidden` is asked by a caller that may not write (Foreman's `show_hidden`
/// needs the edit permission).
fn hidden_refused(q: &ReadQuery, who: &Actor) -> Option<Response> {
    (q.show_hidden && !who.may_write)
        .then(|| json_error(StatusCode::FORBIDDEN, "show_hidden needs a writer token or an admin certificate"))
}

fn shown(v: Option<Value>, q: &ReadQuery, who: &Actor, what: impl FnOnce() -> String) -> Response {
    if let Some(r) = hidden_refused(q, who) {
        return r;
    }
    match v {
        Some(mut v) => {
            if !q.show_hidden {
                object::mask(&mut v);
            }
            json(StatusCode::OK, &serde_json::to_value(&v).unwrap_or_default())
        }
        None => json_error(StatusCode::NOT_FOUND, what()),
    }
}

async fn read_subject(st: &State, q: &ReadQuery, who: &Actor, s: Subject, what: String) -> Response {
    let v = st.with_source(|src| object::value_of(src, &s)).await;
    shown(v, q, who, || what)
}

pub(crate) async fn get_host(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(name): Path<String>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let what = format!("no host {name:?}");
    read_subject(&st, &q, &who, Subject::Host(name), what).await
}

pub(crate) async fn get_facts(S(st): S<Arc<State>>, Path(name): Path<String>) -> Response {
    let facts =
        st.with_source(|src| src.hosts.iter().find(|h| h.name == name).map(|h| Value::Hash((*h.facts).clone()))).await;
    match facts {
        Some(v) => json(StatusCode::OK, &serde_json::to_value(&v).unwrap_or_default()),
        None => json_error(StatusCode::NOT_FOUND, format!("no host {name:?}")),
    }
}

pub(crate) async fn get_hostgroup(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(title): Path<String>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let what = format!("no host group {title:?}");
    read_subject(&st, &q, &who, Subject::Hostgroup(title), what).await
}

pub(crate) async fn list_hostgroups(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let all = st
        .with_source(|src| {
            src.hostgroups
                .iter()
                .filter_map(|g| object::value_of(src, &Subject::Hostgroup(g.title.clone())))
                .collect::<Vec<_>>()
        })
        .await;
    page_of(all, &q, &who)
}

pub(crate) async fn get_param(st: Arc<State>, who: Actor, q: ReadQuery, owner: ParamOwner, name: String) -> Response {
    let what = format!("no parameter {name:?} of {}", owner_label(&owner));
    read_subject(&st, &q, &who, Subject::Param(owner, name), what).await
}

pub(crate) async fn list_params(st: Arc<State>, who: Actor, q: ReadQuery, owner: ParamOwner) -> Response {
    let list = st
        .with_source(|src| {
            object::owner_params(src, &owner)
                .map(|ps| ps.iter().map(lamina_estate::write::param_value).collect::<Vec<_>>())
        })
        .await;
    match list {
        Some(all) => page_of(all, &q, &who),
        None => json_error(StatusCode::NOT_FOUND, format!("no {}", owner_label(&owner))),
    }
}

pub(crate) async fn get_global_param(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path(name): Path<String>,
    Query(q): Query<ReadQuery>,
) -> Response {
    get_param(st, who, q, ParamOwner::Global, name).await
}

pub(crate) async fn list_global_params(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Query(q): Query<ReadQuery>,
) -> Response {
    list_params(st, who, q, ParamOwner::Global).await
}

pub(crate) async fn get_key(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path((class, key)): Path<(String, String)>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let what = format!("no smart class parameter {key:?} in class {class:?}");
    read_subject(&st, &q, &who, Subject::Key(class, key), what).await
}

pub(crate) async fn get_override(
    S(st): S<Arc<State>>,
    Extension(who): Extension<Actor>,
    Path((class, key, m)): Path<(String, String, String)>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let what = format!("no override value {m:?} of {class}::{key}");
    read_subject(&st, &q, &who, Subject::Override(class, key, m), what).await
}

fn owner_label(o: &ParamOwner) -> String {
    match o {
        ParamOwner::Global => "the global parameters".into(),
        ParamOwner::Organization(n) => format!("organization {n:?}"),
        ParamOwner::Location(n) => format!("location {n:?}"),
        ParamOwner::Domain(n) => format!("domain {n:?}"),
        ParamOwner::Subnet(n) => format!("subnet {n:?}"),
        ParamOwner::Os(n) => format!("operating system {n:?}"),
        ParamOwner::Hostgroup(n) => format!("host group {n:?}"),
        ParamOwner::Host(n) => format!("host {n:?}"),
    }
}

/// Page `page` of `all` (1-based), masked unless `show_hidden` is asked by a caller allowed.
fn page_of(all: Vec<Value>, q: &ReadQuery, who: &Actor) -> Response {
    if let Some(r) = hidden_refused(q, who) {
        return r;
    }
    list_page(all.len(), all, q, |mut v| {
        if !q.show_hidden {
            object::mask(&mut v);
        }
        v
    })
}

/// Page `page` of `matched` in Foreman's list shape: `total` counts every object, `subtotal`
/// those matched; only the page's rows are built (`row`).
fn list_page<T>(total: usize, matched: Vec<T>, q: &ReadQuery, row: impl Fn(T) -> Value) -> Response {
    let (page, per_page) = paging(q);
    let subtotal = matched.len();
    let results: Vec<Value> = matched.into_iter().skip(offset(page, per_page)).take(per_page).map(row).collect();
    let body = serde_json::json!({
        "total": total, "subtotal": subtotal, "page": page, "per_page": per_page,
        "search": q.search, "results": serde_json::to_value(&results).unwrap_or_default(),
    });
    json(StatusCode::OK, &body)
}

/// How many entries come before page `page` (saturating: `?page=` is the caller's number).
fn offset(page: usize, per_page: usize) -> usize {
    (page - 1).saturating_mul(per_page)
}

fn paging(q: &ReadQuery) -> (usize, usize) {
    (q.page.unwrap_or(1).max(1), q.per_page.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE))
}

/// One condition of a host search: `field op value`, or a bare word (the name contains it).
#[derive(Debug, PartialEq)]
struct Cond {
    field: String,
    op: &'static str,
    value: String,
}

/// Parse a search as Foreman's search box takes the simple cases: conditions joined by `and`
/// (or spaces), each `field = value`, `field != value`, `field ~ value` (contains),
/// `field !~ value`, or a bare word (`name ~ word`). Values may be double-quoted.
fn parse_search(text: &str) -> Result<Vec<Cond>, String> {
    let mut toks: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(ch) => s.push(ch),
                    None => return Err("a quoted value is never closed".into()),
                }
            }
            toks.push(format!("\"{s}"));
        } else if "=!~".contains(c) {
            let mut op = String::new();
            while let Some(&ch) = chars.peek().filter(|ch| "=!~".contains(**ch)) {
                op.push(ch);
                chars.next();
            }
            toks.push(op);
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek().filter(|ch| !ch.is_whitespace() && !"=!~\"".contains(**ch)) {
                s.push(ch);
                chars.next();
            }
            toks.push(s);
        }
    }
    let unquote = |t: &str| t.strip_prefix('"').unwrap_or(t).to_string();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].eq_ignore_ascii_case("and") {
            i += 1;
            continue;
        }
        let op = toks.get(i + 1).and_then(|o| ["=", "!=", "~", "!~"].into_iter().find(|x| x == o));
        match op {
            Some(op) => {
                let Some(value) = toks.get(i + 2) else { return Err(format!("`{} {op}` needs a value", toks[i])) };
                let field = toks[i].to_ascii_lowercase();
                if !FIELDS.contains(&field.as_str()) {
                    return Err(format!("unknown search field {field:?} (known: {})", FIELDS.join(", ")));
                }
                out.push(Cond { field, op, value: unquote(value) });
                i += 3;
            }
            None if toks[i].eq_ignore_ascii_case("or") || toks[i].eq_ignore_ascii_case("not") => {
                return Err(format!("`{}` is not supported: conditions are joined by `and`", toks[i]));
            }
            None if !toks[i].starts_with('"')
                && (["=", "!=", "~", "!~"].contains(&toks[i].as_str()) || toks[i].contains(['=', '~'])) =>
            {
                return Err(format!("`{}` needs a field before it", toks[i]));
            }
            None => {
                out.push(Cond { field: "name".into(), op: "~", value: unquote(&toks[i]) });
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The fields a host search knows.
const FIELDS: [&str; 10] =
    ["name", "certname", "hostgroup", "environment", "organization", "location", "domain", "subnet", "os", "class"];

fn host_field<'h>(h: &'h Host, field: &str) -> Vec<&'h str> {
    let o = |v: &'h Option<String>| v.as_deref().into_iter().collect::<Vec<_>>();
    match field {
        "name" => vec![h.name.as_str()],
        "certname" => vec![h.certname.as_deref().unwrap_or(&h.name)],
        "hostgroup" => o(&h.hostgroup),
        "environment" => o(&h.environment),
        "organization" => o(&h.organization),
        "location" => o(&h.location),
        "domain" => o(&h.domain),
        "subnet" => o(&h.subnet),
        "os" => o(&h.operatingsystem),
        "class" => h.puppetclasses.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

fn matches(h: &Host, c: &Cond) -> bool {
    let vals = host_field(h, &c.field);
    let lower = c.value.to_lowercase();
    match c.op {
        "=" => vals.iter().any(|v| *v == c.value),
        "!=" => !vals.iter().any(|v| *v == c.value),
        "~" => vals.iter().any(|v| v.to_lowercase().contains(&lower)),
        _ => !vals.iter().any(|v| v.to_lowercase().contains(&lower)),
    }
}

fn host_row(h: &Host) -> Value {
    let mut m = lamina_foreman::Map::new();
    m.insert("name".into(), Value::from(h.name.as_str()));
    for (k, v) in [
        ("certname", &h.certname),
        ("hostgroup", &h.hostgroup),
        ("environment", &h.environment),
        ("organization", &h.organization),
        ("location", &h.location),
        ("domain", &h.domain),
        ("subnet", &h.subnet),
        ("operatingsystem", &h.operatingsystem),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), Value::from(v.as_str()));
        }
    }
    Value::Hash(m)
}

pub(crate) async fn list_hosts(S(st): S<Arc<State>>, Query(q): Query<ReadQuery>) -> Response {
    let conds = match parse_search(q.search.as_deref().unwrap_or("")) {
        Ok(c) => c,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, format!("search: {e}")),
    };
    st.with_source(|src| {
        let matched: Vec<&Host> = src.hosts.iter().filter(|h| conds.iter().all(|c| matches(h, c))).collect();
        list_page(src.hosts.len(), matched, &q, host_row)
    })
    .await
}

pub(crate) async fn audits(S(st): S<Arc<State>>, Query(q): Query<ReadQuery>) -> Response {
    let Some(live) = &st.live else {
        return json_error(
            StatusCode::CONFLICT,
            "this server serves estate files (--estate), which it does not write: it has no audit log",
        );
    };
    let (page, per_page) = paging(&q);
    let offset = i64::try_from(offset(page, per_page)).unwrap_or(i64::MAX);
    let limit = i64::try_from(per_page).unwrap_or(i64::MAX);
    match live.audits(q.object.as_deref(), offset, limit).await {
        Ok((total, entries)) => {
            let results: Vec<serde_json::Value> = entries.iter().map(lamina_store::Audit::to_json).collect();
            let body = serde_json::json!({
                "total": total, "subtotal": total, "page": page, "per_page": per_page, "results": results,
            });
            json(StatusCode::OK, &body)
        }
        Err(e) => json_error(StatusCode::SERVICE_UNAVAILABLE, format!("the store failed: {}", e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches() {
        let c = parse_search(r#"hostgroup = "Base/Web" and web"#).unwrap();
        assert_eq!(
            c,
            [
                Cond { field: "hostgroup".into(), op: "=", value: "Base/Web".into() },
                Cond { field: "name".into(), op: "~", value: "web".into() },
            ]
        );
        assert!(parse_search("colour = red").unwrap_err().contains("unknown search field"));
        assert!(parse_search("name =").unwrap_err().contains("needs a value"));
        assert!(parse_search("domain !~ ops").is_ok());
        assert!(parse_search("web or db").unwrap_err().contains("joined by `and`"));
        assert_eq!(parse_search(r#""a=b""#).unwrap(), [Cond { field: "name".into(), op: "~", value: "a=b".into() }]);
        assert_eq!(offset(usize::MAX, 1000), usize::MAX);
    }
}

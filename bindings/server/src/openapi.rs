//! The OpenAPI 3.0 description served at `/openapi.json`. Written out here rather than derived,
//! so the routes stay plain axum; `tests/server_api.rs` checks that every route the router
//! serves is described and every described path is served.

use serde_json::{Value, json};

fn err(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn p(name: &str, desc: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": desc, "schema": { "type": "string" } })
}

fn q(name: &str, desc: &str, ty: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": desc, "schema": { "type": ty } })
}

fn write_ops(params: &[Value], what: &str, body: &str) -> Value {
    let ok = json!({ "description": "Written: the store's new revision", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Revision" } } } });
    let responses = json!({
        "200": ok,
        "404": err("The object or its owner does not exist"),
        "409": err("The server serves estate files and does not write"),
        "422": err("Invalid: every error, with the request and line; nothing was changed"),
        "503": err("The store failed; nothing was written")
    });
    json!({
        "put": {
            "summary": format!("Create or replace {what}"),
            "parameters": params,
            "requestBody": { "required": true, "description": body,
                "content": { "application/json": { "schema": { "type": "object" } }, "application/yaml": { "schema": { "type": "object" } } } },
            "responses": responses
        },
        "delete": { "summary": format!("Remove {what}"), "parameters": params, "responses": responses }
    })
}

/// A read of one object (`GET` of the URL a `PUT` writes).
fn read_op(params: &[Value], what: &str) -> Value {
    let mut params = params.to_vec();
    params.push(q(
        "show_hidden",
        "Show hidden values and root passwords (a writer token or an admin certificate)",
        "boolean",
    ));
    json!({
        "summary": format!("Read {what}, in the estate format (hidden values masked)"),
        "parameters": params,
        "responses": {
            "200": { "description": "The object", "content": { "application/json": { "schema": { "type": "object" } } } },
            "403": err("show_hidden without the right to write"),
            "404": err("No such object")
        }
    })
}

/// A paged list, in Foreman's list shape.
fn list_op(params: &[Value], what: &str, search: bool) -> Value {
    let mut params = params.to_vec();
    params.push(q("page", "Page number, from 1", "integer"));
    params.push(q("per_page", "Page size (default 20, at most 1000)", "integer"));
    if search {
        params.push(q(
            "search",
            "Conditions joined by `and`: `FIELD = V`, `!=`, `~` (contains), `!~`, or a word (the name contains it); fields: name, certname, hostgroup, environment, organization, location, domain, subnet, os, class",
            "string",
        ));
    }
    json!({ "get": {
        "summary": format!("List {what}"),
        "parameters": params,
        "responses": {
            "200": { "description": "{total, subtotal, page, per_page, search, results}", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Page" } } } },
            "400": err("A search that cannot be read")
        }
    }})
}

/// [`write_ops`] with the read of the same URL.
fn object_ops(params: &[Value], what: &str, body: &str) -> Value {
    let mut ops = write_ops(params, what, body);
    ops["get"] = read_op(params, what);
    ops
}

/// The description.
pub(crate) fn spec() -> Value {
    let certname = p("certname", "The host's certname (what Puppet asks for)");
    let min_revision = q(
        "min_revision",
        "Wait (up to 5 s) until this server has applied this store revision, as a write answered it (also the X-Lamina-Min-Revision header)",
        "integer",
    );
    let if_none_match = json!({ "name": "If-None-Match", "in": "header", "required": false,
        "description": "An ETag this server gave: 304 while the host's document is unchanged", "schema": { "type": "string" } });
    let yaml_doc = json!({ "text/yaml": { "schema": { "type": "string" } }, "application/json": { "schema": { "$ref": "#/components/schemas/Enc" } } });
    let mut paths = serde_json::Map::new();
    paths.insert("/node/{certname}".into(), json!({ "get": {
        "summary": "The host's ENC document, as Foreman's /node answers node.rb/enc.rb",
        "parameters": [certname, q("format", "yml (default) or json", "string"), min_revision.clone(), if_none_match.clone()],
        "responses": {
            "200": { "description": "The ENC document (YAML that Puppet reads with the intended types), with ETag (the host's version) and X-Lamina-Revision", "content": yaml_doc },
            "304": { "description": "If-None-Match names the host's current version" },
            "404": { "description": "Unknown host", "content": { "text/plain": { "schema": { "type": "string" } } } },
            "412": { "description": "The host's data cannot be resolved; the reason (never a value)", "content": { "text/plain": { "schema": { "type": "string" } } } },
            "503": { "description": "The server has not applied min_revision within 5 s", "content": { "text/plain": { "schema": { "type": "string" } } } }
        }
    }}));
    paths.insert("/v1/hosts/{certname}/enc".into(), json!({ "get": {
        "summary": "The host's ENC document: YAML, or JSON with Accept: application/json",
        "parameters": [certname, min_revision, if_none_match],
        "responses": { "200": { "description": "The ENC document, with ETag and X-Lamina-Revision", "content": yaml_doc }, "304": { "description": "Not modified" }, "404": err("Unknown host"), "412": err("Unresolvable host"), "503": err("min_revision not reached within 5 s") }
    }}));
    paths.insert("/v1/hosts/{certname}/explain".into(), json!({ "get": {
        "summary": "Where every value of the host's ENC came from (hidden values masked)",
        "parameters": [certname],
        "responses": { "200": { "description": "The explanation", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": err("Unknown host"), "412": err("Unresolvable host") }
    }}));
    paths.insert("/v1/hosts/{certname}/facts".into(), json!({ "put": {
        "summary": "Upload the host's facts (a hash, or Foreman's {name?, facts}); later ENCs and lookups see them",
        "parameters": [certname],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
        "responses": { "200": { "description": "Stored: the store's new revision", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Revision" } } } },
            "404": err("Unknown host"), "409": err("The server does not write"), "422": err("Not a JSON object (RFC 8259; YAML with Content-Type: application/yaml), or an upload naming another host") }
    }, "get": {
        "summary": "The host's facts as the server has them",
        "parameters": [certname],
        "responses": { "200": { "description": "The facts", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": err("Unknown host") }
    }}));
    paths.insert("/v1/hosts/{certname}/lookup/{key}".into(), json!({ "get": {
        "summary": "Hiera lookup of one key for the host, as Puppet's lookup() on a master",
        "parameters": [certname, p("key", "The key (dotted keys dig)"),
            q("merge", "first, unique, hash or deep (overrides lookup_options)", "string"),
            q("knock_out_prefix", "deep merge knockout prefix", "string"),
            q("sort_merged_arrays", "deep merge: sort merged arrays", "boolean"),
            q("merge_hash_arrays", "deep merge: merge arrays of hashes", "boolean"),
            q("default", "value (a string) when not found", "string")],
        "responses": { "200": { "description": "A one-key object {key: value}", "content": { "application/json": { "schema": { "type": "object" } } } },
            "400": err("Bad merge options"), "404": err("Not found (Puppet's message)"), "422": err("Lookup error (Puppet's message)"), "501": err("This server has no Hiera configuration") }
    }}));
    paths.insert("/v1/hosts/{certname}/hiera".into(), json!({ "get": {
        "summary": "Every key of the host's hierarchy with its looked-up value, one JSON object (hiera-http, lamina::data_hash)",
        "parameters": [certname],
        "responses": { "200": { "description": "The document", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": err("Unknown host"), "501": err("This server has no Hiera configuration") }
    }}));
    paths.insert(
        "/v1/hosts/{name}".into(),
        object_ops(&[p("name", "The host's name (FQDN)")], "a host", "A host, as in the estate format's `hosts` list"),
    );
    paths.insert(
        "/v1/hostgroups/{title}".into(),
        object_ops(&[p("title", "Full title, `/` encoded as %2F")], "a host group", "A host group, as in `hostgroups`"),
    );
    paths.insert(
        "/v1/parameters/{name}".into(),
        object_ops(&[p("name", "Parameter name")], "a global parameter", "{value, parameter_type?, hidden_value?}"),
    );
    for kind in crate::write::OWNER_KINDS {
        paths.insert(
            format!("/v1/{kind}/{{owner}}/parameters/{{name}}"),
            object_ops(
                &[p("owner", "The owner's name or title"), p("name", "Parameter name")],
                &format!("a parameter of one of the {kind}"),
                "{value, parameter_type?, hidden_value?}",
            ),
        );
    }
    for kind in crate::write::OWNER_KINDS {
        paths.insert(
            format!("/v1/{kind}/{{owner}}/parameters"),
            list_op(&[p("owner", "The owner's name or title")], &format!("the parameters of one of the {kind}"), false),
        );
    }
    paths.insert("/v1/parameters".into(), list_op(&[], "the global parameters", false));
    paths.insert(
        "/v1/hosts".into(),
        list_op(&[], "the hosts (name, certname, host group, environment, taxonomies, domain, subnet, OS)", true),
    );
    paths.insert("/v1/hostgroups".into(), list_op(&[], "the host groups, in the estate format", false));
    paths.insert("/v1/audits".into(), json!({ "get": {
        "summary": "The audit log, newest first: who (token name, certificate, importing user), when (UTC), action, object, before and after (hidden values masked)",
        "parameters": [q("object", "Only this object's entries and its sub-objects' (an API path, e.g. /v1/hosts/web01.example.com)", "string"),
            q("page", "Page number, from 1", "integer"), q("per_page", "Page size (default 20, at most 1000)", "integer")],
        "responses": {
            "200": { "description": "{total, subtotal, page, per_page, results}", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Page" } } } },
            "409": err("The server serves estate files: no writes, no audit log"),
            "503": err("The store failed")
        }
    }}));
    paths.insert(
        "/v1/puppetclasses/{class}/smart_class_parameters/{key}".into(),
        object_ops(
            &[p("class", "Class name"), p("key", "Parameter name")],
            "a smart class parameter with its override values",
            "A smart class parameter, as in `puppetclasses`",
        ),
    );
    paths.insert(
        "/v1/puppetclasses/{class}/smart_class_parameters/{key}/override_values/{match}".into(),
        object_ops(
            &[
                p("class", "Class name"),
                p("key", "Parameter name"),
                p("match", "The matcher, e.g. hostgroup=Base%2FWeb"),
            ],
            "an override value",
            "{value?, omit?}",
        ),
    );
    paths.insert("/healthz".into(), json!({ "get": { "summary": "Liveness (no database access)", "responses": { "200": { "description": "ok" } } } }));
    paths.insert("/readyz".into(), json!({ "get": { "summary": "Readiness: estate loaded and store answering", "responses": { "200": { "description": "ready" }, "503": { "description": "not ready" } } } }));
    paths.insert("/metrics".into(), json!({ "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "text exposition" } } } }));
    paths.insert(
        "/openapi.json".into(),
        json!({ "get": { "summary": "This description", "responses": { "200": { "description": "OpenAPI 3.0" } } } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Lamina ENC and Hiera server", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": { "type": "object", "properties": { "error": { "type": "string" }, "errors": { "type": "array", "items": { "type": "string" } } }, "required": ["error"] },
                "Revision": { "type": "object", "properties": { "revision": { "type": "integer" } }, "required": ["revision"] },
                "Page": { "type": "object", "properties": { "total": { "type": "integer" }, "subtotal": { "type": "integer" }, "page": { "type": "integer" }, "per_page": { "type": "integer" }, "results": { "type": "array", "items": { "type": "object" } } } },
                "Enc": { "type": "object", "properties": { "classes": {}, "parameters": { "type": "object" }, "environment": { "type": "string" } } }
            },
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        },
        "security": [ { "bearer": [] }, {} ]
    })
}

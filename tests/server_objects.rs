//! The server's reads of objects and its audit log, JSON bodies read as JSON, and imports that
//! say what they replace (issue 15, points 6–8).

use lamina_tests::{Server, http, lamina_bin, repo_root};
use serde_json::Value as J;
use std::process::{Command, Output};

fn demo() -> std::path::PathBuf {
    repo_root().join("corpus/demo")
}

fn import(estate: &std::path::Path, url: &str, extra: &[&str]) -> Output {
    Command::new(lamina_bin())
        .arg("import")
        .arg(estate)
        .args(["--store", url])
        .args(extra)
        .env("USER", "alice")
        .output()
        .expect("run lamina import")
}

fn store_with_demo(dir: &tempfile::TempDir) -> String {
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = import(&demo(), &url, &[]);
    assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));
    url
}

/// A call with headers: `(status, body)`.
fn call(method: &str, url: &str, body: Option<&str>, headers: &[(&str, &str)]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let resp = if method == "GET" {
        let mut r = agent.get(url);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.call()
    } else {
        let mut r = agent.put(url);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send(body.unwrap_or(""))
    };
    let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    (resp.status().as_u16(), resp.body_mut().read_to_string().unwrap_or_default())
}

fn json(body: &str) -> J {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Point 6: a body is JSON (RFC 8259) unless its Content-Type says YAML: `0755`, `no` and a
/// trailing comma are refused with their position; YAML's readings only when YAML is asked
/// for. A facts upload in Foreman's shape is recognised with or without `name`, and refused
/// when it names another host.
#[test]
fn issue15_json_bodies_are_read_as_json_and_yaml_only_when_asked() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = store_with_demo(&dir);
    let s = Server::start(&["--store", &url]);
    let p = format!("{}/v1/parameters/mode", s.url);
    let json_ct = [("Content-Type", "application/json")];
    for (body, needle) in [
        (r#"{"value": 0755}"#, "1:11: 0755: JSON numbers have no leading zeros"),
        (r#"{"value": no}"#, "1:11: `no` is not a JSON value"),
        ("{\"value\": \"x\",}", "a trailing comma before '}'"),
    ] {
        for headers in [&json_ct[..], &[]] {
            let (status, text) = call("PUT", &p, Some(body), headers);
            assert_eq!(status, 422, "{body} {headers:?}: {text}");
            assert!(text.contains(needle), "{body}: {text} lacks {needle:?}");
        }
    }
    let (status, _) = call("GET", &p, None, &[]);
    assert_eq!(status, 404, "a refused write stored something");
    // YAML when asked: YAML 1.1's octal.
    let (status, text) = call("PUT", &p, Some("{value: 0755}"), &[("Content-Type", "application/yaml")]);
    assert_eq!(status, 200, "{text}");
    let (_, text) = call("GET", &p, None, &[]);
    assert_eq!(json(&text)["value"], 493, "{text}");
    // JSON numbers as JSON: 1e3 is a number, not YAML's string "1e3".
    let (status, text) = call("PUT", &p, Some(r#"{"value": 1e3}"#), &json_ct);
    assert_eq!(status, 200, "{text}");
    let (_, text) = call("GET", &p, None, &[]);
    assert_eq!(json(&text)["value"], 1000.0, "{text}");

    let web = "web01.demo.example.com";
    let facts = format!("{}/v1/hosts/{web}/facts", s.url);
    let (status, text) = call("PUT", &facts, Some(r#"{"facts": {"virtual": "kvm", "uptime_days": 3}}"#), &json_ct);
    assert_eq!(status, 200, "{text}");
    let (_, text) = call("GET", &facts, None, &[]);
    let got = json(&text);
    assert_eq!((got["virtual"].as_str(), got["uptime_days"].as_i64()), (Some("kvm"), Some(3)), "{text}");
    assert!(got.get("facts").is_none(), "the upload shape was stored as a fact: {text}");
    let (status, text) =
        call("PUT", &facts, Some(r#"{"name": "db01.demo.example.com", "facts": {"virtual": "xen"}}"#), &json_ct);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("db01.demo.example.com") && text.contains(web), "{text}");
    // A facts hash with a fact called `facts` beside others stays a facts hash.
    let (status, text) = call("PUT", &facts, Some(r#"{"facts": {"a": 1}, "kernel": "Linux"}"#), &json_ct);
    assert_eq!(status, 200, "{text}");
    let (_, text) = call("GET", &facts, None, &[]);
    assert_eq!(json(&text)["kernel"], "Linux", "{text}");
}

/// Point 7: reads of every object written through the API, the host list searched and paged
/// as Foreman's, hidden values masked unless a writer asks, and an audit log of writes naming
/// who (the token's name), when, what, old → new, with hidden values masked.
#[test]
fn issue15_api_reads_objects_and_keeps_an_audit_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = store_with_demo(&dir);
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "reader rrrrrrrrrrrrrrrrrrrr dashboards\nwriter wwwwwwwwwwwwwwwwwwww ops-ci\n")
        .expect("tokens");
    let s = Server::start(&["--store", &url, "--auth-token-file", tokens.to_str().expect("utf-8")]);
    let r = [("Authorization", "Bearer rrrrrrrrrrrrrrrrrrrr")];
    let w = [("Authorization", "Bearer wwwwwwwwwwwwwwwwwwww")];
    let web = "web01.demo.example.com";

    let (status, text) = call("GET", &format!("{}/v1/hosts/{web}", s.url), None, &r);
    assert_eq!(status, 200, "{text}");
    let host = json(&text);
    assert_eq!(host["name"], web);
    assert_eq!(host["hostgroup"], "Base/Web/Frontend", "{text}");
    assert!(host.get("facts").is_none(), "facts have their own route: {text}");
    let (status, text) = call("GET", &format!("{}/v1/hostgroups/Base%2FWeb", s.url), None, &r);
    assert_eq!((status, json(&text)["title"].as_str()), (200, Some("Base/Web")), "{text}");
    let (status, _) = call("GET", &format!("{}/v1/hosts/nosuch.example.com", s.url), None, &r);
    assert_eq!(status, 404);
    let (status, _) = call("GET", &format!("{}/v1/hosts/{web}", s.url), None, &[]);
    assert_eq!(status, 401, "reads need a token too");

    // The host list: search and pages, Foreman's shape.
    let list = |q: &str| {
        let (status, text) = call("GET", &format!("{}/v1/hosts?{q}", s.url), None, &r);
        assert_eq!(status, 200, "{q}: {text}");
        json(&text)
    };
    let all = list("per_page=5");
    assert_eq!(
        (all["total"].as_u64(), all["per_page"].as_u64(), all["results"].as_array().map(Vec::len)),
        (Some(12), Some(5), Some(5))
    );
    let page3 = list("per_page=5&page=3");
    assert_eq!(page3["results"].as_array().map(Vec::len), Some(2), "{page3}");
    let web_hosts = list("search=domain%20%3D%20demo.example.com%20and%20web");
    let names: Vec<&str> =
        web_hosts["results"].as_array().expect("results").iter().filter_map(|h| h["name"].as_str()).collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.contains("web") && n.ends_with("demo.example.com")),
        "{names:?}"
    );
    assert_eq!(web_hosts["subtotal"].as_u64(), Some(names.len() as u64));
    let (status, text) = call("GET", &format!("{}/v1/hosts?search=colour%20%3D%20red", s.url), None, &r);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("unknown search field"), "{text}");

    // A hidden parameter: written by the writer, masked for the reader, shown to the writer on
    // request, refused to the reader on request.
    let p = format!("{}/v1/hosts/{web}/parameters/vault_key", s.url);
    let (status, text) = call("PUT", &p, Some(r#"{"value": "TopSecret-42", "hidden_value": true}"#), &w);
    assert_eq!(status, 200, "{text}");
    let (status, text) = call("PUT", &p, Some(r#"{"value": "TopSecret-43", "hidden_value": true}"#), &w);
    assert_eq!(status, 200, "{text}");
    let (_, text) = call("GET", &p, None, &r);
    assert!(text.contains("*****") && !text.contains("TopSecret"), "{text}");
    let (_, text) = call("GET", &format!("{}/v1/hosts/{web}/parameters", s.url), None, &r);
    assert!(text.contains("vault_key") && !text.contains("TopSecret"), "{text}");
    let (status, _) = call("GET", &format!("{p}?show_hidden=true"), None, &r);
    assert_eq!(status, 403);
    let (_, text) = call("GET", &format!("{p}?show_hidden=true"), None, &w);
    assert!(text.contains("TopSecret-43"), "{text}");
    // A hidden smart class parameter: its default and its override values are masked.
    let key = format!("{}/v1/puppetclasses/postgresql/smart_class_parameters/password", s.url);
    let (status, text) = call("GET", &key, None, &r);
    assert_eq!(status, 200, "{text}");
    assert!(
        !text.contains("changeme-please") && !text.contains("S3cr3t") && text.contains("hostgroup=Base/DB"),
        "{text}"
    );
    let (status, text) = call("GET", &format!("{key}/override_values/fqdn=db01.demo.example.com"), None, &r);
    assert_eq!((status, json(&text)["value"].as_str()), (200, Some("*****")), "{text}");
    let (_, text) =
        call("GET", &format!("{key}/override_values/fqdn=db01.demo.example.com?show_hidden=true"), None, &w);
    assert_eq!(json(&text)["value"], "db01-S3cr3t!", "{text}");
    let (status, _) = call("PUT", &format!("{}/v1/parameters/ntp_hint", s.url), Some(r#"{"value": "pool"}"#), &w);
    assert_eq!(status, 200);

    // The audit log: newest first, the token's name, old → new masked.
    let (status, text) = call("GET", &format!("{}/v1/audits?per_page=10", s.url), None, &r);
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains("TopSecret"), "a hidden value reached the audit log: {text}");
    let log = json(&text);
    let entries = log["results"].as_array().expect("results");
    // The import, then three writes.
    assert_eq!(log["total"].as_u64(), Some(4), "{text}");
    assert_eq!(entries[0]["object"], "/v1/parameters/ntp_hint");
    assert_eq!(entries[0]["who"], "token ops-ci");
    assert_eq!(entries[0]["action"], "PUT");
    assert!(entries[0]["before"].is_null() && entries[0]["after"]["value"] == "pool", "{}", entries[0]);
    let second = &entries[1];
    assert_eq!(second["object"], format!("/v1/hosts/{web}/parameters/vault_key"));
    assert_eq!((second["before"]["value"].as_str(), second["after"]["value"].as_str()), (Some("*****"), Some("*****")));
    assert!(second["at"].as_str().is_some_and(|t| t.len() == 24 && t.ends_with('Z')), "{second}");
    assert_eq!(entries[3]["action"], "IMPORT");
    assert_eq!(entries[3]["who"], "import by alice");
    let (_, text) = call("GET", &format!("{}/v1/audits?object=/v1/hosts/{web}", s.url), None, &r);
    assert_eq!(json(&text)["total"].as_u64(), Some(2), "the host's own entries and its parameters': {text}");

    // A masked read written back is refused: it would replace the secret with the mask.
    let (_, masked) = call("GET", &p, None, &w);
    let (status, text) = call("PUT", &p, Some(&masked), &w);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("the mask a read shows"), "{text}");
    let (_, host) = call("GET", &format!("{}/v1/hosts/{web}", s.url), None, &w);
    let (status, text) = call("PUT", &format!("{}/v1/hosts/{web}", s.url), Some(&host), &w);
    assert_eq!(status, 422, "{text}");
    let (_, text) = call("GET", &format!("{p}?show_hidden=true"), None, &w);
    assert!(text.contains("TopSecret-43"), "the secret is intact: {text}");
    // Audit entries name objects as written, so a host group's title filters as it reads.
    let hg = format!("{}/v1/hostgroups/Base%2FWeb/parameters/zone", s.url);
    assert_eq!(call("PUT", &hg, Some(r#"{"value": "web"}"#), &w).0, 200);
    let (_, text) = call("GET", &format!("{}/v1/audits?object=/v1/hostgroups/Base/Web", s.url), None, &r);
    let log = json(&text);
    assert_eq!(log["total"].as_u64(), Some(1), "{text}");
    assert_eq!(log["results"][0]["object"], "/v1/hostgroups/Base/Web/parameters/zone", "{text}");
    let (_, text) = call("GET", &format!("{}/v1/audits?object=/v1/hostgroups/base/web", s.url), None, &r);
    assert_eq!(json(&text)["total"].as_u64(), Some(0), "the filter is case-sensitive on every engine: {text}");
}

/// Point 8: an import says what it replaces, and is refused while the store holds writes made
/// through the API since its last import, unless --force; nothing is written when refused.
#[test]
fn issue15_import_says_what_it_replaces_and_needs_force_over_api_writes() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = store_with_demo(&dir);
    // The same estate again: nothing changes, and it says so.
    let out = import(&demo(), &url, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already held this estate: nothing changed"), "{out:?}");

    let s = Server::start(&["--store", &url]);
    let web = "web01.demo.example.com";
    let (status, text) =
        http("PUT", &format!("{}/v1/hosts/{web}/parameters/api_only", s.url), Some(r#"{"value": 1}"#), None);
    assert_eq!(status, 200, "{text}");

    // An edited estate: refused, naming the write; the store keeps the API write.
    let edited = dir.path().join("edited");
    lamina_tests::copy_demo(&edited);
    lamina_tests::edit(
        &edited.join("hostgroups.yaml"),
        "  - title: \"Base/Web\"\n",
        "  - title: \"Base/Web\"\n    environment: development\n",
    );
    let out = import(&edited, &url, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("1 write made through the API since its last import"), "{err}");
    assert!(err.contains(&format!("PUT /v1/hosts/{web}/parameters/api_only by anonymous")), "{err}");
    assert!(err.contains("--force"), "{err}");
    let (status, _) = http("GET", &format!("{}/v1/hosts/{web}/parameters/api_only", s.url), None, None);
    assert_eq!(status, 200, "a refused import changed the store");

    let out = import(&edited, &url, &["--force"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("hostgroups: 1 changed (Base/Web)"), "{err}");
    assert!(err.contains(&format!("hosts: 1 changed ({web})")), "the API write it replaced: {err}");
    assert!(err.contains("replaced 1 write(s) made through the API"), "{err}");
    // After an import, the next import needs no --force again.
    let out = import(&edited, &url, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The audit log and the import's check on PostgreSQL (the SQL differs by engine: the filter,
/// the revision lock an import takes first).
#[test]
fn issue15_audit_log_and_import_check_on_postgresql() {
    let Some(db) = lamina_tests::PgDb::new("issue15_audits") else { return };
    let out = import(&demo(), &db.url, &[]);
    assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));
    let s = Server::start(&["--store", &db.url]);
    let hg = format!("{}/v1/hostgroups/Base%2FWeb/parameters/zone", s.url);
    assert_eq!(http("PUT", &hg, Some(r#"{"value": "web"}"#), None).0, 200);
    let (status, text) = http("GET", &format!("{}/v1/audits?object=/v1/hostgroups/Base/Web", s.url), None, None);
    assert_eq!(status, 200, "{text}");
    let log = json(&text);
    assert_eq!((log["total"].as_u64(), log["results"][0]["who"].as_str()), (Some(1), Some("anonymous")), "{text}");
    let (_, text) = http("GET", &format!("{}/v1/audits", s.url), None, None);
    assert_eq!(json(&text)["total"].as_u64(), Some(2), "the import and the write: {text}");
    let out = import(&demo(), &db.url, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = import(&demo(), &db.url, &["--force"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.contains("hostgroups: 1 changed (Base/Web)"), "{err}");
    drop(s);
}

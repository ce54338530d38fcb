//! `lamina serve`: the Foreman-compatible `/node` answers byte-identical ENCs, the write API
//! validates as the loader does and changes nothing on error, writes are lossless through an
//! export, servers sharing a store converge, facts uploads are batched and seen, secrets stay
//! out of error bodies, tokens guard every data route, and `/openapi.json` describes every route.
//!
//! PostgreSQL tests use a scratch database each and fail loudly under CI when the server at
//! 127.0.0.1:5432 is missing.

use lamina_estate as estate;
use lamina_foreman::{Estate, resolve};
use lamina_tests::{PgDb, Server, http, lamina_bin, repo_root};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn demo() -> std::path::PathBuf {
    repo_root().join("corpus/demo")
}

fn import(estate: &Path, url: &str) {
    let out = Command::new(lamina_bin()).arg("import").arg(estate).args(["--store", url]).output().expect("run lamina");
    assert!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn yaml_of(e: &Estate, certname: &str) -> String {
    let idx = e.host(certname).expect("host");
    lamina_yaml::to_yaml(&resolve(e, idx, false).expect("resolves").document().expect("document").into_value())
}

fn get(s: &Server, path: &str) -> (u16, String) {
    http("GET", &format!("{}{path}", s.url), None, None)
}

fn put(s: &Server, path: &str, body: &str) -> (u16, String) {
    http("PUT", &format!("{}{path}", s.url), Some(body), None)
}

fn revision(body: &str) -> i64 {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    v["revision"].as_i64().unwrap_or_else(|| panic!("no revision in {body}"))
}

/// Every demo host's `/node` answer is the bytes the estate renders to; JSON by Accept/format;
/// 404 for an unknown host.
#[test]
fn node_answers_are_the_cli_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&demo(), &url);
    let s = Server::start(&["--store", &url]);
    let e = estate::load(&demo()).expect("demo loads");
    assert!(e.certnames().len() >= 10);
    for c in e.certnames() {
        let (status, body) = get(&s, &format!("/node/{c}?format=yml"));
        assert_eq!(status, 200, "{c}: {body}");
        assert_eq!(body, yaml_of(&e, c), "{c}");
        let (status, body) = get(&s, &format!("/node/{c}?format=json"));
        assert_eq!(status, 200);
        let idx = e.host(c).expect("host");
        let doc = resolve(&e, idx, false).expect("resolves").document().expect("document").into_value();
        assert_eq!(body, lamina_yaml::to_json(&doc), "{c}");
    }
    let (status, body) = get(&s, "/node/nope.example.com?format=yml");
    assert_eq!((status, body.as_str()), (404, "unknown host \"nope.example.com\"\n"));
    let (status, _) = get(&s, "/v1/hosts/nope.example.com/enc");
    assert_eq!(status, 404);
    let (status, body) = get(&s, "/healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert_eq!(get(&s, "/readyz").0, 200);
}

/// Writes through the API on PostgreSQL: each is validated, committed, seen at once, refused
/// with 404/422 and no change when wrong; an export afterwards gives the server's documents.
#[test]
fn writes_validate_commit_and_export_losslessly() {
    let Some(db) = PgDb::new("serve_writes") else { return };
    import(&demo(), &db.url);
    let s = Server::start(&["--store", &db.url]);
    let web = "web01.demo.example.com";
    let (_, before) = get(&s, &format!("/node/{web}"));

    // A host parameter.
    let (status, body) = put(&s, &format!("/v1/hosts/{web}/parameters/motd_extra"), r#"{"value": "hello"}"#);
    assert_eq!(status, 200, "{body}");
    let r1 = revision(&body);
    let (_, now) = get(&s, &format!("/node/{web}"));
    assert!(now.contains("motd_extra: hello"), "{now}");

    // Invalid writes: unknown field, bad reference, failing cast, unknown owner. Nothing changes.
    let bad = [
        (format!("/v1/hosts/{web}"), r#"{"hostgroup": "Base/Web", "bogus": 1}"#, 422, "unknown field"),
        ("/v1/hosts/new.demo.example.com".to_string(), r#"{"hostgroup": "No/Such"}"#, 422, "does not exist"),
        (
            "/v1/hostgroups/Base%2FWeb/parameters/port".to_string(),
            r#"{"value": "eighty", "parameter_type": "integer"}"#,
            422,
            "port",
        ),
        ("/v1/domains/nowhere.example/parameters/x".to_string(), r#"{"value": 1}"#, 404, "nowhere.example"),
        ("/v1/puppetclasses/nosuchclass/smart_class_parameters/k".to_string(), r"{}", 404, "nosuchclass"),
    ];
    for (path, body, want, needle) in bad {
        let (status, text) = put(&s, &path, body);
        assert_eq!(status, want, "PUT {path}: {text}");
        assert!(text.contains(needle), "PUT {path}: {text} lacks {needle:?}");
    }
    let (_, same) = get(&s, &format!("/node/{web}"));
    assert_eq!(same, now, "a refused write changed the ENC");

    // A new host, a smart class parameter override, a host group parameter, then deletes.
    let (status, body) =
        put(&s, "/v1/hosts/new01.demo.example.com", r#"{"hostgroup": "Base/Web", "domain": "demo.example.com"}"#);
    assert_eq!(status, 200, "{body}");
    assert_eq!(get(&s, "/node/new01.demo.example.com").0, 200);
    let (status, body) = put(
        &s,
        "/v1/puppetclasses/motd/smart_class_parameters/message/override_values/fqdn=new01.demo.example.com",
        r#"{"value": "New host banner"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(get(&s, "/node/new01.demo.example.com").1.contains("message: New host banner"));
    // An override whose match does not fit the key's order is refused.
    let (status, body) = put(
        &s,
        "/v1/puppetclasses/motd/smart_class_parameters/message/override_values/comment=x",
        r#"{"value": "nope"}"#,
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = put(&s, "/v1/hostgroups/Base%2FWeb/parameters/zone_label", r#"{"value": "web"}"#);
    assert_eq!(status, 200, "{body}");
    let (_, doc) = get(&s, "/node/new01.demo.example.com");
    assert!(doc.contains("zone_label: web"), "{doc}");
    let (status, body) = http("DELETE", &format!("{}/v1/hosts/{web}/parameters/motd_extra", s.url), None, None);
    assert_eq!(status, 200, "{body}");
    assert!(revision(&body) > r1);
    let (status, body) =
        http("DELETE", &format!("{}/v1/hostgroups/Base%2FWeb/parameters/zone_label", s.url), None, None);
    assert_eq!(status, 200, "{body}");
    let (_, doc) = get(&s, &format!("/node/{web}"));
    assert_eq!(doc, before, "deleting the added parameters restores the document");
    // Deleting a host group that hosts use is refused by the estate's validation.
    let (status, body) = http("DELETE", &format!("{}/v1/hostgroups/Base%2FWeb", s.url), None, None);
    assert_eq!(status, 422, "{body}");

    // The store now holds what the server serves: export it and compare every host.
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("estate");
    let o =
        Command::new(lamina_bin()).args(["export", "--store", &db.url, "--out"]).arg(&dir).output().expect("export");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let exported = estate::load(&dir).expect("the export loads");
    assert!(exported.host("new01.demo.example.com").is_some());
    for c in exported.certnames() {
        assert_eq!(get(&s, &format!("/node/{c}")).1, yaml_of(&exported, c), "{c}");
    }
}

/// Two servers on one store: a write through one is served by the other after its refresh.
#[test]
fn servers_sharing_a_store_converge() {
    let Some(db) = PgDb::new("serve_two") else { return };
    import(&demo(), &db.url);
    let a = Server::start(&["--store", &db.url, "--refresh", "0.2"]);
    let b = Server::start(&["--store", &db.url, "--refresh", "0.2"]);
    let (status, body) = put(&a, "/v1/parameters/site_banner", r#"{"value": "from A"}"#);
    assert_eq!(status, 200, "{body}");
    let t = Instant::now();
    loop {
        let (_, doc) = get(&b, "/node/web01.demo.example.com");
        if doc.contains("site_banner: from A") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "server B never saw A's write:\n{doc}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // B writes next: it validated against the store's latest revision, so no conflict is lost.
    let (status, body) = put(&b, "/v1/parameters/site_banner", r#"{"value": "from B"}"#);
    assert_eq!(status, 200, "{body}");
    let t = Instant::now();
    while !get(&a, "/node/web01.demo.example.com").1.contains("site_banner: from B") {
        assert!(t.elapsed() < Duration::from_secs(10), "server A never saw B's write");
        std::thread::sleep(Duration::from_millis(100));
    }
    // An import into the running servers' store replaces the estate: both reload it.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("estate");
    std::fs::create_dir(&copy).expect("mkdir");
    for f in std::fs::read_dir(demo()).expect("demo") {
        let f = f.expect("entry").path();
        if f.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&f, copy.join(f.file_name().expect("name"))).expect("copy");
        }
    }
    let params = copy.join("parameters.yaml");
    let text = std::fs::read_to_string(&params)
        .expect("read")
        .replace("parameters:\n", "parameters:\n  imported_mark: \"yes it is\"\n");
    std::fs::write(&params, text).expect("write");
    // It replaces B's write made through the API: --force says so.
    let out = Command::new(lamina_bin())
        .arg("import")
        .arg(&copy)
        .args(["--store", &db.url, "--force"])
        .output()
        .expect("run");
    assert!(out.status.success(), "import --force failed: {}", String::from_utf8_lossy(&out.stderr));
    for s in [&a, &b] {
        let t = Instant::now();
        loop {
            let doc = get(s, "/node/web01.demo.example.com").1;
            if doc.contains("imported_mark: yes it is") {
                assert!(!doc.contains("site_banner"), "the import replaced the store's content");
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "a server never reloaded the import");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Concurrent facts uploads all land (batched), and a fact matcher follows the new facts.
#[test]
fn facts_uploads_are_batched_and_change_fact_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&demo(), &url);
    let s = Server::start(&["--store", &url]);
    let e = estate::load(&demo()).expect("demo loads");
    let hosts: Vec<String> = e.certnames().to_vec();
    std::thread::scope(|scope| {
        for c in &hosts {
            let base = s.url.clone();
            scope.spawn(move || {
                let body =
                    format!(r#"{{"name": "{c}", "facts": {{"os": {{"family": "Debian"}}, "is_virtual": true}}}}"#);
                let (status, text) = http("PUT", &format!("{base}/v1/hosts/{c}/facts"), Some(&body), None);
                assert_eq!(status, 200, "{c}: {text}");
            });
        }
    });
    let (_, m) = get(&s, "/metrics");
    let metric = |name: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{m}"))
    };
    assert_eq!(metric("lamina_facts_uploads_total"), hosts.len() as u64);
    assert!(metric("lamina_facts_batches_total") <= hosts.len() as u64);
    // web01 is RedHat in the estate; as Debian its `os::family=Debian` override applies.
    let (_, doc) = get(&s, "/node/web01.demo.example.com");
    assert!(doc.contains("mpm: event"), "{doc}");
    let (status, _) = put(&s, "/v1/hosts/unknown.example.com/facts", r#"{"a": 1}"#);
    assert_eq!(status, 404);
    let (status, _) = put(&s, "/v1/hosts/web01.demo.example.com/facts", "[1, 2]");
    assert_eq!(status, 422);
}

/// Hidden values: the ENC (for Puppet) has them, explain masks them, and an unresolvable host's
/// 412 names the parameter without its value.
#[test]
fn secrets_stay_out_of_explain_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&demo(), &url);
    let s = Server::start(&["--store", &url]);
    let web = "web01.demo.example.com";
    let (status, body) =
        put(&s, &format!("/v1/hosts/{web}/parameters/vault_key"), r#"{"value": "TopSecret-42", "hidden_value": true}"#);
    assert_eq!(status, 200, "{body}");
    assert!(get(&s, &format!("/node/{web}")).1.contains("TopSecret-42"));
    let (status, explained) = get(&s, &format!("/v1/hosts/{web}/explain"));
    assert_eq!(status, 200);
    assert!(explained.contains("vault_key") && !explained.contains("TopSecret-42"), "{explained}");
    let (status, body) = put(
        &s,
        &format!("/v1/hosts/{web}/parameters/vault_key"),
        r#"{"value": "<%= 'TopSecret-42'.upcase + 1 %>", "hidden_value": true}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, why) = get(&s, &format!("/node/{web}"));
    assert_eq!(status, 412, "{why}");
    assert!(why.contains("vault_key") && !why.contains("TopSecret"), "{why}");
}

/// With a token file, data routes need a token and writes a writer's; health stays open; a
/// public listener without tokens is refused.
#[test]
fn tokens_guard_data_routes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&demo(), &url);
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "# roles\nreader rrrrrrrrrrrrrrrrrrrr\nwriter wwwwwwwwwwwwwwwwwwww\n").expect("write");
    let s = Server::start(&["--store", &url, "--auth-token-file", tokens.to_str().expect("utf-8")]);
    let node = format!("{}/node/web01.demo.example.com", s.url);
    assert_eq!(http("GET", &node, None, None).0, 401);
    assert_eq!(http("GET", &node, None, Some("wrong-token-wrong-token")).0, 401);
    assert_eq!(http("GET", &node, None, Some("rrrrrrrrrrrrrrrrrrrr")).0, 200);
    assert_eq!(http("GET", &node, None, Some("wwwwwwwwwwwwwwwwwwww")).0, 200);
    let p = format!("{}/v1/parameters/x", s.url);
    assert_eq!(http("PUT", &p, Some(r#"{"value": 1}"#), Some("rrrrrrrrrrrrrrrrrrrr")).0, 403);
    assert_eq!(http("PUT", &p, Some(r#"{"value": 1}"#), Some("wwwwwwwwwwwwwwwwwwww")).0, 200);
    assert_eq!(get(&s, "/healthz").0, 200);
    assert_eq!(get(&s, "/metrics").0, 200);

    let out = Command::new(lamina_bin())
        .args(["serve", "--store", &url, "--listen", "0.0.0.0:0"])
        .output()
        .expect("run lamina serve");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("without authentication"));
}

/// Every path `/openapi.json` describes is a route of the server (a request to it is counted
/// under that route's pattern).
#[test]
fn openapi_describes_every_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&demo(), &url);
    let s = Server::start(&["--store", &url]);
    let (status, body) = get(&s, "/openapi.json");
    assert_eq!(status, 200);
    let spec: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(spec["openapi"], "3.0.3");
    let paths = spec["paths"].as_object().expect("paths");
    assert!(paths.len() >= 18, "{}", paths.len());
    for (path, ops) in paths {
        let concrete =
            path.split('/').map(|seg| if seg.starts_with('{') { "x" } else { seg }).collect::<Vec<_>>().join("/");
        let method = if ops.get("get").is_some() { "GET" } else { "PUT" };
        let _ = http(method, &format!("{}{concrete}", s.url), Some("{}"), None);
    }
    let (_, m) = get(&s, "/metrics");
    let served: std::collections::BTreeSet<&str> = m
        .lines()
        .filter_map(|l| l.strip_prefix("lamina_http_requests_total{route=\""))
        .filter_map(|l| l.split('"').next())
        .collect();
    for path in paths.keys() {
        assert!(served.contains(path.as_str()), "{path} is described but no such route answered");
    }
    assert!(!served.contains("unmatched"), "a described path matched no route: {served:?}");
}

/// Issue 15: the command line suggests a close certname for an unknown host; the server must
/// not, or any caller could learn which hosts exist by asking for near misses.
#[test]
fn issue15_unknown_host_answers_name_no_other_host() {
    let demo = demo();
    let s = Server::start(&["--estate", demo.to_str().expect("utf8")]);
    let near = "web0l.demo.example.com";
    let (status, body) = get(&s, &format!("/node/{near}?format=yml"));
    assert_eq!((status, body.as_str()), (404, "unknown host \"web0l.demo.example.com\"\n"));
    for path in [format!("/v1/hosts/{near}/enc"), format!("/v1/hosts/{near}/lookup/ntp::servers")] {
        let (status, body) = get(&s, &path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("web01") && !body.contains("did you mean"), "{path}: {body}");
    }
    let out = Command::new(lamina_bin())
        .args(["enc", near, "--estate", demo.to_str().expect("utf8")])
        .output()
        .expect("run lamina");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean \"web01.demo.example.com\""));
}

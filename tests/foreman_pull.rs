//! `lamina foreman pull` against a fake Foreman: a local HTTP server answering with responses
//! shaped as Foreman 3.x's rabl views and foreman_puppet's render them (index envelope
//! `app/views/api/v2/layouts/index_layout.json.erb`; parameters `api/v2/parameters/main.json.rabl`
//! with `hidden_value?`; hosts `api/v2/hosts/{main,show}.json.rabl`; host groups
//! `api/v2/hostgroups/main.json.rabl` with own `<x>_id`; smart class parameters
//! `foreman_puppet/api/v2/smart_class_parameters/{main,show}.json.rabl` with a newline-separated
//! `override_value_order` and show-only `override_values`; facts flattened with `::` as strings;
//! `/api/hosts/:id/enc` as `{"data": ...}`), built from the demo estate. The server caps pages at
//! five rows, so every index is read over several pages, and it checks the credentials.

use lamina_foreman::model::{EstateSource, Parameter};
use lamina_foreman::{Map, Value};
use lamina_tests::{lamina, repo_root};
use serde_json::{Value as J, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

const USER: &str = "admin";
const TOKEN: &str = "pat-0123456789abcdef";
const PAGE_CAP: usize = 5;

enum Answer {
    Doc(J),
    Index(Vec<J>),
}

fn j(v: &Value) -> J {
    serde_json::from_str(&lamina_yaml::to_json(v)).expect("json")
}

/// What Foreman stores for a typed parameter: the value cast (`serialize :value`). Cast here by
/// Lamina's own loader, which follows Foreman's caster.
fn cast(v: &Value, t: &str) -> J {
    let Value::String(_) = v else { return j(v) };
    if t == "string" {
        return j(v);
    }
    let text = format!(
        "environments: [production]\nparameters:\n  - {{name: p, value: {}, parameter_type: {t}}}\nhosts:\n  - {{name: h.example.com, environment: production}}\n",
        lamina_yaml::to_json(v)
    );
    match lamina_estate::load_str(&text, "cast.yaml") {
        Ok(e) => {
            let h = e.host("h.example.com").expect("host");
            let doc = lamina_foreman::resolve(&e, h, false).and_then(|r| r.document()).expect("doc");
            j(doc.parameters.get("p").expect("p"))
        }
        Err(_) => j(v),
    }
}

fn type_of(p: &Parameter) -> &'static str {
    match (p.parameter_type, &p.value) {
        (Some(t), _) => t.name(),
        (None, Value::Bool(_)) => "boolean",
        (None, Value::Int(_)) => "integer",
        (None, Value::Float(_)) => "real",
        (None, Value::Array(_)) => "array",
        (None, Value::Hash(_)) => "hash",
        _ => "string",
    }
}

fn params(list: &[Parameter], kind: &str) -> Vec<J> {
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let t = type_of(p);
            json!({"id": i + 1, "name": p.name, "parameter_type": t, "associated_type": kind,
                   "hidden_value?": p.hidden_value, "value": cast(&p.value, t), "priority": 0})
        })
        .collect()
}

fn flatten(prefix: &str, m: &Map, out: &mut serde_json::Map<String, J>) {
    for (k, v) in m {
        let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}::{k}") };
        match v {
            Value::Hash(inner) => {
                out.insert(name.clone(), J::Null);
                flatten(&name, inner, out);
            }
            Value::Null => {}
            other => {
                out.insert(name, J::String(other.to_ruby_s()));
            }
        }
    }
}

fn proxy(host: Option<&String>) -> J {
    host.map_or(J::Null, |h| json!({"name": format!("{h} proxy"), "id": 1, "url": format!("https://{h}:8443")}))
}

/// Every answer of the fake Foreman, by path and query (without `page`/`per_page`).
#[allow(clippy::too_many_lines)]
fn answers(src: &EstateSource, encs: &HashMap<String, J>) -> HashMap<String, Answer> {
    let hidden = "show_hidden=true&show_hidden_parameters=true";
    let mut a: HashMap<String, Answer> = HashMap::new();
    let s = &src.settings;
    a.insert(
        "/api/settings/Default_parameters_Lookup_Path".into(),
        Answer::Doc(json!({"name": "Default_parameters_Lookup_Path", "value": s.default_lookup_path})),
    );
    a.insert("/api/settings/matchers_inheritance".into(), Answer::Doc(json!({"value": s.matchers_inheritance})));
    a.insert("/api/settings/enc_environment".into(), Answer::Doc(json!({"value": s.enc_environment})));
    a.insert(
        "/api/settings/interpolate_erb_in_parameters".into(),
        Answer::Doc(json!({"value": s.interpolate_erb_in_parameters})),
    );
    a.insert("/api/settings/safemode_render".into(), Answer::Doc(json!({"value": s.safemode_render})));
    a.insert(format!("/api/common_parameters?{hidden}"), Answer::Index(params(&src.parameters, "global")));
    for (kind, list) in [("organizations", &src.organizations), ("locations", &src.locations)] {
        let mut rows = Vec::new();
        for (i, t) in list.iter().enumerate() {
            let id = i + 1;
            let name = t.title.rsplit('/').next().unwrap_or_default();
            rows.push(json!({"id": id, "name": name, "title": t.title}));
            a.insert(format!("/api/{kind}/{id}/parameters?{hidden}"), Answer::Index(params(&t.parameters, kind)));
        }
        // Foreman lists them by name, not title: the pull orders parents first itself.
        rows.reverse();
        a.insert(format!("/api/{kind}"), Answer::Index(rows));
    }
    let mut rows = Vec::new();
    for (i, d) in src.domains.iter().enumerate() {
        let el = json!({"id": i + 1, "name": d.name, "fullname": d.fullname});
        let mut shown = el.clone();
        shown["parameters"] = J::Array(params(&d.parameters, "domain"));
        a.insert(format!("/api/domains/{}?{hidden}", i + 1), Answer::Doc(shown));
        rows.push(el);
    }
    a.insert("/api/domains".into(), Answer::Index(rows));
    let mut rows = Vec::new();
    for (i, sn) in src.subnets.iter().enumerate() {
        let mut el = j(&Value::Hash(sn.attrs.clone()));
        el["id"] = json!(i + 1);
        el["name"] = json!(sn.name);
        let mut shown = el.clone();
        shown["parameters"] = J::Array(params(&sn.parameters, "subnet"));
        a.insert(format!("/api/subnets/{}?{hidden}", i + 1), Answer::Doc(shown));
        rows.push(el);
    }
    a.insert("/api/subnets".into(), Answer::Index(rows));
    let mut rows = Vec::new();
    for (i, o) in src.operatingsystems.iter().enumerate() {
        let ours = match &o.minor {
            Some(m) => format!("{} {}.{m}", o.name, o.major),
            None => format!("{} {}", o.name, o.major),
        };
        // `to_label`: the description when there is one.
        let title = o.description.clone().unwrap_or(ours);
        let el = json!({"id": i + 1, "name": o.name, "major": o.major, "minor": o.minor, "title": title,
                        "description": o.description, "password_hash": o.password_hash, "family": o.family});
        let mut shown = el.clone();
        shown["parameters"] = J::Array(params(&o.parameters, "operating system"));
        a.insert(format!("/api/operatingsystems/{}?{hidden}", i + 1), Answer::Doc(shown));
        rows.push(el);
    }
    a.insert("/api/operatingsystems".into(), Answer::Index(rows));
    let os_label: HashMap<String, String> = src
        .operatingsystems
        .iter()
        .map(|o| {
            let ours = match &o.minor {
                Some(m) => format!("{} {}.{m}", o.name, o.major),
                None => format!("{} {}", o.name, o.major),
            };
            (ours.clone(), o.description.clone().unwrap_or(ours))
        })
        .collect();
    let envs: Vec<String> = src.environments.iter().map(|(e, _)| e.clone()).collect();
    a.insert(
        "/foreman_puppet/api/environments".into(),
        Answer::Index(envs.iter().enumerate().map(|(i, e)| json!({"id": i + 1, "name": e})).collect()),
    );
    for (i, e) in envs.iter().enumerate() {
        let classes: Vec<J> = src
            .puppetclasses
            .iter()
            .filter(|c| c.environments.as_ref().is_none_or(|es| es.contains(e)))
            .map(|c| json!({"id": 1, "name": c.name, "module_name": c.name.split("::").next()}))
            .collect();
        a.insert(format!("/foreman_puppet/api/environments/{}/puppetclasses?style=list", i + 1), Answer::Doc(json!({"total": classes.len(), "subtotal": classes.len(), "page": 1, "per_page": 20, "results": classes})));
    }
    let mut keys = Vec::new();
    for c in &src.puppetclasses {
        for p in &c.parameters {
            let id = keys.len() + 1;
            let t = p.parameter_type.name();
            let order =
                p.order.clone().unwrap_or_else(|| s.default_lookup_path.iter().map(|l| vec![l.clone()]).collect());
            let el = json!({"parameter": p.key, "id": id, "puppetclass_id": 1, "puppetclass_name": c.name,
                "override_values_count": p.override_values.len(), "description": p.description, "override": p.override_,
                "parameter_type": t, "hidden_value?": p.hidden_value, "omit": p.omit, "required": p.required,
                "validator_type": p.validator_type.as_ref().map(lamina_estate::write::validator_name), "validator_rule": p.validator_rule,
                "merge_overrides": p.merge_overrides, "merge_default": p.merge_default, "avoid_duplicates": p.avoid_duplicates,
                "override_value_order": order.iter().map(|l| l.join(",")).collect::<Vec<_>>().join("\n"),
                "default_value": p.default_value.as_ref().map_or(J::Null, |v| cast(v, t))});
            let mut shown = el.clone();
            shown["override_values"] = J::Array(
                p.override_values
                    .iter()
                    .enumerate()
                    .map(|(k, ov)| {
                        json!({"id": k + 1, "match": ov.match_, "omit": ov.omit,
                        "value": ov.value.as_ref().map_or(J::Null, |v| cast(v, t))})
                    })
                    .collect(),
            );
            a.insert(format!("/foreman_puppet/api/smart_class_parameters/{id}?{hidden}"), Answer::Doc(shown));
            keys.push(el);
        }
    }
    a.insert(format!("/foreman_puppet/api/smart_class_parameters?{hidden}"), Answer::Index(keys));
    let cls = |names: &[String]| -> J {
        J::Array(names.iter().map(|n| json!({"id": 1, "name": n, "module_name": n})).collect())
    };
    a.insert(
        "/foreman_puppet/api/config_groups".into(),
        Answer::Index(
            src.config_groups
                .iter()
                .enumerate()
                .map(|(i, g)| json!({"id": i + 1, "name": g.name, "puppetclasses": cls(&g.puppetclasses)}))
                .collect(),
        ),
    );
    let mut rows = Vec::new();
    for (i, g) in src.hostgroups.iter().enumerate() {
        let id = i + 1;
        let shown = json!({"id": id, "name": g.title.rsplit('/').next(), "title": g.title,
            "environment_id": g.environment.as_ref().map(|_| 1), "environment_name": g.environment,
            "puppet_proxy_id": g.puppet_proxy.as_ref().map(|_| 1), "puppet_proxy": proxy(g.puppet_proxy.as_ref()),
            "puppet_ca_proxy_id": g.puppet_ca_proxy.as_ref().map(|_| 1), "puppet_ca_proxy": proxy(g.puppet_ca_proxy.as_ref()),
            "puppetclasses": cls(&g.puppetclasses), "config_groups": cls(&g.config_groups),
            "parameters": params(&g.parameters, "host group")});
        a.insert(format!("/api/hostgroups/{id}?{hidden}"), Answer::Doc(shown));
        rows.push(json!({"id": id, "title": g.title}));
    }
    rows.reverse();
    a.insert("/api/hostgroups".into(), Answer::Index(rows));
    let mut rows = Vec::new();
    for (i, h) in src.hosts.iter().enumerate() {
        let id = i + 1;
        let interfaces: Vec<J> = h
            .interfaces
            .iter()
            .map(|n| {
                let mut m = j(&Value::Hash(n.attrs.clone()));
                for (from, to) in [("subnet", "subnet_name"), ("subnet6", "subnet6_name")] {
                    if let Some(v) = m.as_object_mut().and_then(|o| o.remove(from)) {
                        m[to] = v;
                    }
                }
                m
            })
            .collect();
        let shown = json!({"id": id, "name": h.name, "certname": h.certname.clone().unwrap_or_else(|| h.name.clone()),
            "hostgroup_title": h.hostgroup, "organization_name": h.organization, "location_name": h.location,
            "domain_name": h.domain, "subnet_name": h.subnet, "subnet6_name": h.subnet6,
            "operatingsystem_name": h.operatingsystem.as_ref().map(|o| os_label.get(o).cloned().unwrap_or_else(|| o.clone())),
            "architecture_name": h.architecture, "environment_name": h.environment, "comment": h.comment,
            "owner_name": h.owner.as_ref().and_then(|o| o.name.clone()),
            "puppet_proxy": proxy(h.puppet_proxy.as_ref()), "puppet_ca_proxy": proxy(h.puppet_ca_proxy.as_ref()),
            "puppetclasses": cls(&h.puppetclasses), "config_groups": cls(&h.config_groups),
            "parameters": params(&h.parameters, "host"), "interfaces": interfaces});
        a.insert(format!("/api/hosts/{id}?{hidden}"), Answer::Doc(shown));
        let mut flat = serde_json::Map::new();
        flatten("", &h.facts, &mut flat);
        a.insert(format!("/api/hosts/{id}/facts"), Answer::Doc(json!({"total": flat.len(), "subtotal": 1, "page": 1, "per_page": 1_000_000, "results": {h.name.clone(): flat}})));
        let certname = h.certname.clone().unwrap_or_else(|| h.name.clone());
        a.insert(format!("/api/hosts/{id}/enc"), Answer::Doc(json!({"data": encs[&certname]})));
        rows.push(json!({"id": id, "name": h.name}));
    }
    a.insert("/api/hosts".into(), Answer::Index(rows));
    a
}

/// Serve `answers` on a loopback port until the test ends; the base URL.
fn serve(answers: HashMap<String, Answer>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let answers = Arc::new(answers);
    let auth = format!("Basic {}", b64(&format!("{USER}:{TOKEN}")));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let answers = Arc::clone(&answers);
            let auth = auth.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let target = line.split_whitespace().nth(1).unwrap_or_default().to_string();
                    let mut authorized = false;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':')
                            && k.eq_ignore_ascii_case("authorization")
                        {
                            authorized = v.trim() == auth;
                        }
                    }
                    let (status, body) = if authorized {
                        answer(&answers, &target)
                    } else {
                        (401, json!({"error": {"message": "Unable to authenticate user admin"}}))
                    };
                    let body = body.to_string();
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(body.as_bytes())).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn answer(answers: &HashMap<String, Answer>, target: &str) -> (u16, J) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut page = 1;
    let mut per_page = 20;
    let mut rest = Vec::new();
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("page", v)) => page = v.parse().unwrap_or(1),
            Some(("per_page", v)) => per_page = v.parse().unwrap_or(20),
            _ => rest.push(kv),
        }
    }
    let key = if rest.is_empty() { path.to_string() } else { format!("{path}?{}", rest.join("&")) };
    match answers.get(&key) {
        Some(Answer::Doc(d)) => (200, d.clone()),
        Some(Answer::Index(rows)) => {
            let per_page: usize = per_page.min(PAGE_CAP);
            let start = (page - 1) * per_page;
            let slice: Vec<J> = rows.iter().skip(start).take(per_page).cloned().collect();
            (
                200,
                json!({"total": rows.len(), "subtotal": rows.len(), "page": page, "per_page": per_page, "search": null,
                         "sort": {"by": null, "order": null}, "results": slice}),
            )
        }
        None => (404, json!({"message": format!("Resource not found: {key}")})),
    }
}

fn b64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() { char::from(A[((n >> (18 - 6 * i)) & 63) as usize]) } else { '=' });
        }
    }
    out
}

fn demo_encs() -> HashMap<String, J> {
    let e = lamina_estate::load(&repo_root().join("corpus/demo")).expect("demo");
    e.certnames()
        .iter()
        .map(|c| {
            let h = e.host(c).expect("host");
            let doc = lamina_foreman::resolve(&e, h, false).and_then(|r| r.document()).expect("renders");
            (c.clone(), j(&doc.into_value()))
        })
        .collect()
}

/// `lamina foreman pull --url URL --user admin --token-file TOKEN` and `rest`.
fn pull(url: &str, token: &std::path::Path, rest: &[&str]) -> std::process::Output {
    let token = token.display().to_string();
    let mut args = vec!["foreman", "pull", "--url", url, "--user", USER, "--token-file", &token];
    args.extend_from_slice(rest);
    lamina(&args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn render(dir: &std::path::Path) -> String {
    let o = lamina(&["render", "--estate", &dir.display().to_string(), "--out", "-"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

/// The demo estate served as Foreman's API: the pulled estate renders every host's ENC
/// byte-identical to the demo's, and `--verify` agrees with Foreman's ENC for all of them.
#[test]
fn foreman_pull_reads_the_estate_foreman_serves() {
    let src =
        lamina_estate::load_source(&repo_root().join("corpus/demo"), &lamina_yaml::Limits::default()).expect("demo");
    let url = serve(answers(&src, &demo_encs()));
    let dir = tempfile::tempdir().expect("tmp");
    let token = dir.path().join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).expect("token");
    let out = dir.path().join("pulled");
    let o = pull(&url, &token, &["--out", &out.display().to_string(), "--verify"]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!(
            "verified {} hosts: {} identical, 0 differ",
            src.hosts.len(),
            src.hosts.len()
        )),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(render(&out), render(&repo_root().join("corpus/demo")), "the pulled estate renders as the demo does");
    // Hidden values came through with show_hidden; the token is never printed.
    assert!(!text(&o.stderr).contains(TOKEN) && !text(&o.stdout).contains(TOKEN));

    // Into a store instead: the same documents, read from SQLite.
    let db = format!("sqlite://{}", dir.path().join("pulled.db").display());
    let o = pull(&url, &token, &["--store", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let from_store = lamina(&["render", "--store", &db, "--out", "-"]);
    assert!(from_store.status.success(), "{}", text(&from_store.stderr));
    assert_eq!(
        text(&from_store.stdout),
        render(&repo_root().join("corpus/demo")),
        "the stored estate renders as the demo does"
    );
}

/// Foreman's ENC differs for one host: `--verify` names the host and the key (never the value)
/// and exits 1; a wrong token is a 401 named as such, exit 2, nothing written.
#[test]
fn foreman_pull_verify_lists_differences_and_a_bad_token_fails_cleanly() {
    let src =
        lamina_estate::load_source(&repo_root().join("corpus/demo"), &lamina_yaml::Limits::default()).expect("demo");
    let mut encs = demo_encs();
    let web01 = encs.get_mut("web01.demo.example.com").expect("web01");
    web01["parameters"]["api_token"] = json!("rotated-secret-value");
    let url = serve(answers(&src, &encs));
    let dir = tempfile::tempdir().expect("tmp");
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).expect("token");
    let out = dir.path().join("pulled");
    let o = pull(&url, &token, &["--out", &out.display().to_string(), "--verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert_eq!(stdout.trim(), "web01.demo.example.com: parameter api_token", "{stdout}");
    assert!(!stdout.contains("rotated-secret-value") && !stdout.contains("tok-9f8e7d6c5b4a"));

    let bad = dir.path().join("bad");
    std::fs::write(&bad, "wrong-token").expect("bad");
    let out2 = dir.path().join("pulled2");
    let o = pull(&url, &bad, &["--out", &out2.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("401"), "{err}");
    assert!(!err.contains("wrong-token"), "{err}");
    assert!(!out2.exists(), "nothing is written on failure");
}

/// A TLS front for `plain` (a loopback `http://` base URL) with a certificate for 127.0.0.1
/// signed by a CA, both made by `openssl` in `dir`: a Python process that terminates TLS and pipes each connection
/// through. Returns the `https://` URL, the CA's certificate and the process.
fn tls_front(plain: &str, dir: &std::path::Path) -> (String, std::path::PathBuf, std::process::Child) {
    // A CA, and a server certificate it signs (as Puppet's CA signs Foreman's).
    let (ca, ca_key, cert, key, csr, ext) = (
        dir.join("ca.pem"),
        dir.join("ca.key"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("req.csr"),
        dir.join("ext.cnf"),
    );
    std::fs::write(&ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        .expect("ext");
    let openssl = |args: Vec<std::ffi::OsString>| {
        let o = std::process::Command::new("openssl").args(args).output().expect("run openssl");
        assert!(o.status.success(), "openssl: {}", text(&o.stderr));
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    openssl(vec![
        os("req"),
        os("-x509"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-days"),
        os("2"),
        os("-subj"),
        os("/CN=Test CA"),
        os("-keyout"),
        ca_key.clone().into(),
        os("-out"),
        ca.clone().into(),
    ]);
    openssl(vec![
        os("req"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-subj"),
        os("/CN=foreman.test"),
        os("-keyout"),
        key.clone().into(),
        os("-out"),
        csr.clone().into(),
    ]);
    openssl(vec![
        os("x509"),
        os("-req"),
        os("-in"),
        csr.into(),
        os("-CA"),
        ca.clone().into(),
        os("-CAkey"),
        ca_key.into(),
        os("-CAcreateserial"),
        os("-days"),
        os("2"),
        os("-extfile"),
        ext.into(),
        os("-out"),
        cert.clone().into(),
    ]);
    let backend = plain.trim_start_matches("http://");
    let script = r#"
import socket, ssl, sys, threading
cert, key, backend = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = backend.rsplit(":", 1)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
print(srv.getsockname()[1], flush=True)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
def serve(c):
    try:
        t = ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError):
        c.close()
        return
    u = socket.create_connection((host, int(port)))
    threading.Thread(target=pipe, args=(u, t), daemon=True).start()
    pipe(t, u)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&cert)
        .arg(&key)
        .arg(backend)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut port = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut port).expect("port");
    (format!("https://127.0.0.1:{}", port.trim()), ca, child)
}

/// Over HTTPS: with `--ca-file` naming the certificate's CA the pull succeeds; without it the
/// certificate is not trusted, and the pull fails (exit 2) with nothing written.
#[test]
fn foreman_pull_over_tls_trusts_only_the_given_ca() {
    let src =
        lamina_estate::load_source(&repo_root().join("corpus/demo"), &lamina_yaml::Limits::default()).expect("demo");
    let plain = serve(answers(&src, &demo_encs()));
    let dir = tempfile::tempdir().expect("tmp");
    let (url, ca, mut front) = tls_front(&plain, dir.path());
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).expect("token");
    let run = |out: &std::path::Path, ca: Option<&std::path::Path>| {
        let mut args =
            vec!["foreman".to_string(), "pull".into(), "--url".into(), url.clone(), "--user".into(), USER.into()];
        args.extend(["--token-file".into(), token.display().to_string(), "--out".into(), out.display().to_string()]);
        if let Some(ca) = ca {
            args.extend(["--ca-file".into(), ca.display().to_string()]);
        }
        lamina(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let untrusted = dir.path().join("untrusted");
    let o = run(&untrusted, None);
    let trusted = dir.path().join("trusted");
    let ok = run(&trusted, Some(&ca));
    let _ = front.kill();
    let _ = front.wait();
    assert_eq!(o.status.code(), Some(2), "an unknown CA is refused: {}", text(&o.stderr));
    assert!(text(&o.stderr).to_lowercase().contains("certificate"), "{}", text(&o.stderr));
    assert!(!untrusted.exists());
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(render(&trusted), render(&repo_root().join("corpus/demo")));
}

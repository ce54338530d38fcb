//! `lamina enc CERTNAME --server URL --cache-dir DIR`, the thin client a Puppet master runs as
//! its exec ENC: against a running `lamina serve` (SQLite; fast), against stand-in servers for the
//! answers a healthy server never gives (5xx, silence), and the real Puppet end to end through
//! `puppet node find --node_terminus exec` against `lamina serve` on PostgreSQL, including the
//! stale-cache fallback with the server stopped.
//!
//! Needs the `lamina` binary built next to the test binary (`cargo build -p lamina-cli`). The
//! Puppet test needs Puppet and PostgreSQL (127.0.0.1:5432): under CI their absence fails it.

use lamina_tests::{PgDb, Server, lamina, lamina_bin, repo_root};
use serde_json::Value as J;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HOST: &str = "web01.demo.example.com";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `lamina enc CERTNAME --server URL --cache-dir DIR EXTRA...`.
fn client(certname: &str, url: &str, cache: &Path, extra: &[&str]) -> Output {
    let cache = cache.display().to_string();
    let mut args = vec!["enc", certname, "--server", url, "--cache-dir", &cache];
    args.extend_from_slice(extra);
    lamina(&args)
}

fn demo() -> PathBuf {
    repo_root().join("corpus/demo")
}

fn import(estate: &Path, url: &str) {
    let out = lamina(&["import", &estate.display().to_string(), "--store", url]);
    assert!(out.status.success(), "lamina import {} failed: {}", estate.display(), text(&out.stderr));
}

fn sqlite_demo(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    import(&demo(), &url);
    url
}

/// Every certname of the demo estate.
fn demo_hosts() -> Vec<String> {
    lamina_estate::load(&demo()).expect("demo estate").certnames().to_vec()
}

#[test]
fn client_prints_what_lamina_enc_prints_and_caches_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = sqlite_demo(dir.path());
    let server = Server::start(&["--store", &store]);
    let cache = dir.path().join("cache");
    for host in demo_hosts() {
        let direct = lamina(&["enc", &host, "--store", &store]);
        assert!(direct.status.success(), "{host}: {}", text(&direct.stderr));
        let got = client(&host, &server.url, &cache, &[]);
        assert!(got.status.success(), "{host}: exit {:?}: {}", got.status, text(&got.stderr));
        assert_eq!(text(&got.stdout), text(&direct.stdout), "{host}: --server vs --store");
        assert!(got.stderr.is_empty(), "{host}: {}", text(&got.stderr));
        let cached = std::fs::read(cache.join(format!("{host}.yaml"))).expect("cache file written");
        assert_eq!(cached, got.stdout, "{host}: the cache holds the document");
        // Private: the document carries root_pw and hidden values.
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(cache.join(format!("{host}.yaml"))).expect("stat").permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{host}: cache file mode {mode:o}");
    }
    // Only the documents are left in the cache directory: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(&cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = demo_hosts().iter().map(|h| format!("{h}.yaml")).collect();
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn unknown_and_unresolvable_hosts_are_errors_never_served_from_the_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `bad` cannot be resolved (ERB that Foreman's safemode refuses): the server answers 412.
    let estate = dir.path().join("estate.yaml");
    std::fs::write(
        &estate,
        "hosts:\n  - {name: good.example.com}\n  - name: bad.example.com\n    parameters: {motd: \"<%= @host.environment %>\"}\n",
    )
    .expect("write estate");
    let store = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&estate, &store);
    let server = Server::start(&["--store", &store]);
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache).expect("cache dir");
    // Stale copies that must not be used: the server is up and says no.
    for h in ["nope.example.com", "bad.example.com"] {
        std::fs::write(cache.join(format!("{h}.yaml")), "---\nclasses: []\n").expect("stale copy");
    }

    let out = client("nope.example.com", &server.url, &cache, &[]);
    let direct = lamina(&["enc", "nope.example.com", "--store", &store]);
    assert_eq!(out.status.code(), direct.status.code(), "same exit code as `lamina enc` for an unknown host");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("unknown host") && err.contains("nope.example.com"), "{err}");
    assert!(!err.contains("cached"), "{err}");

    let out = client("bad.example.com", &server.url, &cache, &[]);
    let direct = lamina(&["enc", "bad.example.com", "--store", &store]);
    assert_eq!(out.status.code(), direct.status.code(), "same exit code as `lamina enc` for an unresolvable host");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("bad.example.com") && err.contains("ERB"), "the server's reason is shown: {err}");

    // A certname that would escape the cache directory is refused before any request.
    let out = client("../escape", &server.url, &cache, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!dir.path().join("escape.yaml").exists());
}

#[test]
fn server_down_serves_the_cached_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = sqlite_demo(dir.path());
    let server = Server::start(&["--store", &store]);
    let url = server.url.clone();
    let cache = dir.path().join("cache");
    let fresh = client(HOST, &url, &cache, &[]);
    assert!(fresh.status.success(), "{}", text(&fresh.stderr));
    server.stop();

    let stale = client(HOST, &url, &cache, &[]);
    assert_eq!(stale.status.code(), Some(0), "{}", text(&stale.stderr));
    assert_eq!(stale.stdout, fresh.stdout, "the last good copy, verbatim");
    let err = text(&stale.stderr);
    let file = cache.join(format!("{HOST}.yaml"));
    assert!(err.contains(&format!("serving cached ENC for {HOST} from {}: ", file.display())), "{err}");

    // Never asked before: nothing to fall back on.
    let none = client("web02.demo.example.com", &url, &cache, &[]);
    assert_eq!(none.status.code(), Some(1));
    assert!(none.stdout.is_empty());
    assert!(text(&none.stderr).contains("no cached copy"), "{}", text(&none.stderr));
    // Without --cache-dir there is never a fallback.
    let out = lamina(&["enc", HOST, "--server", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_silent_server_times_out_to_the_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache).expect("cache dir");
    let doc = "---\nclasses: {}\nparameters: {from: cache}\n";
    std::fs::write(cache.join(format!("{HOST}.yaml")), doc).expect("cache copy");
    // Listening but never answering: the kernel completes the handshake (backlog), so the
    // client connects, sends its request and waits for an answer that never comes.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("addr"));

    let t = Instant::now();
    let out = client(HOST, &url, &cache, &["--timeout", "1"]);
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), doc);
    let err = text(&out.stderr);
    assert!(err.contains("serving cached ENC for") && err.contains("no answer within 1s"), "{err}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "took {took:?}");

    let out = client("other.example.com", &url, &cache, &["--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    drop(silent);
}

/// A stand-in HTTP server: answers every request with `answer(request line)` (a full raw HTTP
/// response) and records each request's line and body.
struct Fake {
    url: String,
    requests: Requests,
}

/// Request lines and bodies, in order.
type Requests = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

fn fake(answer: impl Fn(&str) -> String + Send + 'static) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests: Requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    // Serves until the test binary exits.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let mut length = 0;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                match h.split_once(':') {
                    Some((k, v)) if k.eq_ignore_ascii_case("content-length") => length = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let line = line.trim().to_string();
            let response = answer(&line);
            log.lock().expect("log").push((line, body));
            let _ = stream.write_all(response.as_bytes());
        }
    });
    Fake { url, requests }
}

fn response(status: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
}

#[test]
fn server_errors_fall_back_and_bad_answers_keep_the_good_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache).expect("cache dir");
    let doc = "---\nclasses: {}\n";
    let file = cache.join(format!("{HOST}.yaml"));
    std::fs::write(&file, doc).expect("cache copy");

    for status in ["500 Internal Server Error", "503 Service Unavailable", "429 Too Many Requests"] {
        let server = fake(move |_| response(status, "database is gone"));
        let out = client(HOST, &server.url, &cache, &[]);
        assert_eq!(out.status.code(), Some(0), "{status}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), doc, "{status}");
        let err = text(&out.stderr);
        assert!(err.contains("serving cached ENC") && err.contains("database is gone"), "{status}: {err}");
    }
    // An empty 200 is not a document: the good copy is served and kept.
    let server = fake(|_| response("200 OK", ""));
    let out = client(HOST, &server.url, &cache, &[]);
    assert_eq!(text(&out.stdout), doc);
    assert_eq!(std::fs::read_to_string(&file).expect("cache"), doc);
    // A misconfiguration (here a proxy demanding credentials) fails instead of hiding behind
    // the cache forever.
    let server = fake(|_| response("407 Proxy Authentication Required", "who are you"));
    let out = client(HOST, &server.url, &cache, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("407"), "{}", text(&out.stderr));
    // A new good answer replaces the copy.
    let server = fake(|_| response("200 OK", "---\nparameters: {}\nclasses: []\n"));
    let out = client(HOST, &server.url, &cache, &[]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).expect("cache"), "---\nparameters: {}\nclasses: []\n");
}

#[test]
fn push_facts_puts_then_gets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let server = fake(|line| {
        if line.starts_with("PUT ") {
            response("204 No Content", "")
        } else {
            response("200 OK", "---\nparameters: {}\nclasses: []\n")
        }
    });
    // Puppet's JSON fact cache shape is sent as node.rb's upload shape.
    let facts = dir.path().join(format!("{HOST}.json"));
    std::fs::write(&facts, r#"{"name":"web01","values":{"os":{"family":"Debian"}},"timestamp":"2024-01-01"}"#)
        .expect("facts");
    let out = client(HOST, &server.url, &cache, &["--push-facts", &facts.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let requests = server.requests.lock().expect("log").clone();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].0, format!("PUT /v1/hosts/{HOST}/facts HTTP/1.1"));
    let sent: J = serde_json::from_slice(&requests[0].1).expect("JSON body");
    assert_eq!(sent, serde_json::json!({"name": HOST, "facts": {"os": {"family": "Debian"}}}));
    assert_eq!(requests[1].0, format!("GET /node/{HOST}?format=yml HTTP/1.1"));

    // Puppet's YAML fact cache (a Ruby object dump) is not sent; the ENC is still fetched.
    let ruby = dir.path().join(format!("{HOST}.yaml"));
    std::fs::write(&ruby, "--- !ruby/object:Puppet::Node::Facts\nname: web01\nvalues: {}\n").expect("facts");
    let out = client(HOST, &server.url, &cache, &["--push-facts", &ruby.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Ruby object dump"), "{}", text(&out.stderr));
    assert_eq!(server.requests.lock().expect("log").len(), 3, "only the GET");

    // A missing facts file is reported and the ENC is still fetched (as enc.rb does).
    let out = client(HOST, &server.url, &cache, &["--push-facts", "/nonexistent/facts.json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not pushed"), "{}", text(&out.stderr));
}

#[test]
fn push_facts_to_lamina_serve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = sqlite_demo(dir.path());
    let server = Server::start(&["--store", &store]);
    let facts = dir.path().join("facts.json");
    std::fs::write(&facts, r#"{"os": {"family": "Debian"}, "kernel": "Linux"}"#).expect("facts");
    let out = client(HOST, &server.url, &dir.path().join("cache"), &["--push-facts", &facts.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "the server accepted the facts: {}", text(&out.stderr));
}

// ---------------------------------------------------------------------------------------------
// The real Puppet, through the exec node terminus, against `lamina serve` on PostgreSQL.

/// False (after a note) when Puppet is not installed outside CI; under CI that is a failure.
fn puppet_available() -> bool {
    match Command::new("puppet").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => panic!("`puppet --version` failed: {}", text(&o.stderr)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(!lamina_tests::under_ci(), "puppet is required under CI: apt-get install -y puppet");
            eprintln!("SKIPPED puppet_node_find_through_the_client: puppet not found (apt-get install -y puppet)");
            false
        }
        Err(e) => panic!("cannot run puppet: {e}"),
    }
}

/// `puppet node find CERTNAME --render-as json` in the sandbox `sb` (offline: no Facter run,
/// facts from the empty YAML cache) with `external_nodes = ENC`.
fn run_puppet_node_find(sb: &Path, certname: &str, enc: &str) -> Output {
    let mut cmd = Command::new("puppet");
    cmd.args(["node", "find", certname, "--render-as", "json", "--color", "false"])
        .args(["--node_terminus", "exec", "--external_nodes", enc])
        .args(["--facts_terminus", "yaml"]);
    lamina_tests::puppet_sandbox(&mut cmd, sb);
    cmd.output().expect("run puppet")
}

/// Puppet's JSON rendering of the node (see `run_puppet_node_find`).
fn puppet_node_find(sb: &Path, certname: &str, enc: &str) -> J {
    let out = run_puppet_node_find(sb, certname, enc);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success() && !stdout.trim().is_empty(),
        "puppet node find {certname} with external_nodes={enc:?} failed ({}):\n{}\n{stdout}",
        out.status,
        text(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("puppet printed no JSON ({e}):\n{stdout}"))
}

/// The node Puppet built carries the ENC's classes, parameters and environment.
fn assert_node_matches(node: &J, certname: &str, enc: &J) {
    assert_eq!(node["name"], J::String(certname.into()), "name");
    assert_eq!(node["classes"], enc["classes"], "{certname}: classes");
    assert_eq!(node["environment"], enc["environment"], "{certname}: environment");
    let (Some(got), Some(want)) = (node["parameters"].as_object(), enc["parameters"].as_object()) else {
        panic!("{certname}: parameters are not hashes: {} / {}", node["parameters"], enc["parameters"]);
    };
    assert!(!want.is_empty(), "{certname}: the ENC has parameters");
    for (k, v) in want {
        assert_eq!(got.get(k), Some(v), "{certname}: parameter {k}");
    }
}

#[test]
fn puppet_node_find_through_the_client_and_from_the_stale_cache() {
    if !puppet_available() {
        return;
    }
    let Some(db) = PgDb::new("server_enc") else { return };
    import(&demo(), &db.url);
    let server = Server::start(&["--store", &db.url]);
    let url = server.url.clone();
    let sb = tempfile::tempdir().expect("sandbox");
    let cache = sb.path().join("enc-cache");
    let bin = std::fs::canonicalize(lamina_bin()).expect("lamina path");
    // Puppet splits `external_nodes` on whitespace and appends the certname.
    let enc = format!("{} enc --server {url} --cache-dir {}", bin.display(), cache.display());
    assert!(!enc.contains("  ") && enc.split_whitespace().count() == 6, "a path with whitespace: {enc}");

    let hosts = ["web01.demo.example.com", "db02.ops.example.net"];
    let mut want = Vec::new();
    for host in hosts {
        let out = lamina(&["enc", host, "--store", &db.url, "--format", "json"]);
        assert!(out.status.success(), "{host}: {}", text(&out.stderr));
        let doc: J = serde_json::from_slice(&out.stdout).expect("lamina enc --format json");
        let node = puppet_node_find(sb.path(), host, &enc);
        assert_node_matches(&node, host, &doc);
        assert!(cache.join(format!("{host}.yaml")).is_file(), "{host}: cached");
        want.push((host, doc));
    }

    // The server is gone: Puppet still classifies the nodes, from the stale copies.
    server.stop();
    for (host, doc) in &want {
        let node = puppet_node_find(sb.path(), host, &enc);
        assert_node_matches(&node, host, doc);
    }
    // A node never classified has no copy: Puppet fails to find it.
    let out = run_puppet_node_find(sb.path(), "web02.demo.example.com", &enc);
    assert!(!out.status.success(), "puppet found a node without a server or a copy: {}", text(&out.stdout));
}

/// Regression (issue 14): the thin client trusted any 200 — HTML, junk, a Ruby object dump, YAML
/// cut at a line, another host's document — printing it to Puppet with exit 0 and replacing the
/// good cached copy; redirects were followed to any host; and it could not send a token.
#[test]
fn issue14_client_checks_answers_refuses_redirects_and_sends_its_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache).expect("cache dir");
    let good = "---\nparameters:\n  a: 1\nclasses:\n  ntp: \nenvironment: production\n";
    let file = cache.join(format!("{HOST}.yaml"));
    std::fs::write(&file, good).expect("cache copy");
    let ok = |extra: &str, body: &str| {
        format!("HTTP/1.1 200 OK\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
    };
    let bad_answers = [
        ok("Content-Type: text/html\r\n", "<html><body>Login</body></html>\n"),
        ok("", "\u{1}\u{2}junk\n"),
        ok("", "--- !ruby/object:Puppet::Node\nname: x\n"),
        ok("", "---\nparameters:\n  a: 1\n"),
        ok("", "---\nparameters:\n  a: 1\nclasses:\n  ntp: \nenvironment: produc"),
        ok("X-Lamina-Certname: db01.demo.example.com\r\n", good),
    ];
    for answer in bad_answers {
        let a = answer.clone();
        let server = fake(move |_| a.clone());
        let out = client(HOST, &server.url, &cache, &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{answer:?}: {err}");
        assert_eq!(text(&out.stdout), good, "{answer:?}: the cached copy is printed");
        assert!(err.contains("serving cached ENC") && err.contains("is not"), "{answer:?}: {err}");
        assert_eq!(std::fs::read_to_string(&file).expect("cache"), good, "{answer:?}: the good copy stays");
    }
    // A redirect is answered, not followed (the other host never hears of it).
    let elsewhere = fake(|_| response("200 OK", "---\nparameters: {}\nclasses: {}\n"));
    let to = format!("{}/node/{HOST}", elsewhere.url);
    let redirect = fake(move |_| {
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    });
    let out = client(HOST, &redirect.url, &cache, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(elsewhere.requests.lock().expect("log").is_empty(), "the redirect was not followed");

    // The token of --token-file reaches a server that requires one.
    let store = sqlite_demo(dir.path());
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "reader rrrrrrrrrrrrrrrrrrrrrrrr\n").expect("tokens");
    let token = dir.path().join("token");
    std::fs::write(&token, "rrrrrrrrrrrrrrrrrrrrrrrr\n").expect("token");
    let server = Server::start(&["--store", &store, "--auth-token-file", tokens.to_str().expect("utf8")]);
    let fresh = dir.path().join("fresh");
    let out = client(HOST, &server.url, &fresh, &["--token-file", token.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("classes"));
    let out = client(HOST, &server.url, &fresh.join("none"), &[]);
    assert_eq!(out.status.code(), Some(1), "no token: refused, {}", text(&out.stderr));
}

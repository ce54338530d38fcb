//! Issue 14: connections a server must survive — idle and trickling clients, more clients than
//! descriptors, and requests that name another host (DNS rebinding on a loopback server).

use lamina_tests::{Server, http, repo_root};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn addr(s: &Server) -> String {
    s.url.trim_start_matches("http://").to_string()
}

fn demo() -> String {
    repo_root().join("corpus/demo").display().to_string()
}

/// Seconds until the server closes `sock` (reads EOF or a reset), at most `limit`.
fn closed_after(mut sock: TcpStream, limit: Duration) -> Option<f64> {
    let t = Instant::now();
    sock.set_read_timeout(Some(limit)).expect("timeout");
    let mut buf = [0u8; 512];
    loop {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) if t.elapsed() < limit => return Some(t.elapsed().as_secs_f64()),
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Regression (issue 14): with no header-read or idle timeout, idle and trickling connections
/// were never closed.
#[test]
fn issue14_idle_and_trickling_connections_are_closed() {
    let s = Server::start(&["--estate", &demo(), "--idle-timeout", "1", "--header-timeout", "1"]);
    let idle = TcpStream::connect(addr(&s)).expect("connect");
    let after = closed_after(idle, Duration::from_secs(5)).expect("an idle connection is closed");
    assert!(after < 4.0, "closed after {after:.1}s");
    // A client trickling its request line: one byte every 300 ms never completes its headers.
    let mut slow = TcpStream::connect(addr(&s)).expect("connect");
    let t = Instant::now();
    let mut refused = false;
    for b in b"GET /healthz HTTP/1.1\r\nHost: x" {
        if slow.write_all(&[*b]).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        if t.elapsed() > Duration::from_secs(6) {
            break;
        }
    }
    assert!(refused || closed_after(slow, Duration::from_secs(3)).is_some(), "a trickling client is cut off");
    assert!(t.elapsed() < Duration::from_secs(8));
    let (status, _) = http("GET", &format!("{}/healthz", s.url), None, None);
    assert_eq!(status, 200, "the server still answers");
}

/// Regression (issue 14): a request whose body trickles is answered 408 at the request deadline.
#[test]
fn issue14_trickled_body_gets_408() {
    let s = Server::start(&["--estate", &demo(), "--request-timeout", "1", "--idle-timeout", "10"]);
    let mut sock = TcpStream::connect(addr(&s)).expect("connect");
    let head = format!(
        "PUT /v1/hosts/web01.demo.example.com/facts HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
        addr(&s)
    );
    sock.write_all(head.as_bytes()).expect("send");
    sock.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut buf = [0u8; 256];
    let n = sock.read(&mut buf).expect("an answer");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

/// Regression (issue 14): 300 idle sockets under `ulimit -n 256` made `/healthz` time out. More
/// connections than the limit are closed when accepted, idle ones are reclaimed, and the server
/// answers again.
#[test]
fn issue14_connection_limit_keeps_the_server_alive() {
    let s = Server::start(&["--estate", &demo(), "--max-connections", "8", "--idle-timeout", "1"]);
    let flood: Vec<TcpStream> = (0..40).filter_map(|_| TcpStream::connect(addr(&s)).ok()).collect();
    assert!(flood.len() >= 8);
    std::thread::sleep(Duration::from_millis(2500));
    let (status, body) = http("GET", &format!("{}/healthz", s.url), None, None);
    assert_eq!(status, 200, "{body}");
    let (status, enc) = http("GET", &format!("{}/node/web01.demo.example.com", s.url), None, None);
    assert_eq!(status, 200);
    assert!(enc.contains("classes"));
    drop(flood);
}

/// Regression (issue 14): the `Host` header was not checked, so in the default no-auth loopback
/// mode a web page could reach the server by DNS rebinding and write
/// (`curl -H 'Host: attacker.example:7489' -XPUT ...` answered 200).
#[test]
fn issue14_host_header_is_checked_on_a_loopback_server() {
    let s = Server::start(&["--estate", &demo()]);
    let a = addr(&s);
    let send = |host: &str| -> String {
        let mut sock = TcpStream::connect(&a).expect("connect");
        let body = r#"{"value": "pwned"}"#;
        let req = format!(
            "PUT /v1/parameters/rebinding HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(req.as_bytes()).expect("send");
        let mut out = String::new();
        let _ = sock.read_to_string(&mut out);
        out
    };
    let port = a.rsplit(':').next().expect("port");
    let refused = send(&format!("attacker.example:{port}"));
    assert!(refused.starts_with("HTTP/1.1 421"), "{refused}");
    let (_, enc) = http("GET", &format!("{}/node/web01.demo.example.com", s.url), None, None);
    assert!(!enc.contains("pwned"), "nothing was written");
    // The listen address and localhost are this server's names.
    for host in [a.clone(), format!("localhost:{port}")] {
        let (status, _) = {
            let out = send(&host);
            (out.get(9..12).unwrap_or("").to_string(), out)
        };
        assert_ne!(status, "421", "Host {host} is this server");
    }
    // A balancer's health check may send no Host: readiness answers it, data does not.
    for (path, want) in [("/readyz", "HTTP/1.0 200"), ("/node/web01.demo.example.com", "HTTP/1.0 421")] {
        let mut sock = TcpStream::connect(&a).expect("connect");
        sock.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).expect("send");
        let mut out = String::new();
        let _ = sock.read_to_string(&mut out);
        assert!(out.starts_with(want), "{path}: {out}");
    }
    // A configured name is accepted, others still refused.
    let named = Server::start(&["--estate", &demo(), "--server-name", "enc.example.com"]);
    let a2 = addr(&named);
    let mut sock = TcpStream::connect(&a2).expect("connect");
    sock.write_all(b"GET /healthz HTTP/1.1\r\nHost: enc.example.com\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
}

/// Regression (issue 14): facts were bounded only by the 8 MB body limit (40 concurrent 7 MB
/// uploads took the server to 4.6 GB). Uploads are bounded in size (413 before the body is
/// read) and depth (422), both configurable; ordinary facts still go through.
#[test]
fn issue14_facts_uploads_are_bounded_in_size_and_depth() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = lamina_tests::lamina(&["import", &demo(), "--store", &store]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = Server::start(&["--store", &store, "--max-facts-bytes", "65536", "--max-facts-depth", "8"]);
    let url = format!("{}/v1/hosts/web01.demo.example.com/facts", s.url);
    let big = format!("{{\"blob\": \"{}\"}}", "x".repeat(100_000));
    let (status, body) = http("PUT", &url, Some(&big), None);
    assert_eq!(status, 413, "{body}");
    let deep = format!("{{\"a\": {}1{}}}", "[".repeat(20), "]".repeat(20));
    let (status, body) = http("PUT", &url, Some(&deep), None);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("deep") || body.contains("depth") || body.contains("nest"), "{body}");
    let (status, body) = http("PUT", &url, Some(r#"{"os": {"family": "Debian"}, "uptime": "1 day"}"#), None);
    assert_eq!(status, 200, "{body}");
}

/// GET with the response headers: `(status, headers lowercased, body)`.
fn get_with_headers(url: &str) -> (u16, Vec<(String, String)>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(url).call().expect("reachable");
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    (resp.status().as_u16(), headers, resp.body_mut().read_to_string().unwrap_or_default())
}

fn header<'h>(h: &'h [(String, String)], name: &str) -> Option<&'h str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Regression (issue 14): SIGTERM must make the server not ready first (balancers move traffic
/// away), keep answering while it drains, then exit cleanly.
#[test]
fn issue14_sigterm_fails_readiness_first_then_drains_and_exits() {
    let mut s = Server::start(&["--estate", &demo(), "--drain-seconds", "2"]);
    assert_eq!(http("GET", &format!("{}/readyz", s.url), None, None).0, 200);
    let killed = std::process::Command::new("kill").args(["-TERM", &s.pid().to_string()]).status().expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = http("GET", &format!("{}/readyz", s.url), None, None);
    assert_eq!(status, 503, "not ready while draining: {body}");
    let (status, _) = http("GET", &format!("{}/node/web01.demo.example.com", s.url), None, None);
    assert_eq!(status, 200, "still answering while draining");
    let exit = s.wait_exit(Duration::from_secs(10)).expect("exits after the drain");
    assert!(exit.success(), "{exit:?}");
}

/// Regression (issue 14): when the store stops answering, every host is still answered from
/// memory (marked stale in a header and a metric), `/readyz` stays ready, writes get 503 with
/// nothing half-written; when it answers again the server catches up without a restart.
#[test]
fn issue14_store_outage_answers_from_memory_marked_stale_then_catches_up() {
    let Some(db) = lamina_tests::PgDb::new("issue14_outage") else { return };
    let out = lamina_tests::lamina(&["import", &demo(), "--store", &db.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = Server::start(&["--store", &db.url, "--refresh", "0.3"]);
    let name = db.url.rsplit('/').next().expect("db name").to_string();
    let admin = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qtc", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // The database goes away: no new connection, every open one terminated.
    admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    admin(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"));
    std::thread::sleep(Duration::from_millis(1500));
    let (status, h, body) = get_with_headers(&format!("{}/node/web01.demo.example.com", s.url));
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&h, "x-lamina-stale"), Some("true"));
    let (status, _, body) = get_with_headers(&format!("{}/readyz", s.url));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("memory"), "{body}");
    let (_, _, metrics) = get_with_headers(&format!("{}/metrics", s.url));
    assert!(metrics.contains("lamina_store_up 0"), "{metrics}");
    let (status, body) = http("PUT", &format!("{}/v1/parameters/outage", s.url), Some(r#"{"value": "x"}"#), None);
    assert_eq!(status, 503, "{body}");
    // Back: caught up without a restart, the refused write absent, new writes accepted.
    admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    let t = Instant::now();
    loop {
        let (_, h, _) = get_with_headers(&format!("{}/node/web01.demo.example.com", s.url));
        if header(&h, "x-lamina-stale").is_none() {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "still stale");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, enc) = http("GET", &format!("{}/node/web01.demo.example.com", s.url), None, None);
    assert!(!enc.contains("outage"), "nothing half-written");
    let (status, body) = http("PUT", &format!("{}/v1/parameters/after", s.url), Some(r#"{"value": "y"}"#), None);
    assert_eq!(status, 200, "{body}");
    let (_, _, metrics) = get_with_headers(&format!("{}/metrics", s.url));
    assert!(metrics.contains("lamina_store_up 1"), "{metrics}");
}

/// Issue 14 (operations kit): `lamina serve --config FILE` reads its settings from TOML; flags on
/// the command line override them; an unknown setting is refused, naming the file.
#[test]
fn issue14_serve_config_file_and_flags_over_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let conf = dir.path().join("lamina.toml");
    std::fs::write(
        &conf,
        format!(
            "listen = \"127.0.0.1:1\"\nestate = \"{}\"\nserver_name = [\"enc.example.com\"]\nidle-timeout = 5\n",
            demo()
        ),
    )
    .expect("config");
    // Server::start passes --listen 127.0.0.1:0, which must win over the file's port 1.
    let s = Server::start(&["--config", conf.to_str().expect("utf8")]);
    let mut sock = TcpStream::connect(addr(&s)).expect("connect");
    sock.write_all(b"GET /node/web01.demo.example.com HTTP/1.1\r\nHost: enc.example.com\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 200"), "the file's server-name applies: {out}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "listen = \"127.0.0.1:0\"\nbogus = 1\n").expect("config");
    let out = lamina_tests::lamina(&["serve", "--config", bad.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("bogus"), "{err}");
}

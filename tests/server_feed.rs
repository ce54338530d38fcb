//! Issue 11: a cluster of `lamina serve` nodes on one store keeps up with a fleet. Writes through
//! different nodes do not collide; a node reads what others wrote from the store's change feed
//! (PostgreSQL `NOTIFY`, or polling); a read can wait for a revision (read-your-writes); every
//! ENC answer carries an `ETag` and the revision, and a change drops exactly the documents it
//! touches; the response cache never changes an answer; a write whose client goes away rolls
//! back without wedging the node; a terminated database connection is re-opened.

use lamina_tests::{PgDb, Server, lamina_bin, repo_root};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

fn import(estate: &std::path::Path, url: &str) {
    let out = Command::new(lamina_bin()).arg("import").arg(estate).args(["--store", url]).output().expect("run lamina");
    assert!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn demo_hosts() -> Vec<String> {
    lamina_estate::load(&repo_root().join("corpus/demo")).expect("demo loads").certnames().to_vec()
}

/// An HTTP answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn revision(&self) -> i64 {
        self.header("x-lamina-revision").and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no revision header"))
    }
}

/// One request on its own connection, with extra headers.
fn call(s: &Server, method: &str, path: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Answer {
    let addr = s.url.strip_prefix("http://").expect("http url");
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let body = body.unwrap_or("");
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    c.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer { status, headers, body: body.to_string() }
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    while !ok() {
        assert!(t.elapsed() < Duration::from_secs(15), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Facts uploads and parameter writes through three nodes at once all succeed (none is refused
/// because another node wrote another host), and every node then answers every host with the
/// same bytes, at the same revision, without a reload.
#[test]
fn issue11_cluster_writes_do_not_collide_and_converge() {
    let Some(db) = PgDb::new("feed_cluster") else { return };
    import(&repo_root().join("corpus/demo"), &db.url);
    let nodes: Vec<Server> = (0..3).map(|_| Server::start(&["--store", &db.url, "--refresh", "5"])).collect();
    let hosts = demo_hosts();
    let mut last = 0;
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let hosts = &hosts;
            handles.push(scope.spawn(move || {
                let mut revs = Vec::new();
                for round in 0..6 {
                    for (j, c) in hosts.iter().enumerate() {
                        let body = format!(r#"{{"uptime_seconds": {round}, "node": {i}, "virtual": "kvm"}}"#);
                        let a = call(node, "PUT", &format!("/v1/hosts/{c}/facts"), Some(&body), &[]);
                        assert_eq!(a.status, 200, "facts of {c} through node {i}: {}", a.body);
                        revs.push(a.revision());
                        if j == i {
                            let p = format!(r#"{{"value": "node {i} round {round}"}}"#);
                            let a = call(node, "PUT", &format!("/v1/hosts/{c}/parameters/probe_{i}"), Some(&p), &[]);
                            assert_eq!(a.status, 200, "parameter of {c} through node {i}: {}", a.body);
                            revs.push(a.revision());
                        }
                    }
                }
                revs.into_iter().max().unwrap_or(0)
            }));
        }
        last = handles.into_iter().map(|h| h.join().expect("writer thread")).max().unwrap_or(0);
    });
    let docs = |n: &Server| -> Vec<String> {
        hosts
            .iter()
            .map(|c| {
                let a = call(n, "GET", &format!("/node/{c}?format=yml&min_revision={last}"), None, &[]);
                assert_eq!(a.status, 200, "{c}: {}", a.body);
                a.body
            })
            .collect()
    };
    let first = docs(&nodes[0]);
    assert!(first.iter().any(|d| d.contains("probe_0: node 0 round 5")), "the last write shows");
    for n in &nodes[1..] {
        assert_eq!(docs(n), first, "every node answers the same documents");
    }
    for n in &nodes {
        let m = call(n, "GET", "/metrics", None, &[]).body;
        let reloads = m.lines().find_map(|l| l.strip_prefix("lamina_estate_reloads_total ")).expect("reloads metric");
        assert_eq!(reloads, "0", "nodes applied each other's changes from the feed, without reloading");
    }
}

/// A write's revision, asked of another node with `min_revision`, is answered with the write in
/// it at once (no sleep in between); a revision that never comes is a bounded 503.
#[test]
fn issue11_read_your_writes_across_nodes() {
    let Some(db) = PgDb::new("feed_ryw") else { return };
    import(&repo_root().join("corpus/demo"), &db.url);
    // A long poll interval: only the notification or the reader's own nudge can bring B up.
    let a = Server::start(&["--store", &db.url, "--refresh", "60"]);
    let b = Server::start(&["--store", &db.url, "--refresh", "60"]);
    let c = &demo_hosts()[0];
    for i in 0..5 {
        let w =
            call(&a, "PUT", &format!("/v1/hosts/{c}/parameters/ryw"), Some(&format!(r#"{{"value": "v{i}"}}"#)), &[]);
        assert_eq!(w.status, 200, "{}", w.body);
        let rev = w.revision();
        let r = call(&b, "GET", &format!("/node/{c}?format=yml&min_revision={rev}"), None, &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(&format!("ryw: v{i}")), "node B answered without A's write:\n{}", r.body);
        assert!(r.revision() >= rev);
        let h = call(&b, "GET", &format!("/v1/hosts/{c}/enc"), None, &[("X-Lamina-Min-Revision", &rev.to_string())]);
        assert_eq!(h.status, 200);
    }
    let t = Instant::now();
    let r = call(&b, "GET", &format!("/node/{c}?format=yml&min_revision=999999"), None, &[]);
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("revision 999999"), "{}", r.body);
    assert!(t.elapsed() < Duration::from_secs(10));
}

/// `ETag` and `If-None-Match`: 304 while the host is unchanged; a change to one host's facts
/// changes its tag and no other host's; a global parameter changes every tag.
#[test]
fn issue11_etags_follow_exactly_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&repo_root().join("corpus/demo"), &url);
    let s = Server::start(&["--store", &url]);
    let hosts = demo_hosts();
    let tags = || -> Vec<String> {
        hosts
            .iter()
            .map(|c| {
                let a = call(&s, "GET", &format!("/node/{c}?format=yml"), None, &[]);
                assert_eq!(a.status, 200);
                a.header("etag").expect("an ETag").to_string()
            })
            .collect()
    };
    let before = tags();
    for (c, tag) in hosts.iter().zip(&before) {
        let a = call(&s, "GET", &format!("/node/{c}?format=yml"), None, &[("If-None-Match", tag)]);
        assert_eq!(a.status, 304, "{c}");
        assert!(a.body.is_empty());
        let j = call(&s, "GET", &format!("/node/{c}?format=json"), None, &[("If-None-Match", tag)]);
        assert_eq!(j.status, 200, "a YAML tag does not validate the JSON document");
    }
    let w = call(&s, "PUT", &format!("/v1/hosts/{}/facts", hosts[0]), Some(r#"{"virtual": "xen"}"#), &[]);
    assert_eq!(w.status, 200, "{}", w.body);
    let after = tags();
    assert_ne!(after[0], before[0], "the uploading host's document may have changed");
    assert_eq!(after[1..], before[1..], "no other host's did");
    let w = call(&s, "PUT", "/v1/parameters/etag_probe", Some(r#"{"value": 1}"#), &[]);
    assert_eq!(w.status, 200, "{}", w.body);
    let global = tags();
    assert!(global.iter().zip(&after).all(|(g, a)| g != a), "a global parameter reaches every host");
}

/// The response cache changes no answer: random writes (facts, host parameters, global
/// parameters, host moves) through one node, interleaved with reads of random hosts from a node
/// with the cache and one without, give byte-identical documents at each revision.
#[test]
fn issue11_cache_on_and_off_answer_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    import(&repo_root().join("corpus/demo"), &url);
    let cached = Server::start(&["--store", &url, "--refresh", "0.2"]);
    let plain = Server::start(&["--store", &url, "--refresh", "0.2", "--cache-mib", "0"]);
    let hosts = demo_hosts();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % n as u64).expect("small")
    };
    let mut rev = 0;
    for step in 0..120 {
        let c = &hosts[next(hosts.len())];
        let write = match next(6) {
            0 => Some((
                format!("/v1/hosts/{c}/facts"),
                format!(r#"{{"virtual": "{}", "n": {step}}}"#, ["kvm", "xen"][next(2)]),
            )),
            1 => Some((format!("/v1/hosts/{c}/parameters/p{}", next(3)), format!(r#"{{"value": "s{step}"}}"#))),
            2 => Some((format!("/v1/parameters/g{}", next(2)), format!(r#"{{"value": {step}}}"#))),
            _ => None,
        };
        if let Some((path, body)) = write {
            let w = call(&cached, "PUT", &path, Some(&body), &[]);
            assert_eq!(w.status, 200, "{path}: {}", w.body);
            rev = w.revision();
        }
        let path = format!("/node/{c}?format={}&min_revision={rev}", ["yml", "json"][next(2)]);
        let a = call(&cached, "GET", &path, None, &[]);
        let b = call(&plain, "GET", &path, None, &[]);
        assert_eq!((a.status, &a.body), (b.status, &b.body), "step {step}: {path}");
    }
    // The comparison was of cached answers against rendered ones.
    let metric = |s: &Server, name: &str| -> u64 {
        let m = call(s, "GET", "/metrics", None, &[]).body;
        m.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    assert!(metric(&cached, "lamina_enc_cache_hits_total") > 10, "the cached server served from its cache");
    assert_eq!(metric(&plain, "lamina_enc_cache_hits_total"), 0, "the other one had no cache");
}

/// Regression (issue 11): a client that gives up while its write waits in the store rolls the
/// write back; the node is not wedged (later writes succeed, /readyz stays true to the store)
/// and the abandoned value is nowhere.
#[test]
fn issue11_dropped_write_rolls_back_and_the_node_goes_on() {
    let Some(db) = PgDb::new("feed_dropped") else { return };
    import(&repo_root().join("corpus/demo"), &db.url);
    let s = Server::start(&["--store", &db.url]);
    let c = &demo_hosts()[0];
    // Hold the revision row's lock from outside, so that the node's write waits inside its
    // transaction.
    let mut holder = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &db.url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql is installed with PostgreSQL");
    let stdin = holder.stdin.as_mut().expect("stdin");
    stdin
        .write_all(
            b"BEGIN;\nUPDATE lamina_meta SET revision = revision WHERE id = 1;\nSELECT pg_sleep(3);\nROLLBACK;\n",
        )
        .expect("psql");
    stdin.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(500));
    {
        let addr = s.url.strip_prefix("http://").expect("url");
        let mut conn = TcpStream::connect(addr).expect("connect");
        let body = r#"{"value": "abandoned"}"#;
        let req = format!(
            "PUT /v1/hosts/{c}/parameters/dropped HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(req.as_bytes()).expect("send");
        // The write is in its transaction, waiting for the lock, when the client goes away.
        let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                       AND wait_event_type = 'Lock'";
        let t = Instant::now();
        loop {
            let out =
                Command::new("psql").args(["-X", "-q", "-t", "-A", &db.url, "-c", waiting]).output().expect("psql");
            if String::from_utf8_lossy(&out.stdout).trim() != "0" {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(2), "the node's write never waited for the lock");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let _ = holder.wait();
    let w = call(&s, "PUT", &format!("/v1/hosts/{c}/parameters/after"), Some(r#"{"value": "later"}"#), &[]);
    assert_eq!(w.status, 200, "a later write succeeds: {}", w.body);
    assert_eq!(call(&s, "GET", "/readyz", None, &[]).status, 200);
    let doc = call(&s, "GET", &format!("/node/{c}?format=yml"), None, &[]).body;
    assert!(doc.contains("after: later"), "{doc}");
    assert!(!doc.contains("abandoned"), "the abandoned write was rolled back:\n{doc}");
    let stored = lamina_store::load_source(&db.url).expect("load");
    let h = stored.hosts.iter().find(|h| h.certname() == c.as_str()).expect("host");
    assert!(h.parameters.iter().all(|p| p.name != "dropped"), "nothing of it is in the store");
}

/// Regression (issue 11): after `pg_terminate_backend` kills every connection of the node, its
/// next write succeeds (the connection is re-opened) and it still hears other nodes' writes.
#[test]
fn issue11_terminated_connections_are_reopened() {
    let Some(db) = PgDb::new("feed_terminated") else { return };
    import(&repo_root().join("corpus/demo"), &db.url);
    let a = Server::start(&["--store", &db.url, "--refresh", "60"]);
    let b = Server::start(&["--store", &db.url, "--refresh", "60"]);
    let c = &demo_hosts()[0];
    let name = db.url.rsplit('/').next().expect("db name").to_string();
    let kill = format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );
    let out = Command::new("psql").args(["-X", "-q", "-t", "-A", &db.url, "-c", &kill]).output().expect("psql");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::thread::sleep(Duration::from_millis(300));
    let w = call(&a, "PUT", &format!("/v1/hosts/{c}/parameters/revived"), Some(r#"{"value": "alive"}"#), &[]);
    assert_eq!(w.status, 200, "the write after the termination: {}", w.body);
    // B hears of it without waiting for its 60 s poll: its listener reconnected.
    wait_until("node B to see the write", || {
        call(&b, "GET", &format!("/node/{c}?format=yml"), None, &[]).body.contains("revived: alive")
    });
    assert_eq!(call(&b, "GET", "/readyz", None, &[]).status, 200);
}

/// A facts upload reaches the other nodes through the feed (read in one statement when it holds
/// only uploads), and moves a host's `ETag` only when it changes a fact an order line reads: the
/// same facts with another uptime keep the tag and the document on every node; another
/// `os::family` (which the demo's `apache::mpm` matches) changes the document, alike on both.
#[test]
fn issue11_facts_reach_other_nodes_and_volatile_ones_keep_the_etag() {
    use lamina_foreman::{Value, resolve};
    let Some(db) = PgDb::new("feed_facts") else { return };
    import(&repo_root().join("corpus/demo"), &db.url);
    let (a, b) = (Server::start(&["--store", &db.url]), Server::start(&["--store", &db.url]));
    // A host whose document depends on its `os.family`, found with the library.
    let demo = lamina_estate::load(&repo_root().join("corpus/demo")).expect("demo loads");
    let with_family = |facts: &lamina_foreman::Map, family: &str| {
        let mut f = facts.clone();
        if let Some(Value::Hash(os)) = f.get_mut("os") {
            os.insert("family".into(), Value::String(family.into()));
        }
        f
    };
    let doc_of = |i, facts: lamina_foreman::Map| {
        let e = demo.with_facts(i, std::sync::Arc::new(facts));
        format!("{:?}", resolve(&e, i, false).and_then(|r| r.document()).map(|d| d.into_value()))
    };
    let (certname, facts) = demo
        .certnames()
        .iter()
        .find_map(|c| {
            let i = demo.host(c)?;
            let facts = (*demo.host_source(i).facts).clone();
            let differs = doc_of(i, with_family(&facts, "Debian")) != doc_of(i, with_family(&facts, "Gentoo"));
            differs.then(|| (c.clone(), facts))
        })
        .expect("a demo host whose document depends on os.family");
    let enc = |s: &Server, rev: i64| {
        let r = call(s, "GET", &format!("/node/{certname}?format=yml&min_revision={rev}"), None, &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        (r.header("etag").expect("an ETag").to_string(), r.body)
    };
    let upload = |facts: &lamina_foreman::Map| {
        let w =
            call(&a, "PUT", &format!("/v1/hosts/{certname}/facts"), Some(&Value::Hash(facts.clone()).to_string()), &[]);
        assert_eq!(w.status, 200, "{}", w.body);
        w.revision()
    };
    let rev = upload(&with_family(&facts, "Debian"));
    let (debian_a, debian_b) = (enc(&a, rev), enc(&b, rev));
    assert_eq!(debian_a.1, debian_b.1, "both nodes answer the uploaded facts");
    let mut volatile = with_family(&facts, "Debian");
    volatile.insert("uptime_seconds".into(), Value::Int(987_654));
    let rev = upload(&volatile);
    assert_eq!(enc(&a, rev), debian_a, "an uptime keeps the writer's tag and document");
    assert_eq!(enc(&b, rev), debian_b, "and the other node's");
    let rev = upload(&with_family(&facts, "Gentoo"));
    let (gentoo_a, gentoo_b) = (enc(&a, rev), enc(&b, rev));
    assert_ne!(gentoo_a.1, debian_a.1, "another os.family changes the document");
    assert_ne!(gentoo_a.0, debian_a.0, "and its tag");
    assert_eq!(gentoo_a.1, gentoo_b.1, "on the other node too, from the feed");
}

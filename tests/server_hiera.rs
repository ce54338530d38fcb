//! The real `puppet lookup` reading Hiera data from a running `lamina serve` on PostgreSQL through
//! the `lamina` module's backends (`puppet/lamina/`: `lamina::data_hash` over
//! `/v1/hosts/<certname>/hiera`, `lamina::lookup_key` over `/v1/hosts/<certname>/lookup/<key>`).
//!
//! The demo estate (`corpus/demo/`) is imported into a scratch PostgreSQL database and served with
//! its own global hierarchy (`corpus/demo/hiera/`). Puppet runs
//! offline in a throwaway confdir whose environment `production` holds `modules/lamina` and a
//! `hiera.yaml` with only the Lamina level, so every value it finds came over HTTP. Each answer
//! must be byte-identical to what `lamina lookup KEY --node CERTNAME --render-as json` prints for
//! the same estate and hierarchy.
//!
//! Needs Puppet (`apt-get install -y puppet`) and PostgreSQL at 127.0.0.1:5432; under CI (`CI`
//! set) a missing one fails the tests, elsewhere they are skipped with a message.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use lamina_tests::{PgDb, Server, lamina_bin, repo_root, under_ci, which};

/// The demo host the hierarchy has a node file for (`corpus/demo/hiera/data/nodes/`).
const CERTNAME: &str = "web01.demo.example.com";

/// Keys the data_hash test asks, and what each one exercises (corpus/demo/hiera/README.md).
const KEYS: &[&str] = &[
    "profile::base::ntp_servers", // plain key, first found (the domain level beats common)
    "profile::base::sysctl",      // deep merge over four levels (lookup_options)
    "profile::base::packages",    // unique merge (lookup_options)
    "profile::web::vhost_port",   // only this host's node file has it
    "profile::app::banner",       // interpolates an ENC parameter and trusted.certname
    "profile::base::template",    // a literal `%{` Puppet must not interpolate again
    "profile::base::ratio",       // a float, rendered by Puppet's JSON
    "profile::base::big",         // an Integer beyond 64 bits, still an Integer on the Puppet side
];

/// Puppet (and ruby) usable? Under CI their absence is a loud failure; elsewhere `false` after a note.
fn puppet_available(test: &str) -> bool {
    if which("puppet").is_some() && which("ruby").is_some() {
        return true;
    }
    assert!(!under_ci(), "{test}: Puppet is required under CI: apt-get install -y puppet");
    eprintln!("{test}: SKIPPED: puppet not found on PATH (apt-get install -y puppet)");
    false
}

fn hiera_config() -> PathBuf {
    let path = repo_root().join("corpus/demo/hiera/hiera.yaml");
    std::fs::canonicalize(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn demo_estate() -> PathBuf {
    repo_root().join("corpus/demo")
}

/// `lamina serve` over the demo estate imported into a scratch PostgreSQL database. The server is
/// declared first so that it stops (and closes its connections) before the database is dropped.
struct Served {
    server: Server,
    _db: PgDb,
}

/// `None` (skipped, with a message) when PostgreSQL or Puppet is missing outside CI.
fn serve_demo(test: &str) -> Option<Served> {
    if !puppet_available(test) {
        return None;
    }
    let db = PgDb::new(test)?;
    let out = Command::new(lamina_bin())
        .arg("import")
        .arg(demo_estate())
        .args(["--store", &db.url])
        .output()
        .expect("run lamina import");
    assert!(
        out.status.success(),
        "lamina import corpus/demo --store {} failed:\n{}",
        db.url,
        String::from_utf8_lossy(&out.stderr)
    );
    let hiera = hiera_config();
    let server = Server::start(&["--store", &db.url, "--hiera-config", hiera.to_str().expect("UTF-8 path")]);
    Some(Served { server, _db: db })
}

/// A throwaway Puppet confdir/codedir: environment `production` with `modules/lamina` (a symlink
/// to `puppet/lamina/`) and a `hiera.yaml` holding `level` as its only hierarchy entry.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(level: &str) -> Sandbox {
        let dir = tempfile::tempdir().expect("sandbox");
        let d = |n: &str| dir.path().join(n);
        for n in ["conf", "code/environments/production/modules"] {
            std::fs::create_dir_all(d(n)).expect("sandbox dir");
        }
        std::fs::write(d("conf/puppet.conf"), "").expect("puppet.conf");
        // An empty global layer: the default one would read $confdir/data, which must not answer.
        std::fs::write(d("conf/hiera.yaml"), "version: 5\nhierarchy: []\n").expect("global hiera.yaml");
        std::os::unix::fs::symlink(repo_root().join("puppet/lamina"), d("code/environments/production/modules/lamina"))
            .expect("symlink the lamina module");
        std::fs::write(d("code/environments/production/hiera.yaml"), format!("version: 5\nhierarchy:\n{level}"))
            .expect("environment hiera.yaml");
        Sandbox { dir }
    }

    /// `puppet lookup KEY --node NODE --facts F [EXTRA]`, offline. The facts carry
    /// `clientcert`, `hostname`, `domain` and `fqdn`, which is what makes `puppet lookup --node`
    /// set `trusted.certname` (the backends' URL interpolates it).
    fn lookup(&self, key: &str, node: &str, extra: &[&str]) -> Output {
        let d = |n: &str| self.dir.path().join(n);
        let (host, domain) = node.split_once('.').unwrap_or((node, ""));
        let facts = d(&format!("facts-{node}.yaml"));
        std::fs::write(
            &facts,
            format!("clientcert: \"{node}\"\nhostname: \"{host}\"\ndomain: \"{domain}\"\nfqdn: \"{node}\"\n"),
        )
        .expect("facts");
        let mut cmd = Command::new("puppet");
        cmd.args(["lookup", key, "--node", node, "--color", "false"])
            .args(extra)
            .arg("--facts")
            .arg(&facts)
            .args(["--environment", "production"])
            .stdin(Stdio::null());
        // Lookups run side by side (assert_same_as_lamina): each gets its own vardir.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        lamina_tests::puppet_sandbox_with_state(&mut cmd, self.dir.path(), &d(&format!("state-{call}")));
        cmd.output().expect("run puppet lookup")
    }
}

fn data_hash_level(server: &str) -> String {
    format!(
        "  - name: \"Lamina\"\n    data_hash: lamina::data_hash\n    uri: \"{server}/v1/hosts/%{{trusted.certname}}/hiera\"\n    options:\n      timeout: 10\n"
    )
}

fn lookup_key_level(server: &str) -> String {
    format!(
        "  - name: \"Lamina per key\"\n    lookup_key: lamina::lookup_key\n    uri: \"{server}/v1/hosts/%{{trusted.certname}}\"\n    options:\n      timeout: 10\n"
    )
}

/// What `lamina lookup KEY --node CERTNAME --render-as json` prints for the demo estate and the
/// test hierarchy (the estate read from its files, not from the server's store).
fn lamina_lookup(key: &str) -> String {
    let out = Command::new(lamina_bin())
        .args(["lookup", key, "--node", CERTNAME, "--render-as", "json", "--estate"])
        .arg(demo_estate())
        .arg("--hiera-config")
        .arg(hiera_config())
        .output()
        .expect("run lamina lookup");
    assert!(out.status.success(), "lamina lookup {key} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn show(out: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every key through Puppet (one ~2 s process each, run side by side) against `lamina lookup`.
fn assert_same_as_lamina(sb: &Sandbox, keys: &[&str]) {
    let answers: Vec<(&str, Output, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = keys
            .iter()
            .map(|&k| s.spawn(move || (k, sb.lookup(k, CERTNAME, &["--render-as", "json"]), lamina_lookup(k))))
            .collect();
        handles.into_iter().map(|h| h.join().expect("lookup thread")).collect()
    });
    let mut problems = Vec::new();
    for (key, puppet, want) in &answers {
        if !puppet.status.success() || String::from_utf8_lossy(&puppet.stdout) != *want {
            problems.push(format!("{key}: lamina lookup prints {want:?}; puppet lookup: {}", show(puppet)));
        }
    }
    assert!(problems.is_empty(), "puppet lookup through the lamina backend differs:\n{}", problems.join("\n\n"));
}

/// Puppet's not-found for `key`: with `--explain` (the only way the CLI shows why it found
/// nothing) the trace ends with Puppet's message, and no backend error was raised.
fn assert_not_found(sb: &Sandbox, key: &str, node: &str) {
    let out = sb.lookup(key, node, &["--explain"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains(&format!("Function lookup() did not find a value for the name '{key}'"))
            && !text.contains("failed:"),
        "{key} on {node}: expected Puppet's not-found, got {}",
        show(&out)
    );
}

#[test]
fn puppet_lookup_through_data_hash_matches_lamina_lookup() {
    let Some(served) = serve_demo("hiera_data_hash") else { return };
    let sb = Sandbox::new(&data_hash_level(&served.server.url));
    assert_same_as_lamina(&sb, KEYS);
    // A key no level defines, and a host the server does not know (404 → empty hash).
    assert_not_found(&sb, "profile::no_such_key", CERTNAME);
    assert_not_found(&sb, "profile::base::ntp_servers", "unknown-host.example.org");

    // The server gone: the lookup fails with an error naming the URL, not a silent not-found.
    let url = format!("{}/v1/hosts/{CERTNAME}/hiera", served.server.url);
    let Served { server, _db } = served;
    server.stop();
    let out = sb.lookup("profile::base::sysctl", CERTNAME, &["--explain"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains(&format!("lamina::data_hash: GET {url} failed: ")), "server stopped: {}", show(&out));
    assert!(!text.contains("did not find a value"), "server stopped must not read as not-found: {}", show(&out));
}

#[test]
fn puppet_lookup_through_lookup_key_matches_lamina_lookup() {
    let Some(served) = serve_demo("hiera_lookup_key") else { return };
    let sb = Sandbox::new(&lookup_key_level(&served.server.url));
    assert_same_as_lamina(
        &sb,
        &["profile::base::sysctl", "profile::web::vhost_port", "profile::base::template", "profile::app::banner"],
    );
    assert_not_found(&sb, "profile::no_such_key", CERTNAME);
}

/// Issue 13: `lamina serve --strict error` answers lookups with Puppet 8's strictness (an
/// undefined variable in data is an error, 422), `--strict warning` with Puppet 7's.
#[test]
fn issue13_serve_strict_error_refuses_undefined_variables() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("hiera/data")).expect("mkdir");
    std::fs::write(
        dir.path().join("estate.yaml"),
        "environments: [production]\nhosts:\n  - {name: h1.example.com, environment: production}\n",
    )
    .expect("estate");
    std::fs::write(
        dir.path().join("hiera/hiera.yaml"),
        "version: 5\ndefaults: {datadir: data, data_hash: yaml_data}\nhierarchy:\n  - {name: common, path: common.yaml}\n",
    )
    .expect("hiera.yaml");
    std::fs::write(dir.path().join("hiera/data/common.yaml"), "k: \"a%{nosuchvar}b\"\nok: fine\n").expect("data");
    let estate = dir.path().display().to_string();
    for (strict, status, body) in [("warning", 200, "ab"), ("error", 422, "Undefined variable 'nosuchvar'")] {
        let server = Server::start(&["--estate", &estate, "--strict", strict]);
        let (s, b) = lamina_tests::http("GET", &format!("{}/v1/hosts/h1.example.com/lookup/k", server.url), None, None);
        assert_eq!(s, status, "--strict {strict}: {b}");
        assert!(b.contains(body), "--strict {strict}: {b}");
        let (s, b) =
            lamina_tests::http("GET", &format!("{}/v1/hosts/h1.example.com/lookup/ok", server.url), None, None);
        assert_eq!((s, b.contains("fine")), (200, true), "--strict {strict}: {b}");
    }
}

/// Issue 15: a server with no Hiera configuration answers the Hiera routes with 501 (not 404,
/// which the `lamina` module reads as "not found"): `puppet lookup` through either backend
/// fails with the server's reason instead of skipping the level. A 404 that `lamina serve` did
/// not answer (a wrong path in the uri) fails the lookup too.
#[test]
fn issue15_server_without_hiera_fails_the_lookup_instead_of_skipping_the_level() {
    if !puppet_available("issue15_server_without_hiera") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("estate.yaml"),
        format!("environments: [production]\nhosts:\n  - {{name: {CERTNAME}, environment: production}}\n"),
    )
    .expect("estate");
    let server = Server::start(&["--estate", &dir.path().display().to_string()]);
    let (status, body) = lamina_tests::http("GET", &format!("{}/v1/hosts/{CERTNAME}/hiera", server.url), None, None);
    assert_eq!(status, 501, "{body}");
    assert!(body.contains("no Hiera configuration"), "{body}");
    let wrong_path = format!(
        "  - name: \"Lamina\"\n    data_hash: lamina::data_hash\n    uri: \"{}/v2/nodes/%{{trusted.certname}}\"\n",
        server.url
    );
    for (level, why) in [
        (data_hash_level(&server.url), "no Hiera configuration"),
        (lookup_key_level(&server.url), "no Hiera configuration"),
        (wrong_path, "HTTP 404 not answered by lamina serve"),
    ] {
        let sb = Sandbox::new(&level);
        let out = sb.lookup("profile::base::ntp_servers", CERTNAME, &["--explain"]);
        // `--explain` shows why (and, as Puppet does, exits 0 however the lookup ended).
        let text = show(&out);
        assert!(text.contains(why), "expected {why:?}: {text}");
        assert!(!text.contains("did not find a value"), "must not read as not-found: {text}");
    }
}

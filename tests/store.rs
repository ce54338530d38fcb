//! Estate stores (SQLite and PostgreSQL): import → export → import is lossless, the per-host
//! read gives byte-identical ENCs, an invalid estate writes nothing, and the CLI's
//! `import`/`enc --store`/`export`.
//!
//! PostgreSQL tests connect to postgres://postgres@127.0.0.1:5432 and each works in a database
//! of its own, created for it and dropped at the end. When the server cannot be reached they
//! are skipped with a message — except under CI (`CI` set), where that is a failure.

use lamina_estate::{self as estate, PsychText, load_source_node};
use lamina_foreman::{Estate, Value, compile, resolve};
use lamina_generate::{GenOptions, generate};
use lamina_store as store;
use lamina_tests::{PgDb, lamina, repo_root};
use lamina_yaml::{self as yaml, Limits, NodeKind};
use std::path::{Path, PathBuf};
use std::process::Command;

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

/// Every host's ENC (or its error), in certname order.
fn encs(e: &Estate) -> Vec<(String, String)> {
    e.certnames().iter().map(|c| (c.clone(), one_enc(e, c))).collect()
}

fn one_enc(e: &Estate, certname: &str) -> String {
    let h = e.host(certname).expect("host in estate");
    match resolve(e, h, false).and_then(|r| r.document()) {
        Ok(doc) => lamina_yaml::to_yaml(&doc.into_value()),
        Err(err) => format!("error: {err}"),
    }
}

/// A generated estate of 300 hosts (the same one for every test).
fn generated(dir: &Path) -> PathBuf {
    let out = dir.join("estate");
    generate(&GenOptions { hosts: 300, seed: 3 }, &out).expect("generate");
    out
}

/// The per-host read gives exactly the whole estate's ENC for every host.
fn assert_per_host(url: &str, full: &[(String, String)]) {
    for (certname, expected) in full {
        let part = store::load_host(url, certname).expect("load_host").expect("known host");
        assert_eq!(&one_enc(&part, certname), expected, "host {certname} from {url}");
        assert!(part.host_count() == 1, "the per-host read holds one host");
    }
    assert!(store::load_host(url, "no-such-host.example.com").expect("load_host").is_none());
}

/// import → load == files; export → import → load == files; per-host == whole.
fn round_trip(url: &str, url2: &str, dir: &Path) {
    let src_dir = generated(dir);
    let expected = encs(&estate::load(&src_dir).expect("generated estate loads"));
    assert_eq!(expected.len(), 300);

    let s = store::import(&src_dir, url).expect("import");
    assert_eq!(s.hosts, 300);
    assert_eq!(encs(&store::load_estate(url).expect("load_estate")), expected, "store vs files");

    let out = dir.join("exported");
    let x = store::export(url, &out).expect("export");
    assert_eq!(x.hosts, 300);
    assert_eq!(encs(&estate::load(&out).expect("exported estate loads")), expected, "exported files vs files");
    store::import(&out, url2).expect("re-import");
    assert_eq!(encs(&store::load_estate(url2).expect("load_estate")), expected, "re-imported vs files");
    let (a, b) = (store::load_source(url).expect("source"), store::load_source(url2).expect("source"));
    assert_eq!((a.hosts.len(), a.puppetclasses.len()), (b.hosts.len(), b.puppetclasses.len()));

    assert_per_host(url2, &expected);
}

#[test]
fn sqlite_round_trip_and_per_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    round_trip(&sqlite_url(dir.path(), "a.db"), &sqlite_url(dir.path(), "b.db"), dir.path());
}

#[test]
fn postgres_round_trip_and_per_host() {
    let Some(a) = PgDb::new("round_trip_a") else { return };
    let Some(b) = PgDb::new("round_trip_b") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    round_trip(&a.url, &b.url, dir.path());
}

#[test]
fn import_replaces_previous_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = sqlite_url(dir.path(), "s.db");
    store::import(&generated(dir.path()), &url).expect("import generated");
    let demo = repo_root().join("corpus/demo");
    store::import(&demo, &url).expect("import demo");
    let e = store::load_estate(&url).expect("load");
    assert_eq!(encs(&e), encs(&estate::load(&demo).expect("demo")));
}

const INVALID: &str = r#"
environments: [production]
puppetclasses:
  ntp:
    parameters:
      servers:
        override: true
        override_values:
          - {match: "fqdn=nowhere.example.com", value: "x"}
hosts:
  - {name: a.example.com, hostgroup: Missing}
  - {name: b.example.com, domain: missing.example.com}
"#;

/// An invalid estate is refused with all its errors, and the store keeps what it held (or is
/// not even created).
fn refuses_invalid(url: &str, dir: &Path) {
    let demo = repo_root().join("corpus/demo");
    store::import(&demo, url).expect("import demo");
    let before = encs(&store::load_estate(url).expect("load"));
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, INVALID).expect("write");
    let errs = store::import(&bad, url).expect_err("invalid estate refused");
    let all = errs.to_string();
    for needle in ["nowhere.example.com", "Missing", "missing.example.com"] {
        assert!(all.contains(needle), "every error is reported; missing {needle}: {all}");
    }
    assert!(errs.0.len() >= 3, "{all}");
    assert_eq!(encs(&store::load_estate(url).expect("load")), before, "nothing written");
}

#[test]
fn sqlite_invalid_estate_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    refuses_invalid(&sqlite_url(dir.path(), "s.db"), dir.path());
    // Into a store that does not exist yet: not even created.
    let fresh = dir.path().join("fresh.db");
    store::import(&dir.path().join("bad.yaml"), &format!("sqlite://{}", fresh.display())).expect_err("refused");
    assert!(!fresh.exists(), "no store file created for a refused estate");
}

#[test]
fn postgres_invalid_estate_writes_nothing() {
    let Some(db) = PgDb::new("invalid") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    refuses_invalid(&db.url, dir.path());
}

#[test]
fn missing_store_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = sqlite_url(dir.path(), "none.db");
    let e = store::load_estate(&url).expect_err("no store");
    assert!(e.to_string().contains("none.db"), "{e}");
    assert!(!dir.path().join("none.db").exists(), "a read does not create the store");
}

/// Every valid conformance case, through a store: the per-host read and the whole read give
/// the files' ENC for every host (covers matcher inheritance quirks, fact and parameter
/// matchers, omit, merges).
#[test]
fn conformance_cases_through_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = sqlite_url(dir.path(), "c.db");
    let mut cases = 0;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo_root().join("corpus/conformance"))
        .expect("conformance dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("read");
        let node = yaml::parse_node(&text, &file, &Limits::default()).expect("parse").expect("document");
        let NodeKind::Map(pairs) = node.kind else { continue };
        let Some((_, est)) =
            pairs.into_iter().find(|(k, _)| matches!(&k.kind, NodeKind::Scalar(Value::String(s)) if s == "estate"))
        else {
            continue;
        };
        let Ok(src) = load_source_node(est, &file) else { continue };
        let Ok(full) = compile(src.clone(), &PsychText) else { continue };
        cases += 1;
        store::import_source(&src, &url).expect("import");
        let expected = encs(&full);
        assert_eq!(encs(&store::load_estate(&url).expect("load")), expected, "{file}: whole read");
        for (certname, enc) in &expected {
            let part = store::load_host(&url, certname).expect("load_host").expect("host");
            assert_eq!(&one_enc(&part, certname), enc, "{file}: host {certname}");
        }
    }
    assert!(cases >= 20, "only {cases} conformance cases ran");
}

#[test]
fn cli_import_enc_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = repo_root().join("corpus/demo");
    let demo_s = demo.display().to_string();
    let url = sqlite_url(dir.path(), "cli.db");

    let out = lamina(&["import", &demo_s, "--store", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e = estate::load(&demo).expect("demo");
    for certname in e.certnames() {
        let from_store = lamina(&["enc", certname, "--store", &url]);
        let from_files = lamina(&["enc", certname, "--estate", &demo_s]);
        assert_eq!(from_store.status.code(), from_files.status.code(), "{certname}");
        assert_eq!(from_store.stdout, from_files.stdout, "{certname}: enc --store vs --estate");
    }
    let unknown = lamina(&["enc", "nope.example.com", "--store", &url]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(unknown.stdout.is_empty());

    let check = lamina(&["check", "--store", &url]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains(&format!("{} hosts", e.host_count())));

    let exp = dir.path().join("exp");
    let out = lamina(&["export", "--store", &url, "--out", &exp.display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(encs(&estate::load(&exp).expect("exported estate loads")), encs(&e));

    // An invalid estate: exit 2, every error on stderr, store untouched.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, INVALID).expect("write");
    let out = lamina(&["import", &bad.display().to_string(), "--store", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nowhere.example.com") && err.contains("missing.example.com"), "{err}");
    let again = lamina(&["enc", &e.certnames()[0], "--store", &url]);
    assert!(again.status.success());
}

/// `trusted_references` skips only the checks that need objects outside a partial estate.
#[test]
fn trusted_references_skip_only_outside_objects() {
    use lamina_foreman::{CompileOptions, compile_with};
    let text = r#"
environments: [production]
puppetclasses:
  ntp:
    parameters:
      servers:
        override: true
        override_values:
          - {match: "fqdn=elsewhere.example.com", value: "x"}
          - {match: "hostgroup=Elsewhere", value: "y"}
hosts:
  - {name: a.example.com, environment: production, puppetclasses: [ntp]}
"#;
    let src = estate::load_source_str(text, "t.yaml", &Limits::default()).expect("parses");
    let errs = compile(src.clone(), &PsychText).expect_err("compile() still checks references");
    assert_eq!(errs.0.len(), 2, "{errs}");
    let trusted = CompileOptions { trusted_references: true };
    compile_with(src.clone(), &PsychText, trusted).expect("trusted: references outside the view are not checked");
    // Everything else is still checked.
    let mut bad = src;
    bad.puppetclasses[0].parameters[0].override_values[0].match_ = "comment=x".into();
    let errs = compile_with(bad, &PsychText, trusted).expect_err("order line still checked");
    assert!(errs.to_string().contains("does not exist in order field"), "{errs}");
}

/// `lamina lookup --store` scopes a `--node` host read from the store exactly as `--estate`
/// does from the files.
#[test]
fn lookup_from_a_store_matches_lookup_from_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = sqlite_url(dir.path(), "lookup.db");
    let demo = repo_root().join("corpus/demo");
    let imported = lamina(&["import", demo.to_str().expect("utf-8"), "--store", &url]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let hiera = repo_root().join("corpus/demo/hiera/hiera.yaml");
    let hiera = hiera.to_str().expect("utf-8");
    for key in ["profile::web::vhost_port", "profile::base::sysctl", "motd::banner"] {
        for node in ["web01.demo.example.com", "db01.demo.example.com"] {
            let base = ["lookup", key, "--node", node, "--hiera-config", hiera, "--render-as", "json"];
            let files = lamina(&[&base[..], &["--estate", demo.to_str().expect("utf-8")]].concat());
            let store = lamina(&[&base[..], &["--store", &url]].concat());
            assert_eq!(files.status.code(), store.status.code(), "{key} {node}");
            assert_eq!(String::from_utf8_lossy(&files.stdout), String::from_utf8_lossy(&store.stdout), "{key} {node}");
            assert_eq!(String::from_utf8_lossy(&files.stderr), String::from_utf8_lossy(&store.stderr), "{key} {node}");
        }
    }
    let found = lamina(&[
        "lookup",
        "profile::web::vhost_port",
        "--node",
        "web01.demo.example.com",
        "--hiera-config",
        hiera,
        "--store",
        &url,
    ]);
    assert!(found.status.success(), "the test must look at found values too");
}

/// Regression (issue 10), on PostgreSQL: a store written before schema 3 (non-finite reals as
/// tagged objects) is read as it is by readers, which write nothing, and brought up to date by
/// the next writer (the server's connection) with migration 3, whose SQL runs on PostgreSQL too.
#[test]
fn issue10_postgres_schema_2_reals_are_read_then_rewritten() {
    let Some(db) = PgDb::new("schema2_reals") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let est = dir.path().join("e.yaml");
    std::fs::write(&est, "parameters: {a: 1.5, b: 2.5, c: 3.5}\nhosts:\n  - {name: h.example.com}\n").expect("write");
    store::import(&est, &db.url).expect("import");
    let psql = |sql: &str| {
        let out =
            Command::new("psql").args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", &db.url, "-c", sql]).output();
        let out = out.expect("psql is installed with PostgreSQL");
        assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    for (name, old) in [("a", "nan"), ("b", "inf"), ("c", "-inf")] {
        psql(&format!(
            r#"UPDATE parameters SET value_json = '{{"\u0000lamina:float":"{old}"}}' WHERE owner_kind = 'global' AND name = '{name}'"#
        ));
    }
    psql("DELETE FROM _sqlx_migrations WHERE version = 3");
    let check = || {
        let src = store::load_source(&db.url).expect("load");
        let got: Vec<Value> = src.parameters.iter().map(|p| p.value.clone()).collect();
        assert!(matches!(got[0], Value::Float(f) if f.is_nan()), "{got:?}");
        assert_eq!(got[1..], [Value::Float(f64::INFINITY), Value::Float(f64::NEG_INFINITY)]);
    };
    check();
    let values = "SELECT string_agg(value_json, ' ' ORDER BY pos) FROM parameters WHERE owner_kind = 'global'";
    assert!(psql(values).contains("lamina:float"), "a read wrote nothing");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(store::Live::open(&db.url)).expect("a writer brings the schema up to date");
    assert_eq!(psql(values), "NaN Infinity -Infinity");
    check();
}

/// Regression (issue 14): PostgreSQL passwords appeared in CLI output (`import`, `export`, a
/// failing `enc --store`, which Puppet logs) and `?password=` in a URL was never masked.
#[test]
fn issue14_store_passwords_never_reach_output() {
    let Some(db) = PgDb::new("issue14_pw") else { return };
    // Trust authentication ignores the password: the commands succeed and must not print it.
    let with_pw = db.url.replacen("postgres://postgres@", "postgres://postgres:Hunter2pw@", 1) + "?password=Query2pw";
    let demo = repo_root().join("corpus/demo");
    let out_dir = tempfile::tempdir().expect("tmp");
    let runs = [
        lamina(&["import", demo.to_str().expect("utf8"), "--store", &with_pw]),
        lamina(&["export", "--store", &with_pw, "--out", out_dir.path().join("x").to_str().expect("utf8")]),
        lamina(&[
            "enc",
            "web01.demo.example.com",
            "--store",
            "postgres://postgres:Hunter2pw@127.0.0.1:1/none?password=Query2pw",
        ]),
        lamina(&["check", "--store", "postgres://postgres:Hunter2pw@127.0.0.1:1/none?password=Query2pw"]),
        lamina(&[
            "import",
            demo.to_str().expect("utf8"),
            "--store",
            "postgres://postgres:Hunter2pw@127.0.0.1:1/none?password=Query2pw",
        ]),
    ];
    for (i, out) in runs.iter().enumerate() {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("Hunter2pw") && !all.contains("Query2pw"), "run {i} shows a password: {all}");
        assert!(i == 1 || all.contains("postgres://postgres@"), "run {i} still names the store: {all}");
    }
    assert!(runs[0].status.success() && runs[1].status.success(), "import and export work");
    assert!(
        String::from_utf8_lossy(&runs[0].stderr).contains("?password=*****"),
        "the parameter is masked, not dropped"
    );
}

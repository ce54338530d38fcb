//! `lamina export-hiera` and `lamina migrate-check`: an export of an estate's smart class
//! parameters gives every host, through Hiera, what the ENC sends (the check finds nothing on
//! generated estates), and the check finds a value changed in the data with both provenances,
//! hidden values masked.

use lamina_tests::{lamina, repo_root};
use std::path::Path;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

fn export(estate: &Path, out: &Path) {
    let o = lamina(&["export-hiera", "--estate", &estate.display().to_string(), "--out", &out.display().to_string()]);
    assert!(o.status.success(), "export-hiera failed: {}", text(&o.stderr));
    assert!(out.join("hiera.yaml").is_file());
}

fn check(estate: &Path, hiera: &Path) -> std::process::Output {
    lamina(&[
        "migrate-check",
        "--estate",
        &estate.display().to_string(),
        "--hiera-config",
        &hiera.join("hiera.yaml").display().to_string(),
        "--format",
        "json",
    ])
}

/// On generated estates (two seeds and sizes: nested host groups, combined and fact matchers,
/// merged keys with and without their defaults, omitted values, orders that disagree), every
/// smart class parameter of every host comes back from Hiera as the ENC sends it.
#[test]
fn export_hiera_then_migrate_check_finds_no_mismatch_on_generated_estates() {
    for (hosts, seed) in [("400", "3"), ("250", "11")] {
        let dir = tempfile::tempdir().expect("tmp");
        let estate = dir.path().join("estate");
        let g =
            lamina(&["corpus", "generate", "--hosts", hosts, "--seed", seed, "--out", &estate.display().to_string()]);
        assert!(g.status.success(), "{}", text(&g.stderr));
        let out = dir.path().join("hiera");
        export(&estate, &out);
        let o = check(&estate, &out);
        let v = json(&o);
        let summary = &v["summary"];
        assert!(summary["compared"].as_i64().expect("compared") > 1000, "too little compared: {summary}");
        assert_eq!(summary["hosts"].as_i64(), hosts.parse::<i64>().ok());
        assert_eq!(summary["mismatches"], 0, "seed {seed}: {}", &text(&o.stdout)[..text(&o.stdout).len().min(3000)]);
        assert_eq!(summary["failures"], 0);
        assert_eq!(o.status.code(), Some(0));
    }
}

/// The demo estate, exported, then one value changed in a data file and the hidden password
/// changed in another: exactly those hosts and keys are reported, with the Foreman matcher that
/// won and the Hiera level and file that answered; the password is masked on both sides and
/// never printed; exit 1.
#[test]
fn migrate_check_reports_changed_hiera_values_with_both_provenances() {
    let demo = repo_root().join("corpus/demo");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("hiera");
    export(&demo, &out);
    let clean = check(&demo, &out);
    assert_eq!(json(&clean)["summary"]["mismatches"], 0, "{}", text(&clean.stdout));
    assert_eq!(clean.status.code(), Some(0));

    let fqdn = out.join("data/fqdn/db01.demo.example.com.yaml");
    let s = std::fs::read_to_string(&fqdn).expect("db01's file");
    assert!(s.contains("db01-S3cr3t!"), "{s}");
    std::fs::write(&fqdn, s.replace("db01-S3cr3t!", "leaked-elsewhere-42")).expect("write");

    let o = check(&demo, &out);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    for secret in ["db01-S3cr3t!", "leaked-elsewhere-42"] {
        assert!(!stdout.contains(secret), "a hidden value is printed: {stdout}");
    }
    let v = json(&o);
    let m = v["mismatches"].as_array().expect("mismatches");
    assert_eq!(m.len(), 1, "{stdout}");
    let m = &m[0];
    assert_eq!(m["host"], "db01.demo.example.com");
    assert_eq!(m["key"], "postgresql::password");
    assert_eq!(m["enc"], "*****");
    assert_eq!(m["hiera"], "*****");
    assert_eq!(m["enc_source"]["from"], "matcher");
    assert_eq!(m["enc_source"]["match"], "fqdn=db01.demo.example.com");
    assert_eq!(m["hiera_found"][0]["level"], "fqdn");
    assert!(m["hiera_found"][0]["path"].as_str().expect("path").ends_with("data/fqdn/db01.demo.example.com.yaml"));
    assert_eq!(v["summary"]["by_key"]["postgresql::password"], 1);

    // The text report names both sides' provenance too.
    let t = lamina(&[
        "migrate-check",
        "--estate",
        &demo.display().to_string(),
        "--hiera-config",
        &out.join("hiera.yaml").display().to_string(),
    ]);
    let t = text(&t.stdout);
    assert!(t.contains("postgresql::password: ENC \"*****\" ≠ Hiera \"*****\""), "{t}");
    assert!(t.contains("matcher fqdn=db01.demo.example.com (order line fqdn)"), "{t}");
}

/// A value removed from the data: Hiera finds nothing for that key, reported as `null`.
#[test]
fn migrate_check_reports_a_key_hiera_does_not_have() {
    let demo = repo_root().join("corpus/demo");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("hiera");
    export(&demo, &out);
    let common = out.join("data/common.yaml");
    let s = std::fs::read_to_string(&common).expect("common");
    let kept: Vec<&str> = s.lines().filter(|l| !l.starts_with("collectd::interval:")).collect();
    assert_ne!(kept.len(), s.lines().count(), "common.yaml has no collectd::interval: {s}");
    std::fs::write(&common, kept.join("\n") + "\n").expect("write");
    let v = json(&check(&demo, &out));
    let m = v["mismatches"].as_array().expect("mismatches");
    assert!(!m.is_empty());
    assert!(m.iter().all(|m| m["key"] == "collectd::interval" && m["hiera"].is_null()), "{v}");
    assert_eq!(m[0]["enc_source"]["from"], "default value");
}

/// An `--out` that holds files is refused (exit 2) and left as it was; a missing hiera.yaml
/// for the check is an error, not an empty report.
#[test]
fn export_hiera_refuses_a_non_empty_directory_and_check_a_missing_config() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("keep.txt"), "mine").expect("write");
    let demo = repo_root().join("corpus/demo").display().to_string();
    let o = lamina(&["export-hiera", "--estate", &demo, "--out", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not an empty directory"), "{}", text(&o.stderr));
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(left.len(), 1);
    let o = lamina(&["migrate-check", "--estate", &demo, "--hiera-config", "/nonexistent/hiera.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/nonexistent/hiera.yaml"), "{}", text(&o.stderr));
}

/// The real `puppet lookup` (one Puppet process per host, through `tests/oracle/batch_lookup.rb`)
/// answers every smart class parameter of sampled demo hosts from the export as the ENC sends
/// it: the export and `migrate-check` are right about Puppet, not only about Lamina's Hiera.
/// The scope is what a Puppet master gives the node: its facts, its ENC parameters as top-scope
/// variables, `trusted.certname`.
#[test]
fn export_hiera_agrees_with_puppet_lookup_on_sampled_hosts() {
    if lamina_tests::which("puppet").is_none() || lamina_tests::which("ruby").is_none() {
        assert!(!lamina_tests::under_ci(), "Puppet (and ruby) are required under CI: apt-get install -y puppet");
        eprintln!("SKIPPED export_hiera_agrees_with_puppet_lookup: puppet/ruby not found");
        return;
    }
    let demo = repo_root().join("corpus/demo");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("hiera");
    export(&demo, &out);
    let src = lamina_estate::load_source(&demo, &lamina_yaml::Limits::default()).expect("demo");
    let estate = lamina_estate::load(&demo).expect("demo");
    let mut compared = 0;
    for certname in
        ["web01.demo.example.com", "db01.demo.example.com", "app01.demo.example.com", "ci01.ops.example.net"]
    {
        let h = estate.host(certname).expect("host");
        let doc = lamina_foreman::resolve(&estate, h, false).and_then(|r| r.document()).expect("renders");
        let mut facts = src.hosts.iter().find(|x| x.name == certname).expect("source host").facts.as_ref().clone();
        for (k, v) in &doc.parameters {
            facts.insert(k.clone(), v.clone());
        }
        // Puppet takes hostname, domain, fqdn and clientcert from --facts only all together.
        facts.insert("clientcert".into(), lamina_foreman::Value::from(certname));
        let facts_file = dir.path().join(format!("{certname}.json"));
        std::fs::write(&facts_file, lamina_yaml::to_json(&lamina_foreman::Value::Hash(facts))).expect("facts");
        let mut queries = Vec::new();
        let mut expected = Vec::new();
        for (class, params) in doc.classes.iter().flatten() {
            for (key, v) in params.iter().flatten() {
                queries.push(format!("{class}::{key}"));
                expected.push(serde_json::from_str::<serde_json::Value>(&lamina_yaml::to_json(v)).expect("json"));
            }
        }
        let qfile = dir.path().join(format!("{certname}.queries"));
        std::fs::write(&qfile, queries.join("\n") + "\n").expect("queries");
        let o = std::process::Command::new("ruby")
            .arg(repo_root().join("tests/oracle/batch_lookup.rb"))
            .arg(&out)
            .arg(&facts_file)
            .arg(&qfile)
            .env("NODE", certname)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run batch_lookup.rb");
        assert!(o.status.success(), "batch_lookup.rb: {}", text(&o.stderr));
        let answers: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("answers");
        assert_eq!(answers.len(), queries.len());
        for ((q, want), got) in queries.iter().zip(&expected).zip(&answers) {
            assert_eq!(got["status"], "found", "{certname} {q}: {got}");
            assert_eq!(&got["value"], want, "{certname} {q}: Puppet's lookup differs from the ENC");
            compared += 1;
        }
    }
    assert!(compared >= 40, "only {compared} parameters compared");
}

/// Issue 13: a smart class parameter whose values hold ERB is exported per node with each host's
/// rendered value (Hiera data cannot hold a Foreman template), named on stderr, and Hiera then
/// answers as the ENC does.
#[test]
fn issue13_erb_keys_are_exported_per_node_rendered() {
    let dir = tempfile::tempdir().expect("tmp");
    let estate = dir.path().join("e.yaml");
    std::fs::write(
        &estate,
        "environments: [production]\nhostgroups: [{title: web}]\npuppetclasses:\n  motd:\n    environments: [production]\n    parameters:\n      banner:\n        override: true\n        default_value: \"hello <%= @host.shortname %>\"\n        override_value_order: [hostgroup]\n        override_values: [{match: hostgroup=web, value: \"web <%= @host.name %>\"}]\nhosts:\n  - {name: a.example.com, hostgroup: web, environment: production, puppetclasses: [motd]}\n  - {name: b.example.com, environment: production, puppetclasses: [motd]}\n",
    )
    .expect("write");
    let out_dir = dir.path().join("hiera");
    let e = estate.to_str().expect("utf8");
    let export = lamina(&["export-hiera", "--estate", e, "--out", out_dir.to_str().expect("utf8")]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    assert!(
        text(&export.stderr).contains("motd::banner") && text(&export.stderr).contains("ERB"),
        "{}",
        text(&export.stderr)
    );
    let a = std::fs::read_to_string(out_dir.join("data/nodes/a.example.com.yaml")).expect("a per node");
    assert!(a.contains("web a.example.com"), "{a}");
    let b = std::fs::read_to_string(out_dir.join("data/nodes/b.example.com.yaml")).expect("b per node");
    assert!(b.contains("hello b"), "{b}");
    let check =
        lamina(&["migrate-check", "--estate", e, "--hiera-config", out_dir.join("hiera.yaml").to_str().expect("utf8")]);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
}

//! `lamina diff`: which hosts a data change reaches and how, from directories, git revisions
//! and stores, checked against rendering every host of both versions with the library.

use lamina_foreman::{Estate, resolve};
use lamina_tests::{copy_demo, edit, lamina, repo_root, which};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every host's document in `dir`, rendered by the library: the expected answer.
fn documents(dir: &Path) -> BTreeMap<String, String> {
    let e: Estate = lamina_estate::load(dir).expect("loads");
    e.certnames()
        .iter()
        .map(|c| {
            let h = e.host(c).expect("host");
            let doc = resolve(&e, h, false).and_then(|r| r.document()).map(|d| d.into_value().to_string());
            (c.clone(), format!("{doc:?}"))
        })
        .collect()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

fn changed_hosts(v: &serde_json::Value) -> BTreeSet<String> {
    v["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| h["certname"].as_str().expect("certname").to_string())
        .collect()
}

/// A host group's parameter and its root password changed: exactly the hosts whose rendered
/// documents differ are listed, the host group explains every one of them, the password is
/// masked and never printed, and the exit code is 1.
#[test]
fn diff_lists_exactly_the_changed_hosts_and_masks_secrets() {
    let d = tempfile::tempdir().expect("tempdir");
    copy_demo(d.path());
    let groups = d.path().join("hostgroups.yaml");
    edit(&groups, r#"      tier: "silver""#, r#"      tier: "gold""#);
    edit(&groups, "$5$base$5qXKp5vZ0lLqWmVc4oE2Zg6b7mE0Ukq8pN3C1uZ.aQ/", "$5$base$NEWSECRETHASH");
    let demo = repo_root().join("corpus/demo");
    let (a, b) = (documents(&demo), documents(d.path()));
    let expected: BTreeSet<String> = a.keys().filter(|c| a.get(*c) != b.get(*c)).cloned().collect();
    assert!(!expected.is_empty() && expected.len() < a.len(), "the edit changes some hosts, not all");

    let out = lamina(&[
        "diff",
        "--before",
        demo.to_str().expect("utf-8"),
        "--after",
        d.path().to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(changed_hosts(&v), expected);
    assert_eq!(v["summary"]["changed"], expected.len());
    assert_eq!(v["unexplained"], serde_json::json!([]));
    let objects = v["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!((objects[0]["kind"].as_str(), objects[0]["name"].as_str()), (Some("host group"), Some("Base")));
    let explained: BTreeSet<String> = objects[0]["changed_hosts"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c.as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(explained, expected);
    let all = text(&out.stdout);
    assert!(
        !all.contains("NEWSECRETHASH") && !all.contains("5qXKp5vZ0lLqWmVc4oE2Zg6b7mE0Ukq8pN3C1uZ"),
        "a secret leaked"
    );
    let host = &v["hosts"][0];
    let root_pw =
        host["changes"].as_array().expect("changes").iter().find(|c| c["name"] == "root_pw").expect("root_pw");
    assert_eq!((root_pw["before"].as_str(), root_pw["after"].as_str()), (Some("*****"), Some("*****")));
    assert_eq!(
        v["summary"]["by_key"]["tier"].as_u64(),
        Some(
            u64::try_from(expected.iter().filter(|c| a[*c].contains("silver") && b[*c].contains("gold")).count())
                .expect("count")
        )
    );

    let txt =
        lamina(&["diff", "--before", demo.to_str().expect("utf-8"), "--after", d.path().to_str().expect("utf-8")]);
    assert_eq!(txt.status.code(), Some(1));
    let t = text(&txt.stdout);
    assert!(t.starts_with(&format!("{} of {} hosts differ", expected.len(), a.len())), "{t}");
    assert!(t.contains("host group Base changed"), "{t}");
}

/// The same data twice: nothing differs, exit 0.
#[test]
fn diff_of_the_same_data_exits_0() {
    let d = tempfile::tempdir().expect("tempdir");
    copy_demo(d.path());
    let demo = repo_root().join("corpus/demo");
    let out =
        lamina(&["diff", "--before", demo.to_str().expect("utf-8"), "--after", d.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("0 of 12 hosts differ"), "{}", text(&out.stdout));
}

/// A source that cannot be read is an error (exit 2), not "no difference".
#[test]
fn diff_of_a_missing_source_exits_2() {
    let demo = repo_root().join("corpus/demo");
    let out = lamina(&["diff", "--before", demo.to_str().expect("utf-8"), "--after", "/nonexistent/estate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/estate"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

/// `git:REV:PATH` against the working tree, and a store against a directory, give the same
/// report as two directories (one override value changed).
#[test]
fn diff_reads_git_revisions_and_stores() {
    let git = which("git").expect("git is needed for git: sources");
    let d = tempfile::tempdir().expect("tempdir");
    let repo = d.path().join("repo");
    copy_demo(&repo.join("data"));
    let run = |args: &[&str]| {
        let o = Command::new(&git).args(args).current_dir(&repo).output().expect("git");
        assert!(o.status.success(), "git {args:?}: {}", text(&o.stderr));
    };
    run(&["init", "-q"]);
    run(&["add", "."]);
    run(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "demo"]);
    let old = d.path().join("old");
    copy_demo(&old);
    let data = repo.join("data");
    edit(&data.join("puppetclasses.yaml"), r#"value: "worker""#, r#"value: "event""#);

    let dirs = lamina(&[
        "diff",
        "--before",
        old.to_str().expect("utf-8"),
        "--after",
        data.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(dirs.status.code(), Some(1), "{}", text(&dirs.stderr));
    let expected = json(&dirs);
    assert!(!changed_hosts(&expected).is_empty());

    let from_git = Command::new(lamina_tests::lamina_bin())
        .args(["diff", "--before", "git:HEAD:data", "--after", "data", "--format", "json"])
        .current_dir(&repo)
        .output()
        .expect("run");
    assert_eq!(from_git.status.code(), Some(1), "{}", text(&from_git.stderr));
    assert_eq!(json(&from_git)["hosts"], expected["hosts"]);
    assert_eq!(json(&from_git)["objects"], expected["objects"]);

    let db = d.path().join("s.db");
    let url = format!("sqlite://{}", db.display());
    let imp = lamina(&["import", old.to_str().expect("utf-8"), "--store", &url]);
    assert!(imp.status.success(), "{}", text(&imp.stderr));
    let from_store = lamina(&["diff", "--before", &url, "--after", data.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(from_store.status.code(), Some(1), "{}", text(&from_store.stderr));
    assert_eq!(json(&from_store)["hosts"], expected["hosts"]);

    let bad = Command::new(lamina_tests::lamina_bin())
        .args(["diff", "--before", "git:no-such-rev:data", "--after", "data"])
        .current_dir(&repo)
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

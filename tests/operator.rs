//! What an operator meets in the first hour with the README (issue 15): the demo answers Hiera
//! lookups out of the box, a lookup that cannot see a node's data says so, and a broken estate
//! file is caught by `lamina check` before it reaches an exec ENC.

use lamina_tests::{lamina_bin, repo_root};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(lamina_bin())
        .args(args)
        .env_remove("LAMINA_ESTATE")
        .env_remove("LAMINA_STORE")
        .output()
        .expect("run lamina")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The demo estate carries its Hiera data (`corpus/demo/hiera/`): a lookup for a demo host with
/// no other flag finds the domain level's value, and interpolates the host's ENC parameter.
#[test]
fn issue15_lookup_against_the_demo_finds_its_hiera_data() {
    let out = run(&["lookup", "profile::base::ntp_servers", "--node", "web01.demo.example.com", "--render-as", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "[\"ntp1.demo.example.com\"]\n");
    let out = run(&["lookup", "profile::app::banner", "--node", "web01.demo.example.com", "--render-as", "s"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("web01.demo.example.com"), "{}", text(&out.stdout));
}

/// `lookup --hiera-config FILE --node N` with no estate: the node's facts and ENC parameters
/// cannot be in scope, and a warning says so (and what to pass), rather than paths such as
/// `os/.yaml` quietly naming no file.
#[test]
fn issue15_lookup_node_without_an_estate_warns_that_its_facts_are_missing() {
    let hiera = repo_root().join("corpus/demo/hiera/hiera.yaml");
    let h = hiera.to_str().expect("utf-8");
    let out = run(&["lookup", "profile::base::ntp_servers", "--node", "web01.demo.example.com", "--hiera-config", h]);
    let err = text(&out.stderr);
    assert!(
        err.contains("Warning: web01.demo.example.com's facts and ENC parameters are not in scope, only trusted.certname: no estate was given"),
        "{err}"
    );
    // With the estate the host's data is in scope: no warning, the domain level answers.
    let demo = repo_root().join("corpus/demo");
    let out = run(&[
        "lookup",
        "profile::base::ntp_servers",
        "--node",
        "web01.demo.example.com",
        "--hiera-config",
        h,
        "--estate",
        demo.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success() && !text(&out.stderr).contains("Warning"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ntp1.demo.example.com"), "{}", text(&out.stdout));
    // A host the estate does not have: the warning names the estate.
    let out = run(&[
        "lookup",
        "profile::base::ntp_servers",
        "--node",
        "nosuch.example.com",
        "--estate",
        demo.to_str().expect("utf-8"),
    ]);
    assert!(text(&out.stderr).contains("has no host \"nosuch.example.com\""), "{}", text(&out.stderr));
}

/// One bad line in an estate file fails every host's exec ENC (Puppet then has no node
/// document): `lamina check` catches it first, exit 2 naming the file and line, which is why
/// the README gates deployments of estate files on it.
#[test]
fn issue15_check_gates_a_broken_estate_before_the_exec_enc_meets_it() {
    let dir = tempfile::tempdir().expect("tmp");
    lamina_tests::copy_demo(dir.path());
    let est = dir.path().display().to_string();
    let ok = run(&["check", "--estate", &est]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    lamina_tests::edit(&dir.path().join("parameters.yaml"), "parameters:\n", "parameters:\n  broken: \"unclosed\n");
    let out = run(&["check", "--estate", &est]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("parameters.yaml:"), "{}", text(&out.stderr));
    let enc = run(&["enc", "--estate", &est, "web01.demo.example.com"]);
    assert_eq!(enc.status.code(), Some(2), "{}", text(&enc.stderr));
    assert!(enc.stdout.is_empty(), "an exec ENC must print nothing Puppet could take for a node document");
}

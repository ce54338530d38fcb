//! The curated Hiera topics (`corpus/hiera/cases/`) answered by the real Puppet 8.10 (Debian
//! trixie's puppet-agent, in the chroot `.ci/puppet8` builds; a fresh scope per query, as
//! separate `puppet lookup` runs have) and by `lamina lookup --strict error` (Puppet 8's
//! default): where they differ, the query must be listed in
//! `corpus/hiera/puppet8/divergences.txt` with why, and every listed query must still differ:
//! the list is exactly what Lamina does not yet answer as Puppet 8 does.

use crate::hiera_oracle::{ErrorCheck, compare, curated_cases, lamina_side_with, read_queries};
use lamina_tests::{repo_root, under_ci};
use serde_json::Value as J;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Puppet 8 chroot (`LAMINA_PUPPET8_ROOT`), or `None` (skipped) outside CI.
fn root() -> Option<PathBuf> {
    match std::env::var_os("LAMINA_PUPPET8_ROOT").map(PathBuf::from).filter(|p| p.join("usr/bin/puppet").exists()) {
        Some(p) => Some(p),
        None => {
            assert!(!under_ci(), "the Puppet 8 oracle is required under CI: LAMINA_PUPPET8_ROOT=$(bash .ci/puppet8)");
            eprintln!("SKIPPED puppet8_oracle: set LAMINA_PUPPET8_ROOT=$(bash .ci/puppet8) (needs root)");
            None
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

#[test]
fn puppet8_answers_the_curated_topics_as_listed() {
    let Some(root) = root() else { return };
    let cases = repo_root().join("corpus/hiera/cases");
    let work = root.join(format!("tmp/lamina-oracle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    copy_dir(&cases, &work.join("cases"));
    std::fs::copy(repo_root().join("tests/oracle/batch_lookup.rb"), work.join("batch_lookup.rb")).expect("copy");
    let inside = Path::new("/").join(work.strip_prefix(&root).expect("inside"));
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .expect("cases")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let out = Command::new("chroot")
        .arg(&root)
        .arg("env")
        .arg("FRESH_SCOPE=1")
        .arg("ruby")
        .arg(inside.join("batch_lookup.rb"))
        .arg("--cases")
        .args(names.iter().map(|n| inside.join("cases").join(n)))
        .output()
        .expect("run chroot");
    let _ = std::fs::remove_dir_all(&work);
    assert!(out.status.success(), "batch_lookup.rb under Puppet 8: {}", String::from_utf8_lossy(&out.stderr));
    let answers: serde_json::Map<String, J> = serde_json::from_slice(&out.stdout).expect("json");
    let mut queries = Vec::new();
    let mut puppet = Vec::new();
    for case in curated_cases() {
        let name = case.file_name().expect("name").to_string_lossy().into_owned();
        let got = answers[&inside.join("cases").join(&name).display().to_string()].as_array().expect("answers").clone();
        let qs = read_queries(&case);
        assert_eq!(got.len(), qs.len(), "{name}: a different number of answers");
        queries.extend(qs);
        puppet.extend(got);
    }
    let lamina = lamina_side_with(&queries, &["--strict", "error"]);
    let mut differ = BTreeSet::new();
    let compared = queries.len();
    for ((q, p), l) in queries.iter().zip(&puppet).zip(&lamina) {
        if let Some(d) = compare(p, l, &q.case, ErrorCheck::Message) {
            let name = q.case.file_name().expect("name").to_string_lossy().into_owned();
            eprintln!("Puppet 8 differs: {name} `{}`: {d}", q.line);
            differ.insert(format!("{name}\t{}", q.line));
        }
    }
    let listed: BTreeSet<String> = std::fs::read_to_string(repo_root().join("corpus/hiera/puppet8/divergences.txt"))
        .expect("divergences.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join("\t"))
        .collect();
    let new: Vec<&String> = differ.difference(&listed).collect();
    let gone: Vec<&String> = listed.difference(&differ).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "of {compared} queries, Puppet 8 differs from Puppet 7 unlisted on {new:?}; listed but the same: {gone:?}"
    );
    assert!(compared > 350, "only {compared} queries");
}

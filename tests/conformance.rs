//! Runs every case in `corpus/conformance/` (format: `corpus/conformance/README.md`). Each case
//! is an estate transcribed from one of Foreman's or foreman_puppet's own tests, with what that
//! test asserts. Each case is its own test, named by its file stem (`cargo test -p lamina-tests
//! <case_id>`); a failing case reports all its mismatches together.

use lamina_estate::{PsychText, load_source_node};
use lamina_foreman::{Value, compile, resolve};
use lamina_tests::repo_root;
use lamina_yaml::{self as yaml, Limits, Node, NodeKind};

fn field(node: &Node, name: &str) -> Option<Node> {
    let NodeKind::Map(pairs) = &node.kind else { return None };
    pairs
        .iter()
        .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar(Value::String(s)) if s == name))
        .map(|(_, v)| v.clone())
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// Check one host's expectations; push a message per mismatch.
fn check_host(doc: Result<Value, String>, exp: &Value, fail: &mut Vec<String>) {
    let Value::Hash(exp) = exp else {
        fail.push("host expectation must be a mapping".into());
        return;
    };
    if let Some(Value::String(sub)) = exp.get("error") {
        match &doc {
            Err(e) if contains_ci(e, sub) => {}
            Err(e) => fail.push(format!("error {e:?} does not contain {sub:?}")),
            Ok(d) => fail.push(format!("expected an error containing {sub:?}, got a document {d}")),
        }
        return;
    }
    let doc = match doc {
        Ok(Value::Hash(d)) => d,
        Ok(other) => {
            fail.push(format!("document is not a hash: {other}"));
            return;
        }
        Err(e) => {
            fail.push(format!("unexpected error: {e}"));
            return;
        }
    };
    let empty = lamina_foreman::Map::new();
    let params = match doc.get("parameters") {
        Some(Value::Hash(p)) => p,
        _ => &empty,
    };
    if let Some(Value::Hash(want)) = exp.get("parameters") {
        for (k, v) in want {
            match params.get(k) {
                Some(got) if got == v => {}
                Some(got) => fail.push(format!("parameter {k}: expected {v}, got {got}")),
                None => fail.push(format!("parameter {k}: expected {v}, absent")),
            }
        }
    }
    if let Some(Value::Array(absent)) = exp.get("absent_parameters") {
        for k in absent.iter().filter_map(Value::as_str) {
            if let Some(got) = params.get(k) {
                fail.push(format!("parameter {k} should be absent, got {got}"));
            }
        }
    }
    let classes = doc.get("classes");
    if let Some(Value::Hash(want)) = exp.get("classes") {
        let Some(Value::Hash(got_classes)) = classes else {
            fail.push(format!("expected classes {want:?}, got {classes:?}"));
            return;
        };
        for (cls, v) in want {
            match (got_classes.get(cls), v) {
                (None, _) => fail.push(format!("class {cls} absent")),
                (Some(Value::Null), Value::Null) => {}
                (Some(got), Value::Null) => fail.push(format!("class {cls}: expected no parameters, got {got}")),
                (Some(Value::Hash(gp)), Value::Hash(wp)) => {
                    for (k, wv) in wp {
                        match gp.get(k) {
                            Some(gv) if gv == wv => {}
                            Some(gv) => fail.push(format!("{cls}::{k}: expected {wv}, got {gv}")),
                            None => fail.push(format!("{cls}::{k}: expected {wv}, absent")),
                        }
                    }
                }
                (Some(got), want) => fail.push(format!("class {cls}: expected {want}, got {got}")),
            }
        }
    }
    if let Some(Value::Array(absent)) = exp.get("absent_classes") {
        for c in absent.iter().filter_map(Value::as_str) {
            if let Some(Value::Hash(gc)) = classes
                && gc.contains_key(c)
            {
                fail.push(format!("class {c} should be absent"));
            }
        }
    }
    if let Some(Value::Hash(absent)) = exp.get("absent_class_parameters") {
        for (cls, keys) in absent {
            let got = match classes {
                Some(Value::Hash(gc)) => gc.get(cls),
                _ => None,
            };
            if let (Some(Value::Hash(gp)), Value::Array(keys)) = (got, keys) {
                for k in keys.iter().filter_map(Value::as_str) {
                    if let Some(v) = gp.get(k) {
                        fail.push(format!("{cls}::{k} should be absent, got {v}"));
                    }
                }
            }
        }
    }
    if let Some(env) = exp.get("environment") {
        let got = doc.get("environment").cloned().unwrap_or(Value::Null);
        if &got != env {
            fail.push(format!("environment: expected {env}, got {got}"));
        }
    }
    if exp.get("classes_empty") == Some(&Value::Bool(true)) && classes != Some(&Value::Array(Vec::new())) {
        fail.push(format!("expected `classes: []`, got {classes:?}"));
    }
}

fn run_case(path: &std::path::Path) -> Result<(), Vec<String>> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| vec![e.to_string()])?;
    let node = yaml::parse_node(&text, &file, &Limits::default())
        .map_err(|e| vec![e.to_string()])?
        .ok_or_else(|| vec!["empty case".to_string()])?;
    let source = field(&node, "source").and_then(|n| match n.kind {
        NodeKind::Scalar(Value::String(s)) => Some(s),
        _ => None,
    });
    let Some(source) = source else { return Err(vec!["`source` is required".into()]) };
    if !(source.contains("theforeman/foreman") || source.contains("foreman_puppet")) {
        return Err(vec![format!("source {source:?} does not cite a Foreman test")]);
    }
    let estate_node = field(&node, "estate").ok_or_else(|| vec!["`estate` is required".to_string()])?;
    let expect = field(&node, "expect")
        .map(lamina_estate::node_to_value)
        .ok_or_else(|| vec!["`expect` is required".to_string()])?;
    let compiled = load_source_node(estate_node, &file).and_then(|src| compile(src, &PsychText));
    let mut fail = Vec::new();
    match (compiled, expect.as_hash_get("load_error")) {
        (Err(errs), Some(Value::String(sub))) => {
            let msg = errs.to_string();
            if !contains_ci(&msg, sub) {
                fail.push(format!("load error {msg:?} does not contain {sub:?}"));
            }
        }
        (Ok(_), Some(sub)) => fail.push(format!("expected the estate to be refused ({sub}), it loaded")),
        (Err(errs), _) => fail.push(format!("estate refused: {errs}")),
        (Ok(estate), _) => {
            let Some(Value::Hash(hosts)) = expect.as_hash_get("hosts") else {
                return Err(vec!["expect needs `hosts` or `load_error`".into()]);
            };
            for (name, exp) in hosts {
                let Some(h) = estate.host(name) else {
                    fail.push(format!("host {name} not in the estate"));
                    continue;
                };
                let doc = resolve(&estate, h, false)
                    .and_then(|r| r.document())
                    .map(|d| d.into_value())
                    .map_err(|e| e.to_string());
                let mut hf = Vec::new();
                check_host(doc, exp, &mut hf);
                fail.extend(hf.into_iter().map(|m| format!("{name}: {m}")));
            }
        }
    }
    if fail.is_empty() { Ok(()) } else { Err(fail) }
}

trait HashGet {
    fn as_hash_get(&self, k: &str) -> Option<&Value>;
}
impl HashGet for Value {
    fn as_hash_get(&self, k: &str) -> Option<&Value> {
        match self {
            Value::Hash(m) => m.get(k),
            _ => None,
        }
    }
}

fn cases_dir() -> std::path::PathBuf {
    repo_root().join("corpus/conformance")
}

/// Runs the case in `corpus/conformance/<file>`; panics with every mismatch it finds.
fn run_named(file: &str) {
    if let Err(msgs) = run_case(&cases_dir().join(file)) {
        panic!("{file}: {} mismatch(es):\n  {}", msgs.len(), msgs.join("\n  "));
    }
}

/// One `#[test]` per case file, named by its id (the file stem): `tests/build.rs` writes them.
mod cases {
    include!(concat!(env!("OUT_DIR"), "/conformance_cases.rs"));
}

/// The generated tests are exactly the case files now in the directory: a case added, renamed
/// or removed since the build cannot be skipped silently (Cargo reruns `tests/build.rs` when the
/// directory changes, so this fails only for a stale binary).
#[test]
fn every_case_has_a_test() {
    let mut files: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("corpus/conformance exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.len() >= 40, "expected at least 40 conformance cases, found {}", files.len());
    let new: Vec<&String> = files.iter().filter(|f| !cases::GENERATED.contains(&f.as_str())).collect();
    let gone: Vec<&&str> = cases::GENERATED.iter().filter(|g| !files.iter().any(|f| f == *g)).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "corpus/conformance changed since the tests were generated (rebuild): without a test {new:?}, removed {gone:?}"
    );
}

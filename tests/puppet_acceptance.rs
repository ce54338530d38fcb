//! The real Puppet check: `puppet node find` with the exec node terminus runs
//! `lamina enc --estate corpus/acceptance <certname>` and reads its YAML with Psych, as a Puppet
//! server does with Foreman's `node.rb`. Every parameter of `ambiguous.example.com` (strings a
//! YAML 1.1 reader would misread when unquoted, typed values, nested collections) must come back
//! with the value AND the JSON type Lamina meant, in `parameters` and in `classes.acceptance`.
//!
//! Needs Puppet (Debian: `apt-get install -y puppet`; under CI its absence fails the test) and a
//! built `lamina` binary next to the test binary (`cargo build -p lamina-cli`, same profile and
//! target directory), or its path in `LAMINA_BIN`.

use serde_json::{Value as J, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const CERTNAME: &str = "ambiguous.example.com";

/// Name suffix and value of every string parameter in `corpus/acceptance/estate.yaml`:
/// `p_<suffix>` is a smart class parameter of `acceptance` and a host parameter, `g_<suffix>` a
/// global parameter. All have `parameter_type: string`.
const STRINGS: &[(&str, &str)] = &[
    ("no", "no"),
    ("no_upper", "NO"),
    ("on_title", "On"),
    ("on", "on"),
    ("y", "y"),
    ("n", "n"),
    ("y_upper", "Y"),
    ("n_upper", "N"),
    ("yes", "yes"),
    ("off", "off"),
    ("true", "true"),
    ("false_title", "False"),
    ("tilde", "~"),
    ("null", "null"),
    ("empty", ""),
    ("octal", "0755"),
    ("octal_bad", "08"),
    ("hex", "0x1F"),
    ("bin", "0b11"),
    ("underscore", "1_000"),
    ("comma", "1,000"),
    ("sexa", "1:30"),
    ("sexa3", "190:20:30"),
    ("sexa_zero", "00:30"),
    ("date", "2001-01-01"),
    ("time", "2001-12-14t21:59:43.10-05:00"),
    ("inf", ".inf"),
    ("neg_inf", "-.Inf"),
    ("nan", ".NaN"),
    ("exp", "1e3"),
    ("float", "1.5"),
    ("plus", "+5"),
    ("int", "12"),
    ("merge", "<<"),
    ("eq", "="),
    ("dash", "- a"),
    ("colon", ": x"),
    ("symbol", ":sym"),
    ("hash", "#c"),
    ("kv", "a: b"),
    ("comment", "a #b"),
    ("lead_space", " lead"),
    ("trail_space", "trail "),
    ("at", "@x"),
    ("backtick", "`x"),
    ("bang", "!x"),
    ("amp", "&x"),
    ("star", "*x"),
    ("percent", "%x"),
    ("pipe", "|"),
    ("gt", ">"),
    ("question", "?"),
    ("lbrace", "{"),
    ("lbracket", "["),
    ("doc_start", "---"),
    ("doc_end", "..."),
    ("multiline", "line1\nline2\n"),
    ("multiline_keep", "a\n\nb\n\n"),
    ("multiline_lead", " indented\nnext"),
    ("crlf", "a\r\nb"),
    ("tab", "a\tb"),
    ("control", "bell\u{7}"),
    ("quotes", "it's \"quoted\""),
    ("backslash", "C:\\temp\\new"),
    ("unicode", "h\u{e9}llo w\u{f6}rld \u{2713} \u{65e5}\u{672c}\u{8a9e}"),
    ("nbsp", "\u{a0}x"),
];

fn strings() -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = STRINGS.iter().map(|(n, s)| (*n, (*s).to_string())).collect();
    // No line folding: Foreman dumps with line_width -1.
    v.push(("long", "lorem ipsum ".repeat(100).trim_end().to_string()));
    v
}

/// Typed smart class parameters of `acceptance` (native YAML default values in the estate).
fn typed_class_parameters() -> Vec<(&'static str, J)> {
    vec![
        ("t_int", json!(12)),
        ("t_int_neg", json!(-7)),
        ("t_real", json!(1.0)),
        ("t_real_neg_zero", json!(-0.0)),
        ("t_real_big", json!(1.0e20)),
        ("t_real_small", json!(1.5e-5)),
        ("t_bool_true", json!(true)),
        ("t_bool_false", json!(false)),
        ("t_array", json!(["no", "0755", 1, 1.5, true, null, ["on", "1:30"], {"y": "n", "~": null}])),
        (
            "t_hash",
            json!({"on": "off", "y": ["n", 1], "nested": {"deep": {"key": "2001-01-01"}, "~": null, "1:30": "1:30"},
                   "empty_list": [], "empty_hash": {}, "float": 1.0, "int": 493}),
        ),
    ]
}

/// Typed host parameters (list form, cast from strings with Foreman's caster).
fn typed_host_parameters() -> Vec<(&'static str, J)> {
    vec![
        ("h_int", json!(42)),
        ("h_real", json!(1.0)),
        ("h_bool", json!(true)),
        ("h_array", json!(["no", "on", 1, "0755"])),
        ("h_hash", json!({"off": "yes", "n": [1.5, "y"]})),
    ]
}

fn type_name(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(n) if n.is_f64() => "float",
        J::Number(_) => "integer",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "hash",
    }
}

/// Equal in value and type at every level: `1` is not `1.0`, `-0.0` is not `0.0`.
fn same(got: &J, want: &J) -> bool {
    match (got, want) {
        (J::Number(a), J::Number(b)) => {
            if b.is_f64() {
                a.is_f64() && a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits)
            } else {
                !a.is_f64() && a.as_i64() == b.as_i64() && a.as_u64() == b.as_u64()
            }
        }
        (J::Array(a), J::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (J::Object(a), J::Object(b)) => {
            a.len() == b.len() && b.iter().all(|(k, y)| a.get(k).is_some_and(|x| same(x, y)))
        }
        _ => got == want,
    }
}

fn short(v: &J) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 { format!("{}…", s.chars().take(120).collect::<String>()) } else { s }
}

/// False (after a note) when Puppet is not installed outside CI; under CI that is a failure.
fn puppet_available() -> bool {
    match Command::new("puppet").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => panic!("`puppet --version` failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(!lamina_tests::under_ci(), "puppet is required under CI: apt-get install -y puppet");
            eprintln!("note: puppet not found; skipping the Puppet acceptance test (apt-get install -y puppet)");
            false
        }
        Err(e) => panic!("cannot run puppet: {e}"),
    }
}

/// The `lamina` binary: `LAMINA_BIN` if set (e.g. a stand-in), else the one built next to this
/// test binary (`target/<profile>/lamina`; panics with a clear message when it is not built).
fn lamina_bin() -> PathBuf {
    match std::env::var_os("LAMINA_BIN") {
        Some(p) => {
            let p = PathBuf::from(p);
            std::fs::canonicalize(&p).unwrap_or_else(|e| panic!("LAMINA_BIN={}: {e}", p.display()))
        }
        None => lamina_tests::lamina_bin(),
    }
}

fn estate_dir() -> PathBuf {
    let dir = lamina_tests::repo_root().join("corpus/acceptance");
    std::fs::canonicalize(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// `puppet node find CERTNAME` in a throwaway sandbox; Puppet's JSON rendering of the node.
fn puppet_node_find(lamina: &Path, estate: &Path) -> J {
    for p in [lamina, estate] {
        // Puppet splits `external_nodes` on whitespace.
        assert!(!p.to_string_lossy().contains(char::is_whitespace), "path with whitespace: {}", p.display());
    }
    let sb = tempfile::tempdir().expect("sandbox");
    let enc = format!("{} enc --estate {}", lamina.display(), estate.display());
    let mut cmd = Command::new("puppet");
    cmd.args(["node", "find", CERTNAME, "--render-as", "json", "--color", "false"])
        .args(["--node_terminus", "exec", "--external_nodes", &enc])
        // No Facter run: facts come from the (empty) YAML cache, so parameters are only the ENC's.
        .args(["--facts_terminus", "yaml"]);
    lamina_tests::puppet_sandbox(&mut cmd, sb.path());
    let out = cmd.output().expect("run puppet");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || stdout.trim().is_empty() {
        let direct = Command::new(lamina).args(["enc", CERTNAME, "--estate"]).arg(estate).output().map_or_else(
            |e| e.to_string(),
            |o| format!("{}\n{}{}", o.status, String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        );
        panic!(
            "puppet node find failed ({}):\n{}\n{}\n--- `lamina enc {CERTNAME} --estate …` says:\n{direct}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            stdout
        );
    }
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("puppet printed no JSON ({e}):\n{stdout}"))
}

/// Compare `got` (a Puppet JSON object) with the expected entries; also flag unexpected
/// entries whose names start with one of `prefixes`.
fn check(problems: &mut Vec<String>, label: &str, got: Option<&J>, want: &[(String, J)], prefixes: &[&str]) {
    let Some(J::Object(got)) = got else {
        problems.push(format!("{label}: not a hash: {:?}", got.map(short)));
        return;
    };
    for (name, w) in want {
        match got.get(name) {
            None => problems.push(format!("{label}.{name}: missing (meant {} {})", type_name(w), short(w))),
            Some(g) if !same(g, w) => problems.push(format!(
                "{label}.{name}: Puppet got {} {}, Lamina meant {} {}",
                type_name(g),
                short(g),
                type_name(w),
                short(w)
            )),
            Some(_) => {}
        }
    }
    for name in got.keys() {
        if prefixes.iter().any(|p| name.starts_with(p)) && !want.iter().any(|(n, _)| n == name) {
            problems.push(format!(
                "{label}.{name}: not expected (is the table in puppet_acceptance.rs in step with estate.yaml?)"
            ));
        }
    }
}

#[test]
fn puppet_reads_lamina_enc_with_the_intended_types() {
    if !puppet_available() {
        return;
    }
    let lamina = lamina_bin();
    let node = puppet_node_find(&lamina, &estate_dir());

    let mut problems = Vec::new();
    if node["name"] != json!(CERTNAME) {
        problems.push(format!("name: {}", short(&node["name"])));
    }
    if node["environment"] != json!("production") {
        problems.push(format!("environment: {} (meant \"production\")", short(&node["environment"])));
    }
    let strings = strings();
    let mut class_want: Vec<(String, J)> =
        strings.iter().map(|(n, s)| (format!("p_{n}"), J::String(s.clone()))).collect();
    class_want.extend(typed_class_parameters().into_iter().map(|(n, v)| (n.to_string(), v)));
    match node.get("classes") {
        Some(J::Object(classes)) => {
            check(&mut problems, "classes.acceptance", classes.get("acceptance"), &class_want, &["p_", "t_"])
        }
        other => problems.push(format!("classes: not a hash: {:?}", other.map(short))),
    }
    let mut param_want: Vec<(String, J)> =
        strings.iter().map(|(n, s)| (format!("p_{n}"), J::String(s.clone()))).collect();
    param_want.extend(strings.iter().map(|(n, s)| (format!("g_{n}"), J::String(s.clone()))));
    param_want.extend(typed_host_parameters().into_iter().map(|(n, v)| (n.to_string(), v)));
    check(&mut problems, "parameters", node.get("parameters"), &param_want, &["p_", "g_", "h_"]);

    assert!(
        problems.is_empty(),
        "Puppet read {} value(s) differently from what Lamina meant:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

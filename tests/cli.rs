//! The `lamina` command's contracts: exit codes, what goes to stdout and stderr.

use lamina_tests::{lamina, lamina_bin};
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write_estate(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write estate");
    p
}

const SMALL: &str = r#"
environments: [production]
puppetclasses:
  ntp:
    parameters:
      servers:
        parameter_type: array
        override: true
        default_value: ["0.pool.ntp.org"]
      secret:
        override: true
        hidden_value: true
        default_value: "s3cret"
hostgroups:
  - {title: Base, environment: production, puppetclasses: [ntp]}
hosts:
  - name: a.example.com
    hostgroup: Base
    parameters:
      - {name: db_password, value: "hunter2", hidden_value: true}
  - name: b.example.com
    hostgroup: Base
    parameters: {motd: "<%= @host.environment %>"}
"#;

#[test]
fn enc_demo_host_out_of_the_box() {
    let out = lamina(&["enc", "web01.demo.example.com"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.starts_with("---\n"), "{s}");
    assert!(s.contains("\nparameters:\n") && s.contains("\nclasses:\n"), "{s}");
}

#[test]
fn enc_estate_env_var_is_used() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(d.path(), "e.yaml", SMALL);
    let out = Command::new(lamina_bin()).args(["enc", "a.example.com"]).env("LAMINA_ESTATE", &p).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("0.pool.ntp.org"));
}

#[test]
fn enc_unknown_host_exits_1_with_nothing_on_stdout() {
    // An estate given: without one, the demo fallback's warning is a line of its own.
    let demo = lamina_tests::repo_root().join("corpus/demo");
    let out = lamina(&["enc", "nosuch.example.com", "--estate", demo.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("nosuch.example.com"), "{err}");
}

#[test]
fn enc_invalid_estate_exits_2_listing_every_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(
        d.path(),
        "bad.yaml",
        "hostgroups:\n  - {title: A/B}\nhosts:\n  - {name: x.example.com, hostgroup: Nope, colour: red}\n",
    );
    let out = lamina(&["enc", "x.example.com", "--estate", p.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("bad.yaml:2"), "parent error names file and line: {err}");
    assert!(err.contains("bad.yaml:4") && err.contains("colour"), "unknown field named: {err}");
    assert!(err.contains("\"A\""), "{err}");
}

#[test]
fn enc_json_format() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(d.path(), "e.yaml", SMALL);
    let out = lamina(&["enc", "a.example.com", "--estate", p.to_str().expect("utf8"), "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["classes"]["ntp"]["servers"][0], "0.pool.ntp.org");
    assert_eq!(v["environment"], "production");
    // The ENC carries real values; only explain masks them.
    assert_eq!(v["parameters"]["db_password"], "hunter2");
}

#[test]
fn explain_masks_hidden_values_unless_asked() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(d.path(), "e.yaml", SMALL);
    let path = p.to_str().expect("utf8");
    let out = lamina(&["enc", "a.example.com", "--estate", path, "--explain"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(!s.contains("hunter2") && !s.contains("s3cret"), "{s}");
    assert!(s.contains("*****"));
    assert!(s.contains("layer: host"), "{s}");
    let out = lamina(&["enc", "a.example.com", "--estate", path, "--explain", "--show-hidden"]);
    let s = text(&out.stdout);
    assert!(s.contains("hunter2") && s.contains("s3cret"), "{s}");
}

#[test]
fn erb_value_fails_the_host_naming_the_parameter() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(d.path(), "e.yaml", SMALL);
    let out = lamina(&["enc", "b.example.com", "--estate", p.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("motd"), "{}", text(&out.stderr));
}

#[test]
fn render_lists_failures_and_renders_the_others() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(d.path(), "e.yaml", SMALL);
    let outdir = d.path().join("out");
    let out = lamina(&["render", "--estate", p.to_str().expect("utf8"), "--out", outdir.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2), "one host fails");
    let err = text(&out.stderr);
    assert!(err.contains("failed: b.example.com"), "{err}");
    assert!(err.contains("rendered 1 hosts, 1 failed"), "{err}");
    let a = std::fs::read_to_string(outdir.join("a.example.com.yaml")).expect("a rendered");
    assert!(a.contains("0.pool.ntp.org"));
    assert!(!outdir.join("b.example.com.yaml").exists());
}

#[test]
fn render_demo_as_jsonl_one_line_per_host() {
    let out = lamina(&["render", "--out", "-", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines.len() >= 10, "demo has a dozen hosts: {}", lines.len());
    let mut names = Vec::new();
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("json line");
        names.push(v["certname"].as_str().expect("certname").to_string());
        assert!(v["enc"]["parameters"].is_object());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "deterministic certname order");
}

#[test]
fn render_output_is_deterministic() {
    let a = lamina(&["render", "--out", "-"]);
    let b = lamina(&["render", "--out", "-"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn check_and_generate_round_trip() {
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path().join("gen");
    let out = lamina(&["corpus", "generate", "--hosts", "300", "--seed", "7", "--out", dir.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = lamina(&["check", "--estate", dir.to_str().expect("utf8")]);
    assert!(out.status.success(), "generated estate is valid: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("300 hosts"), "{}", text(&out.stdout));
    let out = lamina(&["render", "--estate", dir.to_str().expect("utf8")]);
    assert!(out.status.success(), "every generated host renders: {}", text(&out.stderr));
}

/// Regression (issue 10): Ruby's key types and bignums travelled as strings with a NUL-prefixed
/// marker, which `lookup --explain` printed (`"\u0000i1"`); they are typed now, and print as
/// their `to_s` (keys) and digits (bignums).
#[test]
fn issue10_lookup_explain_shows_no_markers() {
    let case = lamina_tests::repo_root().join("corpus/hiera/oracle-cases/yaml_scalars");
    let (config, facts) = (case.join("hiera.yaml"), case.join("facts.yaml"));
    for (key, shown) in [("int_keys", r#"{"1":"one","2":"two"}"#), ("big", "123456789012345678901234567890")] {
        let args = [
            "lookup",
            key,
            "--explain",
            "--hiera-config",
            config.to_str().unwrap(),
            "--facts",
            facts.to_str().unwrap(),
        ];
        let out = lamina(&args);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{key}: {}", text(&out.stderr));
        assert!(stdout.contains(&format!("value: {shown}")), "{key}: {stdout}");
        assert!(!stdout.contains("\\u0000") && !stdout.contains('\0'), "{key}: a marker in {stdout}");
    }
}

/// Issue 13 (and issue 15, point 1): `lamina check` renders every host, so an estate with ERB
/// that cannot render, for some host, never passes; each failing host and parameter is listed.
#[test]
fn issue13_check_fails_when_a_host_cannot_render_naming_host_and_parameter() {
    let dir = tempfile::tempdir().expect("tmp");
    let estate = write_estate(
        dir.path(),
        "e.yaml",
        "parameters:\n  - {name: motd, value: \"<%= @host.name.upcase %>\"}\nhosts:\n  - {name: a.example.com, parameters: {bad: \"<%= @host.comment.upcase %>\"}}\n  - {name: b.example.com, comment: rack1, parameters: {bad: \"<%= @host.comment.upcase %>\"}}\n",
    );
    let estate = estate.display().to_string();
    let check = lamina(&["check", "--estate", &estate]);
    let err = text(&check.stderr);
    assert_eq!(check.status.code(), Some(2), "{err}");
    assert!(err.contains("host a.example.com: parameter bad (from host a.example.com): ERB line 1 column 19: undefined method `upcase' for nil:NilClass"), "{err}");
    assert!(!err.contains("host b.example.com"), "b renders: {err}");
    assert!(err.contains("1 of 2 hosts cannot be rendered"), "{err}");
    assert!(check.stdout.is_empty(), "no `ok`: {}", text(&check.stdout));
}

/// Issue 13: an overridden array key without a default is sent as `true` (Foreman's nil-cast
/// quirk), `lamina check` warns about it by name, and explain says why.
#[test]
fn issue13_nil_default_is_sent_as_true_with_a_warning_and_an_explanation() {
    let dir = tempfile::tempdir().expect("tmp");
    let estate = write_estate(
        dir.path(),
        "e.yaml",
        "environments: [production]\npuppetclasses:\n  base:\n    parameters:\n      list: {override: true, parameter_type: array}\nhosts:\n  - {name: h1.example.com, environment: production, puppetclasses: [base]}\n",
    );
    let estate = estate.display().to_string();
    let check = lamina(&["check", "--estate", &estate]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(
        text(&check.stderr).contains("1 smart class parameters have no default value")
            && text(&check.stderr).contains("base::list (array)"),
        "{}",
        text(&check.stderr)
    );
    let enc = lamina(&["enc", "h1.example.com", "--estate", &estate, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&enc.stdout).expect("json");
    assert_eq!(doc["classes"]["base"]["list"], serde_json::Value::Bool(true));
    let explain = lamina(&["enc", "h1.example.com", "--estate", &estate, "--explain"]);
    assert!(
        text(&explain.stdout).contains("Foreman sends `true`: no default and no matching value"),
        "{}",
        text(&explain.stdout)
    );
}

/// Issue 13: integers beyond 64 bits in parameters, smart class defaults and override values,
/// and facts that matchers read, are kept exactly, as Ruby's unbounded Integers are: in YAML and
/// JSON output, through a store, and in a matcher.
#[test]
fn issue13_integers_beyond_64_bits_are_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let estate = write_estate(
        dir.path(),
        "e.yaml",
        r#"environments: [production]
parameters:
  - {name: typed, value: "18446744073709551616", parameter_type: integer}
  - {name: hex, value: "0x1FFFFFFFFFFFFFFFFF", parameter_type: integer}
puppetclasses:
  base:
    parameters:
      limit:
        override: true
        parameter_type: integer
        default_value: 36893488147419103232
        override_value_order: [serial]
        override_values:
          - {match: "serial=99999999999999999999", value: "-99999999999999999999"}
hosts:
  - {name: h1.example.com, environment: production, puppetclasses: [base], parameters: {plain: 123456789012345678901234567890}, facts: {serial: 99999999999999999999}}
  - {name: h2.example.com, environment: production, puppetclasses: [base], facts: {serial: 1}}
"#,
    );
    let estate = estate.display().to_string();
    let yaml = lamina(&["enc", "h1.example.com", "--estate", &estate]);
    assert!(yaml.status.success(), "{}", text(&yaml.stderr));
    let y = text(&yaml.stdout);
    for line in [
        "typed: 18446744073709551616",
        "hex: 590295810358705651711",
        "plain: 123456789012345678901234567890",
        "limit: -99999999999999999999",
    ] {
        assert!(y.contains(line), "{line} in {y}");
    }
    let json = lamina(&["enc", "h2.example.com", "--estate", &estate, "--format", "json"]);
    let j = text(&json.stdout);
    assert!(j.contains("\"limit\":36893488147419103232") || j.contains("\"limit\": 36893488147419103232"), "{j}");
    // Through a store: the same documents.
    let db = format!("sqlite://{}", dir.path().join("big.db").display());
    let imported = lamina(&["import", &estate, "--store", &db]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let from_store = lamina(&["enc", "h1.example.com", "--store", &db]);
    assert_eq!(text(&from_store.stdout), y);
}

/// Issue 13: `lookup --strict error` (Puppet 8's default) refuses an undefined variable in a
/// data value and a YAML data file that is not a hash; `--strict warning` (Puppet 7's) warns and
/// answers; a hierarchy path with an undefined variable only warns in both.
#[test]
fn issue13_lookup_strict_error_as_puppet_8() {
    let root = lamina_tests::repo_root().join("corpus/hiera/cases");
    let run = |case: &str, key: &str, strict: &str| {
        let dir = root.join(case);
        Command::new(lamina_bin())
            .args([
                "lookup",
                key,
                "--strict",
                strict,
                "--render-as",
                "json",
                "--facts",
                "facts.yaml",
                "--hiera-config",
                "hiera.yaml",
            ])
            .current_dir(&dir)
            .env_remove("LAMINA_ESTATE")
            .output()
            .expect("run lamina")
    };
    let w = run("interp_facts", "undefined", "warning");
    assert_eq!(
        (w.status.code(), text(&w.stdout).trim().to_string()),
        (Some(0), "\"abcd\"".to_string()),
        "{}",
        text(&w.stderr)
    );
    let e = run("interp_facts", "undefined", "error");
    assert_eq!(e.status.code(), Some(1));
    assert!(text(&e.stderr).contains("Undefined variable 'nosuchvar'; "), "{}", text(&e.stderr));
    let off = run("interp_facts", "undefined", "off");
    assert!(!text(&off.stderr).contains("Undefined variable"), "{}", text(&off.stderr));
    let e = run("missing_files", "nope", "error");
    let stderr = text(&e.stderr);
    let error = stderr.lines().find(|l| l.starts_with("Error:")).unwrap_or_default();
    assert!(error.contains("array.yaml: file does not contain a valid yaml hash"), "{stderr}");
    // An empty file (`false` to Psych) only warns.
    assert!(stderr.lines().any(|l| l.starts_with("Warning:") && l.contains("empty.yaml")), "{stderr}");
    let w = run("missing_files", "nope", "warning");
    assert_eq!(w.status.code(), Some(1), "not found, as Puppet 7");
    assert!(text(&w.stderr).contains("did not find a value"), "{}", text(&w.stderr));
    // A path interpolating an undefined variable warns, and the lookup goes on.
    let p = run("interp_facts", "top", "error");
    assert_eq!(p.status.code(), Some(0), "{}", text(&p.stderr));
}

/// Issue 15, point 9: `import` takes the estate as `--estate` too, as every other command.
#[test]
fn issue15_import_takes_estate_as_a_flag_too() {
    let d = tempfile::tempdir().expect("tmp");
    let store = format!("sqlite://{}", d.path().join("s.db").display());
    let demo = lamina_tests::repo_root().join("corpus/demo");
    let out = lamina(&["import", "--estate", demo.to_str().expect("utf8"), "--store", &store]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = lamina(&["import", "--store", &store]);
    assert_eq!(out.status.code(), Some(2), "no estate: a usage error");
}

/// Issue 15, point 10: `--listen 7481` says what it expects; `--format jsonl --out DIR` is refused
/// (it wrote one `.jsonl` file per host).
#[test]
fn issue15_listen_needs_host_and_port_and_jsonl_needs_one_stream() {
    let out = lamina(&["serve", "--listen", "7481"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("expected HOST:PORT"), "{}", text(&out.stderr));
    let d = tempfile::tempdir().expect("tmp");
    let out = lamina(&["render", "--format", "jsonl", "--out", d.path().join("o").to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--out -"), "{}", text(&out.stderr));
    assert!(!d.path().join("o").exists(), "nothing written");
}

/// Issue 15, point 4: `lookup --explain` of a key found nowhere exits 0 with the reason at the end
/// of the trace, as `puppet lookup --explain` does (checked with Puppet 7.23); the README says so.
#[test]
fn issue15_lookup_explain_of_a_missing_key_exits_0_as_puppet() {
    let case = lamina_tests::repo_root().join("corpus/hiera/oracle-cases/yaml_scalars");
    let (config, facts) = (case.join("hiera.yaml"), case.join("facts.yaml"));
    let args = [
        "lookup",
        "no_such_key",
        "--explain",
        "--hiera-config",
        config.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
    ];
    let out = lamina(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("did not find a value for the name 'no_such_key'"), "{}", text(&out.stdout));
    let out = lamina(&args[..2].iter().chain(&args[3..]).copied().collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1), "without --explain: not found is exit 1");
}

/// Issue 15, point 9: `lamina completions SHELL` prints completions that name the subcommands and
/// that the shell parses (bash always; zsh and fish when installed).
#[test]
fn issue15_completions_name_the_subcommands_and_parse() {
    let d = tempfile::tempdir().expect("tmp");
    // How each shell checks a script without running it.
    for (shell, check) in [("bash", ["-n"]), ("zsh", ["-n"]), ("fish", ["--no-execute"])] {
        let out = lamina(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for sub in ["enc", "lookup", "serve", "render", "import", "man", "completions"] {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
        let file = d.path().join(format!("lamina.{shell}"));
        std::fs::write(&file, &script).expect("write");
        if shell != "bash" && lamina_tests::which(shell).is_none() {
            eprintln!("{shell} is not installed: its completions are not parsed");
            continue;
        }
        let parsed = Command::new(shell).args(check).arg(&file).output().expect("run the shell");
        assert!(parsed.status.success(), "{shell} does not parse them: {}", text(&parsed.stderr));
    }
    assert_eq!(lamina(&["completions", "tcsh"]).status.code(), Some(2), "an unknown shell is a usage error");
}

/// Issue 15, point 9: `docs/man/lamina.1` (shipped in the package) is what `lamina man` prints.
#[test]
fn issue15_man_page_is_up_to_date() {
    let out = lamina(&["man"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains(".TH lamina 1") && page.contains("serve"), "{page}");
    let checked_in = std::fs::read_to_string(lamina_tests::repo_root().join("docs/man/lamina.1")).unwrap_or_default();
    assert!(
        page == checked_in,
        "docs/man/lamina.1 is not what `lamina man` prints: regenerate it with `cargo run -- man > docs/man/lamina.1`"
    );
}

/// Issue 15, point 10: `--store sqlite://nope/x.db` names the missing directory (SQLite says only
/// "unable to open database file"); a store file that must exist and does not is named too.
#[test]
fn issue15_sqlite_store_in_a_missing_directory_is_named() {
    let d = tempfile::tempdir().expect("tmp");
    let run = |args: &[&str]| {
        Command::new(lamina_bin())
            .args(args)
            .current_dir(d.path())
            .env_remove("LAMINA_ESTATE")
            .env_remove("LAMINA_STORE")
            .output()
            .expect("run")
    };
    let demo = lamina_tests::repo_root().join("corpus/demo");
    for args in [
        &["enc", "web01.demo.example.com", "--store", "sqlite://nope/x.db"][..],
        &["check", "--store", "sqlite://nope/x.db"],
        &["import", demo.to_str().expect("utf8"), "--store", "sqlite://nope/x.db"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(r#"sqlite://nope/x.db: the directory "nope" does not exist"#), "{args:?}: {err}");
    }
    assert!(!d.path().join("nope").exists(), "nothing created");
    let out = run(&["check", "--store", "sqlite://x.db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(r#"the file "x.db" does not exist"#), "{}", text(&out.stderr));
    assert!(!d.path().join("x.db").exists(), "a read creates no store");
}

/// Issue 15, point 10: a command that falls back on the bundled demo estate says so on stderr,
/// and its stdout (which Puppet reads) is unchanged; with `--estate` nothing is said.
#[test]
fn issue15_demo_fallback_warns_on_stderr() {
    const WARNING: &str = "lamina: warning: no --estate or --store given: using the bundled demo estate";
    let demo = lamina_tests::repo_root().join("corpus/demo");
    let fallback = lamina(&["enc", "web01.demo.example.com"]);
    assert!(fallback.status.success(), "{}", text(&fallback.stderr));
    assert!(text(&fallback.stderr).starts_with(WARNING), "{}", text(&fallback.stderr));
    assert_eq!(text(&fallback.stderr).lines().count(), 1, "one line: {}", text(&fallback.stderr));
    let given = lamina(&["enc", "web01.demo.example.com", "--estate", demo.to_str().expect("utf8")]);
    assert!(given.status.success(), "{}", text(&given.stderr));
    assert!(given.stderr.is_empty(), "{}", text(&given.stderr));
    assert_eq!(fallback.stdout, given.stdout, "the ENC on stdout is the same");
    for args in [&["check"][..], &["lookup", "no_such_key", "--node", "web01.demo.example.com"]] {
        let out = lamina(args);
        assert!(text(&out.stderr).contains(WARNING), "{args:?}: {}", text(&out.stderr));
    }
}

/// Issue 15, point 10: `--explain` shows clean paths: the demo's without `bindings/cli/../..`,
/// relative to the current directory inside it; a user's `DIR/../DIR/FILE` resolved.
#[test]
fn issue15_explain_paths_are_clean() {
    let root = lamina_tests::repo_root();
    let out = lamina(&["enc", "web01.demo.example.com", "--explain"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("corpus/demo/hosts.yaml") && !s.contains("/../"), "{s}");
    let inside = Command::new(lamina_bin())
        .args(["enc", "web01.demo.example.com", "--explain"])
        .current_dir(&root)
        .env_remove("LAMINA_ESTATE")
        .output()
        .expect("run");
    assert!(text(&inside.stdout).contains("file: corpus/demo/hosts.yaml\n"), "{}", text(&inside.stdout));
    let d = tempfile::tempdir().expect("tmp");
    let e = write_estate(d.path(), "e.yaml", SMALL);
    let name = d.path().file_name().and_then(|n| n.to_str()).expect("name");
    let roundabout = d.path().join("..").join(name).join("e.yaml");
    let out = lamina(&["enc", "a.example.com", "--explain", "--estate", roundabout.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    let real = std::fs::canonicalize(&e).expect("canonical");
    assert!(s.contains(&format!("file: {}\n", real.display())) && !s.contains("/../"), "{s}");
}

/// Issue 15, point 10: `lamina serve` logs one line per request at info (method, path, status,
/// time, client), except the health, readiness and metrics probes (debug); JSON logs included.
/// Without `--estate` it logs the demo fallback at warn.
#[test]
fn issue15_serve_logs_requests_at_info_but_not_probes() {
    use std::io::BufRead as _;
    let d = tempfile::tempdir().expect("tmp");
    let log = d.path().join("serve.log");
    let mut child = Command::new(lamina_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--log-json"])
        .env_remove("LAMINA_ESTATE")
        .env_remove("LAMINA_STORE")
        .env_remove("LAMINA_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let _ = std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let Some(url) = line.trim().strip_prefix("listening on ").map(str::to_string) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve did not start: {line:?} {}", std::fs::read_to_string(&log).unwrap_or_default());
    };
    let (status, _) = lamina_tests::http("GET", &format!("{url}/healthz"), None, None);
    assert_eq!(status, 200);
    let (status, _) = lamina_tests::http("GET", &format!("{url}/node/web01.demo.example.com?format=yml"), None, None);
    assert_eq!(status, 200);
    // The line is written when the answer is sent: wait for it.
    let parse = || -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
    };
    let is_request =
        |l: &serde_json::Value, path: &str| l["fields"]["message"] == "request" && l["fields"]["path"] == path;
    let t = std::time::Instant::now();
    let mut lines = parse();
    while !lines.iter().any(|l| is_request(l, "/node/web01.demo.example.com")) && t.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        lines = parse();
    }
    let _ = child.kill();
    let _ = child.wait();
    let node = lines.iter().find(|l| is_request(l, "/node/web01.demo.example.com")).expect("a line for the request");
    assert_eq!(node["level"], "INFO", "{node}");
    assert_eq!(node["fields"]["method"], "GET", "{node}");
    assert_eq!(node["fields"]["status"], 200, "{node}");
    assert!(node["fields"]["micros"].is_u64(), "{node}");
    assert!(node["fields"]["peer"].as_str().is_some_and(|p| p.starts_with("127.0.0.1:")), "{node}");
    assert!(!node.to_string().contains("format=yml"), "no query string: {node}");
    assert!(!lines.iter().any(|l| is_request(l, "/healthz")), "no line for /healthz at info: {lines:?}");
    let demo = lines.iter().find(|l| l["level"] == "WARN").expect("the demo fallback logged");
    assert!(demo["fields"]["message"].as_str().is_some_and(|m| m.contains("bundled demo estate")), "{demo}");
}

// Issue 15: what a new user meets with estate files, on the command line.

/// The demo estate copied to a temporary directory, with `from` replaced by `to` in `file`.
fn broken_demo(file: &str, from: &str, to: &str) -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().expect("tempdir");
    lamina_tests::copy_demo(d.path());
    lamina_tests::edit(&d.path().join(file), from, to);
    let dir = d.path().to_str().expect("utf8").to_string();
    (d, dir)
}

/// `lamina check` of `dir`: its exit code and stderr lines.
fn check_lines(dir: &str) -> (Option<i32>, Vec<String>) {
    let out = lamina(&["check", "--estate", dir]);
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    (out.status.code(), text(&out.stderr).lines().map(str::to_string).collect())
}

/// The second of three stderr lines says how many errors were left out: many (every host of a
/// group in the broken file), so that the test fails if they come back.
fn assert_rest_not_shown(lines: &[String], dir: &str) {
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let n: usize = lines[1]
        .strip_prefix("error: ")
        .and_then(|l| l.strip_suffix(" further errors not shown: fix the syntax errors first"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(n >= 20, "{lines:#?}");
    assert_eq!(lines[2], format!("lamina: {dir} is invalid (2 errors)"));
}

#[test]
fn issue15_unclosed_quote_points_at_the_opening_quote() {
    // The closing quote of line 9 is missing: libyaml takes the opening quote of line 10 as its
    // end and fails on line 10.
    let (_d, dir) = broken_demo("hostgroups.yaml", "\"puppet.demo.example.com\"\n", "\"puppet.demo.example.com\n");
    let (code, lines) = check_lines(&dir);
    assert_eq!(code, Some(2));
    assert_eq!(
        lines[0],
        format!(
            "error: {dir}/hostgroups.yaml:9:19: did not find expected key while parsing a block mapping \
             (the string opened at line 9, column 19 runs on to line 10: is its closing quote missing?)"
        )
    );
    assert_rest_not_shown(&lines, &dir);
    // `enc` fails the same way, with the same exit code.
    let out = lamina(&["enc", "web01.demo.example.com", "--estate", &dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(text(&out.stderr).lines().next(), Some(lines[0].as_str()));
}

#[test]
fn issue15_tab_and_date_hints_on_the_demo_estate() {
    let (_d, dir) = broken_demo("hostgroups.yaml", "    puppetclasses: [ntp, motd]", "\tpuppetclasses: [ntp, motd]");
    let (code, lines) = check_lines(&dir);
    assert_eq!(code, Some(2));
    assert_eq!(
        lines[0],
        format!(
            "error: {dir}/hostgroups.yaml:6:1: found a tab character that violates indentation while scanning \
             a plain scalar (a tab character: YAML indents with spaces)"
        )
    );
    assert_rest_not_shown(&lines, &dir);

    let (_d, dir) =
        broken_demo("hostgroups.yaml", "      tier: \"silver\"\n", "      tier: \"silver\"\n      since: 2024-01-31\n");
    let (code, lines) = check_lines(&dir);
    assert_eq!(code, Some(2));
    assert_eq!(
        lines[0],
        format!(
            "error: {dir}/hostgroups.yaml:13:14: Tried to load unspecified class: Date \
             (an unquoted date: write since: '2024-01-31')"
        )
    );
    assert_rest_not_shown(&lines, &dir);
}

#[test]
fn issue15_a_directory_that_is_not_an_estate_gives_one_error() {
    // A repository's root: YAML files of other kinds (CI configuration, test cases), the demo
    // estate among them. Built here, so that what else a checkout holds (build output,
    // generated corpora) does not change the answer.
    let repo = tempfile::tempdir().expect("tempdir");
    lamina_tests::copy_demo(&repo.path().join("corpus/demo"));
    std::fs::create_dir_all(repo.path().join(".github/workflows")).expect("mkdir");
    std::fs::write(repo.path().join(".github/workflows/ci.yaml"), "on: push\njobs: {}\n").expect("write");
    for i in 0..12 {
        std::fs::create_dir_all(repo.path().join("corpus/cases")).expect("mkdir");
        std::fs::write(repo.path().join(format!("corpus/cases/case{i:02}.yaml")), "source: x\nnote: y\nexpect: {}\n")
            .expect("write");
    }
    let root = repo.path().to_str().expect("utf8");
    let (code, lines) = check_lines(root);
    assert_eq!(code, Some(2));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let prefix = format!("error: {root}: not an estate directory: ");
    assert!(lines[0].starts_with(&prefix), "{lines:#?}");
    assert!(lines[0].contains(" YAML files have no estate section at their top level ("), "{lines:#?}");
    assert!(
        lines[0].contains(
            "an estate directory holds YAML files (*.yaml, *.yml) whose top-level keys are estate sections \
             (settings, parameters, organizations, locations, domains, subnets, operatingsystems, environments, \
             puppetclasses, config_groups, hostgroups, hosts)"
        ),
        "{lines:#?}"
    );
    assert!(lines[0].contains("; files with estate sections are in corpus/demo ("), "{lines:#?}");
    assert_eq!(lines[1], format!("lamina: {root} is invalid (1 error)"));

    // An empty directory, and one without YAML files.
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path().to_str().expect("utf8");
    let (code, lines) = check_lines(dir);
    assert_eq!(code, Some(2));
    assert_eq!(
        lines[0],
        format!(
            "error: {dir}: not an estate directory: it holds no file at all; an estate directory holds YAML files \
             (*.yaml, *.yml) whose top-level keys are estate sections (settings, parameters, organizations, \
             locations, domains, subnets, operatingsystems, environments, puppetclasses, config_groups, hostgroups, \
             hosts), as docs/estate-format.md describes"
        )
    );
    std::fs::write(d.path().join("README.md"), "notes\n").expect("write");
    let (_, lines) = check_lines(dir);
    assert!(
        lines[0].starts_with(&format!(
            "error: {dir}: not an estate directory: it holds no *.yaml or *.yml file, only 1 other file (README.md); "
        )),
        "{lines:#?}"
    );
}

#[test]
fn issue15_unknown_certname_suggests_the_closest_one() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = write_estate(d.path(), "e.yaml", "hosts:\n  - {name: web01.example.com}\n  - {name: db01.example.com}\n");
    let p = p.to_str().expect("utf8");
    let out = lamina(&["enc", "web0l.example.com", "--estate", p]);
    assert_eq!(out.status.code(), Some(1), "an unknown host still exits 1");
    assert!(out.stdout.is_empty());
    assert_eq!(text(&out.stderr), "lamina: unknown host \"web0l.example.com\": did you mean \"web01.example.com\"?\n");
    let out = lamina(&["enc", "mail.example.org", "--estate", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "lamina: unknown host \"mail.example.org\"\n", "nothing close, nothing offered");
}

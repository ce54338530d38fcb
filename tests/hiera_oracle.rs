//! Differential testing of `lamina lookup` against the real Puppet 7 `puppet lookup`.
//!
//! - `curated_cases_match_recorded_puppet`: every query of `corpus/hiera/cases/<topic>/queries.txt`
//!   through `lamina lookup ... --render-as json`, compared with Puppet's recorded answer in
//!   `expected.json` (recorded by `tests/oracle/record.sh`, never written by hand): a found value must
//!   be byte-identical to what `puppet lookup --render-as json` prints (key order included); not found
//!   and errors must exit 1 with nothing on stdout, and an error's message (its innermost part,
//!   without Puppet's `Lookup of key 'k' failed: ` wrappers and `(file: ...)` positions) must appear
//!   on stderr.
//! - `recorded_answers_are_still_puppets`: the recordings are re-checked against the live Puppet
//!   (`tests/oracle/batch_lookup.rb`, one Puppet process for every topic).
//! - `random_cases_match_puppet`: a seeded generator writes hundreds of random cases (hierarchies of
//!   3-6 levels with interpolated paths, globs, mapped paths and JSON levels, nested data, knockout
//!   prefixes, interpolations, lookup_options, random facts) under `<target>/hiera-oracle/`, has ONE
//!   Puppet process answer all their queries, runs the same queries through `lamina lookup`, and
//!   lists every divergence with its case directory (kept for replay). Errors are compared by status
//!   only there. Seed: `LAMINA_ORACLE_SEED` (else the time; printed), count: `LAMINA_ORACLE_CASES`.
//! - `comparator_detects_corruption`: the comparison itself catches corrupted answers (no Puppet).
//!
//! `LAMINA_ORACLE_SELFTEST=1` replaces the `lamina` side with a second, independent Puppet batch
//! run (proves the harness: it must pass); with `LAMINA_ORACLE_CORRUPT=N` as well, every Nth answer
//! of that side is corrupted (it must fail). Under CI (`CI` set) a missing Puppet is a failure;
//! elsewhere the Puppet-dependent parts skip with a message. See `tests/oracle/README.md`.

use lamina_tests::{lamina_bin, repo_root, under_ci, which};
use serde_json::Value as J;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A `lamina lookup` invocation that takes longer than this is a failure (hang guard).
const LAMINA_TIMEOUT: Duration = Duration::from_secs(20);
/// Known divergences from Puppet: `(topic, query line, why)`. These are open bugs in Lamina
/// (Puppet is right), listed so that the test still fails on any *new* divergence and on a
/// listed one that no longer diverges; each is also listed in the README's Hiera section.
const KNOWN_DIVERGENCES: &[(&str, &str, &str)] = &[];

// ---------------------------------------------------------------------------------------------
// Queries and answers

/// One query: a line of `queries.txt` resolved against its case directory.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The case directory (absolute).
    pub(crate) case: PathBuf,
    /// The line as written (shell-quoted, directives included).
    pub(crate) line: String,
    pub(crate) facts: PathBuf,
    pub(crate) hiera: PathBuf,
    /// `puppet lookup` arguments after the directives: keys and flags, unchanged.
    pub(crate) args: Vec<String>,
}

/// What a command-line run produced.
#[derive(Debug, Clone)]
pub(crate) struct CliOutput {
    code: i32,
    stdout: String,
    stderr: String,
}

/// How errors are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorCheck {
    /// Status and (where comparable) the innermost message.
    Message,
    /// Status only.
    Status,
}

/// Split a line as Ruby's `Shellwords.split` does (quotes, backslashes; no expansion).
fn shell_split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n) if matches!(n, '"' | '\\' | '$' | '`' | '\n') => {
                                cur.push(n);
                                chars.next();
                            }
                            _ => cur.push('\\'),
                        },
                        _ => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn case_facts(case: &Path) -> PathBuf {
    let json = case.join("facts.json");
    if json.is_file() { json } else { case.join("facts.yaml") }
}

/// Parse a query line of `case` (directives `@facts=`/`@hiera=` are relative to the case).
pub(crate) fn parse_query(case: &Path, line: &str) -> Query {
    let mut args = shell_split(line);
    let mut facts = case_facts(case);
    let mut hiera = case.join("hiera.yaml");
    while let Some(first) = args.first() {
        if let Some(f) = first.strip_prefix("@facts=") {
            facts = case.join(f);
        } else if let Some(h) = first.strip_prefix("@hiera=") {
            hiera = case.join(h);
        } else {
            break;
        }
        args.remove(0);
    }
    Query { case: case.to_path_buf(), line: line.to_string(), facts, hiera, args }
}

pub(crate) fn read_queries(case: &Path) -> Vec<Query> {
    let text = std::fs::read_to_string(case.join("queries.txt"))
        .unwrap_or_else(|e| panic!("{}: {e}", case.join("queries.txt").display()));
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| parse_query(case, l)).collect()
}

/// The curated topics, sorted.
pub(crate) fn curated_cases() -> Vec<PathBuf> {
    let dir = repo_root().join("corpus/hiera/cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("queries.txt").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no curated cases under {}", dir.display());
    cases
}

fn read_expected(case: &Path) -> Vec<J> {
    let p = case.join("expected.json");
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (record it with tests/oracle/record.sh)", p.display()));
    match serde_json::from_str(&text) {
        Ok(J::Array(a)) => a,
        other => panic!("{}: not a JSON array: {other:?}", p.display()),
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison

/// Puppet's message without the `Lookup of key '...' failed: ` wrappers, without the help line and
/// the `(file: ..., line: N)` position, whitespace collapsed, `<CASE>` replaced by the case path.
fn core_message(msg: &str, case: &Path) -> String {
    let mut m = msg.lines().next().unwrap_or("").to_string();
    while let Some(rest) = m.strip_prefix("Lookup of key '") {
        match rest.find("' failed: ") {
            Some(i) => m = rest[i + "' failed: ".len()..].to_string(),
            None => break,
        }
    }
    if let Some(i) = m.rfind(" (file: ")
        && m.ends_with(')')
    {
        m.truncate(i);
    }
    collapse_ws(&m.replace("<CASE>", &case.to_string_lossy()))
}

/// Whitespace collapsed, and Ruby object addresses (`#<Puppet::Parser::Scope:0x00007fa0...>`,
/// different in every run) masked.
fn collapse_ws(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find(":0x") {
        let hex = rest[i + 3..].bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(&rest[..i + 3]);
        if hex >= 8 {
            out.push('_');
        }
        rest = &rest[i + 3 + if hex >= 8 { hex } else { 0 }..];
    }
    out.push_str(rest);
    out
}

fn known_divergence(case: &Path, line: &str) -> Option<&'static str> {
    let topic = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    KNOWN_DIVERGENCES.iter().find(|(t, q, _)| *t == topic && *q == line).map(|(_, _, why)| *why)
}

const NOT_FOUND_TEXT: &str = "did not find a value";

/// Compare one answer of the `lamina` side with Puppet's; `None` when they agree.
pub(crate) fn compare(expected: &J, got: &CliOutput, case: &Path, errors: ErrorCheck) -> Option<String> {
    let status = expected["status"].as_str().unwrap_or("?");
    let short = |s: &str| -> String {
        let s = s.trim_end();
        if s.chars().count() > 400 { format!("{}...", s.chars().take(400).collect::<String>()) } else { s.to_string() }
    };
    let got_desc =
        || format!("lamina: exit {}, stdout {:?}, stderr {:?}", got.code, short(&got.stdout), short(&got.stderr));
    match status {
        "found" => {
            let want = expected["stdout"].as_str().unwrap_or("");
            if got.code == 0 && got.stdout == want {
                None
            } else {
                Some(format!("puppet: found, stdout {:?}\n      {}", short(want), got_desc()))
            }
        }
        "not_found" => {
            if got.code == 1 && got.stdout.is_empty() && got.stderr.contains(NOT_FOUND_TEXT) {
                None
            } else {
                Some(format!(
                    "puppet: not found (exit 1, empty stdout, stderr mentions {NOT_FOUND_TEXT:?})\n      {}",
                    got_desc()
                ))
            }
        }
        "error" => {
            let msg = expected["error"].as_str().unwrap_or("");
            let core = core_message(msg, case);
            let status_ok = got.code == 1 && got.stdout.is_empty() && !got.stderr.contains(NOT_FOUND_TEXT);
            let comparable = errors == ErrorCheck::Message && !msg.contains("<SANDBOX>") && !core.is_empty();
            if status_ok && (!comparable || collapse_ws(&got.stderr).contains(&core)) {
                None
            } else if status_ok {
                Some(format!(
                    "puppet: error {:?}\n      lamina: right status, stderr lacks it: {:?}",
                    core,
                    short(&got.stderr)
                ))
            } else {
                Some(format!("puppet: error {:?} (exit 1, empty stdout)\n      {}", short(msg), got_desc()))
            }
        }
        other => Some(format!("unusable recorded answer (status {other:?}): {expected}")),
    }
}

// ---------------------------------------------------------------------------------------------
// The two sides

/// Run a command with a time limit; `Err` on spawn failure or timeout.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Result<CliOutput, String> {
    use std::io::Read;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {limit:?}: {cmd:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    Ok(CliOutput {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

fn lamina_path() -> PathBuf {
    std::env::var_os("LAMINA_BIN").map_or_else(lamina_bin, PathBuf::from)
}

/// `lamina lookup` for one query (flags are spelled as `puppet lookup`'s; `--render-as json`),
/// with `extra` arguments first (`--strict error`).
fn lamina_lookup_with(bin: &Path, q: &Query, extra: &[&str]) -> CliOutput {
    let mut cmd = Command::new(bin);
    cmd.arg("lookup").args(extra);
    // No `--node` on Lamina's side: Lamina's `--node` sets `trusted.certname` as a Puppet master
    // does (README, "Hiera lookups"), while `puppet lookup --node` leaves it to the facts'
    // `clientcert`. Without it Lamina takes `trusted` from the facts exactly as Puppet does.
    cmd.args(&q.args)
        .arg("--facts")
        .arg(&q.facts)
        .arg("--hiera-config")
        .arg(&q.hiera)
        .arg("--render-as")
        .arg("json")
        .current_dir(&q.case)
        .env_remove("LAMINA_ESTATE");
    // The case's environment layer, as `batch_lookup.rb` gives it to Puppet.
    let env = q.case.join("environment");
    if env.is_dir() {
        cmd.arg("--environment-dir").arg(env);
    }
    run_with_timeout(&mut cmd, LAMINA_TIMEOUT).unwrap_or_else(|e| CliOutput {
        code: -1,
        stdout: String::new(),
        stderr: e,
    })
}

/// Every query through `lamina lookup`, on two threads, in order.
/// Puppet 7.23 is answered by `--strict warning` (Lamina's default is Puppet 8's `error`).
fn lamina_side(queries: &[Query]) -> Vec<CliOutput> {
    lamina_side_with(queries, &["--strict", "warning"])
}

/// [`lamina_side`] with `extra` arguments for every run.
pub(crate) fn lamina_side_with(queries: &[Query], extra: &[&str]) -> Vec<CliOutput> {
    let bin = lamina_path();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let chunk = queries.len().div_ceil(workers).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(chunk)
            .map(|part| {
                let bin = bin.clone();
                s.spawn(move || part.iter().map(|q| lamina_lookup_with(&bin, q, extra)).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("lamina worker")).collect()
    })
}

/// Is Puppet usable? Under CI its absence is a loud failure; elsewhere `false` with a message.
pub(crate) fn puppet_available(test: &str) -> bool {
    if which("puppet").is_some() && which("ruby").is_some() {
        return true;
    }
    assert!(!under_ci(), "{test}: Puppet (and ruby) are required under CI: apt-get install -y puppet");
    eprintln!("{test}: SKIPPED: puppet/ruby not found on PATH (apt-get install -y puppet)");
    false
}

/// Answer `queries` with ONE Puppet process (`tests/oracle/batch_lookup.rb`); one JSON answer each.
/// `base` is a scratch directory for the query file.
pub(crate) fn puppet_batch(queries: &[Query], base: &Path) -> Vec<J> {
    std::fs::create_dir_all(base).expect("scratch dir");
    let mut text = String::new();
    for q in queries {
        let _ = writeln!(text, "'@case={}' {}", q.case.display().to_string().replace('\'', "'\\''"), q.line);
    }
    let qfile = base.join("batch-queries.txt");
    std::fs::write(&qfile, text).expect("write queries");
    let runner = repo_root().join("tests/oracle/batch_lookup.rb");
    let out = Command::new("ruby")
        .arg(&runner)
        .arg(base)
        .arg(base.join("unused-facts.yaml"))
        .arg(&qfile)
        .stdin(Stdio::null())
        .output()
        .expect("run ruby batch_lookup.rb");
    assert!(out.status.success(), "batch_lookup.rb failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    let answers: Vec<J> = serde_json::from_slice(&out.stdout).expect("batch_lookup.rb JSON");
    assert_eq!(answers.len(), queries.len(), "batch_lookup.rb answered a different number of queries");
    answers
}

fn selftest() -> bool {
    std::env::var_os("LAMINA_ORACLE_SELFTEST").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Puppet's answer as the CLI output `lamina lookup` must produce (the self-test's "lamina").
fn as_cli_output(answer: &J, case: &Path) -> CliOutput {
    match answer["status"].as_str() {
        Some("found") => {
            CliOutput { code: 0, stdout: answer["stdout"].as_str().unwrap_or("").into(), stderr: String::new() }
        }
        Some("not_found") => CliOutput {
            code: 1,
            stdout: String::new(),
            stderr: "Error: Function lookup() did not find a value for the name\n".into(),
        },
        _ => CliOutput {
            code: 1,
            stdout: String::new(),
            stderr: format!(
                "Error: {}\n",
                answer["error"].as_str().unwrap_or("").replace("<CASE>", &case.to_string_lossy())
            ),
        },
    }
}

/// Corrupt an answer the way a buggy engine might (self-test of the comparison).
fn corrupt(out: &mut CliOutput, variant: usize) {
    if out.code == 0 {
        out.stdout = match variant % 3 {
            0 => "\"corrupted\"\n".into(),
            1 => out.stdout.trim_end().to_string(), // the trailing newline only
            _ => {
                out.code = 1;
                String::new()
            }
        };
    } else if variant.is_multiple_of(2) {
        *out = CliOutput { code: 0, stdout: "null\n".into(), stderr: String::new() };
    } else {
        out.stderr = "Error: something else entirely\n".into();
    }
}

/// The "lamina" answers: the real CLI, or in self-test mode a second Puppet batch run.
fn other_side(queries: &[Query], scratch: &Path) -> Vec<CliOutput> {
    if !selftest() {
        return lamina_side(queries);
    }
    let answers = puppet_batch(queries, &scratch.join("selftest"));
    let mut outs: Vec<CliOutput> = answers.iter().zip(queries).map(|(a, q)| as_cli_output(a, &q.case)).collect();
    if let Some(n) =
        std::env::var("LAMINA_ORACLE_CORRUPT").ok().and_then(|v| v.parse::<usize>().ok()).filter(|n| *n > 0)
    {
        for (i, o) in outs.iter_mut().enumerate().filter(|(i, _)| i % n == n - 1) {
            corrupt(o, i / n);
        }
    }
    outs
}

fn target_dir() -> PathBuf {
    // <target>/<profile>/deps/<test binary>
    std::env::current_exe()
        .ok()
        .and_then(|e| e.ancestors().nth(3).map(Path::to_path_buf))
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| repo_root().join("target"))
        .join("hiera-oracle")
}

// ---------------------------------------------------------------------------------------------
// a. curated cases

#[test]
fn curated_cases_match_recorded_puppet() {
    let mut queries = Vec::new();
    let mut expected = Vec::new();
    for case in curated_cases() {
        let qs = read_queries(&case);
        let ex = read_expected(&case);
        assert_eq!(qs.len(), ex.len(), "{}: queries.txt and expected.json differ in length; re-record", case.display());
        for (q, e) in qs.iter().zip(&ex) {
            assert_eq!(
                e["query"].as_str(),
                Some(q.line.as_str()),
                "{}: expected.json is stale; re-record",
                case.display()
            );
        }
        queries.extend(qs);
        expected.extend(ex);
    }
    let scratch = target_dir().join("curated");
    if selftest() && !puppet_available("curated_cases_match_recorded_puppet (self-test)") {
        return;
    }
    let got = other_side(&queries, &scratch);
    let mut report = String::new();
    let mut diverged = 0;
    for ((q, e), g) in queries.iter().zip(&expected).zip(&got) {
        let known = known_divergence(&q.case, &q.line);
        if compare(e, g, &q.case, ErrorCheck::Message).is_none() && known.is_some() && !selftest() {
            // The list must stay true: a fixed divergence is taken off it.
            diverged += 1;
            let _ = writeln!(
                report,
                "- {} `{}`: listed as a known divergence but now agrees; remove it",
                q.case.display(),
                q.line
            );
        }
        if let Some(d) = compare(e, g, &q.case, ErrorCheck::Message) {
            if let Some(why) = known {
                eprintln!("known divergence {} `{}`: {why}", q.case.display(), q.line);
                continue;
            }
            diverged += 1;
            let _ = writeln!(report, "- {} `{}`\n      {d}", q.case.display(), q.line);
        }
    }
    assert!(
        diverged == 0,
        "{diverged} of {} curated queries diverge from Puppet's recorded answers{}:\n{report}",
        queries.len(),
        if selftest() { " (SELF-TEST: Puppet vs Puppet)" } else { "" }
    );
    eprintln!("curated: {} queries agree with Puppet", queries.len());
}

// ---------------------------------------------------------------------------------------------
// b. recordings vs the live Puppet

#[test]
fn recorded_answers_are_still_puppets() {
    if !puppet_available("recorded_answers_are_still_puppets") {
        return;
    }
    let mut queries = Vec::new();
    let mut expected = Vec::new();
    for case in curated_cases() {
        queries.extend(read_queries(&case));
        expected.extend(read_expected(&case));
    }
    let live = puppet_batch(&queries, &target_dir().join("recheck"));
    // Status, exact stdout and message; not `value` (serde_json reads big integers as floats), not
    // `query` (the batch line carries an @case directive), not `warnings` (warn_once: order-dependent).
    let strip = |v: &J| -> J { serde_json::json!([v["status"], v["stdout"], v["error"]]) };
    let mut report = String::new();
    for ((q, e), l) in queries.iter().zip(&expected).zip(&live) {
        if strip(e) != strip(l) {
            let _ = writeln!(report, "- {} `{}`\n      recorded: {e}\n      live:     {l}", q.case.display(), q.line);
        }
    }
    assert!(
        report.is_empty(),
        "recordings differ from the live Puppet (re-record with tests/oracle/record.sh):\n{report}"
    );
}

// ---------------------------------------------------------------------------------------------
// comparator self-check (no Puppet needed)

#[test]
fn comparator_detects_corruption() {
    let mut checked = 0;
    for case in curated_cases() {
        for (i, e) in read_expected(&case).iter().enumerate() {
            let good = as_cli_output(e, &case);
            assert_eq!(compare(e, &good, &case, ErrorCheck::Message), None, "{}: {e}", case.display());
            for variant in 0..3 {
                let mut bad = good.clone();
                corrupt(&mut bad, variant + i);
                assert!(
                    compare(e, &bad, &case, ErrorCheck::Message).is_some(),
                    "{}: corruption {variant} of {e} went unnoticed: {bad:?}",
                    case.display()
                );
            }
            checked += 1;
        }
    }
    // Key order is part of the value.
    let e = serde_json::json!({"status": "found", "stdout": "{\"b\":1,\"a\":2}\n"});
    let swapped = CliOutput { code: 0, stdout: "{\"a\":2,\"b\":1}\n".into(), stderr: String::new() };
    assert!(compare(&e, &swapped, Path::new("/x"), ErrorCheck::Status).is_some());
    assert_eq!(
        core_message(
            "Lookup of key 'a' failed: Lookup of key 'b' failed: Boom (file: <CASE>/h.yaml, line: 3)",
            Path::new("/c")
        ),
        "Boom"
    );
    assert_eq!(
        shell_split(r#"@hiera=x.yaml "cfg.'x.y'" 'a b' c\ d "e\"f""#),
        ["@hiera=x.yaml", "cfg.'x.y'", "a b", "c d", "e\"f"]
    );
    assert!(checked > 100);
}

// ---------------------------------------------------------------------------------------------
// c. random cases

pub(crate) mod random;
use random::{Rng, gen_case};

#[test]
fn random_cases_match_puppet() {
    if !puppet_available("random_cases_match_puppet") {
        return;
    }
    let seed: u64 = std::env::var("LAMINA_ORACLE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_secs() ^ u64::from(d.subsec_nanos()))
    });
    let count: usize = std::env::var("LAMINA_ORACLE_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    eprintln!("random_cases_match_puppet: seed {seed}, {count} cases (replay: LAMINA_ORACLE_SEED={seed})");
    let root = target_dir().join(format!("random-{seed}"));
    let _ = std::fs::remove_dir_all(&root);
    let mut rng = Rng(seed);
    let mut queries = Vec::new();
    let t0 = Instant::now();
    for i in 0..count {
        let dir = root.join(format!("c{i:04}"));
        for line in gen_case(&mut rng, &dir) {
            queries.push(parse_query(&dir, &line));
        }
    }
    let t_gen = t0.elapsed();
    // Puppet (one single-threaded process) and the lamina side run at the same time.
    let (puppet, t_puppet, got, t_lamina) = std::thread::scope(|s| {
        let p = s.spawn(|| {
            let t = Instant::now();
            (puppet_batch(&queries, &root), t.elapsed())
        });
        let t = Instant::now();
        let got = other_side(&queries, &root);
        let t_lamina = t.elapsed();
        let (puppet, t_puppet) = p.join().expect("puppet batch");
        (puppet, t_puppet, got, t_lamina)
    });

    let mut report = String::new();
    let mut dirs = BTreeSet::new();
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for ((q, e), g) in queries.iter().zip(&puppet).zip(&got) {
        *statuses.entry(e["status"].as_str().unwrap_or("?").to_string()).or_default() += 1;
        if let Some(d) = compare(e, g, &q.case, ErrorCheck::Status) {
            dirs.insert(q.case.clone());
            if dirs.len() <= 40 {
                let _ = writeln!(report, "- {} `{}`\n      {d}", q.case.display(), q.line);
            }
        }
    }
    eprintln!(
        "random: {} queries over {count} cases, Puppet answers {statuses:?}; generate {t_gen:.1?}, puppet {t_puppet:.1?} and {} {t_lamina:.1?} in parallel",
        queries.len(),
        if selftest() { "second puppet (self-test)" } else { "lamina" }
    );
    let all: Vec<J> = queries
        .iter()
        .zip(&puppet)
        .zip(&got)
        .map(|((q, a), g)| {
            serde_json::json!({"case": q.case.display().to_string(), "puppet": a,
                "other": {"exit": g.code, "stdout": g.stdout, "stderr": g.stderr}})
        })
        .collect();
    let _ = std::fs::write(root.join("answers.json"), serde_json::to_string_pretty(&all).unwrap_or_default());
    if dirs.is_empty() {
        if std::env::var_os("LAMINA_ORACLE_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&root);
        }
        return;
    }
    // Keep the failing cases, each with Puppet's answers, for replay.
    for dir in &dirs {
        let answers: Vec<&J> = queries.iter().zip(&puppet).filter(|(q, _)| &q.case == dir).map(|(_, a)| a).collect();
        let _ = std::fs::write(dir.join("puppet.json"), serde_json::to_string_pretty(&answers).unwrap_or_default());
    }
    panic!(
        "seed {seed}: {} of {count} random cases diverge from Puppet (kept under {}; replay with \
         LAMINA_ORACLE_SEED={seed} LAMINA_ORACLE_CASES={count}, or one case: \
         ruby tests/oracle/batch_lookup.rb --cases CASE_DIR):\n{report}",
        dirs.len(),
        root.display()
    );
}

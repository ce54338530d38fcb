//! Hostile and malformed estates get a clear error naming the file, line and object, with
//! bounded time and memory; all errors of a load come together.

use lamina_estate::{load, load_source, load_str};
use lamina_yaml::Limits;

fn errors_of(text: &str) -> String {
    match load_str(text, "estate.yaml") {
        Ok(_) => panic!("estate should be refused:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn alias_bomb_is_refused() {
    // The classic 9-level "billion laughs": 9^9 strings if expanded.
    let mut text = String::from(
        "parameters:\n  l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!("  l{i}: &l{i} [*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p}]\n"));
    }
    let err = errors_of(&text);
    assert!(err.contains("estate.yaml:"), "{err}");
    assert!(err.to_lowercase().contains("alias"), "{err}");
}

#[test]
fn deep_flow_nesting_is_refused_without_overflow() {
    // Run on a small stack: the loader must not recurse per nesting level.
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let text = format!("parameters:\n  deep: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
            errors_of(&text)
        })
        .expect("spawn");
    let err = h.join().expect("no stack overflow");
    assert!(err.to_lowercase().contains("nest") || err.to_lowercase().contains("depth"), "{err}");
}

#[test]
fn deep_block_nesting_is_refused_without_overflow() {
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut text = String::from("parameters:\n");
            for i in 0..10_000 {
                text.push_str(&" ".repeat(2 + i));
                text.push_str("k:\n");
            }
            errors_of(&text)
        })
        .expect("spawn");
    let err = h.join().expect("no stack overflow");
    assert!(err.to_lowercase().contains("nest") || err.to_lowercase().contains("depth"), "{err}");
}

#[test]
fn oversized_file_is_refused_before_reading_it_all() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("big.yaml");
    let mut body = String::from("parameters:\n");
    while body.len() < 2 * 1024 * 1024 {
        body.push_str("  p_xxxxxxxxxxxxxxxxxxxxxx: \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"\n");
        let n = body.len();
        body.push_str(&format!("  q{n}: 1\n"));
    }
    std::fs::write(&p, &body).expect("write");
    let limits = Limits { max_bytes: 1024 * 1024, ..Limits::default() };
    let err = load_source(&p, &limits).expect_err("too large").to_string();
    assert!(err.contains("big.yaml") && err.to_lowercase().contains("large"), "{err}");
}

#[test]
fn unknown_fields_and_wrong_types_name_file_line_and_field() {
    let err = errors_of("hosts:\n  - name: a.example.com\n    hostgrop: Base\n  - name: [b]\n");
    assert!(err.contains("estate.yaml:3") && err.contains("hostgrop"), "{err}");
    assert!(err.contains("estate.yaml:4") && err.contains("name"), "{err}");
}

#[test]
fn all_errors_are_reported_in_one_load() {
    let err = errors_of(
        "environments: [production]\n\
hostgroups:\n  - {title: Web/Front}\n  - {title: DB, environment: staging}\n\
hosts:\n  - {name: a.example.com, hostgroup: Nope, puppetclasses: [nosuch]}\n",
    );
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 4, "four problems, four errors:\n{err}");
    assert!(err.contains("\"Web\""), "{err}");
    assert!(err.contains("staging"), "{err}");
    assert!(err.contains("Nope"), "{err}");
    assert!(err.contains("nosuch"), "{err}");
}

#[test]
fn unquoted_date_is_refused_like_puppet() {
    let err = errors_of("parameters:\n  born: 2001-01-01\n");
    assert!(err.contains("estate.yaml:2"), "{err}");
    assert!(err.contains("Date"), "{err}");
}

#[test]
fn duplicate_objects_across_files_name_both_files() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("a.yaml"), "hosts:\n  - name: x.example.com\n").expect("write");
    std::fs::write(d.path().join("b.yaml"), "\nhosts:\n  - name: x.example.com\n").expect("write");
    let err = load(d.path()).expect_err("duplicate").to_string();
    assert!(err.contains("a.yaml:2") && err.contains("b.yaml:3"), "{err}");
}

#[test]
fn cast_failures_and_bad_matchers_are_refused() {
    let err = errors_of(
        r#"
environments: [production]
parameters:
  - {name: port, value: "80x", parameter_type: integer}
puppetclasses:
  ntp:
    parameters:
      servers:
        parameter_type: array
        override: true
        default_value: "not an array"
        merge_default: true
        override_values:
          - {match: "colour=red", value: ["a"]}
          - {match: "hostgroup=", value: ["a"]}
          - {match: "fqdn=ghost.example.com", value: ["a"]}
"#,
    );
    for needle in [
        "port",
        "is invalid integer",
        "is invalid array",
        "merge_default",
        "does not exist in order",
        "is invalid",
        "ghost.example.com",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn hidden_values_never_appear_in_errors() {
    let err = errors_of(
        r#"
parameters:
  - {name: db_password, value: "s3cretvalue", parameter_type: integer, hidden_value: true}
"#,
    );
    assert!(err.contains("db_password"), "{err}");
    assert!(!err.contains("s3cretvalue"), "{err}");
}

// Issue 15: errors that say where and what, for someone writing an estate by hand.

#[test]
fn issue15_unclosed_quote_at_end_of_file_points_at_the_opening_quote() {
    // libyaml gives up at the end of the file; the cause is the quote on line 3.
    let err = errors_of("hostgroups:\n  - title: Base\n    environment: \"production\n  - title: Base/Web\n");
    assert_eq!(
        err,
        "estate.yaml:3:18: found unexpected end of stream while scanning a quoted scalar \
         (the string opened at line 3, column 18 is never closed)"
    );
}

#[test]
fn issue15_tab_in_indentation_is_named_with_its_column() {
    let err = errors_of("hostgroups:\n\t- title: Base\n");
    assert_eq!(
        err,
        "estate.yaml:2:1: found character that cannot start any token while scanning for the next token \
         (a tab character: YAML indents with spaces)"
    );
    let err = errors_of("hostgroups:\n  - title: Base\n  \tenvironment: production\n");
    assert_eq!(
        err,
        "estate.yaml:3:3: found a tab character that violates indentation while scanning a plain scalar \
         (a tab character: YAML indents with spaces)"
    );
}

#[test]
fn issue15_unquoted_date_says_how_to_quote_it() {
    let err = errors_of("hostgroups:\n  - title: Base\n    parameters:\n      since: 2024-01-31\n");
    assert_eq!(
        err,
        "estate.yaml:4:14: Tried to load unspecified class: Date (an unquoted date: write since: '2024-01-31')"
    );
    let err = errors_of("parameters: {maintenance: 2024-01-31 22:00:00}\n");
    assert_eq!(
        err,
        "estate.yaml:1:27: Tried to load unspecified class: Time \
         (an unquoted timestamp: write maintenance: '2024-01-31 22:00:00')"
    );
}

#[test]
fn issue15_syntax_error_hides_the_errors_that_follow_from_it() {
    // The host group file does not parse: its groups are missing to the hosts of another file,
    // which would each say so. Only the cause is shown, and how many errors were left out; an
    // independent error of another file is still shown.
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("groups.yaml"), "hostgroups:\n  - {title: Base\n").expect("write");
    let hosts: String = (1..=5).map(|i| format!("  - {{name: h{i}.example.com, hostgroup: Base}}\n")).collect();
    std::fs::write(d.path().join("hosts.yaml"), format!("hosts:\n{hosts}")).expect("write");
    std::fs::write(d.path().join("more.yaml"), "domains:\n  - {name: example.com, colour: red}\n").expect("write");
    let err = load(d.path()).expect_err("invalid").to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].contains("groups.yaml:3:1: did not find expected ',' or '}' while parsing a flow mapping"),
        "{err}"
    );
    assert!(lines[1].contains("more.yaml:2:25: domain: unknown field \"colour\""), "{err}");
    assert_eq!(lines[2], "5 further errors not shown: fix the syntax errors first", "{err}");
    // Without the syntax error, the same references are reported one by one.
    std::fs::write(d.path().join("groups.yaml"), "hostgroups:\n  - {title: Bsae}\n").expect("write");
    let err = load(d.path()).expect_err("invalid").to_string();
    assert_eq!(err.matches("host group \"Base\" does not exist").count(), 5, "{err}");
}

#[test]
fn issue15_unknown_host_group_suggests_the_closest_title() {
    let err = errors_of(
        "hostgroups: [{title: Base}, {title: Base/Web}]\nhosts:\n  - {name: a.example.com, hostgroup: Base/Wbe}\n",
    );
    assert_eq!(
        err,
        "estate.yaml:3: host a.example.com: host group \"Base/Wbe\" does not exist: did you mean \"Base/Web\"?"
    );
    // Nothing close: nothing suggested.
    let err = errors_of("hostgroups: [{title: Base}]\nhosts:\n  - {name: a.example.com, hostgroup: Frontend}\n");
    assert_eq!(err, "estate.yaml:3: host a.example.com: host group \"Frontend\" does not exist");
}

#[test]
fn issue15_unknown_field_suggests_the_closest_name() {
    let hosts = "name, certname, hostgroup, organization, location, domain, subnet, subnet6, operatingsystem, \
                 architecture, environment, puppetclasses, config_groups, parameters, comment, owner, root_pass, \
                 puppet_proxy, puppet_ca_proxy, interfaces, facts";
    let err = errors_of("hosts:\n  - name: a.example.com\n    host_group: Base\n");
    assert_eq!(
        err,
        format!(
            "estate.yaml:3:5: host: unknown field \"host_group\": did you mean \"hostgroup\"? (expected one of: {hosts})"
        )
    );
    let err = errors_of("hosts:\n  - name: a.example.com\n    enviroment: production\n");
    assert!(
        err.starts_with("estate.yaml:3:5: host: unknown field \"enviroment\": did you mean \"environment\"? ("),
        "{err}"
    );
    let err = errors_of("hostgroup:\n  - title: Base\n");
    assert!(
        err.starts_with("estate.yaml:1:1: estate file: unknown field \"hostgroup\": did you mean \"hostgroups\"? ("),
        "{err}"
    );
    let err = errors_of("hosts:\n  - name: a.example.com\n    colour: red\n");
    assert_eq!(err, format!("estate.yaml:3:5: host: unknown field \"colour\" (expected one of: {hosts})"));
}

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::classes::Catalog;
use super::rng::Rng;
use super::world::World;
use super::{GenOptions, HOSTS_PER_FILE, STREAM_MODEL, generate};

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_options_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let opts = GenOptions { hosts: 600, seed: 42 };
    let sa = generate(&opts, a.path()).unwrap();
    let sb = generate(&opts, b.path()).unwrap();
    assert_eq!(sa, sb);
    let (ta, tb) = (read_tree(a.path()), read_tree(b.path()));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{k} differs");
    }
    // Another seed gives another estate.
    let c = tempfile::tempdir().unwrap();
    generate(&GenOptions { hosts: 600, seed: 43 }, c.path()).unwrap();
    assert_ne!(read_tree(c.path())["puppetclasses.yaml"], ta["puppetclasses.yaml"]);
}

#[test]
fn summary_matches_what_was_written() {
    let d = tempfile::tempdir().unwrap();
    let s = generate(&GenOptions { hosts: 1000, seed: 7 }, d.path()).unwrap();
    let tree = read_tree(d.path());
    assert_eq!(s.files, tree.len());
    assert_eq!(s.bytes, tree.values().map(|v| v.len() as u64).sum::<u64>());
    assert_eq!(s.hosts, 1000);
    assert_eq!(tree.keys().filter(|k| k.starts_with("hosts")).count(), 1000usize.div_ceil(HOSTS_PER_FILE));
    assert!(tree.contains_key("hosts/hosts-0003.yaml"));
    for f in [
        "settings.yaml",
        "parameters.yaml",
        "organizations.yaml",
        "network.yaml",
        "operatingsystems.yaml",
        "puppetclasses.yaml",
        "hostgroups.yaml",
    ] {
        assert!(tree.contains_key(f), "{f}");
    }
    assert!(s.hostgroups >= 36, "{s:?}");
    assert_eq!(s.classes, 300);
    assert!(s.smart_parameters >= s.classes && s.smart_parameters <= 10 * s.classes, "{s:?}");
    assert!(s.override_values >= 1000, "{s:?}");
    // Counting the text agrees with the summary.
    let hosts: usize = tree.iter().filter(|(k, _)| k.starts_with("hosts")).map(|(_, v)| count(v, "\n  - name: ")).sum();
    assert_eq!(hosts, 1000);
    assert_eq!(count(&tree["hostgroups.yaml"], "\n  - title: "), s.hostgroups);
    assert_eq!(count(&tree["puppetclasses.yaml"], "- {match: "), s.override_values);
    assert_eq!(count(&tree["puppetclasses.yaml"], "        parameter_type: "), s.smart_parameters);
}

fn count(hay: &[u8], needle: &str) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle.as_bytes()).count()
}

#[test]
fn small_estates_scale_down() {
    let d = tempfile::tempdir().unwrap();
    let s = generate(&GenOptions { hosts: 10, seed: 1 }, d.path()).unwrap();
    assert_eq!(s.hosts, 10);
    assert_eq!(s.classes, 20);
    assert!(s.hostgroups >= 36);
    let s0 = generate(&GenOptions { hosts: 0, seed: 1 }, d.path()).unwrap();
    assert_eq!(s0.hosts, 0);
    // The stale host file of the previous run was removed.
    assert!(!d.path().join("hosts/hosts-0000.yaml").exists());
}

#[test]
fn size_scales_with_hosts() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let s200 = generate(&GenOptions { hosts: 200, seed: 3 }, a.path()).unwrap();
    let s400 = generate(&GenOptions { hosts: 400, seed: 3 }, b.path()).unwrap();
    let host_bytes = |dir: &Path| -> u64 {
        read_tree(dir).iter().filter(|(k, _)| k.starts_with("hosts")).map(|(_, v)| v.len() as u64).sum()
    };
    let (h200, h400) = (host_bytes(a.path()), host_bytes(b.path()));
    let per_host = h200 / 200;
    assert!((5_000..=8_000).contains(&per_host), "{per_host} bytes per host");
    let ratio = h400 as f64 / h200 as f64;
    assert!((1.85..=2.15).contains(&ratio), "ratio {ratio}");
    // Hosts are most of it.
    assert!(h200 * 10 > s200.bytes * 7, "{h200} of {}", s200.bytes);
    assert!(s400.bytes > s200.bytes);
}

/// Every matcher is valid per the spec: its attributes are a line of the key's order, and
/// fqdn/hostgroup/os/... values name things that exist.
#[test]
fn matchers_are_valid() {
    let mut rng = Rng::derive(9, STREAM_MODEL, 0);
    let mut cat = Catalog::names(&mut rng, 2000);
    let w = World::build(&mut rng, 2000, &cat);
    cat.fill_keys(&mut rng, &w);
    let hosts: HashSet<&str> = w.hosts.iter().map(|h| h.name.as_str()).collect();
    let groups: HashSet<&str> = w.hostgroups.iter().map(|g| g.title.as_str()).collect();
    let oses: HashSet<String> = w.oses.iter().map(|o| o.title()).collect();
    let mut kinds = BTreeMap::new();
    let mut fqdn_hosts = HashSet::new();
    for c in &cat.classes {
        for k in &c.keys {
            let lines = k.lines();
            let mut seen = HashSet::new();
            for v in &k.values {
                assert!(seen.insert(&v.matcher), "duplicate {}", v.matcher);
                assert!(v.omit || v.value.is_some());
                let pairs: Vec<(&str, &str)> = v.matcher.split(',').map(|p| p.split_once('=').unwrap()).collect();
                let attrs: Vec<&str> = pairs.iter().map(|p| p.0).collect();
                assert!(lines.contains(&attrs), "{} not in {:?}", v.matcher, lines);
                *kinds.entry(attrs.join(",")).or_insert(0) += 1;
                for (a, val) in pairs {
                    assert!(!val.is_empty() && !val.contains(','));
                    match a {
                        "fqdn" => {
                            assert!(hosts.contains(val), "{val}");
                            fqdn_hosts.insert(val);
                        }
                        "hostgroup" => assert!(groups.contains(val), "{val}"),
                        "os" => assert!(oses.contains(val), "{val}"),
                        "organization" => assert!(w.orgs.iter().any(|o| o.title == val)),
                        "location" => assert!(w.locs.iter().any(|o| o.title == val)),
                        "domain" => assert!(w.domains.iter().any(|o| o.name == val)),
                        "environment" => assert!(w.envs.contains(&val)),
                        _ => {}
                    }
                }
            }
        }
    }
    for kind in [
        "fqdn",
        "hostgroup",
        "os",
        "domain",
        "organization",
        "location",
        "environment",
        "domain,hostgroup",
        "hostgroup,organization",
        "organization,location",
        "os::family",
        "is_virtual",
        "virtual",
        "datacenter",
        "os::release::major",
        "tier",
    ] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind} matcher: {kinds:?}");
    }
    // ~5% of hosts have fqdn values.
    assert!((50..=150).contains(&fqdn_hosts.len()), "{}", fqdn_hosts.len());
    // Host groups: trees down to depth 5, parents before children, classes not repeated.
    assert!(w.hostgroups.iter().any(|g| g.depth == 5));
    for g in &w.hostgroups {
        if let Some(p) = g.parent {
            assert!(g.title.starts_with(&format!("{}/", w.hostgroups[p].title)));
        }
    }
}

/// Every file parses with the project's YAML parser, and every string is double-quoted: the only
/// plain scalars are identifier-like map keys, integers, reals with a dot, and booleans.
#[test]
fn output_parses_and_quotes_every_string() {
    use libyaml_safer::{EventData, Parser, ScalarStyle};
    let d = tempfile::tempdir().unwrap();
    generate(&GenOptions { hosts: 300, seed: 5 }, d.path()).unwrap();
    let plain_value = |s: &str| {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let t = s.strip_prefix('-').unwrap_or(s);
        s == "true" || s == "false" || digits(t) || t.split_once('.').is_some_and(|(a, b)| digits(a) && digits(b))
    };
    let plain_key = |s: &str| {
        s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !["y", "n", "yes", "no", "on", "off", "true", "false", "null"].contains(&s)
    };
    for (name, bytes) in read_tree(d.path()) {
        let text = std::str::from_utf8(&bytes).unwrap();
        // (in a mapping, next scalar is a key)
        let mut stack: Vec<(bool, bool)> = Vec::new();
        let mut scalars = 0;
        let mut parser = Parser::new();
        parser.set_input(text.as_bytes());
        for ev in parser {
            let ev = ev.unwrap_or_else(|e| panic!("{name}: {e}"));
            let span = ev.start_mark;
            let is_key = matches!(stack.last(), Some((true, true)));
            // Whether this event completes a key or a value of the enclosing mapping.
            let completes = match ev.data {
                EventData::Scalar { value: v, style, tag, .. } => {
                    scalars += 1;
                    assert!(tag.is_none(), "{name}: tag at {span:?}");
                    if style == ScalarStyle::Plain {
                        let ok = if is_key { plain_key(&v) } else { plain_value(&v) };
                        assert!(ok, "{name}: plain scalar {v:?} at {span:?}");
                    } else {
                        assert_eq!(style, ScalarStyle::DoubleQuoted, "{name}: {v:?}");
                    }
                    true
                }
                EventData::MappingStart { .. } => {
                    stack.push((true, true));
                    false
                }
                EventData::SequenceStart { .. } => {
                    stack.push((false, false));
                    false
                }
                EventData::MappingEnd | EventData::SequenceEnd => {
                    stack.pop();
                    true
                }
                EventData::Alias { .. } => panic!("{name}: alias"),
                _ => false,
            };
            if completes && let Some((true, expect_key)) = stack.last_mut() {
                *expect_key = !*expect_key;
            }
        }
        assert!(scalars > 10, "{name}");
    }
}

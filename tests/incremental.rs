//! Incremental versions of a compiled estate (`edit::patched`: [`Estate::with_host`],
//! [`Estate::with_facts`], `with_params`, `with_hostgroup`, `with_key`) against the full
//! compile: for random sequences of edits on generated estates (hosts, facts, parameter lists,
//! host groups, smart class parameters and override values), the incremental version (or,
//! where it declines, the full compile the server falls back to) renders every host
//! byte-identical to a from-scratch compile of the edited source, refuses exactly the edits the
//! full compile refuses, and changes no host outside the set the edit reaches.

use lamina_estate::PsychText;
use lamina_estate::edit::{self, Change, Op, ParamOwner};
use lamina_foreman::model::{EstateSource, ParamType, Parameter};
use lamina_foreman::{Estate, Map, Value, compile, resolve};
use lamina_yaml::to_yaml;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn render_all(e: &Estate) -> BTreeMap<String, String> {
    e.certnames()
        .iter()
        .map(|c| {
            let h = e.host(c).expect("listed host");
            let out = match resolve(e, h, false).and_then(|r| r.document()) {
                Ok(doc) => to_yaml(&doc.into_value()),
                Err(err) => format!("error: {err}"),
            };
            (c.clone(), out)
        })
        .collect()
}

/// One random host-level edit, described by numbers so that proptest can shrink it.
#[derive(Debug, Clone)]
struct EditSpec {
    kind: u8,
    host: usize,
    other: usize,
    n: i64,
}

fn edit_spec() -> impl Strategy<Value = EditSpec> {
    (0u8..24, 0usize..10_000, 0usize..10_000, -3i64..40).prop_map(|(kind, host, other, n)| EditSpec {
        kind,
        host,
        other,
        n,
    })
}

/// The op an edit spec stands for, on the current source.
fn op_of(src: &EstateSource, e: &EditSpec) -> Op {
    let h = &src.hosts[e.host % src.hosts.len()];
    let other = &src.hosts[e.other % src.hosts.len()];
    let param = |value: Value, t: Option<ParamType>| Parameter {
        name: format!("p{}", e.n.rem_euclid(3)),
        value,
        parameter_type: t,
        hidden_value: false,
        origin: h.origin.clone(),
    };
    match e.kind {
        0 => {
            // As an agent run: the same facts with a new uptime (no matcher reads it); or new facts.
            let mut facts = if e.n % 3 == 0 { (*h.facts).clone() } else { Map::new() };
            facts.insert("uptime_seconds".into(), Value::Int(e.n));
            if e.n % 3 == 0 {
                return Op::Facts(h.certname().to_string(), facts);
            }
            facts.insert("virtual".into(), Value::String(if e.n % 2 == 0 { "kvm" } else { "physical" }.into()));
            Op::Facts(h.certname().to_string(), facts)
        }
        // A typed parameter: a negative number is written as a word, which an integer refuses.
        1 => {
            let v = if e.n < 0 { Value::String("many".into()) } else { Value::String(e.n.to_string()) };
            Op::PutParam(ParamOwner::Host(h.name.clone()), param(v, Some(ParamType::Integer)))
        }
        2 => Op::DeleteParam(ParamOwner::Host(h.name.clone()), format!("p{}", e.n.rem_euclid(3))),
        // Move the host to another host's group and environment (a class of its own may not be
        // in that environment).
        3 => {
            let mut nh = h.clone();
            nh.hostgroup.clone_from(&other.hostgroup);
            nh.environment.clone_from(&other.environment);
            Op::PutHost(Box::new(nh))
        }
        // Take another host's certname (a duplicate unless it is the same host).
        4 => {
            let mut nh = h.clone();
            nh.certname = Some(other.certname().to_string());
            Op::PutHost(Box::new(nh))
        }
        5 => Op::DeleteHost(h.name.clone()),
        // A new host, like an existing one.
        6 => {
            let mut nh = h.clone();
            nh.name = format!("new{}.example.com", e.n.rem_euclid(5));
            nh.certname = None;
            Op::PutHost(Box::new(nh))
        }
        // A reference that does not exist.
        _ => {
            let mut nh = h.clone();
            nh.hostgroup = Some("no/such/group".into());
            Op::PutHost(Box::new(nh))
        }
    }
}

/// What the server does: the incremental version, else a full compile of the edited source.
fn apply_incremental(before: &Estate, change: &Change, src: &EstateSource) -> Option<Estate> {
    let fast = edit::patched(before, change, src);
    fast.or_else(|| compile(src.clone(), &PsychText).ok())
}

fn base() -> &'static (EstateSource, Estate) {
    estate_of(0)
}

/// The generated estates the property tests pick from (seeds and sizes differ), each built once.
const ESTATES: [(usize, u64); 3] = [(80, 7), (60, 11), (120, 23)];

fn estate_of(which: usize) -> &'static (EstateSource, Estate) {
    static B: [std::sync::OnceLock<(EstateSource, Estate)>; 3] =
        [std::sync::OnceLock::new(), std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    let (hosts, seed) = ESTATES[which % ESTATES.len()];
    B[which % ESTATES.len()].get_or_init(|| {
        let d = tempfile::tempdir().expect("tempdir");
        lamina_generate::generate(&lamina_generate::GenOptions { hosts, seed }, d.path()).expect("generate");
        let src = lamina_estate::load_source(d.path(), &lamina_yaml::Limits::default()).expect("loads");
        let e = compile(src.clone(), &PsychText).expect("compiles");
        (src, e)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn incremental_versions_equal_full_compiles(which in 0usize..3, edits in prop::collection::vec(edit_spec(), 1..6)) {
        let (src0, e0) = estate_of(which);
        let mut src = src0.clone();
        let mut estate = e0.clone();
        for spec in &edits {
            let before = render_all(&estate);
            let mut next_src = src.clone();
            let op = if spec.kind < 8 { Some(op_of(&src, spec)) } else { other_op(&src, spec) };
            let Some(op) = op else { continue };
            // An edit undone leaves the source as it was.
            let mut undone = src.clone();
            if let Ok((_, undo)) = edit::apply_undoable(&mut undone, op.clone()) {
                undo.undo(&mut undone);
                prop_assert!(undone == src, "undoing {:?} left the source changed", spec);
            }
            let Ok(change) = edit::apply(&mut next_src, op) else { continue };
            let full = compile(next_src.clone(), &PsychText);
            let inc = apply_incremental(&estate, &change, &next_src);
            // Refused exactly when the full compile refuses.
            prop_assert_eq!(inc.is_some(), full.is_ok(), "edit {:?}", spec);
            let (Some(inc), Ok(full)) = (inc, full) else { continue };
            let after = render_all(&inc);
            prop_assert_eq!(&after, &render_all(&full), "edit {:?}", spec);
            // Only the hosts the change reaches can differ (a host's change: that host, which
            // may have been renamed, added or removed).
            if let Some(reached) = edit::reached(&estate, &inc, &change) {
                for (c, doc) in &before {
                    if !reached.contains(c) {
                        prop_assert_eq!(Some(doc), after.get(c), "host {} changed by edit {:?}", c, spec);
                    }
                }
            }
            src = next_src;
            estate = inc;
        }
    }
}

/// One random change that is not a host's: a parameter of some owner, a host group, a smart
/// class parameter or one of its override values.
fn other_op(src: &EstateSource, e: &EditSpec) -> Option<Op> {
    let pick = |n: usize| e.other % n.max(1);
    // A negative number stands for a value its integer type refuses.
    let param = |name: &str| Parameter {
        name: name.to_string(),
        value: Value::String(if e.n < 0 { "many".into() } else { format!("{}", e.n) }),
        parameter_type: (e.n < 0 || e.n % 3 == 0).then_some(ParamType::Integer),
        hidden_value: false,
        origin: src.hosts[0].origin.clone(),
    };
    let p = param(&format!("q{}", e.n.rem_euclid(2)));
    Some(match e.kind % 8 {
        0 => Op::PutParam(ParamOwner::Global, p),
        1 => Op::PutParam(
            ParamOwner::Organization(src.organizations.get(pick(src.organizations.len()))?.title.clone()),
            p,
        ),
        2 => Op::PutParam(ParamOwner::Location(src.locations.get(pick(src.locations.len()))?.title.clone()), p),
        3 => Op::PutParam(ParamOwner::Domain(src.domains.get(pick(src.domains.len()))?.name.clone()), p),
        4 => Op::PutParam(ParamOwner::Os(src.operatingsystems.get(pick(src.operatingsystems.len()))?.title()), p),
        5 => {
            let g = src.hostgroups.get(pick(src.hostgroups.len()))?;
            let other = &src.hostgroups[e.host % src.hostgroups.len()];
            let mut g2 = g.clone();
            if e.kind >= 16 {
                // A new group (under an existing one, under a missing one, at the root), or one
                // removed (refused while it has hosts or children).
                return Some(match e.n.rem_euclid(4) {
                    0 => Op::DeleteHostgroup(g.title.clone()),
                    n => {
                        g2.title = match n {
                            1 => format!("{}/new{}", g.title, e.host),
                            2 => format!("no/such/parent/new{}", e.host),
                            _ => format!("new{}", e.host),
                        };
                        g2.puppetclasses.clone_from(&other.puppetclasses);
                        Op::PutHostgroup(Box::new(g2))
                    }
                });
            }
            match e.n.rem_euclid(4) {
                0 => return Some(Op::PutParam(ParamOwner::Hostgroup(g.title.clone()), p)),
                1 => g2.root_pass = Some(format!("$5$x${}", e.n)),
                // Another environment, none, or one that does not exist (the subtree's hosts
                // may have classes the new one lacks).
                2 => {
                    let envs: Vec<Option<String>> = src
                        .environments
                        .iter()
                        .map(|(n, _)| Some(n.clone()))
                        .chain([None, Some("no_such_env".to_string())])
                        .collect();
                    g2.environment.clone_from(&envs[e.host % envs.len()]);
                }
                _ => g2.puppetclasses.clone_from(&other.puppetclasses),
            }
            Op::PutHostgroup(Box::new(g2))
        }
        // A smart class parameter: an override value changed, added or removed; its default,
        // its order lines or its `override` flag changed (some of them invalid).
        _ => {
            let keys: Vec<(&str, &lamina_foreman::model::SmartParam)> = src
                .puppetclasses
                .iter()
                .flat_map(|c| c.parameters.iter().map(move |k| (c.name.as_str(), k)))
                .filter(|(_, k)| k.override_values.len() >= 2)
                .collect();
            let (class, k) = keys.get(pick(keys.len()))?;
            let (class, i) = ((*class).to_string(), e.host % k.override_values.len());
            let mut k2 = (*k).clone();
            match (e.kind >= 16, e.n.rem_euclid(6)) {
                (false, _) if e.kind % 8 == 6 => {
                    let mut v = k.override_values[i].clone();
                    v.value.clone_from(&k.override_values[(i + 1) % k.override_values.len()].value);
                    return Some(Op::PutOverride(class, k.key.clone(), v));
                }
                (false, _) => {
                    return Some(Op::DeleteOverride(class, k.key.clone(), k.override_values[i].match_.clone()));
                }
                // A new match: a host or host group that exists, one that does not, a fact.
                (true, 0..=2) => {
                    let mut v = k.override_values[i].clone();
                    let h = &src.hosts[e.other % src.hosts.len()];
                    let g = &src.hostgroups[e.other % src.hostgroups.len()];
                    v.match_ = match e.n.rem_euclid(3) {
                        0 => format!("fqdn={}", h.name),
                        1 => format!("hostgroup={}", g.title),
                        _ => "fqdn=no-such-host.example.com".to_string(),
                    };
                    return Some(Op::PutOverride(class, k.key.clone(), v));
                }
                // The default: another value's (maybe of a type the key refuses), or none.
                (true, 3) => k2.default_value = k.override_values[i].value.clone().filter(|_| e.n % 2 == 0),
                // Order lines: one dropped (values matching by it become invalid) or one added.
                (true, 4) => {
                    let mut lines = k.order.clone().unwrap_or_else(|| vec![vec!["fqdn".to_string()]]);
                    if e.n % 2 == 0 {
                        lines.pop();
                    } else {
                        lines.push(vec!["os::family".to_string(), "datacenter".to_string()]);
                    }
                    k2.order = Some(lines);
                }
                // The `override` flag turned; the key removed; a copy under a new name.
                _ => match e.host % 3 {
                    0 => k2.override_ = !k.override_,
                    1 => return Some(Op::DeleteKey(class, k.key.clone())),
                    _ => k2.key = format!("{}_copy", k.key),
                },
            }
            Op::PutKey(class, Box::new(k2))
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Every host outside the set a change reaches (`edit::reached`) renders byte-identical
    /// before and after it.
    #[test]
    fn hosts_outside_a_change_reach_do_not_change(which in 0usize..3, spec in edit_spec()) {
        let (src, before) = estate_of(which);
        let Some(op) = other_op(src, &spec) else { return Ok(()) };
        let mut next = src.clone();
        let Ok(change) = edit::apply(&mut next, op) else { return Ok(()) };
        let Ok(after) = compile(next, &PsychText) else { return Ok(()) };
        let (a, b) = (render_all(before), render_all(&after));
        match edit::reached(before, &after, &change) {
            None => {}
            Some(reached) => {
                for (c, doc) in &a {
                    if !reached.contains(c) {
                        prop_assert_eq!(Some(doc), b.get(c), "host {} changed by {:?}", c, change);
                    }
                }
            }
        }
    }
}

/// Every host group of the estate moved to every environment (none and a missing one
/// included): `with_hostgroup` (or the full compile it declines to) equals the full compile,
/// refusals included.
#[test]
fn host_group_environments_equal_full_compiles() {
    let (src, before) = base();
    let mut envs: Vec<Option<String>> = src.environments.iter().map(|(n, _)| Some(n.clone())).collect();
    envs.extend([None, Some("no_such_env".to_string())]);
    let mut fast = 0;
    for g in &src.hostgroups {
        for env in &envs {
            let mut g2 = g.clone();
            g2.environment.clone_from(env);
            let mut next = src.clone();
            let change = edit::apply(&mut next, Op::PutHostgroup(Box::new(g2))).expect("an existing group");
            let full = compile(next.clone(), &PsychText);
            let inc = before.with_hostgroup(
                &g.title,
                next.hostgroups.iter().find(|x| x.title == g.title).cloned().expect("group"),
                &PsychText,
            );
            fast += usize::from(inc.is_some());
            let inc = apply_incremental(before, &change, &next);
            assert_eq!(inc.is_some(), full.is_ok(), "{} to {env:?}", g.title);
            if let (Some(inc), Ok(full)) = (inc, full) {
                assert_eq!(render_all(&inc), render_all(&full), "{} to {env:?}", g.title);
            }
        }
    }
    assert!(fast > 0, "some moves are applied without a full compile");
}

/// An agent run's facts upload that changes only facts no order line reads (an uptime) reaches
/// no host, so the host keeps its version and its cached documents; one that changes a fact an
/// order line reads (`virtual`) reaches that host.
#[test]
fn volatile_facts_reach_no_host() {
    let (src, before) = base();
    let h = src.hosts.iter().find(|h| h.facts.contains_key("virtual")).expect("a host with a virtual fact");
    let certname = h.certname().to_string();
    let mut facts = (*h.facts).clone();
    facts.insert("uptime_seconds".into(), Value::Int(123_456_789));
    let reach = |facts: &Map| {
        let facts = std::sync::Arc::new(facts.clone());
        let change = Change::Facts(certname.clone(), std::sync::Arc::clone(&facts));
        let after = before.with_facts(before.host(&certname).expect("host"), facts);
        (edit::reached(before, &after, &change), render_all(&after)[&certname].clone())
    };
    let doc = render_all(before)[&certname].clone();
    assert_eq!(reach(&facts), (Some(Vec::new()), doc.clone()));
    facts.insert("virtual".into(), Value::String("some-other-hypervisor".into()));
    let (reached, _) = reach(&facts);
    assert_eq!(reached, Some(vec![certname]));
}

/// Writes to smart class parameters take the incremental path (`with_key`, `without_key`), not
/// the full compile: an override value's new value, a new `fqdn=` match, the `override` flag
/// turned off, a new key, a key removed; each renders every host as the full compile does.
#[test]
fn key_writes_are_incremental() {
    let (src, before) = base();
    let (class, k) = src
        .puppetclasses
        .iter()
        .flat_map(|c| c.parameters.iter().map(move |k| (c.name.clone(), k)))
        .find(|(_, k)| k.override_ && k.override_values.len() >= 2 && k.override_values.iter().all(|v| !v.omit))
        .expect("a key with two override values");
    let mut v = k.override_values[0].clone();
    v.value.clone_from(&k.override_values[1].value);
    let mut new_match = k.override_values[0].clone();
    new_match.match_ = format!("fqdn={}", src.hosts[3].name);
    let mut off = k.clone();
    off.override_ = false;
    let mut copy = k.clone();
    copy.key = format!("{}_copy", k.key);
    let (mut src, mut estate) = (src.clone(), before.clone());
    for op in [
        Op::PutOverride(class.clone(), k.key.clone(), v),
        Op::PutOverride(class.clone(), k.key.clone(), new_match),
        Op::PutKey(class.clone(), Box::new(off)),
        Op::PutKey(class.clone(), Box::new(copy.clone())),
        // The first key goes: the last one (the copy) takes its place.
        Op::DeleteKey(src.puppetclasses[0].name.clone(), src.puppetclasses[0].parameters[0].key.clone()),
        Op::DeleteKey(class.clone(), copy.key.clone()),
    ] {
        let change = edit::apply(&mut src, op.clone()).expect("a valid edit");
        estate = edit::patched(&estate, &change, &src).unwrap_or_else(|| panic!("{op:?} declined"));
        let full = compile(src.clone(), &PsychText).expect("compiles");
        assert_eq!(render_all(&estate), render_all(&full), "{op:?}");
    }
}

/// Host groups created and removed take the incremental path: a new group X, a new group Y,
/// a host moved into Y, then X removed (Y, the last group, takes X's slot and its host is
/// renumbered); each version renders every host as the full compile does. Removing a group
/// that still has hosts is refused, as the full compile refuses it.
#[test]
fn host_group_create_and_delete_are_incremental() {
    let (src0, e0) = base();
    let (mut src, mut estate) = (src0.clone(), e0.clone());
    let parent = src.hostgroups.iter().find(|g| g.environment.is_some()).expect("a group with an environment").clone();
    let group = |title: String| {
        let mut g = parent.clone();
        g.title = title;
        g.parameters.clear();
        Box::new(g)
    };
    let mut moved = src.hosts[5].clone();
    moved.hostgroup = Some(format!("{}/y", parent.title));
    let ops = [
        Op::PutHostgroup(group(format!("{}/x", parent.title))),
        Op::PutHostgroup(group(format!("{}/y", parent.title))),
        Op::PutHost(Box::new(moved)),
        Op::DeleteHostgroup(format!("{}/x", parent.title)),
    ];
    for op in ops {
        let change = edit::apply(&mut src, op.clone()).expect("a valid edit");
        estate = edit::patched(&estate, &change, &src).unwrap_or_else(|| panic!("{op:?} declined"));
        let full = compile(src.clone(), &PsychText).expect("compiles");
        assert_eq!(render_all(&estate), render_all(&full), "{op:?}");
    }
    let busy = format!("{}/y", parent.title);
    let change = edit::apply(&mut src, Op::DeleteHostgroup(busy.clone())).expect("the source edit");
    assert!(edit::patched(&estate, &change, &src).is_none(), "removing {busy} with a host in it");
    assert!(compile(src, &PsychText).is_err(), "the full compile refuses it too");
}

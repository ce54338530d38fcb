//! Hiera lookup benches on the fixture of `benches/hiera/gen_fixture.rb` (5 levels x 200 keys +
//! 100 merge keys): one engine built with the scope `lamina lookup --node n1.example.com --facts
//! FIXTURE/facts.yaml --hiera-config FIXTURE/hiera.yaml` builds, warmed once (data files parsed,
//! locations and `lookup_options` cached, as in Puppet's warm rate), then batches of lookups:
//! `first` = the 200 first-found keys of `queries_first.txt`, `merge` = the 50 deep + 50 unique
//! merges of `queries_merge.txt`, `mixed` = `queries_mixed.txt` (both kinds, as Puppet's
//! `mixed` set). Throughput is in lookups/s.
//!
//! `LAMINA_HIERA_BENCH_FIXTURE=DIR cargo bench -p lamina-benches --bench hiera` (without the
//! variable the fixture is generated with Ruby under `$CARGO_TARGET_DIR/hiera-bench/fixture`).
//! With `LAMINA_HIERA_BENCH_ITERS=N` (and `LAMINA_HIERA_BENCH_SET=first|merge|mixed`, or
//! `deep|unique` for the merge set's queries of one strategy) the bench binary answers the set N
//! times instead, for callgrind's load-independent counts.

use criterion::{Criterion, Throughput, criterion_group};
use lamina::{Environment, HieraLayers};
use lamina_hiera::{DeepOptions, Hiera, Query, Strategy};
use lamina_hiera_files::FileSource;
use lamina_value::{Data, DataMap};
use std::hint::black_box;
use std::path::{Path, PathBuf};

// The same allocator as the `lamina` binary, so figures match the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NODE: &str = "n1.example.com";

fn fixture() -> PathBuf {
    if let Some(d) = std::env::var_os("LAMINA_HIERA_BENCH_FIXTURE") {
        return PathBuf::from(d);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tgt = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let tgt = if tgt.is_absolute() { tgt } else { root.join(tgt) };
    let dir = tgt.join("hiera-bench/fixture");
    if !dir.join("queries_mixed.txt").is_file() {
        std::fs::create_dir_all(&dir).expect("create fixture dir");
        let ok = std::process::Command::new("ruby")
            .arg(root.join("benches/hiera/gen_fixture.rb"))
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ruby benches/hiera/gen_fixture.rb {} failed", dir.display());
    }
    dir
}

/// `KEY [--merge first|unique|hash|deep]` lines as `lamina lookup` reads them.
fn queries(path: &Path) -> Vec<Query> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace();
            let key = words.next().expect("a key").to_string();
            let merge = match (words.next(), words.next()) {
                (None, _) => None,
                (Some("--merge"), Some("first")) => Some(Strategy::First),
                (Some("--merge"), Some("unique")) => Some(Strategy::Unique),
                (Some("--merge"), Some("hash")) => Some(Strategy::Hash),
                (Some("--merge"), Some("deep")) => Some(Strategy::Deep(DeepOptions::default())),
                _ => panic!("unsupported query line {l:?}"),
            };
            Query { names: vec![key], merge, default: None, value_type: None }
        })
        .collect()
}

fn read_facts(path: &Path) -> DataMap {
    let text = std::fs::read_to_string(path).expect("read facts");
    let v = lamina_yaml::parse_facts(&text, &path.display().to_string(), &lamina_yaml::Limits::hiera())
        .expect("parse facts");
    match v {
        Some(Data::Hash(h)) => h,
        _ => panic!("facts are not a hash"),
    }
}

fn run_all(engine: &Hiera<'_>, qs: &[Query]) -> usize {
    let mut found = 0;
    for q in qs {
        if engine.query(black_box(q)).expect("lookup succeeds").is_some() {
            found += 1;
        }
    }
    found
}

/// `LAMINA_HIERA_BENCH_ITERS=N`: instead of criterion, answer each set N times and print the
/// counts — a fixed amount of work for `perf stat -e instructions` or callgrind, whose counts do
/// not depend on the load of a shared machine as timings do.
fn fixed_iterations(n: usize) {
    let (fix, scope) = setup();
    let layers = HieraLayers::load(&std::path::absolute(fix.join("hiera.yaml")).expect("absolute path"), None);
    let source = FileSource::new();
    let engine = Hiera::new(&layers.layers, &source, &scope);
    let set = std::env::var("LAMINA_HIERA_BENCH_SET").unwrap_or_else(|_| "first".into());
    // `deep` and `unique`: the merge set's queries of that strategy only.
    let qs = match set.as_str() {
        "deep" | "unique" => {
            let all = queries(&fix.join("queries_merge.txt"));
            all.into_iter().filter(|q| q.merge.as_ref().is_some_and(|m| m.name() == set)).collect()
        }
        _ => queries(&fix.join(format!("queries_{set}.txt"))),
    };
    let mut found = 0;
    for _ in 0..n {
        found += run_all(&engine, &qs);
    }
    println!("{set}: {found} lookups answered");
}

fn setup() -> (PathBuf, DataMap) {
    let fix = fixture();
    // The CLI's scope for `--node NODE --facts FILE` when NODE is not an estate host.
    let facts = read_facts(&fix.join("facts.yaml"));
    let scope = lamina::node_scope(None, Some(NODE), Some(facts), Environment::Named("production")).expect("scope");
    (fix, scope)
}

fn benches(c: &mut Criterion) {
    let (fix, scope) = setup();
    let global = std::path::absolute(fix.join("hiera.yaml")).expect("absolute path");
    let layers = HieraLayers::load(&global, None);
    assert!(layers.warnings.is_empty(), "hiera.yaml warnings: {:?}", layers.warnings);
    let source = FileSource::new();
    let engine = Hiera::new(&layers.layers, &source, &scope);
    let first = queries(&fix.join("queries_first.txt"));
    let merge = queries(&fix.join("queries_merge.txt"));
    let mixed = queries(&fix.join("queries_mixed.txt"));

    // Correctness, and warm caches: every query answered once before timing.
    assert_eq!(run_all(&engine, &first), first.len(), "every first-found key is found");
    assert_eq!(run_all(&engine, &merge), merge.len(), "every merge key is found");
    assert_eq!(run_all(&engine, &mixed), mixed.len(), "every mixed key is found");
    let probe = |key: &str, merge: Option<Strategy>| {
        engine.query(&Query { names: vec![key.into()], merge, default: None, value_type: None }).expect("ok")
    };
    assert_eq!(probe("mod0::key0", None), Some(Data::String("web-Debian-0".into())));
    assert_eq!(probe("mod1::key1", None), Some(Data::String("v1-1".into())));
    match probe("merge::a1", Some(Strategy::Unique)) {
        Some(Data::Array(a)) => {
            let got: Vec<&str> = a.iter().map(|v| if let Data::String(s) = v { s.as_str() } else { "?" }).collect();
            // `lamina lookup merge::a1 --merge unique --render-as json` (and puppet lookup)
            assert_eq!(got, ["e0", "common", "e1", "e2", "e3", "e4"]);
        }
        other => panic!("merge::a1: {other:?}"),
    }
    assert!(engine.warnings().is_empty(), "warnings: {:?}", engine.warnings());

    let mut g = c.benchmark_group("hiera");
    g.throughput(Throughput::Elements(first.len() as u64));
    g.bench_function("first_found_200", |b| b.iter(|| black_box(run_all(&engine, &first))));
    g.throughput(Throughput::Elements(merge.len() as u64));
    g.bench_function("merge_deep50_unique50", |b| b.iter(|| black_box(run_all(&engine, &merge))));
    g.throughput(Throughput::Elements(mixed.len() as u64));
    g.bench_function("mixed", |b| b.iter(|| black_box(run_all(&engine, &mixed))));
    g.finish();
}

criterion_group!(hiera_benches, benches);

fn main() {
    if let Some(n) = std::env::var("LAMINA_HIERA_BENCH_ITERS").ok().and_then(|n| n.parse().ok()) {
        fixed_iterations(n);
        return;
    }
    hiera_benches();
    Criterion::default().configure_from_args().final_summary();
}

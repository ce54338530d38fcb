//! YAML reading and writing against peers, on the shared bench corpus (the generated
//! 10,000-host estate).
//!
//! `cargo bench -p lamina-benches --bench yaml`
//!
//! - `read/*`: one 250-host file (~1.6 MB, mostly facts): libyaml's raw events (`libyaml-safer`,
//!   the floor of Lamina's reader, built on them), saphyr-parser's raw events (a peer parser),
//!   Lamina's Psych-compatible `parse_value` and `parse_node`, and serde-saphyr into a generic
//!   value (a peer that does not follow YAML 1.1).
//! - `write/*`: the ENC documents of 1,000 hosts: Lamina's YAML 1.1-safe emitter, serde-saphyr's
//!   emitter (which Psych misreads on some strings) and serde_json.
//! - `facts_upload/*`: one host's facts as a master uploads them (JSON, the generated estate's
//!   first host): the strict RFC 8259 reader a JSON body goes through (`parse_json_value_strict`)
//!   and serde_json into its own value.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lamina_benches::generated_estate;
use lamina_estate as estate;
use lamina_foreman::{Value, resolve};
use lamina_yaml::{Limits, parse_node, parse_value};
use std::hint::black_box;

// The same allocator as the `lamina` binary, so figures match the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn read(c: &mut Criterion) {
    let dir = generated_estate(10_000);
    let text = std::fs::read_to_string(dir.join("hosts/hosts-0000.yaml")).expect("hosts file");
    let limits = Limits::default();
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Bytes(text.len() as u64)).sample_size(20);
    g.bench_function(BenchmarkId::new("libyaml_events", "hosts-file"), |b| {
        b.iter(|| {
            let mut parser = libyaml_safer::Parser::new();
            parser.set_input(text.as_bytes());
            let mut n = 0usize;
            for ev in parser {
                ev.expect("event");
                n += 1;
            }
            black_box(n)
        });
    });
    g.bench_function(BenchmarkId::new("saphyr_parser_events", "hosts-file"), |b| {
        b.iter(|| {
            let mut n = 0usize;
            for ev in saphyr_parser::Parser::new_from_str(&text) {
                ev.expect("event");
                n += 1;
            }
            black_box(n)
        });
    });
    g.bench_function(BenchmarkId::new("lamina_parse_value", "hosts-file"), |b| {
        b.iter(|| black_box(parse_value(&text, "hosts.yaml", &limits).expect("parses")));
    });
    g.bench_function(BenchmarkId::new("lamina_parse_node", "hosts-file"), |b| {
        b.iter(|| black_box(parse_node(&text, "hosts.yaml", &limits).expect("parses")));
    });
    g.bench_function(BenchmarkId::new("serde_saphyr_generic", "hosts-file"), |b| {
        b.iter(|| black_box(serde_saphyr::from_str::<serde_json::Value>(&text).expect("parses")));
    });
    g.finish();
}

fn write(c: &mut Criterion) {
    let dir = generated_estate(10_000);
    let e = estate::load(&dir).expect("estate");
    let docs: Vec<Value> = e
        .certnames()
        .iter()
        .take(1000)
        .map(|n| {
            let r = resolve(&e, e.host(n).expect("host"), false).expect("resolves");
            r.document().expect("doc").into_value()
        })
        .collect();
    let mut g = c.benchmark_group("write");
    g.throughput(Throughput::Elements(docs.len() as u64)).sample_size(20);
    g.bench_function(BenchmarkId::new("lamina_yaml", "1000-docs"), |b| {
        let mut buf = String::new();
        b.iter(|| {
            buf.clear();
            for d in &docs {
                lamina_yaml::write_yaml(d, &mut buf);
            }
            black_box(buf.len())
        });
    });
    g.bench_function(BenchmarkId::new("serde_saphyr", "1000-docs"), |b| {
        b.iter(|| black_box(docs.iter().map(|d| serde_saphyr::to_string(d).expect("emits").len()).sum::<usize>()));
    });
    g.bench_function(BenchmarkId::new("serde_json", "1000-docs"), |b| {
        b.iter(|| black_box(docs.iter().map(|d| lamina_yaml::to_json(d).len()).sum::<usize>()));
    });
    g.finish();
}

fn facts_upload(c: &mut Criterion) {
    let dir = generated_estate(10_000);
    let e = estate::load(&dir).expect("generated estate");
    let first = e.certnames()[0].to_string();
    let idx = e.host(&first).expect("host");
    let facts = Value::Hash((*e.host_source(idx).facts).clone());
    let body = lamina_yaml::to_json(&facts);
    let limits = Limits::hiera();
    let mut g = c.benchmark_group("facts_upload");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function(BenchmarkId::new("lamina_json_strict", "one-host"), |b| {
        b.iter(|| black_box(lamina_yaml::parse_json_value_strict(&body, "body", &limits).expect("JSON")));
    });
    g.bench_function(BenchmarkId::new("serde_json_value", "one-host"), |b| {
        b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(&body).expect("JSON")));
    });
    g.finish();
}

criterion_group!(yaml_benches, read, write, facts_upload);
criterion_main!(yaml_benches);

//! ENC benches on a generated 10,000-host estate: one host's resolve (+ document), one host's
//! full ENC text, all hosts resolved and emitted in parallel, and the cold load.
//!
//! `cargo bench -p lamina-benches --bench enc`

use criterion::{Criterion, criterion_group, criterion_main};
use lamina_benches::generated_estate;
use lamina_estate as estate;
use lamina_foreman::resolve;
use rayon::prelude::*;
use std::hint::black_box;

// The same allocator as the `lamina` binary, so figures match the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Duration;

fn benches(c: &mut Criterion) {
    let dir = generated_estate(10_000);
    let e = estate::load(&dir).expect("estate loads");
    let names: Vec<&str> = e.certnames().iter().map(String::as_str).collect();
    let mid = e.host(names[names.len() / 2]).expect("host");

    let mut g = c.benchmark_group("enc/10k");
    g.bench_function("resolve_one_host", |b| {
        b.iter(|| black_box(resolve(&e, black_box(mid), false).expect("resolves")));
    });
    g.bench_function("resolve_document_emit_one_host", |b| {
        let mut buf = String::new();
        b.iter(|| {
            let r = resolve(&e, black_box(mid), false).expect("resolves");
            let doc = r.document().expect("document").into_value();
            buf.clear();
            lamina_yaml::write_yaml(&doc, &mut buf);
            black_box(buf.len())
        });
    });
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("render_all_hosts_parallel", |b| {
        b.iter(|| {
            let total: usize = names
                .par_iter()
                .map_init(String::new, |buf, n| {
                    let h = e.host(n).expect("host");
                    let r = resolve(&e, h, false).expect("resolves");
                    let doc = r.document().expect("document").into_value();
                    buf.clear();
                    lamina_yaml::write_yaml(&doc, buf);
                    buf.len()
                })
                .sum();
            black_box(total)
        });
    });
    g.bench_function("load_estate_cold", |b| {
        b.iter(|| black_box(estate::load(&dir).expect("loads").host_count()));
    });
    g.finish();
}

criterion_group!(enc_benches, benches);
criterion_main!(enc_benches);

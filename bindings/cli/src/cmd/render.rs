//! `lamina render`: every host, in parallel; failures are listed, the others still render.

use crate::cli::{EstateArg, RenderFormat};
use crate::failure::{Failure, Status};
use indicatif::{ProgressBar, ProgressStyle};
use lamina_foreman::Estate;
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

/// Render one host to text in `format`.
fn render_one(estate: &Estate, certname: &str, format: RenderFormat, buf: &mut String) -> Result<(), String> {
    let host = estate.host(certname).ok_or_else(|| format!("unknown host {certname}"))?;
    let doc = lamina::host_enc(estate, host).map_err(|e| e.to_string())?.into_value();
    match format {
        RenderFormat::Yaml => lamina_yaml::write_yaml(&doc, buf),
        RenderFormat::Json => {
            buf.push_str(&lamina_yaml::to_json_pretty(&doc));
            buf.push('\n');
        }
        RenderFormat::Jsonl => {
            buf.push_str("{\"certname\":");
            buf.push_str(&lamina_yaml::to_json(&lamina_foreman::Value::from(certname)));
            buf.push_str(",\"enc\":");
            buf.push_str(&lamina_yaml::to_json(&doc));
            buf.push_str("}\n");
        }
    }
    Ok(())
}

/// Write `text` to `path` through a temporary file and a rename: a reader never sees half a
/// document.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

pub(crate) fn run(arg: &EstateArg, out: Option<&str>, format: RenderFormat) -> Result<(), Failure> {
    let t0 = Instant::now();
    let opened = super::load(arg)?;
    let estate = opened.compiled();
    let loaded = t0.elapsed();
    let t1 = Instant::now();
    let names = &estate.certnames();
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(names.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} hosts {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    if format == RenderFormat::Jsonl && out.is_some_and(|d| d != "-") {
        return Err(Failure::invalid(
            "--format jsonl is one stream of every host: use --out - (yaml and json write one file per host)",
        ));
    }
    let dir = match out {
        Some(d) if d != "-" => {
            let p = Path::new(d);
            std::fs::create_dir_all(p).map_err(|e| Failure::invalid(format!("cannot create {d}: {e}")))?;
            Some(p)
        }
        _ => None,
    };
    let ext = match format {
        RenderFormat::Yaml => "yaml",
        RenderFormat::Json => "json",
        RenderFormat::Jsonl => "jsonl",
    };
    // Each host renders into its own buffer; with `-` the buffers are printed in certname order.
    let results: Vec<(usize, Result<String, String>)> = names
        .par_iter()
        .enumerate()
        .map_init(String::new, |buf, (i, name)| {
            buf.clear();
            let r = render_one(estate, name, format, buf).and_then(|()| {
                if let Some(d) = dir {
                    write_atomic(&d.join(format!("{name}.{ext}")), buf).map_err(|e| format!("cannot write: {e}"))?;
                    Ok(String::new())
                } else if out == Some("-") {
                    Ok(buf.clone())
                } else {
                    Ok(String::new())
                }
            });
            if let Some(b) = &bar {
                b.inc(1);
            }
            (i, r)
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rendered = t1.elapsed();
    let mut failures = 0usize;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    for (i, r) in &results {
        match r {
            Ok(text) => {
                if !text.is_empty() && stdout.write_all(text.as_bytes()).is_err() {
                    return Err(Failure::Reported(Status::Invalid));
                }
            }
            Err(e) => {
                failures += 1;
                let _ = writeln!(stderr, "failed: {}: {e}", names[*i]);
            }
        }
    }
    let _ = stdout.flush();
    let _ = writeln!(
        stderr,
        "rendered {} hosts, {failures} failed; load {:.3}s, resolve+emit {:.3}s, total {:.3}s",
        names.len() - failures,
        loaded.as_secs_f64(),
        rendered.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    // The process ends here: freeing the estate's millions of values would only cost time.
    std::mem::forget(results);
    std::mem::forget(opened);
    if failures > 0 { Err(Failure::Reported(Status::Invalid)) } else { Ok(()) }
}

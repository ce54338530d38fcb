//! `lamina migrate-check`: every smart class parameter the ENC sends, against what Hiera gives
//! the same host for `class::key` (the comparison is `lamina-migrate`'s; hosts are checked in
//! parallel, sharing the data files read). `lamina export-hiera`: the estate's smart class
//! parameters as a Hiera hierarchy and data files (`lamina_migrate::export`), written into a
//! new directory that appears whole or not at all.

use crate::cli::EstateArg;
use crate::failure::{Failure, Status};
use clap::ValueEnum;
use lamina::{FactsPolicy, HieraLayers};
use lamina_hiera::Layers;
use lamina_hiera_files::FileSource;
use lamina_migrate::{HostCheck, Report, check_host};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Output of `lamina migrate-check`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum ReportFormat {
    Text,
    Json,
    /// One static HTML page: summary, counts, per-host drill-down, search.
    Html,
}

#[derive(clap::Args, Debug)]
pub(crate) struct MigrateCheckArgs {
    #[command(flatten)]
    estate: EstateArg,
    /// The global hiera.yaml the hosts' lookups use.
    #[arg(long = "hiera-config", alias = "hiera_config")]
    hiera_config: PathBuf,
    /// Directory of environments: `DIR/ENV` (its hiera.yaml and modules) is the environment
    /// layer of the hosts in environment ENV.
    #[arg(long)]
    environmentpath: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

pub(crate) fn run(args: &MigrateCheckArgs) -> Result<(), Failure> {
    if !args.hiera_config.is_file() {
        return Err(Failure::invalid(format!("{}: no such hiera.yaml", args.hiera_config.display())));
    }
    // Every fact: hierarchies interpolate facts that no matcher names.
    let estate = super::load_with(&args.estate, FactsPolicy::All)?;
    let estate = estate.compiled();
    let global = std::path::absolute(&args.hiera_config).unwrap_or_else(|_| args.hiera_config.clone());
    let hosts: Vec<u32> = estate.certnames().iter().filter_map(|c| estate.host(c)).collect();
    // The layers of each environment the hosts are in (one set without --environmentpath),
    // each read once, their warnings printed once.
    let cache: Mutex<BTreeMap<String, Arc<Layers>>> = Mutex::default();
    let layers = |env: &str| -> Arc<Layers> {
        let env = if args.environmentpath.is_some() { env } else { "" };
        let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(env.to_string()).or_insert_with(|| {
            let dir = args.environmentpath.as_ref().map(|d| d.join(env)).filter(|d| d.is_dir());
            let loaded = HieraLayers::load(&global, dir.as_deref());
            for w in &loaded.warnings {
                eprintln!("Warning: {w}");
            }
            Arc::new(loaded.layers)
        }))
    };
    if let Some(Err(e)) = &layers("production").global {
        return Err(Failure::invalid(format!("{}: {}", args.hiera_config.display(), e.message)));
    }
    let source = FileSource::new();
    let checks: Vec<HostCheck> = hosts.par_iter().map(|&h| check_host(estate, h, &layers, &source)).collect();
    let report = Report::new(checks);
    match args.format {
        ReportFormat::Text => print!("{}", report.to_text()),
        ReportFormat::Json => println!("{}", lamina_yaml::to_json_pretty(&report.to_value())),
        ReportFormat::Html => {
            let data = super::html::data(&report.to_value())?;
            print!("{}", super::html::migrate(&data, &args.hiera_config.display().to_string()));
        }
    }
    if report.differs() { Err(Failure::Reported(Status::Differs)) } else { Ok(()) }
}

/// A host, what each of its order lines gives it, and its ENC document (when it resolves).
type PerHost = (u32, Result<Vec<lamina_foreman::LineValue>, String>, Option<lamina_foreman::EncDocument>);

#[derive(clap::Args, Debug)]
pub(crate) struct ExportHieraArgs {
    #[command(flatten)]
    estate: EstateArg,
    /// The directory to create: `hiera.yaml` and `data/`. It must not exist, or be empty.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn export(args: &ExportHieraArgs) -> Result<(), Failure> {
    let out = &args.out;
    super::fresh_dir(out)?;
    let estate = super::load_with(&args.estate, FactsPolicy::All)?;
    let estate = estate.compiled();
    let hosts: Vec<u32> = estate.certnames().iter().filter_map(|c| estate.host(c)).collect();
    // Each host's line values and ENC parameters, in parallel; the assembly is sequential.
    let per_host: Vec<PerHost> = hosts
        .par_iter()
        .map(|&h| {
            let doc = lamina_foreman::resolve(estate, h, false).and_then(|r| r.document());
            match doc {
                Ok(d) => (h, estate.line_values(h).map_err(|e| e.to_string()), Some(d)),
                Err(e) => (h, Err(e.to_string()), None),
            }
        })
        .collect();
    // Split without copying: the line values go to the export, the documents to its lookups.
    let (values, docs): (Vec<_>, std::collections::HashMap<u32, Option<lamina_foreman::EncDocument>>) =
        per_host.into_iter().map(|(h, v, d)| ((h, v), (h, d))).unzip();
    let exported = lamina_migrate::export(estate, &values, |h| {
        let src = estate.host_source(h);
        Some((src.certname(), docs.get(&h)?.as_ref()?, &*src.facts))
    });
    let levels = match &exported.config {
        lamina_foreman::Value::Hash(m) => match m.get("hierarchy") {
            Some(lamina_foreman::Value::Array(a)) => a.len(),
            _ => 0,
        },
        _ => 0,
    };
    let n_files = exported.files.len();
    let config = ("hiera.yaml".to_string(), lamina_yaml::to_yaml(&exported.config));
    let data = exported.files.into_iter().map(|(rel, map)| {
        (format!("{}/{rel}", lamina_migrate::DATADIR), lamina_yaml::to_yaml(&lamina_foreman::Value::Hash(map)))
    });
    super::write_whole(out, std::iter::once(config).chain(data))
        .map_err(|e| Failure::invalid(format!("cannot write {}: {e}", out.display())))?;
    for (key, note) in &exported.notes {
        eprintln!("note: {key}: {note}");
    }
    if !exported.hidden.is_empty() {
        eprintln!(
            "warning: {} hidden keys are written in clear ({}): encrypt them (hiera-eyaml) before committing",
            exported.hidden.len(),
            exported.hidden.join(", ")
        );
    }
    eprintln!(
        "wrote {}/hiera.yaml ({levels} levels) and {n_files} data files; {} notes",
        out.display(),
        exported.notes.len()
    );
    Ok(())
}

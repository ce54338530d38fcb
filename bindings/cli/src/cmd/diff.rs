//! `lamina diff`: what a change to the data does to every host's ENC document (the two
//! versions opened and rendered in parallel; the comparison is `lamina-diff`'s).

use crate::failure::{Failure, Status};
use clap::ValueEnum;
use lamina::{Estate, FactsPolicy, Source};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Output of `lamina diff`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum DiffFormat {
    Text,
    Json,
    /// One static HTML page: summary, counts, per-host drill-down, search.
    Html,
}

#[derive(clap::Args, Debug)]
pub(crate) struct DiffArgs {
    /// The data before: an estate file or directory, `git:REV:PATH` (PATH as of git revision
    /// REV, relative to the current directory), or a store URL.
    #[arg(long)]
    before: String,
    /// The data after, in the same forms.
    #[arg(long)]
    after: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
}

/// One side opened; a git revision is extracted into `_dir`, which lives as long as it.
struct Side {
    estate: Estate,
    _dir: Option<tempfile::TempDir>,
}

/// `git archive REV:./PATH | tar -x` into a temporary directory.
fn extract(rev: &str, path: &str) -> Result<(tempfile::TempDir, PathBuf), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let tree = format!("{rev}:./{}", path.trim_start_matches("./"));
    let mut git = Command::new("git")
        .args(["archive", "--format=tar", &tree])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let stdout = git.stdout.take().ok_or("git gave no output")?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dir.path())
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let out = git.wait_with_output().map_err(|e| format!("git failed: {e}"))?;
    if !out.status.success() {
        return Err(format!("git archive {tree}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    if !tar.status.success() {
        return Err(format!("cannot unpack {tree}: {}", String::from_utf8_lossy(&tar.stderr).trim()));
    }
    let root = dir.path().to_path_buf();
    Ok((dir, root))
}

fn open(text: &str) -> Result<Side, Failure> {
    let (source, dir) = match text.strip_prefix("git:") {
        Some(rest) => {
            let (rev, path) = rest
                .split_once(':')
                .ok_or_else(|| Failure::invalid(format!("{text}: a git source is git:REV:PATH")))?;
            let (dir, root) = extract(rev, path).map_err(Failure::invalid)?;
            (Source::Files(root), Some(dir))
        }
        None => (Source::parse(text), None),
    };
    let estate = Estate::open(source, FactsPolicy::Matchers)
        .map_err(|errs| Failure::Errors(errs, format!("{} is invalid", lamina::shown_url(text))))?;
    Ok(Side { estate, _dir: dir })
}

pub(crate) fn run(args: &DiffArgs) -> Result<(), Failure> {
    let (before, after) = rayon::join(|| open(&args.before), || open(&args.after));
    let (before, after) = (before?, after?);
    let (a, b) = (before.estate.compiled(), after.estate.compiled());
    let names: BTreeSet<&String> = a.certnames().iter().chain(b.certnames()).collect();
    let names: Vec<&String> = names.into_iter().collect();
    let hosts: Vec<lamina_diff::HostDiff> = names.par_iter().filter_map(|c| lamina_diff::host_diff(a, b, c)).collect();
    let report = lamina_diff::report(a, b, hosts, names.len());
    match args.format {
        DiffFormat::Text => print!("{}", report.to_text()),
        DiffFormat::Json => println!("{}", lamina_yaml::to_json_pretty(&report.to_value())),
        DiffFormat::Html => {
            let data = super::html::data(&report.to_value())?;
            print!("{}", super::html::diff(&data, &lamina::shown_url(&args.before), &lamina::shown_url(&args.after)));
        }
    }
    // As diff(1): 0 the same, 1 different, 2 trouble (a pipeline gate on a data repository).
    if report.changed() { Err(Failure::Reported(Status::Differs)) } else { Ok(()) }
}

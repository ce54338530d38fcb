//! The commands. Each returns a [`Failure`] on failure; `main` prints it and picks the exit
//! code.

pub(crate) mod client;
pub(crate) mod diff;
pub(crate) mod docs;
pub(crate) mod enc;
pub(crate) mod foreman;
pub(crate) mod html;
pub(crate) mod lookup;
pub(crate) mod migrate;
pub(crate) mod render;
pub(crate) mod serve;
pub(crate) mod store;

use crate::cli::EstateArg;
use crate::failure::{Failure, Status};
use lamina::{Estate, FactsPolicy, Source};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Refuses an output directory that exists with something in it: a command that writes a tree
/// never mixes it with older files.
pub(crate) fn fresh_dir(out: &Path) -> Result<(), Failure> {
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        return Err(Failure::invalid(format!("{}: exists and is not an empty directory", out.display())));
    }
    Ok(())
}

/// `files` (path relative to `out`, text) written into a sibling temporary directory, then
/// renamed to `out` (absent or empty): the tree appears whole or not at all.
pub(crate) fn write_whole(out: &Path, files: impl IntoIterator<Item = (String, String)>) -> std::io::Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new().prefix(".lamina-").tempdir_in(&parent)?;
    for (rel, text) in files {
        let path = tmp.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
    }
    if out.exists() {
        std::fs::remove_dir(out)?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, out).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&kept);
    })
}

/// The demo estate shipped in the repository.
pub(crate) fn demo_estate() -> PathBuf {
    clean_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/demo"))
}

/// What a command that falls back on the demo estate says (on stderr, or in `serve`'s log): an
/// operator who forgot `--estate` would otherwise get the demo's answers without knowing.
pub(crate) fn demo_warning(demo: &Path) -> String {
    format!(
        "no --estate or --store given: using the bundled demo estate ({}); pass --estate PATH or set LAMINA_ESTATE",
        demo.display()
    )
}

/// `lamina: warning: MESSAGE` on stderr (never stdout: Puppet reads the ENC there).
pub(crate) fn warn(message: &str) {
    eprintln!("lamina: warning: {message}");
}

/// A path as messages and `--explain` show it. One with `.` or `..` in it (the demo's
/// `bindings/cli/../../corpus/demo`, a user's `../estate`) is resolved, and shown relative to
/// the current directory when it lies inside it. Any other path is kept as given: resolving it
/// would replace a symlink the operator chose (`/etc/lamina/estate` pointing at a release) by its
/// target. A path that cannot be resolved (a missing one) is kept too: the loader reports it.
pub(crate) fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    if !path.components().any(|c| matches!(c, Component::CurDir | Component::ParentDir)) {
        return path.to_path_buf();
    }
    let Ok(real) = std::fs::canonicalize(path) else { return path.to_path_buf() };
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    match cwd.as_deref().map(|cwd| real.strip_prefix(cwd)) {
        Ok(Ok(rel)) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => real,
    }
}

/// Where the estate is: `--estate`, `$LAMINA_ESTATE`, then the bundled demo; with the warning
/// to give when it is the demo.
pub(crate) fn estate_path(arg: &EstateArg) -> Result<(PathBuf, Option<String>), Failure> {
    if let Some(p) = &arg.estate {
        return Ok((clean_path(p), None));
    }
    let demo = demo_estate();
    if demo.is_dir() {
        let warning = demo_warning(&demo);
        Ok((demo, Some(warning)))
    } else {
        Err(Failure::invalid("no estate given: pass --estate PATH or set LAMINA_ESTATE"))
    }
}

/// Load and compile the estate (`--store`, else `--estate`), every error reported on failure.
/// Estate files build only the facts matchers name: every command but `lookup` needs no other.
pub(crate) fn load(arg: &EstateArg) -> Result<Estate, Failure> {
    load_with(arg, FactsPolicy::Matchers)
}

/// [`load`] with the facts `policy` asks for.
pub(crate) fn load_with(arg: &EstateArg, policy: FactsPolicy) -> Result<Estate, Failure> {
    if let Some(url) = &arg.store {
        return Estate::open(Source::Store(url.clone()), policy)
            .map_err(|errs| Failure::Errors(errs, format!("cannot load the estate from {}", lamina::shown_url(url))));
    }
    let (path, warning) = estate_path(arg)?;
    if let Some(w) = warning {
        warn(&w);
    }
    Estate::open(Source::Files(path.clone()), policy)
        .map_err(|errs| Failure::Errors(errs, format!("{} is invalid", path.display())))
}

pub(crate) fn check(arg: &EstateArg) -> Result<(), Failure> {
    let t = Instant::now();
    let estate = load(arg)?;
    let s = estate.compiled().stats();
    // Keys Foreman sends as `true` when nothing matches (resolve.rs `default_value`): valid, and
    // almost never what the site meant.
    let quirks: Vec<String> = estate
        .compiled()
        .smart_keys()
        .iter()
        .filter(|k| lamina_foreman::nil_cast_quirk(k.param))
        .map(|k| format!("{}::{} ({})", k.class, k.param.key, k.param.parameter_type.name()))
        .collect();
    if !quirks.is_empty() {
        let shown = quirks.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
        let more = if quirks.len() > 20 { format!(" and {} more", quirks.len() - 20) } else { String::new() };
        eprintln!(
            "warning: {} smart class parameters have no default value: hosts that no override value matches get `true` for them, as Foreman sends it: {shown}{more}",
            quirks.len()
        );
    }
    // Every host renders, or the check fails: an estate Foreman would refuse to classify for
    // some host (ERB that cannot render, a merge of incompatible values) is not valid.
    let compiled = estate.compiled();
    let mut failed: Vec<(String, String)> = compiled
        .certnames()
        .par_iter()
        .filter_map(|name| {
            let host = compiled.host(name)?;
            lamina::host_enc(compiled, host).err().map(|e| (name.clone(), e.to_string()))
        })
        .collect();
    if !failed.is_empty() {
        failed.sort();
        for (_, e) in failed.iter().take(50) {
            eprintln!("error: {e}");
        }
        if failed.len() > 50 {
            eprintln!("error: ... and {} more hosts", failed.len() - 50);
        }
        return Err(Failure::Message(
            Status::Invalid,
            format!("{} of {} hosts cannot be rendered", failed.len(), s.hosts),
        ));
    }
    println!(
        "ok: {} hosts, {} host groups, {} classes, {} smart class parameters, {} override values, every host renders ({:.2}s)",
        s.hosts,
        s.hostgroups,
        s.classes,
        s.smart_class_parameters,
        s.override_values,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(crate) fn generate(hosts: usize, seed: u64, out: &Path) -> Result<(), Failure> {
    let t = Instant::now();
    let opts = lamina_generate::GenOptions { hosts, seed };
    let s = lamina_generate::generate(&opts, out)
        .map_err(|e| Failure::invalid(format!("cannot generate into {}: {e}", out.display())))?;
    eprintln!(
        "generated {} hosts, {} host groups, {} classes, {} smart class parameters, {} override values: {} files, {:.1} MB in {:.2}s",
        s.hosts,
        s.hostgroups,
        s.classes,
        s.smart_parameters,
        s.override_values,
        s.files,
        s.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

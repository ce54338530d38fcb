//! Loading an estate: one YAML file or a directory of them, per the estate format.
//!
//! Files are parsed in parallel (one task per file), converted to the resolver's input model
//! with every field checked (unknown fields, wrong types), then merged in sorted path order and
//! compiled; all errors of all files are reported together, each naming its file and line.
//! The accepted field names of every section are [`FIELDS`]; `docs/estate-format.md` documents
//! the format.
//!
//! ```
//! let estate = lamina_estate::load_str(
//!     "environments: [production]\n\
//!      puppetclasses:\n  motd: {parameters: {banner: {override: true, default_value: 'no'}}}\n\
//!      hosts:\n  - {name: web01.example.com, environment: production, puppetclasses: [motd]}\n",
//!     "estate.yaml",
//! )
//! .expect("valid estate");
//! let host = estate.host("web01.example.com").expect("known host");
//! let doc = lamina_foreman::resolve(&estate, host, false)?.document()?;
//! let motd = doc.classes.as_ref().and_then(|c| c.get("motd").cloned().flatten()).expect("motd");
//! assert_eq!(motd.get("banner"), Some(&lamina_value::Value::from("no")), "quoted, so a string");
//!
//! // Every error of every file at once, with its file and line.
//! let errs = lamina_estate::load_str("hosts:\n  - {name: a.example.com, hostgroup: Nope}\n", "bad.yaml")
//!     .expect_err("no such host group");
//! assert!(errs.to_string().starts_with("bad.yaml:2: host a.example.com:"), "{errs}");
//! # Ok::<(), lamina_foreman::Error>(())
//! ```

mod classes;
pub mod compare;
pub mod edit;
mod fields;
pub mod object;
mod reach;
mod schema;
mod shape;
pub mod write;

use fields::{Ctx, FileParts};
use lamina_foreman::TextParser;
use lamina_foreman::model::{EstateSource, Origin};
use lamina_foreman::{Error, ErrorKind, Errors};
use lamina_foreman::{Estate, Value, compile};
use lamina_yaml::{self as yaml, Limits, Node, NodeKind};
use rayon::prelude::*;
pub use schema::{FIELDS, fields_of};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Parses YAML/JSON text embedded in parameter values with Psych's rules.
#[derive(Debug, Default, Clone, Copy)]
pub struct PsychText;

impl TextParser for PsychText {
    fn yaml(&self, s: &str) -> Result<Value, Error> {
        yaml::parse_value(s, "<value>", &Limits::hiera())
            .map(|v| v.unwrap_or(Value::Null))
            .map_err(|e| Error::new(ErrorKind::Syntax, "", e.message.clone()).at_column(e.col).caused_by(e))
    }
    fn json(&self, s: &str) -> Result<Value, Error> {
        // Ruby's `JSON.load("")` is nil (`allow_blank`: the empty string only; blanks fail).
        if s.is_empty() {
            return Ok(Value::Null);
        }
        let v: serde_json::Value =
            serde_json::from_str(s).map_err(|e| Error::new(ErrorKind::Syntax, "", e.to_string()).caused_by(e))?;
        Ok(from_json(v))
    }
    fn shared(&self) -> Arc<dyn TextParser + Send + Sync> {
        Arc::new(PsychText)
    }
}

/// Convert a `serde_json` value.
#[must_use]
pub fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => {
            n.as_i64().map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int)
        }
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Hash(o.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

/// The estate files under `path` (a file, or a directory searched recursively for `*.yaml`
/// and `*.yml`, skipping its top-level `hiera/` directory), in sorted path order.
///
/// # Errors
/// When the path cannot be read.
pub fn estate_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |p: &Path, e: std::io::Error| {
        Error::new(ErrorKind::Io, p.display().to_string(), format!("cannot read: {e}")).caused_by(e)
    };
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    // Other files, for the message when there is no YAML file: how many, and a few names.
    let (mut others, mut other_names) = (0, Vec::new());
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
            let entry = entry.map_err(|e| io(&dir, e))?;
            let p = entry.path();
            let ft = entry.file_type().map_err(|e| io(&p, e))?;
            if ft.is_dir() {
                if dir == path && entry.file_name() == "hiera" {
                    continue;
                }
                stack.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            } else {
                others += 1;
                if other_names.len() < 3 {
                    other_names.push(p.strip_prefix(path).unwrap_or(&p).display().to_string());
                }
            }
        }
    }
    out.sort();
    if out.is_empty() {
        other_names.sort();
        return Err(shape::no_estate_files(path, &other_names, others));
    }
    Ok(out)
}

/// A file that cannot be read or parsed, at the problem's line and column.
fn yaml_error(file: &Arc<str>, e: yaml::YamlError) -> Error {
    let kind = match e.kind {
        yaml::YamlErrorKind::Io => ErrorKind::Io,
        _ => ErrorKind::Syntax,
    };
    let message = match &e.hint {
        Some(h) => format!("{} ({h})", e.message),
        None => e.message.clone(),
    };
    Error::new(kind, "", message).at(&Origin::new(file, e.line)).at_column(e.col).caused_by(e)
}

/// Parse one estate document (already read) into its parts.
fn parse_text(text: &str, file: &Arc<str>, limits: &Limits, skip: Option<yaml::Skip<'_>>) -> (FileParts, Vec<Error>) {
    let mut errs = Vec::new();
    let parsed = match skip {
        Some(skip) => yaml::parse_node_skipping(text, file, limits, skip),
        None => yaml::parse_node(text, file, limits),
    };
    let node = match parsed {
        Ok(n) => n,
        Err(e) => {
            errs.push(yaml_error(file, e));
            return (FileParts::unread(), errs);
        }
    };
    let mut ctx = Ctx { file: Arc::clone(file), errs: &mut errs };
    let parts = match node {
        None => FileParts::default(),
        Some(n) => ctx.file_parts(n),
    };
    (parts, errs)
}

/// Load an estate source (not compiled) from a file or directory.
///
/// # Errors
/// Every error of every file.
pub fn load_source(path: &Path, limits: &Limits) -> Result<EstateSource, Errors> {
    merge(read_files(path, limits, true)?)
}

/// Read and convert every estate file in parallel.
///
/// Host facts are most of an estate's bytes and resolution reads only the facts that matchers
/// name. So files are parsed in two waves: first those without a top-level `hosts:` section,
/// which tells which fact paths any order line uses; then the host files, building only those
/// facts (the others are read as parser events and dropped). When a host file also carries
/// `settings` or `puppetclasses`, every fact is kept.
fn read_files(path: &Path, limits: &Limits, all_facts: bool) -> Result<Vec<(FileParts, Vec<Error>)>, Errors> {
    let files = estate_files(path).map_err(|e| Errors(vec![e]))?;
    let texts: Vec<(Arc<str>, Result<String, Error>)> = files
        .par_iter()
        .map(|f| {
            let name: Arc<str> = Arc::from(f.display().to_string());
            let text = yaml::read_file_limited(f, limits).map_err(|e| yaml_error(&name, e));
            (name, text)
        })
        .collect();
    let has_hosts: Vec<bool> = texts.iter().map(|(_, t)| t.as_ref().is_ok_and(|t| top_key(t, "hosts"))).collect();
    let parse = |i: usize, skip: Option<yaml::Skip<'_>>| -> (FileParts, Vec<Error>) {
        match &texts[i] {
            (name, Ok(text)) => parse_text(text, name, limits, skip),
            (_, Err(e)) => (FileParts::unread(), vec![e.clone()]),
        }
    };
    let mut out: Vec<Option<(FileParts, Vec<Error>)>> = (0..texts.len()).map(|_| None).collect();
    let first: Vec<(usize, (FileParts, Vec<Error>))> =
        (0..texts.len()).into_par_iter().filter(|&i| !has_hosts[i]).map(|i| (i, parse(i, None))).collect();
    let mixed = texts
        .iter()
        .zip(&has_hosts)
        .any(|((_, t), &h)| h && t.as_ref().is_ok_and(|t| top_key(t, "settings") || top_key(t, "puppetclasses")));
    let needed: Option<Vec<Vec<String>>> = (!mixed && !all_facts).then(|| {
        let mut attrs = Vec::new();
        for (_, (parts, _)) in &first {
            parts.order_attributes(&mut attrs);
        }
        attrs.sort();
        attrs.dedup();
        attrs
            .into_iter()
            .filter(|a| !lamina_foreman::HOST_ATTRIBUTES.contains(&a.as_str()))
            .map(|a| a.split("::").map(str::to_string).collect())
            .collect()
    });
    let drop = |p: &[&str]| -> bool {
        let Some(needed) = &needed else { return false };
        if p.len() < 4 || p[0] != "hosts" || p[1] != "[]" || p[2] != "facts" {
            return false;
        }
        let rest = &p[3..];
        let literal = rest.len() == 1 && needed.iter().any(|n| n.len() > 1 && n.join("::") == rest[0]);
        let related = needed.iter().any(|n| {
            let k = n.len().min(rest.len());
            n[..k].iter().zip(&rest[..k]).all(|(a, b)| a == b)
        });
        !(literal || related)
    };
    let skip = yaml::Skip { min_depth: 4, drop: &drop };
    let second: Vec<(usize, (FileParts, Vec<Error>))> =
        (0..texts.len()).into_par_iter().filter(|&i| has_hosts[i]).map(|i| (i, parse(i, Some(skip)))).collect();
    for (i, r) in first.into_iter().chain(second) {
        out[i] = Some(r);
    }
    let out: Vec<(FileParts, Vec<Error>)> = out.into_iter().flatten().collect();
    if path.is_dir() {
        let shapes: Vec<(PathBuf, &shape::Shape)> =
            files.iter().cloned().zip(out.iter().map(|(parts, _)| &parts.shape)).collect();
        if let Some(e) = shape::not_an_estate(path, &shapes) {
            return Err(Errors(vec![e]));
        }
    }
    Ok(out)
}

/// True if `text` has a line starting with `key:` (a top-level mapping key), or may have one
/// in a form this quick test does not read (a flow-style document).
fn top_key(text: &str, key: &str) -> bool {
    let flow = text.trim_start().starts_with('{');
    flow || text.lines().any(|l| {
        let l = l.strip_prefix('"').or_else(|| l.strip_prefix('\'')).unwrap_or(l);
        l.strip_prefix(key).is_some_and(|r| {
            let r = r.strip_prefix('"').or_else(|| r.strip_prefix('\'')).unwrap_or(r);
            r.trim_start().starts_with(':')
        })
    })
}

/// Load an estate source from YAML text (one document), named `file` in messages.
///
/// # Errors
/// Every error found.
pub fn load_source_str(text: &str, file: &str, limits: &Limits) -> Result<EstateSource, Errors> {
    let name: Arc<str> = Arc::from(file);
    merge(vec![parse_text(text, &name, limits, None)])
}

/// Load an estate source from an already parsed YAML node (e.g. the `estate:` part of a
/// larger document), named `file` in messages.
///
/// # Errors
/// Every error found.
pub fn load_source_node(node: Node, file: &str) -> Result<EstateSource, Errors> {
    let name: Arc<str> = Arc::from(file);
    let mut errs = Vec::new();
    let mut ctx = Ctx { file: Arc::clone(&name), errs: &mut errs };
    let parts = ctx.file_parts(node);
    merge(vec![(parts, errs)])
}

fn merge(results: Vec<(FileParts, Vec<Error>)>) -> Result<EstateSource, Errors> {
    let merged = merge_partial(results);
    if merged.errs.is_empty() { Ok(merged.src) } else { Err(Errors(merged.errs)) }
}

/// The files of an estate merged: what was read, the errors of reading it, and whether some
/// file could not be read or parsed at all.
struct Merged {
    src: EstateSource,
    errs: Vec<Error>,
    unread: bool,
}

/// Merge file parts, keeping what was read even when there are errors (for
/// [`load_and_compile`]).
fn merge_partial(results: Vec<(FileParts, Vec<Error>)>) -> Merged {
    let mut errs = Vec::new();
    let mut src = EstateSource::default();
    let mut settings_seen: Vec<(String, Origin)> = Vec::new();
    let unread = results.iter().any(|(parts, _)| parts.unread);
    for (parts, file_errs) in results {
        errs.extend(file_errs);
        parts.merge_into(&mut src, &mut settings_seen, &mut errs);
    }
    Merged { src, errs, unread }
}

/// Compile what loaded, reporting the load errors together with the validation errors of
/// what could be read, so that one run shows every problem. Except when a file could not be
/// read or parsed: the objects it defines are missing, so references to them fail everywhere
/// (a broken host group file makes every host's `host group does not exist`), and those
/// errors would bury the one that matters. Then only the errors of reading the files are
/// shown (each file's own, which are independent of the others), and the count of the rest.
fn load_and_compile(merged: Merged) -> Result<Estate, Errors> {
    let Merged { src, mut errs, unread } = merged;
    if errs.is_empty() {
        return compile(src, &PsychText);
    }
    if let Err(more) = compile(src, &PsychText) {
        if unread {
            let n = more.0.len();
            let message =
                format!("{n} further error{} not shown: fix the syntax errors first", if n == 1 { "" } else { "s" });
            errs.push(Error::new(ErrorKind::Invalid, "", message));
        } else {
            errs.extend(more.0);
        }
    }
    Err(Errors(errs))
}

/// Load and compile an estate.
///
/// # Errors
/// Every load and validation error.
pub fn load(path: &Path) -> Result<Estate, Errors> {
    load_with(path, &LoadOptions::default())
}

/// How to load an estate.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Keep every fact of every host. By default only the facts that order lines name are
    /// built (all that ENC resolution reads); Hiera lookups, whose scope is all facts, need them all.
    pub all_facts: bool,
    /// Budgets for each file (default: [`Limits::default`]).
    pub limits: Limits,
}

/// Load and compile an estate with options.
///
/// # Errors
/// Every load and validation error.
pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Estate, Errors> {
    load_and_compile(merge_partial(read_files(path, &opts.limits, opts.all_facts)?))
}

/// Every fact of each host defined in one estate file, with the host's origin (file as given,
/// line) and certname. For a caller that loaded an estate without [`LoadOptions::all_facts`]
/// (only the matchers' facts) and later needs all of one host's facts: reading the host's file
/// again costs one file's parse instead of keeping every fact of every host in memory.
///
/// # Errors
/// When the file cannot be read or parsed, or holds invalid estate data.
pub fn host_facts(file: &Path, limits: &Limits) -> Result<Vec<(Origin, String, lamina_foreman::Map)>, Errors> {
    let name: Arc<str> = Arc::from(file.display().to_string());
    let text = yaml::read_file_limited(file, limits).map_err(|e| Errors(vec![yaml_error(&name, e)]))?;
    let src = merge(vec![parse_text(&text, &name, limits, None)])?;
    Ok(src
        .hosts
        .into_iter()
        .map(|h| (h.origin.clone(), h.certname().to_string(), Arc::unwrap_or_clone(h.facts)))
        .collect())
}

/// Load and compile an estate from YAML text.
///
/// # Errors
/// Every load and validation error.
pub fn load_str(text: &str, file: &str) -> Result<Estate, Errors> {
    let name: Arc<str> = Arc::from(file);
    load_and_compile(merge_partial(vec![parse_text(text, &name, &Limits::default(), None)]))
}

/// Convert a YAML node into a value: duplicate keys keep the first key's position and the last
/// value, as in a Ruby Hash; keys that are not strings become their Ruby `to_s`.
#[must_use]
pub fn node_to_value(node: Node) -> Value {
    into_value(node)
}

/// Convert a YAML node into a value, consuming it (no copy of large fact trees). Duplicate keys:
/// the last value wins at the first key's position, as in a Ruby Hash.
pub(crate) fn into_value(node: Node) -> Value {
    match node.kind {
        NodeKind::Scalar(v) => v,
        NodeKind::Seq(items) => Value::Array(items.into_iter().map(into_value).collect()),
        NodeKind::Map(pairs) => {
            let mut m = lamina_foreman::Map::with_capacity(pairs.len());
            for (k, v) in pairs {
                let key = match k.kind {
                    NodeKind::Scalar(Value::String(s)) => s,
                    NodeKind::Scalar(other) => other.to_ruby_s(),
                    other => into_value(Node { kind: other, mark: k.mark }).to_string(),
                };
                m.insert(key, into_value(v));
            }
            Value::Hash(m)
        }
    }
}

//! Telling an estate directory from a directory that is not one. Pointed at the wrong
//! directory (a repository's root, a Hiera data directory), the loader would report an
//! `unknown field` for every top-level key of every YAML file in it: hundreds of errors, none
//! of which says what is wrong. A directory most of whose YAML files have no estate section at
//! their top level is reported in one error instead, saying what an estate directory holds and
//! what was found.

use super::schema::fields_of;
use lamina_foreman::{Error, ErrorKind};
use lamina_yaml::{Node, NodeKind};
use std::path::{Path, PathBuf};

/// The top-level keys of an estate file.
const SECTIONS: &[&str] = fields_of("estate");

/// What an estate directory holds, for messages.
fn what_an_estate_holds() -> String {
    format!(
        "an estate directory holds YAML files (*.yaml, *.yml) whose top-level keys are estate sections ({}), \
         as docs/estate-format.md describes",
        SECTIONS.join(", ")
    )
}

/// What one file's top level looks like.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Empty, or not read (its own error says why): counts neither way.
    #[default]
    Unknown,
    /// A mapping with an estate section, or a near miss of one (a typo is reported as such).
    Estate,
    /// Anything else, described (`keys version, hierarchy`, `a list`).
    Foreign(String),
}

/// The shape of a file's document.
pub(crate) fn shape_of(node: &Node) -> Shape {
    let NodeKind::Map(pairs) = &node.kind else {
        return Shape::Foreign(match node.kind {
            NodeKind::Seq(_) => "a list".into(),
            _ => "a single value".into(),
        });
    };
    let keys: Vec<&str> = pairs
        .iter()
        .filter_map(|(k, _)| match &k.kind {
            NodeKind::Scalar(lamina_foreman::Value::String(s)) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let near = |k: &str| SECTIONS.contains(&k) || !lamina_foreman::closest(k, SECTIONS.iter().copied()).is_empty();
    if keys.iter().any(|k| near(k)) {
        return Shape::Estate;
    }
    let shown: Vec<&str> = keys.iter().copied().take(4).collect();
    let more = if keys.len() > shown.len() { ", ..." } else { "" };
    Shape::Foreign(if shown.is_empty() { "no keys".into() } else { format!("keys {}{more}", shown.join(", ")) })
}

/// One error when `dir` is not an estate directory: more of its YAML `files` are foreign than
/// estate files (files with an error of their own count neither way, so a broken estate file
/// is reported as it is). Names a few foreign files and the directories where estate files are.
pub(crate) fn not_an_estate(dir: &Path, files: &[(PathBuf, &Shape)]) -> Option<Error> {
    let rel = |p: &Path| p.strip_prefix(dir).unwrap_or(p).display().to_string();
    let foreign: Vec<(String, &str)> = files
        .iter()
        .filter_map(|(p, s)| match s {
            Shape::Foreign(what) => Some((rel(p), what.as_str())),
            _ => None,
        })
        .collect();
    let estate: Vec<&PathBuf> = files.iter().filter(|(_, s)| **s == Shape::Estate).map(|(p, _)| p).collect();
    if foreign.len() <= estate.len() {
        return None;
    }
    let examples: Vec<String> = foreign.iter().take(2).map(|(f, what)| format!("{f} has {what}")).collect();
    let mut dirs: Vec<(String, usize)> = Vec::new();
    for p in estate {
        let d = p.parent().map_or_else(String::new, rel);
        let d = if d.is_empty() { ".".to_string() } else { d };
        match dirs.iter_mut().find(|(x, _)| *x == d) {
            Some((_, n)) => *n += 1,
            None => dirs.push((d, 1)),
        }
    }
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let found = match dirs.as_slice() {
        [] => String::new(),
        _ => {
            let shown: Vec<String> = dirs.iter().take(3).map(|(d, n)| format!("{d} ({n})")).collect();
            format!("; files with estate sections are in {}", shown.join(", "))
        }
    };
    let message = format!(
        "not an estate directory: {} of its {} YAML files have no estate section at their top level ({}); {}{found}",
        foreign.len(),
        files.len(),
        examples.join("; "),
        what_an_estate_holds(),
    );
    Some(Error::new(ErrorKind::Usage, dir.display().to_string(), message))
}

/// The error for a directory without any YAML file, naming what it holds instead.
pub(crate) fn no_estate_files(dir: &Path, others: &[String], count: usize) -> Error {
    let found = match count {
        0 => "it holds no file at all".to_string(),
        _ => {
            let more = if count > others.len() { ", ..." } else { "" };
            let s = if count == 1 { "" } else { "s" };
            format!("it holds no *.yaml or *.yml file, only {count} other file{s} ({}{more})", others.join(", "))
        }
    };
    let message = format!("not an estate directory: {found}; {}", what_an_estate_holds());
    Error::new(ErrorKind::Usage, dir.display().to_string(), message)
}

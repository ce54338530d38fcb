//! Data files for the lookup engine: `yaml_data` (`functions/yaml_data.rb`) through the
//! Psych-compatible reader, `json_data` through [`crate::parse_json_bytes`] (the json gem's parser),
//! `hocon_data` (a subset), cached per process by (function, path) — Puppet caches per
//! environment and revalidates by inode/mtime/size; a `lamina lookup` process never sees a file
//! change.

use lamina_hiera::{DataSource, HieraError, Strict};
use lamina_value::{Data, DataMap, Key};
use lamina_yaml::{Limits, parse_data, read_bytes_limited, read_file_limited};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

type Cached = (Result<Option<Arc<DataMap>>, HieraError>, Vec<String>);

/// Reads data files from disk, each at most once.
#[derive(Debug, Default)]
pub struct FileSource {
    cache: Mutex<HashMap<(String, String), Cached>>,
    strict: Strict,
}

impl FileSource {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        FileSource::default()
    }

    /// An empty cache reading with Puppet's `strict` set to `strict`: with
    /// [`Strict::Error`] a YAML data file that is not a hash (and not empty) is an error
    /// (`yaml_data.rb`: raised when `Puppet[:strict] == :error && data != false`).
    #[must_use]
    pub fn with_strict(strict: Strict) -> Self {
        FileSource { strict, ..FileSource::default() }
    }
}

impl DataSource for FileSource {
    fn data(
        &self,
        function: &str,
        path: &str,
        warn: &mut dyn FnMut(String),
    ) -> Result<Option<Arc<DataMap>>, HieraError> {
        let key = (function.to_string(), path.to_string());
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let strict = self.strict;
        let (r, ws) = cache.entry(key).or_insert_with(|| read(function, path, strict));
        for w in ws.iter() {
            warn(w.clone());
        }
        r.clone()
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        glob(pattern)
    }
}

fn read(function: &str, path: &str, strict: Strict) -> Cached {
    let mut warnings = Vec::new();
    if !Path::new(path).is_file() {
        return (Ok(None), warnings);
    }
    let unable = |m: String| HieraError::data(path, format!("Unable to parse ({path}): {m}"));
    if function == "json_data" {
        // Raw bytes: Puppet reads the file as UTF-8 without checking it or stripping a BOM, and
        // the gem does not check either (a BOM is an unexpected token).
        let r = match read_bytes_limited(Path::new(path), &Limits::hiera()) {
            Err(e) => Err(unable(e.message)),
            Ok(bytes) => match super::json::parse_bytes(&bytes) {
                // json 2.7 (Puppet 8.10's) dropped the C source line (`859: `) from its messages.
                Err(e) if strict == Strict::Error => {
                    let m = e.message.split_once(": ").filter(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()));
                    Err(unable(m.map_or(e.message.clone(), |(_, rest)| rest.to_string())))
                }
                Err(e) => Err(unable(e.message)),
                Ok(Data::Hash(h)) => Ok(Some(Arc::new(h))),
                Ok(other) => Err(HieraError::plain(format!(
                    "Value returned from data_hash function 'json_data', when using location '{path}', has wrong type, expects a Hash value, got {}",
                    lamina_hiera::puppet_type_name(&other)
                ))),
            },
        };
        return (r, warnings);
    }
    let text = match read_file_limited(Path::new(path), &Limits::hiera()) {
        Ok(t) => t,
        // Puppet reads a YAML file into a string before Psych sees it; an undecodable one fails
        // in libyaml's reader, as Psych words it.
        Err(e) if function == "yaml_data" && e.psych.is_some() => {
            let msg = format!("Unable to parse {}", e.puppet_message(path));
            return (Err(HieraError::data(path, msg).caused_by(e)), warnings);
        }
        Err(e) => return (Err(unable(e.message)), warnings),
    };
    let r = match function {
        "yaml_data" => match parse_data(&text, path, &Limits::hiera()) {
            // `yaml_data.rb`: "Unable to parse #{YamlLoadError message}". Psych 5 (Puppet 8.10)
            // raises `AnchorNotDefined` where Psych 4 raised `BadAlias`.
            Err(e) => {
                let mut m = e.puppet_message(path);
                if strict == Strict::Error
                    && let Some(name) = m.strip_prefix("Unknown alias: ")
                {
                    m = format!("An alias referenced an unknown anchor: {name}");
                }
                Err(HieraError::data(path, format!("Unable to parse {m}")).caused_by(e))
            }
            Ok(Some(Data::Hash(h))) => Ok(Some(Arc::new(h))),
            // An empty or comments-only file is `false` to Psych, and Puppet turns a `nil` document
            // (`~`) into `false` too (`Puppet::Util::Yaml.safe_load`): only ever a warning.
            Ok(Some(data)) if strict == Strict::Error && !matches!(data, Data::Bool(false) | Data::Null) => {
                Err(HieraError::plain(format!("{path}: file does not contain a valid yaml hash")))
            }
            Ok(_) => {
                warnings.push(format!("{path}: file does not contain a valid yaml hash"));
                Ok(Some(Arc::new(DataMap::new())))
            }
        },
        "hocon_data" => match super::hocon::parse(&text) {
            // HOCON keys are strings, its numbers fit 64 bits.
            Ok(m) => Ok(Some(Arc::new(m.into_iter().map(|(k, v)| (Key::Str(k), Data::from(v))).collect()))),
            Err(e) => Err(unable(e)),
        },
        other => Err(HieraError::plain(format!(
            "Lamina does not implement the data_hash function '{other}' (location '{path}')"
        ))),
    };
    (r, warnings)
}

/// Ruby `Dir.glob` for an absolute pattern: `*`, `?`, `[...]`, `{a,b}` within a segment and
/// `**/` across directories; hidden entries only match a pattern starting with `.`; files
/// only (Puppet drops directories), sorted.
#[must_use]
pub fn glob(pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let segs: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let mut current = vec![if absolute { "/".to_string() } else { ".".to_string() }];
    for seg in &segs {
        let mut next = Vec::new();
        for dir in &current {
            if *seg == "**" {
                // Zero or more directories.
                let mut stack = vec![dir.clone()];
                while let Some(d) = stack.pop() {
                    next.push(d.clone());
                    for e in list(&d) {
                        let p = Path::new(&d).join(&e);
                        if !e.starts_with('.') && p.is_dir() {
                            stack.push(p.display().to_string());
                        }
                    }
                }
            } else if !seg.contains(['*', '?', '[', '{']) {
                let p = Path::new(dir).join(seg);
                if p.exists() {
                    next.push(p.display().to_string());
                }
            } else {
                for e in list(dir) {
                    if (!e.starts_with('.') || seg.starts_with('.')) && segment_match(seg, &e) {
                        next.push(Path::new(dir).join(&e).display().to_string());
                    }
                }
            }
        }
        current = next;
    }
    let mut files: Vec<String> = current.into_iter().filter(|p| Path::new(p).is_file()).collect();
    files.sort();
    files.dedup();
    files
}

fn list(dir: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// `{a,b}` alternatives expanded (one level, as hiera.yaml globs use them).
fn expand_braces(seg: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (seg.find('{'), seg.find('}')) else { return vec![seg.to_string()] };
    if close < open {
        return vec![seg.to_string()];
    }
    let (pre, post) = (&seg[..open], &seg[close + 1..]);
    seg[open + 1..close].split(',').flat_map(|alt| expand_braces(&format!("{pre}{alt}{post}"))).collect()
}

/// Matches one path segment against a pattern with `*`, `?`, `[...]`, `{a,b}`.
fn segment_match(pat: &str, name: &str) -> bool {
    expand_braces(pat).iter().any(|p| {
        let p: Vec<char> = p.chars().collect();
        let n: Vec<char> = name.chars().collect();
        wild(&p, &n)
    })
}

fn wild(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|i| wild(&p[1..], &n[i..])),
        Some('?') => !n.is_empty() && wild(&p[1..], &n[1..]),
        Some('[') => {
            let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|e| e + 1) else {
                return n.first() == Some(&'[') && wild(&p[1..], &n[1..]);
            };
            let Some(&c) = n.first() else { return false };
            let mut set = &p[1..end];
            let negate = matches!(set.first(), Some('^' | '!'));
            if negate {
                set = &set[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && wild(&p[end + 1..], &n[1..])
        }
        Some(&c) => n.first() == Some(&c) && wild(&p[1..], &n[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_segments() {
        assert!(segment_match("zz-*.yaml", "zz-1.yaml"));
        assert!(!segment_match("zz-*.yaml", "zz-1.json"));
        assert!(segment_match("{a,b}.yaml", "b.yaml"));
        assert!(segment_match("[0-9]?.y*", "1x.yaml"));
        assert!(!segment_match("[!0-9]*", "1x"));
    }

    #[test]
    fn glob_files_sorted() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b.yaml", "a.yaml", "c.json"] {
            std::fs::write(d.path().join(f), "x: 1\n").unwrap();
        }
        std::fs::create_dir(d.path().join("sub.yaml")).unwrap();
        let got = glob(&format!("{}/*.yaml", d.path().display()));
        let names: Vec<_> =
            got.iter().map(|p| Path::new(p).file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["a.yaml", "b.yaml"]);
    }
}

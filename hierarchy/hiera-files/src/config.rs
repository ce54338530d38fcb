//! `hiera.yaml` (version 5) into a [`Config`], validated as `hiera_config.rb` validates it:
//! the struct type check first (`validate_config`, `:696`; its errors are plain and get the
//! `Lookup of key 'lookup_options' failed:` prefix of the first lookup), then the issue-coded
//! hierarchy checks (`validate_hierarchy`, `:717`), then the function names.

use lamina_hiera::{Config, HieraError, Level, Locations, join_path};
use lamina_value::Value;
use lamina_yaml::{Limits, Node, NodeKind, parse_node, read_file_limited};
use std::path::Path;

/// Which layer a hiera.yaml belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// `--hiera_config`.
    Global,
    /// `<env>/hiera.yaml`.
    Environment,
    /// `<env>/modules/<m>/hiera.yaml`.
    Module,
}

/// The outcome of loading one hiera.yaml: `config` is `None` when the layer does not exist.
#[derive(Debug)]
pub struct LoadedConfig {
    /// The layer's configuration, or the error every lookup reaching it raises.
    pub config: Option<Result<Config, HieraError>>,
    /// Warnings (deprecated versions, a file that is not a hash).
    pub warnings: Vec<String>,
}

const FUNCTION_KEYS: [&str; 4] = ["data_hash", "lookup_key", "data_dig", "hiera3_backend"];
const LOCATION_KEYS: [&str; 7] = ["path", "paths", "glob", "globs", "uri", "uris", "mapped_paths"];
const DATA_HASH_FUNCTIONS: [&str; 3] = ["yaml_data", "json_data", "hocon_data"];

/// Loads and validates `path`.
#[must_use]
pub fn load_config(path: &Path, kind: LayerKind) -> LoadedConfig {
    let file = path.display().to_string();
    let dir = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
    let mut warnings = Vec::new();
    let v3 = |warnings: &mut Vec<String>| {
        // Hiera 3 configurations are accepted in the global layer only; Lamina reads no v3
        // backends, so the layer has no data (the oracle's v3 cases find nothing either).
        if kind == LayerKind::Global {
            warnings.push(format!(
                "{file}: Use of 'hiera.yaml' version 3 is deprecated. It should be converted to version 5"
            ));
            Some(Ok(Config { file: file.clone(), ..Config::default() }))
        } else {
            warnings.push(format!("{file}: hiera.yaml version 3 found in a non-global layer is ignored"));
            None
        }
    };
    if !path.is_file() {
        if kind != LayerKind::Global {
            return LoadedConfig { config: None, warnings };
        }
        // DEFAULT_CONFIG_HASH relative to the (missing) file's directory.
        let level = Level {
            name: "Common".into(),
            function: "yaml_data".into(),
            datadir: join_path(&dir, "data"),
            locations: Locations::Paths(vec!["common.yaml".into()]),
        };
        let cfg = Config { file, hierarchy: vec![level], default_hierarchy: vec![] };
        return LoadedConfig { config: Some(Ok(cfg)), warnings };
    }
    let node = read_file_limited(path, &Limits::hiera())
        .and_then(|text| parse_node(&text, &file, &Limits::hiera()))
        // `hiera_config.rb` lets `Puppet::Util::Yaml.safe_load`'s YamlLoadError through as it is.
        .map_err(|e| HieraError::plain(e.puppet_message(&file)).in_file(&file).caused_by(e));
    let node = match node {
        Err(e) => return LoadedConfig { config: Some(Err(e)), warnings },
        Ok(n) => n,
    };
    let Some(Node { kind: NodeKind::Map(pairs), .. }) = node else {
        warnings.push(format!(
            "{file}: File exists but does not contain a valid YAML hash. Falling back to Hiera version 3 default config"
        ));
        let config = v3(&mut warnings);
        return LoadedConfig { config, warnings };
    };
    let version = pairs.iter().find(|(k, _)| key_str(k) == Some("version")).map(|(_, v)| v.to_value());
    let config = match version {
        None => v3(&mut warnings),
        Some(Value::Int(5)) => Some(parse_v5(&pairs, &file, &dir, kind)),
        Some(Value::Int(4)) => {
            warnings.push(format!(
                "{file}: Use of 'hiera.yaml' version 4 is deprecated. It should be converted to version 5"
            ));
            Some(Err(if kind == LayerKind::Global {
                HieraError::coded(format!("hiera.yaml version 4 cannot be used in the global layer (file: {file})"))
            } else {
                HieraError::coded(format!("Lamina does not support hiera.yaml version 4 (file: {file})"))
            }))
        }
        Some(v) => Some(Err(HieraError::coded(format!(
            "This runtime does not support hiera.yaml version {} (file: {file})",
            v.to_ruby_s()
        )))),
    };
    // Every error of the configuration is about its file.
    let config = config.map(|c| c.map_err(|e| e.in_file(&file)));
    LoadedConfig { config, warnings }
}

fn key_str(n: &Node) -> Option<&str> {
    match &n.kind {
        NodeKind::Scalar(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn get<'n>(pairs: &'n [(Node, Node)], key: &str) -> Option<&'n Node> {
    pairs.iter().rev().find(|(k, _)| key_str(k) == Some(key)).map(|(_, v)| v)
}

fn type_name(n: &Node) -> &'static str {
    lamina_hiera::puppet_type_name(&lamina_value::Data::from(n.to_value()))
}

/// A checked hierarchy entry.
struct Entry<'n> {
    pairs: &'n [(Node, Node)],
    line: u32,
    name: String,
}

fn parse_v5(pairs: &[(Node, Node)], file: &str, dir: &str, kind: LayerKind) -> Result<Config, HieraError> {
    let wrong =
        |what: String| HieraError::plain(format!("The Lookup Configuration at '{file}' has wrong type, {what}"));
    for (k, _) in pairs {
        let k = key_str(k).unwrap_or("");
        if !["version", "defaults", "hierarchy", "default_hierarchy", "plan_hierarchy"].contains(&k) {
            return Err(wrong(format!("unrecognized key '{k}'")));
        }
    }
    let defaults = match get(pairs, "defaults") {
        None => None,
        Some(Node { kind: NodeKind::Map(d), .. }) => {
            for (k, v) in d {
                let k = key_str(k).unwrap_or("");
                match k {
                    "options" => {}
                    "datadir" | "data_hash" | "lookup_key" | "data_dig" | "hiera3_backend" => {
                        check_string1(v).map_err(|e| wrong(format!("entry 'defaults' entry '{k}' {e}")))?;
                    }
                    _ => return Err(wrong(format!("entry 'defaults' unrecognized key '{k}'"))),
                }
            }
            Some(d.as_slice())
        }
        Some(n) => return Err(wrong(format!("entry 'defaults' expects a Hash value, got {}", type_name(n)))),
    };
    let check_entries = |section: &str| -> Result<Option<Vec<Entry<'_>>>, HieraError> {
        let Some(h) = get(pairs, section) else { return Ok(None) };
        let NodeKind::Seq(items) = &h.kind else {
            return Err(wrong(format!("entry '{section}' expects an Array value, got {}", type_name(h))));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = |e: String| wrong(format!("entry '{section}' index {i} {e}"));
            let NodeKind::Map(ep) = &item.kind else {
                return Err(at(format!("expects a Hash value, got {}", type_name(item))));
            };
            for (k, v) in ep {
                let k = key_str(k).unwrap_or("");
                let r = match k {
                    "name" | "datadir" | "path" | "glob" | "uri" | "data_hash" | "lookup_key" | "data_dig"
                    | "hiera3_backend" => check_string1(v),
                    "paths" | "globs" | "uris" => check_strings(v, None),
                    "mapped_paths" => check_strings(v, Some(3)),
                    "options" => match &v.kind {
                        NodeKind::Map(_) => Ok(()),
                        _ => Err(format!("expects a Hash value, got {}", type_name(v))),
                    },
                    _ => return Err(at(format!("unrecognized key '{k}'"))),
                };
                r.map_err(|e| at(format!("entry '{k}' {e}")))?;
            }
            let Some(name) = get(ep, "name") else { return Err(at("expects a value for key 'name'".into())) };
            let line = name.mark.line;
            let name = key_str(name).unwrap_or_default().to_string();
            out.push(Entry { pairs: ep, line, name });
        }
        Ok(Some(out))
    };
    let hierarchy = check_entries("hierarchy")?;
    let default_hierarchy = check_entries("default_hierarchy")?;
    if kind != LayerKind::Module
        && let Some((k, _)) = pairs.iter().find(|(k, _)| key_str(k) == Some("default_hierarchy"))
    {
        return Err(HieraError::coded(format!(
            "'default_hierarchy' is only allowed in the module layer (file: {file}, line: {})",
            k.mark.line
        )));
    }
    let (def_datadir, def_function) = match defaults {
        None => (Some("data".to_string()), Some(("data_hash", "yaml_data".to_string()))),
        Some(d) => (
            get(d, "datadir").and_then(key_str).map(str::to_string),
            FUNCTION_KEYS.iter().find_map(|fk| get(d, fk).and_then(key_str).map(|f| (*fk, f.to_string()))),
        ),
    };
    let build = |entries: Vec<Entry<'_>>| -> Result<Vec<Level>, HieraError> {
        let mut seen: Vec<(String, u32)> = Vec::new();
        let mut levels = Vec::new();
        for e in entries {
            let coded = |m: String| HieraError::coded(format!("{m} (file: {file})"));
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == e.name) {
                return Err(HieraError::coded(format!(
                    "Hierarchy name '{}' defined more than once. First defined at (line: {first}) (file: {file}, line: {})",
                    e.name, e.line
                )));
            }
            seen.push((e.name.clone(), e.line));
            let fns: Vec<&str> = FUNCTION_KEYS.iter().copied().filter(|k| get(e.pairs, k).is_some()).collect();
            if fns.len() > 1 {
                return Err(coded(format!(
                    "Only one of data_hash, lookup_key, data_dig, or hiera3_backend can be defined in hierarchy '{}'",
                    e.name
                )));
            }
            let function = match fns.first() {
                Some(k) => (*k, get(e.pairs, k).and_then(key_str).unwrap_or_default().to_string()),
                None => def_function.clone().ok_or_else(|| {
                    coded(format!(
                        "One of data_hash, lookup_key, data_dig, or hiera3_backend must be defined in hierarchy '{}'",
                        e.name
                    ))
                })?,
            };
            let locs: Vec<&str> = LOCATION_KEYS.iter().copied().filter(|k| get(e.pairs, k).is_some()).collect();
            if locs.len() > 1 {
                return Err(coded(format!(
                    "Only one of path, paths, glob, globs, uri, uris, or mapped_paths can be defined in hierarchy '{}'",
                    e.name
                )));
            }
            if let Some(Node { kind: NodeKind::Map(opts), .. }) = get(e.pairs, "options") {
                for reserved in ["path", "uri"] {
                    if get(opts, reserved).is_some() {
                        return Err(coded(format!(
                            "Option key '{reserved}' used in hierarchy '{}' is reserved by Puppet",
                            e.name
                        )));
                    }
                }
            }
            let (fkind, fname) = function;
            if fkind != "data_hash" {
                return Err(coded(format!("Lamina supports only data_hash functions, not {fkind} '{fname}'")));
            }
            if !DATA_HASH_FUNCTIONS.contains(&fname.as_str()) {
                return Err(coded(format!("Unable to find 'data_hash' function named '{fname}'")));
            }
            // The built-in data_hash functions take `Struct[{path=>String[1]}]` as their options
            // (puppet `lib/puppet/functions/yaml_data.rb`, `json_data.rb`, `hocon_data.rb`), so
            // any option makes the call fail its signature — with this message, which Puppet's
            // dispatcher picks although it does not describe the cause.
            let options = match get(e.pairs, "options") {
                Some(o) => Some(o),
                None => defaults.and_then(|d| get(d, "options")),
            };
            if matches!(options.map(|o| &o.kind), Some(NodeKind::Map(m)) if !m.is_empty()) {
                return Err(coded(format!(
                    "'{fname}' one of 'path', 'paths' 'glob', 'globs' or 'mapped_paths' must be declared in hiera.yaml when using this data_hash function"
                )));
            }
            let strings = |k: &str| -> Vec<String> {
                match get(e.pairs, k).map(|n| &n.kind) {
                    Some(NodeKind::Seq(items)) => items.iter().filter_map(key_str).map(str::to_string).collect(),
                    Some(NodeKind::Scalar(Value::String(s))) => vec![s.clone()],
                    _ => vec![],
                }
            };
            let locations = match locs.first().copied() {
                None => Locations::None,
                Some("path" | "paths") => Locations::Paths(strings(locs[0])),
                Some("glob" | "globs") => Locations::Globs(strings(locs[0])),
                Some("mapped_paths") => {
                    let m = strings("mapped_paths");
                    Locations::Mapped { var: m[0].clone(), name: m[1].clone(), template: m[2].clone() }
                }
                Some(other) => return Err(coded(format!("Lamina does not support '{other}' locations"))),
            };
            let datadir = get(e.pairs, "datadir").and_then(key_str).map(str::to_string).or_else(|| def_datadir.clone());
            levels.push(Level {
                name: e.name,
                function: fname,
                datadir: join_path(dir, datadir.as_deref().unwrap_or("data")),
                locations,
            });
        }
        Ok(levels)
    };
    let hierarchy = match hierarchy {
        Some(entries) => build(entries)?,
        None => vec![Level {
            name: "Common".into(),
            function: def_function.clone().map_or_else(|| "yaml_data".into(), |f| f.1),
            datadir: join_path(dir, def_datadir.as_deref().unwrap_or("data")),
            locations: Locations::Paths(vec!["common.yaml".into()]),
        }],
    };
    let default_hierarchy = match default_hierarchy {
        Some(entries) => build(entries)?,
        None => vec![],
    };
    Ok(Config { file: file.to_string(), hierarchy, default_hierarchy })
}

fn check_string1(n: &Node) -> Result<(), String> {
    match &n.kind {
        NodeKind::Scalar(Value::String(s)) if s.is_empty() => Err("expects a String[1] value, got String".into()),
        NodeKind::Scalar(Value::String(_)) => Ok(()),
        _ => Err(format!("expects a String value, got {}", type_name(n))),
    }
}

fn check_strings(n: &Node, size: Option<usize>) -> Result<(), String> {
    let NodeKind::Seq(items) = &n.kind else {
        return Err(format!("expects an Array value, got {}", type_name(n)));
    };
    match size {
        Some(s) if items.len() != s => return Err(format!("expects size to be {s}, got {}", items.len())),
        None if items.is_empty() => return Err("expects size to be at least 1, got 0".into()),
        _ => {}
    }
    for (i, it) in items.iter().enumerate() {
        check_string1(it).map_err(|e| format!("index {i} {e}"))?;
    }
    Ok(())
}

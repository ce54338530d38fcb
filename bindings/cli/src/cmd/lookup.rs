//! `lamina lookup`: Hiera 5 lookups as `puppet lookup` does them (flags spelled as Puppet's).
//!
//! The scope: `--facts FILE` (YAML or JSON), or the facts of the estate host `--node` names,
//! plus its ENC parameters (which win over facts of the same name); facts are also top-scope
//! variables. Layers: `--hiera-config` (else the estate's `hiera/hiera.yaml`, else
//! `/etc/puppetlabs/puppet/hiera.yaml`) is the global layer; `--environmentpath DIR` with
//! `--environment ENV` makes `DIR/ENV` the environment layer (its `hiera.yaml`, `modules/`).

use crate::failure::{Failure, Status, print};
use lamina::{Environment, Estate, FactsPolicy, HieraLayers, MergeError, MergeOptions, Source};
use lamina_hiera::{self as hiera, Hiera, HieraError, PType, Query, Strategy};
use lamina_hiera_files::FileSource;
use lamina_value::{Data, DataMap, Key};
use std::path::{Path, PathBuf};

/// Arguments of `lamina lookup`.
#[derive(clap::Args, Debug)]
pub(crate) struct LookupArgs {
    /// Keys to look up; the first found wins.
    #[arg(required = true)]
    pub(crate) keys: Vec<String>,
    /// A host of the estate: its facts and ENC parameters are the scope, and
    /// `trusted.certname` is its certname (or this name if it is not in the estate).
    #[arg(long)]
    pub(crate) node: Option<String>,
    /// Facts file (YAML or JSON hash); overrides the estate host's facts.
    #[arg(long)]
    pub(crate) facts: Option<PathBuf>,
    /// The global hiera.yaml.
    #[arg(long = "hiera-config", alias = "hiera_config")]
    pub(crate) hiera_config: Option<PathBuf>,
    /// Environment name (`$environment`, and the directory under --environmentpath).
    #[arg(long, default_value = "production")]
    pub(crate) environment: String,
    /// Directory of environments: `DIR/ENV` is the environment layer.
    #[arg(long)]
    pub(crate) environmentpath: Option<PathBuf>,
    /// The environment directory itself (instead of --environmentpath/--environment).
    #[arg(long = "environment-dir")]
    pub(crate) environment_dir: Option<PathBuf>,
    /// Merge strategy: first, unique, hash or deep (overrides lookup_options).
    #[arg(long)]
    pub(crate) merge: Option<String>,
    /// Deep merge: knockout prefix.
    #[arg(long = "knock-out-prefix", alias = "knock_out_prefix", allow_hyphen_values = true)]
    pub(crate) knock_out_prefix: Option<String>,
    /// Deep merge: sort merged arrays.
    #[arg(long = "sort-merged-arrays", alias = "sort_merged_arrays")]
    pub(crate) sort_merged_arrays: bool,
    /// Deep merge: merge arrays of hashes index by index.
    #[arg(long = "merge-hash-arrays", alias = "merge_hash_arrays")]
    pub(crate) merge_hash_arrays: bool,
    /// Value when nothing is found (a String, as with puppet lookup).
    #[arg(long)]
    pub(crate) default: Option<String>,
    /// Expected type of the value (`Integer`, `Array[String]`, `Optional[Hash]`, ...).
    #[arg(long = "type")]
    pub(crate) value_type: Option<String>,
    /// Print how the value was found.
    #[arg(long)]
    pub(crate) explain: bool,
    /// Puppet's `strict` setting, and which Puppet to answer as: `error` (Puppet 8.10, the
    /// default: an undefined variable in a data value, or a YAML data file that is not a hash,
    /// is an error), `warning` (Puppet 7.23's answers: both warn), `off` (as warning, silent).
    #[arg(long, value_enum, default_value = "error")]
    pub(crate) strict: StrictArg,
    /// Output: s (Ruby to_s), json, yaml.
    #[arg(long = "render-as", alias = "render_as", default_value = "yaml")]
    pub(crate) render_as: String,
    /// Estate file or directory for --node [default: $LAMINA_ESTATE, then the demo estate when
    /// neither --facts nor --hiera-config is given]
    #[arg(long, env = "LAMINA_ESTATE", conflicts_with = "store")]
    pub(crate) estate: Option<PathBuf>,
    /// Read the --node host from a store instead (`sqlite://PATH` or `postgres://...`): only
    /// that host's rows are read.
    #[arg(long, env = "LAMINA_STORE")]
    pub(crate) store: Option<String>,
}

/// `--strict`.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub(crate) enum StrictArg {
    Error,
    Warning,
    Off,
}

impl From<StrictArg> for hiera::Strict {
    fn from(s: StrictArg) -> Self {
        match s {
            StrictArg::Error => hiera::Strict::Error,
            StrictArg::Warning => hiera::Strict::Warning,
            StrictArg::Off => hiera::Strict::Off,
        }
    }
}

pub(crate) fn run(args: &LookupArgs) -> Result<(), Failure> {
    let out = lookup(args).map_err(Failure::Lookup)?;
    print(out.as_bytes()).map_err(|_| Failure::Reported(Status::Lookup))
}

fn usage(msg: &str) -> String {
    format!("{msg}\nRun 'puppet lookup --help' for more details")
}

fn strategy(args: &LookupArgs) -> Result<Option<Strategy>, String> {
    let opts = MergeOptions::flags(
        args.merge.as_deref(),
        args.knock_out_prefix.as_deref(),
        args.sort_merged_arrays,
        args.merge_hash_arrays,
    );
    opts.strategy().map_err(|e| match e {
        MergeError::UnknownFlag(_) => usage("The --merge option only accepts 'first', 'hash', 'unique', or 'deep'"),
        MergeError::DeepOptionsWithoutDeep => usage(
            "The options --knock-out-prefix, --sort-merged-arrays, and --merge-hash-arrays are only available with '--merge deep'",
        ),
        MergeError::Invalid(m) => m,
    })
}

/// The rendered output (with `--explain`, the explanation then the value or the reason there is
/// none), or the reason there is no value: Puppet's not-found message, or the error.
fn lookup(args: &LookupArgs) -> Result<String, String> {
    let merge = strategy(args)?;
    if !["s", "json", "yaml"].contains(&args.render_as.as_str()) {
        return Err(format!("unknown --render-as {:?}: use s, json or yaml", args.render_as));
    }
    let value_type = args
        .value_type
        .as_deref()
        .map(|t| PType::parse_cli(t, args.strict.into()))
        .transpose()
        .map_err(|e| e.message)?;
    let estate_dir = estate_dir(args);
    let estate = node_estate(args, estate_dir.as_deref())?;
    let facts = args.facts.as_deref().map(read_facts).transpose()?;
    if let Some(node) = &args.node
        && facts.is_none()
        && estate.as_ref().is_none_or(|e| e.host(node).is_none())
    {
        eprintln!("Warning: {}", no_node_data(node, args, estate_dir.as_deref()));
    }
    let mut scope =
        lamina::node_scope(estate.as_ref(), args.node.as_deref(), facts, Environment::Named(&args.environment))
            .map_err(|e| e.to_string())?;
    lamina::add_server_facts(&mut scope, args.strict.into());
    let global = lamina::global_config(args.hiera_config.as_deref(), estate_dir.as_deref());
    let env_dir = match &args.environment_dir {
        Some(d) => Some(std::path::absolute(d).unwrap_or_else(|_| d.clone())),
        None => args.environmentpath.as_ref().map(|d| d.join(&args.environment)),
    }
    .filter(|d| d.is_dir());
    let layers = HieraLayers::load(&global, env_dir.as_deref());
    for w in &layers.warnings {
        eprintln!("Warning: {w}");
    }
    let source = FileSource::with_strict(args.strict.into());
    let mut engine = Hiera::new(&layers.layers, &source, &scope).with_strict(args.strict.into());
    if args.explain {
        engine = engine.with_explain();
    }
    let query = Query { names: args.keys.clone(), merge, default: args.default.clone().map(Data::String), value_type };
    let result = engine.query(&query);
    for w in engine.warnings() {
        eprintln!("Warning: {w}");
    }
    let explanation = args.explain.then(|| engine.explanation() + "\n");
    match result {
        Err(HieraError { message, .. }) => match explanation {
            // As Puppet's --explain: the tree, then the error text.
            Some(e) => Ok(format!("{e}{message}\n")),
            None => Err(message),
        },
        Ok(None) => {
            let msg = hiera::not_found_message(&args.keys);
            match explanation {
                Some(e) => Ok(format!("{e}{msg}\n")),
                None => Err(msg),
            }
        }
        Ok(Some(v)) => {
            let rendered = render(&v, &args.render_as)?;
            Ok(match explanation {
                Some(e) => format!("{e}{rendered}"),
                None => rendered,
            })
        }
    }
}

/// `--render-as`: `json` is what `puppet lookup --render-as json` prints (compact, Ruby's
/// float format, a trailing newline); `yaml` the YAML 1.1-safe emitter; `s` Ruby's `to_s`.
fn render(v: &Data, how: &str) -> Result<String, String> {
    Ok(match how {
        "json" => lamina_yaml::to_ruby_json(v).map_err(|e| e.message)? + "\n",
        "s" => hiera::to_s(v) + "\n",
        _ => lamina_yaml::to_yaml(&string_keys(v.clone())),
    })
}

/// The value with every key by its `to_s` (a later key with the same text replacing an earlier
/// one) and Symbols by their names; Integers beyond 64 bits stay Integers, which the emitter
/// writes as Psych does (`--- 123456789012345678901234567890`).
fn string_keys(v: Data) -> Data {
    match v {
        Data::Symbol(s) => Data::String(s),
        Data::Array(a) => Data::Array(a.into_iter().map(string_keys).collect()),
        Data::Hash(h) => {
            let mut out = DataMap::with_capacity(h.len());
            for (k, v) in h {
                let k = match k {
                    Key::Str(s) => Key::Str(s),
                    other => Key::Str(other.to_s().into_owned()),
                };
                out.insert(k, string_keys(v));
            }
            Data::Hash(out)
        }
        other => other,
    }
}

/// The estate giving `--node` its scope: `--estate`/`$LAMINA_ESTATE`; the bundled demo only when
/// the command names neither facts nor a hiera.yaml (then the estate is all there is), so that a
/// plain `lookup --facts F --hiera-config H` does not load an unrelated estate; with a warning,
/// as every command that falls back on it gives.
fn estate_dir(args: &LookupArgs) -> Option<PathBuf> {
    if let Some(p) = &args.estate {
        return Some(super::clean_path(p)).filter(|p| p.exists());
    }
    let fallback = args.facts.is_none() && args.hiera_config.is_none() && args.store.is_none();
    let demo = fallback.then(super::demo_estate).filter(|p| p.exists())?;
    // Said only when the demo gives something: the --node host, or a hiera.yaml.
    if args.node.is_some() || demo.join("hiera/hiera.yaml").is_file() {
        super::warn(&super::demo_warning(&demo));
    }
    Some(demo)
}

/// Why the `--node` host has only `trusted.certname` in its scope (no facts, no ENC
/// parameters): `puppet lookup --node` on a master warns likewise when it finds no facts for the
/// node, and a hierarchy path such as `os/%{facts.os.family}.yaml` then quietly names no file.
fn no_node_data(node: &str, args: &LookupArgs, estate_dir: Option<&Path>) -> String {
    let what = format!("{node}'s facts and ENC parameters are not in scope, only trusted.certname");
    match (&args.store, estate_dir) {
        (Some(url), _) => format!("{what}: the store {} has no host {node:?}", lamina::shown_url(url)),
        (None, Some(dir)) => format!("{what}: the estate {} has no host {node:?}", dir.display()),
        (None, None) => {
            format!("{what}: no estate was given (--estate DIR, --store URL or $LAMINA_ESTATE; or --facts FILE)")
        }
    }
}

/// The estate the `--node` host is read from, when there is one: only that host's rows from a
/// store; estate files with every fact (the host's are the scope).
fn node_estate(args: &LookupArgs, estate_dir: Option<&Path>) -> Result<Option<Estate>, String> {
    let Some(node) = &args.node else { return Ok(None) };
    let first = |errs: lamina_foreman::Errors| errs.0.first().map(ToString::to_string).unwrap_or_default();
    if let Some(url) = &args.store {
        return Estate::open_host(url, node).map_err(first);
    }
    let Some(path) = estate_dir else { return Ok(None) };
    Estate::open(Source::Files(path.to_path_buf()), FactsPolicy::All)
        .map(Some)
        .map_err(|errs| format!("{} is invalid: {}", path.display(), first(errs)))
}

fn read_facts(path: &Path) -> Result<DataMap, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read facts {}: {e}", path.display()))?;
    let name = path.display().to_string();
    let limits = lamina_yaml::Limits::hiera();
    let v = lamina_yaml::parse_facts(&text, &name, &limits).map_err(|e| format!("cannot parse facts: {e}"))?;
    match v {
        Some(Data::Hash(h)) => Ok(h),
        _ => Err(format!("the facts file {name} does not contain a hash")),
    }
}

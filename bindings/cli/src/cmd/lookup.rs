//! `lamina lookup`: Hiera 5 lookups as `puppet lookup` does them (flags spelled as Puppet's).
//!
//! The scope: `--facts FILE` (YAML or JSON), or the facts of the estate host `--node` names,
//! plus its ENC parameters (which win over facts of the same name); facts are also top-scope
//! variables. Layers: `--hiera-config` (else the estate's `hiera/hiera.yaml`, else
//! `/etc/puppetlabs/puppet/hiera.yaml`) is the global layer; `--environmentpath DIR` with
//! `--environment ENV` makes `DIR/ENV` the environment layer (its `hiera.yaml`, `modules/`).

use lamina_foreman::{Map, Value};
use lamina_hiera::options::{strategy_by_name, with_deep_flags};
use lamina_hiera::{self as hiera, Hiera, HieraError, PType, Query, Strategy};
use lamina_hiera_files::{FileSource, load_layers};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

pub(crate) fn run(args: &LookupArgs) -> ExitCode {
    match lookup(args) {
        Ok(Some(out)) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("Error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn usage(msg: &str) -> String {
    format!("{msg}\nRun 'puppet lookup --help' for more details")
}

fn strategy(args: &LookupArgs) -> Result<Option<Strategy>, String> {
    let merge = match args.merge.as_deref() {
        None => None,
        Some(m @ ("first" | "unique" | "hash" | "deep")) => Some(strategy_by_name(m).map_err(|e| e.message)?),
        Some(_) => return Err(usage("The --merge option only accepts 'first', 'hash', 'unique', or 'deep'")),
    };
    with_deep_flags(merge, args.knock_out_prefix.as_deref(), args.sort_merged_arrays, args.merge_hash_arrays).map_err(
        |_| {
            usage(
                "The options --knock-out-prefix, --sort-merged-arrays, and --merge-hash-arrays are only available with '--merge deep'",
            )
        },
    )
}

/// The rendered output, `None` when not found (message already printed).
fn lookup(args: &LookupArgs) -> Result<Option<String>, String> {
    let merge = strategy(args)?;
    if !["s", "json", "yaml"].contains(&args.render_as.as_str()) {
        return Err(format!("unknown --render-as {:?}: use s, json or yaml", args.render_as));
    }
    let value_type = args.value_type.as_deref().map(PType::parse_cli).transpose()?;
    let estate_dir = estate_dir(args);
    let (mut facts, params, certname) = estate_scope(args, estate_dir.as_deref())?;
    if let Some(f) = &args.facts {
        facts = read_facts(f)?;
    }
    let scope = lamina_hiera::top_scope(facts, params, certname, &args.environment);
    let global = args.hiera_config.clone().unwrap_or_else(|| {
        estate_dir
            .as_ref()
            .map(|d| d.join("hiera/hiera.yaml"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("/etc/puppetlabs/puppet/hiera.yaml"))
    });
    let global = std::path::absolute(&global).unwrap_or(global);
    let env_dir = match &args.environment_dir {
        Some(d) => Some(std::path::absolute(d).unwrap_or_else(|_| d.clone())),
        None => args.environmentpath.as_ref().map(|d| d.join(&args.environment)),
    }
    .filter(|d| d.is_dir());
    let (layers, warnings) = load_layers(&global, env_dir.as_deref());
    for w in &warnings {
        eprintln!("Warning: {w}");
    }
    let source = FileSource::new();
    let mut engine = Hiera::new(&layers, &source, &scope);
    if args.explain {
        engine = engine.with_explain();
    }
    let query = Query { names: args.keys.clone(), merge, default: args.default.clone().map(Value::String), value_type };
    // Rich: bignums and Integer keys as the data holds them (`render` prints them as Puppet).
    let result = engine.query_rich(&query);
    for w in engine.warnings() {
        eprintln!("Warning: {w}");
    }
    let explanation = args.explain.then(|| engine.explanation() + "\n");
    match result {
        Err(HieraError { message, .. }) => match explanation {
            // As Puppet's --explain: the tree, then the error text.
            Some(e) => Ok(Some(format!("{e}{message}\n"))),
            None => Err(message),
        },
        Ok(None) => {
            let msg = hiera::not_found_message(&args.keys);
            match explanation {
                Some(e) => Ok(Some(format!("{e}{msg}\n"))),
                None => {
                    eprintln!("Error: {msg}");
                    Ok(None)
                }
            }
        }
        Ok(Some(v)) => {
            let rendered = render(&v, &args.render_as)?;
            Ok(Some(match explanation {
                Some(e) => format!("{e}{rendered}"),
                None => rendered,
            }))
        }
    }
}

/// `--render-as`: `json` is what `puppet lookup --render-as json` prints (compact, Ruby's
/// float format, a trailing newline); `yaml` the YAML 1.1-safe emitter; `s` Ruby's `to_s`.
fn render(v: &Value, how: &str) -> Result<String, String> {
    Ok(match how {
        "json" => lamina_yaml::emit::to_ruby_json(v)? + "\n",
        "s" => hiera::interp::to_s(v) + "\n",
        _ => lamina_yaml::emit::to_yaml(&unmark_for_yaml(v.clone())),
    })
}

/// `rich::unmark`, except that bignums keep their mark: the emitter writes them as integers, as
/// Psych does (`--- 123456789012345678901234567890`).
fn unmark_for_yaml(v: Value) -> Value {
    match v {
        Value::String(_) if hiera::rich::as_bignum(&v).is_some() => v,
        Value::Array(a) => Value::Array(a.into_iter().map(unmark_for_yaml).collect()),
        Value::Hash(h) => Value::Hash(
            h.into_iter().map(|(k, v)| (hiera::rich::plain_key(&k).to_string(), unmark_for_yaml(v))).collect(),
        ),
        other => hiera::rich::unmark(other),
    }
}

/// The estate giving `--node` its scope: `--estate`/`$LAMINA_ESTATE`; the bundled demo only when
/// the command names neither facts nor a hiera.yaml (then the estate is all there is), so that a
/// plain `lookup --facts F --hiera-config H` does not load an unrelated estate.
fn estate_dir(args: &LookupArgs) -> Option<PathBuf> {
    let fallback = args.facts.is_none() && args.hiera_config.is_none() && args.store.is_none();
    args.estate.clone().or_else(|| fallback.then(super::demo_estate)).filter(|p| p.exists())
}

/// Facts, ENC parameters and certname of the `--node` host when the estate has it.
fn estate_scope(args: &LookupArgs, estate: Option<&Path>) -> Result<(Map, Map, Option<String>), String> {
    let Some(node) = &args.node else { return Ok((Map::new(), Map::new(), None)) };
    let first = |errs: lamina_foreman::Errors| errs.0.first().map(ToString::to_string).unwrap_or_default();
    let estate = if let Some(url) = &args.store {
        match lamina_store::load_host(url, node).map_err(first)? {
            Some(e) => e,
            None => return Ok((Map::new(), Map::new(), Some(node.clone()))),
        }
    } else {
        let Some(path) = estate else { return Ok((Map::new(), Map::new(), Some(node.clone()))) };
        let opts = lamina_estate::LoadOptions { all_facts: true, ..Default::default() };
        lamina_estate::load_with(path, &opts)
            .map_err(|errs| format!("{} is invalid: {}", path.display(), first(errs)))?
    };
    let Some(idx) = estate.host(node) else { return Ok((Map::new(), Map::new(), Some(node.clone()))) };
    let host = &estate.hosts[idx as usize].src;
    let doc = lamina_foreman::enc::document(
        &lamina_foreman::resolve::resolve(&estate, idx, false).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let params = match doc {
        Value::Hash(mut d) => match d.swap_remove("parameters") {
            Some(Value::Hash(p)) => p,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    Ok((host.facts.clone(), params, Some(host.certname().to_string())))
}

fn read_facts(path: &Path) -> Result<Map, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read facts {}: {e}", path.display()))?;
    let name = path.display().to_string();
    let limits = lamina_yaml::Limits::hiera();
    let v =
        lamina_yaml::parse_value_with_bignums(&text, &name, &limits).map_err(|e| format!("cannot parse facts: {e}"))?;
    match v {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(format!("the facts file {name} does not contain a hash")),
    }
}

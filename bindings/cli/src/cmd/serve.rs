//! `lamina serve`: the HTTP server (see the `lamina-server` crate for the API).

use crate::cli::EstateArg;
use crate::failure::Failure;
use std::path::PathBuf;

/// Arguments of `lamina serve`.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) estate: EstateArg,
    /// Address to listen on (`127.0.0.1:0` picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:7480")]
    pub(crate) listen: String,
    /// The global hiera.yaml for `/lookup` and `/hiera` [default: the estate's hiera/hiera.yaml]
    #[arg(long = "hiera-config", alias = "hiera_config")]
    pub(crate) hiera_config: Option<PathBuf>,
    /// Seconds between checks of the store for changes made by other servers or imports.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) refresh: f64,
    /// Bearer tokens, one per line: `reader TOKEN` or `writer TOKEN`.
    #[arg(long = "auth-token-file")]
    pub(crate) auth_token_file: Option<PathBuf>,
    /// Serve without tokens on a non-loopback address (the ENC carries secrets).
    #[arg(long = "insecure-no-auth")]
    pub(crate) insecure_no_auth: bool,
    /// Logs as JSON lines (default: text); the level comes from `LAMINA_LOG` (default `info`).
    #[arg(long = "log-json")]
    pub(crate) log_json: bool,
    /// The response cache's budget in MiB: rendered ENC documents, dropped exactly when a
    /// change touches their host (0 turns it off).
    #[arg(long = "cache-mib", default_value_t = 256)]
    pub(crate) cache_mib: u64,
    /// Puppet's `strict` for `/lookup` and `/hiera` (as `lamina lookup --strict`).
    #[arg(long, value_enum, default_value = "error")]
    pub(crate) strict: super::lookup::StrictArg,
}

pub(crate) fn run(args: &ServeArgs) -> Result<(), Failure> {
    let estate = match &args.estate.store {
        Some(_) => None,
        None => Some(super::estate_path(&args.estate)?),
    };
    if !(args.refresh.is_finite() && args.refresh > 0.0) {
        return Err(Failure::invalid("--refresh must be a positive number of seconds"));
    }
    let cfg = lamina_server::Config {
        store: args.estate.store.clone(),
        estate,
        hiera_config: args.hiera_config.clone(),
        listen: args.listen.clone(),
        refresh: std::time::Duration::from_secs_f64(args.refresh),
        auth_token_file: args.auth_token_file.clone(),
        insecure_no_auth: args.insecure_no_auth,
        log_json: args.log_json,
        cache_bytes: args.cache_mib.saturating_mul(1 << 20),
        strict: args.strict.into(),
    };
    Ok(lamina_server::run(&cfg)?)
}

//! `lamina serve`: the HTTP server (see the `lamina-server` crate for the API).

use crate::cli::EstateArg;
use crate::failure::Failure;
use std::path::PathBuf;

/// Arguments of `lamina serve`.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// A TOML file of settings: each key is a flag's long name (`listen = "0.0.0.0:7480"`,
    /// `tls-cert = "/etc/lamina/cert.pem"`, `insecure-no-auth = true`, `server-name = ["a",
    /// "b"]`); flags given on the command line override it.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
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
    /// Open connections at most; more are closed when accepted [default: the open-file limit
    /// less 64, between 16 and 4096].
    #[arg(long = "max-connections")]
    pub(crate) max_connections: Option<usize>,
    /// Seconds a client may take to send a request's headers.
    #[arg(long = "header-timeout", default_value_t = 10.0)]
    pub(crate) header_timeout: f64,
    /// Seconds without traffic after which a connection is closed.
    #[arg(long = "idle-timeout", default_value_t = 15.0)]
    pub(crate) idle_timeout: f64,
    /// Seconds a request may take, its body included (a trickled body gets 408).
    #[arg(long = "request-timeout", default_value_t = 60.0)]
    pub(crate) request_timeout: f64,
    /// A name clients reach this server by (`enc.example.com` or `enc.example.com:8443`),
    /// repeatable: the `Host` header must be one of them or the listen address. Without tokens
    /// the check is always on (a loopback server is otherwise reachable by DNS rebinding).
    #[arg(long = "server-name")]
    pub(crate) server_names: Vec<String>,
    /// The largest facts upload in bytes (413 beyond); real facts are tens to hundreds of KiB.
    #[arg(long = "max-facts-bytes", default_value_t = 2 << 20)]
    pub(crate) max_facts_bytes: usize,
    /// The deepest nesting of an uploaded facts document (422 beyond).
    #[arg(long = "max-facts-depth", default_value_t = 32)]
    pub(crate) max_facts_depth: usize,
    /// On SIGTERM, seconds to keep answering while `/readyz` says 503 (balancers stop sending),
    /// before closing; requests in flight then finish.
    #[arg(long = "drain-seconds", default_value_t = 5.0)]
    pub(crate) drain_seconds: f64,
    /// HTTPS: the server's certificate (PEM, leaf first; one Puppet's CA issued, or any).
    #[arg(long = "tls-cert", value_name = "FILE", requires_all = ["tls_key", "tls_client_ca"])]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long = "tls-key", value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// The CA bundle client certificates must chain to: Puppet's `ca.pem` (root and
    /// intermediate). A certificate's CN is its certname: a node reads only its own ENC and
    /// Hiera, compilers read any host, admins write.
    #[arg(long = "tls-client-ca", value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_client_ca: Option<PathBuf>,
    /// Puppet's CRL bundle (`crl.pem`), re-read when it changes: revoked certificates are refused.
    #[arg(long = "tls-crl", value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_crl: Option<PathBuf>,
    /// Certnames (one per line) that may read every host and upload any host's facts: the
    /// Puppet masters and compile servers.
    #[arg(long = "compilers", value_name = "FILE", requires = "tls_cert")]
    pub(crate) compilers: Option<PathBuf>,
    /// Certnames (one per line) that may write.
    #[arg(long = "admins", value_name = "FILE", requires = "tls_cert")]
    pub(crate) admins: Option<PathBuf>,
}

pub(crate) fn run(args: &ServeArgs) -> Result<(), Failure> {
    // The demo fallback is logged (at warn) once the server's logs are set up, so that it
    // reaches the same place as the rest, JSON lines included.
    let (estate, warnings) = match &args.estate.store {
        Some(_) => (None, Vec::new()),
        None => {
            let (path, warning) = super::estate_path(&args.estate)?;
            (Some(path), warning.into_iter().collect())
        }
    };
    let seconds = |v: f64, flag: &str| -> Result<std::time::Duration, Failure> {
        if v.is_finite() && v > 0.0 {
            Ok(std::time::Duration::from_secs_f64(v))
        } else {
            Err(Failure::invalid(format!("{flag} must be a positive number of seconds")))
        }
    };
    let refresh = seconds(args.refresh, "--refresh")?;
    if !args.listen.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok()) {
        return Err(Failure::invalid(format!(
            "--listen {}: expected HOST:PORT (127.0.0.1:7480, 0.0.0.0:7480, [::1]:7480)",
            args.listen
        )));
    }
    let bounds = lamina_server::conn::Bounds {
        max_connections: match args.max_connections {
            Some(0) => return Err(Failure::invalid("--max-connections must be at least 1")),
            Some(n) => n,
            None => lamina_server::conn::default_max_connections(),
        },
        header_read: seconds(args.header_timeout, "--header-timeout")?,
        idle: seconds(args.idle_timeout, "--idle-timeout")?,
        request: seconds(args.request_timeout, "--request-timeout")?,
    };
    let cfg = lamina_server::Config {
        store: args.estate.store.clone(),
        estate,
        hiera_config: args.hiera_config.clone(),
        listen: args.listen.clone(),
        refresh,
        auth_token_file: args.auth_token_file.clone(),
        insecure_no_auth: args.insecure_no_auth,
        log_json: args.log_json,
        cache_bytes: args.cache_mib.saturating_mul(1 << 20),
        strict: args.strict.into(),
        bounds,
        server_names: args.server_names.clone(),
        max_facts_bytes: args.max_facts_bytes,
        max_facts_depth: args.max_facts_depth,
        tls: match (&args.tls_cert, &args.tls_key, &args.tls_client_ca) {
            (Some(cert), Some(key), Some(ca)) => Some(lamina_server::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: ca.clone(),
                crl: args.tls_crl.clone(),
            }),
            _ => None,
        },
        compilers: args.compilers.clone(),
        admins: args.admins.clone(),
        warnings,
        drain: if args.drain_seconds.is_finite() && args.drain_seconds >= 0.0 {
            std::time::Duration::from_secs_f64(args.drain_seconds)
        } else {
            return Err(Failure::invalid("--drain-seconds must be 0 or more seconds"));
        },
    };
    Ok(lamina_server::run(&cfg)?)
}

/// `lamina serve --config FILE`: the file's settings as flags, put before the command line's own
/// (which then override them: the command has `args_override_self`). Other commands pass
/// through.
///
/// # Errors
/// When the file cannot be read or parsed, or names a setting `serve` does not have.
pub(crate) fn with_config(args: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>, Failure> {
    use clap::CommandFactory as _;
    if args.get(1).and_then(|a| a.to_str()) != Some("serve") {
        return Ok(args);
    }
    let mut file: Option<PathBuf> = None;
    for (i, a) in args.iter().enumerate().skip(2) {
        let Some(a) = a.to_str() else { continue };
        if a == "--config" {
            file = args.get(i + 1).map(PathBuf::from);
        } else if let Some(f) = a.strip_prefix("--config=") {
            file = Some(PathBuf::from(f));
        }
    }
    let Some(file) = file else { return Ok(args) };
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| Failure::invalid(format!("cannot read {shown}: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Failure::invalid(format!("{shown}: {e}")))?;
    let cmd = crate::cli::Cli::command();
    let serve = cmd.find_subcommand("serve").ok_or_else(|| Failure::invalid("no serve command"))?;
    let longs: Vec<String> = serve.get_arguments().filter_map(|a| a.get_long().map(str::to_string)).collect();
    let mut extra: Vec<std::ffi::OsString> = Vec::new();
    for (key, value) in &table {
        let flag = key.replace('_', "-");
        if flag == "config" || !longs.contains(&flag) {
            return Err(Failure::invalid(format!("{shown}: unknown setting {key:?} (settings are serve's flags)")));
        }
        let scalar = |v: &toml::Value| -> Result<String, Failure> {
            match v {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                toml::Value::Float(f) => Ok(f.to_string()),
                _ => Err(Failure::invalid(format!("{shown}: {key} must be a string or a number"))),
            }
        };
        match value {
            toml::Value::Boolean(true) => extra.push(format!("--{flag}").into()),
            toml::Value::Boolean(false) => {}
            toml::Value::Array(items) => {
                for v in items {
                    extra.push(format!("--{flag}").into());
                    extra.push(scalar(v)?.into());
                }
            }
            v => {
                extra.push(format!("--{flag}").into());
                extra.push(scalar(v)?.into());
            }
        }
    }
    let mut out = args[..2].to_vec();
    out.extend(extra);
    out.extend_from_slice(&args[2..]);
    Ok(out)
}

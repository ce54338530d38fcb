//! `lamina foreman pull`: an estate read out of a running Foreman (`lamina_foreman_api`), written
//! as estate files that appear whole or not at all; `--verify` compares every host's ENC as
//! Lamina renders it from those files with the ENC Foreman served.

use crate::failure::{Failure, Status};
use lamina::{Estate, FactsPolicy, Source};
use lamina_foreman_api::{Fetch, PullError};
use serde_json::Value as J;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `lamina foreman pull`.
#[derive(clap::Args, Debug)]
pub(crate) struct PullArgs {
    /// Foreman's URL (`https://foreman.example.com`).
    #[arg(long)]
    url: String,
    /// The API user.
    #[arg(long)]
    user: String,
    /// A file holding the user's password (first line).
    #[arg(long, conflicts_with = "token_file", required_unless_present = "token_file")]
    password_file: Option<PathBuf>,
    /// A file holding a personal access token (first line), sent as the password.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// PEM file of the CA that signed Foreman's certificate (else the system's roots).
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// The directory to create for the estate files; it must not exist, or be empty.
    #[arg(long, required_unless_present = "store", conflicts_with = "store")]
    out: Option<PathBuf>,
    /// Import the estate into this store instead (`sqlite://PATH` or `postgres://...`), in one
    /// transaction after it validated.
    #[arg(long)]
    store: Option<String>,
    /// Compare every host's ENC rendered from the written estate with Foreman's; exit 1 and
    /// list the hosts and keys that differ.
    #[arg(long)]
    verify: bool,
    /// With --store: replace writes made through the API since the store's last import (else
    /// the import is refused when there are any).
    #[arg(long, requires = "store")]
    force: bool,
    /// Seconds to wait for one answer.
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
}

/// Most a single answer may hold (a page of 1,000 hosts, a host's facts).
const MAX_BODY: u64 = 256 * 1024 * 1024;

struct Http {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

/// Base64 of `user:secret` for HTTP Basic (Foreman takes a personal access token as the
/// password: `app/models/user.rb` `try_to_login`).
fn basic(user: &str, secret: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{secret}").into_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4 + 6);
    out.push_str("Basic ");
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Fetch for Http {
    fn get(&self, path: &str) -> Result<J, PullError> {
        let url = format!("{}{path}", self.base);
        let mut resp = self
            .agent
            .get(&url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| PullError::new(path, e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| PullError::new(path, format!("reading the answer: {e}")))?;
        if !(200..300).contains(&status) {
            let why = match status {
                401 => "401: the user or password/token is wrong".to_string(),
                403 => "403: the user lacks a permission to view this".to_string(),
                s => format!("{s}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]).trim()),
            };
            return Err(PullError::new(path, why));
        }
        serde_json::from_slice(&body).map_err(|e| PullError::new(path, format!("not JSON: {e}")))
    }
}

fn secret(file: &Path) -> Result<String, Failure> {
    let text =
        std::fs::read_to_string(file).map_err(|e| Failure::invalid(format!("cannot read {}: {e}", file.display())))?;
    Ok(text.lines().next().unwrap_or_default().trim().to_string())
}

fn http(args: &PullArgs) -> Result<Http, Failure> {
    let pass = match (&args.password_file, &args.token_file) {
        (Some(f), _) | (None, Some(f)) => secret(f)?,
        (None, None) => return Err(Failure::invalid("give --password-file or --token-file")),
    };
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(ca) = &args.ca_file {
        let pem = std::fs::read(ca).map_err(|e| Failure::invalid(format!("cannot read {}: {e}", ca.display())))?;
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(Failure::invalid(format!("{}: no PEM certificate in it", ca.display())));
        }
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)));
    }
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Credentials are not sent to another host.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs_f64(args.timeout.max(0.1))))
        .user_agent(concat!("lamina/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .build()
        .into();
    Ok(Http { agent, base: args.url.trim_end_matches('/').to_string(), authorization: basic(&args.user, &pass) })
}

pub(crate) fn pull(args: &PullArgs) -> Result<(), Failure> {
    if let Some(out) = &args.out {
        super::fresh_dir(out)?;
    }
    let http = http(args)?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message("hosts");
        b
    });
    let progress = |_: &str, done: usize, of: usize| {
        if let Some(b) = &bar {
            b.set_length(of as u64);
            b.set_position(done as u64);
        }
    };
    let pulled =
        lamina_foreman_api::pull(&http, &progress).map_err(|e| Failure::invalid(format!("{}: {e}", args.url)))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let counts: Vec<String> = pulled.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    match (&args.out, &args.store) {
        (Some(out), _) => {
            write(out, &pulled.files).map_err(|e| Failure::invalid(format!("cannot write {}: {e}", out.display())))?;
            eprintln!("pulled {} into {}", counts.join(", "), out.display());
            if args.verify { verify(out, &pulled.encs) } else { Ok(()) }
        }
        (None, Some(url)) => {
            let tmp = tempfile::tempdir()
                .map_err(|e| Failure::invalid(format!("cannot create a temporary directory: {e}")))?;
            let dir = tmp.path().join("estate");
            write(&dir, &pulled.files).map_err(|e| Failure::invalid(format!("cannot write {}: {e}", dir.display())))?;
            let opts = lamina_store::ImportOptions { force: args.force, who: super::store::user() };
            let s = lamina_store::import_with(&dir, url, &opts)
                .map_err(|errs| Failure::Errors(errs, format!("nothing imported into {}", lamina::shown_url(url))))?;
            super::store::print_replaced(url, &s.replaced);
            eprintln!("pulled {} into {}", counts.join(", "), lamina::shown_url(url));
            if args.verify { verify(&dir, &pulled.encs) } else { Ok(()) }
        }
        (None, None) => Err(Failure::invalid("give --out DIR or --store URL")),
    }
}

/// The pulled files as YAML, written whole.
fn write(out: &Path, files: &[(String, lamina_foreman::Value)]) -> std::io::Result<()> {
    super::write_whole(out, files.iter().map(|(rel, doc)| (rel.clone(), lamina_yaml::to_yaml(doc))))
}

/// Keys of two JSON objects whose values differ (values are not shown: they may be secrets).
fn differing(a: &J, b: &J) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return if a == b { Vec::new() } else { vec!["(whole)".into()] };
    };
    let mut keys: Vec<String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Every host's ENC from the written files against Foreman's.
fn verify(dir: &Path, encs: &[(String, J)]) -> Result<(), Failure> {
    let estate = Estate::open(Source::Files(dir.to_path_buf()), FactsPolicy::Matchers)
        .map_err(|errs| Failure::Errors(errs, format!("the pulled estate {} is invalid", dir.display())))?;
    let mut bad = 0;
    for (certname, theirs) in encs {
        let Some(host) = estate.host(certname) else {
            bad += 1;
            println!("{certname}: not in the pulled estate");
            continue;
        };
        let ours = match estate.enc(host) {
            Ok(doc) => serde_json::from_str::<J>(&lamina_yaml::to_json(&doc.into_value())).unwrap_or(J::Null),
            Err(e) => {
                bad += 1;
                println!("{certname}: Lamina cannot render it: {e}");
                continue;
            }
        };
        let mut diffs = Vec::new();
        for p in differing(&ours["parameters"], &theirs["parameters"]) {
            diffs.push(format!("parameter {p}"));
        }
        let (oc, tc) = (&ours["classes"], &theirs["classes"]);
        // Foreman writes a host without an environment's classes as `[]`.
        let empty = |c: &J| {
            c.is_null()
                || c.as_array().is_some_and(Vec::is_empty)
                || c.as_object().is_some_and(serde_json::Map::is_empty)
        };
        if !(empty(oc) && empty(tc)) {
            for c in differing(oc, tc) {
                match (oc.get(&c), tc.get(&c)) {
                    (Some(x), Some(y)) => diffs.extend(differing(x, y).into_iter().map(|k| format!("{c}::{k}"))),
                    (Some(_), None) => diffs.push(format!("class {c} (only Lamina's)")),
                    _ => diffs.push(format!("class {c} (only Foreman's)")),
                }
            }
        }
        if ours["environment"] != theirs["environment"] {
            diffs.push("environment".into());
        }
        if !diffs.is_empty() {
            bad += 1;
            println!("{certname}: {}", diffs.join(", "));
        }
    }
    eprintln!("verified {} hosts: {} identical, {bad} differ", encs.len(), encs.len() - bad);
    if bad > 0 { Err(Failure::Reported(Status::Differs)) } else { Ok(()) }
}

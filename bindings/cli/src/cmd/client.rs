//! `lamina enc CERTNAME --server URL`: the thin client a Puppet master runs as its exec ENC
//! (`external_nodes`). Puppet spawns it once per catalog compile, so it stays small and
//! blocking: `ureq`, no async runtime, no estate loading.
//!
//! It follows Foreman's `enc.rb` (theforeman/puppet-puppetserver_foreman `files/enc.rb`, the
//! script Puppet masters run as `node.rb`): optionally push the node's facts, GET
//! `/node/CERTNAME?format=yml` within one timeout (10 s by default), print the body verbatim and
//! cache it; when the server cannot answer, print the last good copy instead. Where Lamina
//! differs (which answers fall back to the cache, how the cache is written) the code says why.

use crate::cli::EncClientArgs;
use crate::failure::{Failure, Status};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest document accepted. ureq's default (10 MB) is near what a host with large
/// structured parameters can reach; a bigger answer is more likely a runaway than an ENC.
const MAX_DOCUMENT: u64 = 64 << 20;

/// Longest part of an error body echoed on stderr (Puppet copies it into its log).
const MAX_REASON: usize = 2000;

/// What the server's answer means for the caller.
enum Outcome {
    /// 200: the document, to print and cache.
    Document(Vec<u8>),
    /// The server is unreachable, too slow or failing: serve the cached copy if there is one.
    Unavailable(String),
    /// The server answered with a definite "no": exit with this status, never from the cache.
    Refused(Status, String),
}

pub(crate) fn run(certname: &str, server: &str, args: &EncClientArgs) -> Result<(), Failure> {
    // Checked before anything else: the certname becomes a URL path segment and a file name.
    check_certname(certname).map_err(|why| Failure::invalid(format!("refusing certname {certname:?}: {why}")))?;
    let Some(timeout) = Duration::try_from_secs_f64(args.timeout).ok().filter(|d| !d.is_zero()) else {
        return Err(Failure::invalid(format!("--timeout must be a positive number of seconds, not {}", args.timeout)));
    };
    let base = base_url(server).map_err(|e| Failure::invalid(format!("--server {server:?}: {e}")))?;
    let token = args
        .token_file
        .as_deref()
        .map(|f| {
            std::fs::read_to_string(f)
                .map(|t| t.lines().next().unwrap_or_default().trim().to_string())
                .map_err(|e| Failure::invalid(format!("cannot read {}: {e}", f.display())))
        })
        .transpose()?;
    let tls = tls(args)?;
    let client = Client { agent: agent(tls), deadline: Instant::now() + timeout, timeout, token };
    let outcome = client.fetch(&base, certname, args.push_facts.as_deref());
    match outcome {
        Outcome::Document(body) => {
            // A failure to cache must not fail the compile: the answer itself is good. It is
            // reported so that a broken fallback is noticed before it is needed.
            if let Some(dir) = &args.cache_dir
                && let Err(e) = store(dir, certname, &body)
            {
                eprintln!("lamina: warning: cannot cache the ENC of {certname} in {}: {e}", dir.display());
            }
            print(&body)
        }
        Outcome::Unavailable(reason) => serve_cached(args.cache_dir.as_deref(), certname, &reason),
        Outcome::Refused(status, message) => Err(Failure::Message(status, message)),
    }
}

/// Puppet's own rule (`Puppet::SSL::Base::VALID_CERTNAME`, `/\A[ -.0-~]+\Z/`: printable ASCII
/// without `/`), plus what keeps `DIR/CERTNAME.yaml` inside DIR and apart from the temporary
/// files: no `\`, no leading `.` (so neither `.` nor `..`, nor hidden files), no `..`, and a
/// length that fits a file name.
fn check_certname(c: &str) -> Result<(), &'static str> {
    if c.is_empty() {
        Err("it is empty")
    } else if !c.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        Err("only printable ASCII is allowed")
    } else if c.contains(['/', '\\']) {
        Err("it contains a path separator")
    } else if c.starts_with('.') || c.contains("..") {
        Err("it starts with '.' or contains '..'")
    } else if c.len() > 200 {
        Err("it is longer than 200 characters")
    } else {
        Ok(())
    }
}

/// `http(s)://HOST[:PORT][/PREFIX]` without a trailing `/`.
fn base_url(server: &str) -> Result<String, String> {
    match server.strip_prefix("http://").or_else(|| server.strip_prefix("https://")) {
        Some(rest) if !rest.trim_end_matches('/').is_empty() => Ok(server.trim_end_matches('/').to_string()),
        _ => Err("expected http://HOST:PORT or https://HOST:PORT".into()),
    }
}

/// PEM items of a file.
fn pem_items(file: &Path) -> Result<Vec<ureq::tls::PemItem<'static>>, Failure> {
    let pem = std::fs::read(file).map_err(|e| Failure::invalid(format!("cannot read {}: {e}", file.display())))?;
    ureq::tls::parse_pem(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::invalid(format!("{}: not PEM: {e}", file.display())))
}

/// TLS as asked: the CAs of `--ca` (Puppet's CA bundle: root and intermediate), and the client
/// certificate and key of `--cert`/`--key` (a master's own, which Puppet Server's CA issued).
fn tls(args: &EncClientArgs) -> Result<ureq::tls::TlsConfig, Failure> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(ca) = &args.ca {
        let certs: Vec<ureq::tls::Certificate<'static>> = pem_items(ca)?
            .into_iter()
            .filter_map(|i| match i {
                ureq::tls::PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(Failure::invalid(format!("{}: no PEM certificate in it", ca.display())));
        }
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)));
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let chain: Vec<ureq::tls::Certificate<'static>> = pem_items(cert)?
            .into_iter()
            .filter_map(|i| match i {
                ureq::tls::PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        let key = pem_items(key)?
            .into_iter()
            .find_map(|i| match i {
                ureq::tls::PemItem::PrivateKey(k) => Some(k),
                _ => None,
            })
            .ok_or_else(|| Failure::invalid(format!("{}: no PEM private key in it", key.display())))?;
        if chain.is_empty() {
            return Err(Failure::invalid(format!("{}: no PEM certificate in it", cert.display())));
        }
        tls = tls.client_cert(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)));
    }
    Ok(tls.build())
}

/// RFC 3986 percent-encoding of a path segment (everything but the unreserved characters).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn agent(tls: ureq::tls::TlsConfig) -> ureq::Agent {
    ureq::Agent::config_builder()
        // Every status is an answer to classify here, not an error.
        .http_status_as_error(false)
        // A redirect is answered, never followed: to another host it would take the token and
        // the node's facts along, and its document could be anyone's.
        .max_redirects(0)
        .tls_config(tls)
        .user_agent(concat!("lamina-enc/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

struct Client {
    agent: ureq::Agent,
    /// One budget for the fact push and the GET together, as enc.rb's `Timeout.timeout(tsecs)`
    /// wraps both: Puppet waits for the sum.
    deadline: Instant,
    timeout: Duration,
    /// Sent as `Authorization: Bearer`.
    token: Option<String>,
}

impl Client {
    /// What is left of the budget, or the reason to give up.
    fn remaining(&self) -> Result<Duration, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() { Err(self.timed_out()) } else { Ok(left) }
    }

    fn timed_out(&self) -> String {
        format!("no answer within {}s", self.timeout.as_secs_f64())
    }

    fn describe(&self, e: &ureq::Error) -> String {
        match e {
            ureq::Error::Timeout(_) => self.timed_out(),
            e => e.to_string(),
        }
    }

    fn fetch(&self, base: &str, certname: &str, push_facts: Option<&Path>) -> Outcome {
        let segment = encode(certname);
        let mut url = format!("{base}/node/{segment}?format=yml");
        if let Some(file) = push_facts {
            match self.push_facts(&format!("{base}/v1/hosts/{segment}/facts"), certname, file) {
                // Read-your-writes: whichever server of a cluster answers the GET waits until it
                // has applied the upload, so the document reflects the facts just pushed.
                Ok(Some(revision)) => url.push_str(&format!("&min_revision={revision}")),
                Ok(None) => {}
                Err(reason) => return Outcome::Unavailable(reason),
            }
        }
        let left = match self.remaining() {
            Ok(d) => d,
            Err(reason) => return Outcome::Unavailable(reason),
        };
        let mut get = self.agent.get(&url).config().timeout_global(Some(left)).build();
        if let Some(t) = &self.token {
            get = get.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = match get.call() {
            Ok(r) => r,
            Err(e) => return Outcome::Unavailable(self.describe(&e)),
        };
        let status = resp.status().as_u16();
        if status == 200 {
            let whose = resp.headers().get("x-lamina-certname").and_then(|v| v.to_str().ok()).map(str::to_string);
            return match resp.body_mut().with_config().limit(MAX_DOCUMENT).read_to_vec() {
                // Only a document that reads as an ENC, for this node, is printed and cached:
                // anything else (an HTML error page, a proxy's junk, a truncated body, another
                // node's document) would replace the good copy and classify the node wrongly.
                Ok(body) => match check_document(&body, certname, whose.as_deref()) {
                    Ok(()) => Outcome::Document(body),
                    Err(why) => Outcome::Unavailable(format!("the server's answer is not {certname}'s ENC: {why}")),
                },
                Err(e) => Outcome::Unavailable(format!("reading the document: {}", self.describe(&e))),
            };
        }
        let reason = reason(&mut resp);
        match status {
            // Unlike enc.rb, which serves its cache on any non-200 answer: here the server is up
            // and says the host does not exist. A cached copy would keep classifying a host
            // removed from the estate for as long as the copy exists.
            404 => Outcome::Refused(Status::UnknownHost, format!("unknown host {certname:?}: {reason}")),
            // Also not from the cache (enc.rb would): the server is up and the host's data is
            // wrong (an invalid value, a missing required key). Serving the previous document
            // would hide that error behind stale but plausible classes and parameters; failing
            // the compile surfaces it where the change was made. Same exit code as `lamina enc`.
            412 => Outcome::Refused(Status::Invalid, format!("the server cannot resolve {certname}: {reason}")),
            // The server is overloaded or failing: exactly when the cached copy helps.
            408 | 429 | 500..=599 => Outcome::Unavailable(format!("the server answered {status}: {reason}")),
            // Redirects and other client errors are a misconfiguration (wrong URL, a proxy
            // demanding authentication) that a stale copy would hide indefinitely.
            _ => Outcome::Refused(Status::NoAnswer, format!("unexpected answer from {url}: {status}: {reason}")),
        }
    }

    /// PUT the facts file. As in enc.rb, a missing file or a rejected upload is reported and the
    /// ENC is still asked for (the server then uses the facts it already has); only a transport
    /// failure (timeout, connection) is returned, to fall back on the cache like a failed GET.
    /// The store revision the upload made, when the server said.
    fn push_facts(&self, url: &str, certname: &str, file: &Path) -> Result<Option<i64>, String> {
        let body = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("lamina: warning: facts of {certname} not pushed: {}: {e}", file.display());
                return Ok(None);
            }
        };
        // Puppet's YAML fact cache is a serialised Ruby object (`!ruby/object:Puppet::Node::Facts`
        // with Time values) that a safe YAML reader refuses; its JSON cache carries the same.
        if body.starts_with(b"--- !ruby/object:") {
            eprintln!(
                "lamina: warning: facts of {certname} not pushed: {} is a Ruby object dump; push Puppet's JSON fact cache (server_data/facts/{certname}.json)",
                file.display()
            );
            return Ok(None);
        }
        let (content_type, body) = facts_body(file, certname, body);
        let left = self.remaining()?;
        let mut put = self.agent.put(url).config().timeout_global(Some(left)).build().content_type(content_type);
        if let Some(t) = &self.token {
            put = put.header("Authorization", &format!("Bearer {t}"));
        }
        let sent = put.send(&body[..]);
        match sent {
            Ok(resp) if resp.status().is_success() => {
                Ok(resp.headers().get("x-lamina-revision").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()))
            }
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                eprintln!(
                    "lamina: warning: the server refused the facts of {certname} ({status}): {}",
                    reason(&mut resp)
                );
                Ok(None)
            }
            Err(e) => Err(format!("pushing facts: {}", self.describe(&e))),
        }
    }
}

/// The upload body and its content type. A JSON file in Puppet's fact cache shape
/// (`$vardir/server_data/facts/CERTNAME.json`: `{"name", "values", "timestamp", ...}`) is sent in
/// node.rb's upload shape `{"name", "facts"}` the server accepts; anything else as it is.
fn facts_body(file: &Path, certname: &str, body: Vec<u8>) -> (&'static str, Vec<u8>) {
    if file.extension().is_none_or(|e| e != "json") {
        return ("application/yaml", body);
    }
    let values = match serde_json::from_slice(&body) {
        Ok(serde_json::Value::Object(mut doc)) if !doc.contains_key("facts") => doc.remove("values"),
        _ => None,
    };
    match values {
        Some(values @ serde_json::Value::Object(_)) => {
            let upload = serde_json::json!({"name": certname, "facts": values});
            ("application/json", upload.to_string().into_bytes())
        }
        _ => ("application/json", body),
    }
}

/// Whether `body` is an ENC document Puppet can use for `certname`: YAML (or JSON) that reads as
/// a mapping with `parameters` (a mapping) and `classes` (a mapping or a list), complete (a
/// YAML document Lamina writes ends with a newline), and, when the server names the node it is
/// for, that node.
fn check_document(body: &[u8], certname: &str, whose: Option<&str>) -> Result<(), String> {
    if let Some(w) = whose
        && w != certname
    {
        return Err(format!("it is the document of {w:?}"));
    }
    let text = std::str::from_utf8(body).map_err(|_| "it is not UTF-8".to_string())?;
    if text.trim().is_empty() {
        return Err("it is empty".into());
    }
    if !text.ends_with('\n') && !text.trim_end().ends_with('}') {
        return Err("it is cut short (no final newline)".into());
    }
    let limits = lamina_yaml::Limits::hiera();
    let doc =
        lamina_yaml::parse_value(text, "ENC", &limits).map_err(|e| format!("it does not parse: {}", e.message))?;
    let Some(lamina_foreman::Value::Hash(m)) = doc else { return Err("it is not a mapping".into()) };
    match m.get("parameters") {
        Some(lamina_foreman::Value::Hash(_)) => {}
        _ => return Err("it has no `parameters` mapping".into()),
    }
    match m.get("classes") {
        Some(lamina_foreman::Value::Hash(_) | lamina_foreman::Value::Array(_)) => Ok(()),
        _ => Err("it has no `classes`".into()),
    }
}

/// The body of an error answer, trimmed and shortened for one stderr line.
fn reason(resp: &mut ureq::http::Response<ureq::Body>) -> String {
    let status = resp.status();
    let text = resp.body_mut().with_config().limit(64 << 10).lossy_utf8(true).read_to_string().unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return status.canonical_reason().unwrap_or("no reason given").to_string();
    }
    match text.char_indices().nth(MAX_REASON) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

fn cache_file(dir: &Path, certname: &str) -> PathBuf {
    dir.join(format!("{certname}.yaml"))
}

/// Write `DIR/CERTNAME.yaml` through a temporary file in DIR and a rename, so that a reader (the
/// fallback of a concurrent compile) sees the old copy or the new one, never half of one
/// (enc.rb writes in place). The temporary file is created exclusively (no symlink is followed)
/// and is private (0600): the document carries `root_pw` and hidden parameter values.
fn store(dir: &Path, certname: &str, body: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // The leading `.` cannot clash with a cache file: certnames never start with one.
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{certname}.")).suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(body)?;
    tmp.persist(cache_file(dir, certname)).map_err(|e| e.error)?;
    Ok(())
}

fn serve_cached(dir: Option<&Path>, certname: &str, reason: &str) -> Result<(), Failure> {
    let no_answer = |m: String| Err(Failure::Message(Status::NoAnswer, m));
    let Some(dir) = dir else {
        return no_answer(format!("no ENC for {certname}: {reason} (no --cache-dir to fall back on)"));
    };
    let file = cache_file(dir, certname);
    match std::fs::read(&file) {
        // An empty file is not a document (see `fetch`); it is never written, but a crash of the
        // file system between the write and its flush can leave one.
        Ok(body) if !body.is_empty() => {
            eprintln!("lamina: serving cached ENC for {certname} from {}: {reason}", file.display());
            print(&body)
        }
        Ok(_) => no_answer(format!("no ENC for {certname}: {reason}; the cached copy {} is empty", file.display())),
        Err(e) => no_answer(format!("no ENC for {certname}: {reason}; no cached copy ({}: {e})", file.display())),
    }
}

/// The document verbatim: Puppet parses exactly what the server produced.
fn print(body: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(body)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Message(Status::NoAnswer, format!("cannot write the ENC to standard output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certnames_that_could_leave_the_cache_dir_are_refused() {
        for ok in ["web01.example.com", "a", "host_1-x", "UPPER.example.com", "with space", "a.b~c"] {
            assert_eq!(check_certname(ok), Ok(()), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", ".hidden", "a..b", "x\0", "tab\t", "é", &"a".repeat(201)] {
            assert!(check_certname(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode("web01.example.com"), "web01.example.com");
        assert_eq!(encode("a b?c#d%"), "a%20b%3Fc%23d%25");
    }

    #[test]
    fn server_urls() {
        assert_eq!(base_url("http://127.0.0.1:7480/").as_deref(), Ok("http://127.0.0.1:7480"));
        assert_eq!(base_url("http://enc/prefix").as_deref(), Ok("http://enc/prefix"));
        assert_eq!(base_url("https://enc:8141").as_deref(), Ok("https://enc:8141"));
        assert!(base_url("enc:7480").is_err());
        assert!(base_url("http://").is_err());
    }

    #[test]
    fn puppet_fact_cache_json_is_sent_in_upload_shape() {
        let file = Path::new("web01.json");
        let (ct, body) = facts_body(file, "web01", br#"{"name":"web01","values":{"os":{"family":"Debian"}}}"#.to_vec());
        assert_eq!(ct, "application/json");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v, serde_json::json!({"name": "web01", "facts": {"os": {"family": "Debian"}}}));
        let plain = br#"{"os":"x"}"#.to_vec();
        assert_eq!(facts_body(file, "web01", plain.clone()).1, plain);
        assert_eq!(facts_body(Path::new("f.yaml"), "web01", b"a: 1".to_vec()).0, "application/yaml");
    }
}

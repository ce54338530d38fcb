//! Who may do what, with client certificates: the rules of Puppet Server's `auth.conf` for its
//! own node and facts endpoints, applied to Lamina's routes.
//!
//! - A node's certificate reads only its own ENC and Hiera (`allow: $1`: the certname in the
//!   path must be the certificate's CN), and uploads only its own facts.
//! - A compiler (a certname of `--compilers`: Puppet masters and compile servers) reads any
//!   host and uploads any host's facts.
//! - Writes of data need an admin identity (`--admins`) or a writer token.
//! - Health, readiness, metrics and the API description need no identity.
//!
//! Certnames in paths are checked first (Puppet's `VALID_CERTNAME`), before any lookup.

use axum::http::{Method, StatusCode};
use lamina_foreman::{Error, ErrorKind};
use std::collections::HashSet;
use std::path::Path;

/// One bearer token of `--auth-token-file`.
#[derive(Debug)]
pub(crate) struct Token {
    secret: String,
    pub(crate) writer: bool,
    /// What the audit log calls it: the line's third field, else `on line N`.
    pub(crate) name: String,
}

/// The tokens of `--auth-token-file`.
#[derive(Debug, Default)]
pub(crate) struct Tokens(Vec<Token>);

impl Tokens {
    /// The token `bearer` is, compared without leaking where it differs through timing.
    pub(crate) fn find(&self, bearer: &str) -> Option<&Token> {
        self.0.iter().find(|t| same(&t.secret, bearer))
    }
}

/// Equal without leaking where they differ through timing.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Read a tokens file: lines `reader TOKEN [NAME]` or `writer TOKEN [NAME]` (`#` comments);
/// NAME (one word) is what the audit log records as the writer.
pub(crate) fn read_tokens(path: &Path) -> Result<Tokens, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(ErrorKind::Io, "", format!("cannot read {}: {e}", path.display())).caused_by(e))?;
    let mut t = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (role, secret, name) = match fields.as_slice() {
            [role, tok] => (*role, *tok, format!("on line {}", n + 1)),
            [role, tok, name] => (*role, *tok, (*name).to_string()),
            _ => ("", "", String::new()),
        };
        if !matches!(role, "reader" | "writer") || secret.len() < 16 {
            return Err(Error::new(
                ErrorKind::Usage,
                "",
                format!(
                    "{}:{}: expected `reader TOKEN [NAME]` or `writer TOKEN [NAME]` (tokens of at least 16 characters)",
                    path.display(),
                    n + 1
                ),
            ));
        }
        t.push(Token { secret: secret.to_string(), writer: role == "writer", name });
    }
    Ok(Tokens(t))
}

/// Who a request comes from (put in its extensions once access is granted): `token NAME`,
/// `certificate CN` or `anonymous`, and whether it may write (and so see hidden values).
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) who: String,
    pub(crate) may_write: bool,
}

/// The client certificate's CN, put in each request's extensions by the listener (`None`: no
/// certificate, or plain HTTP).
#[derive(Debug, Clone, Default)]
pub(crate) struct Peer(pub(crate) Option<String>);

/// The identities of `--compilers` and `--admins`.
#[derive(Debug, Default)]
pub(crate) struct Mtls {
    pub(crate) compilers: HashSet<String>,
    pub(crate) admins: HashSet<String>,
}

/// Certnames listed in a file, one per line (`#` comments, blank lines ignored).
pub(crate) fn read_names(path: &Path) -> Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if !valid_certname(line) {
            return Err(format!("{}:{}: {line:?} is not a certname", path.display(), n + 1));
        }
        out.insert(line.to_string());
    }
    Ok(out)
}

/// Puppet's `VALID_CERTNAME` (`/\A[ -.0-~]+\Z/`: printable ASCII without `/`), and not empty.
#[must_use]
pub(crate) fn valid_certname(c: &str) -> bool {
    !c.is_empty() && c.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'/')
}

/// The certname a host-scoped path names (`/node/C`, `/v1/hosts/C/...`), percent-decoded.
pub(crate) fn path_certname(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/node/").or_else(|| path.strip_prefix("/v1/hosts/"))?;
    let seg = rest.split('/').next()?;
    Some(percent_decode(seg))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a request with this identity may do: `None` allowed, else the refusal.
pub(crate) fn decide(m: &Mtls, method: &Method, path: &str, peer: Option<&str>) -> Option<(StatusCode, &'static str)> {
    let Some(who) = peer else {
        return Some((StatusCode::UNAUTHORIZED, "a client certificate (or a bearer token) is required"));
    };
    if m.admins.contains(who) {
        return None;
    }
    let read = *method == Method::GET || *method == Method::HEAD;
    let certname = path_certname(path);
    // What follows `/v1/hosts/C/` (`/v1/hosts/C` itself is the host object).
    let tail = path.strip_prefix("/v1/hosts/").and_then(|r| r.split_once('/')).map(|(_, t)| t);
    // The facts route exactly: a host parameter named `facts` is not an upload.
    let facts = *method == Method::PUT && tail == Some("facts");
    let host_doc =
        path.starts_with("/node/") || tail.is_some_and(|t| t == "enc" || t == "hiera" || t.starts_with("lookup/"));
    if m.compilers.contains(who) {
        if (read && (host_doc || tail == Some("explain"))) || facts {
            return None;
        }
        return Some((StatusCode::FORBIDDEN, "a compiler reads hosts and uploads facts; writes need an admin"));
    }
    // A node: only its own documents and facts.
    if (read && host_doc) || facts {
        if certname.as_deref() == Some(who) {
            return None;
        }
        return Some((StatusCode::FORBIDDEN, "a node may read only its own documents"));
    }
    Some((StatusCode::FORBIDDEN, "this identity may not do that"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let m =
            Mtls { compilers: HashSet::from(["compiler01".to_string()]), admins: HashSet::from(["admin".to_string()]) };
        let get = Method::GET;
        let put = Method::PUT;
        assert_eq!(decide(&m, &get, "/node/web01", Some("web01")), None);
        assert!(decide(&m, &get, "/node/db01", Some("web01")).is_some());
        assert_eq!(decide(&m, &get, "/v1/hosts/web01/lookup/ntp::servers", Some("web01")), None);
        assert!(decide(&m, &get, "/v1/hosts/web01/explain", Some("web01")).is_some());
        assert_eq!(decide(&m, &put, "/v1/hosts/web01/facts", Some("web01")), None);
        assert!(decide(&m, &put, "/v1/hosts/web01", Some("web01")).is_some());
        assert_eq!(decide(&m, &get, "/node/db01", Some("compiler01")), None);
        assert_eq!(decide(&m, &put, "/v1/hosts/db01/facts", Some("compiler01")), None);
        assert!(decide(&m, &put, "/v1/parameters/x", Some("compiler01")).is_some());
        assert_eq!(decide(&m, &put, "/v1/parameters/x", Some("admin")), None);

        assert!(decide(&m, &get, "/node/web01", None).is_some());
        assert_eq!(path_certname("/node/a%20b"), Some("a b".into()));
        assert!(!valid_certname("a/b") && !valid_certname("") && !valid_certname("é"));
    }

    /// Exactly the facts and explain routes: a node's PUT of its own host parameter named
    /// `facts` once passed as a facts upload, and a compiler's GET of any path ending in
    /// `/explain` (`/v1/hostgroups/explain`) as an explain.
    #[test]
    fn issue15_a_node_cannot_write_its_own_parameter_named_facts() {
        let m =
            Mtls { compilers: HashSet::from(["compiler01".to_string()]), admins: HashSet::from(["admin".to_string()]) };
        assert!(decide(&m, &Method::PUT, "/v1/hosts/web01/parameters/facts", Some("web01")).is_some());
        assert_eq!(decide(&m, &Method::PUT, "/v1/hosts/web01/facts", Some("web01")), None);
        assert!(decide(&m, &Method::GET, "/v1/hostgroups/explain", Some("compiler01")).is_some());
        assert!(decide(&m, &Method::GET, "/v1/hosts/explain", Some("compiler01")).is_some());
        assert_eq!(decide(&m, &Method::GET, "/v1/hosts/db01/explain", Some("compiler01")), None);
    }
}

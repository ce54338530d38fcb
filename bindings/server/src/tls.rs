//! TLS with the Puppet CA on the listener (rustls): the server's own certificate, client
//! certificates verified against Puppet's CA bundle (Puppet 6+ keeps a root and an
//! intermediate; agents present only their leaf), revocation from Puppet's CRL bundle, reloaded
//! when the file changes, and the client's identity taken from its certificate's CN, as Puppet
//! Server takes it.
//!
//! A client without a certificate still completes the handshake: health checks need none, and
//! a writer may use a token instead; every data route then requires an identity
//! ([`crate::access`]).

use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// The files of `--tls-cert`, `--tls-key`, `--tls-client-ca` and `--tls-crl`.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate chain (PEM), leaf first.
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The CA bundle client certificates must chain to (Puppet's `ca.pem`: root and intermediate).
    pub client_ca: PathBuf,
    /// The CRL bundle (Puppet's `crl.pem`), re-read when it changes.
    pub crl: Option<PathBuf>,
}

/// The live TLS configuration.
#[derive(Debug)]
pub(crate) struct Tls {
    files: TlsFiles,
    state: Mutex<Current>,
    /// The earliest `nextUpdate` of the CRL bundle (Unix seconds; 0 without a CRL): an expired
    /// CRL in the chain makes Puppet Server refuse every agent, so it is a metric to alert on.
    pub(crate) crl_next_update: Arc<std::sync::atomic::AtomicI64>,
}

#[derive(Debug)]
struct Current {
    config: Arc<ServerConfig>,
    crl_mtime: Option<SystemTime>,
    checked: Instant,
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn read_certs(p: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(p)
        .map_err(|e| format!("{}: {e}", p.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", p.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", p.display()));
    }
    Ok(certs)
}

/// The configuration, and the CRL bundle's earliest `nextUpdate` (read with it, once).
fn build(files: &TlsFiles) -> Result<(ServerConfig, Option<i64>), String> {
    // ring: the provider the binary already links for its HTTP clients (aws-lc-rs would add a
    // C and assembly build); its lack of post-quantum key exchange is what the deprecation says.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = read_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| format!("{}: {e}", files.key.display()))?;
    let mut roots = RootCertStore::empty();
    for c in read_certs(&files.client_ca)? {
        roots.add(c).map_err(|e| format!("{}: {e}", files.client_ca.display()))?;
    }
    let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider));
    let mut next_update = None;
    if let Some(crl) = &files.crl {
        let crls: Vec<CertificateRevocationListDer<'static>> = CertificateRevocationListDer::pem_file_iter(crl)
            .map_err(|e| format!("{}: {e}", crl.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", crl.display()))?;
        if crls.is_empty() {
            return Err(format!("{}: no PEM CRL in it", crl.display()));
        }
        next_update = crls.iter().filter_map(|c| crl_next_update(c.as_ref())).min();
        // Agents' certificates are checked against their issuer's CRL (Puppet's intermediate).
        verifier = verifier.with_crls(crls).only_check_end_entity_revocation();
    }
    let verifier = verifier.allow_unauthenticated().build().map_err(|e| format!("client CA: {e}"))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| format!("{}: {e}", files.cert.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, next_update))
}

impl Tls {
    /// Read the files.
    pub(crate) fn load(files: TlsFiles, crl_next_update: Arc<std::sync::atomic::AtomicI64>) -> Result<Tls, String> {
        let (config, next) = build(&files)?;
        let crl_mtime = files.crl.as_deref().and_then(mtime);
        let state = Mutex::new(Current { config: Arc::new(config), crl_mtime, checked: Instant::now() });
        let tls = Tls { files, state, crl_next_update };
        tls.note_crl(next);
        Ok(tls)
    }

    /// Record the CRL bundle's earliest `nextUpdate`.
    fn note_crl(&self, next: Option<i64>) {
        if let Some(n) = next {
            self.crl_next_update.store(n, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The configuration for a new connection: rebuilt when the CRL file changed (looked at
    /// once a second at most). A CRL that cannot be read keeps the previous one, and says so.
    pub(crate) fn config(&self) -> Arc<ServerConfig> {
        let mut cur = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(crl) = &self.files.crl
            && cur.checked.elapsed() >= Duration::from_secs(1)
        {
            cur.checked = Instant::now();
            let now = mtime(crl);
            if now != cur.crl_mtime {
                match build(&self.files) {
                    Ok((c, next)) => {
                        tracing::info!(crl = %crl.display(), "CRL reloaded");
                        cur.config = Arc::new(c);
                        cur.crl_mtime = now;
                        self.note_crl(next);
                    }
                    Err(e) => tracing::warn!(error = %e, "CRL changed but cannot be used; keeping the previous one"),
                }
            }
        }
        Arc::clone(&cur.config)
    }
}

/// The subject CN of a DER certificate: Puppet's certname.
#[must_use]
pub(crate) fn common_name(der: &[u8]) -> Option<String> {
    // Certificate ::= SEQUENCE { tbsCertificate, ... }; TBSCertificate ::= SEQUENCE {
    // [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }.
    let (cert, _) = tlv(der, 0x30)?;
    let (mut tbs, _) = tlv(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = skip(tbs)?;
    }
    for _ in 0..4 {
        tbs = skip(tbs)?; // serial, signature, issuer, validity
    }
    let (mut subject, _) = tlv(tbs, 0x30)?;
    let mut cn = None;
    // Name ::= SEQUENCE OF SET OF AttributeTypeAndValue { type OID, value }.
    while !subject.is_empty() {
        let (set, rest) = tlv(subject, 0x31)?;
        subject = rest;
        let (atv, _) = tlv(set, 0x30)?;
        let (oid, value) = tlv(atv, 0x06)?;
        if oid == [0x55, 0x04, 0x03] {
            let (text, _) = any(value)?;
            cn = std::str::from_utf8(text).ok().map(str::to_string);
        }
    }
    cn
}

/// A CRL's `nextUpdate` as Unix seconds. CertificateList ::= SEQUENCE { tbsCertList SEQUENCE {
/// version INTEGER OPTIONAL, signature, issuer, thisUpdate Time, nextUpdate Time OPTIONAL, ...
/// } ... }.
pub(crate) fn crl_next_update(der: &[u8]) -> Option<i64> {
    let (list, _) = tlv(der, 0x30)?;
    let (mut tbs, _) = tlv(list, 0x30)?;
    if tbs.first() == Some(&0x02) {
        tbs = skip(tbs)?;
    }
    tbs = skip(skip(skip(tbs)?)?)?; // signature, issuer, thisUpdate
    let tag = *tbs.first()?;
    let (t, _) = any(tbs)?;
    let t = std::str::from_utf8(t).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        // UTCTime: YYMMDDHHMMSS, years 1950-2049.
        0x17 => {
            let yy: i64 = t.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, t.get(2..)?)
        }
        // GeneralizedTime: YYYYMMDDHHMMSS.
        0x18 => (t.get(..4)?.parse().ok()?, t.get(4..)?),
        _ => return None,
    };
    let n = |r: std::ops::Range<usize>| rest.get(r).and_then(|s| s.parse::<i64>().ok());
    let (month, day, hour, min, sec) = (n(0..2)?, n(2..4)?, n(4..6)?, n(6..8)?, n(8..10)?);
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + min * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One DER element of tag `tag`: (content, rest).
fn tlv(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *b.first()? != tag {
        return None;
    }
    any(b)
}

/// One DER element of any tag: (content, rest).
fn any(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    Some((b.get(head..end)?, b.get(end..)?))
}

fn skip(b: &[u8]) -> Option<&[u8]> {
    any(b).map(|(_, rest)| rest)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_days() {
        assert_eq!(super::days_from_civil(1970, 1, 1), 0);
        assert_eq!(super::days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(super::days_from_civil(2026, 12, 7), 20_794);
    }
}

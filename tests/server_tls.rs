//! Issue 14: `lamina serve` with TLS and client certificates from a CA laid out like Puppet's
//! (a root and an intermediate; agents present only their leaf; a CRL bundle with a revoked
//! node), generated here with openssl. A matrix of clients × routes → status, as Puppet
//! Server's `auth.conf` rules say.

use lamina_tests::{Server, lamina, repo_root};
use std::path::{Path, PathBuf};
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) {
    let o =
        Command::new("openssl").current_dir(dir).args(args).output().expect("run openssl (apt-get install openssl)");
    assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A CA directory (`openssl ca`'s database) for `name`, signing with `key`/`cert`.
fn ca_config(dir: &Path, name: &str) -> PathBuf {
    let d = dir.join(format!("{name}-db"));
    std::fs::create_dir_all(d.join("new")).expect("mkdir");
    std::fs::write(d.join("index.txt"), "").expect("index");
    std::fs::write(d.join("crlnumber"), "01\n").expect("crlnumber");
    let conf = dir.join(format!("{name}.cnf"));
    std::fs::write(
        &conf,
        format!(
            "[ca]\ndefault_ca = c\n[c]\ndir = {d}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/new\n\
             certificate = {dir}/{name}.pem\nprivate_key = {dir}/{name}.key\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\n\
             default_md = sha256\ndefault_days = 30\ndefault_crl_days = 30\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n\
             [p]\ncommonName = supplied\n\
             [inter]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\n\
             [leaf]\nbasicConstraints = CA:false\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth,clientAuth\n",
            d = d.display(),
            dir = dir.display()
        ),
    )
    .expect("conf");
    std::fs::write(d.join("serial"), "1000\n").expect("serial");
    conf
}

/// Root and intermediate CAs, the server's certificate, certificates for `clients`, one of them
/// revoked; returns the CA bundle and the CRL bundle.
fn puppet_like_ca(dir: &Path, clients: &[&str], revoked: &str) -> (PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Puppet Root CA: test",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let root = ca_config(dir, "root");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "inter.key",
            "-out",
            "inter.csr",
            "-subj",
            "/CN=Puppet CA: test",
        ],
    );
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            root.to_str().expect("utf8"),
            "-extensions",
            "inter",
            "-in",
            "inter.csr",
            "-out",
            "inter.pem",
            "-notext",
        ],
    );
    let inter = ca_config(dir, "inter");
    let leaf = |name: &str, san: &str| {
        let mut args = vec!["req", "-newkey", "rsa:2048", "-nodes", "-keyout"];
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let subj = format!("/CN={name}");
        args.extend([key.as_str(), "-out", csr.as_str(), "-subj", subj.as_str()]);
        let san_arg = format!("subjectAltName={san}");
        if !san.is_empty() {
            args.extend(["-addext", san_arg.as_str()]);
        }
        openssl(dir, &args);
        let out = format!("{name}.pem");
        openssl(
            dir,
            &[
                "ca",
                "-batch",
                "-config",
                inter.to_str().expect("utf8"),
                "-extensions",
                "leaf",
                "-in",
                &csr,
                "-out",
                &out,
                "-notext",
            ],
        );
    };
    leaf("lamina.test", "DNS:localhost,IP:127.0.0.1");
    for c in clients {
        leaf(c, "");
    }
    openssl(dir, &["ca", "-config", inter.to_str().expect("utf8"), "-revoke", &format!("{revoked}.pem")]);
    openssl(dir, &["ca", "-gencrl", "-config", inter.to_str().expect("utf8"), "-out", "inter.crl"]);
    openssl(dir, &["ca", "-gencrl", "-config", root.to_str().expect("utf8"), "-out", "root.crl"]);
    let cat = |out: &str, parts: &[&str]| {
        let text: String = parts.iter().map(|p| std::fs::read_to_string(dir.join(p)).expect("pem")).collect();
        std::fs::write(dir.join(out), text).expect("bundle");
        dir.join(out)
    };
    cat("server-chain.pem", &["lamina.test.pem", "inter.pem"]);
    (cat("ca.pem", &["inter.pem", "root.pem"]), cat("crl.pem", &["inter.crl", "root.crl"]))
}

/// An HTTPS call as `client` (its certificate and key in `dir`), or with no certificate:
/// the status, or 0 when the TLS handshake is refused.
fn call(dir: &Path, url: &str, method: &str, client: Option<&str>, body: Option<&str>) -> u16 {
    let pem = |f: &str| {
        ureq::tls::parse_pem(&std::fs::read(dir.join(f)).expect("pem")).collect::<Result<Vec<_>, _>>().expect("pem")
    };
    let roots: Vec<_> = pem("ca.pem")
        .into_iter()
        .filter_map(|i| match i {
            ureq::tls::PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut tls =
        ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)));
    if let Some(c) = client {
        let chain: Vec<_> = pem(&format!("{c}.pem"))
            .into_iter()
            .filter_map(|i| match i {
                ureq::tls::PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        let key = pem(&format!("{c}.key"))
            .into_iter()
            .find_map(|i| match i {
                ureq::tls::PemItem::PrivateKey(k) => Some(k),
                _ => None,
            })
            .expect("key");
        tls = tls.client_cert(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)));
    }
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).tls_config(tls.build()).build().into();
    let r = match method {
        "GET" => agent.get(url).call(),
        _ => agent.put(url).content_type("application/json").send(body.unwrap_or("{}")),
    };
    r.map_or(0, |r| r.status().as_u16())
}

#[test]
fn issue14_mtls_with_a_puppet_like_ca_follows_auth_conf() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (web, db, compiler, admin) =
        ("web01.demo.example.com", "db01.demo.example.com", "compiler01.example.com", "admin.example.com");
    let (ca, crl) = puppet_like_ca(dir, &[web, db, compiler, admin], db);
    std::fs::write(dir.join("compilers"), format!("# masters\n{compiler}\n")).expect("compilers");
    std::fs::write(dir.join("admins"), format!("{admin}\n")).expect("admins");
    let store = format!("sqlite://{}", dir.join("s.db").display());
    let out = lamina(&["import", &repo_root().join("corpus/demo").display().to_string(), "--store", &store]);
    assert!(out.status.success());
    let p = |f: &str| dir.join(f).display().to_string();
    let s = Server::start(&[
        "--store",
        &store,
        "--tls-cert",
        &p("server-chain.pem"),
        "--tls-key",
        &p("lamina.test.key"),
        "--tls-client-ca",
        &ca.display().to_string(),
        "--tls-crl",
        &crl.display().to_string(),
        "--compilers",
        &p("compilers"),
        "--admins",
        &p("admins"),
    ]);
    assert!(s.url.starts_with("https://"), "{}", s.url);
    let u = |path: &str| format!("{}{path}", s.url);
    let facts = r#"{"os": {"family": "Debian"}}"#;
    // (client, method, path, expected status); 0 = the handshake is refused.
    let matrix: Vec<(Option<&str>, &str, String, u16)> = vec![
        (Some(web), "GET", format!("/node/{web}"), 200),
        (Some(web), "GET", format!("/node/{compiler}"), 403),
        (Some(web), "GET", format!("/v1/hosts/{web}/enc"), 200),
        (Some(web), "PUT", format!("/v1/hosts/{web}/facts"), 200),
        (Some(web), "PUT", "/v1/hosts/app01.demo.example.com/facts".to_string(), 403),
        (Some(web), "GET", format!("/v1/hosts/{web}/explain"), 403),
        (Some(web), "PUT", "/v1/parameters/x".to_string(), 403),
        (Some(web), "GET", "/healthz".to_string(), 200),
        (Some(compiler), "GET", format!("/node/{web}"), 200),
        (Some(compiler), "GET", "/node/app01.demo.example.com".to_string(), 200),
        (Some(compiler), "PUT", format!("/v1/hosts/{web}/facts"), 200),
        (Some(compiler), "PUT", "/v1/parameters/x".to_string(), 403),
        (Some(admin), "PUT", "/v1/parameters/x".to_string(), 200),
        (Some(admin), "GET", "/node/bad%20name%01".to_string(), 400),
        (None, "GET", format!("/node/{web}"), 401),
        (None, "GET", "/healthz".to_string(), 200),
        (None, "GET", "/readyz".to_string(), 200),
        (Some(db), "GET", format!("/node/{db}"), 0),
    ];
    let mut report = String::new();
    let mut wrong = 0;
    for (client, method, path, want) in &matrix {
        let got = call(
            dir,
            &u(path),
            method,
            *client,
            (*method == "PUT").then_some(if path.contains("facts") { facts } else { r#"{"value": "v"}"# }),
        );
        report.push_str(&format!(
            "{:<24} {method:<4} {path:<48} {got} (want {want})\n",
            client.unwrap_or("(no certificate)")
        ));
        wrong += usize::from(got != *want);
    }
    eprintln!("{report}");
    assert_eq!(wrong, 0, "the matrix differs:\n{report}");

    // The CRL's expiry is a metric (an expired CRL makes Puppet Server refuse every agent).
    let metrics = {
        let roots = ureq::tls::parse_pem(&std::fs::read(&ca).expect("ca"))
            .filter_map(|i| match i {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        let tls =
            ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)));
        let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls.build()).build().into();
        agent.get(&u("/metrics")).call().expect("metrics").body_mut().read_to_string().unwrap_or_default()
    };
    let next: i64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("lamina_tls_crl_next_update_seconds "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the CRL metric");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    assert!((now + 29 * 86_400..=now + 31 * 86_400).contains(&next), "default_crl_days 30: {next} vs now {now}");

    // The thin client over mTLS, as a master runs it.
    let out = lamina(&[
        "enc",
        web,
        "--server",
        &s.url,
        "--ca",
        &ca.display().to_string(),
        "--cert",
        &p(&format!("{compiler}.pem")),
        "--key",
        &p(&format!("{compiler}.key")),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("classes"));

    // The CRL is reloaded when the file changes: revoke web01, and its next handshake fails.
    let inter = dir.join("inter.cnf");
    openssl(dir, &["ca", "-config", inter.to_str().expect("utf8"), "-revoke", &format!("{web}.pem")]);
    openssl(dir, &["ca", "-gencrl", "-config", inter.to_str().expect("utf8"), "-out", "inter.crl"]);
    let bundle = format!(
        "{}{}",
        std::fs::read_to_string(dir.join("inter.crl")).expect("crl"),
        std::fs::read_to_string(dir.join("root.crl")).expect("crl")
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&crl, bundle).expect("new crl");
    let t = std::time::Instant::now();
    while call(dir, &u(&format!("/node/{web}")), "GET", Some(web), None) != 0 {
        assert!(t.elapsed() < std::time::Duration::from_secs(5), "the revocation was not picked up");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Issue 14: the same rules with certificates issued by Puppet's own CA tooling (the
/// `puppetserver ca` library, Debian's ruby-puppetserver-ca-cli, offline): its CA bundle (root
/// and intermediate), its CRL bundle, a server certificate with its SANs, and agents' leaves.
#[test]
fn issue14_mtls_with_certificates_from_puppets_ca_tooling() {
    let have = Command::new("ruby").args(["-e", "require 'puppetserver/ca/cli'"]).status().is_ok_and(|s| s.success());
    if !have {
        assert!(
            !lamina_tests::under_ci(),
            "Puppet's CA tooling is required under CI: apt-get install ruby-puppetserver-ca-cli"
        );
        eprintln!("SKIPPED: ruby-puppetserver-ca-cli is not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let conf = d.join("puppet.conf");
    std::fs::write(
        &conf,
        format!("[main]\nssldir = {0}/ssl\n[server]\ncadir = {0}/ca\ncertname = lamina.test\n", d.display()),
    )
    .expect("puppet.conf");
    let ca = |args: &[&str]| {
        let o = Command::new("ruby")
            .args(["-e", "require 'puppetserver/ca/cli'; exit Puppetserver::Ca::Cli.run(ARGV, STDOUT, STDERR)", "--"])
            .args(args)
            .args(["--config", conf.to_str().expect("utf8")])
            .output()
            .expect("puppetserver ca");
        assert!(
            o.status.success(),
            "puppetserver ca {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    ca(&["setup", "--subject-alt-names", "DNS:localhost,IP:127.0.0.1"]);
    let (web, compiler) = ("web01.demo.example.com", "compiler01.example.com");
    for c in [web, compiler] {
        // Offline issuance (no Puppet Server running) is what `--ca-client` allows.
        ca(&["generate", "--certname", c, "--ca-client", "--force"]);
    }
    // Laid out as `call` expects: NAME.pem, NAME.key, ca.pem.
    let flat = d.join("flat");
    std::fs::create_dir_all(&flat).expect("mkdir");
    let ssl = d.join("ssl");
    std::fs::copy(ssl.join("certs/ca.pem"), flat.join("ca.pem")).expect("ca");
    for c in [web, compiler, "lamina.test"] {
        std::fs::copy(ssl.join(format!("certs/{c}.pem")), flat.join(format!("{c}.pem"))).expect("cert");
        std::fs::copy(ssl.join(format!("private_keys/{c}.pem")), flat.join(format!("{c}.key"))).expect("key");
    }
    std::fs::write(flat.join("compilers"), format!("{compiler}\n")).expect("compilers");
    let store = format!("sqlite://{}", d.join("s.db").display());
    assert!(
        lamina(&["import", &repo_root().join("corpus/demo").display().to_string(), "--store", &store]).status.success()
    );
    let p = |f: &Path| f.display().to_string();
    let s = Server::start(&[
        "--store",
        &store,
        "--tls-cert",
        &p(&flat.join("lamina.test.pem")),
        "--tls-key",
        &p(&flat.join("lamina.test.key")),
        "--tls-client-ca",
        &p(&flat.join("ca.pem")),
        "--tls-crl",
        &p(&ssl.join("crl.pem")),
        "--compilers",
        &p(&flat.join("compilers")),
    ]);
    let u = |path: &str| format!("{}{path}", s.url);
    for (client, path, want) in [
        (Some(web), format!("/node/{web}"), 200),
        (Some(web), "/node/db01.demo.example.com".to_string(), 403),
        (Some(compiler), "/node/db01.demo.example.com".to_string(), 200),
        (None, format!("/node/{web}"), 401),
    ] {
        assert_eq!(call(&flat, &u(&path), "GET", client, None), want, "{client:?} {path}");
    }
}

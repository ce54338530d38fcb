//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root").to_path_buf()
}

/// The built `lamina` binary (built by `cargo build` before the tests run; `.ci/run` does so).
///
/// # Panics
/// When it has not been built.
#[must_use]
pub fn lamina_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    for dir in exe.ancestors().skip(1) {
        let cand = dir.join("lamina");
        if cand.is_file() {
            return cand;
        }
    }
    panic!("the lamina binary is not built: run `cargo build -p lamina-cli` (same profile) first");
}

/// Run the built `lamina` with `args`, without the caller's `LAMINA_ESTATE`/`LAMINA_STORE`.
///
/// # Panics
/// When it cannot be started.
#[must_use]
pub fn lamina(args: &[&str]) -> std::process::Output {
    std::process::Command::new(lamina_bin())
        .args(args)
        .env_remove("LAMINA_ESTATE")
        .env_remove("LAMINA_STORE")
        .output()
        .expect("run lamina")
}

/// True when running under CI, where missing tools must fail loudly.
#[must_use]
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Find a program on PATH.
#[must_use]
pub fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(prog)).find(|p| p.is_file()))
}

/// The PostgreSQL server the tests use (trust auth).
pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432";

/// A scratch PostgreSQL database, dropped with the value.
#[derive(Debug)]
pub struct PgDb {
    /// Its URL.
    pub url: String,
}

impl PgDb {
    /// A fresh database, or `None` (test skipped) when PostgreSQL is unreachable outside CI.
    #[must_use]
    pub fn new(test: &str) -> Option<PgDb> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!("lamina_test_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), test);
        let url = format!("{PG_ADMIN}/{name}");
        match lamina_store::create_database(&url) {
            Ok(()) => Some(PgDb { url }),
            Err(e) if under_ci() => panic!("PostgreSQL at {PG_ADMIN} is required under CI: {e}"),
            Err(e) => {
                eprintln!("SKIPPED {test}: PostgreSQL at {PG_ADMIN} is unreachable: {e}");
                None
            }
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Err(e) = lamina_store::drop_database(&self.url) {
            eprintln!("warning: could not drop {}: {e}", self.url);
        }
    }
}

/// A running `lamina serve`, stopped (killed) with the value.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: std::process::Child,
}

impl Server {
    /// Start `lamina serve --listen 127.0.0.1:0 ARGS...` and wait until it prints the address it
    /// listens on (its first stdout line, `listening on http://ADDR`).
    ///
    /// # Panics
    /// When it does not start or exits first (its stderr is shown).
    #[must_use]
    pub fn start(args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(lamina_bin())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn lamina serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let Some(url) = line.trim().strip_prefix("listening on ").map(str::to_string) else {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!("lamina serve {args:?} did not start: {line:?}\n{}", String::from_utf8_lossy(&out.stderr));
        };
        // Logs go to stderr; drain them so the server never blocks on a full pipe.
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("LAMINA_TEST_SERVER_LOG").is_some() {
                    eprintln!("[serve] {l}");
                }
            }
        });
        Server { url, child }
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait up to `limit` for the process to exit by itself; its status, or `None`.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let t = std::time::Instant::now();
        while t.elapsed() < limit {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    /// Stop it now.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP call for tests: `(status, body)`; every status is an answer.
///
/// # Panics
/// When the server cannot be reached.
#[must_use]
pub fn http(method: &str, url: &str, body: Option<&str>, token: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        ("DELETE", _) => {
            let mut r = agent.delete(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        (m, b) => {
            let mut r = if m == "PUT" { agent.put(url) } else { agent.post(url) };
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send(b.unwrap_or(""))
        }
    };
    let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, text)
}

/// Point a `puppet` command at a sandbox of its own (confdir, codedir, vardir, logdir, rundir
/// and environmentpath under `sandbox`), creating the directories, an empty `puppet.conf` and an
/// empty `production` environment when missing: Puppet then runs offline and touches nothing
/// of the machine's.
pub fn puppet_sandbox(cmd: &mut std::process::Command, sandbox: &Path) {
    puppet_sandbox_with_state(cmd, sandbox, sandbox);
}

/// [`puppet_sandbox`] with Puppet's own state (`var`, `log`, `run`) under `state` instead: Puppet
/// creates directories such as `var/facts.d` at start without tolerating a concurrent creator
/// (`File exists @ dir_s_mkdir`), so processes run side by side each need their own.
pub fn puppet_sandbox_with_state(cmd: &mut std::process::Command, sandbox: &Path, state: &Path) {
    let d = |n: &str| sandbox.join(n);
    for n in ["conf", "code/environments/production"] {
        std::fs::create_dir_all(d(n)).expect("sandbox dir");
    }
    for n in ["var", "log", "run"] {
        std::fs::create_dir_all(state.join(n)).expect("sandbox state dir");
    }
    if !d("conf/puppet.conf").exists() {
        std::fs::write(d("conf/puppet.conf"), "").expect("puppet.conf");
    }
    for (flag, dir) in [("--confdir", d("conf")), ("--codedir", d("code"))] {
        cmd.arg(flag).arg(dir);
    }
    for (flag, dir) in [("--vardir", "var"), ("--logdir", "log"), ("--rundir", "run")] {
        cmd.arg(flag).arg(state.join(dir));
    }
    cmd.arg("--environmentpath").arg(d("code/environments"));
}

/// The demo estate's YAML files copied into `to`, to be edited.
///
/// # Panics
/// On an I/O error.
pub fn copy_demo(to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for f in std::fs::read_dir(repo_root().join("corpus/demo")).expect("demo") {
        let f = f.expect("entry").path();
        if f.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&f, to.join(f.file_name().expect("name"))).expect("copy");
        }
    }
}

/// Replace the first `from` in `file` with `to`.
///
/// # Panics
/// When `file` has no `from`, or on an I/O error.
pub fn edit(file: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(file).expect("read");
    assert!(s.contains(from), "{} has no {from:?}", file.display());
    std::fs::write(file, s.replacen(from, to, 1)).expect("write");
}

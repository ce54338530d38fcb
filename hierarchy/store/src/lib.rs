//! Estate stores: an estate kept in SQLite (one file, the embedded default) or PostgreSQL, with
//! one schema (`hierarchy/store/migrations/`, applied by sqlx's migrator) and one code path.
//!
//! - [`import`] loads and validates estate files exactly as the file loader does, refuses an
//!   invalid estate with all its errors (writing nothing), and writes everything in one
//!   transaction that replaces the store's previous content;
//! - [`load_estate`] reads the whole estate back and compiles it;
//! - [`load_host`] reads only what one host needs (see `host.rs`) and compiles that partial
//!   estate, trusting the references the import validated: the ENC is byte-identical to the
//!   whole estate's, for a fraction of the reading;
//! - [`export`] writes the store back as estate files (lossless: import → export → import gives
//!   the same ENC for every host).
//!
//! The database work is async (sqlx), and stays inside this module: each public function runs
//! it on a current-thread tokio runtime of its own, so callers (the CLI, the pure resolver's
//! users) stay synchronous. URLs: `sqlite://PATH` (relative or absolute path), `sqlite::memory:`
//! is useless here (each call opens its own connection), `postgres://USER@HOST:PORT/DATABASE`.
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("estate.yaml"), "parameters: {ntp: pool.ntp.org}\nhosts:\n  - {name: web01.example.com}\n")?;
//! let url = format!("sqlite://{}", dir.path().join("lamina.db").display());
//! let summary = lamina_store::import(&dir.path().join("estate.yaml"), &url)?;
//! assert_eq!(summary.hosts, 1);
//!
//! // One host's rows, compiled: the same ENC as the whole estate's.
//! let part = lamina_store::load_host(&url, "web01.example.com")?.expect("the host");
//! let host = part.host("web01.example.com").expect("known host");
//! let doc = lamina_foreman::resolve(&part, host, false)?.document()?;
//! assert_eq!(doc.parameters.get("ntp"), Some(&lamina_value::Value::from("pool.ntp.org")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod audit;
mod db;
mod feed;
mod host;
mod json;
mod listen;
mod live;
mod read;
mod write;

pub use audit::{Audit, now_utc};
use db::{Conn, Create};
pub use feed::{Feed, KEEP_REVISIONS};
use json::Spelling;
use lamina_estate::PsychText;
pub use lamina_estate::compare::{SectionDiff, summary_lines};
pub use lamina_estate::edit::{Change, ParamOwner};
use lamina_foreman::model::EstateSource;
use lamina_foreman::{Error, ErrorKind, Errors};
use lamina_foreman::{Estate, compile};
use lamina_yaml::Limits;
pub use listen::Listener;
pub use live::{BoxFuture, CHANNEL, Live, WriteTx};
use std::path::Path;

/// What an import wrote.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    /// Hosts.
    pub hosts: usize,
    /// Host groups.
    pub hostgroups: usize,
    /// Puppet classes.
    pub classes: usize,
    /// Override values.
    pub override_values: usize,
    /// What the import replaced.
    pub replaced: Replaced,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    /// Files written.
    pub files: usize,
    /// Hosts.
    pub hosts: usize,
}

/// A store URL as shown in messages and logs: without its password.
#[must_use]
pub fn shown_url(url: &str) -> String {
    let masked = match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s && !url[s + 3..at].contains('/') => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    };
    // Query parameters that carry secrets (`?password=...`, libpq's `sslpassword`).
    let Some((base, query)) = masked.split_once('?') else { return masked };
    let shown: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => format!("{k}=*****"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{base}?{}", shown.join("&"))
}

/// URL query parameters whose values are secrets.
const SECRET_PARAMS: [&str; 4] = ["password", "sslpassword", "token", "passfile"];

/// A store failure as an error naming the store.
fn fail(url: &str, msg: impl Into<String>) -> Errors {
    Errors(vec![Error::new(ErrorKind::Store, format!("store {}", shown_url(url)), msg)])
}

/// Run async store work to completion on a runtime of its own.
fn block_on<T>(url: &str, f: impl std::future::Future<Output = Result<T, String>>) -> Result<T, Errors> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(url, format!("cannot start the I/O runtime: {e}")))?;
    rt.block_on(f).map_err(|e| fail(url, e))
}

/// Open a store for reading: it must exist and hold an estate. Readers never write, so a store
/// of an older schema is read as it is (with its spelling of values); the next writer (an
/// import, a server) brings it up to date.
async fn open_existing(url: &str) -> Result<(Conn, Spelling), String> {
    let mut conn = Conn::open(url, Create::No).await?;
    let version = conn.schema_version().await?;
    if version == 0 {
        conn.close().await;
        return Err("the store holds no estate (run `lamina import ESTATE --store URL` first)".into());
    }
    let spelling =
        if conn.has_migration(db::NONFINITE_TOKENS_SINCE).await? { Spelling::Current } else { Spelling::Schema2 };
    Ok((conn, spelling))
}

/// How an import may go.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Replace writes made through the API since the last import (else the import is refused
    /// when there are any).
    pub force: bool,
    /// Who imports, for the audit log (`import by USER`).
    pub who: String,
}

/// Write a validated source into the store at `url` (created and migrated as needed), in one
/// transaction replacing the previous content, with [`ImportOptions::default`].
///
/// # Errors
/// As [`import_source_with`].
pub fn import_source(src: &EstateSource, url: &str) -> Result<Replaced, Errors> {
    import_source_with(src, url, &ImportOptions::default())
}

/// What an import replaced.
#[derive(Debug, Clone, Default)]
pub struct Replaced {
    /// The sections that changed, with the objects added, removed and changed.
    pub diffs: Vec<SectionDiff>,
    /// Writes made through the API since the last import that the import replaced (with
    /// `force`; without it they refuse the import).
    pub api_writes: i64,
    /// The store held no estate before (every object is new: `diffs` is empty).
    pub fresh: bool,
}

/// The refusal of an import over writes made through the API since the last one.
fn newer_writes(url: &str, count: i64, newest: &[Audit]) -> String {
    let mut msg = format!(
        "the store {} has {count} write{} made through the API since its last import, which this import would replace",
        shown_url(url),
        if count == 1 { "" } else { "s" }
    );
    for a in newest {
        msg.push_str(&format!("\n  revision {}: {} {} by {} at {}", a.revision, a.action, a.object, a.who, a.at));
    }
    if count > i64::try_from(newest.len()).unwrap_or(i64::MAX) {
        msg.push_str("\n  ...");
    }
    msg.push_str("\nexport the store first (lamina export --store URL --out DIR) and merge them into the estate, or pass --force to replace them");
    msg
}

/// [`import_source`] with `opts`: the writes made through the API since the last import (the
/// audit log's) refuse the import unless `opts.force`; the import is audited; what it replaced
/// is returned.
///
/// # Errors
/// When the store cannot be opened, migrated or written, or holds newer writes (without
/// `force`); nothing is written then.
pub fn import_source_with(src: &EstateSource, url: &str, opts: &ImportOptions) -> Result<Replaced, Errors> {
    let mut refused = None;
    let res = block_on(url, async {
        let mut conn = Conn::open(url, Create::Yes).await?;
        let had_estate = conn.schema_version().await? > 0;
        conn.migrate().await?;
        // The revision row's lock first, as a write through the API takes it: no API write can
        // commit between the check for writes since the last import and the import itself.
        let pg = matches!(conn, Conn::Pg(_));
        conn.exec(if pg { "BEGIN" } else { "BEGIN IMMEDIATE" }, &[]).await?;
        let res = async {
            let revision = live::bump(&mut conn).await?;
            let old =
                if had_estate { read::read_all(&mut conn, Spelling::Current).await? } else { EstateSource::default() };
            let (_, count, newest) = audit::since_import(&mut conn, 5).await?;
            if count > 0 && !opts.force {
                refused = Some(newer_writes(url, count, &newest));
                return Err("refused".to_string());
            }
            let diffs = if had_estate { lamina_estate::compare::compare(&old, src) } else { Vec::new() };
            write::write(&mut conn, src).await?;
            feed::restart(&mut conn).await?;
            let lines = lamina_estate::compare::summary_lines(&diffs, 20);
            let after = serde_json::json!({ "replaced": lines, "api_writes_replaced": count }).to_string();
            let who = if opts.who.is_empty() { "import".to_string() } else { format!("import by {}", opts.who) };
            audit::record(&mut conn, revision, &Audit::new(&who, "IMPORT", "estate", None, Some(after))).await?;
            Ok(Replaced { diffs, api_writes: count, fresh: !had_estate })
        }
        .await;
        let res = match res {
            Ok(r) => conn.exec("COMMIT", &[]).await.map(|_| r),
            Err(e) => {
                let _ = conn.exec("ROLLBACK", &[]).await;
                Err(e)
            }
        };
        conn.close().await;
        res
    });
    match refused {
        Some(msg) => Err(Errors(vec![Error::new(ErrorKind::Conflict, format!("store {}", shown_url(url)), msg)])),
        None => res,
    }
}

/// Load the estate files at `estate` as the loader does, validate them, and write them into the
/// store at `url` in one transaction (replacing what it held), with [`ImportOptions::default`].
///
/// # Errors
/// Every load and validation error of an invalid estate (the store is not touched), or the
/// store's error.
pub fn import(estate: &Path, url: &str) -> Result<ImportSummary, Errors> {
    import_with(estate, url, &ImportOptions::default())
}

/// [`import`] with `opts` (see [`import_source_with`]).
///
/// # Errors
/// As [`import`]; also when the store holds writes newer than its last import and
/// `opts.force` is not set.
pub fn import_with(estate: &Path, url: &str, opts: &ImportOptions) -> Result<ImportSummary, Errors> {
    let src = lamina_estate::load_source(estate, &Limits::default())?;
    let compiled = compile(src.clone(), &PsychText)?;
    let stats = compiled.stats();
    drop(compiled);
    let replaced = import_source_with(&src, url, opts)?;
    Ok(ImportSummary {
        hosts: stats.hosts,
        hostgroups: stats.hostgroups,
        classes: stats.classes,
        override_values: stats.override_values,
        replaced,
    })
}

/// The whole estate source held by the store.
///
/// # Errors
/// When the store cannot be read.
pub fn load_source(url: &str) -> Result<EstateSource, Errors> {
    block_on(url, async {
        let (mut conn, spelling) = open_existing(url).await?;
        let src = read::read_all(&mut conn, spelling).await;
        conn.close().await;
        src
    })
}

/// The whole estate from the store, compiled.
///
/// # Errors
/// When the store cannot be read, or every validation error of what it holds.
pub fn load_estate(url: &str) -> Result<Estate, Errors> {
    compile(load_source(url)?, &PsychText)
}

/// Only what the host `certname` (or, failing that, the host of that FQDN) needs, compiled:
/// `None` for an unknown host. Resolving the host in the result gives exactly what it gives
/// in [`load_estate`]'s.
///
/// # Errors
/// When the store cannot be read, or the validation errors of the host's part of the estate.
pub fn load_host(url: &str, certname: &str) -> Result<Option<Estate>, Errors> {
    let loaded = block_on(url, async {
        let (mut conn, spelling) = open_existing(url).await?;
        let r = host::load_host(&mut conn, certname, spelling).await;
        conn.close().await;
        r
    })?;
    match loaded {
        host::HostLoad::Found(e) => Ok(Some(*e)),
        host::HostLoad::Unknown => Ok(None),
        host::HostLoad::Invalid(errs) => Err(errs),
    }
}

/// Write the store's estate as estate files under `out` (absent or empty).
///
/// # Errors
/// When the store cannot be read or a file cannot be written.
pub fn export(url: &str, out: &Path) -> Result<ExportSummary, Errors> {
    let src = load_source(url)?;
    let files = lamina_estate::write::files(&src).map_err(|e| fail(url, e.0))?;
    lamina_estate::write::write(out, &files).map_err(|e| fail(url, e.0))?;
    Ok(ExportSummary { files: files.len(), hosts: src.hosts.len() })
}

/// Create the database named by a `postgres://` URL (or the file of a `sqlite://` one), e.g.
/// a scratch database for tests.
///
/// # Errors
/// When it cannot be created (it exists, or the server refuses).
pub fn create_database(url: &str) -> Result<(), Errors> {
    use sqlx::migrate::MigrateDatabase;
    block_on(url, async {
        if url.starts_with("sqlite:") {
            sqlx::Sqlite::create_database(url).await.map_err(|e| e.to_string())
        } else {
            sqlx::Postgres::create_database(url).await.map_err(|e| e.to_string())
        }
    })
}

/// Drop the database named by a `postgres://` URL (closing its sessions), or delete the file of
/// a `sqlite://` one.
///
/// # Errors
/// When it cannot be dropped.
pub fn drop_database(url: &str) -> Result<(), Errors> {
    use sqlx::migrate::MigrateDatabase;
    block_on(url, async {
        if url.starts_with("sqlite:") {
            sqlx::Sqlite::drop_database(url).await.map_err(|e| e.to_string())
        } else {
            sqlx::Postgres::force_drop_database(url).await.map_err(|e| e.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use lamina_foreman::Value;

    /// Regression (issue 10): stores written before schema 3 hold non-finite reals as tagged
    /// objects. Readers read them as they are (and write nothing); the next writer's migration 3
    /// rewrites them as the tokens the codec writes.
    #[test]
    fn issue10_schema_2_reals_are_read_then_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let est = dir.path().join("e.yaml");
        std::fs::write(&est, "parameters: {a: 1.5, b: 2.5, c: 3.5}\nhosts:\n  - {name: h.example.com}\n").unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        super::import(&est, &url).unwrap();
        let raw = |sql: &'static str| {
            let url = url.as_str();
            super::block_on(url, async move {
                let mut conn = super::Conn::open(url, super::Create::Existing).await?;
                let rows = conn.fetch(sql, &[], &[super::db::Col::Text]).await?;
                conn.close().await;
                Ok(rows.into_iter().map(|mut r| r.text(0)).collect::<Vec<_>>())
            })
            .unwrap()
        };
        // The store as a schema 2 lamina left it.
        super::block_on(&url, async {
            let mut conn = super::Conn::open(&url, super::Create::Existing).await?;
            for (name, old) in [("a", "nan"), ("b", "inf"), ("c", "-inf")] {
                let tagged = format!(r#"{{"\u0000lamina:float":"{old}"}}"#);
                let sql = "UPDATE parameters SET value_json = $1 WHERE owner_kind = 'global' AND name = $2";
                conn.exec(sql, &[super::db::Arg::from(tagged), super::db::Arg::from(name)]).await?;
            }
            conn.exec("DELETE FROM _sqlx_migrations WHERE version = 3", &[]).await?;
            conn.close().await;
            Ok(())
        })
        .unwrap();
        let check = || {
            let src = super::load_source(&url).unwrap();
            let got: Vec<Value> = src.parameters.iter().map(|p| p.value.clone()).collect();
            assert!(matches!(got[0], Value::Float(f) if f.is_nan()), "{got:?}");
            assert_eq!(got[1..], [Value::Float(f64::INFINITY), Value::Float(f64::NEG_INFINITY)]);
        };
        check();
        let sql = "SELECT value_json FROM parameters WHERE owner_kind = 'global' ORDER BY pos";
        assert!(raw(sql)[0].contains("lamina:float"), "a read wrote nothing");
        // A writer (a server's connection) brings the schema up to date.
        super::block_on(&url, async { super::Live::open(&url).await.map(|_| ()).map_err(|e| e.to_string()) }).unwrap();
        assert_eq!(raw(sql), ["NaN", "Infinity", "-Infinity"]);
        check();
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(super::shown_url("postgres://u:secret@h:5432/db"), "postgres://u@h:5432/db");
        assert_eq!(super::shown_url("sqlite://x.db"), "sqlite://x.db");
    }
}

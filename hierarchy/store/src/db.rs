//! The only driver-specific code of the store: connecting, migrating, and running a statement
//! with bound arguments on SQLite or PostgreSQL.
//!
//! Why an enum over two concrete connections rather than sqlx's `Any` driver: `Any` needs its
//! own feature, erases types to a lowest common set at run time and goes through an extra
//! dynamic layer on the per-host read, whose budget is a few milliseconds. Here the schema and
//! every statement are the same for both engines (`$N` placeholders are accepted by SQLite
//! too), the rows are decoded into a tiny cell type, and [`both!`] instantiates the one body for
//! each engine at compile time — so there is one code path above this module, with no
//! run-time driver dispatch besides one `match` per statement.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ColumnIndex, Connection, Database, Decode, Encode, Type};
use std::borrow::Cow;
use std::str::FromStr;

/// Run `$body` with `$c` bound to the concrete connection and `$db` to its database type.
macro_rules! both {
    ($conn:expr, |$c:ident, $db:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                $body
            }
            Conn::Pg($c) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

/// The first schema whose value columns spell non-finite reals as tokens (`json.rs`).
pub(crate) const NONFINITE_TOKENS_SINCE: i64 = 3;

/// The migrations, embedded (the files under `hierarchy/store/migrations/`, in the layout `sqlx
/// migrate` uses, so that its CLI can apply them too).
fn migrator() -> Migrator {
    let m = |version: i64, desc: &'static str, sql: &'static str| {
        Migration::new(version, Cow::Borrowed(desc), MigrationType::Simple, Cow::Borrowed(sql), false)
    };
    Migrator {
        migrations: Cow::Owned(vec![
            m(1, "estate", include_str!("../migrations/0001_estate.sql")),
            m(2, "revision", include_str!("../migrations/0002_revision.sql")),
            m(3, "nonfinite reals", include_str!("../migrations/0003_nonfinite_reals.sql")),
            m(4, "changes", include_str!("../migrations/0004_changes.sql")),
            m(5, "erb settings and os family", include_str!("../migrations/0005_interpolate_erb.sql")),
            m(6, "audits", include_str!("../migrations/0006_audits.sql")),
        ]),
        ..Migrator::DEFAULT
    }
}

/// A bound argument.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Int(i64),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<usize> for Arg {
    fn from(v: usize) -> Self {
        Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}

/// The type of a selected column.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Col {
    Int,
    Text,
    Bool,
}

/// One decoded value; text columns may be NULL.
#[derive(Clone, Debug)]
pub(crate) enum Cell {
    Int(i64),
    Text(Option<String>),
    Bool(bool),
}

/// A decoded row. Accessors take the value out; a type mismatch with the column list given to
/// [`Conn::fetch`] is a programming error and reads as the type's empty value.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Cell>);

impl Row {
    pub(crate) fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Cell::Int(v)) => *v,
            _ => 0,
        }
    }
    pub(crate) fn idx(&self, i: usize) -> usize {
        usize::try_from(self.int(i)).unwrap_or(0)
    }
    pub(crate) fn opt(&mut self, i: usize) -> Option<String> {
        match self.0.get_mut(i) {
            Some(Cell::Text(v)) => v.take(),
            _ => None,
        }
    }
    pub(crate) fn text(&mut self, i: usize) -> String {
        self.opt(i).unwrap_or_default()
    }
    pub(crate) fn bool(&self, i: usize) -> bool {
        matches!(self.0.get(i), Some(Cell::Bool(true)))
    }
}

/// An open connection to one of the two engines.
#[derive(Debug)]
pub(crate) enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Whether to create the SQLite file when it does not exist (import does, reads do not: a
/// mistyped path must not silently read an empty store).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Create {
    Yes,
    No,
    /// An existing store, opened for writing (a server's connection).
    Existing,
}

fn bind_all<'q, DB: Database>(
    mut q: sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>,
    args: &[Arg],
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
{
    for a in args {
        q = match a {
            Arg::Int(v) => q.bind(*v),
            Arg::Bool(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.clone()),
        };
    }
    q
}

fn decode<'r, R: sqlx::Row>(row: &'r R, cols: &[Col]) -> Result<Row, sqlx::Error>
where
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut out = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        out.push(match c {
            Col::Int => Cell::Int(row.try_get(i)?),
            Col::Text => Cell::Text(row.try_get(i)?),
            Col::Bool => Cell::Bool(row.try_get(i)?),
        });
    }
    Ok(Row(out))
}

impl Conn {
    /// Connect to `url` (`sqlite://PATH`, `sqlite:PATH`, `postgres://...`, `postgresql://...`).
    pub(crate) async fn open(url: &str, create: Create) -> Result<Conn, String> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url).map_err(|e| e.to_string())?.foreign_keys(false);
            // SQLite says only "unable to open database file" when the file's directory is
            // missing (a typo in a path), or the file is when it must exist: say which.
            let file = opts.get_filename();
            if let Some(dir) = file.parent()
                && !dir.as_os_str().is_empty()
                && !dir.is_dir()
            {
                return Err(format!("the directory {:?} does not exist", dir.display().to_string()));
            }
            // (An in-memory database's name starts with `file:`; it never exists on disk.)
            if !matches!(create, Create::Yes) && !file.to_string_lossy().starts_with("file:") && !file.exists() {
                return Err(format!(
                    "the file {:?} does not exist (`lamina import ESTATE --store URL` creates a store)",
                    file.display().to_string()
                ));
            }
            // The import sets WAL (persistent in the file), so that readers run while an import
            // writes; readers open read-only and set nothing, which keeps a per-host read to
            // its few queries (no pragma writes, no checkpoint at close).
            let opts = match create {
                Create::Yes => opts.create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal),
                // Memory-mapped reads: a fresh process reads its few hundred pages without a
                // syscall each.
                Create::No => opts.read_only(true).pragma("mmap_size", "268435456"),
                // A server's connection: it writes rarely and must not wait forever for
                // another writer's lock.
                Create::Existing => opts.busy_timeout(std::time::Duration::from_secs(10)),
            };
            SqliteConnection::connect_with(&opts).await.map(Conn::Sqlite).map_err(|e| e.to_string())
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| e.to_string())?;
            PgConnection::connect_with(&opts).await.map(Conn::Pg).map_err(|e| e.to_string())
        } else {
            Err("unsupported store URL: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE".into())
        }
    }

    /// Apply the migrations not yet applied.
    pub(crate) async fn migrate(&mut self) -> Result<(), String> {
        let m = migrator();
        both!(self, |c, DB| m.run_direct(c).await.map_err(|e| format!("migration failed: {e}")))
    }

    /// The schema version (the latest migration applied); 0 for a store that was never
    /// imported into (no tables).
    pub(crate) async fn schema_version(&mut self) -> Result<i64, String> {
        // Both engines answer a catalog query differently, so ask for the table and treat
        // "no such table" as no schema.
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        match self.fetch(sql, &[], &[Col::Int]).await {
            Ok(rows) => Ok(rows.first().map_or(0, |r| r.int(0))),
            Err(e) if e.contains("no such table") || e.contains("does not exist") => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Whether migration `version` has been applied (a store's schema is the set of them).
    pub(crate) async fn has_migration(&mut self, version: i64) -> Result<bool, String> {
        let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE version = $1 AND success";
        Ok(self.fetch(sql, &[Arg::Int(version)], &[Col::Int]).await?.first().is_some_and(|r| r.int(0) > 0))
    }

    /// Run one statement.
    pub(crate) async fn exec(&mut self, sql: &str, args: &[Arg]) -> Result<u64, String> {
        both!(self, |c, DB| {
            bind_all(sqlx::query::<DB>(sql), args)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        })
    }

    /// Run one query and decode its rows as `cols`.
    pub(crate) async fn fetch(&mut self, sql: &str, args: &[Arg], cols: &[Col]) -> Result<Vec<Row>, String> {
        both!(self, |c, DB| {
            let rows = bind_all(sqlx::query::<DB>(sql), args).fetch_all(&mut *c).await.map_err(|e| e.to_string())?;
            rows.iter().map(|r| decode(r, cols)).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
        })
    }

    pub(crate) async fn close(self) {
        let _ = both!(self, |c, DB| c.close().await);
    }
}

/// `$first, $first+1, ...` placeholders for `n` arguments.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Multi-row inserts into one table, flushed in batches that stay under both engines' limits
/// on bound arguments (SQLite 32766, PostgreSQL 65535).
#[derive(Debug)]
pub(crate) struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    args: Vec<Arg>,
}

const MAX_ARGS: usize = 30_000;

impl Batch {
    pub(crate) fn new(table: &'static str, columns: &'static [&'static str]) -> Batch {
        Batch { table, columns, args: Vec::new() }
    }

    /// Queue a row (its arguments in column order), flushing when the batch is full.
    pub(crate) async fn row(&mut self, conn: &mut Conn, row: Vec<Arg>) -> Result<(), String> {
        debug_assert_eq!(row.len(), self.columns.len());
        self.args.extend(row);
        if self.args.len() + self.columns.len() > MAX_ARGS { self.flush(conn).await } else { Ok(()) }
    }

    pub(crate) async fn flush(&mut self, conn: &mut Conn) -> Result<(), String> {
        if self.args.is_empty() {
            return Ok(());
        }
        let w = self.columns.len();
        let rows = self.args.len() / w;
        let values: Vec<String> = (0..rows).map(|r| format!("({})", placeholders(r * w + 1, w))).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES {}", self.table, self.columns.join(", "), values.join(", "));
        let args = std::mem::take(&mut self.args);
        conn.exec(&sql, &args).await.map(|_| ()).map_err(|e| format!("table {}: {e}", self.table))
    }
}

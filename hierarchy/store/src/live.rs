//! A store kept open by a long-running process (the ENC server): the estate read with the
//! revision it is at, the revision polled cheaply, and changes written object by object.
//!
//! A server answers reads from an estate compiled in memory and uses the store as the shared
//! source of truth. Every change (an import, an API write, a facts upload) bumps the store's
//! revision in the same transaction, so that other servers sharing the store see that their
//! estate is stale by reading one row. A change is written with the revision its validation
//! was done against (`UPDATE ... WHERE revision = $expected`): when another writer got there
//! first, nothing is written and the caller reloads and validates again (an error of kind
//! [`lamina_foreman::ErrorKind::Conflict`]).
//!
//! Writes replace whole objects (a host with its classes, interfaces and parameters; one owner's
//! parameter list; a smart class parameter with its override values), keeping the ids of the
//! objects they replace, so that reading the store back gives the same order of definition as
//! the in-memory source the change was validated on.

use super::db::{Arg, Col, Conn, Create};
use super::read;
use super::write::{Files, Writer};
use lamina_estate::edit::{Change, ParamOwner};
use lamina_foreman::model::EstateSource;
use lamina_foreman::{Error, ErrorKind};
use tokio::sync::Mutex;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// `(owner_kind, table, column)` of a parameter owner; `None` table for the global list.
fn owner_table(owner: &ParamOwner) -> (&'static str, Option<(&'static str, &'static str, &str)>) {
    match owner {
        ParamOwner::Global => ("global", None),
        ParamOwner::Organization(t) => ("organization", Some(("organizations", "title", t))),
        ParamOwner::Location(t) => ("location", Some(("locations", "title", t))),
        ParamOwner::Domain(n) => ("domain", Some(("domains", "name", n))),
        ParamOwner::Subnet(n) => ("subnet", Some(("subnets", "name", n))),
        ParamOwner::Os(t) => ("os", Some(("operatingsystems", "title", t))),
        ParamOwner::Hostgroup(t) => ("hostgroup", Some(("hostgroups", "title", t))),
        ParamOwner::Host(n) => ("host", Some(("hosts", "name", n))),
    }
}

/// A store failure ([`ErrorKind::Store`]) with the store's message.
fn store_error(message: String) -> Error {
    Error::new(ErrorKind::Store, "", message)
}

/// An open store for a long-running process. Its one connection is shared behind a mutex:
/// reads of hosts never come here (they are answered from memory), only reloads, revision
/// polls and writes, which are rare and short.
#[derive(Debug)]
pub struct Live {
    url: String,
    conn: Mutex<Conn>,
    pg: bool,
}

/// Bump the revision (only from `expected`, when given) in the caller's transaction; the new
/// revision, or a conflict.
pub(crate) async fn bump(conn: &mut Conn, expected: Option<i64>) -> Result<i64, String> {
    let n = match expected {
        Some(rev) => {
            conn.exec("UPDATE lamina_meta SET revision = revision + 1 WHERE id = 1 AND revision = $1", &[Arg::Int(rev)])
                .await?
        }
        None => conn.exec("UPDATE lamina_meta SET revision = revision + 1 WHERE id = 1", &[]).await?,
    };
    let rev = revision(conn).await?;
    if n == 1 { Ok(rev) } else { Err(format!("conflict:{rev}")) }
}

async fn revision(conn: &mut Conn) -> Result<i64, String> {
    let rows = conn.fetch("SELECT revision FROM lamina_meta WHERE id = 1", &[], &[Col::Int]).await?;
    rows.first().map(|r| r.int(0)).ok_or_else(|| "the store has no revision row".to_string())
}

impl Live {
    /// Open the store at `url` (it must hold an estate) and bring its schema up to date.
    ///
    /// # Errors
    /// When it cannot be opened, holds no estate, or cannot be migrated.
    pub async fn open(url: &str) -> Result<Live, Error> {
        let mut conn = Conn::open(url, Create::Existing)
            .await
            .map_err(|e| store_error(format!("store {}: {e}", super::shown_url(url))))?;
        if conn.schema_version().await.map_err(store_error)? == 0 {
            conn.close().await;
            return Err(store_error(format!(
                "store {}: it holds no estate (run `lamina import ESTATE --store URL` first)",
                super::shown_url(url)
            )));
        }
        conn.migrate().await.map_err(store_error)?;
        let pg = matches!(conn, Conn::Pg(_));
        Ok(Live { url: url.to_string(), conn: Mutex::new(conn), pg })
    }

    /// The URL, without its password.
    #[must_use]
    pub fn shown_url(&self) -> String {
        super::shown_url(&self.url)
    }

    /// The store's revision.
    ///
    /// # Errors
    /// When the store does not answer.
    pub async fn revision(&self) -> Result<i64, Error> {
        revision(&mut *self.conn.lock().await).await.map_err(store_error)
    }

    /// The whole estate source and the revision it is at, read in one transaction (a
    /// consistent snapshot on both engines).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn load(&self) -> BoxFuture<'_, Result<(i64, EstateSource), Error>> {
        Box::pin(async { self.load_inner().await.map_err(store_error) })
    }

    async fn load_inner(&self) -> Result<(i64, EstateSource), String> {
        let mut conn = self.conn.lock().await;
        let begin = if self.pg { "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" } else { "BEGIN" };
        conn.exec(begin, &[]).await?;
        let res = async {
            let rev = revision(&mut conn).await?;
            // `open` brought the schema up to date.
            let src = read::read_all(&mut conn, super::json::Spelling::Current).await?;
            Ok::<_, String>((rev, src))
        }
        .await;
        let _ = conn.exec("COMMIT", &[]).await;
        res
    }

    /// Write `changes` in one transaction, if the store is still at `expected`; the new
    /// revision.
    ///
    /// # Errors
    /// [`ErrorKind::Conflict`] when another writer moved the store on, [`ErrorKind::Store`]
    /// when the store fails; nothing is written in either case.
    pub fn commit<'a>(&'a self, expected: i64, changes: &'a [Change]) -> BoxFuture<'a, Result<i64, Error>> {
        // Boxed as `Send` here, where the lifetimes are concrete: callers in a multi-threaded
        // server can then hold it across awaits (the compiler cannot prove `Send` for the
        // nested iterator closures of the writer from a generic caller).
        Box::pin(self.commit_inner(expected, changes))
    }

    async fn commit_inner(&self, expected: i64, changes: &[Change]) -> Result<i64, Error> {
        let mut conn = self.conn.lock().await;
        conn.exec("BEGIN", &[]).await.map_err(store_error)?;
        let res = async {
            // First, so that the writer holds the lock (PostgreSQL's row lock, SQLite's write
            // lock) before it writes anything.
            let rev = bump(&mut conn, Some(expected)).await?;
            let files = Files::load(&mut conn).await?;
            let mut w = Writer::new(&mut conn, files);
            for c in changes {
                apply(&mut w, c).await?;
            }
            w.finish().await?;
            Ok::<i64, String>(rev)
        }
        .await;
        match res {
            Ok(rev) => {
                conn.exec("COMMIT", &[]).await.map_err(store_error)?;
                Ok(rev)
            }
            Err(e) => {
                let _ = conn.exec("ROLLBACK", &[]).await;
                match e.strip_prefix("conflict:").and_then(|n| n.parse::<i64>().ok()) {
                    Some(current) => Err(Error::new(
                        ErrorKind::Conflict,
                        "",
                        format!("the store changed meanwhile (now at revision {current}); nothing was written"),
                    )),
                    None => Err(store_error(e)),
                }
            }
        }
    }

    /// Whether the store answers (for readiness).
    ///
    /// # Errors
    /// The store's error.
    pub async fn ping(&self) -> Result<(), Error> {
        self.revision().await.map(|_| ())
    }
}

/// The id of the row of `table` whose `col` is `name`, or the next free id.
async fn id_of(conn: &mut Conn, table: &str, col: &str, name: &str) -> Result<(i64, bool), String> {
    let sql = format!("SELECT id FROM {table} WHERE {col} = $1");
    if let Some(r) = conn.fetch(&sql, &[Arg::from(name)], &[Col::Int]).await?.first() {
        return Ok((r.int(0), true));
    }
    Ok((next_id(conn, table).await?, false))
}

/// One past the largest id of `table`: a new object goes after every existing one, as it does
/// at the end of the in-memory source.
async fn next_id(conn: &mut Conn, table: &str) -> Result<i64, String> {
    let sql = format!("SELECT COALESCE(MAX(id), -1) + 1 FROM {table}");
    let rows = conn.fetch(&sql, &[], &[Col::Int]).await?;
    Ok(rows.first().map_or(0, |r| r.int(0)))
}

async fn delete_children(conn: &mut Conn, children: &[(&str, &str)], id: i64) -> Result<(), String> {
    for (table, col) in children {
        conn.exec(&format!("DELETE FROM {table} WHERE {col} = $1"), &[Arg::Int(id)]).await?;
    }
    Ok(())
}

async fn apply(w: &mut Writer<'_>, change: &Change) -> Result<(), String> {
    match change {
        Change::Host(name, host) => {
            let (id, _) = id_of(w.conn, "hosts", "name", name).await?;
            let children = [("host_classes", "host_id"), ("host_config_groups", "host_id"), ("interfaces", "host_id")];
            delete_children(w.conn, &children, id).await?;
            w.conn.exec("DELETE FROM parameters WHERE owner_kind = 'host' AND owner_id = $1", &[Arg::Int(id)]).await?;
            w.conn.exec("DELETE FROM hosts WHERE id = $1", &[Arg::Int(id)]).await?;
            if let Some(h) = host {
                w.hosts(&[(id, h)]).await?;
            }
        }
        Change::Hostgroup(title, group) => {
            let (id, _) = id_of(w.conn, "hostgroups", "title", title).await?;
            let children = [("hostgroup_classes", "hostgroup_id"), ("hostgroup_config_groups", "hostgroup_id")];
            delete_children(w.conn, &children, id).await?;
            w.conn
                .exec("DELETE FROM parameters WHERE owner_kind = 'hostgroup' AND owner_id = $1", &[Arg::Int(id)])
                .await?;
            w.conn.exec("DELETE FROM hostgroups WHERE id = $1", &[Arg::Int(id)]).await?;
            if let Some(g) = group {
                w.hostgroups(&[(id, g)]).await?;
            }
        }
        Change::Params(owner, list) => {
            let (kind, table) = owner_table(owner);
            let id = match table {
                None => 0,
                Some((table, col, name)) => match id_of(w.conn, table, col, name).await? {
                    (id, true) => id,
                    (_, false) => return Err(format!("no {kind} {name:?} in the store")),
                },
            };
            w.conn
                .exec(
                    "DELETE FROM parameters WHERE owner_kind = $1 AND owner_id = $2",
                    &[Arg::from(kind), Arg::Int(id)],
                )
                .await?;
            w.params(kind, id, list).await?;
        }
        Change::Key { class, key, param } => {
            let (class_id, found) = id_of(w.conn, "puppetclasses", "name", class).await?;
            if !found {
                return Err(format!("no class {class:?} in the store"));
            }
            let sql = "SELECT id, pos FROM smart_class_parameters WHERE class_id = $1 AND key_name = $2";
            let rows = w.conn.fetch(sql, &[Arg::Int(class_id), Arg::from(key.as_str())], &[Col::Int, Col::Int]).await?;
            let (id, pos) = match rows.first() {
                Some(r) => (r.int(0), r.int(1)),
                None => {
                    let id = next_id(w.conn, "smart_class_parameters").await?;
                    let rows = w
                        .conn
                        .fetch(
                            "SELECT COALESCE(MAX(pos), -1) + 1 FROM smart_class_parameters WHERE class_id = $1",
                            &[Arg::Int(class_id)],
                            &[Col::Int],
                        )
                        .await?;
                    (id, rows.first().map_or(0, |r| r.int(0)))
                }
            };
            w.conn.exec("DELETE FROM override_values WHERE key_id = $1", &[Arg::Int(id)]).await?;
            w.conn.exec("DELETE FROM smart_class_parameters WHERE id = $1", &[Arg::Int(id)]).await?;
            if let Some(k) = param {
                w.keys(&[(id, class_id, pos, k)]).await?;
            }
        }
        Change::Facts(certname, facts) => {
            let n = w
                .conn
                .exec(
                    "UPDATE hosts SET facts_json = $1 WHERE lookup_certname = $2",
                    &[Arg::from(super::json::encode_map(facts)), Arg::from(certname.as_str())],
                )
                .await?;
            if n != 1 {
                return Err(format!("no host {certname:?} in the store"));
            }
        }
    }
    Ok(())
}

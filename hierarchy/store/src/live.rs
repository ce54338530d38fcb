//! A store kept open by a long-running process (the ENC server): the estate read with the
//! revision it is at, writes serialised by the database, and the change feed that tells other
//! servers what a write changed.
//!
//! Every change (an import, an API write, a facts upload) bumps the store's revision in its own
//! transaction, and records what it changed in `lamina_changes` under that revision
//! (`migrations/0004_changes.sql`); on PostgreSQL it also `NOTIFY`s [`CHANNEL`]. A server
//! applies the changes after its revision ([`Live::feed`]) instead of reloading the estate, and
//! reloads only when the feed has a gap (an import, pruned rows).
//!
//! A write ([`Live::begin_write`]) takes the revision row's lock first: writers through
//! different servers queue in the database, one at a time, instead of racing on a compare and
//! swap. The writer then sees every change committed before it ([`WriteTx::feed`]), brings its
//! estate up to date, validates its own change against that, and commits — so a write fails
//! only on a real conflict (the object it edits is gone, a host group still has hosts), never
//! because another server wrote something else meanwhile.
//!
//! A write is a transaction that rolls back when its [`WriteTx`] is dropped before
//! [`WriteTx::commit`] (a client that vanished mid-request), and the connection is re-opened by
//! the next call after any failure (a database restart, a terminated backend), so one bad
//! moment never wedges the server.
//!
//! Writes replace whole objects (a host with its classes, interfaces and parameters; one owner's
//! parameter list; a smart class parameter with its override values), keeping the ids of the
//! objects they replace, so that reading the store back gives the same order of definition as
//! the in-memory source the change was validated on.

use super::audit::Audit;
use super::db::{Arg, Col, Conn, Create};
use super::feed::{self, Feed};
use super::read;
use super::write::{Files, Writer};
use lamina_estate::edit::{Change, ParamOwner};
use lamina_foreman::model::EstateSource;
use lamina_foreman::{Error, ErrorKind};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The PostgreSQL notification channel a write announces its revision on.
pub const CHANNEL: &str = "lamina_changes";

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// `(owner_kind, table, column)` of a parameter owner; `None` table for the global list.
pub(crate) fn owner_table(owner: &ParamOwner) -> (&'static str, Option<(&'static str, &'static str, &str)>) {
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

/// The connection, when open, and whether a dropped transaction still has to be rolled back.
#[derive(Debug, Default)]
struct Slot {
    conn: Option<Conn>,
    /// A transaction was left open (its owner was dropped outside a runtime).
    open_tx: bool,
}

/// An open store for a long-running process. Its one connection is shared behind a mutex:
/// reads of hosts never come here (they are answered from memory), only loads, feed reads and
/// writes, which are short.
#[derive(Debug)]
pub struct Live {
    url: String,
    slot: Arc<Mutex<Slot>>,
    pg: bool,
    /// The schema version the store was at when opened (a newer one means a reload).
    schema: i64,
}

/// Bump the revision in the caller's transaction (taking the revision row's lock until the
/// transaction ends); the new revision.
pub(crate) async fn bump(conn: &mut Conn) -> Result<i64, String> {
    // On PostgreSQL the same statement announces the new revision on [`CHANNEL`]: a
    // notification is delivered at commit, and dropped with a rollback, so announcing it
    // first costs no round trip of its own and never announces a write that did not happen.
    let (sql, args) = if matches!(conn, Conn::Pg(_)) {
        let sql = "UPDATE lamina_meta SET revision = revision + 1 WHERE id = 1 \
                   RETURNING revision, pg_notify($1, revision::text)::text IS NULL";
        (sql, vec![Arg::from(CHANNEL)])
    } else {
        ("UPDATE lamina_meta SET revision = revision + 1 WHERE id = 1 RETURNING revision", Vec::new())
    };
    let rows = conn.fetch(sql, &args, &[Col::Int]).await?;
    rows.first().map(|r| r.int(0)).ok_or_else(|| "the store has no revision row".to_string())
}

async fn revision(conn: &mut Conn) -> Result<i64, String> {
    let rows = conn.fetch("SELECT revision FROM lamina_meta WHERE id = 1", &[], &[Col::Int]).await?;
    rows.first().map(|r| r.int(0)).ok_or_else(|| "the store has no revision row".to_string())
}

/// The connection of a locked slot, re-opened when a failure closed it, and rolled back when a
/// dropped transaction left it open.
async fn ready<'s>(slot: &'s mut Slot, url: &str) -> Result<&'s mut Conn, String> {
    if slot.open_tx {
        if let Some(c) = slot.conn.as_mut()
            && c.exec("ROLLBACK", &[]).await.is_err()
        {
            slot.conn = None;
        }
        slot.open_tx = false;
    }
    if slot.conn.is_none() {
        let c = Conn::open(url, Create::Existing).await.map_err(|e| format!("store {}: {e}", super::shown_url(url)))?;
        slot.conn = Some(c);
    }
    slot.conn.as_mut().ok_or_else(|| "no connection".to_string())
}

/// Run `f` on the slot's connection. On failure the connection is closed, so that nothing
/// the failure left behind reaches the next call; when the connection had been open before
/// (a database restart or a terminated backend shows only at its next use), `f` runs once more
/// on a fresh one. `f` only reads, or writes in a transaction it has not committed, so running
/// it again is safe.
async fn with_conn<T>(
    slot: &mut Slot,
    url: &str,
    f: impl for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, Result<T, String>>,
) -> Result<T, String> {
    let was_open = slot.conn.is_some() && !slot.open_tx;
    let conn = ready(slot, url).await?;
    let res = f(conn).await;
    if res.is_err() {
        slot.conn = None;
        if was_open {
            let conn = ready(slot, url).await?;
            let res = f(conn).await;
            if res.is_err() {
                slot.conn = None;
            }
            return res;
        }
    }
    res
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
        let schema = conn.schema_version().await.map_err(store_error)?;
        let pg = matches!(conn, Conn::Pg(_));
        let slot = Slot { conn: Some(conn), open_tx: false };
        Ok(Live { url: url.to_string(), slot: Arc::new(Mutex::new(slot)), pg, schema })
    }

    /// The URL, without its password.
    #[must_use]
    pub fn shown_url(&self) -> String {
        super::shown_url(&self.url)
    }

    /// The URL, with its password (to open another connection, such as a listener).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the store is PostgreSQL (which announces writes with `NOTIFY`).
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        self.pg
    }

    /// The store's revision.
    ///
    /// # Errors
    /// When the store does not answer.
    pub async fn revision(&self) -> Result<i64, Error> {
        let mut slot = self.slot.lock().await;
        with_conn(&mut slot, &self.url, |c| Box::pin(revision(c))).await.map_err(store_error)
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
        let pg = self.pg;
        let mut slot = self.slot.lock().await;
        with_conn(&mut slot, &self.url, |conn| {
            Box::pin(async move {
                let begin = if pg { "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" } else { "BEGIN" };
                conn.exec(begin, &[]).await?;
                let res = async {
                    let rev = revision(conn).await?;
                    // `open` brought the schema up to date.
                    let src = read::read_all(conn, super::json::Spelling::Current).await?;
                    Ok::<_, String>((rev, src))
                }
                .await;
                conn.exec("COMMIT", &[]).await?;
                res
            })
        })
        .await
    }

    /// What changed after revision `since`, read in one transaction: the current state of every
    /// object written since, in the order of their last change, or [`Feed::Reload`] when the
    /// feed cannot tell (it has a gap, or — asked with `check_schema`, one more query, which a
    /// server does on its periodic poll rather than on every notification — the schema moved
    /// on).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn feed(&self, since: i64, check_schema: bool) -> BoxFuture<'_, Result<Feed, Error>> {
        Box::pin(async move {
            let (pg, schema) = (self.pg, self.schema);
            let mut slot = self.slot.lock().await;
            with_conn(&mut slot, &self.url, |conn| {
                Box::pin(async move {
                    if check_schema && conn.schema_version().await? != schema {
                        return Ok(Feed::Reload);
                    }
                    if let Some(f) = feed::read_facts(conn, since).await? {
                        return Ok(f);
                    }
                    let begin = if pg { "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" } else { "BEGIN" };
                    conn.exec(begin, &[]).await?;
                    let res = feed::read(conn, since).await;
                    conn.exec("COMMIT", &[]).await?;
                    res
                })
            })
            .await
            .map_err(store_error)
        })
    }

    /// Start a write: a transaction holding the revision row's lock, so that writers through
    /// every server sharing the store go one at a time. Dropping the [`WriteTx`] without
    /// committing rolls it back.
    ///
    /// # Errors
    /// When the store does not answer.
    pub fn begin_write(&self) -> BoxFuture<'_, Result<WriteTx, Error>> {
        Box::pin(async move {
            let mut guard = Arc::clone(&self.slot).lock_owned().await;
            let pg = self.pg;
            let revision = with_conn(&mut guard, &self.url, |conn| {
                Box::pin(async move {
                    conn.exec(if pg { "BEGIN" } else { "BEGIN IMMEDIATE" }, &[]).await?;
                    bump(conn).await
                })
            })
            .await
            .map_err(store_error)?;
            Ok(WriteTx { guard: Some(guard), url: self.url.clone(), revision })
        })
    }

    /// A page of the audit log, newest first (`object`: only that object's entries and its
    /// sub-objects'): the number of entries and the page.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn audits(&self, object: Option<&str>, offset: i64, limit: i64) -> Result<(i64, Vec<Audit>), Error> {
        let mut slot = self.slot.lock().await;
        let object = object.map(str::to_string);
        with_conn(&mut slot, &self.url, |conn| {
            let object = object.clone();
            Box::pin(async move { super::audit::page(conn, object.as_deref(), offset, limit).await })
        })
        .await
        .map_err(store_error)
    }

    /// Whether the store answers (for readiness).
    ///
    /// # Errors
    /// The store's error.
    pub async fn ping(&self) -> Result<(), Error> {
        self.revision().await.map(|_| ())
    }
}

/// A write in progress: the revision row is locked until it commits or is dropped (which rolls
/// it back).
#[derive(Debug)]
pub struct WriteTx {
    guard: Option<OwnedMutexGuard<Slot>>,
    url: String,
    /// The revision this write will have.
    revision: i64,
}

impl WriteTx {
    /// The store's revision before this write: every change up to it is visible to this write.
    #[must_use]
    pub fn before(&self) -> i64 {
        self.revision - 1
    }

    /// The revision this write will have when it commits.
    #[must_use]
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// The changes after `since` (up to [`Self::before`]), read under this write's lock.
    ///
    /// # Errors
    /// When the store cannot be read (the write is rolled back).
    pub fn feed(&mut self, since: i64) -> BoxFuture<'_, Result<Feed, Error>> {
        Box::pin(async move {
            let res = match self.guard.as_mut().and_then(|g| g.conn.as_mut()) {
                Some(conn) => match feed::read_facts(conn, since).await {
                    Ok(Some(f)) => Ok(f),
                    Ok(None) => feed::read(conn, since).await,
                    Err(e) => Err(e),
                },
                None => Err("the write's connection is closed".to_string()),
            };
            res.map_err(|e| self.fail(e))
        })
    }

    /// The whole estate as this write sees it (when [`Self::feed`] says reload).
    ///
    /// # Errors
    /// When the store cannot be read (the write is rolled back).
    pub fn load(&mut self) -> BoxFuture<'_, Result<EstateSource, Error>> {
        Box::pin(async move {
            let res = match self.guard.as_mut().and_then(|g| g.conn.as_mut()) {
                Some(conn) => read::read_all(conn, super::json::Spelling::Current).await,
                None => Err("the write's connection is closed".to_string()),
            };
            res.map_err(|e| self.fail(e))
        })
    }

    /// A failure: the connection is closed (which ends the transaction on the server).
    fn fail(&mut self, e: String) -> Error {
        if let Some(g) = self.guard.as_mut() {
            g.conn = None;
        }
        self.guard = None;
        store_error(e)
    }

    /// Write `changes`, record them in the feed, announce the revision and commit; the new
    /// revision.
    ///
    /// # Errors
    /// When the store fails; nothing is written then.
    pub fn commit(self, changes: &[Change]) -> BoxFuture<'_, Result<i64, Error>> {
        self.commit_audited(changes, None)
    }

    /// [`Self::commit`], recording `audit` (under this write's revision) in the same
    /// transaction.
    ///
    /// # Errors
    /// When the store fails; nothing is written then.
    pub fn commit_audited<'a>(
        mut self,
        changes: &'a [Change],
        audit: Option<&'a Audit>,
    ) -> BoxFuture<'a, Result<i64, Error>> {
        Box::pin(async move {
            let rev = self.revision;
            let Some(conn) = self.guard.as_mut().and_then(|g| g.conn.as_mut()) else {
                return Err(store_error("the write's connection is closed".into()));
            };
            let res = async {
                // Facts uploads, the common write, name no file: no need to read the files.
                if changes.iter().all(|c| matches!(c, Change::Facts(..))) {
                    for c in changes {
                        if let Change::Facts(certname, facts) = c {
                            write_facts(conn, certname, facts).await?;
                        }
                    }
                } else {
                    let files = Files::load(conn).await?;
                    let mut w = Writer::new(conn, files);
                    for c in changes {
                        apply(&mut w, c).await?;
                    }
                    w.finish().await?;
                }
                feed::record(conn, rev, changes).await?;
                if let Some(a) = audit {
                    super::audit::record(conn, rev, a).await?;
                }
                conn.exec("COMMIT", &[]).await?;
                Ok::<(), String>(())
            }
            .await;
            match res {
                Ok(()) => {
                    // Committed: nothing for `drop` to roll back.
                    drop(self.guard.take());
                    Ok(rev)
                }
                Err(e) => Err(self.fail(e)),
            }
        })
    }
}

impl Drop for WriteTx {
    /// Not committed: roll back now (on the runtime, owning the connection until done), or
    /// leave it to the next user of the connection.
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let url = self.url.clone();
                rt.spawn(async move {
                    guard.open_tx = true;
                    let _ = ready(&mut guard, &url).await;
                });
            }
            Err(_) => guard.open_tx = true,
        }
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
        Change::Facts(certname, facts) => write_facts(w.conn, certname, facts).await?,
    }
    Ok(())
}

/// One host's facts.
async fn write_facts(conn: &mut Conn, certname: &str, facts: &lamina_foreman::Map) -> Result<(), String> {
    let n = conn
        .exec(
            "UPDATE hosts SET facts_json = $1 WHERE lookup_certname = $2",
            &[Arg::from(super::json::encode_map(facts)), Arg::from(certname)],
        )
        .await?;
    if n == 1 { Ok(()) } else { Err(format!("no host {certname:?} in the store")) }
}

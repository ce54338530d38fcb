//! The server's state: the estate compiled in memory (a snapshot, replaced by a new version on
//! every change), the store it came from, and the single writer.
//!
//! Reads take the current snapshot (an `Arc` clone under a briefly held read lock) and never
//! touch the database. Every change — a write through this server, or another server's write
//! read from the store's change feed — makes a new version of the estate from what it touches
//! ([`edit::patched`]: a host, its facts, a parameter list, a host group, a smart class
//! parameter; everything else shared), or, when that declines, the whole source recompiled.
//! Each snapshot knows the revision at which each host's documents last changed (its version,
//! the response cache's key and the `ETag`), so that a change drops exactly the cached documents
//! it can change.
//!
//! Writes go through the store one at a time ([`lamina_store::Live::begin_write`] holds the
//! revision row's lock); the writer first applies what other servers committed before it, then
//! validates its own change against that, so a write fails only on a real conflict.

use crate::cache::Cache;
use crate::metrics::Metrics;
use lamina_estate::PsychText;
use lamina_estate::edit::{self, Op};
use lamina_estate::object::{self, Subject};
use lamina_foreman::model::EstateSource;
use lamina_foreman::{Error, ErrorKind, Estate, Map, compile};
use lamina_hiera::Layers;
use lamina_hiera_files::FileSource;
use lamina_store::{Audit, Change, Feed, Live, WriteTx};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Notify, oneshot, watch};

/// One consistent state of the estate.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// The store revision it is at (0 for estate files).
    pub(crate) revision: i64,
    /// The compiled estate reads are answered from.
    pub(crate) estate: Arc<Estate>,
    /// The revision of the last change that could touch every host.
    base: i64,
    /// Certname → the revision of the last change to that host after `base`.
    touched: imbl::HashMap<String, i64>,
}

impl Snapshot {
    /// A snapshot whose every host is at `revision`.
    pub(crate) fn new(revision: i64, estate: Estate) -> Snapshot {
        Snapshot { revision, estate: Arc::new(estate), base: revision, touched: imbl::HashMap::new() }
    }

    /// The revision at which the documents of `certname` last changed: equal versions, equal
    /// documents.
    pub(crate) fn version(&self, certname: &str) -> i64 {
        self.touched.get(certname).copied().unwrap_or(self.base)
    }
}

/// The Hiera side: layers read once at start, data files cached as read.
#[derive(Debug)]
pub(crate) struct HieraCtx {
    pub(crate) layers: Layers,
    pub(crate) source: FileSource,
    /// Puppet's `strict` (`--strict`).
    pub(crate) strict: lamina::Strict,
}

/// Why a write failed, as the API reports it.
#[derive(Debug, Clone)]
pub(crate) enum WriteError {
    /// 404.
    NotFound(String),
    /// 422, with every error.
    Invalid(Vec<String>),
    /// 409: the server serves estate files, not a store.
    ReadOnly,
    /// 503: the store failed.
    Store(String),
}

impl From<Error> for WriteError {
    fn from(e: Error) -> Self {
        match e.kind {
            ErrorKind::NotFound => WriteError::NotFound(e.to_string()),
            ErrorKind::Store => WriteError::Store(e.to_string()),
            _ => WriteError::Invalid(vec![e.to_string()]),
        }
    }
}

type FactsReply = oneshot::Sender<Result<i64, WriteError>>;

/// What only the writer touches: the source the current snapshot was compiled from.
#[derive(Debug)]
struct Writer {
    source: EstateSource,
}

/// Shared by every handler.
#[derive(Debug)]
pub(crate) struct State {
    snapshot: RwLock<Arc<Snapshot>>,
    pub(crate) live: Option<Live>,
    /// Held by whoever changes the estate (writes, facts batches, catching up with the store).
    writer: Mutex<Writer>,
    /// Facts uploads waiting for the writer: applied together, in one transaction.
    pending_facts: std::sync::Mutex<Vec<(String, Map, FactsReply)>>,
    /// The revision applied, for readers waiting for one (`?min_revision=`).
    applied: watch::Sender<i64>,
    /// Wakes the task that reads the store's change feed.
    pub(crate) nudge: Notify,
    /// The highest revision the store announced (or a reader asked for): the feed is read on a
    /// notification only when the server is behind it.
    announced: AtomicI64,
    pub(crate) cache: Cache,
    pub(crate) hiera: Option<HieraCtx>,
    pub(crate) metrics: Metrics,
    /// What one facts upload may be (size, depth, nodes).
    pub(crate) facts_limits: lamina_yaml::Limits,
    /// The store answered the last read of its changes (always true without a store).
    pub(crate) store_ok: std::sync::atomic::AtomicBool,
    /// Shutting down: not ready, so that balancers stop sending before connections close.
    pub(crate) draining: std::sync::atomic::AtomicBool,
}

/// An object as the audit log keeps it: JSON, secrets masked.
fn masked_json(mut v: lamina_foreman::Value) -> String {
    object::mask(&mut v);
    serde_json::to_string(&v).unwrap_or_default()
}

/// Compile off the async threads (a large estate takes a noticeable fraction of a second).
async fn compile_blocking(src: EstateSource) -> Result<Estate, Vec<String>> {
    tokio::task::spawn_blocking(move || compile(src, &PsychText))
        .await
        .map_err(|e| vec![format!("internal error: {e}")])?
        .map_err(|errs| errs.0.iter().map(ToString::to_string).collect())
}

/// The store holds an estate that does not compile (another writer's bug, or a hand edit).
fn invalid_at(revision: i64, errs: &[String]) -> Error {
    let msg = format!("the store's estate at revision {revision} is invalid: {}", errs.join("; "));
    Error::new(ErrorKind::Invalid, "", msg)
}

impl State {
    pub(crate) fn new(
        first: Snapshot,
        source: EstateSource,
        live: Option<Live>,
        hiera: Option<HieraCtx>,
        cache: Cache,
    ) -> State {
        let metrics = Metrics::default();
        metrics.set_estate(first.revision, first.estate.host_count());
        metrics.store(true);
        let (applied, _) = watch::channel(first.revision);
        State {
            snapshot: RwLock::new(Arc::new(first)),
            live,
            writer: Mutex::new(Writer { source }),
            pending_facts: std::sync::Mutex::new(Vec::new()),
            applied,
            nudge: Notify::new(),
            announced: AtomicI64::new(0),
            cache,
            hiera,
            metrics,
            facts_limits: lamina_yaml::Limits::hiera(),
            store_ok: std::sync::atomic::AtomicBool::new(true),
            draining: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The current snapshot.
    pub(crate) fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn publish(&self, snap: Snapshot) {
        self.metrics.set_estate(snap.revision, snap.estate.host_count());
        let revision = snap.revision;
        *self.snapshot.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(snap);
        self.applied.send_replace(revision);
    }

    /// The store has (or a reader expects) `revision`: read the feed if this server is behind it.
    pub(crate) fn announce(&self, revision: i64) {
        self.announced.fetch_max(revision, Ordering::Relaxed);
        if revision > self.current().revision {
            self.nudge.notify_one();
        }
    }

    /// Whether a feed read woken by a notification can be skipped: everything announced has
    /// been applied already (by an earlier read, or by this server's own write).
    pub(crate) fn up_to_date(&self) -> bool {
        self.current().revision >= self.announced.load(Ordering::Relaxed)
    }

    /// Wait (up to `limit`) until this server has applied `revision`; whether it has.
    pub(crate) async fn reached(&self, revision: i64, limit: Duration) -> bool {
        if self.current().revision >= revision {
            return true;
        }
        // Read the feed now rather than at the next notification or poll.
        self.announce(revision);
        let mut rx = self.applied.subscribe();
        matches!(tokio::time::timeout(limit, rx.wait_for(|r| *r >= revision)).await, Ok(Ok(_)))
    }

    /// The next snapshot after `changes` (already made in `source`), at `revision`: each change
    /// made to the compiled estate by what it touches ([`edit::patched`]: a host, its facts, a
    /// parameter list, a host group, a smart class parameter), or, when that declines (an
    /// error, a renamed object), the whole source recompiled. The hosts each change
    /// reaches get `revision` as their version and lose their cached documents.
    async fn advance(&self, source: &EstateSource, changes: &[Change], revision: i64) -> Result<Snapshot, Vec<String>> {
        let snap = self.current();
        let mut estate = (*snap.estate).clone();
        let mut whole = false;
        for c in changes {
            let Some(next) = edit::patched(&estate, c, source) else {
                whole = true;
                break;
            };
            estate = next;
        }
        if whole {
            estate = compile_blocking(source.clone()).await?;
        }
        // Each change's reach, in the estate before the batch (`None`: every host).
        let mut reached: Option<Vec<String>> = Some(Vec::new());
        for c in changes {
            match (reached.as_mut(), edit::reached(&snap.estate, &estate, c)) {
                (Some(all), Some(these)) => all.extend(these),
                _ => reached = None,
            }
        }
        // Past half the hosts, moving every host's version is cheaper than moving each (and
        // still exact enough: a version that moves without its document only costs a 200 for
        // a 304).
        let Some(reached) = reached.filter(|r| r.len() * 2 <= estate.host_count()) else {
            self.cache.clear();
            return Ok(Snapshot::new(revision, estate));
        };
        let mut touched = snap.touched.clone();
        for c in reached {
            self.cache.forget(&c);
            touched.insert(c, revision);
        }
        Ok(Snapshot { revision, estate: Arc::new(estate), base: snap.base, touched })
    }

    /// Reload the whole estate (the feed had a gap) from `src` at `revision`.
    async fn reload_with(&self, w: &mut Writer, revision: i64, src: EstateSource) -> Result<(), Error> {
        let t = Instant::now();
        let estate = compile_blocking(src.clone()).await.map_err(|errs| invalid_at(revision, &errs))?;
        w.source = src;
        self.cache.clear();
        self.publish(Snapshot::new(revision, estate));
        self.metrics.reloaded(t.elapsed());
        tracing::info!(revision, seconds = t.elapsed().as_secs_f64(), "estate reloaded from the store");
        Ok(())
    }

    /// Apply a feed read at the writer's lock.
    async fn apply_feed(&self, w: &mut Writer, feed: Feed) -> Result<bool, Error> {
        let Feed::Changes { revision, changes } = feed else { return Ok(false) };
        if revision <= self.current().revision {
            return Ok(true);
        }
        for c in &changes {
            edit::replay(&mut w.source, c.clone())?;
        }
        let snap = self.advance(&w.source, &changes, revision).await.map_err(|errs| invalid_at(revision, &errs))?;
        self.publish(snap);
        self.metrics.applied(changes.len());
        Ok(true)
    }

    /// Catch up with the store: apply its change feed after this server's revision, or reload
    /// when the feed cannot tell.
    /// `check_schema` also asks whether the store's schema moved on (the periodic poll does).
    pub(crate) async fn catch_up(&self, check_schema: bool) -> Result<(), Error> {
        let Some(live) = &self.live else { return Ok(()) };
        let mut w = self.writer.lock().await;
        let since = self.current().revision;
        let feed = live.feed(since, check_schema).await?;
        if !self.apply_feed(&mut w, feed).await? {
            let (revision, src) = live.load().await?;
            self.reload_with(&mut w, revision, src).await?;
        }
        Ok(())
    }

    /// Bring the snapshot to the revision before `tx` (other servers' writes), under its lock.
    async fn catch_up_in(&self, w: &mut Writer, tx: &mut WriteTx) -> Result<(), Error> {
        let have = self.current().revision;
        if have == tx.before() {
            return Ok(());
        }
        let feed = tx.feed(have).await?;
        if !self.apply_feed(w, feed).await? {
            let src = tx.load().await?;
            self.reload_with(w, tx.before(), src).await?;
        }
        Ok(())
    }

    /// Make `ops` in the store and in memory, one transaction; the new revision. `per_op`
    /// receives each op's own failure (for facts batches, where one unknown host must not fail
    /// the others); without it, any op's failure fails the write.
    async fn write_ops(
        &self,
        w: &mut Writer,
        ops: Vec<Op>,
        per_op: &mut (dyn FnMut(usize, Error) + Send),
        who: Option<&str>,
    ) -> Result<i64, WriteError> {
        let Some(live) = &self.live else { return Err(WriteError::ReadOnly) };
        let mut tx = live.begin_write().await?;
        self.catch_up_in(w, &mut tx).await?;
        // The audit record of a write of one object: it before (read now, after catching up)
        // and after, masked.
        let subject = match (who, ops.as_slice()) {
            (Some(who), [op]) => Subject::of(op).map(|s| {
                let action = if op.is_delete() { "DELETE" } else { "PUT" };
                (who, action, object::value_of(&w.source, &s).map(masked_json), s)
            }),
            _ => None,
        };
        // Edits are made in place and undone when refused (a copy of the source would cost
        // what the estate costs).
        let mut undos: Vec<edit::Undo> = Vec::new();
        let mut changes: Vec<Change> = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            match edit::apply_undoable(&mut w.source, op) {
                Ok((c, undo)) => {
                    changes.push(c);
                    undos.push(undo);
                }
                Err(e) => per_op(i, e),
            }
        }
        if changes.is_empty() {
            return Ok(self.current().revision);
        }
        let revision = tx.revision();
        let undo_all =
            |src: &mut EstateSource, undos: Vec<edit::Undo>| undos.into_iter().rev().for_each(|u| u.undo(src));
        let snap = match self.advance(&w.source, &changes, revision).await {
            Ok(s) => s,
            Err(errs) => {
                undo_all(&mut w.source, undos);
                return Err(WriteError::Invalid(errs));
            }
        };
        let audit = subject.map(|(who, action, before, s)| {
            let after = object::value_of(&w.source, &s).map(masked_json);
            Audit::new(who, action, &s.path(), before, after)
        });
        match tx.commit_audited(&changes, audit.as_ref()).await {
            Ok(rev) => {
                self.publish(snap);
                self.metrics.wrote(changes.len());
                Ok(rev)
            }
            Err(e) => {
                undo_all(&mut w.source, undos);
                Err(WriteError::Store(e.to_string()))
            }
        }
    }

    /// One edit (the write API). Runs in the request: a client that goes away before the
    /// commit rolls the write back.
    pub(crate) async fn write(&self, op: Op, who: &str) -> Result<i64, WriteError> {
        let mut failed = None;
        let mut w = self.writer.lock().await;
        let res = self.write_ops(&mut w, vec![op], &mut |_, e| failed = Some(e), Some(who)).await;
        match failed {
            Some(e) => Err(e.into()),
            None => res,
        }
    }

    /// `f` of the estate source as this server has it (under the writer's lock: reads of
    /// objects are rare next to ENC answers, which never take it).
    pub(crate) async fn with_source<T>(&self, f: impl FnOnce(&EstateSource) -> T) -> T {
        let w = self.writer.lock().await;
        f(&w.source)
    }

    /// A facts upload. Uploads arriving while a write is in progress wait and are written
    /// together, in one transaction, by a task of their own (so that one client going away
    /// does not cancel the others' uploads).
    pub(crate) async fn put_facts(self: &Arc<Self>, certname: String, facts: Map) -> Result<i64, WriteError> {
        let (tx, rx) = oneshot::channel();
        self.pending_facts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((certname, facts, tx));
        let st = Arc::clone(self);
        tokio::spawn(async move { st.flush_facts().await });
        rx.await.unwrap_or_else(|_| Err(WriteError::Store("the facts batch was dropped".into())))
    }

    async fn flush_facts(&self) {
        // Wait for the writer first: everything queued meanwhile goes in this batch.
        let mut w = self.writer.lock().await;
        let batch = std::mem::take(&mut *self.pending_facts.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        if batch.is_empty() {
            return;
        }
        let mut replies: Vec<Option<FactsReply>> = Vec::with_capacity(batch.len());
        let mut ops = Vec::with_capacity(batch.len());
        for (c, f, tx) in batch {
            ops.push(Op::Facts(c, f));
            replies.push(Some(tx));
        }
        let mut errs: Vec<(usize, Error)> = Vec::new();
        let res = self.write_ops(&mut w, ops, &mut |i, e| errs.push((i, e)), None).await;
        drop(w);
        self.metrics.facts_batch(replies.len());
        for (i, e) in errs {
            if let Some(tx) = replies[i].take() {
                let _ = tx.send(Err(e.into()));
            }
        }
        for tx in replies.into_iter().flatten() {
            let _ = tx.send(res.clone());
        }
    }
}

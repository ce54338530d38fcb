//! The server's state: the estate compiled in memory (a snapshot, replaced whole), the store it
//! came from, and the single writer.
//!
//! Reads take the current snapshot (an `Arc` clone under a briefly held read lock) and never
//! touch the database: one host's ENC is a resolve in memory (microseconds). The store is the
//! shared source of truth: every write is validated against the whole estate, committed with
//! the revision it was validated on, and only then published as the new snapshot; a background
//! task polls the store's revision and reloads when another server (or an import) changed it.

use crate::metrics::Metrics;
use lamina_estate::PsychText;
use lamina_estate::edit::{self, Op};
use lamina_foreman::model::EstateSource;
use lamina_foreman::{Error, ErrorKind, Estate, Map, compile};
use lamina_hiera::Layers;
use lamina_hiera_files::FileSource;
use lamina_store::{Change, Live};
use std::sync::{Arc, RwLock};
use std::time::Instant;
use tokio::sync::{Mutex, oneshot};

/// One consistent state of the estate.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// The store revision it was built from (0 for estate files).
    pub(crate) revision: i64,
    /// The source (kept to apply edits to).
    pub(crate) source: Arc<EstateSource>,
    /// The compiled estate reads are answered from.
    pub(crate) estate: Arc<Estate>,
}

/// The Hiera side: layers read once at start, data files cached as read.
#[derive(Debug)]
pub(crate) struct HieraCtx {
    pub(crate) layers: Layers,
    pub(crate) source: FileSource,
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
            _ => WriteError::Invalid(vec![e.to_string()]),
        }
    }
}

type FactsReply = oneshot::Sender<Result<i64, WriteError>>;

/// Shared by every handler.
#[derive(Debug)]
pub(crate) struct State {
    snapshot: RwLock<Arc<Snapshot>>,
    pub(crate) live: Option<Live>,
    /// Held by whoever changes the estate (writes, facts batches, reloads).
    writer: Mutex<()>,
    /// Facts uploads waiting for the writer: applied together, one compile for the batch.
    pending_facts: std::sync::Mutex<Vec<(String, Map, FactsReply)>>,
    pub(crate) hiera: Option<HieraCtx>,
    pub(crate) metrics: Metrics,
}

/// Compile off the async threads (a large estate takes a noticeable fraction of a second).
async fn compile_blocking(src: EstateSource) -> Result<Estate, Vec<String>> {
    tokio::task::spawn_blocking(move || compile(src, &PsychText))
        .await
        .map_err(|e| vec![format!("internal error: {e}")])?
        .map_err(|errs| errs.0.iter().map(ToString::to_string).collect())
}

impl State {
    pub(crate) fn new(first: Snapshot, live: Option<Live>, hiera: Option<HieraCtx>) -> State {
        let metrics = Metrics::default();
        metrics.set_estate(first.revision, first.estate.host_count());
        State {
            snapshot: RwLock::new(Arc::new(first)),
            live,
            writer: Mutex::new(()),
            pending_facts: std::sync::Mutex::new(Vec::new()),
            hiera,
            metrics,
        }
    }

    /// The current snapshot.
    pub(crate) fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn publish(&self, snap: Snapshot) {
        self.metrics.set_estate(snap.revision, snap.estate.host_count());
        *self.snapshot.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(snap);
    }

    /// Read the store and compile it (the caller holds the writer lock).
    async fn reload_locked(&self, live: &Live) -> Result<(), Error> {
        let t = Instant::now();
        let (revision, source) = live.load().await?;
        let estate = compile_blocking(source.clone()).await.map_err(|errs| {
            let msg = format!("the store's estate at revision {revision} is invalid: {}", errs.join("; "));
            Error::new(ErrorKind::Invalid, "", msg)
        })?;
        self.publish(Snapshot { revision, source: Arc::new(source), estate: Arc::new(estate) });
        self.metrics.reloaded(t.elapsed());
        tracing::info!(revision, seconds = t.elapsed().as_secs_f64(), "estate reloaded from the store");
        Ok(())
    }

    /// Reload when the store moved past the snapshot (the change feed: one row read).
    pub(crate) async fn refresh(&self) -> Result<(), Error> {
        let Some(live) = &self.live else { return Ok(()) };
        let rev = live.revision().await?;
        if rev == self.current().revision {
            return Ok(());
        }
        let _w = self.writer.lock().await;
        if live.revision().await? != self.current().revision {
            self.reload_locked(live).await?;
        }
        Ok(())
    }

    /// Validate `ops` against the whole estate, commit them in one transaction, publish the
    /// result; the new revision. Retries (after a reload) when another server wrote first.
    /// `per_op` receives each op's own failure (for facts batches, where one unknown host
    /// must not fail the others); without it, any op's failure fails the write.
    async fn write_locked(
        &self,
        ops: Vec<Op>,
        per_op: &mut (dyn FnMut(usize, Error) + Send),
    ) -> Result<i64, WriteError> {
        let Some(live) = &self.live else { return Err(WriteError::ReadOnly) };
        for _attempt in 0..3 {
            let snap = self.current();
            let mut src = (*snap.source).clone();
            let mut changes: Vec<Change> = Vec::with_capacity(ops.len());
            for (i, op) in ops.iter().enumerate() {
                match edit::apply(&mut src, op.clone()) {
                    Ok(c) => changes.push(c),
                    Err(e) => per_op(i, e),
                }
            }
            if changes.is_empty() {
                return Ok(snap.revision);
            }
            let estate = compile_blocking(src.clone()).await.map_err(WriteError::Invalid)?;
            match live.commit(snap.revision, &changes).await {
                Ok(revision) => {
                    self.publish(Snapshot { revision, source: Arc::new(src), estate: Arc::new(estate) });
                    self.metrics.wrote(changes.len());
                    return Ok(revision);
                }
                Err(e) if e.kind == ErrorKind::Conflict => {
                    tracing::info!(error = %e, "the store changed under a write: reloading and validating again");
                    self.reload_locked(live).await.map_err(|e| WriteError::Store(e.to_string()))?;
                }
                Err(e) => return Err(WriteError::Store(e.to_string())),
            }
        }
        Err(WriteError::Store("the store kept changing under the write; try again".into()))
    }

    /// One edit (the write API).
    pub(crate) async fn write(&self, op: Op) -> Result<i64, WriteError> {
        let _w = self.writer.lock().await;
        let mut failed = None;
        let res = self.write_locked(vec![op], &mut |_, e| failed = Some(e)).await;
        match failed {
            Some(e) => Err(e.into()),
            None => res,
        }
    }

    /// A facts upload. Uploads arriving while a write is in progress wait and are applied
    /// together: Puppet masters upload facts on every run, and a compile per upload would
    /// cost a large estate far more than one compile per batch.
    pub(crate) async fn put_facts(&self, certname: String, facts: Map) -> Result<i64, WriteError> {
        let (tx, rx) = oneshot::channel();
        self.pending_facts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((certname, facts, tx));
        {
            let _w = self.writer.lock().await;
            let batch =
                std::mem::take(&mut *self.pending_facts.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            if !batch.is_empty() {
                let mut replies: Vec<Option<FactsReply>> = Vec::with_capacity(batch.len());
                let mut ops = Vec::with_capacity(batch.len());
                for (c, f, tx) in batch {
                    ops.push(Op::Facts(c, f));
                    replies.push(Some(tx));
                }
                let mut errs: Vec<(usize, Error)> = Vec::new();
                let res = self.write_locked(ops, &mut |i, e| errs.push((i, e))).await;
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
        rx.await.unwrap_or_else(|_| Err(WriteError::Store("the facts batch was dropped".into())))
    }
}

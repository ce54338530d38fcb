//! The change feed's rows (`lamina_changes`, `migrations/0004_changes.sql`): recorded by every
//! write in its transaction, read back by servers as the current state of each object changed
//! after their revision.

use super::db::{Arg, Batch, Col, Conn};
use super::json::{self, Spelling};
use super::live::owner_table;
use super::read::{Reader, take_params};
use lamina_estate::edit::Change;

/// How many revisions the feed keeps; a server further behind reloads the whole estate.
pub const KEEP_REVISIONS: i64 = 100_000;

/// What a server must do to catch up with the store.
#[derive(Debug)]
pub enum Feed {
    /// Apply these changes (each the current state of an object changed after the server's
    /// revision, in the order of their last change) to be at `revision`.
    Changes {
        /// The store's revision the changes bring the server to.
        revision: i64,
        /// The changes; empty when the server is up to date.
        changes: Vec<Change>,
    },
    /// Reload the whole estate: the feed has a gap (an import replaced everything, old rows
    /// were pruned), the schema moved on, or a change is of a kind servers apply by reloading
    /// (host groups, smart class parameters, parameters of owners other than hosts).
    Reload,
}

/// The row that records `change`: `(kind, owner_kind, name, class)`.
fn row_of(change: &Change) -> (&'static str, Option<&'static str>, String, Option<String>) {
    match change {
        Change::Facts(c, _) => ("facts", None, c.clone(), None),
        Change::Host(n, _) => ("host", None, n.clone(), None),
        Change::Hostgroup(t, _) => ("hostgroup", None, t.clone(), None),
        Change::Params(owner, _) => {
            let (kind, table) = owner_table(owner);
            ("params", Some(kind), table.map(|(_, _, n)| n.to_string()).unwrap_or_default(), None)
        }
        Change::Key { class, key, .. } => ("key", None, key.clone(), Some(class.clone())),
    }
}

/// Record `changes` under `revision` (in the caller's transaction), and prune rows older than
/// [`KEEP_REVISIONS`] now and then.
pub(crate) async fn record(conn: &mut Conn, revision: i64, changes: &[Change]) -> Result<(), String> {
    let mut b = Batch::new("lamina_changes", &["revision", "seq", "kind", "owner_kind", "name", "class"]);
    for (seq, c) in changes.iter().enumerate() {
        let (kind, owner_kind, name, class) = row_of(c);
        let row = vec![
            Arg::Int(revision),
            Arg::from(seq),
            Arg::from(kind),
            Arg::Text(owner_kind.map(str::to_string)),
            Arg::from(name),
            Arg::Text(class),
        ];
        b.row(conn, row).await?;
    }
    b.flush(conn).await?;
    if revision % 1024 == 0 && revision > KEEP_REVISIONS {
        let floor = revision - KEEP_REVISIONS;
        conn.exec("DELETE FROM lamina_changes WHERE revision <= $1", &[Arg::Int(floor)]).await?;
        conn.exec("UPDATE lamina_meta SET feed_since = $1 WHERE id = 1 AND feed_since < $1", &[Arg::Int(floor)])
            .await?;
    }
    Ok(())
}

/// After an import: the feed starts again at the import's revision.
pub(crate) async fn restart(conn: &mut Conn) -> Result<(), String> {
    conn.exec("DELETE FROM lamina_changes", &[]).await?;
    conn.exec("UPDATE lamina_meta SET feed_since = revision WHERE id = 1", &[]).await?;
    Ok(())
}

/// The object a row names, as servers apply it: a host (its parameters are part of it) or a
/// host's facts; `None` for the kinds that make a server reload.
fn object(kind: &str, owner_kind: Option<&str>, name: String) -> Option<(bool, String)> {
    match (kind, owner_kind) {
        ("facts", _) => Some((true, name)),
        ("host", _) | ("params", Some("host")) => Some((false, name)),
        _ => None,
    }
}

/// The feed after `since`, read in the caller's transaction.
pub(crate) async fn read(conn: &mut Conn, since: i64) -> Result<Feed, String> {
    let meta =
        conn.fetch("SELECT revision, feed_since FROM lamina_meta WHERE id = 1", &[], &[Col::Int, Col::Int]).await?;
    let Some((revision, feed_since)) = meta.first().map(|r| (r.int(0), r.int(1))) else {
        return Err("the store has no revision row".into());
    };
    if since < feed_since || since > revision {
        return Ok(Feed::Reload);
    }
    if since == revision {
        return Ok(Feed::Changes { revision, changes: Vec::new() });
    }
    let rows = conn
        .fetch(
            "SELECT kind, owner_kind, name FROM lamina_changes WHERE revision > $1 AND revision <= $2 \
             ORDER BY revision, seq",
            &[Arg::Int(since), Arg::Int(revision)],
            &[Col::Text, Col::Text, Col::Text],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Feed::Reload);
    }
    // Each object once, at the place of its last change.
    let mut objects: Vec<(bool, String)> = Vec::new();
    for mut r in rows {
        let (kind, owner_kind, name) = (r.text(0), r.opt(1), r.text(2));
        let Some(obj) = object(&kind, owner_kind.as_deref(), name) else { return Ok(Feed::Reload) };
        objects.retain(|o| *o != obj);
        objects.push(obj);
    }
    let mut reader = Reader::new(conn, Spelling::Current).await?;
    let mut changes = Vec::with_capacity(objects.len());
    for (facts, name) in objects {
        if facts {
            let rows = reader
                .conn
                .fetch("SELECT facts_json FROM hosts WHERE lookup_certname = $1", &[Arg::from(&name)], &[Col::Text])
                .await?;
            // A host removed later: its removal is in the feed too.
            if let Some(mut r) = rows.into_iter().next() {
                let facts = json::decode_map(&r.text(0), Spelling::Current).map_err(|e| format!("host {name}: {e}"))?;
                changes.push(Change::Facts(name, facts));
            }
        } else {
            let host = match reader.hosts(Some(("name", &name))).await?.into_iter().next() {
                Some((id, mut h)) => {
                    let mut params = reader.params(&[("host", Some(&[Arg::Int(id)]))]).await?;
                    h.parameters = take_params(&mut params, "host", id);
                    Some(Box::new(h))
                }
                None => None,
            };
            changes.push(Change::Host(name, host));
        }
    }
    Ok(Feed::Changes { revision, changes })
}

//! The change feed's rows (`lamina_changes`, `migrations/0004_changes.sql`): recorded by every
//! write in its transaction, read back by servers as the current state of each object changed
//! after their revision.

use super::db::{Arg, Batch, Col, Conn};
use super::json::{self, Spelling};
use super::live::owner_table;
use super::read::{Reader, take_params};
use lamina_estate::edit::{Change, ParamOwner};

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
    /// were pruned) or the schema moved on.
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

/// An object a feed row names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Object {
    Facts(String),
    Host(String),
    Hostgroup(String),
    Params(ParamOwner),
    Key(String, String),
}

/// The parameter owner of kind `kind` called `name`.
fn owner_of(kind: &str, name: String) -> Option<ParamOwner> {
    Some(match kind {
        "global" => ParamOwner::Global,
        "organization" => ParamOwner::Organization(name),
        "location" => ParamOwner::Location(name),
        "domain" => ParamOwner::Domain(name),
        "subnet" => ParamOwner::Subnet(name),
        "os" => ParamOwner::Os(name),
        "hostgroup" => ParamOwner::Hostgroup(name),
        "host" => ParamOwner::Host(name),
        _ => return None,
    })
}

fn object(kind: &str, owner_kind: Option<&str>, name: String, class: Option<String>) -> Option<Object> {
    Some(match kind {
        "facts" => Object::Facts(name),
        // A host's parameters are part of the host.
        "host" => Object::Host(name),
        "params" if owner_kind == Some("host") => Object::Host(name),
        "params" => Object::Params(owner_of(owner_kind?, name)?),
        "hostgroup" => Object::Hostgroup(name),
        "key" => Object::Key(class?, name),
        _ => return None,
    })
}

/// A host's current facts; `None` for a host removed since (its removal is in the feed too).
async fn facts_of(conn: &mut Conn, name: String) -> Result<Option<Change>, String> {
    let rows = conn
        .fetch("SELECT facts_json FROM hosts WHERE lookup_certname = $1", &[Arg::from(&name)], &[Col::Text])
        .await?;
    match rows.into_iter().next() {
        Some(mut r) => {
            let facts = json::decode_map(&r.text(0), Spelling::Current).map_err(|e| format!("host {name}: {e}"))?;
            Ok(Some(Change::Facts(name, facts.into())))
        }
        None => Ok(None),
    }
}

/// The current state of one object, as the change that makes it; `None` when there is nothing
/// to apply (the facts of a host removed since, the parameters of an owner removed since: their
/// removal is in the feed too).
async fn current(reader: &mut Reader<'_>, obj: Object) -> Result<Option<Change>, String> {
    Ok(match obj {
        Object::Facts(name) => facts_of(reader.conn, name).await?,
        Object::Host(name) => {
            let host = match reader.hosts(Some(("name", &name))).await?.into_iter().next() {
                Some((id, mut h)) => {
                    let mut params = reader.params(&[("host", Some(&[Arg::Int(id)]))]).await?;
                    h.parameters = take_params(&mut params, "host", id);
                    Some(Box::new(h))
                }
                None => None,
            };
            Some(Change::Host(name, host))
        }
        Object::Hostgroup(title) => {
            let group = match reader.hostgroups(Some(&[Arg::from(&title)])).await?.into_iter().next() {
                Some((id, mut g)) => {
                    let mut params = reader.params(&[("hostgroup", Some(&[Arg::Int(id)]))]).await?;
                    g.parameters = take_params(&mut params, "hostgroup", id);
                    Some(Box::new(g))
                }
                None => None,
            };
            Some(Change::Hostgroup(title, group))
        }
        Object::Params(owner) => {
            let (kind, table) = owner_table(&owner);
            let id = match table {
                None => 0,
                Some((table, col, name)) => {
                    let sql = format!("SELECT id FROM {table} WHERE {col} = $1");
                    match reader.conn.fetch(&sql, &[Arg::from(name)], &[Col::Int]).await?.first() {
                        Some(r) => r.int(0),
                        None => return Ok(None),
                    }
                }
            };
            let mut params = reader.params(&[(kind, Some(&[Arg::Int(id)]))]).await?;
            Some(Change::Params(owner, take_params(&mut params, kind, id)))
        }
        Object::Key(class, key) => {
            let (mut classes, keys) = reader.classes(Some(&[Arg::from(&class)])).await?;
            let found = keys.iter().find(|&&(c, k, _)| classes[c].parameters[k].key == key).copied();
            let param = match found {
                Some((c, k, id)) => {
                    let mut p = classes[c].parameters.swap_remove(k);
                    p.override_values = reader.override_values_of(id).await?;
                    Some(Box::new(p))
                }
                None => None,
            };
            Some(Change::Key { class, key, param })
        }
    })
}

/// The feed after `since` in one statement when every change in it is a facts upload (the
/// common case: masters upload facts on every agent run): the revision, the changes and each
/// host's current facts in one round trip, consistent without a transaction (a statement sees
/// one snapshot). `None` when some change is of another kind: [`read`] the feed then, in a
/// transaction.
pub(crate) async fn read_facts(conn: &mut Conn, since: i64) -> Result<Option<Feed>, String> {
    let rows = conn
        .fetch(
            "SELECT m.revision, m.feed_since, c.kind, c.name, h.facts_json FROM lamina_meta m \
             LEFT JOIN lamina_changes c ON c.revision > $1 AND c.revision <= m.revision \
             LEFT JOIN hosts h ON c.kind = 'facts' AND h.lookup_certname = c.name \
             WHERE m.id = 1 ORDER BY c.revision, c.seq",
            &[Arg::Int(since)],
            &[Col::Int, Col::Int, Col::Text, Col::Text, Col::Text],
        )
        .await?;
    let Some((revision, feed_since)) = rows.first().map(|r| (r.int(0), r.int(1))) else {
        return Err("the store has no revision row".into());
    };
    if since < feed_since || since > revision {
        return Ok(Some(Feed::Reload));
    }
    if since == revision {
        return Ok(Some(Feed::Changes { revision, changes: Vec::new() }));
    }
    let mut uploads = Vec::with_capacity(rows.len());
    for mut r in rows {
        match r.opt(2).as_deref() {
            Some("facts") => uploads.push((r.text(3), r.opt(4))),
            Some(_) => return Ok(None),
            // No change after `since` although the revision moved: a gap.
            None => return Ok(Some(Feed::Reload)),
        }
    }
    // Each host once, at the place of its last upload; a host without a row was removed (its
    // removal is a change of another kind, so it is not in this feed).
    let mut seen = std::collections::HashSet::new();
    let mut changes = Vec::with_capacity(uploads.len());
    for (name, facts) in uploads.into_iter().rev() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(text) = facts {
            let facts = json::decode_map(&text, Spelling::Current).map_err(|e| format!("host {name}: {e}"))?;
            changes.push(Change::Facts(name, facts.into()));
        }
    }
    changes.reverse();
    Ok(Some(Feed::Changes { revision, changes }))
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
            "SELECT kind, owner_kind, name, class FROM lamina_changes WHERE revision > $1 AND revision <= $2 \
             ORDER BY revision, seq",
            &[Arg::Int(since), Arg::Int(revision)],
            &[Col::Text, Col::Text, Col::Text, Col::Text],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Feed::Reload);
    }
    let mut named = Vec::with_capacity(rows.len());
    for mut r in rows {
        let (kind, owner_kind, name, class) = (r.text(0), r.opt(1), r.text(2), r.opt(3));
        let Some(obj) = object(&kind, owner_kind.as_deref(), name, class) else { return Ok(Feed::Reload) };
        named.push(obj);
    }
    // Each object once, at the place of its last change (a server far behind reads thousands).
    let mut seen = std::collections::HashSet::new();
    let mut objects: Vec<Object> = named.into_iter().rev().filter(|o| seen.insert(o.clone())).collect();
    objects.reverse();
    // Facts name no file: the reader (which reads the files table first) only for the others.
    let mut changes = Vec::with_capacity(objects.len());
    if objects.iter().all(|o| matches!(o, Object::Facts(_))) {
        for obj in objects {
            if let Object::Facts(name) = obj {
                changes.extend(facts_of(conn, name).await?);
            }
        }
        return Ok(Feed::Changes { revision, changes });
    }
    let mut reader = Reader::new(conn, Spelling::Current).await?;
    for obj in objects {
        changes.extend(current(&mut reader, obj).await?);
    }
    Ok(Feed::Changes { revision, changes })
}

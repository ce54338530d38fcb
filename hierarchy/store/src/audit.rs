//! The audit log (`lamina_audits`, `migrations/0006_audits.sql`): who changed what, when, old
//! → new. A row is written in the write's own transaction, under its revision, so the log never
//! names a write that did not happen nor misses one that did. The values it holds are masked by
//! the writer (`lamina_estate::object::mask`) before they get here.

use super::db::{Arg, Col, Conn};

/// One audited write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// The store revision the write made.
    pub revision: i64,
    /// When, in UTC (RFC 3339, milliseconds).
    pub at: String,
    /// Who: `token NAME`, `certificate CN`, `import by USER`, `anonymous`.
    pub who: String,
    /// `PUT`, `DELETE` or `IMPORT`.
    pub action: String,
    /// The object's API path (`/v1/hosts/web01.example.com`), or `estate` for an import.
    pub object: String,
    /// The object before, as JSON (masked); `None` when it did not exist.
    pub before: Option<String>,
    /// The object after, as JSON (masked); `None` when it was deleted.
    pub after: Option<String>,
}

impl Audit {
    /// An audit record for a write about to be made (its revision is set at commit).
    #[must_use]
    pub fn new(who: &str, action: &str, object: &str, before: Option<String>, after: Option<String>) -> Audit {
        Audit {
            revision: 0,
            at: now_utc(),
            who: who.to_string(),
            action: action.to_string(),
            object: object.to_string(),
            before,
            after,
        }
    }

    /// The record as the API shows it (`before`/`after` as JSON values, not text).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let val = |t: &Option<String>| {
            t.as_deref().map_or(serde_json::Value::Null, |t| serde_json::from_str(t).unwrap_or(serde_json::Value::Null))
        };
        serde_json::json!({
            "revision": self.revision,
            "at": self.at,
            "who": self.who,
            "action": self.action,
            "object": self.object,
            "before": val(&self.before),
            "after": val(&self.after),
        })
    }
}

/// The current time in UTC as RFC 3339 with milliseconds (`2026-12-07T19:30:00.123Z`).
#[must_use]
pub fn now_utc() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    rfc3339(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_millis())
}

fn rfc3339(secs: i64, millis: u32) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Record `a` under `revision`, in the caller's transaction.
pub(crate) async fn record(conn: &mut Conn, revision: i64, a: &Audit) -> Result<(), String> {
    let sql = "INSERT INTO lamina_audits (revision, at, who, action, object, before_value, after_value) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let args = [
        Arg::Int(revision),
        Arg::from(&a.at),
        Arg::from(&a.who),
        Arg::from(&a.action),
        Arg::from(&a.object),
        Arg::from(&a.before),
        Arg::from(&a.after),
    ];
    conn.exec(sql, &args).await.map(|_| ())
}

const COLS: [Col; 7] = [Col::Int, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text];
const SELECT: &str = "SELECT revision, at, who, action, object, before_value, after_value FROM lamina_audits";

fn audits(rows: Vec<super::db::Row>) -> Vec<Audit> {
    rows.into_iter()
        .map(|mut r| Audit {
            revision: r.int(0),
            at: r.text(1),
            who: r.text(2),
            action: r.text(3),
            object: r.text(4),
            before: r.opt(5),
            after: r.opt(6),
        })
        .collect()
}

/// A page of the log, newest first: `(total, entries)`; with `object`, only the entries of
/// that object and of the objects under it (`/v1/hosts/web01` also gives its parameters).
pub(crate) async fn page(
    conn: &mut Conn,
    object: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Audit>), String> {
    // A prefix compared as text (not LIKE: SQLite's LIKE ignores ASCII case, PostgreSQL's does
    // not, and its escapes depend on a setting).
    let (filter, args): (&str, Vec<Arg>) = match object {
        Some(o) => {
            let prefix = format!("{o}/");
            let n = prefix.chars().count();
            (
                " WHERE object = $1 OR substr(object, 1, CAST($3 AS INTEGER)) = $2",
                vec![Arg::from(o), Arg::from(prefix), Arg::from(n)],
            )
        }
        None => ("", Vec::new()),
    };
    let total = conn.fetch(&format!("SELECT COUNT(*) FROM lamina_audits{filter}"), &args, &[Col::Int]).await?;
    let n = args.len();
    let mut page_args = args;
    page_args.push(Arg::Int(limit));
    page_args.push(Arg::Int(offset));
    let sql = format!("{SELECT}{filter} ORDER BY revision DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let rows = conn.fetch(&sql, &page_args, &COLS).await?;
    Ok((total.first().map_or(0, |r| r.int(0)), audits(rows)))
}

/// The revision of the last import, and the writes made through the API after it (newest
/// first, at most `limit`) with their count.
pub(crate) async fn since_import(conn: &mut Conn, limit: i64) -> Result<(Option<i64>, i64, Vec<Audit>), String> {
    let sql = "SELECT COALESCE(MAX(revision), 0) FROM lamina_audits WHERE action = 'IMPORT'";
    let after = conn.fetch(sql, &[], &[Col::Int]).await?.first().map_or(0, |r| r.int(0));
    let last = (after > 0).then_some(after);
    let filter = " WHERE action <> 'IMPORT' AND revision > $1";
    let count =
        conn.fetch(&format!("SELECT COUNT(*) FROM lamina_audits{filter}"), &[Arg::Int(after)], &[Col::Int]).await?;
    let sql = format!("{SELECT}{filter} ORDER BY revision DESC LIMIT $2");
    let rows = conn.fetch(&sql, &[Arg::Int(after), Arg::Int(limit)], &COLS).await?;
    Ok((last, count.first().map_or(0, |r| r.int(0)), audits(rows)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(super::rfc3339(1_796_668_245, 123), "2026-12-07T18:30:45.123Z");
    }
}

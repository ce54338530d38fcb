//! Waiting for other servers' writes: PostgreSQL announces each write's revision on
//! [`crate::CHANNEL`] (`NOTIFY` in the write's transaction, delivered at commit).

use lamina_foreman::{Error, ErrorKind};
use sqlx::postgres::PgListener;

/// A `LISTEN`ing connection.
#[derive(Debug)]
pub struct Listener(PgListener);

impl Listener {
    /// Listen on the store at `url` (PostgreSQL).
    ///
    /// # Errors
    /// When the store cannot be reached.
    pub async fn connect(url: &str) -> Result<Listener, Error> {
        let fail = |e: sqlx::Error| Error::new(ErrorKind::Store, "", format!("store {}: {e}", crate::shown_url(url)));
        let mut l = PgListener::connect(url).await.map_err(fail)?;
        l.listen(crate::CHANNEL).await.map_err(fail)?;
        Ok(Listener(l))
    }

    /// The next announced revision. `None` when the connection was lost and has been
    /// re-established: notifications sent meanwhile are lost, so re-read the feed.
    ///
    /// # Errors
    /// When the store cannot be reached (call again later: it reconnects).
    pub async fn next(&mut self) -> Result<Option<i64>, Error> {
        match self.0.try_recv().await {
            Ok(Some(n)) => Ok(Some(n.payload().parse().unwrap_or(0))),
            Ok(None) => Ok(None),
            Err(e) => Err(Error::new(ErrorKind::Store, "", format!("listening for changes: {e}"))),
        }
    }
}

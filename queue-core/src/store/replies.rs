//! Command replies kept for idempotent retries, for the retry horizon only: a reply may carry
//! a full ID number, so it is deleted once no client would retry.

use rusqlite::{params, OptionalExtension};

use super::{sqlite, Batch, Store, StoreError};

impl Store {
    /// Idempotency keys of replies stored at or after `since` (RFC 3339), with their row ids,
    /// for the writer's in-memory index. Rows without a time (from before it was recorded)
    /// are included.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn reply_keys_since(&self, since: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, id FROM replies WHERE at >= ?1 OR at = '' ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Deletes replies stored before `before` (RFC 3339), and those without a time (written
    /// before times were recorded, so older than any horizon by now). Returns how many.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn prune_replies(&self, before: &str) -> Result<usize, StoreError> {
        self.conn
            .execute("DELETE FROM replies WHERE at < ?1", params![before])
            .map_err(|e| self.err(e))
    }
}

impl Batch<'_> {
    /// Keeps a command's reply for idempotent retries; returns its row id for the writer's
    /// in-memory key index.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn put_reply(
        &mut self,
        key: &str,
        seq: Option<u64>,
        at: &str,
        reply: &str,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached("INSERT INTO replies (key, seq, at, reply) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut st| {
                st.execute(params![
                    key,
                    seq.and_then(|s| i64::try_from(s).ok()),
                    at,
                    reply
                ])
            })
            .map_err(|e| sqlite(&self.path, e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// A stored reply by row id.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn reply(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.tx
            .prepare_cached("SELECT reply FROM replies WHERE id = ?1")
            .and_then(|mut st| st.query_row(params![id], |r| r.get(0)).optional())
            .map_err(|e| sqlite(&self.path, e))
    }
}

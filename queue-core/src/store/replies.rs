//! Command replies kept for idempotent retries, for the retry horizon only. A reply may carry
//! personal data (a case with its full ID): like event bodies, it is stored with those fields
//! moved to `pii` (so `purge` erases them too), and the row is deleted once no client would
//! retry.

use rusqlite::{params, OptionalExtension};

use super::{pii, sqlite, Batch, Store, StoreError};

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
        let reply = match serde_json::from_str::<serde_json::Value>(reply) {
            Ok(mut v) => {
                let (tx, path, secret) = (&self.tx, &self.path, &self.secret);
                pii::scrub(&mut v, &mut |x| pii::put(tx, path, secret, at, x))?;
                v.to_string()
            }
            Err(_) => reply.to_string(),
        };
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

    /// A stored reply by row id, its personal data re-hydrated.
    ///
    /// # Errors
    /// SQLite errors, or personal data not matching its digest.
    pub fn reply(&self, id: i64) -> Result<Option<String>, StoreError> {
        let stored: Option<(String, Option<i64>)> = self
            .tx
            .prepare_cached("SELECT reply, seq FROM replies WHERE id = ?1")
            .and_then(|mut st| {
                st.query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| sqlite(&self.path, e))?;
        stored
            .map(|(text, seq)| {
                let seq = seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
                pii::hydrate(&self.tx, &self.path, self.secret, seq, &text)
            })
            .transpose()
    }
}

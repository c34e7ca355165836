//! Erasing personal data after the retention period (`dashboard purge`).

use rusqlite::params;

use super::{PurgeReport, Store, StoreError};

impl Store {
    /// Erases personal values recorded before `before` and replies stored before
    /// `replies_before` (both RFC 3339 or `YYYY-MM-DD`, compared in the hall's local time),
    /// then rewrites the file so the erased bytes are gone from it and from the WAL. The chain
    /// still verifies: it holds only references and digests.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn purge(&self, before: &str, replies_before: &str) -> Result<PurgeReport, StoreError> {
        self.conn
            .execute_batch("PRAGMA secure_delete=ON;")
            .map_err(|e| self.err(e))?;
        let values = self
            .conn
            .execute("DELETE FROM pii WHERE at < ?1", params![before])
            .map_err(|e| self.err(e))?;
        // The outbox holds only references to numbers: those just erased are gone for the
        // sender too, and a notice not yet sent can no longer be.
        self.conn
            .execute(
                "UPDATE outbox SET contact = NULL,
                    state = CASE state WHEN 'pending' THEN 'no_contact' ELSE state END
                 WHERE contact IS NOT NULL AND created_at < ?1",
                params![before],
            )
            .map_err(|e| self.err(e))?;
        let replies = self.prune_replies(replies_before)?;
        // A checkpoint holds the whole state, personal data included: drop them all. The next
        // start replays the purged log once and writes a clean one at its stop.
        let checkpoints = self
            .conn
            .execute("DELETE FROM checkpoints", [])
            .map_err(|e| self.err(e))?;
        let legacy: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM events WHERE actor IS NULL AND at < ?1
                 AND body LIKE '%\"id_number\":\"%'",
                params![before],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .execute_batch("VACUUM;")
            .map_err(|e| self.err(e))?;
        self.checkpoint_all()?;
        Ok(PurgeReport {
            values,
            replies,
            checkpoints,
            legacy_events: usize::try_from(legacy).unwrap_or(0),
        })
    }
}

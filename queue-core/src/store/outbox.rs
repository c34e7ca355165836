//! Notifications waiting to be sent (the outbox). The writer queues one in the same
//! transaction as the event that calls for it, so a notice exists exactly when its event is
//! committed; a sender (a later issue) takes them in order and marks them sent.

use rusqlite::params;

use super::{sqlite, Batch, Store, StoreError};

/// What the applicant is to be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    /// The event that queued it.
    pub seq: u64,
    /// `result_ready` (completed: collect, or delivered by post or electronically) or
    /// `decision_refused`.
    pub kind: String,
    pub case_id: String,
    /// `collection` | `post` | `electronic`: how the result reaches the applicant.
    pub channel: String,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl Batch<'_> {
    /// Queues a notice with the event `seq` that calls for it (once per event and kind).
    ///
    /// # Errors
    /// SQLite errors; then nothing of the batch is stored.
    pub fn queue_notice(
        &mut self,
        seq: u64,
        kind: &str,
        case_id: &str,
        channel: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT OR IGNORE INTO outbox (seq, kind, case_id, channel, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    i64::try_from(seq).unwrap_or(i64::MAX),
                    kind,
                    case_id,
                    channel,
                    at
                ],
            )
            .map_err(|e| sqlite(&self.path, e))?;
        Ok(())
    }
}

impl Store {
    /// Notices not yet sent, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn outbox_pending(&self) -> Result<Vec<Notice>, StoreError> {
        self.outbox_where("sent_at IS NULL")
    }

    /// Every notice, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn outbox_all(&self) -> Result<Vec<Notice>, StoreError> {
        self.outbox_where("1")
    }

    /// Marks a notice sent at `at` (RFC 3339); `false` when it was already sent or unknown.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_notice_sent(&self, id: i64, at: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL",
                params![id, at],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    fn outbox_where(&self, filter: &str) -> Result<Vec<Notice>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, seq, kind, case_id, channel, created_at, sent_at FROM outbox
                 WHERE {filter} ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Notice {
                    id: r.get(0)?,
                    seq: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    kind: r.get(2)?,
                    case_id: r.get(3)?,
                    channel: r.get(4)?,
                    created_at: r.get(5)?,
                    sent_at: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

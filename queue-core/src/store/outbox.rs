//! Notifications to applicants (the outbox). The writer queues one in the same transaction
//! as the event that calls for it, so a notice exists exactly when its event is committed;
//! the sender in `dashboard serve` takes pending ones in order and records each attempt.
//!
//! The mobile number is not in this table: `contact` is a `pii` reference (see `pii`), so
//! `purge` erases the number here too and only [`Store::notice_mobile`] reads it whole. The
//! sender's updates touch only the delivery columns, never the log or the hall's state.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{pii, sqlite, Batch, Store, StoreError};
use crate::hall::NoticeDraft;

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Waiting for the sender (possibly after failed attempts).
    Pending,
    Sent,
    /// No mobile number on file (or purged): recorded, never sent.
    NoContact,
    /// Refused by the receiver or out of attempts: kept for supervisors, not retried.
    Failed,
}

impl NoticeState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::NoContact => "no_contact",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "no_contact" => Self::NoContact,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    /// The last event of the commit that queued it.
    pub seq: u64,
    /// `turn_near`, `result_ready`, `decision_refused`, … (any kind works unchanged).
    pub kind: String,
    /// Ticket id or case serial it is about.
    pub subject: String,
    /// Ticket number or case serial, as sent.
    pub reference: String,
    /// The case serial for case notices (empty for ticket notices).
    pub case_id: String,
    /// `collection` | `post` | `electronic` for case notices, empty otherwise.
    pub channel: String,
    /// The message text (Chinese).
    pub text: String,
    pub state: NoticeState,
    pub attempts: u32,
    pub last_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// `pii:` reference of the number, if any.
    contact: Option<String>,
}

impl Notice {
    /// Whether a number was on file when it was queued.
    #[must_use]
    pub fn has_contact(&self) -> bool {
        self.contact.is_some()
    }
}

/// Notices by state, for supervisors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    /// Pending ones whose last attempt failed (being retried).
    pub retrying: u64,
    pub failed: u64,
    pub sent: u64,
    pub no_contact: u64,
}

impl Batch<'_> {
    /// Queues `draft` with the event `seq` (the last of its commit), once per event and kind
    /// and once per ticket for `turn_near`. The number goes to `pii`; without one the notice
    /// is recorded as `no_contact`.
    ///
    /// # Errors
    /// SQLite errors; then nothing of the batch is stored.
    pub fn queue_notice(
        &mut self,
        seq: u64,
        draft: &NoticeDraft,
        at: &str,
    ) -> Result<(), StoreError> {
        let contact = match &draft.mobile {
            Some(m) => Some(pii::put(&self.tx, &self.path, self.secret, at, m)?),
            None => None,
        };
        let state = if contact.is_some() {
            NoticeState::Pending
        } else {
            NoticeState::NoContact
        };
        let case_id = if draft.channel.is_empty() {
            ""
        } else {
            draft.subject.as_str()
        };
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO outbox (seq, kind, case_id, channel, created_at, subject,
                    reference, text, contact, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    i64::try_from(seq).unwrap_or(i64::MAX),
                    draft.kind,
                    case_id,
                    draft.channel,
                    at,
                    draft.subject,
                    draft.reference,
                    draft.text,
                    contact,
                    state.as_str(),
                ])
            })
            .map_err(|e| sqlite(&self.path, e))?;
        Ok(())
    }
}

const COLUMNS: &str = "id, seq, kind, subject, reference, case_id, channel, text, state, attempts,
    last_attempt_at, last_error, created_at, sent_at, contact";

impl Store {
    /// Notices waiting for the sender, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn outbox_pending(&self) -> Result<Vec<Notice>, StoreError> {
        self.outbox_where("state = 'pending' ORDER BY id")
    }

    /// The oldest notice waiting for the sender.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn outbox_next(&self) -> Result<Option<Notice>, StoreError> {
        Ok(self
            .outbox_where("state = 'pending' ORDER BY id LIMIT 1 --")?
            .into_iter()
            .next())
    }

    /// Every notice, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn outbox_all(&self) -> Result<Vec<Notice>, StoreError> {
        self.outbox_where("1 ORDER BY id")
    }

    /// Ticket ids that already have a `turn_near` notice, among `tickets`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn turn_near_queued(&self, tickets: &[&str]) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM outbox WHERE kind = 'turn_near' AND subject = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for t in tickets {
            let found = stmt
                .query_row(params![t], |_| Ok(()))
                .optional()
                .map_err(|e| self.err(e))?;
            if found.is_some() {
                out.push((*t).to_string());
            }
        }
        Ok(out)
    }

    /// The full mobile number of a notice: only the sender calls this. `None` when none was
    /// left or it was purged since.
    ///
    /// # Errors
    /// SQLite errors, or a `pii` row that does not match its digest.
    pub fn notice_mobile(&self, n: &Notice) -> Result<Option<String>, StoreError> {
        match &n.contact {
            None => Ok(None),
            Some(r) => pii::read_reference(&self.conn, &self.path, &self.secret, r),
        }
    }

    /// Marks a notice sent at `at` (RFC 3339), counting the attempt; `false` when it was
    /// already sent or unknown.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_notice_sent(&self, id: i64, at: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET sent_at = ?2, state = 'sent', attempts = attempts + 1,
                    last_attempt_at = ?2
                 WHERE id = ?1 AND state = 'pending'",
                params![id, at],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Records a failed attempt; `give_up` marks the notice `failed` (not retried).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_notice_failure(
        &self,
        id: i64,
        at: &str,
        error: &str,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let state = if give_up { "failed" } else { "pending" };
        self.conn
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2,
                    last_error = ?3, state = ?4
                 WHERE id = ?1 AND state = 'pending'",
                params![id, at, error, state],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// A pending notice whose number is gone (purged) cannot be sent.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_notice_no_contact(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'no_contact', contact = NULL
                 WHERE id = ?1 AND state = 'pending'",
                params![id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Counts by state.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let mut c = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT state, attempts > 0, COUNT(*) FROM outbox GROUP BY state, attempts > 0",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (state, tried, n) = row.map_err(|e| self.err(e))?;
            let n = u64::try_from(n).unwrap_or(0);
            match NoticeState::parse(&state) {
                NoticeState::Pending => {
                    c.pending += n;
                    if tried {
                        c.retrying += n;
                    }
                }
                NoticeState::Sent => c.sent += n,
                NoticeState::NoContact => c.no_contact += n,
                NoticeState::Failed => c.failed += n,
            }
        }
        Ok(c)
    }

    /// `filter`: a fixed condition and order from this module, never input.
    fn outbox_where(&self, filter: &str) -> Result<Vec<Notice>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM outbox WHERE {filter}"))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Notice {
                    id: r.get(0)?,
                    seq: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    kind: r.get(2)?,
                    subject: r.get(3)?,
                    reference: r.get(4)?,
                    case_id: r.get(5)?,
                    channel: r.get(6)?,
                    text: r.get(7)?,
                    state: NoticeState::parse(&r.get::<_, String>(8)?),
                    attempts: u32::try_from(r.get::<_, i64>(9)?).unwrap_or(0),
                    last_attempt_at: r.get(10)?,
                    last_error: r.get(11)?,
                    created_at: r.get(12)?,
                    sent_at: r.get(13)?,
                    contact: r.get(14)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

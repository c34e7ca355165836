//! Projections updated in the append's transaction: tickets (no personal data) and cases
//! (personal fields as `pii` references, the ID number only as a keyed digest).

use rusqlite::params;
use serde_json::Value;

use super::{pii, sqlite, Batch, EventRecord, Store, StoreError};

/// A case as the projection table stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub id: String,
    pub serial: String,
    pub item: String,
    pub state: String,
    /// The full number; stored only as [`pii::id_digest`].
    pub id_number: Option<String>,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    pub body: String,
}

impl Batch<'_> {
    /// `scrubbed` is the event body as chained (personal fields replaced by references).
    pub(super) fn project(
        &mut self,
        rec: &EventRecord,
        scrubbed: &Value,
    ) -> Result<(), StoreError> {
        for t in rec.event.tickets() {
            self.tx
                .prepare_cached(
                    "INSERT INTO tickets (id, number, queue, day, channel, state, window, issued_at, called_at, served_at, finished_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT(id) DO UPDATE SET state=excluded.state, window=excluded.window,
                        called_at=excluded.called_at, served_at=excluded.served_at,
                        finished_at=excluded.finished_at",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        t.id,
                        t.number,
                        t.queue,
                        t.issued_at.date_naive().to_string(),
                        t.channel.as_str(),
                        t.state.as_str(),
                        t.window,
                        t.issued_at.to_rfc3339(),
                        t.called_at.map(|x| x.to_rfc3339()),
                        t.served_at.map(|x| x.to_rfc3339()),
                        t.finished_at.map(|x| x.to_rfc3339()),
                    ])
                })
                .map_err(|e| sqlite(&self.path, e))?;
        }
        if let Some(c) = rec.event.case_row() {
            let digest = c
                .id_number
                .as_deref()
                .map(|n| pii::id_digest(self.secret, n));
            let body = scrubbed
                .get("case")
                .map_or_else(|| "{}".to_string(), Value::to_string);
            self.tx
                .prepare_cached(
                    "INSERT INTO cases (id, serial, item, state, id_digest, received_on, due_on, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT(id) DO UPDATE SET state=excluded.state, due_on=excluded.due_on,
                        received_on=excluded.received_on, id_digest=excluded.id_digest,
                        body=excluded.body",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        c.id,
                        c.serial,
                        c.item,
                        c.state,
                        digest,
                        c.received_on,
                        c.due_on,
                        body
                    ])
                })
                .map_err(|e| sqlite(&self.path, e))?;
        }
        Ok(())
    }
}

impl Store {
    /// Ticket ids of the service days in `[from, to]` (`YYYY-MM-DD`), in issue order.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn ticket_ids(&self, from: &str, to: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM tickets WHERE day >= ?1 AND day <= ?2 ORDER BY issued_at")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![from, to], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Case ids for an ID number, found through its keyed digest (the number is not stored).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn case_ids_by_id_number(&self, id_number: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM cases WHERE id_digest = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![pii::id_digest(&self.secret, id_number)], |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

//! The hash-chained event log: appending (personal data scrubbed into `pii`), reading back
//! (re-hydrated), and the chain hash.

use chrono::DateTime;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{pii, sqlite, Batch, EventRecord, Store, StoreError};
use crate::auth::Actor;
use crate::hall::Event;

/// What the `actor` column holds for events no one sent (ticks: deadlines, alerts, day end).
pub const SYSTEM_ACTOR: &str = "system";

/// `sha256(prev ‖ seq ‖ at ‖ body)`, the hash of events written before schema 4 (no actor):
/// altering, removing or reordering any event breaks the chain.
#[must_use]
pub fn chain_hash(prev: &[u8], seq: u64, at: &str, body: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.as_bytes());
    h.update([0]);
    h.update(body.as_bytes());
    h.finalize().to_vec()
}

/// The hash of a stored row: with an actor (schema 4 on) the actor is covered too; the
/// separator byte differs from [`chain_hash`]'s so the two forms cannot be confused.
#[must_use]
pub fn record_hash(prev: &[u8], seq: u64, at: &str, actor: Option<&str>, body: &str) -> Vec<u8> {
    let Some(actor) = actor else {
        return chain_hash(prev, seq, at, body);
    };
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.as_bytes());
    h.update([1]);
    h.update(actor.as_bytes());
    h.update([0]);
    h.update(body.as_bytes());
    h.finalize().to_vec()
}

/// The `actor` column for an event sent by `actor` (or by the hall itself).
#[must_use]
pub fn actor_text(actor: Option<&Actor>) -> String {
    actor
        .and_then(|a| serde_json::to_string(a).ok())
        .unwrap_or_else(|| SYSTEM_ACTOR.to_string())
}

pub(super) fn parse_record(
    conn: &Connection,
    path: &str,
    secret: &[u8],
    seq: u64,
    at: &str,
    body: &str,
) -> Result<EventRecord, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt { seq, message };
    let at = DateTime::parse_from_rfc3339(at).map_err(|e| corrupt(e.to_string()))?;
    let body = pii::hydrate(conn, path, secret, seq, body)?;
    let event: Event = serde_json::from_str(&body).map_err(|e| corrupt(e.to_string()))?;
    Ok(EventRecord { seq, at, event })
}

impl Store {
    /// Reads and verifies the whole log, in order, with personal data re-hydrated.
    ///
    /// # Errors
    /// SQLite errors, a broken hash chain, or an unreadable event.
    pub fn load_events(&self) -> Result<Vec<EventRecord>, StoreError> {
        self.load_events_from(0, &[0u8; 32])
    }

    /// Reads and verifies the log after `after`, whose event hash is `after_hash` (a state
    /// checkpoint's position): the chain is checked from there on.
    ///
    /// # Errors
    /// SQLite errors, a broken hash chain, or an unreadable event.
    pub fn load_events_from(
        &self,
        after: u64,
        after_hash: &[u8],
    ) -> Result<Vec<EventRecord>, StoreError> {
        let mut out = Vec::new();
        self.walk_chain(after, after_hash, u64::MAX, |rec, _| out.push(rec))?;
        Ok(out)
    }

    /// Events with seq in `(after, after + limit]`, in order (for resuming clients).
    ///
    /// # Errors
    /// SQLite errors or an unreadable event.
    pub fn events_after(&self, after: u64, limit: u64) -> Result<Vec<EventRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, at, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![
                    i64::try_from(after).unwrap_or(i64::MAX),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, body) = row.map_err(|e| self.err(e))?;
            let seq = u64::try_from(seq).unwrap_or(0);
            out.push(parse_record(
                &self.conn,
                &self.path,
                &self.secret,
                seq,
                &at,
                &body,
            )?);
        }
        Ok(out)
    }

    /// Like [`Self::events_after`], but each event is checked against the chain: `prev_hash` is
    /// the hash of event `after` as the caller knows it (zeros for 0), and every event must link
    /// to the one before and match its own hash. Returns each event with its hash. Used by the
    /// city shipper, which keeps the last hash it shipped and so proves the log it continues.
    ///
    /// # Errors
    /// SQLite errors, `Tampered` on a gap or a broken link, `Corrupt` for an unreadable event.
    pub fn events_after_chained(
        &self,
        after: u64,
        prev_hash: &[u8],
        limit: u64,
    ) -> Result<Vec<(EventRecord, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        self.walk_chain(after, prev_hash, limit, |rec, hash| {
            out.push((rec, hash.to_vec()));
        })?;
        Ok(out)
    }

    /// The one walk over the chain: events after `after` (whose hash is `prev_hash`), at most
    /// `limit`, each checked for its place, its link and its own hash before `each` gets it
    /// with its hash. The first fault ends the walk.
    fn walk_chain(
        &self,
        after: u64,
        prev_hash: &[u8],
        limit: u64,
        mut each: impl FnMut(EventRecord, &[u8]),
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, at, body, prev_hash, hash, actor FROM events WHERE seq > ?1
                 ORDER BY seq LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![
                    i64::try_from(after).unwrap_or(i64::MAX),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        let mut prev = prev_hash.to_vec();
        for (expect_seq, row) in (after + 1..).zip(rows) {
            let (seq, at, body, link, hash, actor) = row.map_err(|e| self.err(e))?;
            let seq = u64::try_from(seq).unwrap_or(0);
            let problem = if seq != expect_seq {
                Some(format!(
                    "expected seq {expect_seq}, found {seq}: an event is missing"
                ))
            } else if link != prev {
                Some("previous-hash link broken".into())
            } else if record_hash(&prev, seq, &at, actor.as_deref(), &body) != hash {
                Some("content does not match its hash".into())
            } else {
                None
            };
            if let Some(problem) = problem {
                // The place that failed: the missing event's, or this one's (the same then).
                return Err(StoreError::Tampered {
                    seq: expect_seq,
                    problem,
                });
            }
            let rec = parse_record(&self.conn, &self.path, &self.secret, seq, &at, &body)?;
            each(rec, &hash);
            prev = hash;
        }
        Ok(())
    }

    /// The hash of the last event (zeros for an empty log) and its seq.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn head(&self) -> Result<(u64, Vec<u8>), StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.map_or((0, vec![0u8; 32]), |(s, h)| {
            (u64::try_from(s).unwrap_or(0), h)
        }))
    }

    /// The actor recorded with an event (`system` for the hall's own, `None` before schema 4).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn event_actor(&self, seq: u64) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT actor FROM events WHERE seq = ?1",
                params![i64::try_from(seq).unwrap_or(i64::MAX)],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }
}

impl Batch<'_> {
    /// Appends an event sent by `actor` (`None`: the hall itself) to the chain, with its
    /// personal data moved to `pii`, and updates the projections.
    ///
    /// # Errors
    /// SQLite or serialisation errors.
    pub fn append(
        &mut self,
        rec: &EventRecord,
        prev_hash: &[u8],
        actor: Option<&Actor>,
    ) -> Result<Vec<u8>, StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt {
            seq: rec.seq,
            message: e.to_string(),
        };
        let at = rec.at.to_rfc3339();
        let mut value = serde_json::to_value(&rec.event).map_err(corrupt)?;
        {
            let (tx, path, secret) = (&self.tx, &self.path, &self.secret);
            pii::scrub(&mut value, &mut |v| pii::put(tx, path, secret, &at, v))?;
        }
        let body = serde_json::to_string(&value).map_err(corrupt)?;
        let actor = actor_text(actor);
        let hash = record_hash(prev_hash, rec.seq, &at, Some(&actor), &body);
        let seq = i64::try_from(rec.seq).unwrap_or(i64::MAX);
        self.tx
            .prepare_cached(
                "INSERT INTO events (seq, at, kind, body, prev_hash, hash, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut st| {
                st.execute(params![seq, at, rec.event.kind(), body, prev_hash, hash, actor])
            })
            .map_err(|e| sqlite(&self.path, e))?;
        self.project(rec, &value)?;
        Ok(hash)
    }
}

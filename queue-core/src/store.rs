//! The durable store: an append-only, hash-chained event log in SQLite with projections
//! (tickets, cases) updated in the same transaction, command replies kept for idempotent
//! retries, and the access tokens.
//!
//! WAL with `synchronous=FULL`: a committed transaction survives `kill -9` and power loss.
//! Schema changes are `user_version` migrations, append-only; a database written by a newer
//! version is refused rather than misread.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::Role;
use crate::hall::Event;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误 database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("数据库 {path} 由更新的版本写入 (schema {found}, this build knows up to {known}); refusing to open it — upgrade the software")]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("事件日志被篡改 event log tampered at seq {seq}: {problem}")]
    Tampered { seq: u64, problem: String },
    #[error("事件无法解析 event {seq} cannot be read: {message}")]
    Corrupt { seq: u64, message: String },
}

/// One committed event as the protocol sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    pub event: Event,
}

/// A stored access token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub role: Role,
    pub window: Option<u32>,
    pub label: String,
    pub created_at: String,
    pub revoked: bool,
}

/// Migrations, in order; index + 1 is the `user_version` after it. Never edit one, only add.
const MIGRATIONS: &[&str] = &[
    // 1: the event log, replies, projections, tokens.
    "CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE TABLE replies (
        key TEXT PRIMARY KEY,
        seq INTEGER,
        reply TEXT NOT NULL
    );
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        queue TEXT NOT NULL,
        day TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        window INTEGER,
        issued_at TEXT NOT NULL,
        called_at TEXT,
        served_at TEXT,
        finished_at TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX tickets_day ON tickets(day);
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        serial TEXT NOT NULL UNIQUE,
        item TEXT NOT NULL,
        state TEXT NOT NULL,
        id_number TEXT,
        received_on TEXT,
        due_on TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX cases_id_number ON cases(id_number);
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        window INTEGER,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );",
    // 2: fewer pages per commit. Replies are appended in order (the writer keeps the key
    // index in memory) instead of landing on a random B-tree page each; the tickets projection
    // keeps its columns (the event log holds the full tickets) in one B-tree without rowid.
    "CREATE TABLE replies2 (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        seq INTEGER,
        at TEXT NOT NULL DEFAULT '',
        reply TEXT NOT NULL
    );
    INSERT INTO replies2 (key, seq, reply) SELECT key, seq, reply FROM replies;
    DROP TABLE replies;
    ALTER TABLE replies2 RENAME TO replies;
    CREATE TABLE tickets2 (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        queue TEXT NOT NULL,
        day TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        window INTEGER,
        issued_at TEXT NOT NULL,
        called_at TEXT,
        served_at TEXT,
        finished_at TEXT
    ) WITHOUT ROWID;
    INSERT INTO tickets2 SELECT id, number, queue, day, channel, state, window, issued_at,
        called_at, served_at, finished_at FROM tickets;
    DROP TABLE tickets;
    ALTER TABLE tickets2 RENAME TO tickets;
    CREATE INDEX tickets_day ON tickets(day);",
    // 3: tokens that end (expiry; revocation already existed).
    "ALTER TABLE tokens ADD COLUMN expires_at TEXT;",
];

/// The schema version this build writes.
#[allow(clippy::cast_possible_wrap)]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database.
    ///
    /// # Errors
    /// SQLite errors, or a database from a newer version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let p = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Let SQLite report the real problem if this fails.
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(|e| sqlite(&p, e))?;
        let mut store = Self { conn, path: p };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite(&self.path, e)
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        // Checkpoints normally run on a separate connection (`checkpoint`), off the writer's
        // commit path; the high auto-checkpoint only bounds the WAL if that ever stops.
        self.conn
            .execute_batch(
                "PRAGMA journal_mode=WAL;
                 PRAGMA synchronous=FULL;
                 PRAGMA foreign_keys=ON;
                 PRAGMA wal_autocheckpoint=20000;",
            )
            .map_err(|e| self.err(e))
    }

    /// On a clean stop: everything into the database file, and the WAL emptied.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn checkpoint_all(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| self.err(e))
    }

    /// Copies committed WAL pages into the database file without blocking the writer.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        let path = self.path.clone();
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or(0))
        {
            let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
            tx.execute_batch(sql).map_err(|e| sqlite(&path, e))?;
            tx.pragma_update(None, "user_version", i + 1)
                .map_err(|e| sqlite(&path, e))?;
            tx.commit().map_err(|e| sqlite(&path, e))?;
        }
        Ok(())
    }

    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Reads and verifies the whole log, in order.
    ///
    /// # Errors
    /// SQLite errors, a broken hash chain, or an unreadable event.
    pub fn load_events(&self) -> Result<Vec<EventRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, body, prev_hash, hash FROM events ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        let mut prev = vec![0u8; 32];
        for (expect_seq, row) in (1u64..).zip(rows) {
            let (seq, at, body, prev_hash, hash) = row.map_err(|e| self.err(e))?;
            let seq = u64::try_from(seq).unwrap_or(0);
            if seq != expect_seq {
                return Err(StoreError::Tampered {
                    seq,
                    problem: format!("expected seq {expect_seq}: an event is missing"),
                });
            }
            if prev_hash != prev {
                return Err(StoreError::Tampered {
                    seq,
                    problem: "previous-hash link broken".into(),
                });
            }
            if chain_hash(&prev, seq, &at, &body) != hash {
                return Err(StoreError::Tampered {
                    seq,
                    problem: "content does not match its hash".into(),
                });
            }
            let at_t = DateTime::parse_from_rfc3339(&at).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            let event: Event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            out.push(EventRecord {
                seq,
                at: at_t,
                event,
            });
            prev = hash;
        }
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
            let at = DateTime::parse_from_rfc3339(&at).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            let event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            out.push(EventRecord { seq, at, event });
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
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, at, body, prev_hash, hash FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
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
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        let mut prev = prev_hash.to_vec();
        for (expect_seq, row) in (after + 1..).zip(rows) {
            let (seq, at, body, link, hash) = row.map_err(|e| self.err(e))?;
            let seq = u64::try_from(seq).unwrap_or(0);
            if seq != expect_seq {
                return Err(StoreError::Tampered {
                    seq,
                    problem: format!("expected seq {expect_seq}: an event is missing"),
                });
            }
            if link != prev {
                return Err(StoreError::Tampered {
                    seq,
                    problem: "previous-hash link broken".into(),
                });
            }
            if chain_hash(&prev, seq, &at, &body) != hash {
                return Err(StoreError::Tampered {
                    seq,
                    problem: "content does not match its hash".into(),
                });
            }
            let at_t = DateTime::parse_from_rfc3339(&at).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            let event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            out.push((
                EventRecord {
                    seq,
                    at: at_t,
                    event,
                },
                hash.clone(),
            ));
            prev = hash;
        }
        Ok(out)
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

    /// Starts a write transaction (the single writer's batch).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn begin(&mut self) -> Result<Batch<'_>, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| sqlite(&path, e))?;
        Ok(Batch { tx, path })
    }

    // ------------------------------------------------------------------ tokens

    /// Stores a new token's hash and returns its id.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn create_token(
        &self,
        token_hash: &str,
        role: Role,
        window: Option<u32>,
        label: &str,
        now: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO tokens (hash, role, window, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, role.as_str(), window, label, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Looks up a live (not revoked) token by its hash.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn find_token(&self, token_hash: &str) -> Result<Option<TokenInfo>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, role, window, label, created_at, revoked_at FROM tokens WHERE hash = ?1",
                params![token_hash],
                token_row,
            )
            .optional()
            .map_err(|e| self.err(e))
            .map(|t| t.flatten().filter(|t| !t.revoked))
    }

    /// All tokens, revoked ones included.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, role, window, label, created_at, revoked_at FROM tokens ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], token_row).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(t) = r.map_err(|e| self.err(e))? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Revokes a token by id; false when there is no such live token.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn revoke_token(&self, id: i64, now: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    // ------------------------------------------------------------------ queries

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

    /// Measures one fsync'd commit of a small row: the floor every acknowledgement pays.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn raw_commit_probe(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS probe (x INTEGER); INSERT INTO probe VALUES (1); DELETE FROM probe;",
        )
        .map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }
}

/// One write transaction: events appended with their projections and replies.
pub struct Batch<'a> {
    tx: Transaction<'a>,
    path: String,
}

impl Batch<'_> {
    /// Appends an event to the chain and updates the projections.
    ///
    /// # Errors
    /// SQLite or serialisation errors.
    pub fn append(&mut self, rec: &EventRecord, prev_hash: &[u8]) -> Result<Vec<u8>, StoreError> {
        let body = serde_json::to_string(&rec.event).map_err(|e| StoreError::Corrupt {
            seq: rec.seq,
            message: e.to_string(),
        })?;
        let at = rec.at.to_rfc3339();
        let hash = chain_hash(prev_hash, rec.seq, &at, &body);
        let seq = i64::try_from(rec.seq).unwrap_or(i64::MAX);
        self.tx
            .prepare_cached(
                "INSERT INTO events (seq, at, kind, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut st| st.execute(params![seq, at, rec.event.kind(), body, prev_hash, hash]))
            .map_err(|e| sqlite(&self.path, e))?;
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
            self.tx
                .execute(
                    "INSERT INTO cases (id, serial, item, state, id_number, received_on, due_on, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT(id) DO UPDATE SET state=excluded.state, due_on=excluded.due_on,
                        received_on=excluded.received_on, body=excluded.body",
                    params![c.id, c.serial, c.item, c.state, c.id_number, c.received_on, c.due_on, c.body],
                )
                .map_err(|e| sqlite(&self.path, e))?;
        }
        Ok(hash)
    }

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

    /// Commits: after this returns Ok the batch is durable.
    ///
    /// # Errors
    /// SQLite errors; then nothing of the batch is stored.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().map_err(|e| sqlite(&self.path, e))
    }
}

/// A case as the projection table stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub id: String,
    pub serial: String,
    pub item: String,
    pub state: String,
    pub id_number: Option<String>,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    pub body: String,
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<TokenInfo>> {
    let role: String = r.get(1)?;
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    Ok(Some(TokenInfo {
        id: r.get(0)?,
        role,
        window: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        revoked: r.get::<_, Option<String>>(5)?.is_some(),
    }))
}

fn sqlite(path: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_string(),
        source,
    }
}

/// `sha256(prev ‖ seq ‖ at ‖ body)`: altering, removing or reordering any event breaks the chain.
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

/// Hash of a bearer token as stored: tokens themselves are never written down.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_database_is_migrated_keeping_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO replies (key, seq, reply) VALUES ('t:1', 3, '{\"ok\":true}')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO tickets (id, number, queue, day, channel, state, issued_at, body)
             VALUES ('20261123-A001', 'A001', 'A', '2026-11-23', 'walk_in', 'waiting', 't', '{}')",
            [],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let keys = store.reply_keys_since("2026-01-01").unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].0, "t:1");
        assert_eq!(
            store.ticket_ids("2026-11-23", "2026-11-23").unwrap(),
            vec!["20261123-A001"]
        );
    }
}

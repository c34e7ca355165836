//! The durable store: an append-only, hash-chained event log in SQLite (`log`) with
//! projections (`projections`) updated in the same transaction, command replies kept for
//! idempotent retries (`replies`), the access tokens (`tokens`), personal data kept apart from
//! the chain (`pii`), signed chain heads (`heads`) and the whole-log check (`verify`).
//!
//! WAL with `synchronous=FULL`: a committed transaction survives `kill -9` and power loss.
//! Schema changes are `user_version` migrations, append-only; a database written by a newer
//! version is refused rather than misread. The database and its WAL are created private (0600),
//! in a directory created owner-only (0700).

mod checkpoints;
mod heads;
mod log;
mod meta;
mod migrations;
mod outbox;
pub mod pii;
mod projections;
mod replies;
mod retention;
mod tokens;
mod verify;

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::hall::Event;
use migrations::MIGRATIONS;

pub use checkpoints::StoredCheckpoint;
pub use heads::{key_id, SignedHead};
pub use log::{actor_text, chain_hash, record_hash, SYSTEM_ACTOR};
pub use meta::ClockMode;
pub use outbox::{Notice, NoticeState, OutboxCounts};
pub use pii::{PurgeReport, PURGED};
pub use projections::CaseRow;
pub use tokens::{token_hash, TokenInfo};
pub use verify::LogCheck;

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
    #[error("事件日志被篡改 event log tampered at seq {seq}: {problem}; run `dashboard verify-log --db <this database>` to list every damaged event")]
    Tampered { seq: u64, problem: String },
    #[error("事件无法解析 event {seq} cannot be read: {message}; run `dashboard verify-log --db <this database>` to list every damaged event")]
    Corrupt { seq: u64, message: String },
    #[error("时钟模式不符 clock mode: the database {path} {found}; refusing to run it with {asked} (use another --db)")]
    ClockMode {
        path: String,
        found: String,
        asked: String,
    },
    #[error("无法设置文件权限 cannot make {path} private: {source}")]
    Permissions {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// One committed event as the protocol sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    pub event: Event,
}

/// The schema version this build writes.
#[allow(clippy::cast_possible_wrap)]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    conn: Connection,
    path: String,
    /// Per-hall secret keying the personal-data digests (see `pii`).
    secret: Vec<u8>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Creates `dir` (and parents) owner-only when it does not exist yet; an existing directory
/// is left as the operator made it.
///
/// # Errors
/// I/O errors.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// The database and its WAL/shared-memory files: owner read/write only. SQLite gives the WAL
/// and -shm files the mode of the database file, so creating that one 0600 covers all three.
/// A looser existing file is left for `dashboard doctor` to report (with the `chmod` to run)
/// rather than changed behind the operator's back.
fn create_private(path: &Path) -> Result<(), StoreError> {
    if path.exists() {
        return Ok(());
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Permissions {
            path: path.display().to_string(),
            source: e,
        }),
    }
}

impl Store {
    /// Opens (creating if needed, privately) and migrates the database.
    ///
    /// # Errors
    /// SQLite errors, or a database from a newer version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let p = path.display().to_string();
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(|e| StoreError::Permissions {
                path: dir.display().to_string(),
                source: e,
            })?;
        }
        create_private(path)?;
        let conn = Connection::open(path).map_err(|e| sqlite(&p, e))?;
        let mut store = Self {
            conn,
            path: p,
            secret: Vec::new(),
        };
        store.configure()?;
        store.migrate()?;
        store.secret = pii::hall_secret(&store.conn, &store.path)?;
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
            if i + 1 == 4 {
                meta::finish_v4(&tx, &path)?;
            }
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
        Ok(Batch {
            tx,
            path,
            secret: &self.secret,
        })
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
    secret: &'a [u8],
}

impl Batch<'_> {
    /// Commits: after this returns Ok the batch is durable.
    ///
    /// # Errors
    /// SQLite errors; then nothing of the batch is stored.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().map_err(|e| sqlite(&self.path, e))
    }
}

fn sqlite(path: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_string(),
        source,
    }
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

    #[test]
    fn migration_4_takes_full_ids_and_names_out_of_the_cases_projection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let conn = Connection::open(&path).unwrap();
        for (i, m) in MIGRATIONS[..3].iter().enumerate() {
            conn.execute_batch(m).unwrap();
            conn.pragma_update(None, "user_version", i + 1).unwrap();
        }
        conn.execute(
            "INSERT INTO cases (id, serial, item, state, id_number, received_on, body) VALUES
             ('c1', 's1', 'QY001', 'accepted', '440524188001010014', '2026-11-23',
              '{\"applicant\":{\"kind\":\"person\",\"name\":\"张三\",\"id_number\":\"440524188001010014\"}}')",
            [],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let (idn, body): (Option<String>, String) = store
            .conn
            .query_row("SELECT id_number, body FROM cases", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(idn, None);
        assert!(
            !body.contains("440524188001010014") && !body.contains("张三"),
            "{body}"
        );
        assert_eq!(
            store.case_ids_by_id_number("440524188001010014").unwrap(),
            vec!["c1"]
        );
        // The values are kept (in `pii`), dated by receipt, for purge to erase later.
        let n: i64 = store
            .conn
            .query_row(
                "SELECT COUNT(*) FROM pii WHERE at = '2026-11-23'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 2);
    }
}

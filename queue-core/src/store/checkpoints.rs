//! Stored state checkpoints: the hall's state at a log position, signed by the centre key.
//! Only the newest few are kept; start-up tries them newest first.

use rusqlite::params;

use super::{Store, StoreError};

/// Checkpoints kept; older ones are deleted when a new one is written.
const KEEP: i64 = 3;

/// A checkpoint row as stored (checked by `crate::checkpoint`, not here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub seq: u64,
    pub hash: Vec<u8>,
    pub at: String,
    pub config_digest: Vec<u8>,
    pub state: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Store {
    /// Writes a checkpoint and drops all but the newest few.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn save_checkpoint(&mut self, c: &StoredCheckpoint) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO checkpoints (seq, hash, at, config_digest, state, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                i64::try_from(c.seq).unwrap_or(i64::MAX),
                c.hash,
                c.at,
                c.config_digest,
                c.state,
                c.signature
            ],
        )
        .map_err(err)?;
        tx.execute(
            "DELETE FROM checkpoints WHERE seq NOT IN
             (SELECT seq FROM checkpoints ORDER BY seq DESC LIMIT ?1)",
            [KEEP],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Stored checkpoints, newest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, hash, at, config_digest, state, signature FROM checkpoints
                 ORDER BY seq DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredCheckpoint {
                    seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    hash: r.get(1)?,
                    at: r.get(2)?,
                    config_digest: r.get(3)?,
                    state: r.get(4)?,
                    signature: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The chain hash stored for event `seq`, if that event exists.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn event_hash(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT hash FROM events WHERE seq = ?1",
                [i64::try_from(seq).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

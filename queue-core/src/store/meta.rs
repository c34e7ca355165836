//! The `meta` table: which clock a database runs on, and the one-off step of migration 4.

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

use super::{pii, sqlite, Store, StoreError};

/// Whether hall time is the real time or a simulated one (`--demo`, `--start`,
/// `--time-scale`). A database keeps the mode it started with: simulated time pushed into a
/// centre's database would shift legal deadlines for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    Real,
    Simulated,
}

impl ClockMode {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Simulated => "simulated",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Real => "real time (真实时间)",
            Self::Simulated => "simulated time (模拟时间: --demo/--start/--time-scale)",
        }
    }
}

impl Store {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The clock mode the database is marked with, if any.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn clock_mode(&self) -> Result<Option<ClockMode>, StoreError> {
        Ok(self.meta("clock_mode")?.map(|m| {
            if m == ClockMode::Simulated.as_str() {
                ClockMode::Simulated
            } else {
                ClockMode::Real
            }
        }))
    }

    /// Runs the database in `mode`, or refuses. A database with no events yet takes any mode
    /// and is marked with it; one whose events were written before marking existed was run in
    /// real time.
    ///
    /// # Errors
    /// [`StoreError::ClockMode`] when the database was written in the other mode.
    pub fn claim_clock_mode(&self, mode: ClockMode) -> Result<(), StoreError> {
        let found = match self.clock_mode()? {
            Some(m) => Some(m),
            None => {
                let (seq, _) = self.head()?;
                (seq > 0).then_some(ClockMode::Real)
            }
        };
        match found {
            Some(m) if m != mode => Err(StoreError::ClockMode {
                path: self.path.clone(),
                found: format!("holds events written in {}", m.describe()),
                asked: mode.describe().to_string(),
            }),
            _ => self
                .conn
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_mode', ?1)",
                    params![mode.as_str()],
                )
                .map(|_| ())
                .map_err(|e| self.err(e)),
        }
    }

    /// True once the hall has issued a signed document or signed its chain head: from then on
    /// the centre key must not be silently replaced.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn has_signed_anything(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM heads) OR EXISTS(SELECT 1 FROM events WHERE body LIKE '%\"DV1.%')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

/// Migration 4's data step: case rows keep no full ID number (a keyed digest instead) and
/// their bodies' personal fields move to `pii`, dated by the case's receipt.
pub(super) fn finish_v4(tx: &Transaction<'_>, path: &str) -> Result<(), StoreError> {
    let secret = pii::hall_secret(tx, path)?;
    let rows: Vec<(String, Option<String>, Option<String>, String)> = {
        let mut st = tx
            .prepare("SELECT id, id_number, received_on, body FROM cases")
            .map_err(|e| sqlite(path, e))?;
        let it = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| sqlite(path, e))?;
        it.collect::<Result<_, _>>().map_err(|e| sqlite(path, e))?
    };
    for (id, id_number, received_on, body) in rows {
        let at = received_on.unwrap_or_default();
        let mut v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        pii::scrub(&mut v, &mut |x| pii::put(tx, path, &secret, &at, x))?;
        tx.execute(
            "UPDATE cases SET id_number = NULL, id_digest = ?2, body = ?3 WHERE id = ?1",
            params![
                id,
                id_number.map(|n| pii::id_digest(&secret, &n)),
                v.to_string()
            ],
        )
        .map_err(|e| sqlite(path, e))?;
    }
    Ok(())
}

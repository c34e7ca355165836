//! Shipping a hall's committed events to the city database.
//!
//! The shipper reads the hall's own SQLite log through a separate read connection (WAL: the
//! hall's writer never waits for it) and runs on its own thread, so the city side can never
//! block or slow the hall. The database holds the cursor (`city_centres.last_seq/last_hash`),
//! updated in the same transaction as the rows it covers: after any failure — network, the
//! database restarting, the hall killed — shipping resumes exactly after the last committed
//! event, with no gap and no duplicate. Each batch is checked against the hall's hash chain,
//! starting from the hash the city already holds, so a log that does not continue what was
//! shipped is refused instead of mixed in.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use queue_core::config::HallConfig;
use queue_core::store::Store;
use tokio_postgres::Client;

use crate::facts::ShipSet;
use crate::{schema, CityError, PgTarget};

mod write;
use write::{hex, seq_i64, unhex, win, write_event, Statements};

/// Who the centre is in the city database.
#[derive(Debug, Clone)]
pub struct CentreInfo {
    pub code: String,
    pub name: String,
    pub utc_offset_minutes: i32,
    /// Catalogue item → department, for per-department case counts.
    pub departments: HashMap<String, String>,
    /// Configured windows (number, queues, open): the starting state, before any
    /// `window_changed` event says otherwise.
    pub windows: Vec<(u32, String, bool)>,
}

impl CentreInfo {
    #[must_use]
    pub fn from_config(c: &HallConfig) -> Self {
        Self {
            code: c.centre.code.clone(),
            name: c.centre.name.clone(),
            utc_offset_minutes: c.centre.utc_offset_minutes,
            departments: c
                .items
                .iter()
                .map(|i| (i.code.clone(), i.department.clone()))
                .collect(),
            windows: c
                .windows
                .iter()
                .map(|w| (w.number, w.queues.join(","), w.open))
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ShipOptions {
    /// The hall's SQLite database.
    pub db: PathBuf,
    pub target: PgTarget,
    pub centre: CentreInfo,
    pub set: ShipSet,
    /// Events per database transaction.
    pub batch: u64,
    /// How often to look for new events once caught up.
    pub poll: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
}

impl ShipOptions {
    #[must_use]
    pub fn new(db: PathBuf, target: PgTarget, centre: CentreInfo) -> Self {
        Self {
            db,
            target,
            centre,
            set: ShipSet::ALL,
            batch: 500,
            poll: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// What the shipper is doing, for logs, `/healthz` and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipStatus {
    pub connected: bool,
    /// Last seq the city database holds for this centre.
    pub shipped_seq: u64,
    pub last_error: Option<String>,
    /// Shipping stopped for good (the hall log does not continue what the city holds).
    pub failed: bool,
}

/// A shipper for one hall: its log, its connection, its cursor.
pub struct Shipper {
    opts: ShipOptions,
    store: Store,
    conn: Option<(Client, Statements)>,
    /// (seq, hash) the city database holds; `None` until read from it.
    cursor: Option<(u64, Vec<u8>)>,
    status: Arc<Mutex<ShipStatus>>,
}

impl std::fmt::Debug for Shipper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shipper")
            .field("centre", &self.opts.centre.code)
            .field("cursor", &self.cursor.as_ref().map(|c| c.0))
            .finish_non_exhaustive()
    }
}

impl Shipper {
    /// Opens the hall's log for reading.
    ///
    /// # Errors
    /// The hall database cannot be opened.
    pub fn open(opts: ShipOptions) -> Result<Self, CityError> {
        let store = Store::open(&opts.db)?;
        Ok(Self {
            opts,
            store,
            conn: None,
            cursor: None,
            status: Arc::new(Mutex::new(ShipStatus::default())),
        })
    }

    /// Shared status, updated as the shipper works.
    #[must_use]
    pub fn status(&self) -> Arc<Mutex<ShipStatus>> {
        Arc::clone(&self.status)
    }

    fn set_status(&self, f: impl FnOnce(&mut ShipStatus)) {
        update_status(&self.status, f);
    }

    async fn connect(&mut self) -> Result<(), CityError> {
        let mut client = self.opts.target.connect(None).await?;
        // A shipper never waits long on a lock or leaves a transaction open: a stuck batch
        // becomes an error, the connection is dropped and shipping resumes from the cursor.
        // Settings an engine may not know (openGauss names some differently) are skipped.
        for set in [
            "SET lock_timeout = '5s'",
            "SET statement_timeout = '30s'",
            "SET idle_in_transaction_session_timeout = '30s'",
        ] {
            if let Err(e) = client.batch_execute(set).await {
                tracing::debug!("{set}: {e}");
            }
        }
        schema::migrate(&mut client).await?;
        let c = &self.opts.centre;
        // Registers the centre; its name and offset follow the hall's configuration.
        client
            .execute(
                "INSERT INTO city_centres (centre, name, utc_offset_minutes) VALUES ($1, $2, $3)
                 ON CONFLICT (centre) DO UPDATE SET name = EXCLUDED.name,
                    utc_offset_minutes = EXCLUDED.utc_offset_minutes",
                &[&c.code, &c.name, &c.utc_offset_minutes],
            )
            .await?;
        if self.opts.set.windows {
            for (number, queues, open) in &c.windows {
                let state = if *open { "open" } else { "closed" };
                client
                    .execute(
                        "INSERT INTO city_windows (centre, win, state, queues)
                         VALUES ($1, $2, $3, $4) ON CONFLICT (centre, win) DO NOTHING",
                        &[&c.code, &win(Some(*number)), &state, queues],
                    )
                    .await?;
            }
        }
        let stmts = Statements::prepare(&client).await?;
        self.conn = Some((client, stmts));
        self.cursor = None;
        self.set_status(|s| s.connected = true);
        Ok(())
    }

    async fn read_cursor(client: &Client, centre: &str) -> Result<(u64, Vec<u8>), CityError> {
        let row = client
            .query_one(
                "SELECT last_seq, last_hash FROM city_centres WHERE centre = $1",
                &[&centre],
            )
            .await?;
        cursor_of(centre, row.get(0), row.get(1))
    }

    /// Ships everything committed so far, in batches; returns how many events were shipped.
    /// Connects first if needed.
    ///
    /// # Errors
    /// Database errors (the caller reconnects), or a hall log that does not continue the
    /// city's copy (`Chain`, `Store`: not worth retrying).
    pub async fn ship_available(&mut self) -> Result<u64, CityError> {
        if self.conn.is_none() {
            self.connect().await?;
        }
        let mut shipped = 0;
        loop {
            let n = self.ship_batch().await?;
            if n == 0 {
                return Ok(shipped);
            }
            shipped += n;
        }
    }

    async fn ship_batch(&mut self) -> Result<u64, CityError> {
        let code = self.opts.centre.code.clone();
        let Some((client, stmts)) = self.conn.as_mut() else {
            return Ok(0);
        };
        let (after, prev) = match &self.cursor {
            Some(c) => c.clone(),
            None => {
                let c = Self::read_cursor(client, &code).await?;
                let (head, _) = self.store.head()?;
                if c.0 > head {
                    return Err(CityError::Chain {
                        centre: code,
                        problem: format!(
                            "the city holds seq {} but this hall's log ends at {head}: \
                             a different or truncated log",
                            c.0
                        ),
                    });
                }
                update_status(&self.status, |s| s.shipped_seq = c.0);
                self.cursor = Some(c.clone());
                c
            }
        };
        let rows = self
            .store
            .events_after_chained(after, &prev, self.opts.batch)
            .map_err(|e| match e {
                queue_core::store::StoreError::Tampered { seq, problem } => CityError::Chain {
                    centre: code.clone(),
                    problem: format!("seq {seq}: {problem}"),
                },
                other => CityError::Store(other),
            })?;
        let Some((last, last_hash)) = rows.last().map(|(r, h)| (r.clone(), h.clone())) else {
            return Ok(0);
        };
        let tx = client.transaction().await?;
        let row = tx.query_one(&stmts.cursor, &[&code]).await?;
        let now_cursor = cursor_of(&code, row.get(0), row.get(1))?;
        if now_cursor.0 != after {
            // Another shipper for this centre moved the cursor: start again from it.
            tx.rollback().await?;
            self.cursor = None;
            return Ok(0);
        }
        let shipped_at: DateTime<Utc> = Utc::now();
        for (rec, hash) in &rows {
            write_event(&tx, stmts, &self.opts, rec, hash, shipped_at).await?;
        }
        let last_at: DateTime<FixedOffset> = last.at;
        tx.execute(
            &stmts.advance,
            &[
                &code,
                &seq_i64(last.seq),
                &hex(&last_hash),
                &last_at,
                &last_at.date_naive(),
                &shipped_at,
            ],
        )
        .await?;
        tx.execute(&stmts.notify, &[&code]).await?;
        tx.commit().await?;
        let n = rows.len() as u64;
        self.cursor = Some((last.seq, last_hash));
        update_status(&self.status, |s| {
            s.shipped_seq = last.seq;
            s.last_error = None;
        });
        Ok(n)
    }

    /// Ships until `stop` turns true: catches up, then polls; reconnects with backoff after
    /// database or network failures. Returns only on stop, or with the error that makes
    /// further shipping wrong (a log that does not continue the city's copy).
    ///
    /// # Errors
    /// `Chain` or `Store` errors.
    pub async fn run(
        mut self,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), CityError> {
        let mut backoff = Duration::from_millis(100);
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let attempt = tokio::time::timeout(Duration::from_secs(60), self.ship_available());
            let result = attempt.await.unwrap_or_else(|_| {
                Err(CityError::Config(
                    "shipping stalled for 60 s; reconnecting".into(),
                ))
            });
            let wait = match result {
                Ok(_) => {
                    backoff = Duration::from_millis(100);
                    self.opts.poll
                }
                Err(
                    e @ (CityError::Chain { .. } | CityError::Store(_) | CityError::TooNew { .. }),
                ) => {
                    tracing::error!(centre = %self.opts.centre.code, "city shipping stopped: {e}");
                    self.set_status(|s| {
                        s.failed = true;
                        s.last_error = Some(e.to_string());
                    });
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(centre = %self.opts.centre.code, target = %self.opts.target,
                        "city database unavailable, will catch up: {e}");
                    self.conn = None;
                    self.cursor = None;
                    self.set_status(|s| {
                        s.connected = false;
                        s.last_error = Some(e.to_string());
                    });
                    let w = backoff;
                    backoff = (backoff * 2).min(self.opts.max_backoff);
                    w
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

fn update_status(status: &Mutex<ShipStatus>, f: impl FnOnce(&mut ShipStatus)) {
    let mut g = match status.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    f(&mut g);
}

fn cursor_of(centre: &str, seq: i64, hash: String) -> Result<(u64, Vec<u8>), CityError> {
    let seq = u64::try_from(seq).unwrap_or(0);
    if seq == 0 {
        return Ok((0, vec![0u8; 32]));
    }
    let hash = unhex(&hash).ok_or_else(|| CityError::Chain {
        centre: centre.to_string(),
        problem: format!("unreadable hash stored for seq {seq}"),
    })?;
    Ok((seq, hash))
}

/// A shipper running on its own thread (with its own small runtime), as `dashboard serve
/// --ship-to` starts it: nothing it does can hold up the hall.
#[derive(Debug)]
pub struct ShipHandle {
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    status: Arc<Mutex<ShipStatus>>,
}

impl ShipHandle {
    /// Starts shipping in the background.
    ///
    /// # Errors
    /// The hall database cannot be opened, or the thread cannot start.
    pub fn spawn(opts: ShipOptions) -> Result<Self, CityError> {
        let shipper = Shipper::open(opts)?;
        let status = shipper.status();
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("city-ship".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::error!("city shipper runtime: {e}");
                        return;
                    }
                };
                // The error is logged and kept in the status by `run`.
                let _ = rt.block_on(shipper.run(stop_rx));
            })
            .map_err(|e| CityError::Config(format!("cannot start the shipper thread: {e}")))?;
        Ok(Self {
            stop,
            thread: Some(thread),
            status,
        })
    }

    #[must_use]
    pub fn status(&self) -> ShipStatus {
        match self.status.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Stops and waits for the thread (an interrupted batch simply is not committed).
    pub fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_round_trip_through_hex() {
        let h: Vec<u8> = (0..32).collect();
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}

//! Builds a hall database with a long history, for measuring start-up (`hall-load --history`).
//!
//! The real engine writes it: a service day of tickets issued, called, served and finished at
//! the sample centre's windows, day after working day, through the single writer (group
//! commit), until the log holds the requested number of events.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use chrono::{Duration, NaiveTime};
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::clock::{Clock, ManualClock};
use queue_core::config::HallConfig;
use queue_core::document::SigningKey;
use queue_core::hall::{Command, Hall};
use queue_core::service::{HallService, ServiceOptions};
use serde_json::json;

/// Writes at least `events` events into the database at `db`; returns the last seq.
///
/// # Errors
/// Store or configuration errors.
pub fn build(db: &Path, config: HallConfig, key: SigningKey, events: u64) -> anyhow::Result<u64> {
    let offset = config.centre.offset();
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .and_then(|t| t.and_local_timezone(offset).single())
        .context("start time")?;
    let clock = Arc::new(ManualClock::new(start));
    let calendar = Calendar::embedded();
    let hall = Hall::new(config.clone(), calendar.clone(), key);
    let svc = HallService::start(
        db,
        hall,
        clock.clone(),
        Box::new(|_| {}),
        ServiceOptions::default(),
    )?;
    let done = Arc::new(AtomicU64::new(0));
    // Windows per queue, so every ticket is called at a window that serves its queue.
    let pairs: Vec<(String, u32)> = config
        .windows
        .iter()
        .filter(|w| w.open)
        .flat_map(|w| w.queues.iter().map(move |q| (q.clone(), w.number)))
        .collect();
    anyhow::ensure!(!pairs.is_empty(), "no open window serves a queue");
    let kiosk = Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    let close = NaiveTime::from_hms_opt(17, 0, 0).context("time")?;
    let mut i = 0usize;
    while svc.read().seq < events {
        // A cycle: issue, call, start, finish at one window.
        let (queue, window) = &pairs[i % pairs.len()];
        i += 1;
        let counter = Actor {
            role: Role::Counter,
            window: Some(*window),
            token: None,
            departments: queue_core::auth::DepartmentScope::ALL,
        };
        for (actor, cmd) in [
            (kiosk, json!({"kind":"issue_ticket","queue":queue})),
            (counter, json!({"kind":"call_next"})),
            (counter, json!({"kind":"start_service"})),
            (counter, json!({"kind":"finish"})),
        ] {
            let d = Arc::clone(&done);
            svc.submit(actor, Command::from_json(&cmd)?, None, move |_| {
                d.fetch_add(1, Ordering::Relaxed);
            });
        }
        clock.advance(Duration::seconds(20));
        let now = clock.now();
        if now.time() >= close {
            // Next working day, 09:00: yesterday's leftovers are cancelled by the hall.
            let mut day = now.date_naive() + Duration::days(1);
            while !calendar.is_working_day(day).value {
                day += Duration::days(1);
            }
            if let Some(t) = day
                .and_hms_opt(9, 0, 0)
                .and_then(|t| t.and_local_timezone(offset).single())
            {
                clock.set(t);
            }
        }
    }
    let seq = svc.read().seq;
    svc.shutdown();
    Ok(seq)
}

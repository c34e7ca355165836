//! Streams the verified event log once and keeps only what the month's report needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context};
use chrono::{DateTime, FixedOffset, NaiveDate};
use queue_core::hall::Event;
use queue_core::intake::{CaseEvent, CaseState};
use queue_core::queue::{Channel, Evaluation, QueueEvent, Ticket, TicketState};
use queue_core::redress::{FollowUp, Request};
use queue_core::store::{record_hash, StoreError, SCHEMA_VERSION};
use queue_core::supervision::{AlertKind, SupervisionEvent};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::Month;

/// A ticket issued in the month, as of its last event.
#[derive(Debug, Clone)]
pub(super) struct TicketFact {
    pub queue: String,
    pub channel: Channel,
    pub state: TicketState,
    pub window: Option<u32>,
    pub issued_at: DateTime<FixedOffset>,
    /// The first call ends the wait; a reinstated ticket's later call does not restart it.
    pub first_called_at: Option<DateTime<FixedOffset>>,
    pub served_at: Option<DateTime<FixedOffset>>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// Created by a transfer from another queue rather than issued at the kiosk.
    pub transferred_in: bool,
}

/// What a case event did, for the per-item counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Opened,
    Accepted,
    DeemedAccepted,
    Rejected,
    Refused,
    /// 当场办结: finished at the counter on the day of receipt.
    CompletedOnTheSpot,
    CompletedOnTime,
    CompletedLate,
    NoticeIssued,
    NoticeDeferred,
    Extended,
    Paused,
}

/// One case step of the month, with what it is counted under.
#[derive(Debug, Clone)]
pub(super) struct CaseStep {
    pub item: String,
    pub item_name: String,
    pub department: String,
    pub step: Step,
}

/// A case as of the report's cut-off date (no applicant data kept).
#[derive(Debug, Clone)]
pub(super) struct CaseSnap {
    pub item: String,
    pub item_name: String,
    pub department: String,
    pub state: CaseState,
    pub due_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    /// A special procedure stops the clock: not overdue.
    pub paused: bool,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Log {
    pub tickets: BTreeMap<String, TicketFact>,
    pub evaluations: Vec<Evaluation>,
    /// Alerts raised in the month: kind, queue, window.
    pub alerts: Vec<(AlertKind, Option<String>, Option<u32>)>,
    /// Case steps in the month: item code, item name, step.
    pub case_steps: Vec<CaseStep>,
    /// Every case as of the cut-off, by id.
    pub cases: BTreeMap<String, CaseSnap>,
    /// Queues and windows ever seen, so quiet ones still get a row of zeros.
    pub queues: BTreeSet<String>,
    pub windows: BTreeSet<u32>,
    /// The last signed chain head, as printed: `seq N · hash … · signed … · key …`.
    pub signed_head: Option<String>,
    /// Follow-ups opened in the month and requests recorded in it, as of the cut-off.
    pub follow_ups: BTreeMap<String, FollowUp>,
    pub requests: BTreeMap<String, Request>,
    /// Token labels, naming the staff member in the per-staff ratings.
    pub staff_labels: BTreeMap<i64, String>,
    /// Ratings in the month per channel (`pad`, `kiosk`, `qr`, `on_behalf`).
    pub channels: BTreeMap<String, super::RatingTally>,
}

/// Reads the whole log in order, verifying the hash chain as it goes.
pub(super) fn read(db: &Path, month: Month, as_of: NaiveDate) -> anyhow::Result<Log> {
    let mut log = Log::default();
    let conn = stream_log(db, |_, at, actor, event| {
        if let Event::Queue(QueueEvent::EvaluationRecorded { evaluation }) = &event {
            if month.contains(at.date_naive()) {
                let actor = actor.and_then(|a| serde_json::from_str(a).ok());
                let channel = crate::ratings::channel(actor.as_ref(), evaluation);
                log.channels
                    .entry(channel)
                    .or_default()
                    .add(evaluation.rating);
            }
        }
        log.observe(&event, at, month, as_of);
        Ok(())
    })?;
    log.signed_head = last_signed_head(&conn)?;
    log.staff_labels = staff_labels(&conn)?;
    Ok(log)
}

/// Streams every event of the log at `db` (opened read-only) to `f` with its seq, time and
/// actor (JSON), verifying the hash chain as it goes; returns the connection.
///
/// # Errors
/// An unreadable, newer or tampered database, or `f`'s error.
pub(crate) fn stream_log(
    db: &Path,
    mut f: impl FnMut(u64, DateTime<FixedOffset>, Option<&str>, Event) -> Result<(), StoreError>,
) -> anyhow::Result<Connection> {
    let conn = open(db)?;
    {
        let mut stmt =
            conn.prepare("SELECT seq, at, body, prev_hash, hash, actor FROM events ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut prev = vec![0u8; 32];
        let mut expect = 1u64;
        while let Some(row) = rows.next()? {
            let seq = u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
            let at: String = row.get(1)?;
            let body: String = row.get(2)?;
            let prev_hash: Vec<u8> = row.get(3)?;
            let hash: Vec<u8> = row.get(4)?;
            let actor: Option<String> = row.get(5)?;
            verify(
                seq,
                expect,
                &prev,
                &prev_hash,
                &hash,
                &at,
                actor.as_deref(),
                &body,
            )?;
            let corrupt = |message: String| StoreError::Corrupt { seq, message };
            let at = DateTime::parse_from_rfc3339(&at).map_err(|e| corrupt(e.to_string()))?;
            let event: Event = serde_json::from_str(&body).map_err(|e| corrupt(e.to_string()))?;
            f(seq, at, actor.as_deref(), event)?;
            prev = hash;
            expect += 1;
        }
    }
    Ok(conn)
}

fn staff_labels(conn: &Connection) -> anyhow::Result<BTreeMap<i64, String>> {
    let mut stmt = conn.prepare("SELECT id, label FROM tokens")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn last_signed_head(conn: &Connection) -> anyhow::Result<Option<String>> {
    let has_heads: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heads')",
        [],
        |r| r.get(0),
    )?;
    if !has_heads {
        return Ok(None);
    }
    let row: Option<(i64, Vec<u8>, String, String)> = conn
        .query_row(
            "SELECT seq, hash, signed_at, key_id FROM heads ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row.map(|(seq, hash, at, key)| {
        format!(
            "seq {seq} · hash {} · signed {at} · key {key}",
            hex::encode(hash)
        )
    }))
}

/// Read-only: a report must never change the hall's database, even by migrating it.
fn open(db: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // The hall server may be writing: wait for it instead of failing.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .context("不是 SQLite 数据库 not an SQLite database")?;
    if version == 0 {
        bail!("不是大厅数据库 not a hall database (no schema)");
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: db.display().to_string(),
            found: version,
            known: SCHEMA_VERSION,
        }
        .into());
    }
    Ok(conn)
}

/// The same checks as `Store::load_events`, done while streaming.
#[allow(clippy::too_many_arguments)]
fn verify(
    seq: u64,
    expect: u64,
    prev: &[u8],
    prev_hash: &[u8],
    hash: &[u8],
    at: &str,
    actor: Option<&str>,
    body: &str,
) -> Result<(), StoreError> {
    let problem = if seq != expect {
        format!("expected seq {expect}: an event is missing")
    } else if prev_hash != prev {
        "previous-hash link broken".into()
    } else if record_hash(prev, seq, at, actor, body) != hash {
        "content does not match its hash".into()
    } else {
        return Ok(());
    };
    Err(StoreError::Tampered { seq, problem })
}

impl Log {
    fn observe(&mut self, ev: &Event, at: DateTime<FixedOffset>, month: Month, as_of: NaiveDate) {
        let in_month = month.contains(at.date_naive());
        match ev {
            Event::Queue(QueueEvent::EvaluationRecorded { evaluation }) => {
                if in_month {
                    self.evaluations.push(evaluation.clone());
                }
            }
            Event::Queue(QueueEvent::WindowChanged { window }) => {
                self.windows.insert(window.number);
            }
            Event::Queue(_) => {
                for t in ev.tickets() {
                    self.ticket(t, month);
                }
            }
            Event::Supervision(SupervisionEvent::AlertRaised { alert }) => {
                if in_month {
                    self.alerts
                        .push((alert.kind, alert.queue.clone(), alert.window));
                }
            }
            Event::Supervision(_) => {}
            Event::Case(e) => self.case(e, at.date_naive(), in_month, as_of),
            Event::Redress(e) => {
                // As of the cut-off: later steps do not count for this month's figures.
                if at.date_naive() > as_of {
                    return;
                }
                if let Some(f) = e.follow_up() {
                    if month.contains(f.opened_at.date_naive()) {
                        self.follow_ups.insert(f.id.clone(), f.clone());
                    }
                }
                if let Some(r) = e.request() {
                    if month.contains(r.received_at.date_naive()) {
                        self.requests.insert(r.id.clone(), r.clone());
                    }
                }
            }
        }
    }

    fn ticket(&mut self, t: &Ticket, month: Month) {
        self.queues.insert(t.queue.clone());
        if let Some(w) = t.window {
            self.windows.insert(w);
        }
        if !month.contains(t.issued_at.date_naive()) {
            return;
        }
        let first_called_at = self
            .tickets
            .get(&t.id)
            .and_then(|f| f.first_called_at)
            .or(t.called_at);
        self.tickets.insert(
            t.id.clone(),
            TicketFact {
                queue: t.queue.clone(),
                channel: t.channel,
                state: t.state,
                window: t.window,
                issued_at: t.issued_at,
                first_called_at,
                served_at: t.served_at,
                finished_at: t.finished_at,
                transferred_in: t.transferred_from.is_some(),
            },
        );
    }

    fn case(&mut self, e: &CaseEvent, day: NaiveDate, in_month: bool, as_of: NaiveDate) {
        let c = e.case();
        if in_month {
            if let Some(step) = step(e) {
                self.case_steps.push(CaseStep {
                    item: c.item.clone(),
                    item_name: c.item_name.clone(),
                    department: c.terms.department.clone(),
                    step,
                });
            }
        }
        if day <= as_of {
            self.cases.insert(
                c.id.clone(),
                CaseSnap {
                    item: c.item.clone(),
                    item_name: c.item_name.clone(),
                    department: c.terms.department.clone(),
                    state: c.state,
                    due_on: c.due_on,
                    completed_on: c.completed_on,
                    paused: c.open_pause().is_some(),
                },
            );
        }
    }
}

fn step(e: &CaseEvent) -> Option<Step> {
    Some(match e {
        CaseEvent::CaseOpened { .. } => Step::Opened,
        CaseEvent::MaterialsRecorded { .. } | CaseEvent::CaseTakenOver { .. } => return None,
        CaseEvent::NoticeDeferred { .. } => Step::NoticeDeferred,
        CaseEvent::NoticeIssued { .. } => Step::NoticeIssued,
        CaseEvent::CaseAccepted { .. } => Step::Accepted,
        CaseEvent::CaseDeemedAccepted { .. } => Step::DeemedAccepted,
        CaseEvent::CaseRejected { .. } => Step::Rejected,
        CaseEvent::CaseCompleted { case, .. } => {
            // Older logs lack the flag: a completion never accepted first was on the spot.
            if case.completed_on_the_spot || case.accepted_on.is_none() {
                Step::CompletedOnTheSpot
            } else if case
                .due_on
                .zip(case.completed_on)
                .is_some_and(|(due, done)| done > due)
            {
                Step::CompletedLate
            } else {
                Step::CompletedOnTime
            }
        }
        CaseEvent::CaseExtended { .. } => Step::Extended,
        CaseEvent::CaseRefused { .. } => Step::Refused,
        CaseEvent::CasePaused { .. } => Step::Paused,
        CaseEvent::CaseResumed { .. }
        | CaseEvent::CommitmentRecorded { .. }
        | CaseEvent::ResultCollected { .. } => return None,
    })
}

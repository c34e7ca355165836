//! The supervisor's copy of the hall: built from a snapshot, kept live by events.
//!
//! Waiting counts are not in events, so the model mirrors the hall's own waiting index: every
//! ticket event carries the ticket's new version, and a ticket is in its queue's line exactly
//! while its state is `waiting`. That keeps counts exact (and idempotent if an event were seen
//! twice) without ±1 bookkeeping per event kind; the periodic resync is only a safety net.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use queue_core::config::WindowKind;
use queue_core::queue::{TicketState, WindowState};
use queue_core::redress::{
    Deadline, FollowUp, FollowUpState, Request, RequestCategory, RequestState, Urgency,
};
use queue_core::staffing::WaitRange;
use queue_core::supervision::{Alert, Recommendation};
use serde::Deserialize;
use serde_json::Value;

/// A snapshot or event the model could not read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{what}: {source}")]
    Shape {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("event without a kind")]
    NoKind,
}

fn field<T: for<'de> Deserialize<'de>>(v: &Value, what: &'static str) -> Result<T, ModelError> {
    T::deserialize(v).map_err(|source| ModelError::Shape { what, source })
}

/// One queue's configuration and the slow-moving figures only snapshots carry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueueInfo {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub target_wait_minutes: u32,
    #[serde(default)]
    pub max_wait_minutes: u32,
    #[serde(default)]
    pub max_waiting: u32,
    /// Measured mean service time as of the last snapshot.
    #[serde(default)]
    pub mean_service_seconds: f64,
    /// The hall's own estimate in the last snapshot, and the inputs it was made for: shown
    /// as is while nothing changed, so the screen agrees with the ticket printer.
    #[serde(default)]
    pub estimated_wait: Option<WaitRange>,
    #[serde(default)]
    pub waiting: u32,
    #[serde(default)]
    pub open_windows: u32,
}

/// A window as shown (the wire has `ticket` = number and `ticket_id`, in snapshots and events).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowInfo {
    pub number: u32,
    pub kind: WindowKind,
    pub state: WindowState,
    pub queues: Vec<String>,
    pub ticket_id: Option<String>,
    pub ticket_number: Option<String>,
    pub since: Option<DateTime<FixedOffset>>,
}

impl WindowInfo {
    #[must_use]
    pub fn serves(&self, queue: &str) -> bool {
        self.queues.iter().any(|q| q == queue)
    }
}

#[derive(Deserialize)]
struct SnapshotWindow {
    number: u32,
    kind: WindowKind,
    state: WindowState,
    #[serde(default)]
    queues: Vec<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    ticket_id: Option<String>,
    #[serde(default)]
    since: Option<DateTime<FixedOffset>>,
}

/// What the model needs of a ticket.
#[derive(Debug, Clone, Deserialize)]
struct TicketLite {
    id: String,
    number: String,
    queue: String,
    state: TicketState,
    issued_at: DateTime<FixedOffset>,
    #[serde(default)]
    window: Option<u32>,
}

/// A waiting ticket in a queue's line (snapshot `line` entries).
#[derive(Debug, Clone, Deserialize)]
struct LineEntry {
    id: String,
    issued_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq)]
struct Waiting {
    queue: String,
    issued_at: DateTime<FixedOffset>,
}

#[derive(Deserialize)]
struct Centre {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct ThresholdQueue {
    code: String,
    name: String,
    #[serde(default)]
    name_en: String,
    target_wait_minutes: u32,
    max_wait_minutes: u32,
    max_waiting: u32,
}

/// The hall as the supervisor sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct HallView {
    pub centre: String,
    /// Hall time of the snapshot or the latest event.
    pub now: DateTime<FixedOffset>,
    /// In the hall's order.
    pub queues: Vec<QueueInfo>,
    pub windows: BTreeMap<u32, WindowInfo>,
    pub alerts: BTreeMap<String, Alert>,
    /// By queue code.
    pub recommendations: BTreeMap<String, Recommendation>,
    /// Open bad-rating follow-ups and 办不成事/complaint records, by id (applicants masked by
    /// the hall's view; closed ones leave).
    pub records: BTreeMap<String, Record>,
    /// Waiting tickets by id.
    waiting: BTreeMap<String, Waiting>,
    /// The notification outbox (snapshot `notify`), when the hall sends it.
    pub notify: Option<OutboxLine>,
}

/// What the header shows of notices to applicants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(default)]
pub struct OutboxLine {
    pub configured: bool,
    pub pending: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// A follow-up or request as the supervisor's list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    /// `None` for a bad-rating follow-up.
    pub category: Option<RequestCategory>,
    /// The state's protocol name (`open`, `called_back`, `referred`, …).
    pub state: String,
    pub deadline: Deadline,
    /// The owner (follow-up) or the masked applicant and first window (request).
    pub who: String,
}

impl Record {
    fn follow_up(f: &FollowUp) -> Option<Self> {
        (f.state != FollowUpState::Closed).then(|| Self {
            id: f.id.clone(),
            category: None,
            state: f.state.as_str().to_string(),
            deadline: f.deadline,
            who: f.owner.name.clone(),
        })
    }

    fn request(r: &Request) -> Option<Self> {
        (r.state != RequestState::Answered).then(|| Self {
            id: r.id.clone(),
            category: Some(r.category),
            state: r.state.as_str().to_string(),
            deadline: r.deadline,
            who: format!("{} · {}#", r.applicant.name, r.first_window),
        })
    }
}

/// Whether an event changed anything the view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// Redacted or of no concern to this view (cases, evaluations, …).
    Ignored,
}

impl HallView {
    /// Reads a snapshot's `state`.
    ///
    /// # Errors
    /// When a part the view needs has the wrong shape.
    pub fn from_snapshot(state: &Value) -> Result<Self, ModelError> {
        let now: DateTime<FixedOffset> = field(&state["now"], "now")?;
        let centre: Centre = field(&state["centre"], "centre")?;
        let queues: Vec<QueueInfo> = field(&state["queues"], "queues")?;
        let windows: Vec<SnapshotWindow> = field(&state["windows"], "windows")?;
        let alerts: Vec<Alert> = match &state["alerts"] {
            Value::Null => Vec::new(),
            v => field(v, "alerts")?,
        };
        let recs: Vec<Recommendation> = match &state["recommendations"] {
            Value::Null => Vec::new(),
            v => field(v, "recommendations")?,
        };
        let mut waiting = BTreeMap::new();
        for q in state["queues"].as_array().into_iter().flatten() {
            let code = q["code"].as_str().unwrap_or_default();
            let line: Vec<LineEntry> = match &q["line"] {
                Value::Null => Vec::new(),
                v => field(v, "queues[].line")?,
            };
            for t in line {
                waiting.insert(
                    t.id,
                    Waiting {
                        queue: code.to_string(),
                        issued_at: t.issued_at,
                    },
                );
            }
        }
        let mut records = BTreeMap::new();
        if let Value::Array(list) = &state["follow_ups"] {
            for v in list {
                let f: FollowUp = field(v, "follow_ups[]")?;
                records.extend(Record::follow_up(&f).map(|r| (r.id.clone(), r)));
            }
        }
        if let Value::Array(list) = &state["requests"] {
            for v in list {
                let r: Request = field(v, "requests[]")?;
                records.extend(Record::request(&r).map(|r| (r.id.clone(), r)));
            }
        }
        Ok(Self {
            records,
            centre: centre.name,
            now,
            queues,
            windows: windows
                .into_iter()
                .map(|w| {
                    (
                        w.number,
                        WindowInfo {
                            number: w.number,
                            kind: w.kind,
                            state: w.state,
                            queues: w.queues,
                            ticket_id: w.ticket_id,
                            ticket_number: w.ticket,
                            since: w.since,
                        },
                    )
                })
                .collect(),
            alerts: alerts.into_iter().map(|a| (a.id.clone(), a)).collect(),
            recommendations: recs.into_iter().map(|r| (r.queue.clone(), r)).collect(),
            waiting,
            notify: serde_json::from_value(state["notify"].clone()).ok(),
        })
    }

    /// Applies one event (`event` is the frame's `event` object) committed at `at`.
    ///
    /// # Errors
    /// When an event this view follows has the wrong shape: the caller resyncs.
    pub fn apply(
        &mut self,
        at: DateTime<FixedOffset>,
        event: &Value,
    ) -> Result<Applied, ModelError> {
        let kind = event["kind"].as_str().ok_or(ModelError::NoKind)?;
        if at > self.now {
            self.now = at;
        }
        match kind {
            "ticket_issued" | "ticket_called" | "ticket_recalled" | "ticket_no_show"
            | "ticket_reinstated" | "service_started" | "service_finished" | "ticket_cancelled" => {
                let t: TicketLite = field(&event["ticket"], "ticket")?;
                self.put(&t, at);
            }
            "ticket_transferred" => {
                let from: TicketLite = field(&event["from"], "from")?;
                let t: TicketLite = field(&event["ticket"], "ticket")?;
                self.put(&from, at);
                self.put(&t, at);
            }
            "window_changed" => {
                let w: SnapshotWindow = field(&event["window"], "window")?;
                self.windows.insert(
                    w.number,
                    WindowInfo {
                        number: w.number,
                        kind: w.kind,
                        state: w.state,
                        queues: w.queues,
                        ticket_id: w.ticket_id,
                        ticket_number: w.ticket,
                        since: w.since,
                    },
                );
            }
            "threshold_changed" => {
                let q: ThresholdQueue = field(&event["queue"], "queue")?;
                if let Some(mine) = self.queues.iter_mut().find(|m| m.code == q.code) {
                    mine.name = q.name;
                    mine.name_en = q.name_en;
                    mine.target_wait_minutes = q.target_wait_minutes;
                    mine.max_wait_minutes = q.max_wait_minutes;
                    mine.max_waiting = q.max_waiting;
                }
            }
            "alert_raised" | "alert_acknowledged" => {
                let a: Alert = field(&event["alert"], "alert")?;
                self.alerts.insert(a.id.clone(), a);
            }
            "alert_cleared" => {
                let a: Alert = field(&event["alert"], "alert")?;
                self.alerts.remove(&a.id);
            }
            "recommendation" => {
                let r: Recommendation = field(event, "recommendation")?;
                self.recommendations.insert(r.queue.clone(), r);
            }
            k if k.starts_with("follow_up_") => {
                let f: FollowUp = field(&event["follow_up"], "follow_up")?;
                self.put_record(&f.id, Record::follow_up(&f));
            }
            k if k.starts_with("request_") => {
                let r: Request = field(&event["request"], "request")?;
                self.put_record(&r.id, Record::request(&r));
            }
            _ => return Ok(Applied::Ignored),
        }
        Ok(Applied::Changed)
    }

    /// Mirrors the hall's `put`: the waiting index and which window holds the ticket.
    fn put(&mut self, t: &TicketLite, at: DateTime<FixedOffset>) {
        self.waiting.remove(&t.id);
        if t.state == TicketState::Waiting {
            self.waiting.insert(
                t.id.clone(),
                Waiting {
                    queue: t.queue.clone(),
                    issued_at: t.issued_at,
                },
            );
        }
        for w in self.windows.values_mut() {
            if w.ticket_id.as_deref() == Some(t.id.as_str()) {
                w.ticket_id = None;
                w.ticket_number = None;
                w.since = Some(at);
            }
        }
        if matches!(t.state, TicketState::Called | TicketState::Serving) {
            if let Some(w) = t.window.and_then(|n| self.windows.get_mut(&n)) {
                if w.ticket_id.as_deref() != Some(t.id.as_str()) {
                    w.since = Some(at);
                }
                w.ticket_id = Some(t.id.clone());
                w.ticket_number = Some(t.number.clone());
            }
        }
    }

    fn put_record(&mut self, id: &str, r: Option<Record>) {
        match r {
            Some(r) => {
                self.records.insert(id.to_string(), r);
            }
            None => {
                self.records.remove(id);
            }
        }
    }

    /// Open records, overdue first, then due soon, then by deadline.
    #[must_use]
    pub fn records_by_urgency(&self) -> Vec<(&Record, Urgency)> {
        let today = self.now.date_naive();
        let mut v: Vec<(&Record, Urgency)> = self
            .records
            .values()
            .map(|r| (r, r.deadline.urgency(today)))
            .collect();
        let rank = |u: Urgency| match u {
            Urgency::Overdue => 0,
            Urgency::DueSoon => 1,
            Urgency::Open => 2,
        };
        v.sort_by(|a, b| {
            rank(a.1)
                .cmp(&rank(b.1))
                .then(a.0.deadline.due_on.cmp(&b.0.deadline.due_on))
                .then(a.0.id.cmp(&b.0.id))
        });
        v
    }

    #[must_use]
    pub fn queue(&self, code: &str) -> Option<&QueueInfo> {
        self.queues.iter().find(|q| q.code == code)
    }

    /// People waiting in `queue` now.
    #[must_use]
    pub fn waiting(&self, queue: &str) -> u32 {
        let n = self.waiting.values().filter(|w| w.queue == queue).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Seconds the longest-waiting ticket of `queue` has waited at `now`.
    #[must_use]
    pub fn longest_wait_seconds(&self, queue: &str, now: DateTime<FixedOffset>) -> i64 {
        self.waiting
            .values()
            .filter(|w| w.queue == queue)
            .map(|w| (now - w.issued_at).num_seconds().max(0))
            .max()
            .unwrap_or(0)
    }

    /// Open windows serving `queue` (paused and closed ones do not count, as in the hall).
    #[must_use]
    pub fn open_windows_for(&self, queue: &str) -> u32 {
        let n = self
            .windows
            .values()
            .filter(|w| w.state == WindowState::Open && w.serves(queue))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// What a ticket issued now would be told: the hall's own figure from the latest
    /// snapshot or summary (at most a summary interval old). `None`: no window open.
    #[must_use]
    pub fn estimated_wait(&self, queue: &str) -> Option<WaitRange> {
        self.queue(queue)?.estimated_wait
    }

    /// Takes the hall's queue figures from a `summary` frame (counts stay exact from events;
    /// the estimate and measured service time come from the hall).
    pub fn apply_summary(&mut self, queues: &Value) {
        let Ok(list) = serde_json::from_value::<Vec<QueueInfo>>(queues.clone()) else {
            return;
        };
        for s in list {
            if let Some(q) = self.queues.iter_mut().find(|q| q.code == s.code) {
                q.estimated_wait = s.estimated_wait;
                q.mean_service_seconds = s.mean_service_seconds;
                q.waiting = s.waiting;
                q.open_windows = s.open_windows;
            }
        }
    }
}

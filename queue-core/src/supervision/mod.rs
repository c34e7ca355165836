//! Supervision: alerts that are raised once and cleared when their condition ends, and staffing
//! recommendations per queue (GZ Art 6, 8).
//!
//! Conditions are evaluated by `tick` from the hall state; the difference with the active set
//! becomes `alert_raised` / `alert_cleared` events, so every client sees the same alerts.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{Actor, Role};
use crate::error::DomainError;
use crate::hall::Hall;
use crate::queue::{Decision, QueueEvent};
use conditions::{conditions, device_name};
use recommend::recommend;

mod conditions;
mod recommend;

/// How far back arrivals and service times are looked at for staffing.
const LOOKBACK_MINUTES: i64 = 30;

/// The walk-in estimate of each queue at one tick.
type Estimates = BTreeMap<String, Option<crate::staffing::WaitRange>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A ticket has waited longer than the queue's `max_wait_minutes`.
    LongWait,
    /// More than `max_waiting` are waiting.
    TooManyWaiting,
    /// A ticket issued now would wait beyond the queue's target.
    EstimateOverTarget,
    /// An open window has had no ticket for a while although its queues have people waiting.
    IdleWindow,
    /// A correction notice is due (five working days from receipt) today or on the next
    /// working day.
    NoticeDue,
    /// A case's committed deadline is near or past.
    Deadline,
    /// A tolerated (容缺) material is owed by the next working day, or late.
    MaterialDue,
    /// A counter reported its printer or scanner faulty.
    DeviceFault,
    /// An urgent request was refused (GZ Art 10: recorded and reported).
    UrgentRefused,
    /// Commits are failing (disk full, I/O error). Not in the event log: see `health`.
    StorageFailure,
    /// Free space on the database's disk is below the watch threshold. Not in the log.
    DiskLow,
    /// A bad-rating follow-up's deadline (local policy) is near.
    FollowUpDue,
    /// A bad-rating follow-up is past its deadline without feedback to the applicant.
    FollowUpOverdue,
    /// A 办不成事 request or complaint is near its deadline unanswered.
    RequestDue,
    /// A 办不成事 request or complaint is past its deadline unanswered.
    RequestOverdue,
    /// Notices to applicants keep failing to reach the webhook (the sender in
    /// `dashboard serve`). Not in the log.
    NotifyFailing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable per condition, e.g. `long_wait:A`, `idle_window:3`.
    pub id: String,
    pub kind: AlertKind,
    /// The queue concerned; `null` for window, case and device alerts.
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The follow-up or request serial, for their alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The departments a case or record alert concerns (department-scoped supervisors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
    /// Chinese.
    pub message: String,
    #[serde(default)]
    pub message_en: String,
    pub raised_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub acknowledged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub queue: String,
    pub open_windows: u32,
    pub recommended_windows: u32,
    pub arrivals_per_hour: f64,
    pub mean_service_seconds: f64,
    pub waiting: u32,
    /// Erlang C mean wait with the windows open now; `None` when they cannot keep up.
    pub predicted_wait_seconds: Option<f64>,
    pub predicted_wait_seconds_recommended: Option<f64>,
    pub service_level: f64,
    pub service_level_recommended: f64,
    /// Open windows serving other queues that are within target: candidates to switch over.
    pub switch_windows: Vec<u32>,
    /// Closed windows that could be opened for this queue.
    pub closed_windows: Vec<u32>,
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SupervisionCommand {
    AckAlert { alert: String },
}

impl SupervisionCommand {
    pub const KINDS: &'static [&'static str] = &["ack_alert"];

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AckAlert { .. } => "ack_alert",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SupervisionEvent {
    AlertRaised { alert: Alert },
    AlertCleared { alert: Alert },
    AlertAcknowledged { alert: Alert },
    Recommendation(Recommendation),
}

impl SupervisionEvent {
    /// The protocol `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AlertRaised { .. } => "alert_raised",
            Self::AlertCleared { .. } => "alert_cleared",
            Self::AlertAcknowledged { .. } => "alert_acknowledged",
            Self::Recommendation(_) => "recommendation",
        }
    }

    /// What the public display may see of it: nothing, alerts are for staff.
    #[must_use]
    pub fn public(&self) -> Option<Self> {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Refusal {
    queue: String,
    reason: String,
    window: Option<u32>,
    at: DateTime<FixedOffset>,
}

// Serialisable for state checkpoints (`crate::checkpoint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Supervision {
    pub alerts: BTreeMap<String, Alert>,
    recommendations: BTreeMap<String, Recommendation>,
    /// Current device faults by (window, device).
    faults: BTreeMap<(Option<u32>, String), String>,
    /// Urgent refusals not yet acknowledged, by alert id (at most [`MAX_OPEN_REFUSALS`]).
    refusals: BTreeMap<String, Refusal>,
    /// Older unacknowledged refusals folded into one summary alert.
    folded_refusals: u32,
}

/// Unacknowledged refusal alerts kept one by one; beyond this the oldest fold into a single
/// summary alert (each refusal stays in the log and the monthly report), so a flood of
/// refusals cannot grow the state or bury the supervisor's screen.
pub const MAX_OPEN_REFUSALS: usize = 20;
const FOLDED_REFUSALS_ID: &str = "urgent_refused:earlier";

impl Supervision {
    /// Decides a supervision command.
    ///
    /// # Errors
    /// `NotFound` for an unknown alert, `Conflict` when already acknowledged.
    pub fn decide(
        &self,
        cmd: &SupervisionCommand,
        _actor: Actor,
        _now: DateTime<FixedOffset>,
    ) -> Result<Decision<SupervisionEvent>, DomainError> {
        match cmd {
            SupervisionCommand::AckAlert { alert } => {
                let a = self
                    .alerts
                    .get(alert)
                    .ok_or_else(|| DomainError::NotFound(format!("告警 alert {alert}")))?;
                if a.acknowledged {
                    return Err(DomainError::Conflict(format!(
                        "{alert} 已确认 already acknowledged"
                    )));
                }
                let mut a = a.clone();
                a.acknowledged = true;
                Ok(Decision {
                    result: json!({ "alert": a }),
                    events: vec![SupervisionEvent::AlertAcknowledged { alert: a }],
                })
            }
        }
    }

    pub fn apply(&mut self, ev: &SupervisionEvent) {
        match ev {
            SupervisionEvent::AlertRaised { alert }
            | SupervisionEvent::AlertAcknowledged { alert } => {
                self.alerts.insert(alert.id.clone(), alert.clone());
            }
            SupervisionEvent::AlertCleared { alert } => {
                self.alerts.remove(&alert.id);
                self.refusals.remove(&alert.id);
                if alert.id == FOLDED_REFUSALS_ID {
                    self.folded_refusals = 0;
                }
            }
            SupervisionEvent::Recommendation(r) => {
                self.recommendations.insert(r.queue.clone(), r.clone());
            }
        }
    }

    /// Follows the queue events that feed alerts (device reports, urgent refusals).
    pub fn observe_queue(&mut self, ev: &QueueEvent, at: DateTime<FixedOffset>) {
        match ev {
            QueueEvent::DeviceReported {
                window,
                device,
                ok,
                message,
            } => {
                let key = (*window, device_name(*device).to_string());
                if *ok {
                    self.faults.remove(&key);
                } else {
                    self.faults
                        .insert(key, message.clone().unwrap_or_else(|| "fault".into()));
                }
            }
            QueueEvent::UrgentRefused {
                queue,
                reason,
                window,
            } => {
                let id = format!("urgent_refused:{}:{}", queue, at.timestamp_millis());
                self.refusals.insert(
                    id,
                    Refusal {
                        queue: queue.clone(),
                        reason: reason.clone(),
                        window: *window,
                        at,
                    },
                );
                while self.refusals.len() > MAX_OPEN_REFUSALS {
                    let oldest = self
                        .refusals
                        .iter()
                        .min_by(|a, b| a.1.at.cmp(&b.1.at).then(a.0.cmp(b.0)))
                        .map(|(k, _)| k.clone());
                    let Some(k) = oldest else { break };
                    self.refusals.remove(&k);
                    self.folded_refusals = self.folded_refusals.saturating_add(1);
                }
            }
            _ => {}
        }
    }

    /// Active alerts as `role` sees them (none for the public display).
    #[must_use]
    pub fn alerts_for(&self, role: Role) -> Vec<&Alert> {
        if role.sees_personal_data() {
            self.alerts.values().collect()
        } else {
            Vec::new()
        }
    }

    #[must_use]
    pub fn recommendations(&self) -> Vec<&Recommendation> {
        self.recommendations.values().collect()
    }

    /// Alert and recommendation events that the state at `now` calls for.
    #[must_use]
    pub fn tick(&self, hall: &Hall, now: DateTime<FixedOffset>) -> Vec<SupervisionEvent> {
        // One walk-in estimate per queue per tick, for the alerts and the advice alike; an
        // empty queue needs none (neither looks at it).
        let est: Estimates = hall
            .queue
            .queues
            .keys()
            .filter(|c| hall.queue.waiting_count(c) > 0)
            .map(|c| {
                (
                    c.clone(),
                    crate::estimate::walk_in_range(&hall.queue, c, now, &hall.config.rules),
                )
            })
            .collect();
        let wanted = conditions(self, hall, now, &est);
        let mut out = Vec::new();
        for (id, a) in &wanted {
            // The folded-refusals summary is raised again when its count changes.
            let recount = id == FOLDED_REFUSALS_ID
                && self
                    .alerts
                    .get(id)
                    .is_some_and(|old| !old.acknowledged && old.message != a.message);
            // A referred request's alert moves to its new department's chief.
            let moved = self
                .alerts
                .get(id)
                .is_some_and(|old| old.departments != a.departments);
            if !self.alerts.contains_key(id) || recount || moved {
                out.push(SupervisionEvent::AlertRaised { alert: a.clone() });
            }
        }
        for (id, a) in &self.alerts {
            // Urgent refusals stay until acknowledged; then they are cleared.
            let gone =
                !wanted.contains_key(id) || (a.kind == AlertKind::UrgentRefused && a.acknowledged);
            if gone {
                out.push(SupervisionEvent::AlertCleared { alert: a.clone() });
            }
        }
        for r in recommend(hall, now, &est) {
            let changed = self.recommendations.get(&r.queue).is_none_or(|old| {
                old.open_windows != r.open_windows
                    || old.recommended_windows != r.recommended_windows
            });
            if changed {
                out.push(SupervisionEvent::Recommendation(r));
            }
        }
        out
    }
}

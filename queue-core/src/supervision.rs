//! Supervision: alerts that are raised once and cleared when their condition ends, and staffing
//! recommendations per queue (GZ Art 6, 8).
//!
//! Conditions are evaluated by `tick` from the hall state; the difference with the active set
//! becomes `alert_raised` / `alert_cleared` events, so every client sees the same alerts.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{Actor, Role};
use crate::config::WindowKind;
use crate::error::DomainError;
use crate::hall::Hall;
use crate::intake::DueKind;
use crate::queue::{Completion, Decision, DeviceKind, QueueEvent, WindowState};
use crate::staffing;

/// How far back arrivals and service times are looked at for staffing.
const LOOKBACK_MINUTES: i64 = 30;

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

#[derive(Debug, Clone, PartialEq)]
struct Refusal {
    queue: String,
    reason: String,
    window: Option<u32>,
    at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Supervision {
    pub alerts: BTreeMap<String, Alert>,
    recommendations: BTreeMap<String, Recommendation>,
    /// Current device faults by (window, device).
    faults: BTreeMap<(Option<u32>, String), String>,
    /// Urgent refusals not yet acknowledged, by alert id.
    refusals: BTreeMap<String, Refusal>,
}

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
        let wanted = conditions(self, hall, now);
        let mut out = Vec::new();
        for (id, a) in &wanted {
            if !self.alerts.contains_key(id) {
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
        for r in recommend(hall, now) {
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

fn device_name(d: DeviceKind) -> &'static str {
    match d {
        DeviceKind::Printer => "printer",
        DeviceKind::Scanner => "scanner",
        DeviceKind::IdReader => "id_reader",
    }
}

/// Builds the alert map; each message in Chinese (`message`) and English (`message_en`).
struct Alerts {
    out: BTreeMap<String, Alert>,
    now: DateTime<FixedOffset>,
}

impl Alerts {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        id: String,
        kind: AlertKind,
        queue: Option<String>,
        window: Option<u32>,
        case: Option<String>,
        message: String,
        message_en: String,
    ) {
        self.out.insert(
            id.clone(),
            Alert {
                id,
                kind,
                queue,
                window,
                case,
                message,
                message_en,
                raised_at: self.now,
                acknowledged: false,
            },
        );
    }
}

fn conditions(s: &Supervision, hall: &Hall, now: DateTime<FixedOffset>) -> BTreeMap<String, Alert> {
    let mut a = Alerts {
        out: BTreeMap::new(),
        now,
    };
    let q = &hall.queue;
    for cfg in q.queues.values() {
        let code = &cfg.code;
        let waiting = q.waiting_count(code);
        let longest = q.longest_wait_seconds(code, now);
        if longest > i64::from(cfg.max_wait_minutes) * 60 {
            a.add(
                format!("long_wait:{code}"),
                AlertKind::LongWait,
                Some(code.clone()),
                None,
                None,
                format!(
                    "{} 队列有人已等候 {} 分钟，超过 {} 分钟",
                    cfg.name,
                    longest / 60,
                    cfg.max_wait_minutes
                ),
                format!(
                    "a ticket in {code} has waited {} min (limit {})",
                    longest / 60,
                    cfg.max_wait_minutes
                ),
            );
        }
        if waiting > cfg.max_waiting as usize {
            a.add(
                format!("too_many_waiting:{code}"),
                AlertKind::TooManyWaiting,
                Some(code.clone()),
                None,
                None,
                format!(
                    "{} 队列等候 {waiting} 人，超过 {} 人",
                    cfg.name, cfg.max_waiting
                ),
                format!("{waiting} waiting in {code} (limit {})", cfg.max_waiting),
            );
        }
        let est = crate::estimate::walk_in_range(q, code, now, &hall.config.rules);
        let over = match est {
            Some(r) => r.high_minutes > cfg.target_wait_minutes && waiting > 0,
            None => waiting > 0,
        };
        if over {
            let (zh, en) = est.map_or_else(
                || ("无窗口开放".to_string(), "no window open".to_string()),
                |r| {
                    (
                        format!("{}–{} 分钟", r.low_minutes, r.high_minutes),
                        format!("{}–{} min", r.low_minutes, r.high_minutes),
                    )
                },
            );
            a.add(
                format!("estimate_over_target:{code}"),
                AlertKind::EstimateOverTarget,
                Some(code.clone()),
                None,
                None,
                format!(
                    "{} 新取号预计等候 {zh}，目标 {} 分钟",
                    cfg.name, cfg.target_wait_minutes
                ),
                format!(
                    "a new ticket in {code} would wait {en} (target {} min)",
                    cfg.target_wait_minutes
                ),
            );
        }
    }
    let idle_after = Duration::minutes(i64::from(hall.config.rules.idle_alert_minutes));
    for w in q.windows.values() {
        if w.state != WindowState::Open || w.ticket.is_some() {
            continue;
        }
        // Idle counts only while somebody could have been called.
        let oldest_waiting = w
            .queues
            .iter()
            .flat_map(|c| {
                q.waiting_in(c, &hall.config.rules)
                    .into_iter()
                    .map(|t| t.issued_at)
            })
            .min();
        let Some(oldest) = oldest_waiting else {
            continue;
        };
        let since = w.since.map_or(oldest, |s| s.max(oldest));
        if now - since >= idle_after {
            let minutes = (now - since).num_minutes();
            a.add(
                format!("idle_window:{}", w.number),
                AlertKind::IdleWindow,
                None,
                Some(w.number),
                None,
                format!("{} 号窗口空闲 {minutes} 分钟，而有人等候", w.number),
                format!(
                    "window {} idle for {minutes} min while people wait",
                    w.number
                ),
            );
        }
    }
    // Case deadlines: the notice clock from receipt, committed dates, 容缺 materials.
    for due in hall.cases.due_soon(now.date_naive(), &hall.calendar) {
        let Some(c) = hall.cases.get(&due.case) else {
            continue;
        };
        let kind = match due.kind {
            DueKind::Notice => AlertKind::NoticeDue,
            DueKind::Completion => AlertKind::Deadline,
            DueKind::Material => AlertKind::MaterialDue,
        };
        let (id, zh, en) = due.alert_text(&c.serial);
        a.add(id, kind, None, c.window, Some(c.serial.clone()), zh, en);
    }
    for ((window, device), message) in &s.faults {
        let zh_device = match device.as_str() {
            "printer" => "打印机",
            "id_reader" => "身份证阅读器",
            _ => "扫描枪",
        };
        let (where_zh, where_en, tag) = match window {
            Some(w) => (format!("{w} 号窗口"), format!("window {w}"), w.to_string()),
            None => (
                "取号机".to_string(),
                "the kiosk".to_string(),
                "kiosk".to_string(),
            ),
        };
        a.add(
            format!("device_fault:{tag}:{device}"),
            AlertKind::DeviceFault,
            None,
            *window,
            None,
            format!("{where_zh}{zh_device}故障：{message}"),
            format!("{where_en} {device} fault: {message}"),
        );
    }
    for (id, r) in &s.refusals {
        let acked = s.alerts.get(id).is_some_and(|x| x.acknowledged);
        if !acked {
            a.add(
                id.clone(),
                AlertKind::UrgentRefused,
                Some(r.queue.clone()),
                r.window,
                None,
                format!(
                    "急事急办请求被拒绝（{} 队列，{}）：{}",
                    r.queue,
                    r.at.format("%H:%M"),
                    r.reason
                ),
                format!(
                    "urgent request refused ({} at {}): {}",
                    r.queue,
                    r.at.format("%H:%M"),
                    r.reason
                ),
            );
        }
    }
    a.out
}

/// Staffing advice per queue: the larger of Erlang C on the last 30 minutes' arrivals and
/// the windows needed to clear those already waiting within the target.
fn recommend(hall: &Hall, now: DateTime<FixedOffset>) -> Vec<Recommendation> {
    let q = &hall.queue;
    let level = hall.config.rules.service_level;
    // One estimate per queue per tick: the window loop below asks about the same queues often.
    let est_now: BTreeMap<&String, Option<crate::staffing::WaitRange>> = q
        .queues
        .keys()
        .map(|c| {
            (
                c,
                crate::estimate::walk_in_range(q, c, now, &hall.config.rules),
            )
        })
        .collect();
    let mut out = Vec::new();
    for cfg in q.queues.values() {
        let code = &cfg.code;
        let arrivals: Vec<DateTime<FixedOffset>> = q
            .arrivals
            .get(code)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        let completions: Vec<staffing::Completion> = q
            .completions
            .get(code)
            .map(|v| {
                v.iter()
                    .map(|c: &Completion| staffing::Completion {
                        finished_at: c.at,
                        service_seconds: c.seconds,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let Ok(load) = staffing::estimate_load(
            now,
            Duration::minutes(LOOKBACK_MINUTES),
            &arrivals,
            &completions,
            cfg.service_minutes * 60.0,
        ) else {
            continue;
        };
        let target = f64::from(cfg.target_wait_minutes) * 60.0;
        let waiting = u32::try_from(q.waiting_count(code)).unwrap_or(u32::MAX);
        let open = q.open_windows_for(code);
        let erlang = staffing::windows_needed(
            load.arrivals_per_hour,
            load.mean_service_seconds,
            target,
            level,
        )
        .map(|p| p.windows)
        .unwrap_or(open);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let backlog = (f64::from(waiting) * load.mean_service_seconds / target).ceil() as u32;
        let recommended = erlang.max(backlog).max(u32::from(waiting > 0));
        let measure = |n: u32| {
            staffing::evaluate(n, load.arrivals_per_hour, load.mean_service_seconds, target).ok()
        };
        let wait_of = |n: u32| {
            if n == 0 {
                return None;
            }
            measure(n)
                .map(|p| p.mean_wait_seconds)
                .filter(|w| w.is_finite())
                .map(|w| w + f64::from(waiting) * load.mean_service_seconds / f64::from(n))
        };
        let switch_windows: Vec<u32> = q
            .windows
            .values()
            .filter(|w| {
                w.state == WindowState::Open
                    && !w.serves(code)
                    && matches!(
                        w.kind,
                        WindowKind::Comprehensive | WindowKind::Assisted | WindowKind::CrossRegion
                    )
                    && w.queues.iter().all(|other| {
                        let n = q.waiting_count(other);
                        let t = q.queues.get(other).map_or(0, |c| c.target_wait_minutes);
                        est_now
                            .get(other)
                            .copied()
                            .flatten()
                            .is_some_and(|r| r.high_minutes <= t / 2 || n == 0)
                    })
            })
            .map(|w| w.number)
            .collect();
        let closed_windows: Vec<u32> = q
            .windows
            .values()
            .filter(|w| {
                w.state == WindowState::Closed
                    && matches!(
                        w.kind,
                        WindowKind::Comprehensive | WindowKind::Assisted | WindowKind::CrossRegion
                    )
            })
            .map(|w| w.number)
            .collect();
        out.push(Recommendation {
            queue: code.clone(),
            open_windows: open,
            recommended_windows: recommended,
            arrivals_per_hour: (load.arrivals_per_hour * 10.0).round() / 10.0,
            mean_service_seconds: load.mean_service_seconds.round(),
            waiting,
            predicted_wait_seconds: wait_of(open).map(f64::round),
            predicted_wait_seconds_recommended: wait_of(recommended.max(1)).map(f64::round),
            service_level: measure(open).map_or(0.0, |p| p.service_level),
            service_level_recommended: measure(recommended.max(1)).map_or(0.0, |p| p.service_level),
            switch_windows,
            closed_windows,
            at: now,
        });
    }
    out
}

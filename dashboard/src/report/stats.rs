//! The month's figures, computed from the loaded log. Pure: no I/O here.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use queue_core::queue::{Channel, Evaluation, TicketState};
use queue_core::supervision::AlertKind;

pub use super::cases::ItemStats;
use super::cases::{departments, items};
use super::load::{Log, TicketFact};
use super::Month;

/// Every alert kind, in the order reports list them, with its key and Chinese label.
pub(super) const ALERT_KINDS: [(AlertKind, &str, &str); 13] = [
    (AlertKind::LongWait, "long_wait", "等候超时"),
    (
        AlertKind::TooManyWaiting,
        "too_many_waiting",
        "等候人数过多",
    ),
    (
        AlertKind::EstimateOverTarget,
        "estimate_over_target",
        "预计等候超目标",
    ),
    (AlertKind::IdleWindow, "idle_window", "窗口空闲"),
    (AlertKind::NoticeDue, "notice_due", "补正通知将到期"),
    (AlertKind::Deadline, "deadline", "办结时限临近或已过"),
    (
        AlertKind::MaterialDue,
        "material_due",
        "容缺材料将到期或逾期",
    ),
    (AlertKind::DeviceFault, "device_fault", "设备故障"),
    (AlertKind::UrgentRefused, "urgent_refused", "拒绝急事急办"),
    (AlertKind::FollowUpDue, "follow_up_due", "差评回访将到期"),
    (
        AlertKind::FollowUpOverdue,
        "follow_up_overdue",
        "差评回访超期",
    ),
    (AlertKind::RequestDue, "request_due", "办不成事/投诉将到期"),
    (
        AlertKind::RequestOverdue,
        "request_overdue",
        "办不成事/投诉超期",
    ),
];

/// Alert kinds that belong to a queue, shown as columns of the queue table.
pub(super) const QUEUE_ALERT_KINDS: [AlertKind; 4] = [
    AlertKind::LongWait,
    AlertKind::TooManyWaiting,
    AlertKind::EstimateOverTarget,
    AlertKind::UrgentRefused,
];

/// Durations in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durations(Vec<i64>);

impl Durations {
    pub fn push(&mut self, seconds: i64) {
        self.0.push(seconds.max(0));
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Nearest-rank percentile: the smallest observed value with at least `p` % of the values
    /// at or below it (p50 of 4 values is the 2nd, p90 the 4th). Always a real observation.
    #[must_use]
    pub fn percentile(&self, p: u32) -> Option<i64> {
        let mut v = self.0.clone();
        v.sort_unstable();
        let n = v.len();
        let rank = (n * p as usize).div_ceil(100).clamp(1, n.max(1));
        v.get(rank - 1).copied()
    }

    #[must_use]
    pub fn max(&self) -> Option<i64> {
        self.0.iter().copied().max()
    }

    #[must_use]
    #[allow(clippy::cast_precision_loss)] // seconds and counts stay far below 2^52
    pub fn mean(&self) -> Option<f64> {
        if self.0.is_empty() {
            return None;
        }
        Some(self.0.iter().sum::<i64>() as f64 / self.0.len() as f64)
    }
}

/// Ratings (好差评, 1 = 非常不满意 … 5 = 非常满意).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingTally {
    /// Count per level; index 0 is rating 1.
    pub by_level: [u64; 5],
}

impl RatingTally {
    pub(super) fn add(&mut self, rating: u8) {
        if let Some(n) = usize::from(rating)
            .checked_sub(1)
            .and_then(|i| self.by_level.get_mut(i))
        {
            *n += 1;
        }
    }

    #[must_use]
    pub fn count(&self) -> u64 {
        self.by_level.iter().sum()
    }

    /// Dissatisfied: ratings 1 and 2, the ones that must be followed up (PLAN 3.5).
    #[must_use]
    pub fn low(&self) -> u64 {
        self.by_level[0] + self.by_level[1]
    }

    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        let sum: u64 = (1u64..).zip(self.by_level).map(|(r, c)| r * c).sum();
        (n > 0).then(|| sum as f64 / n as f64)
    }
}

/// One queue's month. The ticket counts add up:
/// `issued + transferred_in = served + no_show + cancelled + transferred_out + unfinished`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueStats {
    pub queue: String,
    /// Issued at the kiosk or counter (transfers in are counted separately).
    pub issued: u64,
    pub transferred_in: u64,
    pub served: u64,
    pub no_show: u64,
    pub cancelled: u64,
    pub transferred_out: u64,
    /// Still waiting, called or serving when the log ends.
    pub unfinished: u64,
    /// Issue (or transfer in) to first call.
    pub waits: Durations,
    /// Start of service to finish, served tickets only.
    pub service: Durations,
    pub green: u64,
    pub urgent: u64,
    pub appointment: u64,
    /// Alerts raised for this queue, by kind key.
    pub alerts: BTreeMap<&'static str, u64>,
    pub ratings: RatingTally,
}

impl QueueStats {
    fn add_ticket(&mut self, t: &TicketFact) {
        if t.transferred_in {
            self.transferred_in += 1;
        } else {
            self.issued += 1;
            match t.channel {
                Channel::Green => self.green += 1,
                Channel::Urgent => self.urgent += 1,
                Channel::Appointment => self.appointment += 1,
                Channel::WalkIn => {}
            }
        }
        match t.state {
            TicketState::Done => self.served += 1,
            TicketState::NoShow => self.no_show += 1,
            TicketState::Cancelled => self.cancelled += 1,
            TicketState::Transferred => self.transferred_out += 1,
            TicketState::Waiting | TicketState::Called | TicketState::Serving => {
                self.unfinished += 1;
            }
        }
        if let Some(w) = wait_seconds(t) {
            self.waits.push(w);
        }
        if let Some(s) = service_seconds(t) {
            self.service.push(s);
        }
    }

    #[must_use]
    pub fn alerts_total(&self) -> u64 {
        self.alerts.values().sum()
    }

    #[must_use]
    pub fn alerts_of(&self, kind: AlertKind) -> u64 {
        self.alerts.get(alert_key(kind)).copied().unwrap_or(0)
    }
}

/// One window's month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowStats {
    pub window: u32,
    pub served: u64,
    pub service: Durations,
    pub no_show: u64,
    pub idle_alerts: u64,
    pub ratings: RatingTally,
}

impl WindowStats {
    fn add_ticket(&mut self, t: &TicketFact) {
        match t.state {
            TicketState::Done => self.served += 1,
            TicketState::NoShow => self.no_show += 1,
            _ => {}
        }
        if let Some(s) = service_seconds(t) {
            self.service.push(s);
        }
    }
}

/// One day of the month (by issue date).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    pub date: NaiveDate,
    pub issued: u64,
    pub served: u64,
    pub waits: Durations,
}

/// The whole month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyReport {
    pub month: Month,
    /// Cut-off for "overdue": the month's last day, or today while the month runs.
    pub as_of: NaiveDate,
    pub queues: Vec<QueueStats>,
    /// All queues together (percentiles over all tickets, not averaged).
    pub queue_total: QueueStats,
    pub windows: Vec<WindowStats>,
    pub window_total: WindowStats,
    pub days: Vec<DayStats>,
    pub items: Vec<ItemStats>,
    pub item_total: ItemStats,
    /// The same figures per deciding department (GZ Art 19), total last.
    pub departments: Vec<ItemStats>,
    pub ratings: RatingTally,
    pub ticket_ratings: u64,
    pub case_ratings: u64,
    /// Alerts raised in the month by kind key; every kind present, zeros included.
    pub alerts: BTreeMap<&'static str, u64>,
    /// Ratings per staff member, follow-ups, requests and complaints.
    pub redress: super::redress::RedressReport,
    /// The last chain head the hall signed when the report was made: written down outside
    /// the database, it lets a later check see that the log was not cut back or rewritten.
    pub signed_head: Option<String>,
}

impl MonthlyReport {
    /// Nothing happened in the month: the files are still written, with zeros.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        let q = &self.queue_total;
        q.issued + q.transferred_in == 0
            && self.ratings.count() == 0
            && self.alerts.values().all(|n| *n == 0)
            && self.item_total.steps() == 0
            && self.redress.requests.iter().all(|(_, r)| r.recorded == 0)
    }
}

#[must_use]
pub(super) fn alert_key(kind: AlertKind) -> &'static str {
    ALERT_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("other", |(_, key, _)| key)
}

fn wait_seconds(t: &TicketFact) -> Option<i64> {
    t.first_called_at.map(|c| (c - t.issued_at).num_seconds())
}

fn service_seconds(t: &TicketFact) -> Option<i64> {
    if t.state != TicketState::Done {
        return None;
    }
    Some((t.finished_at? - t.served_at?).num_seconds())
}

pub(super) fn compute(month: Month, as_of: NaiveDate, log: &Log) -> MonthlyReport {
    let (queues, queue_total) = queues(log);
    let (windows, window_total) = windows(log);
    let (items, item_total) = items(log, as_of);
    let departments = departments(log, as_of);
    let mut ratings = RatingTally::default();
    for e in &log.evaluations {
        ratings.add(e.rating);
    }
    let ticket_ratings = log
        .evaluations
        .iter()
        .filter(|e| e.ticket.is_some())
        .count();
    let mut alerts: BTreeMap<&'static str, u64> =
        ALERT_KINDS.iter().map(|(_, k, _)| (*k, 0)).collect();
    for (kind, _, _) in &log.alerts {
        *alerts.entry(alert_key(*kind)).or_default() += 1;
    }
    MonthlyReport {
        month,
        as_of,
        queues,
        queue_total,
        windows,
        window_total,
        days: days(log, month),
        items,
        item_total,
        departments,
        ticket_ratings: ticket_ratings as u64,
        case_ratings: (log.evaluations.len() - ticket_ratings) as u64,
        ratings,
        alerts,
        redress: super::redress::compute(log, as_of),
        signed_head: log.signed_head.clone(),
    }
}

fn queues(log: &Log) -> (Vec<QueueStats>, QueueStats) {
    let mut by: BTreeMap<String, QueueStats> = log
        .queues
        .iter()
        .map(|q| (q.clone(), QueueStats::default()))
        .collect();
    let mut total = QueueStats {
        queue: "合计 total".into(),
        ..QueueStats::default()
    };
    for t in log.tickets.values() {
        by.entry(t.queue.clone()).or_default().add_ticket(t);
        total.add_ticket(t);
    }
    for (kind, queue, _) in &log.alerts {
        let key = alert_key(*kind);
        if let Some(q) = queue {
            *by.entry(q.clone())
                .or_default()
                .alerts
                .entry(key)
                .or_default() += 1;
            *total.alerts.entry(key).or_default() += 1;
        }
    }
    for e in &log.evaluations {
        if let Some(q) = &e.queue {
            by.entry(q.clone()).or_default().ratings.add(e.rating);
            total.ratings.add(e.rating);
        }
    }
    let rows = by
        .into_iter()
        .map(|(queue, s)| QueueStats { queue, ..s })
        .collect();
    (rows, total)
}

fn windows(log: &Log) -> (Vec<WindowStats>, WindowStats) {
    let mut by: BTreeMap<u32, WindowStats> = log
        .windows
        .iter()
        .map(|w| (*w, WindowStats::default()))
        .collect();
    let mut total = WindowStats::default();
    for t in log.tickets.values() {
        if let Some(w) = t.window {
            by.entry(w).or_default().add_ticket(t);
            total.add_ticket(t);
        }
    }
    for (kind, _, window) in &log.alerts {
        if let (AlertKind::IdleWindow, Some(w)) = (kind, window) {
            by.entry(*w).or_default().idle_alerts += 1;
            total.idle_alerts += 1;
        }
    }
    for e in &log.evaluations {
        window_rating(&mut by, &mut total, e);
    }
    let rows = by
        .into_iter()
        .map(|(window, s)| WindowStats { window, ..s })
        .collect();
    (rows, total)
}

fn window_rating(by: &mut BTreeMap<u32, WindowStats>, total: &mut WindowStats, e: &Evaluation) {
    if let Some(w) = e.window {
        by.entry(w).or_default().ratings.add(e.rating);
        total.ratings.add(e.rating);
    }
}

fn days(log: &Log, month: Month) -> Vec<DayStats> {
    let mut by: BTreeMap<NaiveDate, DayStats> = month
        .days()
        .into_iter()
        .map(|date| {
            (
                date,
                DayStats {
                    date,
                    ..DayStats::default()
                },
            )
        })
        .collect();
    for t in log.tickets.values() {
        let Some(d) = by.get_mut(&t.issued_at.date_naive()) else {
            continue;
        };
        if !t.transferred_in {
            d.issued += 1;
        }
        if t.state == TicketState::Done {
            d.served += 1;
        }
        if let Some(w) = wait_seconds(t) {
            d.waits.push(w);
        }
    }
    by.into_values().collect()
}

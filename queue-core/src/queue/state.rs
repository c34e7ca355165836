//! The queue engine: `decide` (pure, may fail) and `apply` (infallible) over the queue state.
//!
//! Invariants kept here and pinned by property tests:
//! - a ticket is at most at one window, a window holds at most one live ticket;
//! - numbers are unique per queue per service day and never reused (the counter only grows);
//! - replaying the events rebuilds the same state.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::calling::priority_key;
use super::event::{Appointment, Evaluation, QueueEvent};
use super::ticket::{Ticket, TicketState};
use super::window::{Window, WindowState};
use crate::auth::Actor;
use crate::calendar::Calendar;
use crate::config::{HallConfig, QueueConfig, Rules};
use crate::staffing::{self, WaitForecast, WaitRange};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};

/// Everything a decision may look at besides the state.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub now: DateTime<FixedOffset>,
    pub actor: Actor,
    pub hall: &'a HallConfig,
    pub calendar: &'a Calendar,
    /// Secret for appointment codes, derived from the centre key (codes stay deterministic
    /// on replay, yet unguessable).
    pub appointment_key: [u8; 32],
}

/// Events to commit and the reply's `result` once they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<E> {
    pub events: Vec<E>,
    pub result: serde_json::Value,
}

/// One completed service, for the service-rate estimate and staffing.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Completion {
    pub at: DateTime<FixedOffset>,
    pub seconds: f64,
}

// Serialisable for state checkpoints (`crate::checkpoint`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct QueueState {
    /// Tickets of the current service day, plus any still live.
    pub tickets: BTreeMap<String, Ticket>,
    /// Waiting ticket ids per queue (an index over `tickets`).
    pub(super) waiting: BTreeMap<String, BTreeSet<String>>,
    /// Last number issued per queue per day; only grows.
    pub(super) counters: HashMap<(NaiveDate, String), u32>,
    pub windows: BTreeMap<u32, Window>,
    /// Queue settings, thresholds changeable at run time.
    pub queues: BTreeMap<String, QueueConfig>,
    /// Recent completions per queue (bounded).
    pub completions: HashMap<String, VecDeque<Completion>>,
    /// Recent no-shows per queue (bounded): when, and how long the window waited for them
    /// (call to no-show). The estimator needs them: a called ticket whose holder has gone
    /// holds a window for a recall, not a service. Absent in checkpoints before 2026-12.
    #[serde(default)]
    pub no_shows: HashMap<String, VecDeque<Completion>>,
    /// Arrival times per queue in the last hour (bounded by time).
    pub arrivals: HashMap<String, VecDeque<DateTime<FixedOffset>>>,
    pub appointments: BTreeMap<String, Appointment>,
    pub(super) appointment_counters: HashMap<NaiveDate, u32>,
    pub evaluations: Vec<Evaluation>,
    /// Finished (or transferred) tickets of earlier days whose slip's rating link is still
    /// valid (`Ticket::rating_until`): a QR rating the next working day finds who served.
    /// Kept apart from `tickets` so nothing else (recent calls, estimates) sees old days.
    #[serde(default)]
    pub rateable: BTreeMap<String, Ticket>,
    pub service_day: Option<NaiveDate>,
    pub(super) sample: usize,
}

const ARRIVAL_HORIZON_MINUTES: i64 = 60;
const MAX_COMPLETIONS_KEPT: usize = 500;

impl QueueState {
    #[must_use]
    pub fn new(hall: &HallConfig) -> Self {
        let windows = hall
            .windows
            .iter()
            .map(|w| {
                (
                    w.number,
                    Window {
                        number: w.number,
                        kind: w.kind,
                        state: if w.open {
                            WindowState::Open
                        } else {
                            WindowState::Closed
                        },
                        queues: w.queues.clone(),
                        weights: w.weights.clone(),
                        ticket: None,
                        ticket_number: None,
                        since: None,
                    },
                )
            })
            .collect();
        Self {
            windows,
            queues: hall
                .queues
                .iter()
                .map(|q| (q.code.clone(), q.clone()))
                .collect(),
            sample: hall.rules.service_rate_sample.max(1),
            ..Self::default()
        }
    }

    // ------------------------------------------------------------------ queries

    /// Waiting tickets of a queue, in the order a weight-1 window would call them.
    #[must_use]
    pub fn waiting_in(&self, queue: &str, rules: &Rules) -> Vec<&Ticket> {
        let mut v: Vec<&Ticket> = self
            .waiting
            .get(queue)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tickets.get(id))
            .collect();
        v.sort_by(|a, b| {
            priority_key(a, rules)
                .cmp(&priority_key(b, rules))
                .then(a.issued_at.cmp(&b.issued_at))
                .then(a.id.cmp(&b.id))
        });
        v
    }

    /// The waiting tickets of a queue, in no particular order (cheaper than `waiting_in`).
    pub fn waiting_tickets<'a>(&'a self, queue: &str) -> impl Iterator<Item = &'a Ticket> + 'a {
        self.waiting
            .get(queue)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tickets.get(id))
    }

    #[must_use]
    pub fn waiting_count(&self, queue: &str) -> usize {
        self.waiting.get(queue).map_or(0, BTreeSet::len)
    }

    /// Longest current wait in a queue, seconds.
    #[must_use]
    pub fn longest_wait_seconds(&self, queue: &str, now: DateTime<FixedOffset>) -> i64 {
        self.waiting
            .get(queue)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tickets.get(id))
            .map(|t| (now - t.issued_at).num_seconds().max(0))
            .max()
            .unwrap_or(0)
    }

    /// Windows open (not paused or closed) that serve `queue`.
    #[must_use]
    pub fn open_windows_for(&self, queue: &str) -> u32 {
        let n = self
            .windows
            .values()
            .filter(|w| w.state == WindowState::Open && w.serves(queue))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Mean service time of a queue: recent completions, or the configured time until
    /// there are enough of them.
    #[must_use]
    pub fn mean_service_seconds(&self, queue: &str) -> f64 {
        let configured = self
            .queues
            .get(queue)
            .map_or(600.0, |q| q.service_minutes * 60.0);
        match self.completions.get(queue) {
            Some(c) if c.len() >= 5 => {
                let take = c.len().min(self.sample);
                let sum: f64 = c.iter().rev().take(take).map(|x| x.seconds).sum();
                #[allow(clippy::cast_precision_loss)]
                let mean = sum / take as f64;
                mean.max(1.0)
            }
            _ => configured,
        }
    }

    /// Estimated wait for someone joining `queue` now with `ahead` people in front.
    #[must_use]
    pub fn estimate(&self, queue: &str, ahead: u32) -> Option<WaitRange> {
        match staffing::predict_wait(
            ahead,
            self.open_windows_for(queue),
            self.mean_service_seconds(queue),
        ) {
            Ok(WaitForecast::Range(r)) => Some(r),
            Ok(WaitForecast::NoWindowOpen) | Err(_) => None,
        }
    }

    #[must_use]
    pub fn ticket_at(&self, window: u32) -> Option<&Ticket> {
        self.windows
            .get(&window)
            .and_then(|w| w.ticket.as_ref())
            .and_then(|id| self.tickets.get(id))
    }

    /// The most recently called tickets, newest first.
    #[must_use]
    pub fn recently_called(&self, n: usize) -> Vec<&Ticket> {
        let mut v: Vec<&Ticket> = self
            .tickets
            .values()
            .filter(|t| t.called_at.is_some() && t.window.is_some())
            .collect();
        v.sort_by(|a, b| b.called_at.cmp(&a.called_at).then(b.id.cmp(&a.id)));
        v.truncate(n);
        v
    }

    // ------------------------------------------------------------------ apply

    /// Applies a committed event. Infallible: the event already holds the decided values.
    pub fn apply(&mut self, ev: &QueueEvent, at: DateTime<FixedOffset>) {
        self.roll_day(at.date_naive());
        match ev {
            QueueEvent::TicketIssued { ticket } => {
                self.bump_counter(ticket);
                self.arrivals
                    .entry(ticket.queue.clone())
                    .or_default()
                    .push_back(ticket.issued_at);
                if let Some(code) = &ticket.appointment {
                    if let Some(a) = self.appointments.get_mut(code) {
                        a.ticket = Some(ticket.id.clone());
                    }
                }
                self.put(ticket.clone(), at);
            }
            QueueEvent::TicketNoShow { ticket } => {
                if let Some(called) = ticket.called_at {
                    #[allow(clippy::cast_precision_loss)]
                    let seconds = (at - called).num_milliseconds().max(0) as f64 / 1000.0;
                    let c = self.no_shows.entry(ticket.queue.clone()).or_default();
                    c.push_back(Completion { at, seconds });
                    while c.len() > MAX_COMPLETIONS_KEPT {
                        c.pop_front();
                    }
                }
                self.put(ticket.clone(), at);
            }
            QueueEvent::TicketCalled { ticket, .. }
            | QueueEvent::TicketRecalled { ticket }
            | QueueEvent::ServiceStarted { ticket }
            | QueueEvent::TicketReinstated { ticket }
            | QueueEvent::TicketCancelled { ticket, .. } => self.put(ticket.clone(), at),
            QueueEvent::ServiceFinished { ticket } => {
                if let (Some(s), Some(f)) = (ticket.served_at, ticket.finished_at) {
                    #[allow(clippy::cast_precision_loss)]
                    let seconds = (f - s).num_milliseconds().max(0) as f64 / 1000.0;
                    let c = self.completions.entry(ticket.queue.clone()).or_default();
                    c.push_back(Completion { at: f, seconds });
                    while c.len() > MAX_COMPLETIONS_KEPT {
                        c.pop_front();
                    }
                }
                self.put(ticket.clone(), at);
            }
            QueueEvent::TicketTransferred { ticket, from } => {
                self.put(from.clone(), at);
                self.bump_counter(ticket);
                self.put(ticket.clone(), at);
            }
            QueueEvent::WindowChanged { window } => {
                self.windows.insert(window.number, window.clone());
            }
            QueueEvent::ThresholdChanged { queue } => {
                self.queues.insert(queue.code.clone(), queue.clone());
            }
            QueueEvent::AppointmentBooked { appointment } => {
                let day = appointment.slot.date_naive();
                let seq = super::appointments::appointment_seq(&appointment.code);
                let c = self.appointment_counters.entry(day).or_insert(0);
                *c = (*c).max(seq);
                self.appointments
                    .insert(appointment.code.clone(), appointment.clone());
            }
            QueueEvent::EvaluationRecorded { evaluation } => {
                self.evaluations.push(evaluation.clone());
            }
            QueueEvent::UrgentRefused { .. } | QueueEvent::DeviceReported { .. } => {}
        }
        self.prune_arrivals(at);
    }

    fn bump_counter(&mut self, t: &Ticket) {
        let n: u32 = t.number.get(1..).and_then(|s| s.parse().ok()).unwrap_or(0);
        let day = t.issued_at.date_naive();
        let c = self.counters.entry((day, t.queue.clone())).or_insert(0);
        *c = (*c).max(n);
    }

    /// Stores a ticket's new version and keeps the waiting index and windows in step.
    fn put(&mut self, t: Ticket, at: DateTime<FixedOffset>) {
        if let Some(old) = self.tickets.get(&t.id) {
            if let Some(set) = self.waiting.get_mut(&old.queue) {
                set.remove(&old.id);
            }
        }
        if t.state == TicketState::Waiting {
            self.waiting
                .entry(t.queue.clone())
                .or_default()
                .insert(t.id.clone());
        }
        // A window holds the ticket while it is called or served there, and nothing else.
        for w in self.windows.values_mut() {
            if w.ticket.as_deref() == Some(t.id.as_str()) {
                w.ticket = None;
                w.ticket_number = None;
                w.since = Some(at);
            }
        }
        if matches!(t.state, TicketState::Called | TicketState::Serving) {
            if let Some(w) = t.window.and_then(|n| self.windows.get_mut(&n)) {
                if w.ticket.as_deref() != Some(t.id.as_str()) {
                    w.since = Some(at);
                }
                w.ticket = Some(t.id.clone());
                w.ticket_number = Some(t.number.clone());
            }
        }
        let stale = !t.state.is_live()
            && self
                .service_day
                .is_some_and(|d| t.issued_at.date_naive() < d);
        if stale {
            // Over and from an earlier day: it lives on in the database only (and, while its
            // rating link is valid, among the rateable).
            self.tickets.remove(&t.id);
            if let Some(day) = self.service_day {
                self.keep_rateable(t, day);
            }
        } else {
            self.tickets.insert(t.id.clone(), t);
        }
    }

    /// On the first event of a new service day, forget finished tickets of earlier days
    /// (they stay in the database) so memory does not grow day after day.
    fn roll_day(&mut self, day: NaiveDate) {
        match self.service_day {
            Some(d) if d >= day => return,
            _ => {}
        }
        self.service_day = Some(day);
        self.rateable
            .retain(|_, t| t.rating_until.is_some_and(|u| u >= day));
        let old: Vec<String> = self
            .tickets
            .values()
            .filter(|t| !t.state.is_live() && t.issued_at.date_naive() < day)
            .map(|t| t.id.clone())
            .collect();
        for id in old {
            if let Some(t) = self.tickets.remove(&id) {
                self.keep_rateable(t, day);
            }
        }
        self.counters.retain(|(d, _), _| *d >= day);
        self.appointments.retain(|_, a| a.slot.date_naive() >= day);
    }

    /// Keeps an earlier day's finished or transferred ticket while its rating link is valid.
    fn keep_rateable(&mut self, t: Ticket, day: NaiveDate) {
        let over = matches!(t.state, TicketState::Done | TicketState::Transferred);
        if over && t.rating_until.is_some_and(|u| u >= day) {
            self.rateable.insert(t.id.clone(), t);
        }
    }

    /// A ticket by id among today's and the still rateable ones of earlier days.
    #[must_use]
    pub fn ticket_or_rateable(&self, id: &str) -> Option<&Ticket> {
        self.tickets.get(id).or_else(|| self.rateable.get(id))
    }

    fn prune_arrivals(&mut self, now: DateTime<FixedOffset>) {
        let horizon = now - Duration::minutes(ARRIVAL_HORIZON_MINUTES);
        for v in self.arrivals.values_mut() {
            while v.front().is_some_and(|t| *t < horizon) {
                v.pop_front();
            }
        }
    }

    /// Live tickets left over from an earlier service day: the hall cancels them at day start.
    #[must_use]
    pub fn stale_tickets(&self, today: NaiveDate) -> Vec<&Ticket> {
        self.tickets
            .values()
            .filter(|t| t.state.is_live() && t.issued_at.date_naive() < today)
            .collect()
    }

    /// Checks the structural invariants; used by tests and after replay.
    ///
    /// # Errors
    /// The first violated invariant, described.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut seen = HashMap::new();
        for w in self.windows.values() {
            if let Some(id) = &w.ticket {
                let t = self
                    .tickets
                    .get(id)
                    .ok_or_else(|| format!("window {} holds unknown ticket {id}", w.number))?;
                if !matches!(t.state, TicketState::Called | TicketState::Serving) {
                    return Err(format!(
                        "window {} holds {id} in state {:?}",
                        w.number, t.state
                    ));
                }
                if t.window != Some(w.number) {
                    return Err(format!("{id} at window {} says {:?}", w.number, t.window));
                }
                if let Some(other) = seen.insert(id.clone(), w.number) {
                    return Err(format!("{id} at windows {other} and {}", w.number));
                }
            }
        }
        for t in self.tickets.values() {
            if matches!(t.state, TicketState::Called | TicketState::Serving)
                && t.window.and_then(|n| seen.get(&t.id).map(|m| *m == n)) != Some(true)
            {
                return Err(format!("{} is {:?} but no window holds it", t.id, t.state));
            }
            let indexed = self
                .waiting
                .get(&t.queue)
                .is_some_and(|s| s.contains(&t.id));
            if indexed != (t.state == TicketState::Waiting) {
                return Err(format!("waiting index out of step for {}", t.id));
            }
        }
        Ok(())
    }
}

/// `YYYYMMDD-A023`.
#[must_use]
pub fn ticket_id(day: NaiveDate, number: &str) -> String {
    format!("{}-{number}", day.format("%Y%m%d"))
}

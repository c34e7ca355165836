//! The queue engine: `decide` (pure, may fail) and `apply` (infallible) over the queue state.
//!
//! Invariants kept here and pinned by property tests:
//! - a ticket is at most at one window, a window holds at most one live ticket;
//! - numbers are unique per queue per service day and never reused (the counter only grows);
//! - replaying the events rebuilds the same state.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime};
use serde_json::json;

use super::command::{QueueCommand, WindowSetting};
use super::event::{Appointment, Evaluation, QueueEvent};
use super::ticket::{Channel, Ticket, TicketState};
use super::window::{Window, WindowState};
use crate::auth::{Actor, Role};
use crate::calendar::Calendar;
use crate::config::{HallConfig, QueueConfig, Rules};
use crate::error::DomainError;
use crate::ids;
use crate::staffing::{self, WaitForecast, WaitRange};

/// Everything a decision may look at besides the state.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub now: DateTime<FixedOffset>,
    pub actor: Actor,
    pub hall: &'a HallConfig,
    pub calendar: &'a Calendar,
}

/// Events to commit and the reply's `result` once they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<E> {
    pub events: Vec<E>,
    pub result: serde_json::Value,
}

/// One completed service, for the service-rate estimate and staffing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion {
    pub at: DateTime<FixedOffset>,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueState {
    /// Tickets of the current service day, plus any still live.
    pub tickets: BTreeMap<String, Ticket>,
    /// Waiting ticket ids per queue (an index over `tickets`).
    waiting: BTreeMap<String, BTreeSet<String>>,
    /// Last number issued per queue per day; only grows.
    counters: HashMap<(NaiveDate, String), u32>,
    pub windows: BTreeMap<u32, Window>,
    /// Queue settings, thresholds changeable at run time.
    pub queues: BTreeMap<String, QueueConfig>,
    /// Recent completions per queue (bounded).
    pub completions: HashMap<String, VecDeque<Completion>>,
    /// Arrival times per queue in the last hour (bounded by time).
    pub arrivals: HashMap<String, VecDeque<DateTime<FixedOffset>>>,
    pub appointments: BTreeMap<String, Appointment>,
    appointment_counters: HashMap<NaiveDate, u32>,
    pub evaluations: Vec<Evaluation>,
    pub service_day: Option<NaiveDate>,
    sample: usize,
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

    // ------------------------------------------------------------------ decide

    /// Decides a queue command. Pure: the state is not changed.
    ///
    /// # Errors
    /// A `DomainError` saying why the command is refused; then nothing is committed.
    pub fn decide(
        &self,
        cmd: &QueueCommand,
        ctx: &Ctx<'_>,
    ) -> Result<Decision<QueueEvent>, DomainError> {
        let rules = &ctx.hall.rules;
        match cmd {
            QueueCommand::IssueTicket {
                queue,
                channel,
                id_number,
                returning,
            } => {
                if *channel == Channel::Appointment {
                    return Err(DomainError::BadRequest(
                        "预约请用 check_in 签到 appointments check in with check_in".into(),
                    ));
                }
                let t =
                    self.new_ticket(ctx, queue, *channel, id_number.as_deref(), *returning, None)?;
                Ok(ticket_decision(
                    QueueEvent::TicketIssued { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::CheckIn { appointment_code } => {
                let code = appointment_code.trim().to_ascii_uppercase();
                let a = self
                    .appointments
                    .get(&code)
                    .ok_or_else(|| DomainError::NotFound(format!("预约 appointment {code}")))?;
                if let Some(t) = &a.ticket {
                    return Err(DomainError::Conflict(format!(
                        "预约已签到 appointment {code} already checked in as {t}"
                    )));
                }
                if a.slot.date_naive() != ctx.now.date_naive() {
                    return Err(DomainError::Conflict(format!(
                        "预约日期为 {} appointment {code} is for {}",
                        a.slot.date_naive(),
                        a.slot.date_naive()
                    )));
                }
                let grace = Duration::minutes(i64::from(rules.appointment_grace_minutes));
                // Late arrivals are still served (PY Art 9) but without the appointment head start.
                let late = ctx.now > a.slot + grace;
                let channel = if late {
                    Channel::WalkIn
                } else {
                    Channel::Appointment
                };
                let credit = if ctx.now < a.slot - grace {
                    Some(a.slot - grace)
                } else {
                    None
                };
                let mut t = self.new_ticket(
                    ctx,
                    &a.queue,
                    channel,
                    a.id_number.as_deref(),
                    false,
                    credit,
                )?;
                t.appointment = Some(code);
                Ok(ticket_decision(
                    QueueEvent::TicketIssued { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::BookAppointment {
                queue,
                slot,
                id_number,
            } => self.book(ctx, queue, slot, id_number.as_deref()),
            QueueCommand::RefuseUrgent { queue, reason } => {
                self.queue_exists(queue)?;
                if reason.trim().is_empty() {
                    return Err(DomainError::BadRequest(
                        "拒绝急事急办须说明理由 a refusal of an urgent request needs a reason (GZ Art 10)"
                            .into(),
                    ));
                }
                Ok(Decision {
                    events: vec![QueueEvent::UrgentRefused {
                        queue: queue.clone(),
                        reason: reason.trim().to_string(),
                        window: ctx.actor.window,
                    }],
                    result: json!({"recorded": true}),
                })
            }
            QueueCommand::CancelTicket { ticket, reason } => {
                let t = self.ticket(ticket)?;
                if t.state != TicketState::Waiting {
                    return Err(DomainError::Conflict(format!(
                        "只能取消等候中的号 only a waiting ticket can be cancelled; {} is {:?}",
                        t.number, t.state
                    )));
                }
                let mut t = t.clone();
                t.state = TicketState::Cancelled;
                t.finished_at = Some(ctx.now);
                Ok(ticket_decision(
                    QueueEvent::TicketCancelled {
                        ticket: t.clone(),
                        reason: reason.clone().unwrap_or_else(|| "cancelled".into()),
                    },
                    &t,
                ))
            }
            QueueCommand::CallNext { ticket, reason } => {
                self.call_next(ctx, ticket.as_deref(), reason.as_deref())
            }
            QueueCommand::Recall {} => {
                let (_, t) = self.current(ctx, &[TicketState::Called])?;
                let limit = 1 + rules.recall_limit;
                if t.calls >= limit {
                    return Err(DomainError::Conflict(format!(
                        "已叫 {} 次，请标记过号 called {} times already; mark it no-show",
                        t.calls, t.calls
                    )));
                }
                let mut t = t.clone();
                t.calls += 1;
                Ok(ticket_decision(
                    QueueEvent::TicketRecalled { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::NoShow {} => {
                let (_, t) = self.current(ctx, &[TicketState::Called])?;
                let mut t = t.clone();
                t.state = TicketState::NoShow;
                t.finished_at = Some(ctx.now);
                Ok(ticket_decision(
                    QueueEvent::TicketNoShow { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::StartService {} => {
                let (_, t) = self.current(ctx, &[TicketState::Called])?;
                let mut t = t.clone();
                t.state = TicketState::Serving;
                t.served_at = Some(ctx.now);
                Ok(ticket_decision(
                    QueueEvent::ServiceStarted { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::Finish { outcome } => {
                let (_, t) = self.current(ctx, &[TicketState::Called, TicketState::Serving])?;
                let mut t = t.clone();
                t.state = TicketState::Done;
                if t.served_at.is_none() {
                    t.served_at = t.called_at;
                }
                t.finished_at = Some(ctx.now);
                t.outcome.clone_from(outcome);
                Ok(ticket_decision(
                    QueueEvent::ServiceFinished { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::Transfer { ticket, queue } => self.transfer(ctx, ticket, queue),
            QueueCommand::Reinstate { ticket } => {
                let t = self.ticket(ticket)?;
                if t.state != TicketState::NoShow {
                    return Err(DomainError::Conflict(format!(
                        "只能恢复过号的号 only a no-show ticket can be reinstated; {} is {:?}",
                        t.number, t.state
                    )));
                }
                if t.issued_at.date_naive() != ctx.now.date_naive() {
                    return Err(DomainError::Conflict(format!(
                        "{} 不是今天的号 is not from today",
                        t.number
                    )));
                }
                let mut t = t.clone();
                t.credit_since = self.reinstate_credit(&t, ctx.now, rules);
                t.state = TicketState::Waiting;
                t.window = None;
                t.finished_at = None;
                Ok(ticket_decision(
                    QueueEvent::TicketReinstated { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::Pause { .. } => {
                let w = self.own_window(ctx)?;
                if w.state != WindowState::Open {
                    return Err(DomainError::Conflict(format!(
                        "窗口 {} 未在开放状态 window {} is not open",
                        w.number, w.number
                    )));
                }
                if w.ticket.is_some() {
                    return Err(DomainError::Conflict(
                        "请先办结或过号当前的号 finish or no-show the current ticket first".into(),
                    ));
                }
                let mut w = w.clone();
                w.state = WindowState::Paused;
                w.since = Some(ctx.now);
                Ok(window_decision(w))
            }
            QueueCommand::Resume {} => {
                let w = self.own_window(ctx)?;
                if w.state != WindowState::Paused {
                    return Err(DomainError::Conflict(format!(
                        "窗口 {} 未暂停 window {} is not paused",
                        w.number, w.number
                    )));
                }
                let mut w = w.clone();
                w.state = WindowState::Open;
                w.since = Some(ctx.now);
                Ok(window_decision(w))
            }
            QueueCommand::Evaluate { .. } => Err(DomainError::BadRequest(
                "evaluate is decided by the hall".into(),
            )),
            QueueCommand::SetWindow {
                window,
                state,
                queues,
            } => {
                let w = self
                    .windows
                    .get(window)
                    .ok_or_else(|| DomainError::NotFound(format!("窗口 window {window}")))?;
                let mut w = w.clone();
                if let Some(qs) = queues {
                    let mut qs = qs.clone();
                    qs.dedup();
                    for q in &qs {
                        self.queue_exists(q)?;
                    }
                    w.queues = qs;
                }
                match state {
                    WindowSetting::Open => {
                        if w.queues.is_empty() {
                            return Err(DomainError::BadRequest(
                                "开放的窗口至少服务一个队列 an open window must serve a queue"
                                    .into(),
                            ));
                        }
                        if w.state != WindowState::Paused || queues.is_some() {
                            w.state = WindowState::Open;
                        }
                    }
                    WindowSetting::Closed => {
                        if let Some(t) = &w.ticket_number {
                            return Err(DomainError::Conflict(format!(
                                "窗口 {window} 正在办理 {t} window {window} still holds {t}"
                            )));
                        }
                        w.state = WindowState::Closed;
                    }
                }
                w.since = Some(ctx.now);
                Ok(window_decision(w))
            }
            QueueCommand::SetThreshold {
                queue,
                max_wait_minutes,
                max_waiting,
                target_wait_minutes,
            } => {
                let mut q = self.queue_exists(queue)?.clone();
                for (name, v) in [
                    ("max_wait_minutes", max_wait_minutes),
                    ("max_waiting", max_waiting),
                    ("target_wait_minutes", target_wait_minutes),
                ] {
                    if *v == Some(0) {
                        return Err(DomainError::BadRequest(format!(
                            "{name} must be at least 1"
                        )));
                    }
                }
                if let Some(v) = max_wait_minutes {
                    q.max_wait_minutes = *v;
                }
                if let Some(v) = max_waiting {
                    q.max_waiting = *v;
                }
                if let Some(v) = target_wait_minutes {
                    q.target_wait_minutes = *v;
                }
                Ok(Decision {
                    result: json!({ "queue": q }),
                    events: vec![QueueEvent::ThresholdChanged { queue: q }],
                })
            }
            QueueCommand::ReportDevice {
                device,
                ok,
                message,
            } => {
                // Counters report for their window; the entrance kiosk has none.
                let window = match ctx.actor.role {
                    Role::Counter => Some(self.own_window(ctx)?.number),
                    _ => None,
                };
                Ok(Decision {
                    events: vec![QueueEvent::DeviceReported {
                        window,
                        device: *device,
                        ok: *ok,
                        message: message.clone(),
                    }],
                    result: json!({"recorded": true}),
                })
            }
        }
    }

    fn queue_exists(&self, queue: &str) -> Result<&QueueConfig, DomainError> {
        self.queues
            .get(queue)
            .ok_or_else(|| DomainError::NotFound(format!("队列 queue {queue:?}")))
    }

    fn ticket(&self, id: &str) -> Result<&Ticket, DomainError> {
        self.resolve(id)
            .ok_or_else(|| DomainError::NotFound(format!("号 ticket {id}")))
    }

    /// A ticket by id (`20261123-A023`), scanned code (`TK:…`) or today's number (`A023`).
    #[must_use]
    pub fn resolve(&self, reference: &str) -> Option<&Ticket> {
        let r = reference.trim();
        let id = super::ticket::ticket_id_from_code(r).unwrap_or(r);
        self.tickets.get(id).or_else(|| {
            // Staff type the number they see ("A023"): today's ticket with that number.
            let day = self.service_day?;
            self.tickets.get(&ticket_id(day, &id.to_ascii_uppercase()))
        })
    }

    fn own_window(&self, ctx: &Ctx<'_>) -> Result<&Window, DomainError> {
        let n = ctx.actor.window.ok_or_else(|| {
            DomainError::Forbidden("此令牌未绑定窗口 this token is not bound to a window".into())
        })?;
        self.windows
            .get(&n)
            .ok_or_else(|| DomainError::NotFound(format!("窗口 window {n}")))
    }

    /// The live ticket at the actor's window, which must be in one of `states`.
    fn current(
        &self,
        ctx: &Ctx<'_>,
        states: &[TicketState],
    ) -> Result<(&Window, &Ticket), DomainError> {
        let w = self.own_window(ctx)?;
        let t = w
            .ticket
            .as_ref()
            .and_then(|id| self.tickets.get(id))
            .ok_or_else(|| {
                DomainError::Conflict(format!(
                    "窗口 {} 当前没有号 window {} holds no ticket",
                    w.number, w.number
                ))
            })?;
        if !states.contains(&t.state) {
            return Err(DomainError::Conflict(format!(
                "{} 的状态是 {:?} ticket {} is {:?}",
                t.number, t.state, t.number, t.state
            )));
        }
        Ok((w, t))
    }

    #[allow(clippy::too_many_arguments)]
    fn new_ticket(
        &self,
        ctx: &Ctx<'_>,
        queue: &str,
        channel: Channel,
        id_number: Option<&str>,
        returning: bool,
        credit: Option<DateTime<FixedOffset>>,
    ) -> Result<Ticket, DomainError> {
        let rules = &ctx.hall.rules;
        self.queue_exists(queue)?;
        let id_number = match id_number.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let v = ids::parse_any(raw).map_err(|e| DomainError::InvalidId(e.to_string()))?;
                Some(v.normalized)
            }
        };
        if let (Some(idn), true) = (&id_number, rules.one_live_ticket_per_id) {
            let dup = self.tickets.values().find(|t| {
                t.queue == queue && t.state.is_live() && t.id_number.as_ref() == Some(idn)
            });
            if let Some(d) = dup {
                return Err(DomainError::Conflict(format!(
                    "此证件在 {queue} 队列已有号 {} this ID already holds live ticket {} in queue {queue}",
                    d.number, d.number
                )));
            }
        }
        let day = ctx.now.date_naive();
        let n = self
            .counters
            .get(&(day, queue.to_string()))
            .copied()
            .unwrap_or(0)
            + 1;
        let number = format!("{queue}{n:03}");
        let mut t = Ticket {
            id: ticket_id(day, &number),
            number,
            queue: queue.to_string(),
            channel,
            state: TicketState::Waiting,
            issued_at: ctx.now,
            called_at: None,
            served_at: None,
            finished_at: None,
            window: None,
            ahead: 0,
            estimated_wait: None,
            calls: 0,
            credit_since: credit.unwrap_or(ctx.now),
            returning,
            id_number,
            appointment: None,
            outcome: None,
            transferred_from: None,
            transferred_to: None,
        };
        t.ahead = self.ahead_of(&t, rules);
        t.estimated_wait = crate::estimate::range_for_ticket(self, &t, ctx.now, rules);
        Ok(t)
    }

    /// People who would be called before `t` in its queue (a count, no sort: this runs on
    /// every ticket issued).
    fn ahead_of(&self, t: &Ticket, rules: &Rules) -> u32 {
        let key = priority_key(t, rules);
        let n = self
            .waiting
            .get(&t.queue)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tickets.get(id))
            .filter(|o| o.id != t.id && priority_key(o, rules) <= key)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn book(
        &self,
        ctx: &Ctx<'_>,
        queue: &str,
        slot: &str,
        id_number: Option<&str>,
    ) -> Result<Decision<QueueEvent>, DomainError> {
        self.queue_exists(queue)?;
        let naive = NaiveDateTime::parse_from_str(slot, "%Y-%m-%dT%H:%M").map_err(|_| {
            DomainError::BadRequest(format!(
                "slot {slot:?}: expected YYYY-MM-DDTHH:MM local time"
            ))
        })?;
        let offset = ctx.hall.centre.offset();
        let slot_at = naive
            .and_local_timezone(offset)
            .single()
            .ok_or_else(|| DomainError::BadRequest(format!("slot {slot:?} is not a valid time")))?;
        if slot_at <= ctx.now {
            return Err(DomainError::BadRequest(format!(
                "slot {slot} is in the past"
            )));
        }
        let day = naive.date();
        if !ctx.calendar.is_working_day(day).value {
            return Err(DomainError::BadRequest(format!(
                "{day} 不是工作日 is not a working day"
            )));
        }
        let t = naive.time();
        if !ctx
            .hall
            .centre
            .hours()
            .iter()
            .any(|(a, b)| t >= *a && t < *b)
        {
            return Err(DomainError::BadRequest(format!(
                "{} 不在服务时间内 is outside service hours",
                t.format("%H:%M")
            )));
        }
        let id_number = match id_number.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(
                ids::parse_any(raw)
                    .map_err(|e| DomainError::InvalidId(e.to_string()))?
                    .normalized,
            ),
        };
        let seq = self.appointment_counters.get(&day).copied().unwrap_or(0) + 1;
        if seq > 9999 {
            return Err(DomainError::Conflict(format!(
                "{day}: appointments are full"
            )));
        }
        let code = format!("YY{}{seq:04}", day.format("%y%m%d"));
        let appointment = Appointment {
            code,
            queue: queue.to_string(),
            slot: slot_at,
            id_number,
            ticket: None,
        };
        Ok(Decision {
            result: json!({ "appointment": appointment }),
            events: vec![QueueEvent::AppointmentBooked { appointment }],
        })
    }

    fn call_next(
        &self,
        ctx: &Ctx<'_>,
        pick: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Decision<QueueEvent>, DomainError> {
        let rules = &ctx.hall.rules;
        let w = self.own_window(ctx)?;
        match w.state {
            WindowState::Open => {}
            WindowState::Paused => {
                return Err(DomainError::Conflict(format!(
                    "窗口 {} 已暂停 window {} is paused",
                    w.number, w.number
                )))
            }
            WindowState::Closed => {
                return Err(DomainError::Conflict(format!(
                    "窗口 {} 已关闭 window {} is closed",
                    w.number, w.number
                )))
            }
        }
        if let Some(cur) = &w.ticket_number {
            return Err(DomainError::Conflict(format!(
                "窗口 {} 仍在办理 {cur}，请先办结或过号 window {} still holds {cur}",
                w.number, w.number
            )));
        }
        let candidates: Vec<&Ticket> = w
            .queues
            .iter()
            .flat_map(|q| self.waiting.get(q).into_iter().flatten())
            .filter_map(|id| self.tickets.get(id))
            .collect();
        let best = candidates
            .iter()
            .copied()
            .max_by(|a, b| {
                let sa = score(a, w, ctx.now, rules);
                let sb = score(b, w, ctx.now, rules);
                sa.total_cmp(&sb)
                    .then(b.issued_at.cmp(&a.issued_at))
                    .then(b.id.cmp(&a.id))
            })
            .ok_or_else(|| DomainError::QueueEmpty(w.queues.join(",")))?;
        let earliest = candidates
            .iter()
            .copied()
            .min_by(|a, b| a.issued_at.cmp(&b.issued_at).then(a.id.cmp(&b.id)));
        let (chosen, out_of_order) = match pick {
            None => {
                let why = match earliest {
                    Some(e) if e.id != best.id => Some(order_reason(best, e, w)),
                    _ => None,
                };
                (best, why)
            }
            Some(p) => {
                let t = self.ticket(p)?;
                if t.state != TicketState::Waiting || !w.serves(&t.queue) {
                    return Err(DomainError::Conflict(format!(
                        "{} 不在本窗口的等候队列中 is not waiting in a queue of window {}",
                        t.number, w.number
                    )));
                }
                if t.id == best.id {
                    (t, None)
                } else {
                    let r = reason
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .ok_or_else(|| {
                            DomainError::BadRequest(
                                "不按顺序叫号须说明理由 calling out of order needs a reason".into(),
                            )
                        })?;
                    (t, Some(format!("staff: {r}")))
                }
            }
        };
        let mut t = chosen.clone();
        t.state = TicketState::Called;
        t.called_at = Some(ctx.now);
        t.window = Some(w.number);
        t.calls = 1;
        Ok(ticket_decision(
            QueueEvent::TicketCalled {
                ticket: t.clone(),
                out_of_order,
            },
            &t,
        ))
    }

    fn transfer(
        &self,
        ctx: &Ctx<'_>,
        ticket: &str,
        queue: &str,
    ) -> Result<Decision<QueueEvent>, DomainError> {
        let w = self.own_window(ctx)?;
        let t = self.ticket(ticket)?;
        let at_this_window = w.ticket.as_deref() == Some(t.id.as_str());
        let waiting_here = t.state == TicketState::Waiting && w.serves(&t.queue);
        if !(at_this_window || waiting_here) {
            return Err(DomainError::Conflict(format!(
                "只能转移本窗口的号 only this window's ticket or one waiting for it can be transferred; {} is {:?}",
                t.number, t.state
            )));
        }
        if t.queue == queue {
            return Err(DomainError::BadRequest(format!(
                "{} is already in queue {queue}",
                t.number
            )));
        }
        let mut new = self.new_ticket(
            ctx,
            queue,
            t.channel,
            None,
            t.returning,
            Some(t.credit_since),
        )?;
        // The same person, so the one-live-ticket rule would refuse; carry the ID over as is.
        new.id_number.clone_from(&t.id_number);
        new.appointment.clone_from(&t.appointment);
        new.transferred_from = Some(t.id.clone());
        new.ahead = self.ahead_of(&new, &ctx.hall.rules);
        new.estimated_wait =
            crate::estimate::range_for_ticket(self, &new, ctx.now, &ctx.hall.rules);
        let mut old = t.clone();
        old.state = TicketState::Transferred;
        old.finished_at = Some(ctx.now);
        old.transferred_to = Some(new.id.clone());
        Ok(Decision {
            result: json!({ "ticket": new, "from": old }),
            events: vec![QueueEvent::TicketTransferred {
                ticket: new,
                from: old,
            }],
        })
    }

    /// Credit that puts a reinstated ticket `reinstate_behind` places behind the head.
    fn reinstate_credit(
        &self,
        t: &Ticket,
        now: DateTime<FixedOffset>,
        rules: &Rules,
    ) -> DateTime<FixedOffset> {
        let line = self.waiting_in(&t.queue, rules);
        let behind = rules.reinstate_behind as usize;
        let head_start = head_start(t, rules);
        if line.is_empty() {
            return now;
        }
        if behind == 0 {
            return priority_key(line[0], rules) - Duration::microseconds(1) + head_start;
        }
        let idx = behind.min(line.len()) - 1;
        let after = priority_key(line[idx], rules);
        let key = match line.get(idx + 1) {
            Some(next) => {
                let gap = priority_key(next, rules) - after;
                after + (gap / 2).max(Duration::microseconds(1))
            }
            None => after + Duration::seconds(1),
        };
        key + head_start
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
            QueueEvent::TicketCalled { ticket, .. }
            | QueueEvent::TicketRecalled { ticket }
            | QueueEvent::ServiceStarted { ticket }
            | QueueEvent::TicketNoShow { ticket }
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
                let seq: u32 = appointment
                    .code
                    .get(8..)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
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
            // Over and from an earlier day: it lives on in the database only.
            self.tickets.remove(&t.id);
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
        self.tickets
            .retain(|_, t| t.state.is_live() || t.issued_at.date_naive() >= day);
        self.counters.retain(|(d, _), _| *d >= day);
        self.appointments.retain(|_, a| a.slot.date_naive() >= day);
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

fn ticket_decision(ev: QueueEvent, t: &Ticket) -> Decision<QueueEvent> {
    Decision {
        result: json!({ "ticket": t }),
        events: vec![ev],
    }
}

fn window_decision(w: Window) -> Decision<QueueEvent> {
    Decision {
        result: json!({ "window": w }),
        events: vec![QueueEvent::WindowChanged { window: w }],
    }
}

/// Head start a ticket gets, from its channel and whether it returns with corrections.
fn head_start(t: &Ticket, rules: &Rules) -> Duration {
    let h = &rules.head_start_minutes;
    let channel = match t.channel {
        Channel::WalkIn => 0,
        Channel::Green => h.green,
        Channel::Urgent => h.urgent,
        Channel::Appointment => h.appointment,
    };
    let back = if t.returning { h.returning } else { 0 };
    Duration::minutes(i64::from(channel.max(back)))
}

/// The virtual issue time a ticket competes with: earlier goes first.
fn priority_key(t: &Ticket, rules: &Rules) -> DateTime<FixedOffset> {
    t.credit_since - head_start(t, rules)
}

/// Score at a given window: weighted waiting credit plus head start, in seconds.
fn score(t: &Ticket, w: &Window, now: DateTime<FixedOffset>, rules: &Rules) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let waited = (now - t.credit_since).num_milliseconds() as f64 / 1000.0;
    #[allow(clippy::cast_precision_loss)]
    let head = head_start(t, rules).num_seconds() as f64;
    waited * w.weight(&t.queue) + head
}

fn order_reason(chosen: &Ticket, earliest: &Ticket, w: &Window) -> String {
    let mut why = match chosen.channel {
        Channel::Green => "绿色通道优先 green channel head start".to_string(),
        Channel::Urgent => "急事急办优先 urgent head start".to_string(),
        Channel::Appointment => "预约准时优先 appointment on time".to_string(),
        Channel::WalkIn if chosen.returning => {
            "补正后返回优先 returning with corrections".to_string()
        }
        Channel::WalkIn if chosen.transferred_from.is_some() => {
            "转移保留等候时长 transferred with its waiting credit".to_string()
        }
        Channel::WalkIn if chosen.credit_since != chosen.issued_at => {
            "过号恢复 reinstated after no-show".to_string()
        }
        Channel::WalkIn => format!(
            "窗口 {} 队列权重 window {} queue weight",
            w.number, w.number
        ),
    };
    why.push_str(&format!(" (ahead of {})", earliest.number));
    why
}

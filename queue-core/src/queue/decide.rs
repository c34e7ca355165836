//! Deciding queue commands: pure, may fail, never changes the state.

use chrono::{DateTime, FixedOffset};
use serde_json::json;

use super::command::{QueueCommand, WindowSetting};
use super::event::QueueEvent;
use super::state::{ticket_id, Ctx, Decision, QueueState};
use super::ticket::{Channel, Ticket, TicketState};
use super::window::{Window, WindowState};
use crate::auth::Role;
use crate::config::QueueConfig;
use crate::error::DomainError;
use crate::ids;

impl QueueState {
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
                mobile,
            } => {
                if *channel == Channel::Appointment {
                    return Err(DomainError::BadRequest(
                        "预约请用 check_in 签到 appointments check in with check_in".into(),
                    ));
                }
                let mobile = ids::parse_optional_mobile(mobile.as_deref())?;
                let mut t =
                    self.new_ticket(ctx, queue, *channel, id_number.as_deref(), *returning, None)?;
                t.mobile = mobile;
                Ok(ticket_decision(
                    QueueEvent::TicketIssued { ticket: t.clone() },
                    &t,
                ))
            }
            QueueCommand::CheckIn {
                appointment_code,
                id_last4,
                mobile,
            } => {
                let mobile = ids::parse_optional_mobile(mobile.as_deref())?;
                let mut d = self.check_in(ctx, appointment_code, id_last4.as_deref())?;
                if mobile.is_some() {
                    for e in &mut d.events {
                        if let QueueEvent::TicketIssued { ticket } = e {
                            ticket.mobile.clone_from(&mobile);
                            d.result["ticket"] = json!(ticket);
                        }
                    }
                }
                Ok(d)
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

    pub(super) fn queue_exists(&self, queue: &str) -> Result<&QueueConfig, DomainError> {
        self.queues
            .get(queue)
            .ok_or_else(|| DomainError::NotFound(format!("队列 queue {queue:?}")))
    }

    pub(super) fn ticket(&self, id: &str) -> Result<&Ticket, DomainError> {
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

    pub(super) fn own_window(&self, ctx: &Ctx<'_>) -> Result<&Window, DomainError> {
        let n = ctx.actor.window.ok_or_else(|| {
            DomainError::Forbidden("此令牌未绑定窗口 this token is not bound to a window".into())
        })?;
        self.windows
            .get(&n)
            .ok_or_else(|| DomainError::NotFound(format!("窗口 window {n}")))
    }

    /// The live ticket at the actor's window, which must be in one of `states`.
    pub(super) fn current(
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
    pub(super) fn new_ticket(
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
            served_by: None,
            mobile: None,
            rating_until: Some(ctx.calendar.next_working_day(day).value),
        };
        t.ahead = self.ahead_of(&t, rules);
        Ok(t)
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
        new.mobile.clone_from(&t.mobile);
        new.transferred_from = Some(t.id.clone());
        new.ahead = self.ahead_of(&new, &ctx.hall.rules);
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
}

pub(super) fn ticket_decision(ev: QueueEvent, t: &Ticket) -> Decision<QueueEvent> {
    Decision {
        result: json!({ "ticket": t }),
        events: vec![ev],
    }
}

pub(super) fn window_decision(w: Window) -> Decision<QueueEvent> {
    Decision {
        result: json!({ "window": w }),
        events: vec![QueueEvent::WindowChanged { window: w }],
    }
}

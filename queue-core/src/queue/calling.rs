//! The calling order: waiting credit, channel head starts and per-window queue weights.

use chrono::{DateTime, Duration, FixedOffset};

use super::decide::ticket_decision;
use super::event::QueueEvent;
use super::state::{Ctx, Decision, QueueState};
use super::ticket::{Channel, Ticket, TicketState};
use super::window::{Window, WindowState};
use crate::config::Rules;
use crate::error::DomainError;

impl QueueState {
    /// People who would be called before `t` in its queue (a count, no sort: this runs on
    /// every ticket issued).
    pub(super) fn ahead_of(&self, t: &Ticket, rules: &Rules) -> u32 {
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

    pub(super) fn call_next(
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
        t.served_by = ctx.actor.token;
        Ok(ticket_decision(
            QueueEvent::TicketCalled {
                ticket: t.clone(),
                out_of_order,
            },
            &t,
        ))
    }

    pub(super) fn reinstate_credit(
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
}

/// Head start a ticket gets, from its channel and whether it returns with corrections.
pub(super) fn head_start(t: &Ticket, rules: &Rules) -> Duration {
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
pub(super) fn priority_key(t: &Ticket, rules: &Rules) -> DateTime<FixedOffset> {
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

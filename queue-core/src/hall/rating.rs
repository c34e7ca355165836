//! Ratings (好差评): one per service, counted for the window and staff member who served, never
//! given by the one who served. A kiosk rates a finished ticket of today by its number; a
//! supervisor may record an applicant's rating on their behalf, marked as such.

use serde_json::json;

use super::{Event, Hall};
use crate::auth::{Actor, Role};
use crate::error::DomainError;
use crate::queue::{Decision, Evaluation, QueueEvent, TicketState};

impl Hall {
    pub(super) fn evaluate(
        &self,
        actor: Actor,
        ticket: Option<&str>,
        case: Option<&str>,
        rating: u8,
        reason: Option<&str>,
    ) -> Result<Decision<Event>, DomainError> {
        if !(1..=5).contains(&rating) {
            return Err(DomainError::BadRequest(
                "评价等级为 1–5 rating must be 1 (非常不满意) to 5 (非常满意)".into(),
            ));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if rating <= 2 && reason.is_none() {
            return Err(DomainError::BadRequest(
                "不满意评价须填写理由 a dissatisfied rating needs a reason (PY Art 17)".into(),
            ));
        }
        let mut ev = Evaluation {
            ticket: None,
            case: None,
            rating,
            reason: reason.map(str::to_string),
            window: None,
            queue: None,
            staff: None,
            on_behalf: actor.role != Role::Kiosk,
        };
        let served_ticket = match (ticket, case) {
            (Some(t), None) => {
                let t = self
                    .queue
                    .resolve(t)
                    .ok_or_else(|| DomainError::NotFound(format!("号 ticket {t}")))?;
                if t.state != TicketState::Done {
                    return Err(DomainError::Conflict(format!(
                        "{} 尚未办结 has not been served yet",
                        t.number
                    )));
                }
                if actor.role == Role::Kiosk
                    && self.queue.service_day != Some(t.issued_at.date_naive())
                {
                    return Err(DomainError::Conflict(format!(
                        "{} 不是今天的号 is not from today",
                        t.number
                    )));
                }
                ev.ticket = Some(t.id.clone());
                ev.queue = Some(t.queue.clone());
                Some(t)
            }
            (None, Some(c)) => {
                if actor.role == Role::Kiosk {
                    return Err(DomainError::Forbidden(
                        "取号机按号评价 a kiosk rates by ticket number".into(),
                    ));
                }
                let case = self
                    .cases
                    .by_serial(c)
                    .or_else(|| self.cases.get(c))
                    .ok_or_else(|| DomainError::NotFound(format!("办件 case {c}")))?;
                ev.case = Some(case.id.clone());
                ev.window = case.window;
                case.ticket.as_deref().and_then(|id| self.queue.resolve(id))
            }
            _ => {
                return Err(DomainError::BadRequest(
                    "evaluate needs exactly one of `ticket` or `case`".into(),
                ))
            }
        };
        if let Some(t) = served_ticket {
            // The service is the ticket's: it counts for whoever served it.
            ev.window = ev.window.or(t.window);
            ev.staff = t.served_by;
        }
        if actor.token.is_some() && ev.staff.is_some() && actor.token == ev.staff {
            return Err(DomainError::Forbidden(
                "不能评价自己的服务 nobody rates their own service".into(),
            ));
        }
        // One rating per service: a ticket and the case opened on it are the same service.
        let case_ticket = ev
            .case
            .as_deref()
            .and_then(|c| self.cases.get(c))
            .and_then(|c| c.ticket.clone());
        let same = |e: &Evaluation| {
            (ev.ticket.is_some() && e.ticket == ev.ticket)
                || (ev.case.is_some() && e.case == ev.case)
                || (case_ticket.is_some() && e.ticket == case_ticket)
                || e.case
                    .as_deref()
                    .and_then(|c| self.cases.get(c))
                    .is_some_and(|c| c.ticket.is_some() && c.ticket == ev.ticket)
        };
        if self.queue.evaluations.iter().any(same) {
            return Err(DomainError::Conflict(
                "已评价 this service was already rated".into(),
            ));
        }
        Ok(Decision {
            result: json!({ "evaluation": ev }),
            events: vec![Event::Queue(QueueEvent::EvaluationRecorded {
                evaluation: ev,
            })],
        })
    }
}

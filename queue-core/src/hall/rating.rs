//! Ratings (好差评): one per service, counted for the window and staff member who served, never
//! given by the one who served. A kiosk rates a finished ticket of today by its number; a
//! supervisor may record an applicant's rating on their behalf, marked as such. The rating pad
//! at a window rates only the service that window finished last, today. The slip's signed
//! rating link (`rating_link`) rates the service its ticket led to, until the link's day.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use super::{Event, Hall};
use crate::auth::{Actor, Role};
use crate::error::DomainError;
use crate::queue::{Decision, Evaluation, QueueEvent, RatingChannel, Ticket, TicketState};
use crate::redress::RedressEvent;

/// What an `evaluate` names: exactly one of these.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rated<'a> {
    pub ticket: Option<&'a str>,
    pub case: Option<&'a str>,
    pub link: Option<&'a str>,
}

impl Hall {
    pub(super) fn evaluate(
        &self,
        actor: Actor,
        now: DateTime<FixedOffset>,
        rated: Rated<'_>,
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
            on_behalf: actor.role == Role::Supervisor,
            item: None,
            department: None,
            channel: Some(match (rated.link, actor.role) {
                (Some(_), _) => RatingChannel::Qr,
                (None, Role::Pad) => RatingChannel::Pad,
                (None, Role::Kiosk) => RatingChannel::Kiosk,
                (None, _) => RatingChannel::OnBehalf,
            }),
        };
        let served_ticket = match (rated.ticket, rated.case, rated.link) {
            (None, None, Some(token)) => {
                // The link is the applicant's own: the hall's public page submits it as a
                // token-less kiosk; staff record ratings by ticket or case instead.
                if actor.role != Role::Kiosk {
                    return Err(DomainError::Forbidden(
                        "评价链接由申请人使用 a rating link is the applicant's to use".into(),
                    ));
                }
                let t = self.linked_service(token, now)?.ticket;
                if t.state != TicketState::Done {
                    return Err(DomainError::Conflict(
                        "办理结束后再评价 please rate once your service has finished".into(),
                    ));
                }
                ev.ticket = Some(t.id.clone());
                ev.queue = Some(t.queue.clone());
                Some(t)
            }
            (Some(t), None, None) => {
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
                if actor.role == Role::Pad {
                    self.pad_may_rate(actor, t)?;
                }
                ev.ticket = Some(t.id.clone());
                ev.queue = Some(t.queue.clone());
                Some(t)
            }
            (None, Some(c), None) => {
                if matches!(actor.role, Role::Kiosk | Role::Pad) {
                    return Err(DomainError::Forbidden(
                        "按号评价 a kiosk or pad rates by ticket number".into(),
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
                    "evaluate needs exactly one of `ticket`, `case` or `link`".into(),
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
        ev.item = ev
            .case
            .as_deref()
            .and_then(|c| self.cases.get(c))
            .map(|c| c.item.clone());
        ev.department = self.service_department(&ev);
        // A dissatisfied rating opens its follow-up in the same decision (PLAN 3.5, GD 31).
        let follow_up = self.follow_up_for(&ev, now);
        let mut result = json!({ "evaluation": ev });
        if let Some(f) = follow_up.as_ref().and_then(RedressEvent::follow_up) {
            result["follow_up_id"] = json!(f.id);
        }
        let mut events = vec![Event::Queue(QueueEvent::EvaluationRecorded {
            evaluation: ev,
        })];
        events.extend(follow_up.map(Event::Redress));
        Ok(Decision { result, events })
    }

    /// Adds the slip's rating link to an issuing reply: `rating_link` (the path) and, when
    /// the hall has a `public_url`, `rating_url` (what the slip's second QR holds).
    pub(super) fn add_rating_link(&self, events: &[QueueEvent], result: &mut Value) {
        let issued = events.iter().find_map(|e| match e {
            QueueEvent::TicketIssued { ticket } => Some(ticket),
            _ => None,
        });
        let Some(path) = issued.and_then(|t| self.rating_link(t)) else {
            return;
        };
        if let Some(base) = self.config.centre.public_url.as_deref() {
            result["rating_url"] = json!(format!("{}{path}", base.trim_end_matches('/')));
        }
        result["rating_link"] = json!(path);
    }

    /// A pad faces the applicant at its own window: it may rate that window's latest finished
    /// service of the day and nothing else (not another window's, not an earlier applicant's).
    fn pad_may_rate(&self, actor: Actor, t: &Ticket) -> Result<(), DomainError> {
        let Some(window) = actor.window else {
            return Err(DomainError::Forbidden(
                "评价器未绑定窗口 a pad token must be bound to a window".into(),
            ));
        };
        if t.window != Some(window) {
            return Err(DomainError::Forbidden(format!(
                "{} 不是本窗口办理的 was not served at window {window}",
                t.number
            )));
        }
        let latest = self.last_finished_at(window);
        if latest.map(|l| &l.id) != Some(&t.id) {
            return Err(DomainError::Conflict(format!(
                "{} 不是本窗口刚办结的业务 is not the service window {window} just finished",
                t.number
            )));
        }
        Ok(())
    }

    /// The service `window` finished last during the current service day.
    #[must_use]
    pub fn last_finished_at(&self, window: u32) -> Option<&Ticket> {
        let day = self.queue.service_day?;
        self.queue
            .tickets
            .values()
            .filter(|t| t.window == Some(window) && t.state == TicketState::Done)
            .filter(|t| t.finished_at.is_some_and(|f| f.date_naive() == day))
            .max_by_key(|t| t.finished_at)
    }

    /// What a pad at `window` needs after a (re)connect: the ticket at the window and the
    /// service it may still rate. Redacted: a pad is a public screen.
    #[must_use]
    pub fn pad_state(&self, window: u32) -> Value {
        let rated = |t: &Ticket| {
            self.queue
                .evaluations
                .iter()
                .any(|e| e.ticket.as_ref() == Some(&t.id))
        };
        let to_rate = self.last_finished_at(window).filter(|t| !rated(t));
        json!({
            "window": window,
            "current_ticket": self.queue.ticket_at(window).map(Ticket::redacted),
            "to_rate": to_rate.map(Ticket::redacted),
        })
    }
}

//! Deciding follow-up and request commands against the hall state. Pure.

use chrono::{DateTime, FixedOffset};
use serde_json::json;

use super::follow_up::{self, department_of, owner_for};
use super::{
    Deadline, FollowUp, FollowUpState, RedressCommand, RedressEvent, Request, RequestApplicant,
    RequestCategory, RequestState, Step, StepKind,
};
use crate::auth::{Actor, Role};
use crate::error::DomainError;
use crate::hall::{Event, Hall};
use crate::ids::parse_person_id;
use crate::queue::{Decision, Evaluation};

fn note(text: &str, what: &str) -> Result<String, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DomainError::BadRequest(format!(
            "{what} 不能为空 must not be empty"
        )));
    }
    Ok(t.to_string())
}

fn step(kind: StepKind, note: String, actor: Actor, now: DateTime<FixedOffset>) -> Step {
    Step {
        step: kind,
        note,
        at: now,
        role: actor.role,
        window: actor.window,
        token: actor.token,
        department: None,
    }
}

impl Hall {
    /// The department whose service `ev` rates: the case's deciding department, else the
    /// ticket's queue's.
    pub(crate) fn service_department(&self, ev: &Evaluation) -> Option<String> {
        let case = ev.case.as_deref().and_then(|c| self.cases.get(c));
        let ticket = ev
            .ticket
            .as_deref()
            .and_then(|t| self.queue.ticket_or_rateable(t));
        let queue = ev.queue.clone().or_else(|| ticket.map(|t| t.queue.clone()));
        case.map(|c| c.terms.department.clone())
            .filter(|d| !d.is_empty())
            .or_else(|| department_of(&self.config, None, queue.as_deref()))
    }

    /// The follow-up a dissatisfied rating opens, decided with the rating itself.
    pub(crate) fn follow_up_for(
        &self,
        ev: &Evaluation,
        now: DateTime<FixedOffset>,
    ) -> Option<RedressEvent> {
        if ev.rating > 2 {
            return None;
        }
        let ticket = ev
            .ticket
            .as_deref()
            .and_then(|t| self.queue.ticket_or_rateable(t));
        let department = ev
            .department
            .clone()
            .or_else(|| self.service_department(ev));
        let today = now.date_naive();
        let p = &self.config.redress;
        let deadline = Deadline::after(
            &self.calendar,
            today,
            p.follow_up_working_days,
            p.warn_working_days,
        );
        let id = self
            .redress
            .next_serial(&self.config.centre.code, 'H', today);
        let f = follow_up::open(
            id,
            ev,
            ticket.map(|t| t.number.clone()),
            owner_for(&self.config, department),
            deadline,
            now,
        );
        Some(RedressEvent::FollowUpOpened { follow_up: f })
    }

    pub(crate) fn decide_redress(
        &self,
        cmd: &RedressCommand,
        actor: Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<Decision<Event>, DomainError> {
        let ev = match cmd {
            RedressCommand::FollowUpCallback { follow_up, note: n } => {
                let mut f = self.follow_up_step(follow_up, StepKind::Callback, n, actor, now)?;
                f.state = FollowUpState::CalledBack;
                RedressEvent::FollowUpCalledBack { follow_up: f }
            }
            RedressCommand::FollowUpRectify { follow_up, note: n } => {
                let mut f =
                    self.follow_up_step(follow_up, StepKind::Rectification, n, actor, now)?;
                f.state = FollowUpState::Rectified;
                RedressEvent::FollowUpRectified { follow_up: f }
            }
            RedressCommand::FollowUpFeedback { follow_up, note: n } => {
                let mut f = self.follow_up_step(follow_up, StepKind::Feedback, n, actor, now)?;
                f.state = FollowUpState::Closed;
                f.closed_at = Some(now);
                RedressEvent::FollowUpClosed { follow_up: f }
            }
            RedressCommand::RequestRecord {
                category,
                applicant,
                matter,
                item,
                ticket,
            } => self.record_request(
                *category,
                applicant,
                matter,
                item.as_deref(),
                ticket.as_deref(),
                actor,
                now,
            )?,
            RedressCommand::RequestRefer {
                request,
                department,
                note: n,
            } => {
                let mut r = self.open_request(request, actor)?;
                let d = department.trim();
                let known = self.config.department(d).is_some()
                    || self.config.items.iter().any(|i| i.department == d);
                if !known {
                    return Err(DomainError::NotFound(format!("部门 department {d}")));
                }
                let mut s = step(StepKind::Referral, note(n, "转办说明 note")?, actor, now);
                s.department = Some(d.to_string());
                r.steps.push(s);
                r.department = Some(d.to_string());
                if r.state == RequestState::Received {
                    r.state = RequestState::Referred;
                }
                RedressEvent::RequestReferred { request: r }
            }
            RedressCommand::RequestSupervise { request, note: n } => {
                let mut r = self.open_request(request, actor)?;
                r.steps.push(step(
                    StepKind::Supervision,
                    note(n, "督办意见 note")?,
                    actor,
                    now,
                ));
                r.state = RequestState::Supervised;
                RedressEvent::RequestSupervised { request: r }
            }
            RedressCommand::RequestAnswer { request, note: n } => {
                let mut r = self.open_request(request, actor)?;
                r.steps.push(step(
                    StepKind::Feedback,
                    note(n, "反馈内容 note")?,
                    actor,
                    now,
                ));
                r.state = RequestState::Answered;
                r.closed_at = Some(now);
                RedressEvent::RequestAnswered { request: r }
            }
        };
        let result = match (ev.follow_up(), ev.request()) {
            (Some(f), _) => json!({ "follow_up": f }),
            (_, Some(r)) => json!({ "request": r }),
            _ => json!(null),
        };
        Ok(Decision {
            events: vec![Event::Redress(ev)],
            result,
        })
    }

    /// The follow-up `id` with the step `kind` recorded, if it is where that step comes next
    /// (回访 → 整改 → 反馈); the caller moves its state on.
    fn follow_up_step(
        &self,
        id: &str,
        kind: StepKind,
        text: &str,
        actor: Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<FollowUp, DomainError> {
        let (from, label, refusal) = match kind {
            StepKind::Rectification => (
                FollowUpState::CalledBack,
                "整改情况 note",
                "须先回访再整改 call the applicant back first",
            ),
            StepKind::Feedback => (
                FollowUpState::Rectified,
                "反馈内容 note",
                "须先记录整改再反馈 record the rectification first",
            ),
            _ => (
                FollowUpState::Open,
                "回访记录 note",
                "已回访 already called back",
            ),
        };
        let mut f = self.open_follow_up(id)?;
        if f.state != from {
            return Err(DomainError::Conflict(format!(
                "{} {refusal} (state {})",
                f.id,
                f.state.as_str()
            )));
        }
        f.steps.push(step(kind, note(text, label)?, actor, now));
        Ok(f)
    }

    fn open_follow_up(&self, id: &str) -> Result<FollowUp, DomainError> {
        let f = self
            .redress
            .follow_ups
            .get(id.trim())
            .ok_or_else(|| DomainError::NotFound(format!("回访 follow-up {id}")))?;
        if f.state == FollowUpState::Closed {
            return Err(DomainError::Conflict(format!("{id} 已办结 already closed")));
        }
        Ok(f.clone())
    }

    /// An unanswered request `actor` may act on: staff of the first-responder window, or a
    /// supervisor or manager.
    fn open_request(&self, id: &str, actor: Actor) -> Result<Request, DomainError> {
        let r = self
            .redress
            .requests
            .get(id.trim())
            .ok_or_else(|| DomainError::NotFound(format!("诉求 request {id}")))?;
        if actor.role == Role::Counter && actor.window != Some(r.first_window) {
            return Err(DomainError::Forbidden(format!(
                "{id} 由 {} 号窗口首问负责 is the responsibility of window {}",
                r.first_window, r.first_window
            )));
        }
        if r.state == RequestState::Answered {
            return Err(DomainError::Conflict(format!(
                "{id} 已反馈 already answered"
            )));
        }
        Ok(r.clone())
    }

    #[allow(clippy::too_many_arguments)]
    fn record_request(
        &self,
        category: RequestCategory,
        applicant: &RequestApplicant,
        matter: &str,
        item: Option<&str>,
        ticket: Option<&str>,
        actor: Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<RedressEvent, DomainError> {
        let Some(window) = actor.window else {
            return Err(DomainError::Forbidden(
                "首问须在窗口登记 a request is recorded at a window".into(),
            ));
        };
        let name = applicant.name.trim();
        if name.is_empty() {
            return Err(DomainError::BadRequest(
                "申请人姓名不能为空 applicant name must not be empty".into(),
            ));
        }
        let id_number = applicant
            .id_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| parse_person_id(applicant.id_kind, n))
            .transpose()
            .map_err(|e| DomainError::InvalidId(e.to_string()))?;
        let item = item
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(|i| {
                self.config
                    .item(i)
                    .ok_or_else(|| DomainError::NotFound(format!("事项 item {i}")))
            })
            .transpose()?;
        let ticket = ticket
            .map(|t| {
                self.queue
                    .resolve(t)
                    .map(|t| t.id.clone())
                    .ok_or_else(|| DomainError::NotFound(format!("号 ticket {t}")))
            })
            .transpose()?;
        let today = now.date_naive();
        let p = &self.config.redress;
        let r = Request {
            id: self
                .redress
                .next_serial(&self.config.centre.code, category.prefix(), today),
            category,
            state: RequestState::Received,
            first_window: window,
            first_staff: actor.token,
            applicant: RequestApplicant {
                name: name.to_string(),
                id_number,
                id_kind: applicant.id_kind,
            },
            matter: note(matter, "事由 matter")?,
            item: item.map(|i| i.code.clone()),
            item_name: item.map(|i| i.name.clone()),
            ticket,
            department: item.map(|i| i.department.clone()),
            received_at: now,
            deadline: Deadline::after(
                &self.calendar,
                today,
                p.request_working_days,
                p.warn_working_days,
            ),
            steps: Vec::new(),
            closed_at: None,
        };
        Ok(RedressEvent::RequestRecorded { request: r })
    }
}

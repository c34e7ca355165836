//! The hall: one authority per centre over queues, cases and supervision.
//!
//! `decide(command) -> events` is pure, `apply(event)` is infallible, `tick(now)` yields the
//! events that time alone causes (deemed acceptance, alerts, recommendations, end of day).

use chrono::{DateTime, FixedOffset};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::{Actor, Role};
use crate::calendar::Calendar;
use crate::config::HallConfig;
use crate::error::DomainError;
use crate::ids;
use crate::intake::{Case, CaseCommand, CaseEvent, CaseState, Cases, IntakeCtx};
use crate::queue::{
    Ctx, Decision, Evaluation, QueueCommand, QueueEvent, QueueState, Ticket, TicketState, Window,
};
use crate::store::CaseRow;
use crate::supervision::{Supervision, SupervisionCommand, SupervisionEvent};

/// Any command the hall accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Queue(QueueCommand),
    Case(CaseCommand),
    Supervision(SupervisionCommand),
}

impl Command {
    /// Parses `{"kind": …, …}`; unknown kinds and malformed fields are `bad_request`.
    ///
    /// # Errors
    /// `BadRequest` naming the problem.
    pub fn from_json(v: &Value) -> Result<Self, DomainError> {
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .ok_or_else(|| DomainError::BadRequest("command needs a string `kind`".into()))?;
        let bad = |e: serde_json::Error| DomainError::BadRequest(format!("{kind}: {e}"));
        if QueueCommand::KINDS.contains(&kind) {
            serde_json::from_value(v.clone())
                .map(Self::Queue)
                .map_err(bad)
        } else if CASE_KINDS.contains(&kind) {
            serde_json::from_value(v.clone())
                .map(Self::Case)
                .map_err(bad)
        } else if SupervisionCommand::KINDS.contains(&kind) {
            serde_json::from_value(v.clone())
                .map(Self::Supervision)
                .map_err(bad)
        } else {
            Err(DomainError::BadRequest(format!(
                "unknown command kind {kind:?}"
            )))
        }
    }

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Queue(c) => c.kind(),
            Self::Case(c) => c.kind(),
            Self::Supervision(c) => c.kind(),
        }
    }
}

/// Kinds of [`CaseCommand`], for dispatching a raw frame.
pub const CASE_KINDS: &[&str] = CaseCommand::KINDS;

/// Intake is over for these: nothing more happens at the window.
#[must_use]
pub fn case_closed(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Rejected | CaseState::Refused | CaseState::Completed
    )
}

/// The same case event carrying a different version of its case (e.g. masked).
fn map_case(e: &CaseEvent, f: impl Fn(&Case) -> Case) -> CaseEvent {
    let masked = f(e.case());
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "case".into(),
            serde_json::to_value(&masked).unwrap_or(Value::Null),
        );
    }
    serde_json::from_value(v).unwrap_or_else(|_| e.clone())
}

/// Any event in the log. Each family is tagged by `kind`; kinds are distinct across families.
// Events live briefly (decided, stored, published); boxing the ticket would only add an
// allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Event {
    Queue(QueueEvent),
    Case(CaseEvent),
    Supervision(SupervisionEvent),
}

impl Event {
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Queue(e) => e.kind(),
            Self::Case(e) => e.kind(),
            Self::Supervision(e) => e.kind(),
        }
    }

    /// Tickets this event carries (for the projection table).
    #[must_use]
    pub fn tickets(&self) -> Vec<&Ticket> {
        match self {
            Self::Queue(e) => match e {
                QueueEvent::TicketIssued { ticket }
                | QueueEvent::TicketCalled { ticket, .. }
                | QueueEvent::TicketRecalled { ticket }
                | QueueEvent::TicketNoShow { ticket }
                | QueueEvent::TicketReinstated { ticket }
                | QueueEvent::ServiceStarted { ticket }
                | QueueEvent::ServiceFinished { ticket }
                | QueueEvent::TicketCancelled { ticket, .. } => vec![ticket],
                QueueEvent::TicketTransferred { ticket, from } => vec![from, ticket],
                _ => vec![],
            },
            _ => vec![],
        }
    }

    /// The case row this event updates, if any.
    #[must_use]
    pub fn case_row(&self) -> Option<CaseRow> {
        let Self::Case(e) = self else { return None };
        let c = e.case();
        Some(CaseRow {
            id: c.id.clone(),
            serial: c.serial.clone(),
            item: c.item.clone(),
            state: c.state.as_str().to_string(),
            id_number: Some(c.applicant.id_number.clone()),
            received_on: Some(c.received_on.to_string()),
            due_on: c.due_on.map(|d| d.to_string()),
            body: serde_json::to_string(c).unwrap_or_default(),
        })
    }

    /// This event as `role` (at `window`) may see it, or `None` when it is not for that role.
    /// The display sees no personal data at all; staff see ID numbers masked except the
    /// counter handling the case.
    #[must_use]
    pub fn for_role(&self, role: Role, window: Option<u32>) -> Option<Self> {
        match self {
            Self::Queue(e) => {
                if role.sees_personal_data() {
                    Some(Self::Queue(mask_queue_event(e)))
                } else {
                    e.redacted().map(Self::Queue)
                }
            }
            Self::Case(e) => {
                // A public kiosk or display has no business with applications.
                if !role.sees_personal_data() || role == Role::Kiosk {
                    return None;
                }
                let c = e.case();
                if role == Role::Counter && window.is_some() && c.window == window {
                    Some(self.clone())
                } else {
                    Some(Self::Case(map_case(e, masked_case)))
                }
            }
            Self::Supervision(e) => {
                if role.sees_personal_data() {
                    Some(self.clone())
                } else {
                    e.public().map(Self::Supervision)
                }
            }
        }
    }
}

fn mask_ticket(t: &Ticket) -> Ticket {
    let mut t = t.clone();
    t.id_number = t.id_number.as_deref().map(ids::mask);
    t
}

fn mask_queue_event(e: &QueueEvent) -> QueueEvent {
    let mut e = e.clone();
    match &mut e {
        QueueEvent::TicketIssued { ticket }
        | QueueEvent::TicketCalled { ticket, .. }
        | QueueEvent::TicketRecalled { ticket }
        | QueueEvent::TicketNoShow { ticket }
        | QueueEvent::TicketReinstated { ticket }
        | QueueEvent::ServiceStarted { ticket }
        | QueueEvent::ServiceFinished { ticket }
        | QueueEvent::TicketCancelled { ticket, .. } => *ticket = mask_ticket(ticket),
        QueueEvent::TicketTransferred { ticket, from } => {
            *ticket = mask_ticket(ticket);
            *from = mask_ticket(from);
        }
        QueueEvent::AppointmentBooked { appointment } => {
            appointment.id_number = appointment.id_number.as_deref().map(ids::mask);
        }
        _ => {}
    }
    e
}

/// A case with ID numbers masked, for screens that do not handle it.
#[must_use]
pub fn masked_case(c: &Case) -> Case {
    let mut c = c.clone();
    c.applicant.id_number = ids::mask(&c.applicant.id_number);
    if let Some(a) = c.agent.as_mut() {
        a.id_number = ids::mask(&a.id_number);
    }
    c
}

/// The whole hall state.
#[derive(Clone)]
pub struct Hall {
    pub config: HallConfig,
    pub calendar: Calendar,
    pub queue: QueueState,
    pub cases: Cases,
    pub supervision: Supervision,
    signer: SigningKey,
    /// Verification keys of earlier (rotated) centre keys: old receipts and signed heads
    /// still verify against them.
    retired: Vec<ed25519_dalek::VerifyingKey>,
}

impl std::fmt::Debug for Hall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hall")
            .field("centre", &self.config.centre.code)
            .finish_non_exhaustive()
    }
}

impl Hall {
    #[must_use]
    pub fn new(config: HallConfig, calendar: Calendar, signer: SigningKey) -> Self {
        let queue = QueueState::new(&config);
        Self {
            config,
            calendar,
            queue,
            cases: Cases::default(),
            supervision: Supervision::default(),
            signer,
            retired: Vec::new(),
        }
    }

    /// The same hall also trusting these earlier centre keys (after `dashboard keys rotate`).
    #[must_use]
    pub fn with_retired_keys(mut self, keys: Vec<ed25519_dalek::VerifyingKey>) -> Self {
        self.retired = keys;
        self
    }

    #[must_use]
    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.signer.verifying_key()
    }

    /// The current verification key first, then the retired ones.
    #[must_use]
    pub fn verifying_keys(&self) -> Vec<ed25519_dalek::VerifyingKey> {
        std::iter::once(self.verifying_key())
            .chain(self.retired.iter().copied())
            .collect()
    }

    /// The centre key, for the writer's signed chain heads.
    pub(crate) fn signer(&self) -> &SigningKey {
        &self.signer
    }

    /// Decides a command from `actor` at `now`. Pure.
    ///
    /// # Errors
    /// `Forbidden` when the role may not send it, otherwise the domain's refusal.
    pub fn decide(
        &self,
        cmd: &Command,
        actor: Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<Decision<Event>, DomainError> {
        let kind = cmd.kind();
        if !actor.role.may_send(kind) {
            return Err(DomainError::Forbidden(format!(
                "角色 {} 不能发送 {kind} role {} may not send {kind}",
                actor.role.as_str(),
                actor.role.as_str()
            )));
        }
        match cmd {
            Command::Queue(QueueCommand::Evaluate {
                ticket,
                case,
                rating,
                reason,
            }) => self.evaluate(
                actor,
                ticket.as_deref(),
                case.as_deref(),
                *rating,
                reason.as_deref(),
            ),
            Command::Queue(c) => {
                let ctx = Ctx {
                    now,
                    actor,
                    hall: &self.config,
                    calendar: &self.calendar,
                };
                let d = self.queue.decide(c, &ctx)?;
                Ok(Decision {
                    events: d.events.into_iter().map(Event::Queue).collect(),
                    result: d.result,
                })
            }
            Command::Case(c) => {
                // The ticket may be given as id, scanned code or today's number: store the id.
                let normalised;
                let c = match c {
                    CaseCommand::CaseOpen(open) if open.ticket.is_some() => {
                        let given = open.ticket.as_deref().unwrap_or_default();
                        let t = self
                            .queue
                            .resolve(given)
                            .ok_or_else(|| DomainError::NotFound(format!("号 ticket {given}")))?;
                        let mut open = open.clone();
                        open.ticket = Some(t.id.clone());
                        normalised = CaseCommand::CaseOpen(open);
                        &normalised
                    }
                    other => other,
                };
                let ctx = IntakeCtx {
                    now,
                    hall: &self.config,
                    calendar: &self.calendar,
                    signer: &self.signer,
                    window: actor.window,
                };
                let events = self.cases.decide(c, &ctx)?;
                let result = match events.last() {
                    Some(e) => {
                        let case = e.case();
                        let doc = e.document();
                        json!({ "case": case, "document": doc })
                    }
                    None => Value::Null,
                };
                Ok(Decision {
                    events: events.into_iter().map(Event::Case).collect(),
                    result,
                })
            }
            Command::Supervision(c) => {
                let d = self.supervision.decide(c, actor, now)?;
                Ok(Decision {
                    events: d.events.into_iter().map(Event::Supervision).collect(),
                    result: d.result,
                })
            }
        }
    }

    fn evaluate(
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
            window: actor.window,
            queue: None,
        };
        match (ticket, case) {
            (Some(t), None) => {
                let t = self
                    .queue
                    .resolve(t)
                    .ok_or_else(|| DomainError::NotFound(format!("号 ticket {t}")))?;
                let id = t.id.as_str();
                if t.state != TicketState::Done {
                    return Err(DomainError::Conflict(format!(
                        "{} 尚未办结 has not been served yet",
                        t.number
                    )));
                }
                if self
                    .queue
                    .evaluations
                    .iter()
                    .any(|e| e.ticket.as_deref() == Some(id))
                {
                    return Err(DomainError::Conflict(format!(
                        "{} 已评价 already rated",
                        t.number
                    )));
                }
                ev.ticket = Some(id.to_string());
                ev.queue = Some(t.queue.clone());
            }
            (None, Some(c)) => {
                let case = self
                    .cases
                    .by_serial(c)
                    .or_else(|| self.cases.get(c))
                    .ok_or_else(|| DomainError::NotFound(format!("办件 case {c}")))?;
                if self
                    .queue
                    .evaluations
                    .iter()
                    .any(|e| e.case.as_deref() == Some(case.id.as_str()))
                {
                    return Err(DomainError::Conflict(format!(
                        "{} 已评价 already rated",
                        case.serial
                    )));
                }
                ev.case = Some(case.id.clone());
            }
            _ => {
                return Err(DomainError::BadRequest(
                    "evaluate needs exactly one of `ticket` or `case`".into(),
                ))
            }
        }
        Ok(Decision {
            result: json!({ "evaluation": ev }),
            events: vec![Event::Queue(QueueEvent::EvaluationRecorded {
                evaluation: ev,
            })],
        })
    }

    /// Applies a committed event.
    pub fn apply(&mut self, ev: &Event, at: DateTime<FixedOffset>) {
        match ev {
            Event::Queue(e) => {
                self.queue.apply(e, at);
                self.supervision.observe_queue(e, at);
            }
            Event::Case(e) => self.cases.apply(e),
            Event::Supervision(e) => self.supervision.apply(e),
        }
    }

    /// Events that the passage of time causes at `now`.
    #[must_use]
    pub fn tick(&self, now: DateTime<FixedOffset>) -> Vec<Event> {
        let mut out = Vec::new();
        let today = now.date_naive();
        for t in self.queue.stale_tickets(today) {
            let mut t = t.clone();
            t.state = TicketState::Cancelled;
            t.finished_at = Some(now);
            out.push(Event::Queue(QueueEvent::TicketCancelled {
                ticket: t,
                reason: "服务日结束 service day ended".into(),
            }));
        }
        let ctx = IntakeCtx {
            now,
            hall: &self.config,
            calendar: &self.calendar,
            signer: &self.signer,
            window: None,
        };
        out.extend(self.cases.tick(&ctx).into_iter().map(Event::Case));
        if !out.is_empty() {
            // Alerts are judged on the settled state: the caller applies these and ticks
            // again at the same instant.
            return out;
        }
        self.supervision
            .tick(self, now)
            .into_iter()
            .map(Event::Supervision)
            .collect()
    }

    /// The state `role` may see, as of now.
    #[must_use]
    pub fn snapshot(&self, role: Role, window: Option<u32>, now: DateTime<FixedOffset>) -> Value {
        let rules = &self.config.rules;
        let queues: Vec<Value> = self
            .queue
            .queues
            .values()
            .map(|q| {
                let waiting = self.queue.waiting_count(&q.code);
                let estimate = crate::estimate::walk_in_range(&self.queue, &q.code, now, rules);
                let mut v = json!({
                    "code": q.code,
                    "name": q.name,
                    "name_en": q.name_en,
                    "waiting": waiting,
                    "longest_wait_seconds": self.queue.longest_wait_seconds(&q.code, now),
                    "open_windows": self.queue.open_windows_for(&q.code),
                    "estimated_wait": estimate,
                    "target_wait_minutes": q.target_wait_minutes,
                    "max_wait_minutes": q.max_wait_minutes,
                    "max_waiting": q.max_waiting,
                    "mean_service_seconds": self.queue.mean_service_seconds(&q.code).round(),
                    "arrivals_last_hour": self.queue.arrivals.get(&q.code).map_or(0, std::collections::VecDeque::len),
                });
                if role != Role::Display {
                    // Each waiting ticket's current figure (the one printed was at issue).
                    let now_est: std::collections::HashMap<String, crate::staffing::WaitRange> =
                        crate::estimate::for_line(&self.queue, &q.code, now, rules)
                            .into_iter()
                            .map(|(id, e)| (id, e.range()))
                            .collect();
                    let line: Vec<Value> = self
                        .queue
                        .waiting_in(&q.code, rules)
                        .into_iter()
                        .map(|t| {
                            json!({
                                "id": t.id, "number": t.number, "channel": t.channel,
                                "issued_at": t.issued_at, "returning": t.returning,
                                "estimated_wait": now_est.get(&t.id),
                            })
                        })
                        .collect();
                    v["line"] = Value::Array(line);
                }
                v
            })
            .collect();
        // The same object as in `window_changed`: `ticket` is the number, `ticket_id` the id.
        let windows: Vec<&Window> = self.queue.windows.values().collect();
        let recent: Vec<Value> = self
            .queue
            .recently_called(10)
            .into_iter()
            .map(|t| json!({"number": t.number, "queue": t.queue, "window": t.window, "called_at": t.called_at, "state": t.state}))
            .collect();
        let mut state = json!({
            "now": now,
            "centre": { "code": self.config.centre.code, "name": self.config.centre.name },
            "queues": queues,
            "windows": windows,
            "recent_calls": recent,
            "alerts": self.supervision.alerts_for(role),
        });
        if role.sees_personal_data() {
            state["recommendations"] = json!(self.supervision.recommendations());
        }
        if role != Role::Display {
            state["catalogue"] = Value::Array(
                self.config
                    .items
                    .iter()
                    .map(|i| {
                        json!({
                            "code": i.code, "name": i.name, "queue": i.queue,
                            "department": i.department, "kind": i.kind,
                            "legal_days": i.legal_days, "committed_days": i.committed_days,
                            "on_the_spot": i.on_the_spot, "personal_attendance": i.personal_attendance,
                            "fee": i.fee,
                            "materials": i.materials.iter().map(|m| json!({
                                "id": m.id, "name": m.name, "required": m.required,
                                "tolerable": m.tolerable, "commitment": m.commitment,
                                "shared_data": m.shared_data, "form": m.form, "copies": m.copies,
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect(),
            );
        }
        if role.sees_personal_data() && role != Role::Kiosk {
            let tickets: Vec<Value> = self
                .queue
                .tickets
                .values()
                .filter(|t| t.state.is_live() || t.issued_at.date_naive() == now.date_naive())
                .map(|t| json!(mask_ticket(t)))
                .collect();
            state["tickets"] = Value::Array(tickets);
            let cases: Vec<Value> = self
                .cases
                .iter()
                .filter(|c| !case_closed(c.state) || c.received_on == now.date_naive())
                .map(|c| {
                    if role == Role::Counter && window.is_some() && c.window == window {
                        json!(c)
                    } else {
                        json!(masked_case(c))
                    }
                })
                .collect();
            state["cases"] = Value::Array(cases);
        }
        if let (Role::Counter, Some(n)) = (role, window) {
            state["window"] = json!(n);
            state["current_ticket"] = json!(self.queue.ticket_at(n).map(mask_ticket));
        }
        state
    }
}

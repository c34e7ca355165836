//! The hall: one authority per centre over queues, cases and supervision.
//!
//! `decide(command) -> events` is pure, `apply(event)` is infallible, `tick(now)` yields the
//! events that time alone causes (deemed acceptance, alerts, recommendations, end of day).

use chrono::{DateTime, FixedOffset};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod notices;
mod rating;
pub mod rating_link;
pub mod scope;
mod takeover;
pub mod view;

pub use notices::{notice_for, queues_touched, turn_near, NoticeDraft};
pub use takeover::TakeOver;
pub use view::{mask_name, masked_case, public_case, Viewer};

use crate::auth::{Actor, Role};
use crate::calendar::Calendar;
use crate::config::HallConfig;
use crate::error::DomainError;
use crate::estimate::board::Board;
use crate::hygiene;
use crate::intake::{CaseCommand, CaseEvent, CaseState, Cases, IntakeCtx};
use crate::queue::{Ctx, Decision, QueueCommand, QueueEvent, QueueState, Ticket, TicketState};
use crate::redress::{Redress, RedressCommand, RedressEvent};
use crate::store::CaseRow;
use crate::supervision::{Supervision, SupervisionCommand, SupervisionEvent};

/// Any command the hall accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Queue(QueueCommand),
    Case(CaseCommand),
    Supervision(SupervisionCommand),
    /// `case_take_over`: this window continues another window's case.
    TakeOver(TakeOver),
    /// Bad-rating follow-ups and 办不成事 requests.
    Redress(RedressCommand),
}

/// Whether `kind` names a command the hall knows (`query_case` is answered by the server).
#[must_use]
pub fn is_known_kind(kind: &str) -> bool {
    QueueCommand::KINDS.contains(&kind)
        || CASE_KINDS.contains(&kind)
        || SupervisionCommand::KINDS.contains(&kind)
        || RedressCommand::KINDS.contains(&kind)
        || kind == TakeOver::KIND
}

impl Command {
    /// Parses `{"kind": …, …}`; unknown kinds, malformed fields, control characters and
    /// over-long text anywhere in the command are `bad_request`.
    ///
    /// # Errors
    /// `BadRequest` naming the problem.
    pub fn from_json(v: &Value) -> Result<Self, DomainError> {
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .ok_or_else(|| DomainError::BadRequest("command needs a string `kind`".into()))?;
        hygiene::check_command(v).map_err(|e| DomainError::BadRequest(format!("{kind}: {e}")))?;
        let bad = |e: serde_json::Error| DomainError::BadRequest(format!("{kind}: {e}"));
        if kind == TakeOver::KIND {
            let mut fields = v.clone();
            if let Some(m) = fields.as_object_mut() {
                m.remove("kind");
            }
            serde_json::from_value(fields)
                .map(Self::TakeOver)
                .map_err(bad)
        } else if QueueCommand::KINDS.contains(&kind) {
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
        } else if RedressCommand::KINDS.contains(&kind) {
            serde_json::from_value(v.clone())
                .map(Self::Redress)
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
            Self::TakeOver(_) => TakeOver::KIND,
            Self::Redress(c) => c.kind(),
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
    Redress(RedressEvent),
}

impl Event {
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Queue(e) => e.kind(),
            Self::Case(e) => e.kind(),
            Self::Supervision(e) => e.kind(),
            Self::Redress(e) => e.kind(),
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

    /// This event as `role` (at `window`) may see it, or `None` when it is not for that role
    /// (see [`view`]).
    #[must_use]
    pub fn for_role(&self, role: Role, window: Option<u32>) -> Option<Self> {
        Viewer::new(role, window).event(self)
    }
}

/// The whole hall state.
#[derive(Clone)]
pub struct Hall {
    pub config: HallConfig,
    pub calendar: Calendar,
    pub queue: QueueState,
    pub cases: Cases,
    pub supervision: Supervision,
    /// Bad-rating follow-ups and 办不成事 requests.
    pub redress: Redress,
    signer: SigningKey,
    appointment_key: [u8; 32],
    /// Key of the slips' rating links, derived from the centre key (`rating_link`).
    rating_link_key: [u8; 32],
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
        let appointment_key = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(b"appointment-key-v1");
            h.update(signer.to_bytes());
            h.finalize().into()
        };
        let rating_link_key = rating_link::link_key(&signer.to_bytes());
        Self {
            appointment_key,
            rating_link_key,
            config,
            calendar,
            queue,
            cases: Cases::default(),
            supervision: Supervision::default(),
            redress: Redress::default(),
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
        let mut d = self.decide_inner(cmd, actor, now)?;
        // The reply is stored (7 days) and sent back: a mobile number only in the events,
        // whose bodies keep it out of the chain (`store::pii`).
        view::mask_mobiles(&mut d.result);
        Ok(d)
    }

    fn decide_inner(
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
        scope::authorize(self, cmd, actor)?;
        match cmd {
            Command::Queue(QueueCommand::Evaluate {
                ticket,
                case,
                rating,
                reason,
                link,
            }) => self.evaluate(
                actor,
                now,
                rating::Rated {
                    ticket: ticket.as_deref(),
                    case: case.as_deref(),
                    link: link.as_deref(),
                },
                *rating,
                reason.as_deref(),
            ),
            Command::Queue(c) => {
                let ctx = Ctx {
                    now,
                    actor,
                    hall: &self.config,
                    calendar: &self.calendar,
                    appointment_key: self.appointment_key,
                };
                let d = self.queue.decide(c, &ctx)?;
                let mut result = d.result;
                if matches!(
                    c,
                    QueueCommand::IssueTicket { .. } | QueueCommand::CheckIn { .. }
                ) {
                    self.add_rating_link(&d.events, &mut result);
                }
                Ok(Decision {
                    events: d.events.into_iter().map(Event::Queue).collect(),
                    result,
                })
            }
            Command::TakeOver(t) => self.take_over(t, actor),
            Command::Redress(c) => self.decide_redress(c, actor, now),
            Command::Case(c) => {
                self.check_case_window(c, actor)?;
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

    /// Applies a committed event.
    pub fn apply(&mut self, ev: &Event, at: DateTime<FixedOffset>) {
        match ev {
            Event::Queue(e) => {
                self.queue.apply(e, at);
                self.supervision.observe_queue(e, at);
            }
            Event::Case(e) => self.cases.apply(e),
            Event::Supervision(e) => self.supervision.apply(e),
            Event::Redress(e) => self.redress.apply(e),
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

    /// The state `role` may see, as of now (see [`view`]), with estimates computed on the
    /// spot (tests and tools; the server passes its board to [`Hall::snapshot_with`]).
    #[must_use]
    pub fn snapshot(&self, role: Role, window: Option<u32>, now: DateTime<FixedOffset>) -> Value {
        let board = Board::compute_now(&self.queue, &self.config.rules, 0, now);
        self.snapshot_with(role, window, now, &board)
    }

    /// [`Hall::snapshot`] with the estimates of `board`.
    #[must_use]
    pub fn snapshot_with(
        &self,
        role: Role,
        window: Option<u32>,
        now: DateTime<FixedOffset>,
        board: &Board,
    ) -> Value {
        Viewer::new(role, window).snapshot(self, now, board)
    }
}

//! What leaves the centre: an explicit allow-list of fields taken from each committed event.
//!
//! Nothing is copied wholesale (no event body, no free text): every shipped value is named
//! here, and none of them is a name, an ID number, a phone number, an appointment code, a
//! staff note or an alert message. Adding a field means adding it here, in the schema and in
//! the "what is shipped" table of ARCHITECTURE.md.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use queue_core::hall::Event;
use queue_core::intake::CaseEvent;
use queue_core::queue::{QueueEvent, Ticket};
use queue_core::supervision::SupervisionEvent;
use serde::Serialize;

/// The parts of a centre's activity that may be shipped; each can be switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // independent switches, named by what they ship
pub struct ShipSet {
    pub tickets: bool,
    pub windows: bool,
    pub alerts: bool,
    pub cases: bool,
    pub ratings: bool,
}

impl Default for ShipSet {
    fn default() -> Self {
        Self::ALL
    }
}

impl ShipSet {
    pub const ALL: Self = Self {
        tickets: true,
        windows: true,
        alerts: true,
        cases: true,
        ratings: true,
    };
    pub const NAMES: [&'static str; 5] = ["tickets", "windows", "alerts", "cases", "ratings"];

    /// Parses `tickets,windows,alerts,cases,ratings` (any subset; `all`; `none`).
    ///
    /// # Errors
    /// The unknown name, with the known ones.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut set = Self {
            tickets: false,
            windows: false,
            alerts: false,
            cases: false,
            ratings: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "all" => set = Self::ALL,
                "none" => {}
                "tickets" => set.tickets = true,
                "windows" => set.windows = true,
                "alerts" => set.alerts = true,
                "cases" => set.cases = true,
                "ratings" => set.ratings = true,
                other => {
                    return Err(format!(
                        "unknown part {other:?}; known: all, none, {}",
                        Self::NAMES.join(", ")
                    ))
                }
            }
        }
        Ok(set)
    }
}

/// One ticket's state, without its holder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketFact {
    pub id: String,
    pub number: String,
    pub queue: String,
    pub channel: String,
    pub state: String,
    pub window: Option<u32>,
    pub day: NaiveDate,
    pub issued_at: DateTime<FixedOffset>,
    pub called_at: Option<DateTime<FixedOffset>>,
    pub served_at: Option<DateTime<FixedOffset>>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    pub transferred_in: bool,
}

/// One case's progress: item, department, state and dates; never the applicant or agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFact {
    pub serial: String,
    pub item: String,
    pub department: String,
    pub state: String,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    /// The GZ 19 step this event is (opened, accepted, …), if it is one.
    pub step: Option<&'static str>,
}

/// What one event contributes to the city tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Fact {
    Ticket(TicketFact),
    Window {
        number: u32,
        state: String,
        queues: String,
        /// The public ticket number at the window (as on the hall display).
        ticket: Option<String>,
        since: Option<DateTime<FixedOffset>>,
    },
    AlertRaised {
        id: String,
        kind: String,
        queue: Option<String>,
        window: Option<u32>,
        raised_at: DateTime<FixedOffset>,
    },
    AlertCleared {
        id: String,
    },
    Case(CaseFact),
    Rating {
        rating: i16,
        window: Option<u32>,
        queue: Option<String>,
        /// The rating was of a case rather than a ticket.
        of_case: bool,
    },
}

/// The snake_case tag serde gives an enum value (`"walk_in"` → `walk_in`).
fn tag<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn ticket_fact(t: &Ticket) -> TicketFact {
    TicketFact {
        id: t.id.clone(),
        number: t.number.clone(),
        queue: t.queue.clone(),
        channel: t.channel.as_str().to_string(),
        state: t.state.as_str().to_string(),
        window: t.window,
        day: t.issued_at.date_naive(),
        issued_at: t.issued_at,
        called_at: t.called_at,
        served_at: t.served_at,
        finished_at: t.finished_at,
        transferred_in: t.transferred_from.is_some(),
    }
}

fn case_step(e: &CaseEvent) -> Option<&'static str> {
    Some(match e {
        CaseEvent::CaseOpened { .. } => "opened",
        CaseEvent::MaterialsRecorded { .. } => return None,
        CaseEvent::NoticeDeferred { .. } => "notice_deferred",
        CaseEvent::NoticeIssued { .. } => "notice_issued",
        CaseEvent::CaseAccepted { .. } => "accepted",
        CaseEvent::CaseDeemedAccepted { .. } => "deemed_accepted",
        CaseEvent::CaseRejected { .. } => "rejected",
        CaseEvent::CaseCompleted { .. } => "completed",
        CaseEvent::CaseExtended { .. } => "extended",
        CaseEvent::CaseRefused { .. } => "refused",
        CaseEvent::CasePaused { .. } => "paused",
        // Another window took the case over (the window leaves the staff view only).
        CaseEvent::CaseTakenOver { .. } => "taken_over",
        CaseEvent::CaseResumed { .. }
        | CaseEvent::CommitmentRecorded { .. }
        | CaseEvent::ResultCollected { .. } => return None,
    })
}

/// The facts of one event that `set` allows; `departments` maps catalogue item → department.
#[must_use]
pub fn facts(ev: &Event, set: ShipSet, departments: &HashMap<String, String>) -> Vec<Fact> {
    match ev {
        Event::Queue(QueueEvent::WindowChanged { window }) if set.windows => vec![Fact::Window {
            number: window.number,
            state: tag(&window.state),
            queues: window.queues.join(","),
            ticket: window.ticket_number.clone(),
            since: window.since,
        }],
        Event::Queue(QueueEvent::EvaluationRecorded { evaluation }) if set.ratings => {
            vec![Fact::Rating {
                rating: i16::from(evaluation.rating),
                window: evaluation.window,
                queue: evaluation.queue.clone(),
                of_case: evaluation.case.is_some(),
            }]
        }
        Event::Queue(_) if set.tickets => ev
            .tickets()
            .into_iter()
            .map(|t| Fact::Ticket(ticket_fact(t)))
            .collect(),
        Event::Supervision(SupervisionEvent::AlertRaised { alert }) if set.alerts => {
            vec![Fact::AlertRaised {
                id: alert.id.clone(),
                kind: tag(&alert.kind),
                queue: alert.queue.clone(),
                window: alert.window,
                raised_at: alert.raised_at,
            }]
        }
        Event::Supervision(SupervisionEvent::AlertCleared { alert }) if set.alerts => {
            vec![Fact::AlertCleared {
                id: alert.id.clone(),
            }]
        }
        Event::Case(e) if set.cases => {
            let c = e.case();
            vec![Fact::Case(CaseFact {
                serial: c.serial.clone(),
                item: c.item.clone(),
                department: departments.get(&c.item).cloned().unwrap_or_default(),
                state: c.state.as_str().to_string(),
                received_on: c.received_on,
                accepted_on: c.accepted_on,
                completed_on: c.completed_on,
                due_on: c.due_on,
                step: case_step(e),
            })]
        }
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ship_set_parses_subsets_and_rejects_unknown_parts() {
        assert_eq!(ShipSet::parse("all"), Ok(ShipSet::ALL));
        let s = ShipSet::parse("tickets, windows").expect("parses");
        assert!(s.tickets && s.windows && !s.alerts && !s.cases && !s.ratings);
        let none = ShipSet::parse("none").expect("parses");
        assert!(!none.tickets && !none.cases);
        let err = ShipSet::parse("tickets,names").expect_err("names is no part");
        assert!(err.contains("names"), "{err}");
    }
}

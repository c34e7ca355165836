//! Which notices to the applicant the hall queues (in the store's outbox, in the same
//! transaction as the events that call for them; sending them is the dashboard's concern).
//!
//! Kinds are plain strings with a subject, a reference and a finished text, so a new kind
//! (e.g. bad-rating feedback) is queued and sent without touching the outbox or the sender.

use std::collections::{BTreeSet, HashSet};

use super::{Event, Hall};
use crate::intake::{CaseEvent, Delivery};
use crate::notify::{self, DECISION_REFUSED, RATING_FEEDBACK, RESULT_READY, TURN_NEAR};
use crate::queue::TicketState;
use crate::redress::{FollowUp, RedressEvent, StepKind};

/// A notice as the writer queues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDraft {
    pub kind: &'static str,
    /// The ticket id or case serial it is about (one `turn_near` per ticket).
    pub subject: String,
    /// What the applicant recognises, safe to show and send: ticket number or case serial.
    pub reference: String,
    /// For case notices, how the result reaches the applicant: `collection` | `post` |
    /// `electronic`; empty otherwise.
    pub channel: &'static str,
    /// The message, in Chinese.
    pub text: String,
    /// Full number; `None` queues the notice as `no_contact` (recorded, never sent).
    pub mobile: Option<String>,
}

/// The notice `event` calls for, if any. A completed case's result is ready (GD 22: collect
/// it, or it is posted or sent electronically); a refusal after review is a decision the
/// applicant must learn of as well. The number is the case's, else its ticket's.
#[must_use]
pub fn notice_for(hall: &Hall, event: &Event) -> Option<NoticeDraft> {
    if let Event::Redress(RedressEvent::FollowUpClosed { follow_up }) = event {
        return feedback_notice(hall, follow_up);
    }
    let Event::Case(c) = event else {
        return None;
    };
    let kind = match c {
        CaseEvent::CaseCompleted { .. } => RESULT_READY,
        CaseEvent::CaseRefused { .. } => DECISION_REFUSED,
        _ => return None,
    };
    let case = c.case();
    let channel = match case.delivery {
        Delivery::Collection => "collection",
        Delivery::Post => "post",
        Delivery::Electronic => "electronic",
    };
    let mobile = usable(case.mobile.as_deref()).or_else(|| {
        case.ticket
            .as_ref()
            .and_then(|t| hall.queue.tickets.get(t))
            .and_then(|t| usable(t.mobile.as_deref()))
    });
    let centre = &hall.config.centre.name;
    Some(NoticeDraft {
        kind,
        subject: case.id.clone(),
        reference: case.serial.clone(),
        channel,
        text: notify::case_text(centre, kind, &case.item_name, &case.serial, channel),
        mobile,
    })
}

/// A closed bad-rating follow-up: the applicant is told what was done (the feedback step's
/// note, which staff record as what the applicant is told), on the rated ticket's number.
fn feedback_notice(hall: &Hall, f: &FollowUp) -> Option<NoticeDraft> {
    let told = f.step(StepKind::Feedback)?.note.trim();
    let ticket = f.ticket.as_ref().and_then(|t| hall.queue.tickets.get(t));
    let mobile = ticket
        .and_then(|t| usable(t.mobile.as_deref()))
        .or_else(|| {
            f.case
                .as_ref()
                .and_then(|c| hall.cases.get(c))
                .and_then(|c| usable(c.mobile.as_deref()))
        });
    Some(NoticeDraft {
        kind: RATING_FEEDBACK,
        subject: f.id.clone(),
        reference: f.ticket_number.clone().unwrap_or_else(|| f.id.clone()),
        channel: "",
        text: notify::rating_feedback_text(
            &hall.config.centre.name,
            f.ticket_number.as_deref(),
            told,
        ),
        mobile,
    })
}

/// A number that can be sent to: a purged one (replayed as a placeholder) cannot.
fn usable(m: Option<&str>) -> Option<String> {
    m.and_then(|m| crate::ids::parse_mobile(m).ok())
}

/// Queues touched by `events` (where someone's place in a line may have moved).
#[must_use]
pub fn queues_touched<'a>(events: impl IntoIterator<Item = &'a Event>) -> BTreeSet<String> {
    events
        .into_iter()
        .flat_map(Event::tickets)
        .map(|t| t.queue.clone())
        .collect()
}

/// "Your turn is near" for every waiting ticket in `queues` that has a mobile number, has
/// `turn_near_ahead` or fewer people ahead now, had more ahead when issued (one standing at
/// the kiosk near the head needs no message), and is not in `already`. Decided from the state
/// alone, so the same state always gives the same notices.
#[must_use]
pub fn turn_near(
    hall: &Hall,
    queues: &BTreeSet<String>,
    already: &HashSet<String>,
) -> Vec<NoticeDraft> {
    let n = hall.config.notify.turn_near_ahead;
    if n == 0 {
        return Vec::new();
    }
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    let q = &hall.queue;
    let mut out = Vec::new();
    for code in queues {
        let has_candidate = q
            .waiting_tickets(code)
            .any(|t| t.mobile.is_some() && t.ahead > n && !already.contains(&t.id));
        if !has_candidate {
            continue;
        }
        for (ahead, t) in q
            .waiting_in(code, &hall.config.rules)
            .into_iter()
            .enumerate()
            .take(limit + 1)
        {
            if t.state != TicketState::Waiting || t.ahead <= n || already.contains(&t.id) {
                continue;
            }
            let Some(mobile) = usable(t.mobile.as_deref()) else {
                continue;
            };
            out.push(NoticeDraft {
                kind: TURN_NEAR,
                subject: t.id.clone(),
                reference: t.number.clone(),
                channel: "",
                text: notify::turn_near_text(&hall.config.centre.name, &t.number, ahead),
                mobile: Some(mobile),
            });
        }
    }
    out
}

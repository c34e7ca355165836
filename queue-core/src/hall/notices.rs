//! Which committed events call for a notice to the applicant (queued in the store's outbox
//! in the same transaction; sending them is a separate concern).

use super::Event;
use crate::intake::{CaseEvent, Delivery};

/// `(kind, case serial, channel)` of the notice `event` calls for, if any. A completed case's
/// result is ready (GD 22: collect it, or it is posted or sent electronically); a refusal
/// after review is a decision the applicant must learn of as well.
#[must_use]
pub fn notice_for(event: &Event) -> Option<(&'static str, &str, &'static str)> {
    let Event::Case(c) = event else {
        return None;
    };
    let kind = match c {
        CaseEvent::CaseCompleted { .. } => "result_ready",
        CaseEvent::CaseRefused { .. } => "decision_refused",
        _ => return None,
    };
    let case = c.case();
    let channel = match case.delivery {
        Delivery::Collection => "collection",
        Delivery::Post => "post",
        Delivery::Electronic => "electronic",
    };
    Some((kind, case.id.as_str(), channel))
}

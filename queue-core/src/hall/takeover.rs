//! Object-level authorisation of case commands: a case is worked on by the window that has it,
//! and another window continues it only after an explicit, recorded take-over.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{case_closed, Event, Hall};
use crate::auth::Actor;
use crate::error::DomainError;
use crate::intake::{CaseCommand, CaseEvent};
use crate::queue::Decision;

/// `{"kind":"case_take_over","case":"…","reason":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TakeOver {
    pub case: String,
    pub reason: String,
}

impl TakeOver {
    pub const KIND: &'static str = "case_take_over";
}

/// The case a command acts on, when it acts on an existing one.
fn target(c: &CaseCommand) -> Option<&str> {
    match c {
        CaseCommand::CaseOpen(_) => None,
        CaseCommand::CaseMaterials(m) | CaseCommand::CaseSupplement(m) => Some(&m.case),
        CaseCommand::CaseDecide(d) => Some(&d.case),
        CaseCommand::CaseExtend(e) => Some(&e.case),
        CaseCommand::CasePause(p) => Some(&p.case),
        CaseCommand::CaseResume(r) | CaseCommand::CaseCollect(r) => Some(&r.case),
    }
}

impl Hall {
    /// Refuses a case command from any window but the case's own.
    pub(super) fn check_case_window(
        &self,
        c: &CaseCommand,
        actor: Actor,
    ) -> Result<(), DomainError> {
        let Some(id) = target(c) else { return Ok(()) };
        // An unknown case is the intake's `not_found` to report.
        let Some(case) = self.cases.get(id.trim()) else {
            return Ok(());
        };
        if actor.window.is_some() && case.window == actor.window {
            return Ok(());
        }
        let holder = case.window.map_or_else(
            || "无窗口 no window".to_string(),
            |w| format!("窗口 {w} window {w}"),
        );
        Err(DomainError::Forbidden(format!(
            "办件 {} 由{holder}办理，须先接办 case_take_over / case {} belongs to {holder}; take it over first",
            case.serial, case.serial
        )))
    }

    pub(super) fn take_over(
        &self,
        t: &TakeOver,
        actor: Actor,
    ) -> Result<Decision<Event>, DomainError> {
        let window = actor.window.ok_or_else(|| {
            DomainError::Forbidden("此令牌未绑定窗口 this token is not bound to a window".into())
        })?;
        let reason = t.reason.trim();
        if reason.is_empty() {
            return Err(DomainError::BadRequest(
                "接办须说明理由 a take-over needs a reason".into(),
            ));
        }
        let case = self
            .cases
            .get(t.case.trim())
            .ok_or_else(|| DomainError::NotFound(format!("办件 case {}", t.case)))?;
        if case_closed(case.state) {
            return Err(DomainError::Conflict(format!(
                "办件 {} 已结束 case {} is closed",
                case.serial, case.serial
            )));
        }
        if case.window == Some(window) {
            return Err(DomainError::Conflict(format!(
                "办件 {} 已在本窗口 case {} is already at window {window}",
                case.serial, case.serial
            )));
        }
        let mut taken = case.clone();
        taken.window = Some(window);
        let ev = CaseEvent::CaseTakenOver {
            case: Box::new(taken.clone()),
            from: case.window,
            reason: reason.to_string(),
        };
        Ok(Decision {
            result: json!({ "case": taken }),
            events: vec![Event::Case(ev)],
        })
    }
}

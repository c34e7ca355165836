//! Time on a case: deemed acceptance when the notice clock runs out (GD 19(3)), the committed
//! deadline, extensions with their 延期告知书 and 报备 record (GZ Art 13), clock stops for special
//! procedures (PLAN 3.1), and collection of the result (出件).

use chrono::NaiveDate;

use super::case::{Action, Case, CaseState, Delivery, Extension, MaterialStatus, Pause};
use super::command::{CaseRef, ExtendCase, PauseCase};
use super::decide::{non_empty, NOTICE_WORKING_DAYS};
use super::error::IntakeError;
use super::event::CaseEvent;
use super::receipt::issue;
use super::{Cases, IntakeCtx};
use crate::document::DocumentKind;

impl Cases {
    /// Events caused by time alone: a case whose notice was not given within five working
    /// days of receipt is accepted as of the day the materials were received (GD 19(3)) — with
    /// no staff action, whether or not anyone pressed "defer".
    #[must_use]
    pub fn tick(&self, ctx: &IntakeCtx<'_>) -> Vec<CaseEvent> {
        let today = ctx.today();
        self.iter()
            .filter(|c| notice_overdue(c, today, ctx))
            .map(|c| {
                let mut case = c.clone();
                let received_on = case.received_on;
                accept(&mut case, received_on, ctx, CaseState::DeemedAccepted);
                let document = issue(DocumentKind::Acceptance, &case, ctx);
                case.documents.push(document.clone());
                CaseEvent::CaseDeemedAccepted {
                    case: Box::new(case),
                    document: Box::new(document),
                }
            })
            .collect()
    }

    /// The case, unless time has already made it deemed accepted (the tick may not have run
    /// yet, but the law does not wait for it).
    pub(super) fn live_case(&self, id: &str, ctx: &IntakeCtx<'_>) -> Result<Case, IntakeError> {
        let case = self
            .get(id.trim())
            .ok_or_else(|| IntakeError::CaseNotFound(id.into()))?;
        if notice_overdue(case, ctx.today(), ctx) {
            return Err(IntakeError::NoticeTooLate {
                case: case.id.clone(),
            });
        }
        Ok(case.clone())
    }

    pub(super) fn extend(
        &self,
        c: &ExtendCase,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::Extend, &case.id)?;
        let reason = non_empty(&c.reason, "延期理由 / reason for the extension")?;
        if c.days == 0 {
            return Err(IntakeError::BadRequest(
                "延期天数须大于 0 / days must be at least 1".into(),
            ));
        }
        let would_be = case.limit_days().saturating_add(c.days);
        // Within the legal limit by the committed-time rules; beyond it only as a statutory
        // extension, up to the item's configured extra days.
        let cap = if c.statutory {
            case.terms
                .legal_days
                .saturating_add(case.terms.statutory_extra_days)
        } else {
            case.terms.legal_days
        };
        if would_be > cap {
            return Err(IntakeError::BeyondLegalLimit {
                would_be,
                legal_days: cap,
            });
        }
        let today = ctx.today();
        let mut extension = Extension {
            on: today,
            days: c.days,
            reason,
            due_on: today,
            statutory: c.statutory,
            reported_to: management_body(ctx),
        };
        case.extensions.push(extension.clone());
        reckon_due(&mut case, ctx);
        extension.due_on = case.due_on.unwrap_or(today);
        if let Some(last) = case.extensions.last_mut() {
            *last = extension.clone();
        }
        let document = issue(DocumentKind::ExtensionNotice, &case, ctx);
        case.documents.push(document.clone());
        Ok(vec![CaseEvent::CaseExtended {
            case: Box::new(case),
            extension,
            document: Some(Box::new(document)),
        }])
    }

    pub(super) fn pause(
        &self,
        c: &PauseCase,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::Pause, &case.id)?;
        if case.open_pause().is_some() {
            return Err(IntakeError::Paused { case: case.id });
        }
        let reason = non_empty(&c.reason, "特别程序事由 / reason for the special procedure")?;
        case.pauses.push(Pause {
            procedure: c.procedure,
            reason,
            from: ctx.today(),
            until: None,
            working_days: 0,
        });
        let document = issue(DocumentKind::SpecialProcedureNotice, &case, ctx);
        case.documents.push(document.clone());
        Ok(vec![CaseEvent::CasePaused {
            case: Box::new(case),
            document: Box::new(document),
        }])
    }

    pub(super) fn resume(
        &self,
        c: &CaseRef,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::Resume, &case.id)?;
        let today = ctx.today();
        let Some(p) = case.pauses.last_mut().filter(|p| p.until.is_none()) else {
            return Err(IntakeError::NotPaused { case: case.id });
        };
        p.until = Some(today);
        let days = ctx.calendar.working_days_between(p.from, today).value;
        p.working_days = u32::try_from(days.max(0)).unwrap_or(u32::MAX);
        reckon_due(&mut case, ctx);
        Ok(vec![CaseEvent::CaseResumed {
            case: Box::new(case),
        }])
    }

    pub(super) fn collect(
        &self,
        c: &CaseRef,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::Collect, &case.id)?;
        if case.delivery != Delivery::Collection || case.collected_on.is_some() {
            return Err(IntakeError::IllegalTransition {
                case: case.id.clone(),
                state: case.state,
                action: Action::Collect.as_str(),
            });
        }
        case.collected_on = Some(ctx.today());
        Ok(vec![CaseEvent::ResultCollected {
            case: Box::new(case),
        }])
    }
}

fn management_body(ctx: &IntakeCtx<'_>) -> String {
    let c = &ctx.hall.centre;
    if c.management_body.trim().is_empty() {
        c.name.clone()
    } else {
        c.management_body.clone()
    }
}

/// The last day for the notice; cases from logs before it was stored get it computed.
pub(crate) fn notice_deadline(case: &Case, ctx: &IntakeCtx<'_>) -> NaiveDate {
    case.notice_due_on.unwrap_or_else(|| {
        ctx.calendar
            .add_working_days(case.received_on, NOTICE_WORKING_DAYS)
            .value
    })
}

fn notice_overdue(case: &Case, today: NaiveDate, ctx: &IntakeCtx<'_>) -> bool {
    case.awaiting_decision() && today > notice_deadline(case, ctx)
}

/// The committed due date: working days from acceptance for the limit (extensions included)
/// plus every working day a special procedure stopped the clock.
pub(super) fn reckon_due(case: &mut Case, ctx: &IntakeCtx<'_>) {
    let Some(from) = case.accepted_on else { return };
    let paused: u32 = case.pauses.iter().map(|p| p.working_days).sum();
    let due = ctx
        .calendar
        .add_working_days(from, case.limit_days().saturating_add(paused));
    case.due_on = Some(due.value);
    case.due_provisional = due.provisional;
}

/// Sets acceptance, the committed deadline and the dates tolerated materials are owed by.
pub(super) fn accept(case: &mut Case, on: NaiveDate, ctx: &IntakeCtx<'_>, state: CaseState) {
    // Config validation guarantees committed ≤ legal; clamp anyway so no deadline can ever
    // exceed the legal limit (GD Art 20).
    let days = case.terms.committed_days.min(case.terms.legal_days);
    let due = ctx.calendar.add_working_days(on, days);
    case.state = state;
    case.accepted_on = Some(on);
    case.due_on = Some(due.value);
    case.due_provisional = due.provisional;
    for m in &mut case.materials {
        if m.status == MaterialStatus::Tolerated {
            m.owed_by = Some(
                ctx.calendar
                    .add_working_days(on, case.terms.tolerance_days)
                    .value,
            );
        }
    }
}

//! `decide`: the rules, as pure functions of the projection and the context. Opening a case is
//! in `open.rs`, time on a case (deemed acceptance, extensions, pauses) in `timeline.rs`.

use super::case::{Action, Case, CaseState, MaterialStatus, Notice, RejectCode};
use super::command::{CaseCommand, DecideCase, Decision, RecordMaterials};
use super::error::IntakeError;
use super::event::CaseEvent;
use super::materials::{record, Mode};
use super::receipt::issue;
use super::timeline::{accept, notice_deadline};
use super::{Cases, IntakeCtx};
use crate::document::DocumentKind;

/// Working days within which a notice that cannot be given on the spot is due (GD 19(3)).
pub const NOTICE_WORKING_DAYS: u32 = 5;

impl Cases {
    /// Checks a command and returns the events it causes. Changes nothing.
    ///
    /// # Errors
    /// The rule the command breaks; see [`IntakeError::code`].
    pub fn decide(
        &self,
        cmd: &CaseCommand,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        match cmd {
            CaseCommand::CaseOpen(c) => self.open(c, ctx),
            CaseCommand::CaseMaterials(c) => self.materials(c, ctx),
            CaseCommand::CaseDecide(c) => self.decide_case(c, ctx),
            CaseCommand::CaseSupplement(c) => self.supplement(c, ctx),
            CaseCommand::CaseExtend(c) => self.extend(c, ctx),
            CaseCommand::CasePause(c) => self.pause(c, ctx),
            CaseCommand::CaseResume(c) => self.resume(c, ctx),
            CaseCommand::CaseCollect(c) => self.collect(c, ctx),
        }
    }

    fn materials(
        &self,
        c: &RecordMaterials,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::RecordMaterials, &case.id)?;
        let mode = if case.state.is_accepted() {
            Mode::AfterAcceptance
        } else {
            Mode::Intake
        };
        let before = committed(&case);
        record(&mut case, &c.materials, &mode)?;
        let mut events = vec![CaseEvent::MaterialsRecorded {
            case: Box::new(case.clone()),
        }];
        events.extend(commitment(case, &before, ctx));
        Ok(events)
    }

    fn supplement(
        &self,
        c: &RecordMaterials,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::Supplement, &case.id)?;
        let notice = case
            .notice
            .clone()
            .ok_or_else(|| IntakeError::IllegalTransition {
                case: case.id.clone(),
                state: case.state,
                action: Action::Supplement.as_str(),
            })?;
        let before = committed(&case);
        record(&mut case, &c.materials, &Mode::Supplement(&notice))?;
        let mut events = vec![CaseEvent::MaterialsRecorded {
            case: Box::new(case.clone()),
        }];
        if let Some(ev) = commitment(case.clone(), &before, ctx) {
            case = ev.case().clone();
            events.push(ev);
        }
        // Supplemented as the notice asked: acceptance is owed, not discretionary (GD 19(3)).
        if case.deficiencies().is_empty() {
            accept(&mut case, ctx.today(), ctx, CaseState::Accepted);
            events.push(with_document(DocumentKind::Acceptance, case, ctx));
        }
        Ok(events)
    }

    fn decide_case(
        &self,
        c: &DecideCase,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        let today = ctx.today();
        match c.decision {
            Decision::Accept => {
                case.state.check(Action::Accept, &case.id)?;
                require_complete(&case, false)?;
                accept(&mut case, today, ctx, CaseState::Accepted);
                Ok(vec![with_document(DocumentKind::Acceptance, case, ctx)])
            }
            Decision::Notice => {
                case.state.check(Action::Notice, &case.id)?;
                let deficiencies = case.deficiencies();
                if deficiencies.is_empty() {
                    return Err(IntakeError::NothingToCorrect);
                }
                // A required material never checked is, by the notice, missing.
                for m in &mut case.materials {
                    if m.is_deficient() && m.status == MaterialStatus::Pending {
                        m.status = MaterialStatus::Missing;
                    }
                }
                case.notice = Some(Notice {
                    issued_on: today,
                    deficiencies,
                });
                case.state = CaseState::NoticeIssued;
                Ok(vec![with_document(
                    DocumentKind::CorrectionNotice,
                    case,
                    ctx,
                )])
            }
            Decision::DeferNotice => {
                case.state.check(Action::DeferNotice, &case.id)?;
                // The clock started at receipt; taking the materials in for review only
                // documents it (收件回执, PY Art 11).
                case.notice_due_on = Some(notice_deadline(&case, ctx));
                case.state = CaseState::NoticeDue;
                let document = issue(DocumentKind::ApplicationReceipt, &case, ctx);
                case.documents.push(document.clone());
                Ok(vec![CaseEvent::NoticeDeferred {
                    case: Box::new(case),
                    document: Some(Box::new(document)),
                }])
            }
            Decision::Reject => {
                case.state.check(Action::Reject, &case.id)?;
                let code = c.reason_code.ok_or_else(|| {
                    IntakeError::BadRequest(
                        "不予受理须选择理由代码 / a rejection needs `reason_code`: not_required, outside_competence or other_statutory (行政许可法 Art 32)".into(),
                    )
                })?;
                // Missing materials go through the one-time notice, never non-acceptance.
                let missing = deficient(&case);
                if case.notice.is_none() && !missing.is_empty() {
                    return Err(IntakeError::OneTimeNoticeRequired { missing });
                }
                let stated = reasons(c);
                if code == RejectCode::OtherStatutory && stated.is_empty() {
                    return Err(IntakeError::BadRequest(
                        "其他法定情形须说明理由 / other_statutory needs `reasons`".into(),
                    ));
                }
                case.reasons = std::iter::once(code.label_zh().to_owned())
                    .chain(stated)
                    .collect();
                case.reject_code = Some(code);
                case.state = CaseState::Rejected;
                Ok(vec![with_document(DocumentKind::Rejection, case, ctx)])
            }
            Decision::Refuse => {
                case.state.check(Action::Refuse, &case.id)?;
                if case.open_pause().is_some() {
                    return Err(IntakeError::Paused { case: case.id });
                }
                let stated = reasons(c);
                if stated.is_empty() {
                    return Err(IntakeError::BadRequest(
                        "不予许可须说明理由 / a refusal must state its reasons (GD Art 21)".into(),
                    ));
                }
                case.reasons = stated;
                case.state = CaseState::Refused;
                Ok(vec![with_document(DocumentKind::Refusal, case, ctx)])
            }
            Decision::Complete => {
                case.state.check(Action::Complete, &case.id)?;
                if case.open_pause().is_some() {
                    return Err(IntakeError::Paused { case: case.id });
                }
                // From `open` only on-the-spot items finish at the counter, on the day of
                // receipt; an accepted case is finished once the department is done with it.
                let on_the_spot = !case.state.is_accepted();
                if on_the_spot && !(case.terms.on_the_spot && today == case.received_on) {
                    return Err(IntakeError::NotOnTheSpot {
                        item: case.item.clone(),
                    });
                }
                require_complete(&case, true)?;
                case.state = CaseState::Completed;
                case.completed_on = Some(today);
                case.completed_on_the_spot = on_the_spot;
                Ok(vec![with_document(DocumentKind::Completion, case, ctx)])
            }
        }
    }
}

fn reasons(c: &DecideCase) -> Vec<String> {
    c.reasons
        .iter()
        .flatten()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect()
}

/// Material ids with status `committed`.
fn committed(case: &Case) -> Vec<String> {
    case.materials
        .iter()
        .filter(|m| m.status == MaterialStatus::Committed)
        .map(|m| m.id.clone())
        .collect()
}

/// A 告知承诺书 for materials newly replaced by a commitment (GD Art 27), if any.
fn commitment(mut case: Case, before: &[String], ctx: &IntakeCtx<'_>) -> Option<CaseEvent> {
    let new = committed(&case).iter().any(|m| !before.contains(m));
    if !new {
        return None;
    }
    let document = issue(DocumentKind::Commitment, &case, ctx);
    case.documents.push(document.clone());
    Some(CaseEvent::CommitmentRecorded {
        case: Box::new(case),
        document: Box::new(document),
    })
}

/// Materials found missing or nonconforming (a material not yet checked is no finding).
fn deficient(case: &Case) -> Vec<String> {
    case.materials
        .iter()
        .filter(|m| {
            matches!(
                m.status,
                MaterialStatus::Missing | MaterialStatus::Nonconforming
            )
        })
        .map(|m| format!("{} {}", m.id, m.name))
        .collect()
}

/// Acceptance needs no deficiency; completion also nothing still to follow.
fn require_complete(case: &Case, nothing_owed: bool) -> Result<(), IntakeError> {
    let missing: Vec<String> = case
        .materials
        .iter()
        .filter(|m| m.is_deficient() || (nothing_owed && m.status == MaterialStatus::Tolerated))
        .map(|m| format!("{} {}", m.id, m.name))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IntakeError::MaterialsIncomplete { missing })
    }
}

/// Issues the document, files it on the case and wraps both in the matching event.
pub(super) fn with_document(kind: DocumentKind, mut case: Case, ctx: &IntakeCtx<'_>) -> CaseEvent {
    let document = issue(kind, &case, ctx);
    case.documents.push(document.clone());
    let (case, document) = (Box::new(case), Box::new(document));
    match kind {
        DocumentKind::CorrectionNotice => CaseEvent::NoticeIssued { case, document },
        DocumentKind::Rejection => CaseEvent::CaseRejected { case, document },
        DocumentKind::Refusal => CaseEvent::CaseRefused { case, document },
        DocumentKind::Completion => CaseEvent::CaseCompleted { case, document },
        // Only the kinds above come through here.
        _ => CaseEvent::CaseAccepted { case, document },
    }
}

pub(super) fn non_empty(s: &str, what: &str) -> Result<String, IntakeError> {
    let t = s.trim();
    if t.is_empty() {
        Err(IntakeError::BadRequest(format!(
            "{what} 不能为空 / must not be empty"
        )))
    } else {
        Ok(t.to_owned())
    }
}

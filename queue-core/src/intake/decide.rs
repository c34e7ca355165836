//! `decide` and `tick`: the rules, as pure functions of the projection and the context.

use chrono::NaiveDate;

use super::case::{
    Action, Agent, ApplicantKind, Case, CaseState, Extension, MaterialLine, MaterialStatus, Notice,
    Terms,
};
use super::command::{CaseCommand, DecideCase, Decision, ExtendCase, OpenCase, RecordMaterials};
use super::error::IntakeError;
use super::event::CaseEvent;
use super::materials::{record, Mode};
use super::receipt::issue;
use super::{format_serial, Cases, IntakeCtx};
use crate::document::DocumentKind;
use crate::ids;

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
        }
    }

    /// Events caused by time alone: a deferred notice not given by its due date makes the case
    /// accepted as of the day the materials were received (GD 19(3)).
    #[must_use]
    pub fn tick(&self, ctx: &IntakeCtx<'_>) -> Vec<CaseEvent> {
        let today = ctx.today();
        self.iter()
            .filter(|c| is_overdue_notice(c, today))
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
    fn live_case(&self, id: &str, ctx: &IntakeCtx<'_>) -> Result<Case, IntakeError> {
        let case = self
            .get(id.trim())
            .ok_or_else(|| IntakeError::CaseNotFound(id.into()))?;
        if is_overdue_notice(case, ctx.today()) {
            return Err(IntakeError::NoticeTooLate {
                case: case.id.clone(),
            });
        }
        Ok(case.clone())
    }

    fn open(&self, c: &OpenCase, ctx: &IntakeCtx<'_>) -> Result<Vec<CaseEvent>, IntakeError> {
        let item = ctx
            .hall
            .item(c.item.trim())
            .ok_or_else(|| IntakeError::ItemNotFound(c.item.clone()))?;
        let mut applicant = c.applicant.clone();
        applicant.name = non_empty(&applicant.name, "申请人姓名或名称 / applicant name")?;
        let (id_number, id_override) =
            check_applicant_id(applicant.kind, &applicant.id_number, c.id_override)?;
        applicant.id_number = id_number;
        if applicant.kind == ApplicantKind::Organisation && applicant.identity_checked.is_some() {
            return Err(IntakeError::InvalidId {
                who: "申请人",
                who_en: "applicant",
                reason: "单位不能以身份证核验 / an organisation is not checked by ID card".into(),
            });
        }
        let agent = match &c.agent {
            None => None,
            Some(_) if item.personal_attendance => {
                return Err(IntakeError::AgentNotAllowed {
                    item: item.code.clone(),
                })
            }
            Some(a) => Some(check_agent(a)?),
        };
        let today = ctx.today();
        let sequence = self.next_sequence(today);
        let serial = format_serial(&ctx.hall.centre.code, today, sequence);
        if self.get(&serial).is_some() {
            // Cannot happen while sequences come only from replayed events; refuse rather than
            // overwrite a case if the log was ever tampered with.
            return Err(IntakeError::BadRequest(format!(
                "流水号 {serial} 已存在 / serial {serial} already exists"
            )));
        }
        let case = Case {
            id: serial.clone(),
            serial,
            item: item.code.clone(),
            item_name: item.name.clone(),
            state: CaseState::Open,
            received_on: today,
            notice_due_on: None,
            accepted_on: None,
            completed_on: None,
            due_on: None,
            due_provisional: false,
            applicant,
            id_override,
            agent,
            ticket: c
                .ticket
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            window: ctx.window,
            terms: Terms {
                department: item.department.clone(),
                legal_basis: item.legal_basis.clone(),
                legal_days: item.legal_days,
                committed_days: item.committed_days,
                on_the_spot: item.on_the_spot,
                tolerance_days: item.tolerance_days,
            },
            materials: item
                .materials
                .iter()
                .map(|m| MaterialLine {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    required: m.required,
                    tolerable: m.tolerable,
                    commitment: m.commitment,
                    shared_data: m.shared_data,
                    status: if m.shared_data {
                        MaterialStatus::Shared
                    } else {
                        MaterialStatus::Pending
                    },
                    note: None,
                    owed_by: None,
                })
                .collect(),
            notice: None,
            extensions: Vec::new(),
            reasons: Vec::new(),
            documents: Vec::new(),
        };
        Ok(vec![CaseEvent::CaseOpened {
            case: Box::new(case),
            sequence,
        }])
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
        record(&mut case, &c.materials, &mode)?;
        Ok(vec![CaseEvent::MaterialsRecorded {
            case: Box::new(case),
        }])
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
        record(&mut case, &c.materials, &Mode::Supplement(&notice))?;
        let mut events = vec![CaseEvent::MaterialsRecorded {
            case: Box::new(case.clone()),
        }];
        // Supplemented as the notice asked: acceptance is owed, not discretionary (GD 19(3)).
        if case.deficiencies().is_empty() {
            accept(&mut case, ctx.today(), ctx, CaseState::Accepted);
            events.push(with_document(DocumentKind::Acceptance, case, ctx));
        }
        Ok(events)
    }

    fn extend(&self, c: &ExtendCase, ctx: &IntakeCtx<'_>) -> Result<Vec<CaseEvent>, IntakeError> {
        let mut case = self.live_case(&c.case, ctx)?;
        case.state.check(Action::Extend, &case.id)?;
        let reason = non_empty(&c.reason, "延期理由 / reason for the extension")?;
        if c.days == 0 {
            return Err(IntakeError::BadRequest(
                "延期天数须大于 0 / days must be at least 1".into(),
            ));
        }
        let extended: u32 = case.extensions.iter().map(|e| e.days).sum();
        let would_be = case
            .terms
            .committed_days
            .saturating_add(extended)
            .saturating_add(c.days);
        if would_be > case.terms.legal_days {
            return Err(IntakeError::BeyondLegalLimit {
                would_be,
                legal_days: case.terms.legal_days,
            });
        }
        let from = case.accepted_on.unwrap_or(case.received_on);
        let due = ctx.calendar.add_working_days(from, would_be);
        case.due_on = Some(due.value);
        case.due_provisional = due.provisional;
        let extension = Extension {
            on: ctx.today(),
            days: c.days,
            reason,
            due_on: due.value,
        };
        case.extensions.push(extension.clone());
        Ok(vec![CaseEvent::CaseExtended {
            case: Box::new(case),
            extension,
        }])
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
                let due = ctx
                    .calendar
                    .add_working_days(case.received_on, NOTICE_WORKING_DAYS);
                case.notice_due_on = Some(due.value);
                case.state = CaseState::NoticeDue;
                Ok(vec![CaseEvent::NoticeDeferred {
                    case: Box::new(case),
                }])
            }
            Decision::Reject => {
                case.state.check(Action::Reject, &case.id)?;
                let reasons: Vec<String> = c
                    .reasons
                    .iter()
                    .flatten()
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .collect();
                if reasons.is_empty() {
                    return Err(IntakeError::BadRequest(
                        "不予受理须说明理由 / a rejection must state its reasons (GD Art 21)"
                            .into(),
                    ));
                }
                case.reasons = reasons;
                case.state = CaseState::Rejected;
                Ok(vec![with_document(DocumentKind::Rejection, case, ctx)])
            }
            Decision::Complete => {
                case.state.check(Action::Complete, &case.id)?;
                // From `open` only on-the-spot items finish at the counter; an accepted case
                // is finished once the department is done with it.
                if !case.state.is_accepted() && !case.terms.on_the_spot {
                    return Err(IntakeError::NotOnTheSpot {
                        item: case.item.clone(),
                    });
                }
                require_complete(&case, true)?;
                case.state = CaseState::Completed;
                case.completed_on = Some(today);
                Ok(vec![with_document(DocumentKind::Completion, case, ctx)])
            }
        }
    }
}

fn is_overdue_notice(case: &Case, today: NaiveDate) -> bool {
    case.state == CaseState::NoticeDue && case.notice_due_on.is_some_and(|d| today > d)
}

/// Sets acceptance, the committed deadline and the dates tolerated materials are owed by.
fn accept(case: &mut Case, on: NaiveDate, ctx: &IntakeCtx<'_>, state: CaseState) {
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

/// Acceptance needs no deficiency; completion on the spot also nothing still to follow.
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
fn with_document(kind: DocumentKind, mut case: Case, ctx: &IntakeCtx<'_>) -> CaseEvent {
    let document = issue(kind, &case, ctx);
    case.documents.push(document.clone());
    let (case, document) = (Box::new(case), Box::new(document));
    match kind {
        DocumentKind::Acceptance => CaseEvent::CaseAccepted { case, document },
        DocumentKind::CorrectionNotice => CaseEvent::NoticeIssued { case, document },
        DocumentKind::Rejection => CaseEvent::CaseRejected { case, document },
        DocumentKind::Completion => CaseEvent::CaseCompleted { case, document },
    }
}

fn non_empty(s: &str, what: &str) -> Result<String, IntakeError> {
    let t = s.trim();
    if t.is_empty() {
        Err(IntakeError::BadRequest(format!(
            "{what} 不能为空 / must not be empty"
        )))
    } else {
        Ok(t.to_owned())
    }
}

/// Validates the applicant's ID; returns its normalised form and whether a staff override of
/// a credit-code check character was needed (recorded on the case).
fn check_applicant_id(
    kind: ApplicantKind,
    id: &str,
    override_requested: bool,
) -> Result<(String, bool), IntakeError> {
    let result = match kind {
        ApplicantKind::Person => ids::parse_resident_id(id),
        ApplicantKind::Organisation => ids::parse_uscc(id),
    };
    match result {
        Ok(v) => Ok((v.normalized, false)),
        // Some really issued codes fail the check: staff may override, and it is recorded.
        Err(e) if e.is_overridable() && override_requested => match e.into_overridden() {
            Some(v) => Ok((v.normalized, true)),
            None => Err(IntakeError::InvalidId {
                who: "申请人",
                who_en: "applicant",
                reason: "override not applicable".into(),
            }),
        },
        Err(e) => Err(IntakeError::InvalidId {
            who: "申请人",
            who_en: "applicant",
            reason: if e.is_overridable() {
                format!("{e}（工作人员核实后可确认 / staff may override after checking）")
            } else {
                e.to_string()
            },
        }),
    }
}

fn check_agent(a: &Agent) -> Result<Agent, IntakeError> {
    let name = non_empty(&a.name, "代理人姓名 / agent name")?;
    let id = ids::parse_resident_id(&a.id_number).map_err(|e| IntakeError::InvalidId {
        who: "代理人",
        who_en: "agent",
        reason: e.to_string(),
    })?;
    Ok(Agent {
        name,
        id_number: id.normalized,
        authorisation: a.authorisation,
        identity_checked: a.identity_checked,
    })
}

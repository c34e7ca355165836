//! `case_open`: checking the applicant and agent, copying the item's (or bundle's) terms onto
//! the case, and starting the five-working-day clock from receipt (GD 19(3)).

use super::case::{
    Agent, ApplicantKind, BundleItem, BundleTerms, Case, CaseState, Delivery, MaterialLine,
    MaterialStatus, Terms,
};
use super::command::OpenCase;
use super::decide::{non_empty, NOTICE_WORKING_DAYS};
use super::error::IntakeError;
use super::event::CaseEvent;
use super::{format_serial, Cases, IntakeCtx};
use crate::catalogue::{Bundle, Item};
use crate::config::HallConfig;
use crate::ids::{self, PersonIdKind};

impl Cases {
    pub(super) fn open(
        &self,
        c: &OpenCase,
        ctx: &IntakeCtx<'_>,
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        let code = c.item.trim();
        let (items, bundle): (Vec<&Item>, Option<&Bundle>) = match ctx.hall.item(code) {
            Some(item) => (vec![item], None),
            None => {
                let b = ctx
                    .hall
                    .bundle(code)
                    .ok_or_else(|| IntakeError::ItemNotFound(c.item.clone()))?;
                (
                    b.items.iter().filter_map(|i| ctx.hall.item(i)).collect(),
                    Some(b),
                )
            }
        };
        let mobile = crate::ids::parse_optional_mobile(c.mobile.as_deref())?;
        let mut applicant = c.applicant.clone();
        applicant.name = non_empty(&applicant.name, "申请人姓名或名称 / applicant name")?;
        let (id_number, id_override) = check_applicant_id(
            applicant.kind,
            applicant.id_kind,
            &applicant.id_number,
            c.id_override,
        )?;
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
            Some(_) if items.iter().any(|i| i.personal_attendance) => {
                return Err(IntakeError::AgentNotAllowed {
                    item: code.to_owned(),
                })
            }
            Some(a) => Some(check_agent(a)?),
        };
        let delivery_address = c
            .delivery_address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        if c.delivery == Delivery::Post && delivery_address.is_none() {
            return Err(IntakeError::BadRequest(
                "邮寄送达须填写邮寄地址 / post delivery needs `delivery_address`".into(),
            ));
        }
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
        // The clock runs from receipt, whatever staff do next (GD 19(3)).
        let notice_due = ctx.calendar.add_working_days(today, NOTICE_WORKING_DAYS);
        let (item_code, item_name, terms, bundle_terms) = match bundle {
            None => {
                let it = items[0];
                (it.code.clone(), it.name.clone(), terms(ctx.hall, it), None)
            }
            Some(b) => (
                b.code.clone(),
                b.name.clone(),
                bundle_terms_of(ctx.hall, b, &items),
                Some(BundleTerms {
                    code: b.code.clone(),
                    lead_department: b.lead_department.clone(),
                    sequential: b.mode == crate::catalogue::BundleMode::Sequential,
                    items: items
                        .iter()
                        .map(|i| BundleItem {
                            code: i.code.clone(),
                            name: i.name.clone(),
                            department: i.department.clone(),
                            legal_days: i.legal_days,
                            committed_days: i.committed_days,
                        })
                        .collect(),
                }),
            ),
        };
        let case = Case {
            id: serial.clone(),
            serial,
            item: item_code,
            item_name,
            state: CaseState::Open,
            received_on: today,
            notice_due_on: Some(notice_due.value),
            notice_due_provisional: notice_due.provisional,
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
            terms,
            materials: materials(&items, bundle.is_some()),
            notice: None,
            extensions: Vec::new(),
            reasons: Vec::new(),
            documents: Vec::new(),
            completed_on_the_spot: false,
            pauses: Vec::new(),
            delivery: c.delivery,
            delivery_address,
            collected_on: None,
            reject_code: None,
            bundle: bundle_terms,
            mobile,
        };
        Ok(vec![CaseEvent::CaseOpened {
            case: Box::new(case),
            sequence,
        }])
    }
}

/// The item's terms, with its department's 复议机关 and seal (the centre's when not listed).
fn terms(hall: &HallConfig, it: &Item) -> Terms {
    let dept = hall.department(&it.department);
    Terms {
        department: it.department.clone(),
        legal_basis: it.legal_basis.clone(),
        legal_days: it.legal_days,
        committed_days: it.committed_days,
        on_the_spot: it.on_the_spot,
        tolerance_days: it.tolerance_days,
        reconsideration_body: dept.map_or_else(
            || hall.centre.reconsideration_body.clone(),
            |d| d.reconsideration_body.clone(),
        ),
        seal: dept.map_or_else(|| hall.centre.seal.clone(), |d| d.seal.clone()),
        statutory_extra_days: it.statutory_extra_days,
    }
}

/// A bundle decided by its lead department: limits by the sum (sequential) or longest
/// (parallel) rule (GZ Art 13); nothing in it is finished on the spot.
fn bundle_terms_of(hall: &HallConfig, b: &Bundle, items: &[&Item]) -> Terms {
    let lead = items
        .iter()
        .find(|i| i.department == b.lead_department)
        .unwrap_or(&items[0]);
    let mut t = terms(hall, lead);
    t.legal_basis = items
        .iter()
        .map(|i| i.legal_basis.as_str())
        .collect::<Vec<_>>()
        .join("；");
    t.legal_days = b.combine(items.iter().map(|i| i.legal_days));
    t.committed_days = b.combine(items.iter().map(|i| i.committed_days));
    t.statutory_extra_days = b.combine(items.iter().map(|i| i.statutory_extra_days));
    t.tolerance_days = items.iter().map(|i| i.tolerance_days).min().unwrap_or(0);
    t.on_the_spot = false;
    t
}

/// The checklist; in a bundle every material id is prefixed with its item (`QY001/M1`).
fn materials(items: &[&Item], prefixed: bool) -> Vec<MaterialLine> {
    items
        .iter()
        .flat_map(|it| {
            it.materials.iter().map(move |m| MaterialLine {
                id: if prefixed {
                    format!("{}/{}", it.code, m.id)
                } else {
                    m.id.clone()
                },
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
        })
        .collect()
}

/// Validates the applicant's ID; returns its normalised form and whether a staff override of
/// a credit-code check character was needed (recorded on the case).
fn check_applicant_id(
    kind: ApplicantKind,
    id_kind: PersonIdKind,
    id: &str,
    override_requested: bool,
) -> Result<(String, bool), IntakeError> {
    let invalid = |reason: String| IntakeError::InvalidId {
        who: "申请人",
        who_en: "applicant",
        reason,
    };
    if kind == ApplicantKind::Person {
        return ids::parse_person_id(id_kind, id)
            .map(|n| (n, false))
            .map_err(|e| invalid(format!("{}: {e}", id_kind.label_zh())));
    }
    match ids::parse_uscc(id) {
        Ok(v) => Ok((v.normalized, false)),
        // Some really issued codes fail the check: staff may override, and it is recorded.
        Err(e) if e.is_overridable() && override_requested => match e.into_overridden() {
            Some(v) => Ok((v.normalized, true)),
            None => Err(invalid("override not applicable".into())),
        },
        Err(e) => Err(invalid(if e.is_overridable() {
            format!("{e}（工作人员核实后可确认 / staff may override after checking）")
        } else {
            e.to_string()
        })),
    }
}

fn check_agent(a: &Agent) -> Result<Agent, IntakeError> {
    let name = non_empty(&a.name, "代理人姓名 / agent name")?;
    let id = ids::parse_person_id(a.id_kind, &a.id_number).map_err(|e| IntakeError::InvalidId {
        who: "代理人",
        who_en: "agent",
        reason: format!("{}: {e}", a.id_kind.label_zh()),
    })?;
    Ok(Agent {
        name,
        id_number: id,
        id_kind: a.id_kind,
        authorisation: a.authorisation,
        identity_checked: a.identity_checked,
    })
}

//! Issuing a document for a case: the structured body, the seal, the date and the signed
//! verification string (GD 19(4), Art 21).

use super::case::{ApplicantKind, Case, CaseState};
use super::statement::statement;
use super::IntakeCtx;
use crate::document::{
    body_digest, sign_fields, AgentRef, AppealRoutes, Document, DocumentBody, DocumentKind,
    ItemRef, MaterialEntry, PartyRef, VerifiedFields,
};
use crate::ids::mask_person_id;

/// Days to apply for administrative reconsideration (行政复议法 Art 20).
pub const RECONSIDERATION_DAYS: u32 = 60;
/// Months to bring administrative litigation (行政诉讼法 Art 46).
pub const LITIGATION_MONTHS: u32 = 6;

/// Builds and signs the document of `kind` for the case as it stands after the change.
pub(crate) fn issue(kind: DocumentKind, case: &Case, ctx: &IntakeCtx<'_>) -> Document {
    let centre = &ctx.hall.centre;
    let applicant_kind = case.applicant.id_kind;
    let body = DocumentBody {
        applicant: PartyRef {
            kind: case.applicant.kind,
            name: case.applicant.name.clone(),
            id_masked: mask_person_id(applicant_kind, &case.applicant.id_number),
            identity_checked: case.applicant.identity_checked,
        },
        agent: case.agent.as_ref().map(|a| AgentRef {
            name: a.name.clone(),
            id_masked: mask_person_id(a.id_kind, &a.id_number),
            authorisation: a.authorisation,
            identity_checked: a.identity_checked,
        }),
        item: ItemRef {
            code: case.item.clone(),
            name: case.item_name.clone(),
            department: case.terms.department.clone(),
            legal_basis: case.terms.legal_basis.clone(),
            legal_days: case.terms.legal_days,
            committed_days: case.terms.committed_days,
        },
        received_on: case.received_on,
        accepted_on: case.accepted_on,
        deemed: case.state == CaseState::DeemedAccepted,
        materials: case
            .materials
            .iter()
            .map(|m| MaterialEntry {
                id: m.id.clone(),
                name: m.name.clone(),
                required: m.required,
                status: m.status,
                note: m.note.clone(),
                owed_by: m.owed_by,
            })
            .collect(),
        deficiencies: match kind {
            DocumentKind::CorrectionNotice => case
                .notice
                .as_ref()
                .map(|n| n.deficiencies.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        due_on: due_on(kind, case),
        due_provisional: match kind {
            DocumentKind::ApplicationReceipt => case.notice_due_provisional,
            _ => due_on(kind, case).is_some() && case.due_provisional,
        },
        reasons: match kind {
            DocumentKind::Rejection | DocumentKind::Refusal => case.reasons.clone(),
            DocumentKind::ExtensionNotice => case
                .extensions
                .last()
                .map(|e| vec![e.reason.clone()])
                .unwrap_or_default(),
            DocumentKind::SpecialProcedureNotice => case
                .pauses
                .last()
                .map(|p| vec![p.reason.clone()])
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        appeal: matches!(kind, DocumentKind::Rejection | DocumentKind::Refusal)
            .then(|| appeal_routes(case, ctx)),
        statement: statement(kind, case),
        query_hint: centre.query_hint.clone(),
        window: case.window,
        notice_due_on: (kind == DocumentKind::ApplicationReceipt)
            .then_some(case.notice_due_on)
            .flatten(),
        id_kind: if case.applicant.kind == ApplicantKind::Person
            && applicant_kind != crate::ids::PersonIdKind::Resident
        {
            applicant_kind.label_zh().to_owned()
        } else {
            String::new()
        },
        delivery: delivery_text(case, ctx),
        bundle_items: case
            .bundle
            .iter()
            .flat_map(|b| &b.items)
            .map(|i| ItemRef {
                code: i.code.clone(),
                name: i.name.clone(),
                department: i.department.clone(),
                legal_basis: String::new(),
                legal_days: i.legal_days,
                committed_days: i.committed_days,
            })
            .collect(),
        on_the_spot: kind == DocumentKind::Completion && case.completed_on_the_spot,
        code: match kind {
            DocumentKind::Rejection => case
                .reject_code
                .and_then(|c| serde_json::to_value(c).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            DocumentKind::SpecialProcedureNotice => case
                .pauses
                .last()
                .and_then(|p| serde_json::to_value(p.procedure).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            _ => String::new(),
        },
    };
    let issued_at = ctx.local_now();
    let issued_on = issued_at.date_naive();
    let fields = VerifiedFields {
        kind,
        serial: case.serial.clone(),
        centre: centre.code.clone(),
        issued_on,
        item: case.item.clone(),
        id_masked: body.applicant.id_masked.clone(),
        due_on: body.due_on,
        digest: body_digest(&body),
    };
    // The receipt for materials is the centre's; decisions bear the deciding department's seal.
    let seal = if kind == DocumentKind::ApplicationReceipt || case.terms.seal.is_empty() {
        centre.seal.clone()
    } else {
        case.terms.seal.clone()
    };
    Document {
        kind,
        serial: case.serial.clone(),
        issued_at,
        issued_on,
        seal,
        centre: centre.name.clone(),
        title: kind.title_zh().to_owned(),
        body,
        verification: sign_fields(&fields, ctx.signer),
    }
}

/// Acceptances and extension notices name the completion deadline.
fn due_on(kind: DocumentKind, case: &Case) -> Option<chrono::NaiveDate> {
    matches!(
        kind,
        DocumentKind::Acceptance | DocumentKind::ExtensionNotice
    )
    .then_some(case.due_on)
    .flatten()
}

/// Where and how the result reaches the applicant (GD Art 22; PY Art 11 handling address).
fn delivery_text(case: &Case, ctx: &IntakeCtx<'_>) -> String {
    use super::case::Delivery;
    match case.delivery {
        Delivery::Collection => format!(
            "{}：{}{}",
            case.delivery.label_zh(),
            ctx.hall.centre.name,
            case.window
                .map(|w| format!("{w}号窗口"))
                .unwrap_or_default()
        ),
        Delivery::Post => format!(
            "{}：{}",
            case.delivery.label_zh(),
            case.delivery_address.as_deref().unwrap_or_default()
        ),
        Delivery::Electronic => format!("{}：粤省事／广东政务服务网", case.delivery.label_zh()),
    }
}

/// The routes of GD Art 21; reconsideration by the deciding department's 复议机关.
fn appeal_routes(case: &Case, ctx: &IntakeCtx<'_>) -> AppealRoutes {
    let c = &ctx.hall.centre;
    let complaint_to = ctx.hall.complaint_route();
    let reconsideration_body = if case.terms.reconsideration_body.is_empty() {
        c.reconsideration_body.clone()
    } else {
        case.terms.reconsideration_body.clone()
    };
    let text = format!(
        "如对本决定不服，可以向{}投诉；可以自收到本决定书之日起{}日内向{}申请行政复议，\
         或者自收到本决定书之日起{}个月内向{}提起行政诉讼。",
        complaint_to,
        RECONSIDERATION_DAYS,
        reconsideration_body,
        LITIGATION_MONTHS,
        c.litigation_court
    );
    AppealRoutes {
        complaint_to,
        reconsideration_body,
        reconsideration_days: RECONSIDERATION_DAYS,
        litigation_court: c.litigation_court.clone(),
        litigation_months: LITIGATION_MONTHS,
        text,
    }
}

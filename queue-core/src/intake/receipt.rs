//! Issuing a document for a case: the structured body, the seal, the date and the signed
//! verification string (GD 19(4), Art 21).

use std::fmt::Write as _;

use super::case::{Case, MaterialStatus};
use super::IntakeCtx;
use crate::document::{
    body_digest, sign_fields, AgentRef, AppealRoutes, Document, DocumentBody, DocumentKind,
    ItemRef, MaterialEntry, PartyRef, VerifiedFields,
};
use crate::ids::mask;

/// Days to apply for administrative reconsideration (行政复议法 Art 20).
pub const RECONSIDERATION_DAYS: u32 = 60;
/// Months to bring administrative litigation (行政诉讼法 Art 46).
pub const LITIGATION_MONTHS: u32 = 6;

/// Builds and signs the document of `kind` for the case as it stands after the change.
pub(crate) fn issue(kind: DocumentKind, case: &Case, ctx: &IntakeCtx<'_>) -> Document {
    let centre = &ctx.hall.centre;
    let body = DocumentBody {
        applicant: PartyRef {
            kind: case.applicant.kind,
            name: case.applicant.name.clone(),
            id_masked: mask(&case.applicant.id_number),
            identity_checked: case.applicant.identity_checked,
        },
        agent: case.agent.as_ref().map(|a| AgentRef {
            name: a.name.clone(),
            id_masked: mask(&a.id_number),
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
        deemed: case.state == super::CaseState::DeemedAccepted,
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
        due_provisional: due_on(kind, case).is_some() && case.due_provisional,
        reasons: case.reasons.clone(),
        appeal: (kind == DocumentKind::Rejection).then(|| appeal_routes(ctx)),
        statement: statement(kind, case),
        query_hint: centre.query_hint.clone(),
        window: case.window,
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
    Document {
        kind,
        serial: case.serial.clone(),
        issued_at,
        issued_on,
        seal: centre.seal.clone(),
        centre: centre.name.clone(),
        title: kind.title_zh().to_owned(),
        body,
        verification: sign_fields(&fields, ctx.signer),
    }
}

/// Only an acceptance names a completion deadline.
fn due_on(kind: DocumentKind, case: &Case) -> Option<chrono::NaiveDate> {
    (kind == DocumentKind::Acceptance)
        .then_some(case.due_on)
        .flatten()
}

fn appeal_routes(ctx: &IntakeCtx<'_>) -> AppealRoutes {
    let c = &ctx.hall.centre;
    let text = format!(
        "如对本决定不服，可以向{}投诉；可以自收到本决定书之日起{}日内向{}申请行政复议，\
         或者自收到本决定书之日起{}个月内向{}提起行政诉讼。",
        c.complaint_to,
        RECONSIDERATION_DAYS,
        c.reconsideration_body,
        LITIGATION_MONTHS,
        c.litigation_court
    );
    AppealRoutes {
        complaint_to: c.complaint_to.clone(),
        reconsideration_body: c.reconsideration_body.clone(),
        reconsideration_days: RECONSIDERATION_DAYS,
        litigation_court: c.litigation_court.clone(),
        litigation_months: LITIGATION_MONTHS,
        text,
    }
}

fn statement(kind: DocumentKind, case: &Case) -> String {
    let item = &case.item_name;
    match kind {
        DocumentKind::Acceptance => {
            let mut s = if case.state == super::CaseState::DeemedAccepted {
                format!(
                    "本机关未在收到申请材料之日起五个工作日内一次性告知需要补正的材料，依照《广东省政务服务数字化条例》\
                     第十九条第（三）项，您申请的“{item}”自收到申请材料之日（{}）起即为受理。",
                    case.received_on
                )
            } else {
                format!("经审查，您申请的“{item}”申请材料齐全、符合法定形式，本机关决定予以受理。")
            };
            if let Some(due) = case.due_on {
                let days =
                    case.terms.committed_days + case.extensions.iter().map(|e| e.days).sum::<u32>();
                let _ = write!(s, "承诺于{due}前办结（自受理之日起{days}个工作日");
                s.push_str(if case.extensions.is_empty() { "）。" } else { "，含延期）。" });
            }
            for m in case.materials.iter().filter(|m| m.status == MaterialStatus::Tolerated) {
                if let Some(by) = m.owed_by {
                    let _ = write!(s, "容缺材料“{}”请于{by}前补交。", m.name);
                }
            }
            s
        }
        DocumentKind::CorrectionNotice => format!(
            "您申请的“{item}”申请材料不齐全或者不符合法定形式。依照《广东省政务服务数字化条例》第十九条第（三）项，\
             现一次性告知需要补正的全部材料如下。按本通知补正且符合要求的，本机关予以受理，不再提出本通知以外的补正要求。"
        ),
        DocumentKind::Rejection => format!(
            "经审查，您申请的“{item}”不予受理，理由如下。"
        ),
        DocumentKind::Completion => format!("您申请的“{item}”已当场办结。"),
    }
}

//! Scenario tests of the intake rules after the materials check: the one-time notice,
//! supplements, deadlines and deemed acceptance, rejection and extension (GD Art 19–21).
#![allow(clippy::unwrap_used)]

mod common;

use common::desk::*;
use queue_core::document::DocumentKind;
use queue_core::intake::{CaseState, DueKind, IntakeError, MaterialStatus};
use serde_json::{json, Value};

fn bdc002_with_gaps(h: &mut Desk) -> String {
    let id = h.open("BDC002");
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "nonconforming:身份证复印件不清晰"),
            ("M3", "missing"),
            ("M5", "submitted"),
            ("M6", "committed"),
        ],
    )
    .unwrap();
    id
}

#[test]
fn the_notice_lists_every_deficiency_once() {
    let mut h = Desk::new("2026-03-02");
    let id = bdc002_with_gaps(&mut h);
    let evs = h.decide(&id, "notice").unwrap();
    assert_eq!(kinds(&evs), ["notice_issued"]);
    let doc = evs[0].document().unwrap();
    assert_eq!(doc.kind, DocumentKind::CorrectionNotice);
    assert_eq!(doc.title, "补正材料通知书");
    let listed: Vec<_> = doc
        .body
        .deficiencies
        .iter()
        .map(|x| (x.material.as_str(), x.status, x.note.as_deref()))
        .collect();
    // M4 was never checked: it is missing too, and listed.
    assert_eq!(
        listed,
        [
            (
                "M2",
                MaterialStatus::Nonconforming,
                Some("身份证复印件不清晰")
            ),
            ("M3", MaterialStatus::Missing, None),
            ("M4", MaterialStatus::Missing, None),
        ]
    );
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::NoticeIssued);
    assert_eq!(
        c.notice.as_ref().unwrap().deficiencies,
        doc.body.deficiencies
    );
    assert_eq!(h.status(&id, "M4"), MaterialStatus::Missing);
    assert_eq!(doc.body.due_on, None);
}

#[test]
fn a_notice_needs_something_to_correct() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    h.mats(&id, &QY001_ALL).unwrap();
    assert_eq!(
        h.decide(&id, "notice").unwrap_err(),
        IntakeError::NothingToCorrect
    );
}

#[test]
fn one_time_rule_second_notice_and_new_requirements_are_refused() {
    let mut h = Desk::new("2026-03-02");
    let id = bdc002_with_gaps(&mut h);
    h.decide(&id, "notice").unwrap();
    assert_eq!(
        h.decide(&id, "notice").unwrap_err().code(),
        "one_time_notice_violation"
    );
    let sup =
        |m: &[(&str, &str)]| json!({"kind":"case_supplement","case":id,"materials":reports(m)});
    // Not on the notice: touching it at all raises a new matter.
    assert_eq!(
        h.code(sup(&[("M5", "missing")])),
        "one_time_notice_violation"
    );
    assert_eq!(
        h.code(sup(&[("M1", "nonconforming:签名缺失")])),
        "one_time_notice_violation"
    );
    assert_eq!(
        h.code(sup(&[("M1", "submitted")])),
        "one_time_notice_violation"
    );
    // Mixed with legitimate lines, the whole batch is refused.
    assert_eq!(
        h.code(sup(&[("M3", "submitted"), ("M6", "missing")])),
        "one_time_notice_violation"
    );
    assert_eq!(h.status(&id, "M3"), MaterialStatus::Missing);
    // Materials can no longer be recorded outside the supplement route, and accept needs it.
    assert_eq!(
        h.code(json!({"kind":"case_materials","case":id,"materials":reports(&[("M5","missing")])})),
        "conflict"
    );
    assert_eq!(h.decide(&id, "accept").unwrap_err().code(), "conflict");
    // The catalogue limits still apply inside the supplement: M3 is not tolerable.
    assert_eq!(h.code(sup(&[("M3", "tolerated")])), "forbidden");
}

#[test]
fn full_supplement_forces_acceptance_dated_the_supplement_day() {
    let mut h = Desk::new("2026-03-02");
    let id = bdc002_with_gaps(&mut h);
    h.decide(&id, "notice").unwrap();

    h.at("2026-03-04");
    let evs = h
        .supplement(&id, &[("M2", "submitted"), ("M3", "submitted")])
        .unwrap();
    assert_eq!(kinds(&evs), ["materials_recorded"]);
    assert_eq!(h.case(&id).state, CaseState::NoticeIssued);

    h.at("2026-03-06");
    let evs = h.supplement(&id, &[("M4", "submitted")]).unwrap();
    assert_eq!(kinds(&evs), ["materials_recorded", "case_accepted"]);
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::Accepted);
    assert_eq!(c.accepted_on, Some(d("2026-03-06")));
    // Friday + 5 working days.
    assert_eq!(c.due_on, Some(d("2026-03-13")));
    let doc = evs[1].document().unwrap();
    assert_eq!(
        (doc.kind, doc.issued_on),
        (DocumentKind::Acceptance, d("2026-03-06"))
    );
    assert_eq!(
        c.documents.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [
            DocumentKind::Commitment,
            DocumentKind::CorrectionNotice,
            DocumentKind::Acceptance
        ],
        "承诺书 for M6, notice and receipt"
    );
}

#[test]
fn supplement_may_use_tolerance_where_allowed() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
            ("M4", "submitted"),
            ("M5", "missing"),
            ("M6", "submitted"),
        ],
    )
    .unwrap();
    h.decide(&id, "notice").unwrap();
    let evs = h.supplement(&id, &[("M5", "tolerated")]).unwrap();
    assert_eq!(kinds(&evs), ["materials_recorded", "case_accepted"]);
    assert_eq!(
        h.case(&id).material("M5").unwrap().owed_by,
        Some(d("2026-03-09"))
    );
}

#[test]
fn supplement_is_only_for_a_case_with_a_notice() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    assert_eq!(
        h.supplement(&id, &[("M1", "submitted")])
            .unwrap_err()
            .code(),
        "conflict"
    );
}

// ---------------------------------------------------------------------- deferred notice

#[test]
fn deferred_notice_is_due_five_working_days_after_receipt_across_national_day() {
    let mut h = Desk::new("2026-09-30");
    let id = bdc002_with_gaps(&mut h);
    let evs = h.decide(&id, "defer_notice").unwrap();
    assert_eq!(kinds(&evs), ["notice_deferred"]);
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::NoticeDue);
    assert_eq!(c.notice_due_on, Some(d("2026-10-13")));
    // The 收件回执: dated proof of receipt naming the notice deadline (PY Art 11, GD 19(4)).
    let receipt = evs[0].document().unwrap();
    assert_eq!(
        (receipt.kind, receipt.title.as_str(), receipt.issued_on),
        (
            DocumentKind::ApplicationReceipt,
            "收件回执",
            d("2026-09-30")
        )
    );
    assert_eq!(receipt.body.notice_due_on, Some(d("2026-10-13")));
    assert_eq!(receipt.body.received_on, d("2026-09-30"));
    assert_eq!(receipt.body.materials.len(), 6);
    assert!(
        receipt.body.statement.contains("5个工作日内"),
        "{}",
        receipt.body.statement
    );

    // Alerts the day before and on the day.
    let due = h.cases.due_soon(d("2026-10-12"), &h.cal);
    assert_eq!(
        (due.len(), due[0].kind, due[0].working_days_left),
        (1, DueKind::Notice, 1)
    );
    assert!(h.cases.due_soon(d("2026-10-09"), &h.cal).is_empty());

    // On the due date itself the notice is still in time; nothing is deemed.
    h.at("2026-10-13");
    assert!(h.tick().is_empty());
    let evs = h.decide(&id, "notice").unwrap();
    assert_eq!(kinds(&evs), ["notice_issued"]);
    assert_eq!(evs[0].document().unwrap().body.deficiencies.len(), 3);
    h.at("2026-10-20");
    assert!(
        h.tick().is_empty(),
        "a notice was given: no deemed acceptance"
    );
}

#[test]
fn no_notice_in_time_means_deemed_accepted_from_receipt() {
    let mut h = Desk::new("2026-09-30");
    let id = bdc002_with_gaps(&mut h);
    h.decide(&id, "defer_notice").unwrap();

    h.at("2026-10-13");
    assert!(h.tick().is_empty());
    assert_eq!(h.case(&id).state, CaseState::NoticeDue);

    h.at("2026-10-14");
    // Even before the tick runs, the law has acted: a notice is refused.
    assert!(matches!(
        h.decide(&id, "notice"),
        Err(IntakeError::NoticeTooLate { .. })
    ));
    let evs = h.tick();
    assert_eq!(kinds(&evs), ["case_deemed_accepted"]);
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::DeemedAccepted);
    assert_eq!(c.accepted_on, Some(d("2026-09-30")));
    // BDC002 commits 5 working days, counted from receipt: 10/8, 9, 10 (make-up Sat), 12, 13.
    assert_eq!(c.due_on, Some(d("2026-10-13")));
    let doc = evs[0].document().unwrap();
    assert_eq!(
        (doc.kind, doc.issued_on),
        (DocumentKind::Acceptance, d("2026-10-14"))
    );
    assert!(doc.body.deemed);
    assert!(
        doc.body.statement.contains("即为受理"),
        "{}",
        doc.body.statement
    );

    // Once deemed accepted: no notice, no rejection, and a second tick does nothing.
    assert!(matches!(
        h.decide(&id, "notice"),
        Err(IntakeError::NoticeTooLate { .. })
    ));
    assert_eq!(h.decide(&id, "notice").unwrap_err().code(), "conflict");
    assert_eq!(
        h.run(
            json!({"kind":"case_decide","case":id,"decision":"reject","reason_code":"not_required"})
        )
        .unwrap_err()
        .code(),
        "conflict"
    );
    assert!(h.tick().is_empty());
    // It is an accepted case: it can be extended.
    h.run(json!({"kind":"case_extend","case":id,"days":2,"reason":"需现场核查"}))
        .unwrap();
}

#[test]
fn deferred_review_can_still_accept_when_complete() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    h.decide(&id, "defer_notice").unwrap();
    h.at("2026-03-04");
    h.mats(&id, &QY001_ALL).unwrap();
    h.decide(&id, "accept").unwrap();
    assert_eq!(h.case(&id).accepted_on, Some(d("2026-03-04")));
    assert_eq!(
        h.decide(&id, "defer_notice").unwrap_err().code(),
        "conflict"
    );
}

// ---------------------------------------------------------------------------------- reject

#[test]
fn rejection_needs_reasons_and_names_the_routes_and_limits() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("JS001");
    let reject = |code: Value, r: Value| json!({"kind":"case_decide","case":id,"decision":"reject","reason_code":code,"reasons":r});
    assert_eq!(
        h.code(json!({"kind":"case_decide","case":id,"decision":"reject"})),
        "bad_request",
        "no reason code"
    );
    assert_eq!(
        h.code(json!({"kind":"case_decide","case":id,"decision":"reject","reasons":"材料不全"})),
        "bad_request",
        "free text alone is no ground"
    );
    // `other_statutory` must say which.
    assert_eq!(
        h.code(reject(json!("other_statutory"), json!([]))),
        "bad_request"
    );
    assert_eq!(
        h.code(reject(json!("other_statutory"), json!(["  "]))),
        "bad_request"
    );

    let evs = h
        .run(reject(
            json!("outside_competence"),
            json!("属市规划和自然资源局审批权限"),
        ))
        .unwrap();
    assert_eq!(kinds(&evs), ["case_rejected"]);
    let doc = evs[0].document().unwrap();
    assert_eq!(
        (doc.kind, doc.title.as_str()),
        (DocumentKind::Rejection, "不予受理决定书")
    );
    assert_eq!(
        doc.body.reasons,
        [
            "申请事项依法不属于本机关职权范围，请向有关机关申请",
            "属市规划和自然资源局审批权限"
        ]
    );
    assert_eq!(doc.body.code, "outside_competence");
    let appeal = doc.body.appeal.as_ref().unwrap();
    assert_eq!(
        (appeal.reconsideration_days, appeal.litigation_months),
        (60, 6)
    );
    let c = &h.hall.centre;
    for needle in [
        "60日",
        "6个月",
        // The complaint route names the configured 办不成事 window (16 in the sample).
        "“办不成事”反映窗口（16号窗口）",
        &c.complaint_to,
        // JS001 is decided by a 分局 of a city bureau: reconsidered by the city government.
        "广州市人民政府",
        &c.litigation_court,
    ] {
        assert!(
            appeal.text.contains(needle),
            "{needle} missing from {}",
            appeal.text
        );
    }
    assert_eq!(
        doc.seal,
        "广州市规划和自然资源局花都区分局（行政许可专用章）"
    );
    assert_eq!(h.case(&id).state, CaseState::Rejected);
    // Final: nothing more.
    assert_eq!(h.decide(&id, "accept").unwrap_err().code(), "conflict");
    assert_eq!(
        h.code(reject(json!("not_required"), json!("再次"))),
        "conflict"
    );
}

#[test]
fn no_rejection_once_accepted() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    h.mats(&id, &QY001_ALL).unwrap();
    h.decide(&id, "accept").unwrap();
    assert_eq!(
        h.code(
            json!({"kind":"case_decide","case":id,"decision":"reject","reason_code":"not_required"})
        ),
        "conflict"
    );
    assert_eq!(h.decide(&id, "accept").unwrap_err().code(), "conflict");
    assert_eq!(h.decide(&id, "notice").unwrap_err().code(), "conflict");
}

#[test]
fn a_case_with_a_notice_may_still_be_rejected() {
    let mut h = Desk::new("2026-03-02");
    let id = bdc002_with_gaps(&mut h);
    h.decide(&id, "notice").unwrap();
    // The notice was given: a ground outside the materials may still end the case.
    h.run(json!({"kind":"case_decide","case":id,"decision":"reject","reason_code":"other_statutory","reasons":["申请人隐瞒有关情况"]}))
        .unwrap();
    assert_eq!(
        h.supplement(&id, &[("M3", "submitted")])
            .unwrap_err()
            .code(),
        "conflict"
    );
}

// -------------------------------------------------------------------------------- complete

#[test]
fn complete_only_for_on_the_spot_items_with_complete_materials() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    h.mats(&id, &QY001_ALL).unwrap();
    assert_eq!(h.decide(&id, "complete").unwrap_err().code(), "forbidden");

    let id = h.open("QY002");
    h.mats(&id, &[("M1", "submitted"), ("M2", "submitted")])
        .unwrap();
    assert_eq!(h.decide(&id, "complete").unwrap_err().code(), "conflict");
    h.mats(&id, &[("M3", "committed")]).unwrap();
    let evs = h.decide(&id, "complete").unwrap();
    assert_eq!(kinds(&evs), ["case_completed"]);
    let doc = evs[0].document().unwrap();
    assert_eq!(
        (doc.kind, doc.title.as_str()),
        (DocumentKind::Completion, "办结通知书")
    );
    assert!(doc.body.on_the_spot);
    assert!(doc.body.statement.contains("已当场办结"));
    assert_eq!(h.case(&id).completed_on, Some(d("2026-03-02")));
    assert_eq!(h.decide(&id, "accept").unwrap_err().code(), "conflict");
    assert_eq!(
        h.code(json!({"kind":"case_materials","case":id,"materials":reports(&[("M1","missing")])})),
        "conflict"
    );

    // Something still owed (容缺) is not "finished on the spot".
    let id = h.open("SB001");
    h.mats(&id, &[("M1", "submitted"), ("M2", "tolerated")])
        .unwrap();
    assert_eq!(h.decide(&id, "complete").unwrap_err().code(), "conflict");
}

// ------------------------------------------------------------------------------- deadlines

#[test]
fn committed_deadline_skips_the_spring_festival() {
    // 2026: 2/14 (Sat) is a make-up working day, 2/15–2/23 are off.
    // 1: 2/14, 2: 2/24, 3: 2/25, 4: 2/26, 5: 2/27.
    let mut h = Desk::new("2026-02-13");
    let id = h.open("BDC002");
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
            ("M4", "submitted"),
            ("M5", "submitted"),
            ("M6", "submitted"),
        ],
    )
    .unwrap();
    let evs = h.decide(&id, "accept").unwrap();
    assert_eq!(h.case(&id).due_on, Some(d("2026-02-27")));
    assert!(!h.case(&id).due_provisional);
    assert_eq!(
        evs[0].document().unwrap().body.due_on,
        Some(d("2026-02-27"))
    );

    let due = h.cases.due_soon(d("2026-02-26"), &h.cal);
    assert_eq!(
        (due[0].kind, due[0].working_days_left),
        (DueKind::Completion, 1)
    );
    let due = h.cases.due_soon(d("2026-03-02"), &h.cal);
    assert!(due[0].working_days_left < 0, "past: {due:?}");
    assert!(h.cases.due_soon(d("2026-02-14"), &h.cal).is_empty());
}

#[test]
fn extension_needs_a_reason_and_stays_within_the_legal_limit() {
    // BDC002: committed 5, legal 30 working days.
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    let ext = |days: u32, reason: &str| json!({"kind":"case_extend","case":id,"days":days,"reason":reason});
    assert_eq!(
        h.code(ext(5, "需要实地查看")),
        "conflict",
        "not accepted yet"
    );
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
            ("M4", "submitted"),
            ("M5", "submitted"),
            ("M6", "submitted"),
        ],
    )
    .unwrap();
    h.decide(&id, "accept").unwrap();
    assert_eq!(h.case(&id).due_on, Some(d("2026-03-09")));

    assert_eq!(h.code(ext(5, "  ")), "bad_request");
    assert_eq!(h.code(ext(0, "需要实地查看")), "bad_request");
    assert_eq!(h.code(ext(26, "需要实地查看")), "forbidden");

    let evs = h.run(ext(10, "需要实地查看")).unwrap();
    assert_eq!(kinds(&evs), ["case_extended"]);
    // 15 working days from Monday 3/2.
    assert_eq!(h.case(&id).due_on, Some(d("2026-03-23")));
    assert_eq!(h.case(&id).extensions[0].reason, "需要实地查看");
    // 5 + 10 + 16 = 31 > 30.
    assert!(matches!(
        h.run(ext(16, "专家评审")),
        Err(IntakeError::BeyondLegalLimit {
            would_be: 31,
            legal_days: 30
        })
    ));
    h.run(ext(15, "专家评审")).unwrap();
    // Exactly the legal limit: 30 working days from 3/2 (Qingming 4/4–4/6 off) is 4/14.
    assert_eq!(h.case(&id).due_on, Some(d("2026-04-14")));
    assert_eq!(h.case(&id).extensions.len(), 2);
    assert_eq!(h.code(ext(1, "再延")), "forbidden");
}

#[test]
fn illegal_moves_are_typed_conflicts_without_events() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY002");
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
        ],
    )
    .unwrap();
    h.decide(&id, "complete").unwrap();
    let before = h.cases.clone();
    for dec in ["accept", "notice", "defer_notice", "complete"] {
        let err = h.decide(&id, dec).unwrap_err();
        assert!(
            matches!(
                err,
                IntakeError::IllegalTransition {
                    state: CaseState::Completed,
                    ..
                }
            ),
            "{dec}: {err:?}"
        );
    }
    assert_eq!(h.cases, before);
    assert_eq!(
        h.decide("440114-20260302-09999", "accept")
            .unwrap_err()
            .code(),
        "not_found"
    );
}

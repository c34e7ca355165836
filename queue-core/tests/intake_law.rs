//! Issue #11: intake that keeps the law by construction. One test per defect; each failed on
//! the code before the issue (the clock needed a key press, no receipt, 当场办结 on late
//! completions, no refusal after review, rejection for missing materials, per-centre appeal
//! body and seal, no statutory extension, no clock stop, no 容缺 alert, no 承诺书, resident IDs
//! only, no bundles, no delivery choice).
#![allow(clippy::unwrap_used)]

mod common;

use common::desk::*;
use proptest::prelude::*;
use queue_core::document::DocumentKind;
use queue_core::intake::{CaseEvent, CaseState, DueKind, IntakeError};
use serde_json::json;

fn all(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter()
        .map(|m| ((*m).to_owned(), "submitted".to_owned()))
        .collect()
}

fn mats_all(h: &mut Desk, id: &str, ids: &[&str]) {
    let owned = all(ids);
    let pairs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    h.mats(id, &pairs).unwrap();
}

fn kinds(evs: &[CaseEvent]) -> Vec<&'static str> {
    evs.iter().map(CaseEvent::kind).collect()
}

const BDC002: [&str; 6] = ["M1", "M2", "M3", "M4", "M5", "M6"];

// ------------------------------------------------------------------- the clock from receipt

#[test]
fn a_case_left_alone_is_deemed_accepted_on_the_sixth_working_day_across_the_spring_festival() {
    // 2026: 2/14 (Sat) is a make-up working day, 2/15–2/23 are off. Received Thu 2/12:
    // 1 = 2/13, 2 = 2/14, 3 = 2/24, 4 = 2/25, 5 = 2/26; the 6th working day is 2/27.
    let mut h = Desk::new("2026-02-12");
    let id = h.open("BDC002");
    h.mats(&id, &[("M1", "submitted"), ("M3", "missing")])
        .unwrap();
    assert_eq!(h.case(&id).notice_due_on, Some(d("2026-02-26")));
    // Nobody presses anything. Alerts a working day before and on the day.
    let due = h.cases.due_soon(d("2026-02-25"), &h.cal);
    assert_eq!(
        (due[0].kind, due[0].working_days_left),
        (DueKind::Notice, 1)
    );
    assert!(h.cases.due_soon(d("2026-02-24"), &h.cal).is_empty());
    for day in ["2026-02-13", "2026-02-14", "2026-02-20", "2026-02-26"] {
        h.at(day);
        assert!(h.tick().is_empty(), "{day}: still within five working days");
    }
    h.at("2026-02-27");
    // The law has acted before the tick: no notice, no rejection any more.
    assert!(matches!(
        h.decide(&id, "notice"),
        Err(IntakeError::NoticeTooLate { .. })
    ));
    let evs = h.tick();
    assert_eq!(kinds(&evs), ["case_deemed_accepted"]);
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::DeemedAccepted);
    assert_eq!(
        c.accepted_on,
        Some(d("2026-02-12")),
        "accepted as of receipt"
    );
    let doc = evs[0].document().unwrap();
    assert!(doc.body.deemed && doc.body.statement.contains("即为受理"));
    assert!(h.tick().is_empty());
}

#[test]
fn materials_taken_in_for_review_get_a_dated_receipt() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    h.mats(
        &id,
        &[("M1", "submitted"), ("M2", "nonconforming:复印件不清晰")],
    )
    .unwrap();
    let evs = h.decide(&id, "defer_notice").unwrap();
    let doc = evs[0].document().expect("a 收件回执");
    assert_eq!(doc.kind, DocumentKind::ApplicationReceipt);
    assert_eq!(doc.serial, id);
    assert_eq!(doc.issued_on, d("2026-03-02"));
    assert_eq!(
        doc.seal, h.hall.centre.seal,
        "the centre took the materials in"
    );
    assert_eq!(doc.body.notice_due_on, Some(d("2026-03-09")));
    assert!(
        doc.body.delivery.contains("窗口领取"),
        "{}",
        doc.body.delivery
    );
    let statuses: Vec<_> = doc
        .body
        .materials
        .iter()
        .map(|m| m.status.label_zh())
        .collect();
    assert!(statuses.contains(&"不符合要求") && statuses.contains(&"已提交"));
    // The deadline did not move because staff deferred: it ran from receipt.
    assert_eq!(h.case(&id).notice_due_on, Some(d("2026-03-09")));
}

#[test]
fn a_deadline_in_an_uncovered_year_is_flagged_provisional() {
    let mut h = Desk::new("2026-12-29");
    let id = h.open("BDC002");
    let c = h.case(&id);
    assert!(
        c.notice_due_provisional,
        "2027 is not in the calendar file yet"
    );
    let evs = h.decide(&id, "defer_notice").unwrap();
    assert!(evs[0].document().unwrap().body.due_provisional);
    let id = h.open("BDC002");
    mats_all(&mut h, &id, &BDC002);
    h.decide(&id, "accept").unwrap();
    assert!(h.case(&id).due_provisional);
}

// ---------------------------------------------------------------------------- outcomes

#[test]
fn non_acceptance_for_missing_materials_is_refused_until_the_notice_is_given() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    h.mats(&id, &[("M1", "submitted"), ("M3", "missing")])
        .unwrap();
    let reject =
        json!({"kind":"case_decide","case":id,"decision":"reject","reason_code":"not_required"});
    let err = h.run(reject.clone()).unwrap_err();
    assert_eq!(err.code(), "one_time_notice_required");
    assert!(err.to_string().contains("M3"), "{err}");
    // Nothing changed; the notice is the way.
    assert_eq!(h.case(&id).state, CaseState::Open);
    h.decide(&id, "notice").unwrap();
    assert_eq!(kinds(&h.run(reject).unwrap()), ["case_rejected"]);
}

#[test]
fn an_accepted_case_can_be_refused_after_review_with_reasons_and_routes() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    mats_all(&mut h, &id, &BDC002);
    h.decide(&id, "accept").unwrap();
    let refuse = |r: serde_json::Value| json!({"kind":"case_decide","case":id,"decision":"refuse","reasons":r});
    assert_eq!(h.code(refuse(json!([]))), "bad_request");
    h.at("2026-03-05");
    let evs = h.run(refuse(json!(["不动产权属存在争议"]))).unwrap();
    assert_eq!(kinds(&evs), ["case_refused"]);
    let doc = evs[0].document().unwrap();
    assert_eq!(
        (doc.kind, doc.title.as_str()),
        (DocumentKind::Refusal, "不予许可决定书")
    );
    assert_eq!(doc.body.reasons, ["不动产权属存在争议"]);
    assert_eq!(doc.seal, "广州市花都区不动产登记中心（不动产登记专用章）");
    let appeal = doc.body.appeal.as_ref().unwrap();
    assert_eq!(appeal.reconsideration_body, "广州市花都区人民政府");
    assert!(appeal.text.contains("60日") && appeal.text.contains("6个月"));
    assert!(
        appeal.complaint_to.contains("16号窗口"),
        "{}",
        appeal.complaint_to
    );
    assert_eq!(h.case(&id).state, CaseState::Refused);
    assert_eq!(h.decide(&id, "complete").unwrap_err().code(), "conflict");
    // Not before acceptance: that is non-acceptance.
    let id2 = h.open("BDC002");
    assert_eq!(
        h.code(json!({"kind":"case_decide","case":id2,"decision":"refuse","reasons":["x"]})),
        "conflict"
    );
}

#[test]
fn reconsideration_body_follows_the_deciding_department() {
    let mut h = Desk::new("2026-03-02");
    let mut bodies = Vec::new();
    for item in ["BDC002", "HZ002", "SB002"] {
        let id = h.open(item);
        let evs = h
            .run(json!({"kind":"case_decide","case":id,"decision":"reject","reason_code":"outside_competence"}))
            .unwrap();
        let doc = evs[0].document().unwrap().clone();
        bodies.push((doc.body.appeal.unwrap().reconsideration_body, doc.seal));
    }
    assert_eq!(bodies[0].0, "广州市花都区人民政府");
    assert_eq!(
        bodies[1].0, "广州市人民政府",
        "a 分局 of the city police bureau"
    );
    assert_eq!(bodies[2].0, "广州市花都区人力资源和社会保障局");
    assert_ne!(bodies[0].1, bodies[1].1, "each department's own seal");
}

#[test]
fn a_completion_days_after_acceptance_does_not_say_on_the_spot() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    mats_all(&mut h, &id, &["M1", "M2", "M3", "M4", "M5"]);
    h.decide(&id, "accept").unwrap();
    h.at("2026-03-04");
    let evs = h.decide(&id, "complete").unwrap();
    let doc = evs[0].document().unwrap();
    assert!(!doc.body.on_the_spot);
    assert!(
        !doc.body.statement.contains("当场"),
        "{}",
        doc.body.statement
    );
    assert!(
        doc.body.statement.contains("已逾期"),
        "due 3/3, done 3/4: {}",
        doc.body.statement
    );
    assert!(!h.case(&id).completed_on_the_spot);

    // An on-the-spot item left open past its day is no longer "on the spot".
    h.at("2026-03-05");
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
    h.at("2026-03-06");
    assert_eq!(h.decide(&id, "complete").unwrap_err().code(), "forbidden");
    h.decide(&id, "accept").unwrap();
    let evs = h.decide(&id, "complete").unwrap();
    assert!(!evs[0].document().unwrap().body.on_the_spot);
}

// ------------------------------------------------------------------ extensions and pauses

#[test]
fn a_statutory_extension_may_go_beyond_the_legal_limit_by_the_items_extra_days() {
    // JS001: committed 8, legal 20, statutory extra 10 (行政许可法 Art 42).
    let mut h = Desk::new("2026-03-02");
    let id = h.open("JS001");
    mats_all(&mut h, &id, &["M1", "M2", "M3", "M4"]);
    h.decide(&id, "accept").unwrap();
    let ext = |days: u32, statutory: bool| json!({"kind":"case_extend","case":id,"days":days,"reason":"需组织专家论证","statutory":statutory});
    let evs = h.run(ext(12, false)).unwrap();
    let doc = evs[0].document().expect("延期告知书");
    assert_eq!(
        (doc.kind, doc.title.as_str()),
        (DocumentKind::ExtensionNotice, "延期告知书")
    );
    assert_eq!(doc.body.due_on, h.case(&id).due_on);
    assert_eq!(doc.body.reasons, ["需组织专家论证"]);
    let e = &h.case(&id).extensions[0];
    assert_eq!(
        e.reported_to, "广州市花都区政务服务数据管理局",
        "报备 record"
    );
    assert!(doc
        .body
        .statement
        .contains("报广州市花都区政务服务数据管理局备案"));
    assert!(matches!(
        h.run(ext(1, false)),
        Err(IntakeError::BeyondLegalLimit {
            would_be: 21,
            legal_days: 20
        })
    ));
    h.run(ext(10, true)).unwrap();
    assert!(h.case(&id).extensions[1].statutory);
    assert!(matches!(
        h.run(ext(1, true)),
        Err(IntakeError::BeyondLegalLimit {
            would_be: 31,
            legal_days: 30
        })
    ));
    // 30 working days from Monday 3/2 (Qingming 4/4–4/6 off) is 4/14.
    assert_eq!(h.case(&id).due_on, Some(d("2026-04-14")));
}

#[test]
fn a_special_procedure_pauses_the_clock_and_shifts_the_due_date_by_its_working_days() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("BDC002");
    mats_all(&mut h, &id, &BDC002);
    h.decide(&id, "accept").unwrap();
    assert_eq!(h.case(&id).due_on, Some(d("2026-03-09")));
    h.at("2026-03-03");
    let evs = h
        .run(json!({"kind":"case_pause","case":id,"procedure":"inspection","reason":"需现场查看房屋"}))
        .unwrap();
    assert_eq!(kinds(&evs), ["case_paused"]);
    let doc = evs[0].document().unwrap();
    assert_eq!(doc.kind, DocumentKind::SpecialProcedureNotice);
    assert_eq!(doc.body.code, "inspection");
    assert!(doc.body.statement.contains("现场勘验"));
    // No false overdue alert while the procedure runs.
    assert!(h.cases.due_soon(d("2026-03-10"), &h.cal).is_empty());
    assert_eq!(h.decide(&id, "complete").unwrap_err().code(), "conflict");
    assert_eq!(
        h.code(json!({"kind":"case_pause","case":id,"procedure":"hearing","reason":"x"})),
        "conflict"
    );
    h.at("2026-03-10");
    let evs = h.run(json!({"kind":"case_resume","case":id})).unwrap();
    assert_eq!(kinds(&evs), ["case_resumed"]);
    // (3/3, 3/10]: 3/4, 3/5, 3/6, 3/9, 3/10 = 5 working days; 3/9 + 5 = 3/16.
    let c = h.case(&id);
    assert_eq!(c.pauses[0].working_days, 5);
    assert_eq!(c.due_on, Some(d("2026-03-16")));
    assert_eq!(h.code(json!({"kind":"case_resume","case":id})), "conflict");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the dates, the due date moves by exactly the working days of the pause.
    #[test]
    fn a_pause_moves_the_due_date_by_its_working_days(start in 0i64..40, len in 0i64..30) {
        let mut h = Desk::new("2026-01-05");
        let id = h.open("BDC002");
        mats_all(&mut h, &id, &BDC002);
        h.decide(&id, "accept").unwrap();
        let before = h.case(&id).due_on.unwrap();
        let from = d("2026-01-05") + chrono::Duration::days(start);
        let until = from + chrono::Duration::days(len);
        h.at(&from.to_string());
        h.run(json!({"kind":"case_pause","case":id,"procedure":"testing","reason":"检测"})).unwrap();
        h.at(&until.to_string());
        h.run(json!({"kind":"case_resume","case":id})).unwrap();
        let paused = h.cal.working_days_between(from, until).value.max(0);
        let expected = h.cal.add_working_days(before, u32::try_from(paused).unwrap()).value;
        prop_assert_eq!(h.case(&id).due_on, Some(expected));
    }
}

// ----------------------------------------------------------------- 容缺 and 告知承诺

#[test]
fn a_tolerated_material_is_alerted_the_day_before_it_is_owed_and_when_late() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
            ("M4", "tolerated"),
            ("M5", "submitted"),
        ],
    )
    .unwrap();
    h.decide(&id, "accept").unwrap();
    let owed = h.case(&id).material("M4").unwrap().owed_by.unwrap();
    assert_eq!(owed, d("2026-03-09"));
    let material = |day: &str| {
        h.cases
            .due_soon(d(day), &h.cal)
            .into_iter()
            .find(|x| x.kind == DueKind::Material)
    };
    assert!(material("2026-03-05").is_none());
    assert_eq!(material("2026-03-06").unwrap().working_days_left, 1);
    assert!(material("2026-03-10").unwrap().working_days_left < 0);
    let (alert_id, zh, _) = material("2026-03-10").unwrap().alert_text(&id);
    assert!(
        alert_id.starts_with("material_due:") && zh.contains("已逾期"),
        "{zh}"
    );
}

#[test]
fn a_commitment_prints_a_letter_with_the_liability_text() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    let evs = h
        .mats(&id, &[("M1", "submitted"), ("M5", "committed")])
        .unwrap();
    assert_eq!(kinds(&evs), ["materials_recorded", "commitment_recorded"]);
    let doc = evs[1].document().unwrap();
    assert_eq!(
        (doc.kind, doc.title.as_str()),
        (DocumentKind::Commitment, "告知承诺书")
    );
    assert!(doc.body.statement.contains("住所使用证明"));
    assert!(doc.body.statement.contains("法律责任"));
    assert_eq!(h.case(&id).documents.len(), 1, "recorded on the case");
    // Recording other materials later issues no second letter.
    let evs = h.mats(&id, &[("M2", "submitted")]).unwrap();
    assert_eq!(kinds(&evs), ["materials_recorded"]);
}

// ----------------------------------------------------------------------------- identifiers

#[test]
fn foreign_and_cross_border_applicants_are_taken_in_with_their_documents() {
    let mut h = Desk::new("2026-03-02");
    let open = |kind: &str, id: &str| {
        json!({"kind":"case_open","item":"BDC002",
        "applicant":{"kind":"person","name":"John Smith","id_kind":kind,"id_number":id}})
    };
    let evs = h.run(open("passport", "E12345678")).unwrap();
    let case = evs[0].case().clone();
    assert_eq!(case.applicant.id_kind.as_str(), "passport");
    h.run(open("hk_macao_permit", "H12345678")).unwrap();
    h.run(open("taiwan_permit", "12345678")).unwrap();
    assert_eq!(
        h.code(open("residence_permit", "810000199001010010")),
        "invalid_id"
    );
    assert_eq!(h.code(open("passport", "ABC")), "invalid_id");
    // A resident ID is still the default.
    assert_eq!(h.code(open("resident", "E12345678")), "invalid_id");
    // Documents mask it for its kind.
    let evs = h
        .run(json!({"kind":"case_decide","case":case.id,"decision":"reject","reason_code":"outside_competence"}))
        .unwrap();
    let doc = evs[0].document().unwrap();
    assert_eq!(doc.body.applicant.id_masked, "E******78");
    assert_eq!(doc.body.id_kind, "护照");
    assert!(!serde_json::to_string(doc).unwrap().contains("E12345678"));
}

// -------------------------------------------------------------------------------- bundles

#[test]
fn a_bundle_is_one_case_whose_deadline_follows_the_sum_or_longest_rule() {
    let mut h = Desk::new("2026-03-02");
    // Sequential: QY001 (committed 1) then QY003 (committed 5) = 6.
    let id = h.open("YJS001");
    let c = h.case(&id);
    assert_eq!(c.terms.committed_days, 6);
    assert_eq!(c.terms.legal_days, 13);
    assert_eq!(c.terms.department, "花都区市场监督管理局");
    assert!(c.material("QY001/M1").is_some() && c.material("QY003/M1").is_some());
    // One notice over every item's materials.
    h.mats(&id, &[("QY001/M2", "missing"), ("QY003/M3", "missing")])
        .unwrap();
    let evs = h.decide(&id, "notice").unwrap();
    let doc = evs[0].document().unwrap();
    let listed: Vec<_> = doc
        .body
        .deficiencies
        .iter()
        .map(|x| x.material.as_str())
        .collect();
    assert!(
        listed.contains(&"QY001/M2") && listed.contains(&"QY003/M3"),
        "{listed:?}"
    );
    assert_eq!(doc.body.bundle_items.len(), 2);

    // Parallel: BDC002 (5) with BDC003 (3) = 5.
    let id = h.open("YJS002");
    assert_eq!(h.case(&id).terms.committed_days, 5);
    let ids: Vec<String> = h.case(&id).materials.iter().map(|m| m.id.clone()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    mats_all(&mut h, &id, &refs);
    h.decide(&id, "accept").unwrap();
    assert_eq!(h.case(&id).due_on, Some(d("2026-03-09")));
}

// ------------------------------------------------------------------ result and delivery

#[test]
fn the_result_goes_the_way_the_applicant_chose_and_collection_is_recorded() {
    let mut h = Desk::new("2026-03-02");
    let open = |delivery: &str, address: Option<&str>| {
        json!({"kind":"case_open","item":"QY002",
        "applicant":{"kind":"person","name":"张三","id_number":PERSON},
        "delivery":delivery,"delivery_address":address})
    };
    assert_eq!(h.code(open("post", None)), "bad_request");
    let posted = h.run(open("post", Some("广州市花都区新华街1号"))).unwrap()[0]
        .case()
        .id
        .clone();
    let collected = h.run(open("collection", None)).unwrap()[0]
        .case()
        .id
        .clone();
    for id in [&posted, &collected] {
        h.mats(
            id,
            &[
                ("M1", "submitted"),
                ("M2", "submitted"),
                ("M3", "submitted"),
            ],
        )
        .unwrap();
        let evs = h.decide(id, "complete").unwrap();
        assert!(evs[0]
            .document()
            .unwrap()
            .body
            .delivery
            .contains(if *id == posted {
                "新华街"
            } else {
                "窗口领取"
            }));
    }
    let evs = h
        .run(json!({"kind":"case_collect","case":collected}))
        .unwrap();
    assert_eq!(kinds(&evs), ["result_collected"]);
    assert_eq!(h.case(&collected).collected_on, Some(d("2026-03-02")));
    assert_eq!(
        h.code(json!({"kind":"case_collect","case":collected})),
        "conflict"
    );
    assert_eq!(
        h.code(json!({"kind":"case_collect","case":posted})),
        "conflict"
    );
}

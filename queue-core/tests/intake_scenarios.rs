//! Scenario tests of the intake rules (GD Art 19–21), one path each.
#![allow(clippy::unwrap_used)]

mod common;

use common::desk::*;
use queue_core::config::HallConfig;
use queue_core::document::DocumentKind;
use queue_core::intake::{CaseState, DueKind, IntakeError, MaterialStatus};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------- accept

#[test]
fn accept_with_all_materials_issues_a_sealed_dated_receipt() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::Open);
    assert_eq!(c.received_on, d("2026-03-02"));
    assert_eq!(c.ticket.as_deref(), Some("C012"));
    assert_eq!(c.window, Some(3));
    assert_eq!(h.status(&id, "M1"), MaterialStatus::Pending);
    assert_eq!(h.status(&id, "M6"), MaterialStatus::Shared);

    h.mats(&id, &QY001_ALL).unwrap();
    let evs = h.decide(&id, "accept").unwrap();
    assert_eq!(kinds(&evs), ["case_accepted"]);
    let doc = evs[0].document().unwrap();
    assert_eq!(doc.kind, DocumentKind::Acceptance);
    assert_eq!(doc.title, "受理通知书");
    // The deciding department's seal, not the centre's (GD Art 21: the department decides).
    assert_eq!(doc.seal, "广州市花都区市场监督管理局（行政许可专用章）");
    assert_eq!(doc.issued_on, d("2026-03-02"));
    assert_eq!(doc.issued_at.to_rfc3339(), "2026-03-02T10:00:00+08:00");
    let c = h.case(&id);
    assert_eq!(c.state, CaseState::Accepted);
    assert_eq!(c.accepted_on, Some(d("2026-03-02")));
    // QY001 commits 1 working day.
    assert_eq!(c.due_on, Some(d("2026-03-03")));
    assert_eq!(doc.body.due_on, Some(d("2026-03-03")));
    assert_eq!(c.documents, vec![doc.clone()]);
}

#[test]
fn accept_is_refused_while_a_required_material_is_missing_or_unchecked() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    h.mats(&id, &QY001_ALL[..4]).unwrap();
    // M5 never checked counts as missing.
    let err = h.decide(&id, "accept").unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert!(
        matches!(&err, IntakeError::MaterialsIncomplete { missing } if missing.len() == 1 && missing[0].starts_with("M5")),
        "{err:?}"
    );
    h.mats(&id, &[("M5", "missing")]).unwrap();
    assert_eq!(h.decide(&id, "accept").unwrap_err().code(), "conflict");
    // Corrected on the spot: then it must be acceptable (GD 19(2)).
    h.mats(&id, &[("M5", "corrected_on_spot")]).unwrap();
    assert_eq!(kinds(&h.decide(&id, "accept").unwrap()), ["case_accepted"]);
}

#[test]
fn an_optional_material_does_not_block_acceptance() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("JS001");
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
            ("M4", "submitted"),
        ],
    )
    .unwrap();
    assert_eq!(h.status(&id, "M5"), MaterialStatus::Pending);
    h.decide(&id, "accept").unwrap();
}

#[test]
fn tolerated_only_where_the_catalogue_allows_and_owed_by_tolerance_days() {
    let mut h = Desk::new("2026-09-30");
    let id = h.open("QY001");
    // M1 is not on the tolerated list.
    assert_eq!(
        h.code(
            json!({"kind":"case_materials","case":id,"materials":reports(&[("M1","tolerated")])})
        ),
        "forbidden"
    );
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
    assert_eq!(
        h.case(&id).material("M4").unwrap().owed_by,
        None,
        "owed from acceptance on"
    );
    let evs = h.decide(&id, "accept").unwrap();
    let c = h.case(&id);
    // National Day: 10/1–10/7 off. 1 working day after 9/30 is 10/8; 5 are 10/13.
    assert_eq!(c.due_on, Some(d("2026-10-08")));
    assert_eq!(c.material("M4").unwrap().owed_by, Some(d("2026-10-13")));
    let doc = evs[0].document().unwrap();
    assert!(
        doc.body.statement.contains("2026-10-13"),
        "{}",
        doc.body.statement
    );
    // The tolerated material arriving later is recorded on the accepted case...
    h.at("2026-10-12");
    let due = h.cases.due_soon(d("2026-10-12"), &h.cal);
    assert!(
        due.iter().any(|x| x.kind == DueKind::Material
            && x.due_on == d("2026-10-13")
            && x.working_days_left == 1),
        "{due:?}"
    );
    h.mats(&id, &[("M4", "submitted")]).unwrap();
    assert_eq!(h.status(&id, "M4"), MaterialStatus::Submitted);
    assert_eq!(h.case(&id).state, CaseState::Accepted);
    // ...but nothing else can be changed after acceptance.
    assert_eq!(
        h.code(json!({"kind":"case_materials","case":id,"materials":reports(&[("M1","missing")])})),
        "conflict"
    );
}

#[test]
fn commitment_only_where_the_catalogue_allows() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    // M3 is explicitly commitment = false, M1 has no flag.
    for m in ["M1", "M3"] {
        assert_eq!(
            h.code(
                json!({"kind":"case_materials","case":id,"materials":reports(&[(m,"committed")])})
            ),
            "forbidden",
            "{m}"
        );
    }
    h.mats(
        &id,
        &[
            ("M1", "submitted"),
            ("M2", "submitted"),
            ("M3", "submitted"),
            ("M4", "submitted"),
            ("M5", "committed"),
        ],
    )
    .unwrap();
    assert_eq!(h.status(&id, "M5"), MaterialStatus::Committed);
    h.decide(&id, "accept").unwrap();
}

#[test]
fn a_material_obtainable_by_data_sharing_cannot_be_demanded() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    for s in ["missing", "nonconforming:过期"] {
        assert_eq!(
            h.code(json!({"kind":"case_materials","case":id,"materials":reports(&[("M6",s)])})),
            "forbidden",
            "{s}"
        );
    }
    // A refused batch changes nothing, even its valid lines.
    assert_eq!(h.code(json!({"kind":"case_materials","case":id,"materials":reports(&[("M1","submitted"),("M6","missing")])})), "forbidden");
    assert_eq!(h.status(&id, "M1"), MaterialStatus::Pending);
    // Handed in voluntarily is fine; it is never a deficiency.
    h.mats(&id, &[("M6", "submitted")]).unwrap();
    h.mats(&id, &[("M1", "missing")]).unwrap();
    h.decide(&id, "notice").unwrap();
    assert!(!h.case(&id).notice.as_ref().unwrap().lists("M6"));
}

#[test]
fn malformed_material_reports_are_bad_requests() {
    let mut h = Desk::new("2026-03-02");
    let id = h.open("QY001");
    let bad = |m: Value| json!({"kind":"case_materials","case":id,"materials":m});
    assert_eq!(
        h.code(bad(json!([{"material":"M9","status":"submitted"}]))),
        "bad_request"
    );
    assert_eq!(
        h.code(bad(json!([{"material":"M2","status":"nonconforming"}]))),
        "bad_request"
    );
    assert_eq!(
        h.code(bad(
            json!([{"material":"M2","status":"nonconforming","note":"  "}])
        )),
        "bad_request"
    );
    assert_eq!(
        h.code(bad(
            json!([{"material":"M2","status":"submitted"},{"material":"M2","status":"missing"}])
        )),
        "bad_request"
    );
    assert_eq!(h.code(bad(json!([]))), "bad_request");
    assert_eq!(h.code(json!({"kind":"case_materials","case":"nope","materials":reports(&[("M1","submitted")])})), "not_found");
}

// ---------------------------------------------------------------------------------- open

#[test]
fn open_checks_item_ids_and_agent() {
    let mut hall = HallConfig::sample().unwrap();
    hall.items
        .iter_mut()
        .find(|i| i.code == "HZ002")
        .unwrap()
        .personal_attendance = true;
    let mut h = Desk::with(hall, "2026-03-02");
    let open = |item: &str, applicant: Value, extra: Value| {
        let mut v = json!({"kind":"case_open","item":item,"applicant":applicant});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let person = json!({"kind":"person","name":"张三","id_number":PERSON});
    let agent = json!({"agent":{"name":"李四","id_number":PERSON2,"authorisation":"phone"}});

    assert_eq!(
        h.code(open("XX999", person.clone(), json!({}))),
        "not_found"
    );
    assert_eq!(
        h.code(open(
            "QY001",
            json!({"kind":"person","name":"张三","id_number":"440524188001010015"}),
            json!({})
        )),
        "invalid_id"
    );
    assert_eq!(
        h.code(open(
            "QY001",
            json!({"kind":"person","name":" ","id_number":PERSON}),
            json!({})
        )),
        "bad_request"
    );
    // A credit code is not a resident ID, and the override cannot rescue a person's ID.
    assert_eq!(
        h.code(open(
            "QY001",
            json!({"kind":"person","name":"张三","id_number":USCC}),
            json!({"id_override":true})
        )),
        "invalid_id"
    );
    // Personal attendance: no agent (GD Art 24).
    assert_eq!(
        h.code(open("HZ002", person.clone(), agent.clone())),
        "forbidden"
    );
    // The agent's ID is checked too.
    assert_eq!(
        h.code(open(
            "QY001",
            person.clone(),
            json!({"agent":{"name":"李四","id_number":"110105194912310021"}})
        )),
        "invalid_id"
    );

    let evs = h.run(open("QY001", person.clone(), agent)).unwrap();
    let a = evs[0].case().agent.clone().unwrap();
    assert_eq!((a.name.as_str(), a.id_number.as_str()), ("李四", PERSON2));

    // Organisations are identified by their unified social credit code.
    let org = |id: &str| json!({"kind":"organisation","name":"广州某某有限公司","id_number":id});
    let evs = h.run(open("QY001", org(USCC), json!({}))).unwrap();
    assert!(!evs[0].case().id_override);
    // A check-character mismatch only with the staff override, which is recorded.
    assert_eq!(
        h.code(open("QY001", org(USCC_BAD_CHECK), json!({}))),
        "invalid_id"
    );
    let evs = h
        .run(open(
            "QY001",
            org(USCC_BAD_CHECK),
            json!({"id_override":true}),
        ))
        .unwrap();
    assert!(evs[0].case().id_override);
    assert_eq!(evs[0].case().applicant.id_number, USCC_BAD_CHECK);
    // The override does not cover a structurally broken code.
    assert_eq!(
        h.code(open(
            "QY001",
            org("91350100M000100Y4Z"),
            json!({"id_override":true})
        )),
        "invalid_id"
    );
}

#[test]
fn progress_can_be_found_by_serial_or_id_number() {
    let mut h = Desk::new("2026-03-02");
    let a = h.open("QY001");
    let b = h.open("SB001");
    h.run(json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"王五","id_number":PERSON2.to_lowercase()}}))
        .unwrap();
    assert_eq!(h.cases.by_serial(&a).unwrap().item, "QY001");
    let mine: Vec<_> = h
        .cases
        .by_id_number(PERSON)
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(mine, [a, b]);
    // Stored normalised: a lower-case x finds the same applicant.
    assert_eq!(h.cases.by_id_number(&PERSON2.to_lowercase()).len(), 1);
    assert_eq!(
        h.cases.by_id_number(PERSON2)[0].applicant.id_number,
        PERSON2
    );
    assert!(h.cases.by_id_number("440524188001010022").is_empty());
}

// ---------------------------------------------------------------------------------- notice

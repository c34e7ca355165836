//! Identity checked by the window's ID card reader: recorded on the case's applicant and
//! agent, carried on the document body (and so under its signature), absent (not null) when
//! no card was read so documents issued before card readers keep their digests.
#![allow(clippy::unwrap_used)]

use chrono::DateTime;
use ed25519_dalek::SigningKey;
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::{body_digest, verify, Document, DocumentBody};
use queue_core::intake::{CaseCommand, Cases, IdentityCheck, IntakeCtx, IntakeError};
use serde_json::{json, Value};

const SERIAL: &str = "440114-20260930-00001";

fn run(cmds: &[Value]) -> Result<(Vec<Document>, Cases, SigningKey), IntakeError> {
    let hall = HallConfig::sample().unwrap();
    let cal = Calendar::embedded();
    let key = SigningKey::from_bytes(&[9; 32]);
    let ctx = IntakeCtx {
        now: DateTime::parse_from_rfc3339("2026-09-30T15:20:00+08:00").unwrap(),
        hall: &hall,
        calendar: &cal,
        signer: &key,
        window: Some(1),
    };
    let mut cases = Cases::new();
    let mut docs = Vec::new();
    for c in cmds {
        let cmd: CaseCommand = serde_json::from_value(c.clone()).unwrap();
        for e in cases.decide(&cmd, &ctx)? {
            docs.extend(e.document().cloned());
            cases.apply(&e);
        }
    }
    Ok((docs, cases, key))
}

fn open(applicant_checked: bool, agent_checked: bool) -> Value {
    let mut cmd = json!({"kind":"case_open","item":"BDC002",
        "applicant":{"kind":"person","name":"陈明华","id_number":"440114198503120031"},
        "agent":{"name":"韦秀兰","id_number":"450103197802150028","authorisation":"written"}});
    if applicant_checked {
        cmd["applicant"]["identity_checked"] = json!("id_card");
    }
    if agent_checked {
        cmd["agent"]["identity_checked"] = json!("id_card");
    }
    cmd
}

fn accept() -> [Value; 2] {
    let all: Vec<_> = (1..=6)
        .map(|i| json!({"material":format!("M{i}"),"status":"submitted"}))
        .collect();
    [
        json!({"kind":"case_materials","case":SERIAL,"materials":all}),
        json!({"kind":"case_decide","case":SERIAL,"decision":"accept"}),
    ]
}

#[test]
fn the_check_is_recorded_on_the_case_and_signed_into_the_document() {
    let [m, a] = accept();
    let (docs, cases, key) = run(&[open(true, false), m, a]).unwrap();
    let case = cases.get(SERIAL).unwrap();
    assert_eq!(case.applicant.identity_checked, Some(IdentityCheck::IdCard));
    assert_eq!(case.agent.as_ref().unwrap().identity_checked, None);
    let doc = &docs[0];
    assert_eq!(
        doc.body.applicant.identity_checked,
        Some(IdentityCheck::IdCard)
    );
    assert_eq!(doc.body.agent.as_ref().unwrap().identity_checked, None);
    let v = serde_json::to_value(&doc.body).unwrap();
    assert_eq!(v["applicant"]["identity_checked"], "id_card");
    assert!(
        v["agent"].get("identity_checked").is_none(),
        "absent, not null"
    );
    // Signed: the verification string matches this body, and not one without the check.
    let fields = verify(&doc.verification, &key.verifying_key()).unwrap();
    assert!(doc.matches(&fields));
    let mut forged = doc.clone();
    forged.body.applicant.identity_checked = None;
    assert!(!forged.matches(&fields));
}

#[test]
fn a_body_without_checks_serialises_as_before() {
    let [m, a] = accept();
    let (docs, _, _) = run(&[open(false, false), m, a]).unwrap();
    let text = serde_json::to_string(&docs[0].body).unwrap();
    assert!(!text.contains("identity_checked"), "{text}");
    // A body stored before this field existed reads back with the same digest.
    let back: DocumentBody = serde_json::from_str(&text).unwrap();
    assert_eq!(body_digest(&back), body_digest(&docs[0].body));
}

#[test]
fn the_agents_check_is_recorded_too() {
    let (_, cases, _) = run(&[open(false, true)]).unwrap();
    let case = cases.get(SERIAL).unwrap();
    assert_eq!(case.applicant.identity_checked, None);
    assert_eq!(
        case.agent.as_ref().unwrap().identity_checked,
        Some(IdentityCheck::IdCard)
    );
}

#[test]
fn an_organisation_is_not_checked_by_id_card() {
    let cmd = json!({"kind":"case_open","item":"QY001",
        "applicant":{"kind":"organisation","name":"某某科技有限公司",
            "id_number":"91350100M000100Y43","identity_checked":"id_card"}});
    let err = run(&[cmd]).unwrap_err();
    assert_eq!(err.code(), "invalid_id");
    assert!(err.to_string().contains("organisation"), "{err}");
}

#[test]
fn an_unknown_check_kind_is_refused_by_the_parser() {
    let cmd = json!({"kind":"case_open","item":"QY001",
        "applicant":{"kind":"person","name":"陈明华",
            "id_number":"440114198503120031","identity_checked":"face"}});
    let err = serde_json::from_value::<CaseCommand>(cmd).unwrap_err();
    assert!(err.to_string().contains("unknown variant"), "{err}");
}

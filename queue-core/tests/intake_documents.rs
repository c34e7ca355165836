//! Documents issued by intake: verification strings decode to the document's fields, reject
//! tampering and other keys, and never carry a full ID number.
#![allow(clippy::unwrap_used)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, NaiveDate};
use ed25519_dalek::SigningKey;
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::{body_digest, verify, Document, DocumentKind, VerifyError};
use queue_core::intake::{CaseCommand, CaseEvent, Cases, IntakeCtx};
use serde_json::{json, Value};

const PERSON: &str = "440524188001010014";
const AGENT: &str = "11010519491231002X";

/// Runs commands on 2026-09-30 and returns every document issued.
fn documents(cmds: &[Value]) -> (Vec<Document>, SigningKey) {
    let hall = HallConfig::sample().unwrap();
    let cal = Calendar::embedded();
    let key = SigningKey::from_bytes(&[3; 32]);
    let ctx = IntakeCtx {
        now: DateTime::parse_from_rfc3339("2026-09-30T15:20:00+08:00").unwrap(),
        hall: &hall,
        calendar: &cal,
        signer: &key,
        window: Some(7),
    };
    let mut cases = Cases::new();
    let mut docs = Vec::new();
    for c in cmds {
        let cmd: CaseCommand = serde_json::from_value(c.clone()).unwrap();
        for e in cases.decide(&cmd, &ctx).unwrap() {
            docs.extend(e.document().cloned());
            cases.apply(&e);
        }
    }
    (docs, key)
}

const SERIAL: &str = "440114-20260930-00001";

fn open(item: &str) -> Value {
    json!({"kind":"case_open","item":item,
        "applicant":{"kind":"person","name":"张三","id_number":PERSON},
        "agent":{"name":"李四","id_number":AGENT,"authorisation":"written"}})
}

fn all_submitted() -> Value {
    json!({"kind":"case_materials","case":SERIAL,"materials":[
        {"material":"M1","status":"submitted"},{"material":"M2","status":"submitted"},
        {"material":"M3","status":"submitted"},{"material":"M4","status":"submitted"},
        {"material":"M5","status":"submitted"},{"material":"M6","status":"submitted"}]})
}

fn accepted() -> (Document, SigningKey) {
    let (mut docs, key) = documents(&[
        open("BDC002"),
        all_submitted(),
        json!({"kind":"case_decide","case":SERIAL,"decision":"accept"}),
    ]);
    (docs.remove(0), key)
}

#[test]
fn a_genuine_string_decodes_to_the_documents_fields() {
    let (doc, key) = accepted();
    let f = verify(&doc.verification, &key.verifying_key()).unwrap();
    assert_eq!(f.kind, DocumentKind::Acceptance);
    assert_eq!(f.serial, SERIAL);
    assert_eq!(f.centre, "440114");
    assert_eq!(f.issued_on, NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
    assert_eq!(f.item, "BDC002");
    assert_eq!(f.id_masked, "4405**********0014");
    assert_eq!(f.due_on, NaiveDate::from_ymd_opt(2026, 10, 13));
    assert_eq!(f.digest, body_digest(&doc.body));
    assert!(doc.matches(&f));
    assert!(doc.verification.starts_with("DV1."));
    assert!(doc.verification.is_ascii());
    assert!(
        doc.verification.len() <= 300,
        "{} chars",
        doc.verification.len()
    );
}

#[test]
fn an_edited_body_no_longer_matches_its_string() {
    let (mut doc, key) = accepted();
    let f = verify(&doc.verification, &key.verifying_key()).unwrap();
    doc.body.due_on = NaiveDate::from_ymd_opt(2026, 12, 31);
    assert!(!doc.matches(&f));
}

#[test]
fn tampered_strings_and_other_keys_are_refused() {
    let (doc, key) = accepted();
    let vk = key.verifying_key();
    let s = &doc.verification;
    // Flip one character in the payload part.
    let i = "DV1.".len() + 10;
    let mut b = s.clone().into_bytes();
    b[i] = if b[i] == b'x' { b'y' } else { b'x' };
    assert_eq!(
        verify(&String::from_utf8(b).unwrap(), &vk),
        Err(VerifyError::BadSignature)
    );
    // A forged payload with a due date moved, re-encoded but not re-signed.
    let (payload, sig) = s["DV1.".len()..].split_once('.').unwrap();
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let forged = text.replace("20261013", "20261231");
    assert_ne!(forged, text);
    let forged = format!("DV1.{}.{sig}", URL_SAFE_NO_PAD.encode(forged));
    assert_eq!(verify(&forged, &vk), Err(VerifyError::BadSignature));
    // Signed by another centre's key.
    let other = SigningKey::from_bytes(&[4; 32]).verifying_key();
    assert_eq!(verify(s, &other), Err(VerifyError::BadSignature));
}

#[test]
fn no_document_carries_a_full_id_number() {
    let (docs, _) = documents(&[
        open("BDC002"),
        json!({"kind":"case_materials","case":SERIAL,"materials":[{"material":"M2","status":"nonconforming","note":"复印件不清晰"}]}),
        json!({"kind":"case_decide","case":SERIAL,"decision":"notice"}),
        json!({"kind":"case_decide","case":SERIAL,"decision":"reject","reason_code":"outside_competence"}),
    ]);
    let kinds: Vec<_> = docs.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [DocumentKind::CorrectionNotice, DocumentKind::Rejection]
    );
    for d in &docs {
        let (payload, _) = d.verification["DV1.".len()..].split_once('.').unwrap();
        let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let whole = serde_json::to_string(d).unwrap();
        for id in [PERSON, AGENT] {
            for hay in [&d.verification, &decoded, &whole] {
                assert!(!hay.contains(id), "{:?} carries the full ID {id}", d.kind);
            }
        }
        assert!(decoded.contains("4405**********0014"), "{decoded}");
        assert_eq!(
            d.body.agent.as_ref().unwrap().id_masked,
            "1101**********002X"
        );
    }
    // Only an acceptance names a deadline.
    let vk = SigningKey::from_bytes(&[3; 32]).verifying_key();
    assert!(docs
        .iter()
        .all(|d| verify(&d.verification, &vk).unwrap().due_on.is_none()));
}

#[test]
fn the_event_carries_the_document_filed_on_the_case() {
    let hall = HallConfig::sample().unwrap();
    let cal = Calendar::embedded();
    let key = SigningKey::from_bytes(&[3; 32]);
    let ctx = IntakeCtx {
        now: DateTime::parse_from_rfc3339("2026-09-30T15:20:00+08:00").unwrap(),
        hall: &hall,
        calendar: &cal,
        signer: &key,
        window: None,
    };
    let mut cases = Cases::new();
    let mut last = None;
    for c in [
        open("QY002"),
        json!({"kind":"case_materials","case":SERIAL,"materials":[
        {"material":"M1","status":"submitted"},{"material":"M2","status":"submitted"},{"material":"M3","status":"committed"}]}),
        json!({"kind":"case_decide","case":SERIAL,"decision":"complete"}),
    ] {
        let cmd: CaseCommand = serde_json::from_value(c).unwrap();
        for e in cases.decide(&cmd, &ctx).unwrap() {
            cases.apply(&e);
            last = Some(e);
        }
    }
    let e = last.unwrap();
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["kind"], "case_completed");
    assert_eq!(v["case"]["state"], "completed");
    assert_eq!(v["document"]["kind"], "completion");
    // The 告知承诺书 for M3 came first; the completion is filed last.
    assert_eq!(v["case"]["documents"][0]["kind"], "commitment");
    assert_eq!(v["case"]["documents"][1], v["document"]);
    assert!(matches!(e, CaseEvent::CaseCompleted { .. }));
    assert_eq!(v["document"]["issued_at"], "2026-09-30T15:20:00+08:00");
    assert_eq!(v["case"]["received_on"], "2026-09-30");
}

//! The notification outbox (GD 22, issue 14): a completed case queues one "result ready" notice
//! with the delivery the applicant chose, a refusal one "decision refused" notice, in the same
//! commit as the event; retries and restarts queue nothing more. Without a mobile number they
//! are recorded `no_contact` and never sent; with one, they wait for the sender, the number
//! kept in `pii` (purge erases it). "Your turn is near" is queued once per ticket with a
//! number when it reaches the configured people-ahead point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{at, counter, hall, kiosk};
use queue_core::clock::ManualClock;
use queue_core::hall::Command;
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::{NoticeState, Store};
use serde_json::{json, Value};

fn start(db: &Path) -> HallService {
    HallService::start(
        db,
        hall(),
        Arc::new(ManualClock::new(at(2026, 11, 23, 9, 0))),
        Box::new(|_| {}),
        ServiceOptions::default(),
    )
    .unwrap()
}

fn run(svc: &HallService, v: Value, key: Option<&str>) -> Value {
    run_as(svc, counter(1), v, key)
}

fn run_as(svc: &HallService, actor: queue_core::auth::Actor, v: Value, key: Option<&str>) -> Value {
    let o = svc.submit_wait(
        actor,
        Command::from_json(&v).unwrap(),
        key.map(String::from),
    );
    assert!(o.ok, "{v} -> {o:?}");
    o.result.unwrap()
}

/// Opens a case with every material submitted and accepts it; returns its serial.
fn accepted_case(svc: &HallService, extra: Value) -> String {
    let mut open = json!({"kind":"case_open","item":"QY001",
        "applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"}});
    if let (Some(o), Some(e)) = (open.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    let r = run(svc, open, None);
    let case = r["case"]["id"].as_str().unwrap().to_string();
    let materials: Vec<Value> = r["case"]["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] != "shared")
        .map(|m| json!({"material": m["id"], "status": "submitted"}))
        .collect();
    run(
        svc,
        json!({"kind":"case_materials","case":case,"materials":materials}),
        None,
    );
    run(
        svc,
        json!({"kind":"case_decide","case":case,"decision":"accept"}),
        None,
    );
    case
}

#[test]
fn results_and_refusals_queue_one_notice_each_with_the_chosen_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start(&db);
    let posted = accepted_case(
        &svc,
        json!({"delivery":"post","delivery_address":"广州市花都区新华路1号","mobile":"138 1234 5678"}),
    );
    let complete = json!({"kind":"case_decide","case":posted,"decision":"complete"});
    let r = run(&svc, complete.clone(), Some("tok:c1"));
    // The reply (stored for retries) shows the number masked.
    assert_eq!(r["case"]["mobile"], "138****5678");
    // A retry of the same command (same key) is answered from the stored reply.
    run(&svc, complete, Some("tok:c1"));
    let refused = accepted_case(&svc, json!({}));
    run(
        &svc,
        json!({"kind":"case_decide","case":refused,"decision":"refuse","reasons":["权属存在争议"]}),
        None,
    );
    // Nothing for cases still under way.
    accepted_case(&svc, json!({}));
    svc.shutdown();

    let store = Store::open(&db).unwrap();
    let all = store.outbox_all().unwrap();
    let got: Vec<(&str, &str, &str, NoticeState)> = all
        .iter()
        .map(|n| {
            (
                n.kind.as_str(),
                n.case_id.as_str(),
                n.channel.as_str(),
                n.state,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "result_ready",
                posted.as_str(),
                "post",
                NoticeState::Pending
            ),
            // No number on file: recorded, never sent.
            (
                "decision_refused",
                refused.as_str(),
                "collection",
                NoticeState::NoContact
            ),
        ]
    );
    let pending = store.outbox_pending().unwrap();
    assert_eq!(pending.len(), 1);
    let first = &pending[0];
    assert_eq!(first.reference, posted);
    assert!(
        first.text.contains("已办结") && first.text.contains("邮寄"),
        "{}",
        first.text
    );
    assert_eq!(
        store.notice_mobile(first).unwrap().as_deref(),
        Some("13812345678")
    );
    drop(store);
    // Restarting (replay or checkpoint) queues nothing again.
    start(&db).shutdown();
    let store = Store::open(&db).unwrap();
    assert_eq!(store.outbox_all().unwrap().len(), 2);
    // A sender records a failed attempt, then marks it sent, once.
    store
        .record_notice_failure(first.id, "2026-11-23T10:00:00+08:00", "HTTP 503", false)
        .unwrap();
    let c = store.outbox_counts().unwrap();
    assert_eq!((c.pending, c.retrying, c.no_contact), (1, 1, 1));
    assert!(store
        .mark_notice_sent(first.id, "2026-11-23T10:00:05+08:00")
        .unwrap());
    assert!(!store
        .mark_notice_sent(first.id, "2026-11-23T10:01:00+08:00")
        .unwrap());
    assert_eq!(store.outbox_pending().unwrap().len(), 0);
    let sent = &store.outbox_all().unwrap()[0];
    assert_eq!((sent.state, sent.attempts), (NoticeState::Sent, 2));
    // The outbox holds no number: only a `pii` reference.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let contacts: Vec<Option<String>> = conn
        .prepare("SELECT contact FROM outbox ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(contacts[0].as_deref().unwrap().starts_with("pii:"));
    assert_eq!(contacts[1], None);
}

#[test]
fn a_bad_mobile_number_is_refused_with_a_clear_bilingual_error() {
    let dir = tempfile::tempdir().unwrap();
    let svc = start(&dir.path().join("hall.db"));
    for v in [
        json!({"kind":"issue_ticket","queue":"A","mobile":"12345678901"}),
        json!({"kind":"case_open","item":"QY001","mobile":"020-8765432",
            "applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"}}),
    ] {
        let o = svc.submit_wait(counter(1), Command::from_json(&v).unwrap(), None);
        let e = o.error.unwrap();
        assert_eq!(e.code, "invalid_mobile");
        assert!(
            e.message.contains("手机号码") && e.message.contains("11 digits"),
            "{}",
            e.message
        );
    }
    svc.shutdown();
}

/// Issues a ticket in queue A from the kiosk, with or without a number; returns its id.
fn ticket(svc: &HallService, mobile: Option<&str>) -> String {
    let mut v = json!({"kind":"issue_ticket","queue":"A"});
    if let Some(m) = mobile {
        v["mobile"] = json!(m);
    }
    run_as(svc, kiosk(), v, None)["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn turn_near_subjects(db: &Path) -> Vec<(String, String)> {
    Store::open(db)
        .unwrap()
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "turn_near")
        .map(|n| (n.subject, n.text))
        .collect()
}

#[test]
fn turn_near_is_queued_once_when_three_are_ahead_and_never_for_others() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start(&db);
    // The sample sets `[notify] turn_near_ahead = 3`. Windows 1 and 2 serve queue A.
    let near_head = ticket(&svc, Some("13800000001")); // 0 ahead at issue: told at the kiosk
    let _t2 = ticket(&svc, None);
    let _t3 = ticket(&svc, None);
    let _t4 = ticket(&svc, Some("13800000004")); // 3 ahead at issue: near already
    let fifth = ticket(&svc, Some("13800000005")); // 4 ahead
    let no_number = ticket(&svc, None); // 5 ahead, no number
    let seventh = ticket(&svc, Some("13800000007")); // 6 ahead
    assert!(turn_near_subjects(&db).is_empty());
    // One call: the fifth ticket now has 3 ahead.
    run(&svc, json!({"kind":"call_next"}), None);
    let got = turn_near_subjects(&db);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, fifth);
    assert!(got[0].1.contains("前面还有 3 人"), "{}", got[0].1);
    // Finishing and calling on: the fifth moves closer (no second notice); the seventh
    // reaches 3 ahead after three more calls.
    for _ in 0..3 {
        run(&svc, json!({"kind":"finish"}), None);
        run(&svc, json!({"kind":"call_next"}), None);
    }
    svc.shutdown();
    // A restart (replay) queues nothing more either.
    let svc = start(&db);
    run(&svc, json!({"kind":"finish"}), None);
    svc.shutdown();
    let got: Vec<String> = turn_near_subjects(&db)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(got, vec![fifth.clone(), seventh.clone()]);
    assert!(!got.contains(&near_head) && !got.contains(&no_number));
    // Each is pending with its own number for the sender.
    let store = Store::open(&db).unwrap();
    let mobiles: Vec<Option<String>> = store
        .outbox_pending()
        .unwrap()
        .iter()
        .map(|n| store.notice_mobile(n).unwrap())
        .collect();
    assert_eq!(
        mobiles,
        vec![
            Some("13800000005".to_string()),
            Some("13800000007".to_string())
        ]
    );
}

#[test]
fn purge_erases_the_numbers_of_queued_notices() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start(&db);
    let case = accepted_case(&svc, json!({"mobile":"13912345678"}));
    run(
        &svc,
        json!({"kind":"case_decide","case":case,"decision":"complete"}),
        None,
    );
    svc.shutdown();
    let store = Store::open(&db).unwrap();
    let r = store.purge("2026-11-24", "2026-11-24").unwrap();
    assert!(r.values >= 1);
    let all = store.outbox_all().unwrap();
    assert_eq!(all[0].state, NoticeState::NoContact);
    assert_eq!(store.notice_mobile(&all[0]).unwrap(), None);
    drop(store);
    let raw = std::fs::read(&db).unwrap();
    assert!(!raw.windows(11).any(|w| w == b"13912345678"));
    // After purge the replayed case holds a placeholder, never sent to.
    let svc = start(&db);
    assert!(svc
        .read()
        .hall
        .cases
        .iter()
        .all(|c| c.mobile.as_deref() != Some("13912345678")));
    svc.shutdown();
}

#[test]
fn a_closed_bad_rating_follow_up_tells_the_applicant_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start(&db);
    let clerk = queue_core::auth::Actor {
        token: Some(41),
        ..counter(1)
    };
    let id = ticket(&svc, Some("13912345678"));
    run_as(&svc, clerk, json!({"kind":"call_next"}), None);
    let done = run_as(&svc, clerk, json!({"kind":"finish"}), None);
    assert_eq!(done["ticket"]["id"], json!(id));
    let number = done["ticket"]["number"].as_str().unwrap().to_string();
    let r = run_as(
        &svc,
        kiosk(),
        json!({"kind":"evaluate","ticket":number,"rating":1,"reason":"等太久"}),
        None,
    );
    let follow_up = r["follow_up_id"].as_str().unwrap().to_string();
    let manager = common::manager();
    for (kind, note) in [
        ("follow_up_callback", "已电话回访"),
        ("follow_up_rectify", "高峰时段加开窗口"),
        ("follow_up_feedback", "已增设高峰时段窗口，等候时间将缩短。"),
    ] {
        // Nothing is sent before the feedback is given.
        let queued = Store::open(&db).unwrap().outbox_all().unwrap();
        assert!(queued.iter().all(|n| n.kind != "rating_feedback"));
        run_as(
            &svc,
            manager,
            json!({"kind":kind,"follow_up":follow_up,"note":note}),
            None,
        );
    }
    svc.shutdown();
    let store = Store::open(&db).unwrap();
    let notes: Vec<_> = store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "rating_feedback")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let n = &notes[0];
    assert_eq!(n.subject, follow_up);
    assert_eq!(n.reference, number);
    assert!(n.text.contains("已增设高峰时段窗口"), "{}", n.text);
    assert!(n.text.contains(&number), "{}", n.text);
    assert_eq!(n.state, NoticeState::Pending);
    assert_eq!(
        store.notice_mobile(n).unwrap(),
        Some("13912345678".to_string())
    );
}

//! The notification outbox (GD 22): a completed case queues one "result ready" notice with the
//! delivery the applicant chose, a refusal one "decision refused" notice, in the same commit as
//! the event; retries and restarts queue nothing more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{at, counter, hall};
use queue_core::clock::ManualClock;
use queue_core::hall::Command;
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::Store;
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
    let o = svc.submit_wait(
        counter(1),
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
        json!({"delivery":"post","delivery_address":"广州市花都区新华路1号"}),
    );
    let complete = json!({"kind":"case_decide","case":posted,"decision":"complete"});
    run(&svc, complete.clone(), Some("tok:c1"));
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

    let pending = Store::open(&db).unwrap().outbox_pending().unwrap();
    let got: Vec<(&str, &str, &str)> = pending
        .iter()
        .map(|n| (n.kind.as_str(), n.case_id.as_str(), n.channel.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("result_ready", posted.as_str(), "post"),
            ("decision_refused", refused.as_str(), "collection"),
        ]
    );
    // Restarting (replay or checkpoint) queues nothing again.
    start(&db).shutdown();
    let store = Store::open(&db).unwrap();
    assert_eq!(store.outbox_all().unwrap().len(), 2);
    // A sender marks them sent, once.
    let first = &pending[0];
    assert!(store
        .mark_notice_sent(first.id, "2026-11-23T10:00:00+08:00")
        .unwrap());
    assert!(!store
        .mark_notice_sent(first.id, "2026-11-23T10:01:00+08:00")
        .unwrap());
    assert_eq!(store.outbox_pending().unwrap().len(), 1);
    // The outbox holds no personal data: serial and channel only.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let cols: Vec<String> = conn
        .prepare("SELECT * FROM outbox")
        .unwrap()
        .column_names()
        .iter()
        .map(|c| (*c).to_string())
        .collect();
    assert_eq!(
        cols,
        [
            "id",
            "seq",
            "kind",
            "case_id",
            "channel",
            "created_at",
            "sent_at"
        ]
    );
}

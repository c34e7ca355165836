//! The durable store and the single writer: replies after commit, restart, idempotent retries,
//! tamper detection, schema guard, and concurrent submitters without double calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use common::{at, counter, hall, kiosk};
use queue_core::clock::ManualClock;
use queue_core::hall::Command;
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::{Store, StoreError};
use serde_json::json;

fn start(db: &std::path::Path) -> (HallService, Arc<Mutex<Vec<u64>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = Arc::clone(&seen);
    let svc = HallService::start(
        db,
        hall(),
        Arc::new(ManualClock::new(at(2026, 11, 23, 9, 0))),
        Box::new(move |recs| s2.lock().unwrap().extend(recs.iter().map(|r| r.seq))),
        ServiceOptions::default(),
    )
    .unwrap();
    (svc, seen)
}

fn cmd(v: serde_json::Value) -> Command {
    Command::from_json(&v).unwrap()
}

#[test]
fn replies_after_commit_and_state_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let (svc, seen) = start(&db);
    let o = svc.submit_wait(
        kiosk(),
        cmd(json!({"kind":"issue_ticket","queue":"A"})),
        None,
    );
    assert!(o.ok, "{o:?}");
    let seq = o.seq.unwrap();
    // The reply's seq is durable: a separate connection sees it.
    let events = Store::open(&db).unwrap().load_events().unwrap();
    assert!(events.iter().any(|r| r.seq == seq));
    assert!(
        seen.lock().unwrap().contains(&seq),
        "published to subscribers"
    );
    svc.shutdown();
    let (svc, _) = start(&db);
    assert_eq!(svc.read().hall.queue.tickets.len(), 1);
    let o = svc.submit_wait(
        kiosk(),
        cmd(json!({"kind":"issue_ticket","queue":"A"})),
        None,
    );
    assert_eq!(
        o.result.unwrap()["ticket"]["number"],
        "A002",
        "numbering continues after restart"
    );
    svc.shutdown();
}

#[test]
fn same_key_is_applied_once_with_the_same_reply() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let (svc, _) = start(&db);
    let c = cmd(json!({"kind":"issue_ticket","queue":"B"}));
    let a = svc.submit_wait(kiosk(), c.clone(), Some("tok1:c-1".into()));
    let b = svc.submit_wait(kiosk(), c.clone(), Some("tok1:c-1".into()));
    assert_eq!(a, b);
    svc.shutdown();
    // Also across a restart.
    let (svc, _) = start(&db);
    let again = svc.submit_wait(kiosk(), c, Some("tok1:c-1".into()));
    assert_eq!(a, again);
    assert_eq!(svc.read().hall.queue.tickets.len(), 1);
    svc.shutdown();
}

#[test]
fn tampering_with_the_log_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let (svc, _) = start(&db);
    for _ in 0..3 {
        assert!(
            svc.submit_wait(
                kiosk(),
                cmd(json!({"kind":"issue_ticket","queue":"A"})),
                None
            )
            .ok
        );
    }
    svc.shutdown();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM events WHERE kind = 'ticket_issued' AND body LIKE '%A002%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE events SET body = replace(body, 'A002', 'A009') WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    drop(conn);
    let err = Store::open(&db).unwrap().load_events().unwrap_err();
    assert!(
        matches!(err, StoreError::Tampered { seq: s, .. } if s == seq as u64),
        "{err}"
    );
    // Deleting an event is caught too.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE events SET body = replace(body, 'A009', 'A002') WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    conn.execute("DELETE FROM events WHERE seq = ?1", [seq])
        .unwrap();
    drop(conn);
    let err = Store::open(&db).unwrap().load_events().unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    drop(Store::open(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&db).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade"));
}

#[test]
fn many_windows_racing_never_double_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let (svc, _) = start(&db);
    for _ in 0..300 {
        assert!(
            svc.submit_wait(
                kiosk(),
                cmd(json!({"kind":"issue_ticket","queue":"A"})),
                None
            )
            .ok
        );
    }
    // Windows 1, 2, 3, 11, 12 (opened for A), 14 all serve A; each calls and finishes in a loop.
    let mgr = common::manager();
    for w in [11, 12] {
        assert!(
            svc.submit_wait(
                mgr,
                cmd(json!({"kind":"set_window","window":w,"state":"open","queues":["A"]})),
                None
            )
            .ok
        );
    }
    let called = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = [1u32, 2, 3, 11, 12, 14]
        .into_iter()
        .map(|w| {
            let svc = svc.clone();
            let called = Arc::clone(&called);
            std::thread::spawn(move || loop {
                let o = svc.submit_wait(counter(w), cmd(json!({"kind":"call_next"})), None);
                if !o.ok {
                    assert_eq!(o.error.unwrap().code, "queue_empty");
                    break;
                }
                let id = o.result.unwrap()["ticket"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                called.lock().unwrap().push(id);
                assert!(
                    svc.submit_wait(counter(w), cmd(json!({"kind":"finish"})), None)
                        .ok
                );
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let called = called.lock().unwrap();
    let unique: HashSet<_> = called.iter().collect();
    assert_eq!(called.len(), 300, "every ticket called");
    assert_eq!(unique.len(), 300, "no ticket called twice");
    svc.shutdown();
}

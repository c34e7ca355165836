//! Personal data at rest: kept out of the chained event bodies, erased by `purge` while the
//! chain still verifies, replies pruned after the retry horizon, private file modes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use common::{at, counter, hall, kiosk};
use queue_core::auth::{Actor, Role};
use queue_core::clock::ManualClock;
use queue_core::hall::{Command, Event};
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::{ClockMode, Store, StoreError, PURGED};
use serde_json::json;

const ID: &str = "440524188001010014";
const NAME: &str = "张三丰";
/// Mobile numbers left at the kiosk (ticket) and at the counter (case).
const MOBILE: &str = "13812345678";
const MOBILE_CASE: &str = "19987654321";

fn start_at(db: &Path, t: chrono::DateTime<chrono::FixedOffset>) -> HallService {
    HallService::start(
        db,
        hall(),
        Arc::new(ManualClock::new(t)),
        Box::new(|_| {}),
        ServiceOptions::default(),
    )
    .unwrap()
}

fn cmd(v: serde_json::Value) -> Command {
    Command::from_json(&v).unwrap()
}

/// A case and a ticket carrying the ID number and a mobile number each, the case's reply
/// stored for retries.
fn record_personal_data(svc: &HallService) {
    let o = svc.submit_wait(
        kiosk(),
        cmd(json!({"kind":"issue_ticket","queue":"A","id_number":ID,"mobile":MOBILE})),
        None,
    );
    assert!(o.ok, "{o:?}");
    let o = svc.submit_wait(
        counter(1),
        cmd(
            json!({"kind":"case_open","item":"QY001","mobile":MOBILE_CASE,
            "applicant":{"kind":"person","name":NAME,"id_number":ID}}),
        ),
        Some("tok:1".into()),
    );
    assert!(o.ok, "{o:?}");
    // A complaint under 首问负责: its applicant is personal data like a case's.
    let o = svc.submit_wait(
        counter(2),
        cmd(json!({"kind":"request_record","category":"complaint",
            "applicant":{"name":NAME,"id_number":ID},"matter":"多次往返未办成"})),
        None,
    );
    assert!(o.ok, "{o:?}");
}

fn raw_files(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(Path::new(&p)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn chained_bodies_and_case_rows_hold_no_personal_data_but_events_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    svc.shutdown();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let bodies: Vec<String> = conn
        .prepare(
            "SELECT body FROM events UNION ALL SELECT body FROM cases
             UNION ALL SELECT reply FROM replies",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(bodies.iter().any(|b| b.contains("\"pii:")));
    for b in &bodies {
        assert!(!b.contains(ID) && !b.contains(NAME), "{b}");
        assert!(!b.contains(MOBILE) && !b.contains(MOBILE_CASE), "{b}");
    }
    // The stored reply (kept for retries) holds no number either.
    let replies: Vec<String> = conn
        .prepare("SELECT reply FROM replies")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!replies.is_empty());
    assert!(replies.iter().all(|r| !r.contains(MOBILE_CASE)));
    let digests: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM cases WHERE id_number IS NULL AND id_digest IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(digests, 1);
    drop(conn);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.case_ids_by_id_number(ID).unwrap().len(), 1);
    let events = store.load_events().unwrap();
    let case = events
        .iter()
        .find_map(|r| match &r.event {
            Event::Case(e) => Some(e.case().clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(case.applicant.id_number, ID);
    assert_eq!(case.applicant.name, NAME);
    assert_eq!(case.mobile.as_deref(), Some(MOBILE_CASE));
}

#[test]
fn purge_erases_personal_data_from_the_file_and_the_chain_still_verifies_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    svc.shutdown();
    assert!(
        contains(&raw_files(&db), ID),
        "before purge the data is there"
    );

    let store = Store::open(&db).unwrap();
    let r = store.purge("2026-11-24", "2026-12-01").unwrap();
    assert!(r.values >= 3, "{r:?}");
    assert_eq!(r.replies, 1, "the case reply is past the retry horizon");
    drop(store);
    let raw = raw_files(&db);
    assert!(!contains(&raw, ID), "the ID number is gone from the file");
    assert!(!contains(&raw, NAME), "the name is gone from the file");
    assert!(!contains(&raw, MOBILE), "the kiosk's mobile number is gone");
    assert!(
        !contains(&raw, MOBILE_CASE),
        "the counter's mobile number is gone"
    );

    let store = Store::open(&db).unwrap();
    let keys = [hall().verifying_key()];
    let check = store.verify_log(&keys).unwrap();
    assert_eq!(check.first_bad(), None, "{:?}", check.bad);
    let events = store.load_events().unwrap();
    let case = events
        .iter()
        .find_map(|r| match &r.event {
            Event::Case(e) => Some(e.case().clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(case.applicant.id_number, PURGED);
    assert_eq!(case.applicant.name, PURGED);
    assert_eq!(case.mobile.as_deref(), Some(PURGED));
    drop(store);
    // Replay after purge still starts, and the hall keeps working.
    let svc = start_at(&db, at(2026, 11, 25, 9, 0));
    assert_eq!(svc.read().hall.cases.len(), 1);
    let o = svc.submit_wait(
        kiosk(),
        cmd(json!({"kind":"issue_ticket","queue":"A"})),
        None,
    );
    assert!(o.ok, "{o:?}");
    svc.shutdown();
}

#[test]
fn purge_keeps_data_newer_than_the_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    svc.shutdown();
    let store = Store::open(&db).unwrap();
    let r = store.purge("2026-11-23", "2026-11-16").unwrap();
    assert_eq!((r.values, r.replies), (0, 0));
    assert!(contains(&raw_files(&db), ID));
}

#[test]
fn an_edited_personal_data_row_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    svc.shutdown();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE pii SET value = '440524188001010022' WHERE value = ?1",
        [ID],
    )
    .unwrap();
    drop(conn);
    let err = Store::open(&db).unwrap().load_events().unwrap_err();
    assert!(matches!(err, StoreError::Tampered { .. }), "{err}");
    assert!(err.to_string().contains("verify-log"), "{err}");
}

#[test]
fn replies_older_than_the_retry_horizon_are_pruned_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    svc.shutdown();
    let count = |db: &Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM replies", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&db), 1);
    start_at(&db, at(2026, 11, 29, 9, 0)).shutdown();
    assert_eq!(count(&db), 1, "within 7 days the retry is still answered");
    start_at(&db, at(2026, 12, 1, 9, 0)).shutdown();
    assert_eq!(
        count(&db),
        0,
        "past the horizon the reply (with its full ID) is gone"
    );
}

#[test]
fn every_event_records_its_actor_with_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    let actor = Actor {
        role: Role::Kiosk,
        window: None,
        token: Some(42),
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    let o = svc.submit_wait(actor, cmd(json!({"kind":"issue_ticket","queue":"A"})), None);
    svc.shutdown();
    let store = Store::open(&db).unwrap();
    let recorded = store.event_actor(o.seq.unwrap()).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(v, json!({"role":"kiosk","window":null,"token":42}));
    // The actor is covered by the hash: changing it is tampering.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE events SET actor = replace(actor, '42', '43') WHERE seq = ?1",
        [o.seq.unwrap()],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&db).unwrap().load_events(),
        Err(StoreError::Tampered { .. })
    ));
}

#[test]
fn database_directory_and_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new").join("hall-data");
    let db = data.join("hall.db");
    let svc = start_at(&db, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&data.join("hall.db-wal")), 0o600);
    assert_eq!(mode(&data.join("hall.db-shm")), 0o600);
    svc.shutdown();
}

#[test]
fn clock_modes_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let store = Store::open(&db).unwrap();
    // Empty: any mode, then marked.
    store.claim_clock_mode(ClockMode::Simulated).unwrap();
    assert_eq!(store.clock_mode().unwrap(), Some(ClockMode::Simulated));
    assert!(matches!(
        store.claim_clock_mode(ClockMode::Real),
        Err(StoreError::ClockMode { .. })
    ));
    store.claim_clock_mode(ClockMode::Simulated).unwrap();
    // A database with events from before marking existed was run in real time.
    let db2 = dir.path().join("old.db");
    let svc = start_at(&db2, at(2026, 11, 23, 9, 0));
    record_personal_data(&svc);
    svc.shutdown();
    let store = Store::open(&db2).unwrap();
    let err = store.claim_clock_mode(ClockMode::Simulated).unwrap_err();
    assert!(err.to_string().contains("real time"), "{err}");
    store.claim_clock_mode(ClockMode::Real).unwrap();
}

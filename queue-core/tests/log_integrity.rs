//! A log that proves itself: every damaged row is named, truncation and rewriting with
//! recomputed hashes are caught against the signed heads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{at, hall, kiosk};
use queue_core::clock::ManualClock;
use queue_core::hall::Command;
use queue_core::service::{HallService, ServiceError, ServiceOptions};
use queue_core::store::{record_hash, Store, StoreError};
use serde_json::json;

fn start(db: &Path) -> Result<HallService, ServiceError> {
    HallService::start(
        db,
        hall(),
        Arc::new(ManualClock::new(at(2026, 11, 23, 9, 0))),
        Box::new(|_| {}),
        ServiceOptions::default(),
    )
}

/// A log of `n` tickets, written and cleanly stopped (so its head is signed).
fn log_with(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let svc = start(&db).unwrap();
    for _ in 0..n {
        let c = Command::from_json(&json!({"kind":"issue_ticket","queue":"A"})).unwrap();
        assert!(svc.submit_wait(kiosk(), c, None).ok);
    }
    svc.shutdown();
    (dir, db)
}

/// The damage the hall reports: at start-up, or (for events a checkpoint covers, which
/// start-up does not replay) from the whole-log check the server runs right after it starts
/// and that stops the hall.
fn refused(db: &Path) -> StoreError {
    match start(db) {
        Err(ServiceError::Store(e)) => e,
        Err(e) => panic!("unexpected {e}"),
        Ok(s) => {
            s.shutdown();
            HallService::verify_whole_log(db, &[hall().verifying_key()])
                .unwrap()
                .expect("a damaged log was served and passed the whole-log check")
        }
    }
}

#[test]
fn an_edited_body_is_named_by_seq_and_the_walk_goes_on() {
    let (_d, db) = log_with(6);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM events WHERE kind = 'ticket_issued' AND body LIKE '%A003%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM events", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        "UPDATE events SET body = replace(body, 'A003', 'A009') WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    // A second, unparseable row: the walk must not stop at it.
    conn.execute(
        "UPDATE events SET body = '{not json' WHERE seq = ?1",
        [last],
    )
    .unwrap();
    drop(conn);
    let seq = seq as u64;
    let check = Store::open(&db)
        .unwrap()
        .verify_log(&[hall().verifying_key()])
        .unwrap();
    assert_eq!(check.first_bad(), Some(seq), "{:?}", check.bad);
    assert_eq!(check.bad_seqs(), 2, "{:?}", check.bad);
    assert_eq!(check.events, last as u64);
    let err = refused(&db);
    assert!(
        matches!(err, StoreError::Tampered { seq: s, .. } if s == seq),
        "{err}"
    );
    assert!(err.to_string().contains("dashboard verify-log"), "{err}");
}

#[test]
fn deleting_the_tail_is_detected_against_the_signed_head() {
    let (_d, db) = log_with(5);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM events", [], |r| r.get(0))
        .unwrap();
    conn.execute("DELETE FROM events WHERE seq >= ?1", [last - 1])
        .unwrap();
    drop(conn);
    // The chain that is left is consistent in itself…
    Store::open(&db).unwrap().load_events().unwrap();
    // …but not with the head the hall signed when it stopped.
    let err = refused(&db);
    assert!(err.to_string().contains("removed"), "{err}");
    let check = Store::open(&db)
        .unwrap()
        .verify_log(&[hall().verifying_key()])
        .unwrap();
    assert_eq!(check.first_bad(), Some(last as u64 - 1), "{:?}", check.bad);
}

#[test]
fn rewriting_with_recomputed_hashes_is_detected() {
    let (_d, db) = log_with(4);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE events SET body = replace(body, 'A002', 'A008') WHERE kind = 'ticket_issued'",
        [],
    )
    .unwrap();
    // Recompute every hash and link from seq 1 on, as an attacker with the file would.
    let rows: Vec<(i64, String, Option<String>, String)> = conn
        .prepare("SELECT seq, at, actor, body FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev = vec![0u8; 32];
    for (seq, at, actor, body) in rows {
        let h = record_hash(&prev, seq as u64, &at, actor.as_deref(), &body);
        conn.execute(
            "UPDATE events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![seq, prev, h],
        )
        .unwrap();
        prev = h;
    }
    drop(conn);
    Store::open(&db).unwrap().load_events().unwrap();
    let err = refused(&db);
    assert!(err.to_string().contains("rewritten"), "{err}");
    // A head forged with another key does not help.
    let other = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
    Store::open(&db)
        .unwrap()
        .sign_head("2026-11-23T10:00:00+08:00", &other)
        .unwrap();
    let check = Store::open(&db)
        .unwrap()
        .verify_log(&[hall().verifying_key()])
        .unwrap();
    assert!(
        check
            .bad
            .iter()
            .any(|(_, w)| w.contains("not signed by a centre key")),
        "{:?}",
        check.bad
    );
}

#[test]
fn an_intact_log_verifies_and_heads_are_signed_at_start_and_stop() {
    let (_d, db) = log_with(3);
    let store = Store::open(&db).unwrap();
    let check = store.verify_log(&[hall().verifying_key()]).unwrap();
    assert_eq!(check.first_bad(), None, "{:?}", check.bad);
    let heads = store.signed_heads().unwrap();
    assert_eq!(heads.len(), 2, "start and clean stop");
    assert_eq!(heads[0].seq, 0);
    assert_eq!(heads[1].seq, store.head().unwrap().0);
    assert!(heads[1].seq >= 3);
    drop(store);
    start(&db).unwrap().shutdown();
}

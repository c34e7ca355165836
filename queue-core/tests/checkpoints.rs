//! State checkpoints: a checkpoint plus the log after it rebuilds exactly the state a full
//! replay does; a damaged, foreign or stale checkpoint is detected and skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, hall, Driver};
use proptest::prelude::*;
use queue_core::checkpoint::{self, CheckpointError};
use queue_core::clock::ManualClock;
use queue_core::hall::{Command, Hall};
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::{EventRecord, Store};
use serde_json::json;

#[derive(Debug, Clone)]
enum Op {
    Issue(u8, u8),
    Call(u8),
    Start(u8),
    Finish(u8),
    NoShow(u8),
    Open(u8),
    Later(u8),
    NextDay,
    /// The applicant rates the latest finished ticket (1–2 open a follow-up).
    Rate(u8),
    /// A window records a 办不成事 request or complaint.
    Record(u8),
    /// A follow-up or request step on the k-th record.
    Step(u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3u8, 0..3u8).prop_map(|(q, c)| Op::Issue(q, c)),
        3 => (0..4u8).prop_map(Op::Call),
        2 => (0..4u8).prop_map(Op::Start),
        2 => (0..4u8).prop_map(Op::Finish),
        1 => (0..4u8).prop_map(Op::NoShow),
        1 => (0..4u8).prop_map(Op::Open),
        2 => (1..90u8).prop_map(Op::Later),
        1 => Just(Op::NextDay),
        2 => (1..=5u8).prop_map(Op::Rate),
        1 => (0..4u8).prop_map(Op::Record),
        3 => (0..8u8, 0..6u8).prop_map(|(k, s)| Op::Step(k, s)),
    ]
}

/// Windows 1, 4, 7, 3 serve A, B, C and A+D in the sample centre.
const WINDOWS: [u32; 4] = [1, 4, 7, 3];

fn run(d: &mut Driver, op: &Op) {
    let w = |i: &u8| WINDOWS[usize::from(*i) % WINDOWS.len()];
    let _ = match op {
        Op::Issue(q, c) => {
            let queue = ["A", "B", "C"][usize::from(*q)];
            let channel = ["walk_in", "green", "urgent"][usize::from(*c)];
            d.run(
                common::kiosk(),
                json!({"kind":"issue_ticket","queue":queue,"channel":channel}),
            )
        }
        Op::Call(i) => d.run(counter(w(i)), json!({"kind":"call_next"})),
        Op::Start(i) => d.run(counter(w(i)), json!({"kind":"start_service"})),
        Op::Finish(i) => d.run(counter(w(i)), json!({"kind":"finish"})),
        Op::NoShow(i) => d.run(counter(w(i)), json!({"kind":"no_show"})),
        Op::Open(i) => d.run(
            counter(w(i)),
            json!({"kind":"case_open","item":"QY001",
                   "applicant":{"kind":"person","name":"张三","id_number":"11010519491231002X"}}),
        ),
        Op::Later(m) => {
            d.advance_minutes(i64::from(*m));
            d.tick();
            Ok(json!(null))
        }
        Op::Rate(r) => {
            let latest = d
                .hall
                .queue
                .tickets
                .values()
                .filter(|t| t.state == queue_core::queue::TicketState::Done)
                .max_by_key(|t| t.finished_at)
                .map(|t| t.id.clone());
            match latest {
                Some(t) => d.run(
                    common::kiosk(),
                    json!({"kind":"evaluate","ticket":t,"rating":r,"reason":"不满意"}),
                ),
                None => Ok(json!(null)),
            }
        }
        Op::Record(i) => d.run(
            counter(w(i)),
            json!({"kind":"request_record","category":(["cannot_do","complaint"][usize::from(*i) % 2]),
                   "applicant":{"name":"李四","id_number":"11010519491231002X"},"matter":"无法办理"}),
        ),
        Op::Step(k, s) => {
            let sup = queue_core::auth::Actor {
                role: queue_core::auth::Role::Supervisor,
                window: None,
                token: Some(9),
                departments: queue_core::auth::DepartmentScope::ALL,
            };
            let f: Vec<String> = d.hall.redress.follow_ups.keys().cloned().collect();
            let r: Vec<String> = d.hall.redress.requests.keys().cloned().collect();
            let k = usize::from(*k);
            let cmd = match s {
                0..=2 if !f.is_empty() => {
                    let kind = ["follow_up_callback", "follow_up_rectify", "follow_up_feedback"]
                        [usize::from(*s)];
                    json!({"kind":kind,"follow_up":f[k % f.len()],"note":"办理"})
                }
                3 if !r.is_empty() => json!({"kind":"request_refer","request":r[k % r.len()],
                    "department":"花都区不动产登记中心","note":"转办"}),
                4 if !r.is_empty() => {
                    json!({"kind":"request_supervise","request":r[k % r.len()],"note":"督办"})
                }
                5 if !r.is_empty() => {
                    json!({"kind":"request_answer","request":r[k % r.len()],"note":"已告知"})
                }
                _ => return,
            };
            d.run(sup, cmd)
        }
        Op::NextDay => {
            d.advance_minutes(24 * 60);
            d.tick();
            Ok(json!(null))
        }
    };
}

/// Writes `log` into a fresh store; returns the hash after each seq (index = seq).
fn write_log(store: &mut Store, log: &[EventRecord]) -> Vec<Vec<u8>> {
    let mut hashes = vec![vec![0u8; 32]];
    let mut b = store.begin().unwrap();
    for r in log {
        let h = b.append(r, hashes.last().unwrap(), None).unwrap();
        hashes.push(h);
    }
    b.commit().unwrap();
    hashes
}

fn same_state(a: &Hall, b: &Hall) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.queue, &b.queue);
    prop_assert_eq!(&a.cases, &b.cases);
    prop_assert_eq!(&a.supervision, &b.supervision);
    prop_assert_eq!(&a.redress, &b.redress);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Checkpoint at any position + the rest of the log = full replay.
    #[test]
    fn checkpoint_plus_tail_equals_full_replay(
        ops in prop::collection::vec(op(), 1..80),
        cut in 0.0f64..1.0,
    ) {
        let mut d = Driver::new(at(2026, 2, 12, 9, 0));
        for o in &ops {
            run(&mut d, o);
        }
        prop_assume!(!d.log.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("hall.db")).unwrap();
        let hashes = write_log(&mut store, &d.log);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let k = ((d.log.len() as f64) * cut) as usize + 1;
        let k = k.min(d.log.len());
        let mut at_k = hall();
        for r in &store.load_events().unwrap()[..k] {
            at_k.apply(&r.event, r.at);
        }
        let c = checkpoint::make(&at_k, k as u64, &hashes[k], d.log[k - 1].at).unwrap();
        store.save_checkpoint(&c).unwrap();

        let mut restored = hall();
        let start = checkpoint::restore_latest(&store, &mut restored).unwrap();
        prop_assert_eq!(start.seq, k as u64, "the checkpoint is used");
        for r in store.load_events_from(start.seq, &start.hash).unwrap() {
            restored.apply(&r.event, r.at);
        }
        // The full replay start-up does without a checkpoint: the whole log, from the store.
        let mut full = hall();
        for r in store.load_events().unwrap() {
            full.apply(&r.event, r.at);
        }
        same_state(&restored, &full)?;
        // And the live state: personal data kept apart from the chain comes back whole.
        prop_assert_eq!(&full.redress, &d.hall.redress);
    }
}

fn driven_log() -> (Driver, tempfile::TempDir, Store, Vec<Vec<u8>>) {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    for o in [
        Op::Issue(0, 0),
        Op::Issue(1, 1),
        Op::Call(0),
        Op::Start(0),
        Op::Open(0),
    ] {
        run(&mut d, &o);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hall.db")).unwrap();
    let hashes = write_log(&mut store, &d.log);
    (d, dir, store, hashes)
}

#[test]
fn a_tampered_checkpoint_is_refused_and_start_up_replays_everything() {
    let (d, _dir, mut store, hashes) = driven_log();
    let n = d.log.len();
    let mut c = checkpoint::make(&d.hall, n as u64, &hashes[n], d.now).unwrap();
    let last = c.state.len() - 1;
    c.state[last] ^= 0x55;
    store.save_checkpoint(&c).unwrap();
    let mut h = hall();
    let log_hash = store.event_hash(n as u64).unwrap();
    assert!(matches!(
        checkpoint::restore(&mut h, &c, log_hash.as_deref()),
        Err(CheckpointError::BadSignature(_))
    ));
    let start = checkpoint::restore_latest(&store, &mut h).unwrap();
    assert_eq!(start.seq, 0, "falls back to a full replay");
    assert_eq!(h.queue, hall().queue, "the hall was left untouched");
}

#[test]
fn a_checkpoint_signed_by_another_key_or_off_the_log_or_for_another_config_is_refused() {
    let (d, _dir, store, hashes) = driven_log();
    let n = d.log.len();
    let c = checkpoint::make(&d.hall, n as u64, &hashes[n], d.now).unwrap();
    let log_hash = store.event_hash(n as u64).unwrap();
    // Another centre's key.
    let mut other = Hall::new(
        d.hall.config.clone(),
        d.hall.calendar.clone(),
        ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]),
    );
    assert!(matches!(
        checkpoint::restore(&mut other, &c, log_hash.as_deref()),
        Err(CheckpointError::BadSignature(_))
    ));
    // A log that was rewritten under it.
    let mut h = hall();
    assert!(matches!(
        checkpoint::restore(&mut h, &c, Some(&[1u8; 32])),
        Err(CheckpointError::NotInLog(_))
    ));
    // The centre changed its configuration since.
    let mut cfg = d.hall.config.clone();
    cfg.windows.retain(|w| w.number != 16);
    let mut changed = Hall::new(
        cfg,
        d.hall.calendar.clone(),
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    );
    assert!(matches!(
        checkpoint::restore(&mut changed, &c, log_hash.as_deref()),
        Err(CheckpointError::ConfigChanged(_))
    ));
}

#[test]
fn the_writer_checkpoints_on_a_clean_stop_and_restart_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let clock = std::sync::Arc::new(ManualClock::new(at(2026, 11, 23, 9, 0)));
    let start = || {
        HallService::start(
            &db,
            hall(),
            clock.clone(),
            Box::new(|_| {}),
            ServiceOptions::default(),
        )
        .unwrap()
    };
    let svc = start();
    for q in ["A", "B", "A"] {
        let o = svc.submit_wait(
            common::kiosk(),
            Command::from_json(&json!({"kind":"issue_ticket","queue":q})).unwrap(),
            None,
        );
        assert!(o.ok, "{o:?}");
    }
    let before = svc.read().hall.queue.clone();
    let seq = svc.read().seq;
    svc.shutdown();
    let store = Store::open(&db).unwrap();
    let cps = store.checkpoints().unwrap();
    assert_eq!(
        cps.first().map(|c| c.seq),
        Some(seq),
        "checkpoint at the last seq"
    );
    drop(store);
    let svc = start();
    assert_eq!(svc.read().hall.queue, before, "same state after restart");
    assert_eq!(svc.read().seq, seq);
    svc.shutdown();
}

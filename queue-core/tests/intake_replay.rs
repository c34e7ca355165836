//! Event sourcing properties: replaying the events rebuilds the same projection; serials are
//! unique, sequential per day, and continue after a replay.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::{self, DocumentKind};
use queue_core::intake::{CaseCommand, CaseEvent, CaseState, Cases, IntakeCtx};
use serde_json::{json, Value};

struct World {
    hall: HallConfig,
    cal: Calendar,
    key: SigningKey,
    now: DateTime<FixedOffset>,
}

impl World {
    fn new(start: &str) -> Self {
        Self {
            hall: HallConfig::sample().unwrap(),
            cal: Calendar::embedded(),
            key: SigningKey::from_bytes(&[9; 32]),
            now: DateTime::parse_from_rfc3339(start).unwrap(),
        }
    }

    fn ctx(&self) -> IntakeCtx<'_> {
        IntakeCtx {
            now: self.now,
            hall: &self.hall,
            calendar: &self.cal,
            signer: &self.key,
            window: Some(1),
        }
    }
}

fn open_cmd(item: &str) -> CaseCommand {
    serde_json::from_value(json!({"kind":"case_open","item":item,
        "applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"}}))
    .unwrap()
}

/// Applies through JSON, as a replay from the event store would.
fn replay(log: &[CaseEvent]) -> Cases {
    let mut cases = Cases::new();
    for e in log {
        let text = serde_json::to_string(e).unwrap();
        let back: CaseEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, e, "event JSON round trip");
        cases.apply(&back);
    }
    cases
}

#[test]
fn serials_are_sequential_per_day_and_continue_after_replay() {
    let mut w = World::new("2026-03-02T09:05:00+08:00");
    let mut live = Cases::new();
    let mut log = Vec::new();
    let open = |w: &World, live: &mut Cases, log: &mut Vec<CaseEvent>| {
        let evs = live.decide(&open_cmd("QY001"), &w.ctx()).unwrap();
        for e in &evs {
            live.apply(e);
        }
        log.extend(evs.iter().cloned());
        evs[0].case().serial.clone()
    };
    assert_eq!(open(&w, &mut live, &mut log), "440114-20260302-00001");
    assert_eq!(open(&w, &mut live, &mut log), "440114-20260302-00002");
    // Counted by the hall's local date: 23:30 UTC on 3/2 is already 3/3 in Guangzhou.
    w.now = DateTime::parse_from_rfc3339("2026-03-02T23:30:00+00:00").unwrap();
    assert_eq!(open(&w, &mut live, &mut log), "440114-20260303-00001");

    // A restart: the projection is rebuilt from the log and numbering goes on.
    let mut rebuilt = replay(&log);
    assert_eq!(rebuilt, live);
    w.now = DateTime::parse_from_rfc3339("2026-03-02T16:00:00+08:00").unwrap();
    assert_eq!(open(&w, &mut rebuilt, &mut log), "440114-20260302-00003");
    assert_eq!(
        rebuilt.next_sequence(NaiveDate::from_ymd_opt(2026, 3, 3).unwrap()),
        2
    );
    assert_eq!(
        rebuilt.get("440114-20260302-00003").unwrap().id,
        "440114-20260302-00003"
    );
}

const ITEMS: [&str; 6] = ["QY001", "QY002", "SB001", "BDC002", "JS001", "HZ002"];
const STATUSES: [&str; 6] = [
    "submitted",
    "missing",
    "nonconforming",
    "corrected_on_spot",
    "tolerated",
    "committed",
];
const DECISIONS: [&str; 6] = [
    "accept",
    "notice",
    "defer_notice",
    "reject",
    "complete",
    "refuse",
];
const PROCEDURES: [&str; 4] = ["inspection", "testing", "hearing", "expert_review"];

#[derive(Debug, Clone)]
enum Op {
    Open(usize),
    Materials(usize, Vec<(usize, usize)>),
    Supplement(usize, Vec<(usize, usize)>),
    Decide(usize, usize, bool),
    Extend(usize, u32, bool),
    /// Every non-shared material submitted: makes acceptance reachable.
    FillAll(usize),
    /// Supplements the first k items the notice listed.
    SupplementListed(usize, usize),
    /// A special procedure stops the clock (PLAN 3.1); `Resume` ends it.
    Pause(usize, usize),
    Resume(usize),
    Collect(usize),
    /// Hours forward.
    Advance(i64),
    Tick,
}

fn op() -> impl Strategy<Value = Op> {
    let reports = prop::collection::vec((0..6usize, 0..6usize), 0..4);
    prop_oneof![
        2 => (0..ITEMS.len()).prop_map(Op::Open),
        4 => (0..8usize, reports.clone()).prop_map(|(c, r)| Op::Materials(c, r)),
        3 => (0..8usize, reports).prop_map(|(c, r)| Op::Supplement(c, r)),
        4 => (0..8usize, 0..DECISIONS.len(), any::<bool>()).prop_map(|(c, d, r)| Op::Decide(c, d, r)),
        3 => (0..8usize, 0..8u32, any::<bool>()).prop_map(|(c, d, r)| Op::Extend(c, d, r)),
        2 => (0..8usize).prop_map(Op::FillAll),
        2 => (0..8usize, 1..4usize).prop_map(|(c, k)| Op::SupplementListed(c, k)),
        2 => (0..8usize, 0..PROCEDURES.len()).prop_map(|(c, p)| Op::Pause(c, p)),
        2 => (0..8usize).prop_map(Op::Resume),
        1 => (0..8usize).prop_map(Op::Collect),
        3 => (1..120i64).prop_map(Op::Advance),
        1 => Just(Op::Tick),
    ]
}

fn reports(live: &Cases, case: &str, r: &[(usize, usize)]) -> Value {
    let mats: Vec<String> = live
        .get(case)
        .map(|c| c.materials.iter().map(|m| m.id.clone()).collect())
        .unwrap_or_default();
    r.iter()
        .map(|&(m, s)| {
            let material = if mats.is_empty() {
                "M1".into()
            } else {
                mats[m % mats.len()].clone()
            };
            json!({"material":material,"status":STATUSES[s],"note":"复印件不清晰"})
        })
        .collect()
}

fn command(op: &Op, live: &Cases) -> Option<CaseCommand> {
    let ids: Vec<String> = live.iter().map(|c| c.id.clone()).collect();
    let case = |i: usize| {
        ids.get(i % ids.len().max(1))
            .cloned()
            .unwrap_or_else(|| "none".into())
    };
    let v = match op {
        Op::Open(i) => return Some(open_cmd(ITEMS[*i])),
        Op::Materials(c, r) => {
            let id = case(*c);
            json!({"kind":"case_materials","case":id,"materials":reports(live, &id, r)})
        }
        Op::Supplement(c, r) => {
            let id = case(*c);
            json!({"kind":"case_supplement","case":id,"materials":reports(live, &id, r)})
        }
        Op::Decide(c, d, r) => {
            let reasons = if *r {
                json!(["材料不符合法定形式"])
            } else {
                Value::Null
            };
            json!({"kind":"case_decide","case":case(*c),"decision":DECISIONS[*d],"reasons":reasons})
        }
        Op::Extend(c, days, r) => {
            json!({"kind":"case_extend","case":case(*c),"days":days,"reason":if *r {"需要现场核查"} else {""}})
        }
        Op::FillAll(c) => {
            let id = case(*c);
            let mats: Vec<Value> = live
                .get(&id)
                .map(|c| {
                    c.materials
                        .iter()
                        .filter(|m| !m.shared_data)
                        .map(|m| json!({"material":m.id,"status":"submitted"}))
                        .collect()
                })
                .unwrap_or_default();
            json!({"kind":"case_materials","case":id,"materials":mats})
        }
        Op::SupplementListed(c, k) => {
            let id = case(*c);
            let mats: Vec<Value> = live
                .get(&id)
                .and_then(|c| c.notice.as_ref())
                .map(|n| {
                    n.deficiencies
                        .iter()
                        .take(*k)
                        .map(|d| json!({"material":d.material,"status":"submitted"}))
                        .collect()
                })
                .unwrap_or_default();
            json!({"kind":"case_supplement","case":id,"materials":mats})
        }
        Op::Pause(c, p) => {
            json!({"kind":"case_pause","case":case(*c),"procedure":PROCEDURES[*p],"reason":"需现场勘验"})
        }
        Op::Resume(c) => json!({"kind":"case_resume","case":case(*c)}),
        Op::Collect(c) => json!({"kind":"case_collect","case":case(*c)}),
        Op::Advance(_) | Op::Tick => return None,
    };
    Some(serde_json::from_value(v).unwrap())
}

/// Invariants every reachable state keeps.
fn check_invariants(w: &World, cases: &Cases) {
    let vk = w.key.verifying_key();
    let mut per_day = std::collections::BTreeMap::<NaiveDate, Vec<u32>>::new();
    for c in cases.iter() {
        assert_eq!(c.id, c.serial);
        let seq: u32 = c.serial.rsplit('-').next().unwrap().parse().unwrap();
        per_day.entry(c.received_on).or_default().push(seq);
        let notices = c
            .documents
            .iter()
            .filter(|d| d.kind == DocumentKind::CorrectionNotice)
            .count();
        assert!(notices <= 1, "one notice at most: {}", c.id);
        if c.state.is_accepted() {
            let acc = c.accepted_on.unwrap();
            // Special procedures do not count against the limit (PLAN 3.1): their working
            // days move it on.
            let paused: u32 = c.pauses.iter().map(|p| p.working_days).sum();
            let legal = w
                .cal
                .add_working_days(acc, c.terms.legal_days + paused)
                .value;
            assert!(c.due_on.unwrap() <= legal, "{}: beyond legal limit", c.id);
            assert!(c
                .documents
                .iter()
                .any(|d| d.kind == DocumentKind::Acceptance));
        }
        if c.state == CaseState::Refused {
            assert!(!c.reasons.is_empty(), "{}: refused without reasons", c.id);
            assert!(c.documents.iter().any(|d| d.kind == DocumentKind::Refusal));
        }
        if c.open_pause().is_some() {
            assert!(c.state.is_accepted(), "{}: paused before acceptance", c.id);
            assert!(c
                .documents
                .iter()
                .any(|d| d.kind == DocumentKind::SpecialProcedureNotice));
        }
        if c.state == CaseState::Rejected {
            assert!(!c.reasons.is_empty());
            assert!(c
                .documents
                .iter()
                .any(|d| d.kind == DocumentKind::Rejection));
        }
        for d in &c.documents {
            let f = document::verify(&d.verification, &vk).unwrap();
            assert!(d.matches(&f));
        }
    }
    for (day, mut seqs) in per_day {
        seqs.sort_unstable();
        let expected: Vec<u32> = (1..=u32::try_from(seqs.len()).unwrap()).collect();
        assert_eq!(seqs, expected, "gapless per-day serials on {day}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn replaying_the_events_rebuilds_the_same_state(ops in prop::collection::vec(op(), 1..60)) {
        let mut w = World::new("2026-09-28T09:30:00+08:00");
        let mut live = Cases::new();
        let mut log: Vec<CaseEvent> = Vec::new();
        for op in &ops {
            let evs = match op {
                Op::Advance(h) => {
                    w.now += Duration::hours(*h);
                    continue;
                }
                Op::Tick => live.tick(&w.ctx()),
                _ => {
                    let Some(cmd) = command(op, &live) else { continue };
                    let before = live.clone();
                    let r = live.decide(&cmd, &w.ctx());
                    prop_assert_eq!(&before, &live);
                    match r {
                        Ok(evs) => evs,
                        Err(e) => {
                            // Every refusal maps to a protocol code.
                            prop_assert!(!e.code().is_empty());
                            continue;
                        }
                    }
                }
            };
            for e in &evs {
                live.apply(e);
            }
            log.extend(evs);
        }
        check_invariants(&w, &live);
        let rebuilt = replay(&log);
        prop_assert_eq!(&rebuilt, &live);
        // Events carry whole cases: applying the log again over a rebuilt state (a replay
        // after a crash between apply and checkpoint) ends in the same state.
        let mut again = rebuilt.clone();
        for e in &log {
            again.apply(e);
        }
        prop_assert_eq!(&again, &live);
    }
}

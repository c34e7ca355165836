//! Scoped fan-out over real websockets: each role's stream holds exactly what the role needs,
//! stays contiguous through `redacted` runs, arrives in `batch` frames when events are ready
//! together, and the kiosk lives on `summary` frames.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::hall::{next_json, Conn, TestHall};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Reads `c` until it has covered seq `upto`; returns the visible events by seq, and checks
/// that the stream (with `redacted` runs) is contiguous from `start`.
async fn drain(c: &mut Conn, start: u64, upto: u64) -> BTreeMap<u64, Value> {
    let mut last = start;
    let mut seen = BTreeMap::new();
    let mut pending: Vec<Value> = std::mem::take(&mut c.events);
    pending.reverse();
    let mut trace: Vec<String> = Vec::new();
    while last < upto {
        let v = match pending.pop() {
            Some(v) => v,
            None => c.next().await.expect("stream continues"),
        };
        trace.push(format!("{}:{}", v["type"], v["seq"]));
        if v["type"] != "event" {
            continue;
        }
        let seq = v["seq"].as_u64().unwrap();
        let ev = &v["event"];
        let from = if ev["kind"] == "redacted" {
            ev["from"].as_u64().unwrap_or(seq)
        } else {
            seq
        };
        assert_eq!(from, last + 1, "contiguous stream: {v} after {trace:?}");
        if ev["kind"] != "redacted" {
            seen.insert(seq, ev.clone());
        }
        last = seq;
    }
    seen
}

/// Tickets an event carries (`ticket`, and `from` for a transfer).
fn tickets(ev: &Value) -> Vec<&Value> {
    ["ticket", "from"]
        .iter()
        .filter_map(|k| ev.get(*k).filter(|t| t.is_object()))
        .collect()
}

/// What a counter at `window` serving `queues` needs, restated from the protocol doc.
fn counter_needs(ev: &Value, window: u64, queues: &[&str]) -> bool {
    let kind = ev["kind"].as_str().unwrap();
    match kind {
        "window_changed" => ev["window"]["number"].as_u64() == Some(window),
        "alert_raised" | "alert_cleared" | "alert_acknowledged" | "threshold_changed"
        | "device_reported" => true,
        "recommendation" | "appointment_booked" | "urgent_refused" | "evaluation_recorded" => false,
        _ if kind.starts_with("case_") => false,
        _ => tickets(ev).iter().any(|t| {
            t["window"].as_u64() == Some(window)
                || queues.contains(&t["queue"].as_str().unwrap_or(""))
        }),
    }
}

#[derive(Debug, Clone)]
enum Step {
    Issue(usize),
    Call(usize),
    Start(usize),
    Finish(usize),
    Pause(usize),
    Resume(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize).prop_map(Step::Issue),
        (0..3usize).prop_map(Step::Call),
        (0..3usize).prop_map(Step::Start),
        (0..3usize).prop_map(Step::Finish),
        (0..3usize).prop_map(Step::Pause),
        (0..3usize).prop_map(Step::Resume),
    ]
}

/// Windows 1, 4 and 7 of the sample centre serve A, B and C alone.
const WINDOWS: [(u32, &str); 3] = [(1, "A"), (4, "B"), (7, "C")];

async fn scoped_streams(steps: Vec<Step>) {
    let h = TestHall::start().await;
    let mut sup = h.connect("supervisor", None).await;
    let mut display = h.connect("display", None).await;
    let mut kiosk = h.connect("kiosk", None).await;
    let mut counters = Vec::new();
    for (w, q) in WINDOWS {
        let c = h.connect("counter", Some(w)).await;
        // The snapshot holds what the stream keeps current: its own window, and tickets of
        // its queue or at its window.
        let state = &c.snapshot["state"];
        let windows: Vec<u64> = state["windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["number"].as_u64().unwrap())
            .collect();
        assert_eq!(windows, vec![u64::from(w)]);
        for t in state["tickets"].as_array().unwrap() {
            assert!(t["queue"] == q || t["window"] == w, "{t}");
        }
        counters.push(c);
    }
    let start = sup.snapshot["seq"].as_u64().unwrap();
    for s in &steps {
        match s {
            Step::Issue(q) => {
                let queue = WINDOWS[*q].1;
                kiosk
                    .command(json!({"kind":"issue_ticket","queue":queue}))
                    .await;
            }
            Step::Call(i) | Step::Start(i) | Step::Finish(i) | Step::Pause(i) | Step::Resume(i) => {
                let kind = match s {
                    Step::Call(_) => "call_next",
                    Step::Start(_) => "start_service",
                    Step::Pause(_) => "pause",
                    Step::Resume(_) => "resume",
                    _ => "finish",
                };
                counters[*i].command(json!({ "kind": kind })).await;
            }
        }
    }
    // A last event everyone can place: the end of the run.
    let end = kiosk
        .command(json!({"kind":"issue_ticket","queue":"F"}))
        .await["seq"]
        .as_u64()
        .unwrap();
    let all = drain(&mut sup, start, end).await;
    assert_eq!(
        all.len() as u64,
        end - start,
        "a supervisor receives every event"
    );
    // Each stream is contiguous from its own snapshot: the hall's first tick may commit
    // between two connections.
    let from = |c: &Conn| c.snapshot["seq"].as_u64().unwrap();
    for (i, c) in counters.iter_mut().enumerate() {
        let (w, q) = WINDOWS[i];
        let c_start = from(c);
        let got = drain(c, c_start, end).await;
        let want: BTreeSet<u64> = all
            .iter()
            .filter(|(s, ev)| **s > c_start && counter_needs(ev, u64::from(w), &[q]))
            .map(|(s, _)| *s)
            .collect();
        assert_eq!(
            got.keys().copied().collect::<BTreeSet<_>>(),
            want,
            "window {w} receives exactly its queue's and its own events"
        );
        for (s, ev) in &got {
            assert_eq!(ev, &all[s], "the same masked frame as staff");
        }
    }
    let k_start = from(&kiosk);
    let got = drain(&mut kiosk, k_start, end).await;
    assert!(got.is_empty(), "a kiosk receives no events: {got:?}");
    let d_start = from(&display);
    let got = drain(&mut display, d_start, end).await;
    for (s, ev) in &got {
        let text = ev.to_string();
        assert!(
            !text.contains("id_number"),
            "no ID field on the display: {text}"
        );
        assert_eq!(ev["kind"], all[s]["kind"]);
    }
    let public: BTreeSet<u64> = all
        .iter()
        .filter(|(s, ev)| {
            let k = ev["kind"].as_str().unwrap();
            **s > d_start
                && (k.starts_with("ticket_")
                    || k.starts_with("service_")
                    || k == "window_changed"
                    || k == "threshold_changed")
        })
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(
        got.keys().copied().collect::<BTreeSet<_>>(),
        public,
        "the display receives the calls and queue moves, nothing else"
    );
    h.hall.stop().await.unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn each_role_receives_exactly_what_it_needs(steps in prop::collection::vec(step(), 1..30)) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(scoped_streams(steps));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_client_gets_the_missed_events_in_one_batch_frame() {
    let h = TestHall::start().await;
    let token = h.token("supervisor", None);
    let sup = Conn::open(h.addr(), &token, None).await;
    let seen = sup.snapshot["seq"].as_u64().unwrap();
    drop(sup);
    let mut kiosk = h.connect("kiosk", None).await;
    let mut last = 0;
    for _ in 0..5 {
        last = kiosk
            .command(json!({"kind":"issue_ticket","queue":"B"}))
            .await["seq"]
            .as_u64()
            .unwrap();
    }
    let mut sup = Conn::open(h.addr(), &token, Some(seen)).await;
    let v = sup.next_raw().await.unwrap();
    assert_eq!(v["type"], "batch", "one frame for the missed events: {v}");
    let seqs: Vec<u64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "event", "each element is an event frame");
            e["seq"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(seqs, ((seen + 1)..=last).collect::<Vec<_>>());
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_sees_queue_figures_in_summaries_and_no_tickets() {
    let h = TestHall::start().await;
    let mut kiosk = h.connect("kiosk", None).await;
    let mut other = h.connect("kiosk", None).await;
    for _ in 0..3 {
        other
            .command(json!({"kind":"issue_ticket","queue":"C"}))
            .await;
    }
    // Within a few summary intervals the watching kiosk has the new count.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let v = tokio::time::timeout_at(deadline, next_json(&mut kiosk.ws))
            .await
            .expect("a summary with the new count in time")
            .unwrap();
        match v["type"].as_str().unwrap() {
            "summary" => {
                let c = v["queues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|q| q["code"] == "C")
                    .unwrap();
                if c["waiting"] == 3 {
                    assert!(c.get("line").is_none(), "no ticket list for a kiosk");
                    break;
                }
            }
            "event" => assert_eq!(v["event"]["kind"], "redacted", "{v}"),
            "batch" => {
                for e in v["events"].as_array().unwrap() {
                    assert_eq!(e["event"]["kind"], "redacted", "{e}");
                }
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_range_is_filled_off_the_writer_even_for_the_first_window() {
    let h = TestHall::start().await;
    let mut manager = h.connect("manager", None).await;
    let mut kiosk = h.connect("kiosk", None).await;
    let serving: Vec<u64> = manager.snapshot["state"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["queues"].as_array().unwrap().iter().any(|q| q == "C"))
        .map(|w| w["number"].as_u64().unwrap())
        .collect();
    assert!(!serving.is_empty());
    for w in &serving {
        let r = manager
            .command(json!({"kind":"set_window","window":w,"state":"closed"}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
    }
    // Long enough for the board to be refreshed with no window open for C.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let r = kiosk
        .command(json!({"kind":"issue_ticket","queue":"C"}))
        .await;
    assert!(
        r["result"]["ticket"]["estimated_wait"].is_null(),
        "no window, no figure: {r}"
    );
    // The first window opens; the very next ticket must get a figure, not wait for a refresh.
    let r = manager
        .command(json!({"kind":"set_window","window":serving[0],"state":"open","queues":["C"]}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = kiosk
        .command(json!({"kind":"issue_ticket","queue":"C"}))
        .await;
    let est = &r["result"]["ticket"]["estimated_wait"];
    assert!(est["high_minutes"].as_u64().unwrap() >= 1, "{r}");
    // The writer did not estimate: the committed event carries no figure.
    let number = r["result"]["ticket"]["number"].clone();
    let ev = manager
        .wait_event(|v| {
            v["event"]["kind"] == "ticket_issued" && v["event"]["ticket"]["number"] == number
        })
        .await;
    assert!(ev["event"]["ticket"]["estimated_wait"].is_null(), "{ev}");
    h.hall.stop().await.unwrap();
}

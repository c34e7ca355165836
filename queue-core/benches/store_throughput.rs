//! Durable command throughput of the single writer with 1, 8 and 64 concurrent submitters,
//! against the raw cost of one fsync'd SQLite commit measured in the same run.
//!
//! Run: `cargo bench -p queue-core --bench store_throughput` (optionally `-- SECONDS`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::clock::ManualClock;
use queue_core::config::HallConfig;
use queue_core::hall::{Command, Hall};
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::Store;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

/// Submits submitter `i`'s command number `n` (issue, then cancel that ticket, and so on:
/// both durable, and the lines stay as short as in a real hall).
fn chain(
    svc: HallService,
    i: usize,
    n: usize,
    last: Option<String>,
    until: Instant,
    latencies: Arc<Mutex<Vec<f64>>>,
    done: std::sync::mpsc::Sender<()>,
) {
    if Instant::now() >= until {
        drop(done);
        return;
    }
    let queues = ["A", "B", "C", "D", "E", "F"];
    let json = match &last {
        None => {
            serde_json::json!({"kind": "issue_ticket", "queue": queues[(i + n) % queues.len()]})
        }
        Some(id) => serde_json::json!({"kind": "cancel_ticket", "ticket": id}),
    };
    let cmd = Command::from_json(&json).unwrap();
    let actor = Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    let t = Instant::now();
    let svc2 = svc.clone();
    svc.submit(actor, cmd, Some(format!("b:{i}:{n}")), move |o| {
        assert!(o.ok, "{o:?}");
        latencies
            .lock()
            .unwrap()
            .push(t.elapsed().as_secs_f64() * 1e3);
        let next = if last.is_none() {
            o.result
                .as_ref()
                .and_then(|r| r["ticket"]["id"].as_str().map(str::to_string))
        } else {
            None
        };
        chain(svc2, i, n + 1, next, until, latencies, done);
    });
}

fn main() {
    let secs: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5.0);
    let dir = tempfile::tempdir().unwrap();

    // Raw commit: one small fsync'd transaction at a time, measured right before and after
    // each configuration, because this machine's fsync cost drifts during a run.
    let mut store = Store::open(&dir.path().join("raw.db")).unwrap();
    let mut raw_probe = |secs: f64| {
        let mut raw = Vec::new();
        let until = Instant::now() + Duration::from_secs_f64(secs);
        while Instant::now() < until {
            let t = Instant::now();
            store.raw_commit_probe().unwrap();
            raw.push(t.elapsed().as_secs_f64() * 1e3);
        }
        median(&mut raw)
    };
    for submitters in [1usize, 8, 64] {
        let before = raw_probe(secs / 3.0);
        let db = dir.path().join(format!("bench-{submitters}.db"));
        let start = chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
            .unwrap();
        let hall = Hall::new(
            HallConfig::sample().unwrap(),
            Calendar::embedded(),
            ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]),
        );
        let svc = HallService::start(
            &db,
            hall,
            Arc::new(ManualClock::new(start)),
            Box::new(|_| {}),
            ServiceOptions {
                // Ticks would add their own commits; keep them out of the measurement.
                tick_every: Duration::from_secs(3600),
                ..ServiceOptions::default()
            },
        )
        .unwrap();
        // Each submitter keeps one command in flight: its next command is submitted from the
        // completion of the previous one, as the hall's async sessions do. No OS thread per
        // submitter, so the figure is the writer's, not the scheduler's.
        let latencies = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let until = t0 + Duration::from_secs_f64(secs);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        for i in 0..submitters {
            chain(
                svc.clone(),
                i,
                0,
                None,
                until,
                Arc::clone(&latencies),
                done_tx.clone(),
            );
        }
        drop(done_tx);
        // Every chain ends by dropping its sender.
        while done_rx.recv().is_ok() {}
        let elapsed = t0.elapsed().as_secs_f64();
        svc.shutdown();
        let after = raw_probe(secs / 3.0);
        let raw_ms = (before + after) / 2.0;
        let raw_rate = 1000.0 / raw_ms;
        println!("raw fsync'd commit around this run: median {before:.3} ms before, {after:.3} ms after ({raw_rate:.0} commits/s)");
        let mut lat = latencies.lock().unwrap().clone();
        let rate = lat.len() as f64 / elapsed;
        let p50 = median(&mut lat);
        let p99 = percentile(&mut lat, 0.99);
        println!(
            "{submitters:>2} submitters: {rate:>8.0} commands/s ({:.1}x raw commit rate), ack latency p50 {p50:.3} ms ({:.2}x raw commit), p99 {p99:.3} ms",
            rate / raw_rate,
            p50 / raw_ms
        );
    }
}

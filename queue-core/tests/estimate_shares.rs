//! A window shared by two queues: the share the estimate gives each follows the backlogs the
//! calling order will work off, not the calls the window made before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, manager, Driver};
use queue_core::estimate::{self, shares};
use serde_json::json;

fn open(d: &mut Driver, w: u32, queues: &[&str]) {
    d.run(
        manager(),
        json!({"kind":"set_window","window":w,"state":"open","queues":queues}),
    )
    .unwrap();
}

/// A hall with no window open (the sample opens some at start).
fn closed_hall() -> Driver {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    let numbers: Vec<u32> = d.hall.queue.windows.keys().copied().collect();
    for w in numbers {
        d.run(
            manager(),
            json!({"kind":"set_window","window":w,"state":"closed"}),
        )
        .unwrap();
    }
    d
}

/// Window 7 serves A and B (even weights) and has called only B all morning; now A is backed up.
fn backed_up_a() -> Driver {
    let mut d = closed_hall();
    open(&mut d, 2, &["B"]);
    open(&mut d, 7, &["A", "B"]);
    for _ in 0..10 {
        d.issue("B", "walk_in");
        d.call(7).unwrap();
        d.advance_minutes(5);
        d.run(counter(7), json!({"kind":"finish"})).unwrap();
    }
    open(&mut d, 1, &["A"]);
    for _ in 0..12 {
        d.issue("A", "walk_in");
    }
    // One B waits too, so window 7 must be split between the two.
    d.issue("B", "walk_in");
    d
}

#[test]
fn a_backed_up_queue_gets_the_shared_window_it_will_have() {
    let d = backed_up_a();
    let q = &d.hall.queue;
    let mean = estimate::service_model(q, "A").mean_seconds();
    let e = estimate::for_walk_in(q, "A", d.now, &d.hall.config.rules).unwrap();
    // 12 ahead + 1 on windows 1 and 7 (window 7 serves A: A's head has waited longest while B
    // has one person and a window of its own).
    let two_windows = 13.0 * mean / 2.0;
    assert!(
        (e.mean_seconds - two_windows).abs() < 0.2 * two_windows,
        "estimate {:.0} s, two windows' pace {:.0} s (one window and a bit: {:.0} s)",
        e.mean_seconds,
        two_windows,
        13.0 * mean / 1.1
    );
    let s = shares::shares(q, &|c| estimate::service_model(q, c).mean_seconds(), None);
    assert!(s[&(7, "A".to_string())] > 0.9, "{s:?}");
    assert!(s[&(7, "B".to_string())] >= shares::MIN_SHARE);
}

#[test]
fn even_backlogs_split_the_window_evenly_and_a_lone_queue_takes_it_whole() {
    let mut d = closed_hall();
    open(&mut d, 1, &["A"]);
    open(&mut d, 2, &["B"]);
    open(&mut d, 7, &["A", "B"]);
    for _ in 0..6 {
        d.issue("A", "walk_in");
    }
    let flat = |_: &str| 600.0;
    // Only A waits: window 7 is A's alone (no entry: whole).
    assert!(shares::shares(&d.hall.queue, &flat, None).is_empty());
    // Someone joining B splits it, leaning hard towards A's longer line.
    let joining = shares::shares(&d.hall.queue, &flat, Some("B"));
    assert!(joining[&(7, "B".to_string())] < 0.2, "{joining:?}");
    for _ in 0..6 {
        d.issue("B", "walk_in");
    }
    let even = shares::shares(&d.hall.queue, &flat, None);
    for q in ["A", "B"] {
        let s = even[&(7, q.to_string())];
        assert!((s - 0.5).abs() < 0.05, "{q}: {even:?}");
    }
}

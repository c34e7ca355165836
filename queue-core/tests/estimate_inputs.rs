//! What the estimator takes from the hall besides the line: the share of a window shared by two
//! queues (from the backlogs the calling order will work off, not the calls the window made
//! before), the calls that found nobody, and the priority channels' arrival rates.
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

#[test]
fn calls_that_found_nobody_are_learned_and_shorten_the_estimate() {
    let mut d = closed_hall();
    open(&mut d, 1, &["A"]);
    for _ in 0..20 {
        d.issue("A", "walk_in");
    }
    // Six served in 10 minutes each, then four called who never came (2 minutes each).
    for _ in 0..6 {
        d.call(1).unwrap();
        d.advance_minutes(10);
        d.run(counter(1), json!({"kind":"finish"})).unwrap();
    }
    for _ in 0..4 {
        d.call(1).unwrap();
        d.advance_minutes(2);
        d.run(counter(1), json!({"kind":"no_show"})).unwrap();
    }
    let q = &d.hall.queue;
    let gone = &q.no_shows["A"];
    assert_eq!(gone.len(), 4);
    assert!(
        gone.iter().all(|g| (g.seconds - 120.0).abs() < 1.0),
        "{gone:?}"
    );
    // Replay rebuilds them.
    assert_eq!(d.replayed().queue.no_shows, q.no_shows);
    let rules = &d.hall.config.rules;
    let with = estimate::for_walk_in(q, "A", d.now, rules).unwrap();
    let mut forgetful = q.clone();
    forgetful.no_shows.clear();
    let without = estimate::for_walk_in(&forgetful, "A", d.now, rules).unwrap();
    assert!(
        with.mean_seconds < 0.9 * without.mean_seconds,
        "{with:?} {without:?}"
    );
}

/// A morning's first hour with `green` green-channel tickets among 30, then an hour of
/// walk-ins only: the estimate for a walk-in joining now.
fn after_a_morning_with(green: usize) -> f64 {
    let mut d = closed_hall();
    open(&mut d, 1, &["A"]);
    open(&mut d, 2, &["A"]);
    for i in 0..30 {
        d.issue("A", if i < green { "green" } else { "walk_in" });
        d.call(1).unwrap();
        d.advance_minutes(2);
        d.run(counter(1), json!({"kind":"finish"})).unwrap();
    }
    for _ in 0..10 {
        d.issue("A", "walk_in");
        d.advance_minutes(5);
    }
    estimate::for_walk_in(&d.hall.queue, "A", d.now, &d.hall.config.rules)
        .unwrap()
        .mean_seconds
}

#[test]
fn a_priority_channel_overtakes_at_its_share_of_the_day_not_of_the_last_hour() {
    // No green ticket in the last hour, but a tenth of the day's were green: some will come
    // within the head start and be called first.
    let plain = after_a_morning_with(0);
    let green = after_a_morning_with(3);
    assert!(
        green > plain * 1.02,
        "with green {green:.0} s, without {plain:.0} s"
    );
}

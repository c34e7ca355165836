//! The estimate board: the figures the server shows and prints, computed away from the writer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, manager, Driver};
use proptest::prelude::*;
use queue_core::estimate::{self, board::Board};
use serde_json::json;

fn board(d: &Driver) -> Board {
    Board::compute_now(&d.hall.queue, &d.hall.config.rules, 0, d.now)
}

fn open(d: &mut Driver, w: u32, queues: &[&str]) {
    d.run(
        manager(),
        json!({"kind":"set_window","window":w,"state":"open","queues":queues}),
    )
    .unwrap();
}

#[test]
fn the_writer_leaves_the_printed_range_to_the_board() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    open(&mut d, 1, &["A"]);
    for _ in 0..5 {
        d.issue("A", "walk_in");
    }
    let mut reply = d
        .run(
            common::kiosk(),
            json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}),
        )
        .unwrap();
    // The event (and so the log) carries no figure: estimating is not the writer's work.
    assert!(reply["ticket"]["estimated_wait"].is_null(), "{reply}");
    let b = board(&d);
    b.fill_reply(&mut reply);
    let filled: queue_core::staffing::WaitRange =
        serde_json::from_value(reply["ticket"]["estimated_wait"].clone()).unwrap();
    assert_eq!(Some(filled), b.range_at("A", 5));
    assert!(filled.high_minutes >= 1);
    // A ticket already called is not given a waiting figure.
    let mut called =
        json!({"ticket": {"state": "called", "queue": "A", "ahead": 0, "estimated_wait": null}});
    b.fill_reply(&mut called);
    assert!(called["ticket"]["estimated_wait"].is_null());
}

#[test]
fn the_walk_in_figure_is_the_exact_estimate() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    open(&mut d, 1, &["A"]);
    open(&mut d, 2, &["A"]);
    for ch in [
        "walk_in", "green", "walk_in", "walk_in", "urgent", "walk_in",
    ] {
        d.issue("A", ch);
    }
    d.call(1).unwrap();
    d.advance_minutes(3);
    let exact = estimate::walk_in_range(&d.hall.queue, "A", d.now, &d.hall.config.rules);
    assert!(exact.is_some());
    assert_eq!(board(&d).walk_in_range("A"), exact);
}

#[test]
fn figures_go_stale_when_the_windows_change() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    let serving: Vec<u32> = d
        .hall
        .queue
        .windows
        .values()
        .filter(|w| w.serves("A"))
        .map(|w| w.number)
        .collect();
    for w in serving {
        d.run(
            manager(),
            json!({"kind":"set_window","window":w,"state":"closed"}),
        )
        .unwrap();
    }
    d.issue("A", "walk_in");
    let before = board(&d);
    // No window serves A yet: no honest figure.
    assert_eq!(before.walk_in_range("A"), None);
    assert!(before.stale_queues(&d.hall.queue).is_empty());
    open(&mut d, 1, &["A"]);
    assert_eq!(before.stale_queues(&d.hall.queue), vec!["A".to_string()]);
    let mut merged = before.clone();
    merged.merge(
        queue_core::estimate::board::inputs(
            &d.hall.queue,
            &d.hall.config.rules,
            9,
            d.now,
            Some(&["A".to_string()]),
        )
        .compute(),
    );
    assert!(merged.walk_in_range("A").is_some());
    assert!(merged.stale_queues(&d.hall.queue).is_empty());
    assert_eq!(merged.seq, 9);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Monotone in the place, never negative, ordered ranges, and places past the line as
    /// computed extrapolate upwards.
    #[test]
    fn figures_rise_with_the_place(
        channels in prop::collection::vec(0u8..4, 0..40),
        windows in 1u32..4,
        called in 0usize..3,
        minutes in 0i64..30,
    ) {
        let mut d = Driver::new(at(2026, 11, 23, 9, 0));
        for w in 1..=windows {
            open(&mut d, w, &["A"]);
        }
        for c in &channels {
            let ch = ["walk_in", "green", "urgent", "appointment"][usize::from(*c)];
            let _ = d.run(
                common::kiosk(),
                json!({"kind":"issue_ticket","queue":"A","channel":ch}),
            );
            d.advance_minutes(1);
        }
        for w in 1..=windows.min(u32::try_from(called).unwrap()) {
            let _ = d.run(counter(w), json!({"kind":"call_next"}));
        }
        d.advance_minutes(minutes);
        let b = board(&d);
        let f = b.queue("A").expect("A has windows");
        prop_assert_eq!(f.by_place.len(), d.hall.queue.waiting_count("A") + 1);
        prop_assert!(f.step_seconds > 0.0);
        let mut prev: Option<estimate::WaitEstimate> = None;
        for place in 0..f.by_place.len() + 5 {
            let e = f.at(place).unwrap();
            prop_assert!(e.p10_seconds >= 0.0);
            prop_assert!(e.p10_seconds <= e.p90_seconds);
            if let Some(p) = prev {
                prop_assert!(e.p10_seconds >= p.p10_seconds);
                prop_assert!(e.p90_seconds >= p.p90_seconds);
                if place >= f.by_place.len() {
                    prop_assert!(e.mean_seconds > p.mean_seconds);
                }
            }
            prev = Some(e);
        }
    }
}

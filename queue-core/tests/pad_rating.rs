//! The window rating pad (窗口评价器, issue #14): the applicant rates the service the pad's
//! window just finished; nobody else's, not an earlier one, a low rating only with a reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, Driver};
use queue_core::auth::{Actor, Role};
use serde_json::json;

fn pad(window: u32) -> Actor {
    Actor {
        role: Role::Pad,
        window: Some(window),
        token: Some(900 + i64::from(window)),
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

fn clerk(window: u32) -> Actor {
    Actor {
        token: Some(40 + i64::from(window)),
        departments: queue_core::auth::DepartmentScope::ALL,
        ..counter(window)
    }
}

fn serve(d: &mut Driver, window: u32) -> String {
    d.run(clerk(window), json!({"kind":"call_next"})).unwrap();
    let r = d.run(clerk(window), json!({"kind":"finish"})).unwrap();
    r["ticket"]["number"].as_str().unwrap().to_string()
}

#[test]
fn a_pad_rates_the_service_its_window_just_finished() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    for _ in 0..3 {
        d.issue("A", "walk_in");
    }
    let first = serve(&mut d, 1);
    d.advance_minutes(5);
    let other = serve(&mut d, 2);
    d.advance_minutes(5);
    let latest = serve(&mut d, 1);

    // Not another window's service.
    let e = d
        .run(pad(1), json!({"kind":"evaluate","ticket":other,"rating":5}))
        .unwrap_err();
    assert_eq!(e.0, "forbidden", "{e:?}");
    // Not an earlier applicant's at its own window.
    let e = d
        .run(pad(1), json!({"kind":"evaluate","ticket":first,"rating":5}))
        .unwrap_err();
    assert_eq!(e.0, "conflict", "{e:?}");
    // A dissatisfied rating needs a reason; nothing is recorded without one.
    let before = d.log.len();
    let e = d
        .run(
            pad(1),
            json!({"kind":"evaluate","ticket":latest,"rating":2,"reason":"  "}),
        )
        .unwrap_err();
    assert_eq!(e.0, "bad_request", "{e:?}");
    assert_eq!(d.log.len(), before);
    // With a reason it lands on the serving window and staff member, from the applicant.
    let r = d
        .run(
            pad(1),
            json!({"kind":"evaluate","ticket":latest,"rating":2,"reason":"等候时间过长"}),
        )
        .unwrap();
    assert_eq!(r["evaluation"]["window"], 1);
    assert_eq!(r["evaluation"]["staff"], 41);
    assert_eq!(r["evaluation"]["on_behalf"], false);
    // One rating per service.
    let e = d
        .run(
            pad(1),
            json!({"kind":"evaluate","ticket":latest,"rating":5}),
        )
        .unwrap_err();
    assert_eq!(e.0, "conflict");
    // By case, never: a pad rates the ticket in front of it.
    let e = d
        .run(pad(1), json!({"kind":"evaluate","case":"X","rating":5}))
        .unwrap_err();
    assert_eq!(e.0, "forbidden");
    // Replay gives the same ratings.
    assert_eq!(d.replayed().queue.evaluations, d.hall.queue.evaluations);
}

#[test]
fn a_pad_may_send_nothing_but_ratings() {
    for kind in [
        "issue_ticket",
        "call_next",
        "finish",
        "cancel_ticket",
        "case_open",
        "ack_alert",
        "set_window",
    ] {
        assert!(!Role::Pad.may_send(kind), "{kind}");
    }
    assert!(Role::Pad.may_send("evaluate"));
    assert!(!Role::Counter.may_send("evaluate"));
    assert!(!Role::Pad.sees_personal_data());
}

#[test]
fn the_pad_snapshot_offers_the_unrated_service_and_no_names() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    d.run(
        counter(1),
        json!({"kind":"issue_ticket","queue":"A","channel":"walk_in","id_number":"440524188001010014"}),
    )
    .unwrap();
    d.issue("A", "walk_in");
    let served = serve(&mut d, 1);
    d.run(clerk(1), json!({"kind":"call_next"})).unwrap();
    let s = d.hall.snapshot(Role::Pad, Some(1), d.now);
    assert_eq!(s["pad"]["window"], 1);
    assert_eq!(s["pad"]["to_rate"]["number"], served.as_str());
    assert_eq!(s["pad"]["current_ticket"]["number"], "A002");
    let text = s.to_string();
    assert!(!text.contains("440524"), "no ID numbers on a pad: {text}");
    assert!(s.get("tickets").is_none() && s.get("cases").is_none());
    d.run(
        pad(1),
        json!({"kind":"evaluate","ticket":served,"rating":5}),
    )
    .unwrap();
    let s = d.hall.snapshot(Role::Pad, Some(1), d.now);
    assert!(
        s["pad"]["to_rate"].is_null(),
        "rated: nothing left to offer"
    );
}

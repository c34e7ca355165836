//! Rating from the QR on the printed slip (issue 14): the issuing reply carries a signed link;
//! the link rates the service its ticket led to (across a transfer), once, until the first
//! working day after issue; a forged or expired link, or staff using it, is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, kiosk, Driver};
use queue_core::auth::{Actor, Role};
use queue_core::queue::RatingChannel;
use serde_json::json;

fn clerk(window: u32) -> Actor {
    Actor {
        token: Some(40 + i64::from(window)),
        ..counter(window)
    }
}

fn token_of(reply: &serde_json::Value) -> String {
    let link = reply["rating_link"]
        .as_str()
        .expect("rating_link in the reply");
    link.strip_prefix("/rate/")
        .expect("a /rate/ path")
        .to_string()
}

fn rate(d: &mut Driver, token: &str, rating: u8) -> Result<serde_json::Value, (String, String)> {
    d.run(
        kiosk(),
        json!({"kind":"evaluate","link":token,"rating":rating,"reason":"等候时间过长"}),
    )
}

#[test]
fn a_slip_link_rates_the_service_it_led_to_once_until_the_next_working_day() {
    // Friday 2026-11-20: the link is valid through Monday 2026-11-23.
    let mut d = Driver::new(at(2026, 11, 20, 9, 0));
    let issued = d
        .run(
            kiosk(),
            json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}),
        )
        .unwrap();
    let token = token_of(&issued);
    assert_eq!(issued["ticket"]["rating_until"], "2026-11-23");
    // The kiosk's view of the reply keeps the link (it prints it).
    let shown = queue_core::hall::Viewer::new(Role::Kiosk, None).reply(&issued);
    assert_eq!(shown["rating_link"], issued["rating_link"]);

    // Not before the service has finished.
    let e = rate(&mut d, &token, 5).unwrap_err();
    assert_eq!(e.0, "conflict");
    assert!(e.1.contains("办理结束后再评价"), "{e:?}");

    // Window 1 sends it on to queue B; window 4 serves it there.
    d.run(clerk(1), json!({"kind":"call_next"})).unwrap();
    let from = issued["ticket"]["id"].as_str().unwrap();
    d.run(
        clerk(1),
        json!({"kind":"transfer","ticket":from,"queue":"B"}),
    )
    .unwrap();
    d.advance_minutes(10);
    d.run(clerk(4), json!({"kind":"call_next"})).unwrap();
    d.run(clerk(4), json!({"kind":"finish"})).unwrap();

    // Monday: a new service day has begun (the old tickets left `tickets`).
    d.now = at(2026, 11, 23, 9, 30);
    d.issue("A", "walk_in");
    assert!(!d.hall.queue.tickets.contains_key(from));

    // Staff do not use the applicant's link; a forged one is refused.
    let e = d
        .run(
            Actor {
                role: Role::Supervisor,
                ..clerk(1)
            },
            json!({"kind":"evaluate","link":token,"rating":5}),
        )
        .unwrap_err();
    assert_eq!(e.0, "forbidden");
    let mut forged = token.clone().into_bytes();
    let last = forged.len() - 3;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let e = rate(&mut d, std::str::from_utf8(&forged).unwrap(), 5).unwrap_err();
    assert_eq!(e.0, "forbidden", "{e:?}");
    // A low rating still needs its reason.
    let e = d
        .run(kiosk(), json!({"kind":"evaluate","link":token,"rating":1}))
        .unwrap_err();
    assert_eq!(e.0, "bad_request");

    let r = rate(&mut d, &token, 2).unwrap();
    let ev = &r["evaluation"];
    assert_eq!(ev["window"], 4, "counts for the window that served: {ev}");
    assert_eq!(ev["staff"], 44);
    assert_eq!(ev["queue"], "B");
    assert_eq!(ev["channel"], "qr");
    assert!(
        r["follow_up_id"].is_string(),
        "a low rating opens its follow-up"
    );
    // Single use.
    let e = rate(&mut d, &token, 5).unwrap_err();
    assert_eq!(e.0, "conflict");
    assert!(e.1.contains("已评价"), "{e:?}");

    // Tuesday: expired.
    d.now = at(2026, 11, 24, 9, 0);
    d.issue("A", "walk_in");
    let e = rate(&mut d, &token, 5).unwrap_err();
    assert_eq!(e.0, "expired", "{e:?}");
    assert!(
        d.hall.queue.rateable.is_empty(),
        "pruned after the link's day"
    );

    // Replay rebuilds the same state, rateable tickets and channels included.
    let replayed = d.replayed();
    assert_eq!(replayed.queue, d.hall.queue);
    assert_eq!(
        replayed.queue.evaluations[0].channel,
        Some(RatingChannel::Qr)
    );
}

#[test]
fn ratings_record_their_channel() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    let t = d.issue("A", "walk_in");
    d.run(clerk(1), json!({"kind":"call_next"})).unwrap();
    d.run(clerk(1), json!({"kind":"finish"})).unwrap();
    let r = d
        .run(
            kiosk(),
            json!({"kind":"evaluate","ticket":t["number"],"rating":5}),
        )
        .unwrap();
    assert_eq!(r["evaluation"]["channel"], "kiosk");
    // Exactly one of ticket, case or link.
    let e = d
        .run(
            kiosk(),
            json!({"kind":"evaluate","ticket":t["number"],"link":"x","rating":5}),
        )
        .unwrap_err();
    assert_eq!(e.0, "bad_request");
}

#[test]
fn the_slip_link_carries_the_public_address_when_configured() {
    let mut config = queue_core::config::HallConfig::sample().unwrap();
    config.centre.public_url = Some("https://hall.example:7700/".into());
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    d.hall = queue_core::hall::Hall::new(
        config,
        queue_core::calendar::Calendar::embedded(),
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    );
    let r = d
        .run(
            kiosk(),
            json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}),
        )
        .unwrap();
    let link = r["rating_link"].as_str().unwrap();
    assert_eq!(
        r["rating_url"].as_str().unwrap(),
        format!("https://hall.example:7700{link}")
    );
    // Without it, the path only (the slip then prints no rating QR).
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    let r = d
        .run(
            kiosk(),
            json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}),
        )
        .unwrap();
    assert!(r["rating_link"].is_string());
    assert!(r.get("rating_url").is_none());
}

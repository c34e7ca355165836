//! The kiosk's slip carries the hall's signed rating link as a second QR (issue 14), after the
//! `TK:` code the counters scan, when the hall has a public address; without one, only the
//! ticket code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use counter_tui::i18n::Lang;
use counter_tui::msg::{Effect, Msg};
use crossterm::event::KeyCode;
use dashboard::client::Incoming;
use device::printer::{decode, qr_payloads, text_of};
use fixture::*;

/// Issues a walk-in ticket at the kiosk; the hall's reply goes through `patch` first.
fn issue_and_print(patch: impl Fn(&mut serde_json::Value)) -> (String, Vec<Vec<u8>>, String) {
    let mut fx = Fx::new();
    let mut k = kiosk(&fx, Lang::Zh);
    k.update(key(KeyCode::Char('1')));
    let e = k.update(key(KeyCode::Char('1')));
    let Effect::Send { id, command } = &e[0] else {
        panic!("{e:?}")
    };
    let (mut result, _) = fx.exec(KIOSK, command.clone()).unwrap();
    let ticket = result["ticket"]["id"].as_str().unwrap().to_string();
    assert!(
        result["rating_link"]
            .as_str()
            .is_some_and(|l| l.starts_with("/rate/")),
        "{result}"
    );
    patch(&mut result);
    let e = k.update(Msg::Hall(Incoming::Reply {
        id: id.clone(),
        ok: true,
        seq: None,
        result,
        error: None,
    }));
    let bytes = e
        .iter()
        .find_map(|e| match e {
            Effect::Print { bytes, .. } => Some(bytes.clone()),
            _ => None,
        })
        .expect("a printed slip");
    let ops = decode(&bytes);
    (ticket, qr_payloads(&ops), text_of(&ops))
}

#[test]
fn the_slip_prints_the_rating_link_as_a_second_qr() {
    let mut url = String::new();
    let (ticket, qrs, text) = issue_and_print(|r| {
        let full = format!(
            "https://hall.example:7700{}",
            r["rating_link"].as_str().unwrap()
        );
        r["rating_url"] = serde_json::json!(full);
    });
    url.push_str(std::str::from_utf8(&qrs[1]).unwrap());
    assert_eq!(qrs.len(), 2, "{qrs:?}");
    assert_eq!(qrs[0], format!("TK:{ticket}").into_bytes());
    assert!(url.starts_with("https://hall.example:7700/rate/"), "{url}");
    assert!(text.contains("扫码评价 Scan to rate"), "{text}");
}

#[test]
fn without_a_public_address_the_slip_has_the_ticket_code_only() {
    let (ticket, qrs, text) = issue_and_print(|_| {});
    assert_eq!(qrs, vec![format!("TK:{ticket}").into_bytes()]);
    assert!(!text.contains("扫码评价"), "{text}");
}

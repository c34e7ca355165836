//! The kiosk's `update()`: tickets printed after the reply, appointments, plain refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use counter_tui::i18n::Lang;
use counter_tui::kiosk::KioskStage;
use counter_tui::msg::{Effect, Msg};
use crossterm::event::KeyCode;
use dashboard::client::Incoming;
use device::scanner::classify;
use fixture::flows::printed_text;
use fixture::*;

#[test]
fn kiosk_issues_a_ticket_and_prints_it_after_the_reply() {
    let mut fx = Fx::new();
    let mut k = kiosk(&fx, Lang::Zh);
    assert!(k.update(key(KeyCode::Char('1'))).is_empty());
    assert!(matches!(k.stage, KioskStage::Channel { .. }));
    let e = k.update(key(KeyCode::Char('2')));
    let Effect::Send { id, command } = &e[0] else {
        panic!("{e:?}")
    };
    assert_eq!(command["kind"], "issue_ticket");
    assert_eq!(command["queue"], "A");
    assert_eq!(command["channel"], "green");
    assert_eq!(k.stage, KioskStage::Waiting);
    let (result, _) = fx.exec(KIOSK, command.clone()).unwrap();
    let e = k.update(Msg::Hall(Incoming::Reply {
        id: id.clone(),
        ok: true,
        seq: None,
        result,
        error: None,
    }));
    let text = printed_text(&e);
    assert!(text.contains("A005"), "{text}");
    assert!(text.contains("前面还有"), "{text}");
    assert!(matches!(k.stage, KioskStage::Issued { .. }));
    // Any key: ready for the next person.
    k.update(key(KeyCode::Char('x')));
    assert_eq!(k.stage, KioskStage::Queue);
}

fn type_text_kiosk(k: &mut counter_tui::kiosk::Kiosk, text: &str) {
    for c in text.chars() {
        k.update(key(KeyCode::Char(c)));
    }
}

#[test]
fn kiosk_appointment_and_refusals_are_plain() {
    let fx = Fx::new();
    let mut k = kiosk(&fx, Lang::Zh);
    k.update(key(KeyCode::Char('y')));
    for c in "YY2026112301".chars() {
        k.update(key(KeyCode::Char(c)));
    }
    // Check-in needs proof of holding the code: the kiosk asks for the last 4 ID characters.
    let e = k.update(key(KeyCode::Enter));
    assert!(e.is_empty(), "{e:?}");
    let screen = draw_kiosk(&k, 80, 24);
    assert!(screen.contains("后四位"), "{screen}");
    type_text_kiosk(&mut k, "0014");
    let e = k.update(key(KeyCode::Enter));
    let Effect::Send { id, command } = &e[0] else {
        panic!("{e:?}")
    };
    assert_eq!(command["kind"], "check_in");
    assert_eq!(command["appointment_code"], "YY2026112301");
    assert_eq!(command["id_last4"], "0014");
    k.update(Msg::Hall(Incoming::Reply {
        id: id.clone(),
        ok: false,
        seq: None,
        result: serde_json::Value::Null,
        error: Some((
            "not_found".into(),
            "未找到 not found: 预约 appointment YY2026112301".into(),
        )),
    }));
    assert_eq!(k.stage, KioskStage::Queue);
    let screen = draw_kiosk(&k, 80, 24);
    assert!(screen.contains("未找到"), "{screen}");
    // A scanned ID goes on the next ticket.
    k.update(Msg::Scanner(device::scanner::ScannerEvent::Scan(classify(
        "440524188001010014",
    ))));
    k.update(key(KeyCode::Char('2')));
    let e = k.update(key(KeyCode::Char('1')));
    let Effect::Send { command, .. } = &e[0] else {
        panic!()
    };
    assert_eq!(command["id_number"], "440524188001010014");
    assert_eq!(command["queue"], "B");
}

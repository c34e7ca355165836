//! A mobile number for notices (issue 14), optional at the kiosk and at the counter: checked
//! before it is sent (a clear bilingual error), sent with the ticket or case, and shown
//! masked once typed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use counter_tui::i18n::Lang;
use counter_tui::intake::Field;
use counter_tui::kiosk::KioskStage;
use counter_tui::msg::{Effect, Msg};
use crossterm::event::KeyCode;
use dashboard::client::Incoming;
use fixture::flows::fill_applicant;
use fixture::*;

fn type_kiosk(k: &mut counter_tui::kiosk::Kiosk, text: &str) {
    for c in text.chars() {
        k.update(key(KeyCode::Char(c)));
    }
}

#[test]
fn the_kiosk_takes_an_optional_number_masked_and_sends_it_with_the_ticket() {
    let mut fx = Fx::new();
    let mut k = kiosk(&fx, Lang::Zh);
    assert!(draw_kiosk(&k, 80, 24).contains("留手机号"));
    // A wrong number: refused at the kiosk, in both languages, nothing kept.
    k.update(key(KeyCode::Char('m')));
    type_kiosk(&mut k, "1234567");
    k.update(key(KeyCode::Enter));
    assert_eq!(k.mobile, None);
    let notice = k.notice.clone().unwrap().text;
    assert!(
        notice.contains("手机号码无效") && notice.contains("11 digits"),
        "{notice}"
    );
    // A right one: kept, shown masked.
    k.update(key(KeyCode::Char('m')));
    type_kiosk(&mut k, "138 1234 5678");
    k.update(key(KeyCode::Enter));
    assert_eq!(k.mobile.as_deref(), Some("13812345678"));
    let screen = draw_kiosk(&k, 80, 24);
    assert!(
        screen.contains("138****5678") && !screen.contains("13812345678"),
        "{screen}"
    );
    k.update(key(KeyCode::Char('1')));
    let e = k.update(key(KeyCode::Char('1')));
    let Effect::Send { id, command } = &e[0] else {
        panic!("{e:?}")
    };
    assert_eq!(command["mobile"], "13812345678");
    let (result, _) = fx.exec(KIOSK, command.clone()).unwrap();
    k.update(Msg::Hall(Incoming::Reply {
        id: id.clone(),
        ok: true,
        seq: None,
        result,
        error: None,
    }));
    assert!(matches!(k.stage, KioskStage::Issued { .. }));
    // Forgotten for the next person.
    assert_eq!(k.mobile, None);
}

#[test]
fn the_counter_form_checks_the_number_and_sends_it_with_the_case() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    fill_applicant(&mut app, "BDC002", "张三", "440524188001010014");
    app.update(key(KeyCode::Tab)); // delivery
    app.update(key(KeyCode::Tab)); // mobile (no address for collection)
    assert_eq!(app.intake.form.focus, Field::Mobile);
    type_text(&mut app, "1281234567");
    assert!(draw_app(&app, 120, 40).contains("10/11"));
    type_text(&mut app, "8");
    assert!(draw_app(&app, 120, 40).contains("手机号码无效"));
    app.update(key(KeyCode::Enter)); // → agent
    let e = app.update(key(KeyCode::Enter));
    assert!(sends(&e).is_empty(), "a bad number is not sent");
    assert_eq!(app.intake.form.focus, Field::Mobile);
    for _ in 0..11 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "13812345678");
    app.update(key(KeyCode::Enter));
    // Left, the field shows the number masked.
    let screen = draw_app(&app, 120, 40);
    assert!(screen.contains("138****5678"), "{screen}");
    let e = app.update(key(KeyCode::Enter));
    let sent = sends(&e);
    assert_eq!(sent[0]["kind"], "case_open");
    assert_eq!(sent[0]["mobile"], "13812345678");
    pump(&mut app, &mut fx, e);
    let case_id = app.intake.case_id().expect("case open").to_string();
    // The hall answers with the number masked.
    assert_eq!(
        app.hall.cases[&case_id].mobile.as_deref(),
        Some("138****5678")
    );
}

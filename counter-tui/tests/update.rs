//! `update()` without a terminal: keys → commands, replies and events → state (calling,
//! scanning, devices, offline; intake in `intake_keys.rs`, the kiosk in `kiosk_keys.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use counter_tui::app::Popup;
use counter_tui::i18n::Lang;
use counter_tui::intake::Stage;
use counter_tui::msg::{Effect, Msg, PrinterReport, PrinterState};
use crossterm::event::KeyCode;
use dashboard::client::{Incoming, Link};
use device::printer::{PrinterError, PrinterFault};
use device::scanner::classify;
use fixture::flows::{call, fill_applicant, printed_text};
use fixture::*;
use queue_core::queue::TicketState;

#[test]
fn f2_calls_next_and_the_ticket_shows_up() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    assert!(app.current_ticket().is_none());
    let number = call(&mut app, &mut fx);
    // The green channel (issued second) goes first: it has a head start.
    assert_eq!(number, "A002");
    assert_eq!(app.current_ticket().unwrap().state, TicketState::Called);
    // A second F2 with a ticket at the window sends nothing: finish or no-show first.
    let e = app.update(key(KeyCode::F(2)));
    assert!(sends(&e).is_empty());
}

#[test]
fn counter_flow_keys_send_their_commands() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    call(&mut app, &mut fx);
    for (k, kind) in [(3, "recall"), (5, "start_service"), (6, "finish")] {
        let e = app.update(key(KeyCode::F(k)));
        assert_eq!(sends(&e)[0]["kind"], kind, "F{k}");
        pump(&mut app, &mut fx, e);
    }
    assert!(app.current_ticket().is_none(), "finished");
    let e = app.update(key(KeyCode::F(8)));
    assert_eq!(sends(&e)[0]["kind"], "pause");
    pump(&mut app, &mut fx, e);
    let e = app.update(key(KeyCode::F(8)));
    assert_eq!(sends(&e)[0]["kind"], "resume", "F8 toggles");
}

#[test]
fn transfer_picks_a_queue() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    call(&mut app, &mut fx);
    assert!(app.update(key(KeyCode::F(7))).is_empty());
    assert!(matches!(app.popup, Some(Popup::Transfer { .. })));
    app.update(key(KeyCode::Down));
    let e = app.update(key(KeyCode::Enter));
    let cmd = sends(&e)[0].clone();
    assert_eq!(cmd["kind"], "transfer");
    assert_eq!(cmd["queue"], "C", "second queue other than A");
}

#[test]
fn cancelling_a_ticket_needs_confirmation() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    let e = app.update(key(KeyCode::F(11)));
    assert!(e.is_empty());
    type_text(&mut app, "a003");
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.popup, Some(Popup::TicketMenu { .. })));
    assert!(
        sends(&app.update(key(KeyCode::Char('3')))).is_empty(),
        "a confirm popup, not immediate"
    );
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    // Esc cancels: nothing sent.
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.popup.is_none());
    // Again, confirmed this time.
    app.update(key(KeyCode::F(11)));
    type_text(&mut app, "A003");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('3')));
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(sends(&e)[0]["kind"], "cancel_ticket");
    assert!(sends(&e)[0]["ticket"].as_str().unwrap().ends_with("A003"));
}

#[test]
fn calling_out_of_order_needs_a_reason() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    // A scanned ticket opens its menu.
    let id = fx
        .hall
        .queue
        .tickets
        .values()
        .find(|t| t.number == "A004")
        .unwrap()
        .id
        .clone();
    app.update(Msg::Scanner(device::scanner::ScannerEvent::Scan(classify(
        &format!("TK:{id}"),
    ))));
    assert_eq!(app.popup, Some(Popup::TicketMenu { ticket: id.clone() }));
    app.update(key(KeyCode::Char('1')));
    assert!(
        sends(&app.update(key(KeyCode::Enter))).is_empty(),
        "no reason, no call"
    );
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    type_text(&mut app, "预约改签");
    let e = app.update(key(KeyCode::Enter));
    let cmd = sends(&e)[0].clone();
    assert_eq!(cmd["kind"], "call_next");
    assert_eq!(cmd["ticket"], id.as_str());
    assert_eq!(cmd["reason"], "预约改签");
    pump(&mut app, &mut fx, e);
    assert_eq!(app.current_ticket().unwrap().number, "A004");
}

#[test]
fn scans_land_where_they_belong() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(Msg::Scanner(device::scanner::ScannerEvent::Scan(classify(
        "440524188001010014",
    ))));
    assert_eq!(app.intake.form.id_number, "440524188001010014");
    let e = app.update(Msg::Scanner(device::scanner::ScannerEvent::Scan(classify(
        "YY2026112301",
    ))));
    assert_eq!(sends(&e)[0]["kind"], "check_in");
    assert_eq!(sends(&e)[0]["appointment_code"], "YY2026112301");
}

#[test]
fn offline_keeps_the_form_and_queues_commands() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "QY001");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "王五");
    app.update(Msg::Hall(Incoming::Link(Link::Offline(
        "connection reset".into(),
    ))));
    type_text(&mut app, "六");
    app.update(Msg::Hall(Incoming::Link(Link::Connecting)));
    app.update(Msg::Hall(Incoming::Link(Link::Online)));
    app.update(Msg::Hall(Incoming::Snapshot {
        seq: fx.seq,
        state: fx.snapshot(),
    }));
    assert_eq!(app.intake.form.name, "王五六", "nothing typed is lost");
    assert_eq!(app.intake.stage, Stage::Applicant);
    app.update(Msg::Hall(Incoming::Link(Link::Offline("x".into()))));
    let e = app.update(key(KeyCode::F(2)));
    assert_eq!(
        sends(&e).len(),
        1,
        "handed to the client, which sends it after reconnecting"
    );
    let screen = draw_app(&app, 80, 24);
    assert!(screen.contains("离线"), "{screen}");
}

#[test]
fn printer_fault_is_reported_kept_and_reprinted() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(Msg::Printer(PrinterReport::Status(Ok(()))));
    let e = app.update(Msg::Printer(PrinterReport::Failed {
        label: "补正材料通知书 X".into(),
        error: PrinterError::Fault(PrinterFault::PaperOut),
        pending: 1,
    }));
    let r = sends(&e)[0].clone();
    assert_eq!(r["kind"], "report_device");
    assert_eq!(r["device"], "printer");
    assert_eq!(r["ok"], false);
    assert!(r["message"].as_str().unwrap().contains("缺纸"));
    assert!(matches!(app.printer.state, PrinterState::Fault(_)));
    assert!(draw_app(&app, 80, 24).contains("打印机缺纸"));
    // A second failure is not reported again.
    let e = app.update(Msg::Printer(PrinterReport::Status(Err(
        PrinterError::Fault(PrinterFault::PaperOut),
    ))));
    assert!(sends(&e).is_empty());
    assert_eq!(app.update(key(KeyCode::F(10))), vec![Effect::RetryPrint]);
    let e = app.update(Msg::Printer(PrinterReport::Printed {
        label: "x".into(),
        text: "x".into(),
        pending: 0,
    }));
    assert_eq!(sends(&e)[0]["ok"], true, "recovery reported");
}

#[test]
fn simulated_devices_are_driven_by_keys() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    assert_eq!(app.update(ctrl('p')), vec![Effect::SimPaperOut(true)]);
    assert_eq!(app.update(ctrl('p')), vec![Effect::SimPaperOut(false)]);
    app.update(ctrl('s'));
    type_text(&mut app, "YY2026112301");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Effect::SimScan("YY2026112301".into())]
    );
    app.update(key(KeyCode::F(12)));
    assert_eq!(app.lang, Lang::En);
    app.update(ctrl('q'));
    assert_eq!(app.update(key(KeyCode::Enter)), vec![Effect::Quit]);
}

#[test]
fn the_token_decides_the_window() {
    let fx = Fx::new();
    let mut app = counter_tui::app::App::new(config(Lang::Zh), fx.now);
    app.update(Msg::Hall(Incoming::Welcome {
        role: "counter".into(),
        window: Some(3),
        seq: 0,
        departments: Vec::new(),
    }));
    assert_eq!(app.cfg.window, 3);
    assert!(app.notice.as_ref().unwrap().text.contains("窗口 3"));
}

#[test]
fn an_f_key_closes_the_printed_document_and_acts() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    let e = app.update(key(KeyCode::F(2)));
    pump(&mut app, &mut fx, e);
    fill_applicant(&mut app, "QY002", "李四", "11010519491231002x");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    for _ in 0..3 {
        app.update(key(KeyCode::Char('1')));
    }
    app.update(key(KeyCode::Char('c')));
    let e = app.update(key(KeyCode::Enter));
    let out = pump(&mut app, &mut fx, e);
    assert!(
        printed_text(&out).contains("办结通知书") && printed_text(&out).contains("当场办结"),
        "completed on the spot"
    );
    assert!(matches!(
        app.popup,
        Some(Popup::Preview { draft: None, .. })
    ));
    let e = app.update(key(KeyCode::F(6)));
    assert!(app.popup.is_none());
    let finish = sends(&e)[0].clone();
    assert_eq!(finish["kind"], "finish");
    assert_eq!(
        finish["outcome"], "completed",
        "the case outcome goes with the ticket"
    );
}

#[test]
fn the_counter_cannot_rate_its_own_service() {
    // Issue #10: the clerk who served may not rate the service. Ctrl+E no longer opens a
    // rating, and the hall refuses `evaluate` from a counter token.
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    let e = app.update(key(KeyCode::F(2)));
    pump(&mut app, &mut fx, e);
    let e = app.update(key(KeyCode::F(6)));
    pump(&mut app, &mut fx, e);
    let e = app.update(ctrl('e'));
    assert!(sends(&e).is_empty());
    assert!(app.popup.is_none(), "no rating popup on the counter");
    type_text(&mut app, "5");
    assert!(sends(&app.update(key(KeyCode::Enter))).is_empty());
    assert!(fx.hall.queue.evaluations.is_empty());
}

#[test]
fn a_crafted_code_or_frame_never_puts_an_escape_on_the_screen() {
    // Issue #10: a crafted QR code reached the counter's screen with its escape sequence, and
    // an ESC in a reason came out raw in `dashboard watch`.
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(Msg::Scanner(device::scanner::ScannerEvent::Scan(classify(
        "\u{1b}]0;pwned\u{7}\u{1b}[2J恶意",
    ))));
    let n = app.notice.as_ref().expect("the scan is reported");
    assert!(n.text.contains("恶意"), "{}", n.text);
    assert!(!n.text.chars().any(char::is_control), "{:?}", n.text);
    app.update(Msg::Hall(Incoming::Error {
        code: "x".into(),
        message: "\u{1b}[31mred\u{9b}2J".into(),
    }));
    let n = app.notice.as_ref().unwrap();
    assert!(!n.text.chars().any(char::is_control), "{:?}", n.text);
    let screen = draw_app(&app, 80, 24);
    assert!(!screen.contains('\u{1b}'));
}

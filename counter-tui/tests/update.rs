//! `update()` without a terminal: keys → commands, replies and events → state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use counter_tui::app::{Focus, Popup};
use counter_tui::i18n::Lang;
use counter_tui::intake::Stage;
use counter_tui::kiosk::KioskStage;
use counter_tui::msg::{Effect, Msg, PrinterReport, PrinterState};
use crossterm::event::KeyCode;
use dashboard::client::{Incoming, Link};
use device::printer::{render_bytes, PrinterError, PrinterFault};
use device::scanner::classify;
use fixture::*;
use queue_core::intake::CaseState;
use queue_core::queue::TicketState;

fn printed_text(effects: &[Effect]) -> String {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Print { bytes, .. } => Some(render_bytes(bytes, 48)),
            _ => None,
        })
        .collect()
}

/// Calls the next ticket at window 1 through the app.
fn call(app: &mut counter_tui::app::App, fx: &mut Fx) -> String {
    let e = app.update(key(KeyCode::F(2)));
    assert_eq!(sends(&e)[0]["kind"], "call_next");
    pump(app, fx, e);
    app.current_ticket()
        .expect("a ticket was called")
        .number
        .clone()
}

/// F9, the item, the applicant's name and ID, Enter: the case is open at window 1.
fn open_case(app: &mut counter_tui::app::App, fx: &mut Fx, item: &str, name: &str) {
    app.update(key(KeyCode::F(9)));
    type_text(app, item);
    app.update(key(KeyCode::Enter));
    type_text(app, name);
    app.update(key(KeyCode::Enter));
    type_text(app, "440524188001010014");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    pump(app, fx, e);
}

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

/// The whole intake: item, applicant, a missing material, the one-time notice, printed after
/// the hall committed it; then the supplement leads to acceptance.
#[test]
fn intake_to_correction_notice_and_supplement() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    call(&mut app, &mut fx);
    app.update(key(KeyCode::F(9)));
    assert_eq!(app.focus, Focus::Intake);
    type_text(&mut app, "QY001");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.intake.stage, Stage::Applicant);
    type_text(&mut app, "张三");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "440524188001010014");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    let open = sends(&e)[0].clone();
    assert_eq!(open["kind"], "case_open");
    assert_eq!(open["applicant"]["kind"], "person");
    assert_eq!(open["applicant"]["id_number"], "440524188001010014");
    assert!(
        open["ticket"].as_str().unwrap().ends_with("A002"),
        "linked to the ticket served"
    );
    assert_eq!(app.intake.stage, Stage::Opening);
    pump(&mut app, &mut fx, e);
    let case_id = app.intake.case_id().expect("case open").to_string();
    // M1 submitted, M2 missing, the rest submitted (M6 is shared data: not demanded).
    for k in ['1', '2', '1', '1', '1'] {
        app.update(key(KeyCode::Char(k)));
    }
    assert_eq!(app.intake.edits.len(), 5);
    // `t`: a draft preview first, nothing sent yet.
    assert!(app.update(key(KeyCode::Char('t'))).is_empty());
    let Some(Popup::Preview {
        draft: Some(_),
        text,
        ..
    }) = &app.popup
    else {
        panic!("draft preview")
    };
    assert!(text.contains("补正材料通知书"), "{text}");
    assert!(
        text.contains("公司章程"),
        "the missing material is listed: {text}"
    );
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(
        sends(&e)[0]["kind"],
        "case_materials",
        "materials are recorded before the decision"
    );
    let out = pump(&mut app, &mut fx, e);
    let printed = printed_text(&out);
    assert!(printed.contains("补正材料通知书"), "{printed}");
    assert!(
        printed.contains(&case_id),
        "serial on the notice: {printed}"
    );
    assert_eq!(app.hall.cases[&case_id].state, CaseState::NoticeIssued);
    assert!(matches!(
        app.popup,
        Some(Popup::Preview { draft: None, .. })
    ));
    // F10 reprints the same document.
    app.update(key(KeyCode::Esc));
    let again = app.update(key(KeyCode::F(10)));
    assert!(printed_text(&again).contains("补正材料通知书"));

    // The applicant comes back with 公司章程: supplement → accepted, receipt printed.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Up));
    let Stage::Case { selected, .. } = app.intake.stage.clone() else {
        panic!()
    };
    for _ in 0..selected {
        app.update(key(KeyCode::Up));
    }
    app.update(key(KeyCode::Down)); // M2
    app.update(key(KeyCode::Char('1')));
    let e = app.update(key(KeyCode::Char('s')));
    assert_eq!(sends(&e)[0]["kind"], "case_supplement");
    let out = pump(&mut app, &mut fx, e);
    assert_eq!(app.hall.cases[&case_id].state, CaseState::Accepted);
    assert!(printed_text(&out).contains("受理通知书"));
}

#[test]
fn rejection_needs_confirmation_and_reasons() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "QY002");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "某某餐饮店");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "440524188001010014");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    assert!(app.update(key(KeyCode::Char('r'))).is_empty());
    assert!(
        sends(&app.update(key(KeyCode::Enter))).is_empty(),
        "reasons required"
    );
    // A reason without its legal ground (1–3) is not sent.
    type_text(&mut app, "材料不全");
    assert!(
        sends(&app.update(key(KeyCode::Enter))).is_empty(),
        "ground required"
    );
    assert!(app.update(key(KeyCode::Char('r'))).is_empty());
    type_text(&mut app, "2 不属于本中心受理范围");
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(sends(&e)[0]["kind"], "case_decide");
    assert_eq!(sends(&e)[0]["decision"], "reject");
    assert_eq!(sends(&e)[0]["reason_code"], "outside_competence");
    let out = pump(&mut app, &mut fx, e);
    let text = printed_text(&out);
    assert!(text.contains("不予受理决定书"), "{text}");
    assert!(text.contains("行政复议"), "appeal routes printed: {text}");
}

#[test]
fn credit_code_with_bad_check_char_needs_an_override() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "QY001");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "某某科技有限公司");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "91350100M000100Y44");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    assert!(sends(&e).is_empty());
    assert!(
        matches!(app.popup, Some(Popup::Confirm { .. })),
        "override asked"
    );
    let e = app.update(key(KeyCode::Enter));
    let cmd = sends(&e)[0].clone();
    assert_eq!(cmd["id_override"], true);
    assert_eq!(cmd["applicant"]["kind"], "organisation");
    pump(&mut app, &mut fx, e);
    assert!(app.intake.case_id().is_some());
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

#[test]
fn accept_then_extend_within_the_legal_limit_only() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "QY001");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "张三");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "440524188001010014");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    for _ in 0..5 {
        app.update(key(KeyCode::Char('1')));
    }
    app.update(key(KeyCode::Char('a')));
    let e = app.update(key(KeyCode::Enter));
    let out = pump(&mut app, &mut fx, e);
    assert!(printed_text(&out).contains("受理通知书"));
    let case = app.intake.case_id().unwrap().to_string();
    assert_eq!(app.hall.cases[&case].state, CaseState::Accepted);
    app.update(key(KeyCode::Esc)); // close the printed document
                                   // Committed 1 day, legal 3: three more days would exceed the law and the hall says so.
    app.update(key(KeyCode::Char('e')));
    type_text(&mut app, "3 需现场核查");
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(sends(&e)[0]["kind"], "case_extend");
    assert_eq!(sends(&e)[0]["days"], 3);
    pump(&mut app, &mut fx, e);
    assert!(
        app.notice.as_ref().unwrap().text.contains("法定时限"),
        "{:?}",
        app.notice
    );
    app.update(key(KeyCode::Char('e')));
    type_text(&mut app, "2 需现场核查");
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    assert_eq!(app.hall.cases[&case].extensions.len(), 1);
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
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "QY002");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "李四");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "11010519491231002x");
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

#[test]
fn an_accepted_case_can_be_paused_resumed_and_refused_from_the_keyboard() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    open_case(&mut app, &mut fx, "BDC002", "张三");
    for _ in 0..6 {
        app.update(key(KeyCode::Char('1')));
    }
    app.update(key(KeyCode::Char('a')));
    let e = app.update(key(KeyCode::Enter));
    let out = pump(&mut app, &mut fx, e);
    assert!(printed_text(&out).contains("受理通知书"));
    app.popup = None;
    let case_id = app.intake.case_id().unwrap().to_string();
    assert_eq!(app.hall.cases[&case_id].state, CaseState::Accepted);

    // p: a special procedure with its notice; p again ends it.
    assert!(app.update(key(KeyCode::Char('p'))).is_empty());
    type_text(&mut app, "1 需现场查看房屋");
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(sends(&e)[0]["kind"], "case_pause");
    assert_eq!(sends(&e)[0]["procedure"], "inspection");
    pump(&mut app, &mut fx, e);
    assert!(app.hall.cases[&case_id].open_pause().is_some());
    let e = app.update(key(KeyCode::Char('p')));
    assert_eq!(sends(&e)[0]["kind"], "case_resume");
    pump(&mut app, &mut fx, e);
    assert!(app.hall.cases[&case_id].open_pause().is_none());

    // f: refusal after review, with reasons.
    assert!(app.update(key(KeyCode::Char('f'))).is_empty());
    type_text(&mut app, "权属存在争议");
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(sends(&e)[0]["decision"], "refuse");
    assert_eq!(sends(&e)[0]["reasons"][0], "权属存在争议");
    let out = pump(&mut app, &mut fx, e);
    let text = printed_text(&out);
    assert!(
        text.contains("不予许可决定书") && text.contains("行政复议"),
        "{text}"
    );
    assert_eq!(app.hall.cases[&case_id].state, CaseState::Refused);
}

#[test]
fn a_case_taken_over_by_another_window_leaves_this_counter() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    open_case(&mut app, &mut fx, "BDC002", "张三");
    let case_id = app.intake.case_id().expect("case open").to_string();
    let mut case = serde_json::to_value(&app.hall.cases[&case_id]).unwrap();
    case["window"] = serde_json::json!(2);
    case["applicant"]["id_number"] = serde_json::json!("4405**********0014");
    app.update(Msg::Hall(Incoming::Event {
        seq: 999,
        at: "2026-11-23T10:00:00+08:00".into(),
        event: serde_json::json!({"kind":"case_taken_over","case":case,"from":1,"reason":"窗口 1 暂停"}),
    }));
    assert_eq!(app.intake.stage, Stage::Idle, "the case panel closes");
    let n = app.notice.as_ref().expect("the counter is told");
    assert!(
        n.text.contains(&case_id) && n.text.contains("窗口 2"),
        "{}",
        n.text
    );
    assert_eq!(app.hall.cases[&case_id].window, Some(2));
}

#[test]
fn a_passport_holder_is_taken_in_from_the_keyboard() {
    // Issue #11: only resident IDs and credit codes could be entered at the counter.
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "BDC002");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "JOHN SMITH");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.intake.form.focus, counter_tui::intake::Field::IdKind);
    app.update(key(KeyCode::Right));
    assert_eq!(
        app.intake.form.id_kind,
        Some(queue_core::ids::PersonIdKind::Passport)
    );
    assert!(draw_app(&app, 120, 40).contains("护照"));
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "E12345678");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    let sent = sends(&e);
    assert_eq!(sent[0]["kind"], "case_open", "{sent:?}");
    assert_eq!(sent[0]["applicant"]["id_kind"], "passport");
    assert_eq!(sent[0]["applicant"]["id_number"], "E12345678");
    pump(&mut app, &mut fx, e);
    let case_id = app
        .intake
        .case_id()
        .expect("the hall opened the case")
        .to_string();
    assert_eq!(
        app.hall.cases[&case_id].applicant.id_kind,
        queue_core::ids::PersonIdKind::Passport
    );
    // A resident ID typed under "passport" is checked as a passport, not waved through.
    let mut app = app_with_kind(&fx, queue_core::ids::PersonIdKind::HkMacaoPermit);
    type_text(&mut app, "12345");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    assert!(sends(&e).is_empty(), "an invalid permit number was sent");
    assert_eq!(app.intake.form.focus, counter_tui::intake::Field::IdNumber);
}

/// A fresh form at the ID number with `kind` chosen.
fn app_with_kind(fx: &Fx, kind: queue_core::ids::PersonIdKind) -> counter_tui::app::App {
    let mut app = app(fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "BDC002");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "陈大文");
    app.update(key(KeyCode::Tab));
    while app.intake.form.id_kind != Some(kind) {
        app.update(key(KeyCode::Right));
    }
    app.update(key(KeyCode::Tab));
    app
}

#[test]
fn the_result_can_be_sent_by_post_chosen_at_intake() {
    // Issue #11 (GD 22): the applicant chooses how the result reaches them.
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "BDC002");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "张三");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "440524188001010014");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.intake.form.focus, counter_tui::intake::Field::Delivery);
    app.update(key(KeyCode::Right));
    assert!(draw_app(&app, 120, 40).contains("邮寄送达"));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.intake.form.focus, counter_tui::intake::Field::Address);
    // Submitting without an address is stopped at the form.
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    assert!(sends(&e).is_empty());
    assert_eq!(app.intake.form.focus, counter_tui::intake::Field::Address);
    type_text(&mut app, "广州市花都区新华路1号");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    let sent = sends(&e);
    assert_eq!(sent[0]["delivery"], "post", "{sent:?}");
    assert_eq!(sent[0]["delivery_address"], "广州市花都区新华路1号");
    pump(&mut app, &mut fx, e);
    let case_id = app.intake.case_id().expect("case open").to_string();
    assert_eq!(
        app.hall.cases[&case_id].delivery,
        queue_core::intake::Delivery::Post
    );
}

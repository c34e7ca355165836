//! The main screens on `TestBackend`, pinned with insta at 80×24 and 160×48, Chinese and
//! English, with the clock fixed (2026-11-23 09:30 hall time).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use counter_tui::app::App;
use counter_tui::i18n::Lang;
use counter_tui::msg::{Msg, PrinterReport};
use crossterm::event::KeyCode;
use dashboard::client::{Incoming, Link};
use device::printer::{PrinterError, PrinterFault};
use fixture::flows::fill_applicant;
use fixture::*;

fn called(lang: Lang) -> (Fx, App) {
    let mut fx = Fx::new();
    let mut app = app(&fx, lang);
    app.update(Msg::Printer(PrinterReport::Status(Ok(()))));
    app.update(Msg::Scanner(device::scanner::ScannerEvent::Connected {
        path: "sim".into(),
    }));
    let e = app.update(key(KeyCode::F(2)));
    pump(&mut app, &mut fx, e);
    (fx, app)
}

fn with_case(lang: Lang) -> (Fx, App) {
    let (mut fx, mut app) = called(lang);
    fill_applicant(&mut app, "QY001", "张三", "440524188001010014");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    for k in ['1', '2', '1'] {
        app.update(key(KeyCode::Char(k)));
    }
    (fx, app)
}

#[test]
fn called_ticket() {
    for (lang, tag) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let (_, app) = called(lang);
        insta::assert_snapshot!(format!("called_{tag}_80x24"), draw_app(&app, 80, 24));
        insta::assert_snapshot!(format!("called_{tag}_160x48"), draw_app(&app, 160, 48));
    }
}

#[test]
fn applicant_form_masks_the_id_after_entry() {
    let (_, mut app) = called(Lang::Zh);
    app.update(key(KeyCode::F(9)));
    type_text(&mut app, "企业");
    let s = draw_app(&app, 80, 24);
    assert!(s.contains("QY001"), "search by name: {s}");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "张三");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "440524188001010014");
    let typing = draw_app(&app, 80, 24);
    assert!(
        typing.contains("440524188001010014"),
        "shown while typing: {typing}"
    );
    app.update(key(KeyCode::Enter));
    let s = draw_app(&app, 80, 24);
    assert!(!s.contains("440524188001010014"), "masked after entry: {s}");
    assert!(s.contains("4405**********0014"), "{s}");
    insta::assert_snapshot!("applicant_zh_80x24", s);
}

#[test]
fn materials_checklist() {
    for (lang, tag) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let (_, app) = with_case(lang);
        insta::assert_snapshot!(format!("materials_{tag}_80x24"), draw_app(&app, 80, 24));
        insta::assert_snapshot!(format!("materials_{tag}_160x48"), draw_app(&app, 160, 48));
    }
}

#[test]
fn notice_preview_after_issue() {
    let (mut fx, mut app) = with_case(Lang::Zh);
    app.update(key(KeyCode::Char('t')));
    let draft = draw_app(&app, 160, 48);
    // The draft lists what the hall will: required materials never checked count as missing.
    assert!(draft.contains("住所使用证明（缺少）"), "{draft}");
    insta::assert_snapshot!("notice_draft_zh_160x48", draft);
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    let s = draw_app(&app, 160, 48);
    assert!(s.contains("补正材料通知书"), "{s}");
    insta::assert_snapshot!("notice_issued_zh_160x48", s);
}

#[test]
fn help_and_offline_and_printer_fault() {
    let (_, mut app) = called(Lang::En);
    app.update(key(KeyCode::F(1)));
    insta::assert_snapshot!("help_en_80x24", draw_app(&app, 80, 24));
    app.update(key(KeyCode::Esc));
    let (_, mut app) = called(Lang::Zh);
    app.update(Msg::Hall(Incoming::Link(Link::Offline(
        "connection refused".into(),
    ))));
    app.update(Msg::Printer(PrinterReport::Failed {
        label: "号 ticket A005".into(),
        error: PrinterError::Fault(PrinterFault::PaperOut),
        pending: 1,
    }));
    insta::assert_snapshot!("offline_paper_out_zh_80x24", draw_app(&app, 80, 24));
}

#[test]
fn kiosk_screens() {
    let mut fx = Fx::new();
    let mut k = kiosk(&fx, Lang::Zh);
    insta::assert_snapshot!("kiosk_queues_zh_80x24", draw_kiosk(&k, 80, 24));
    k.update(key(KeyCode::Char('1')));
    insta::assert_snapshot!("kiosk_channel_zh_80x24", draw_kiosk(&k, 80, 24));
    let e = k.update(key(KeyCode::Char('1')));
    let counter_tui::msg::Effect::Send { id, command } = &e[0] else {
        panic!()
    };
    let (result, _) = fx.exec(KIOSK, command.clone()).unwrap();
    k.update(Msg::Hall(Incoming::Reply {
        id: id.clone(),
        ok: true,
        seq: None,
        result,
        error: None,
    }));
    k.update(key(KeyCode::F(12)));
    insta::assert_snapshot!("kiosk_issued_en_80x24", draw_kiosk(&k, 80, 24));
    insta::assert_snapshot!("kiosk_issued_en_160x48", draw_kiosk(&k, 160, 48));
}

/// Resizing down to tiny terminals degrades, never panics.
#[test]
fn small_sizes_do_not_panic() {
    let (mut fx, mut app) = with_case(Lang::Zh);
    let k = kiosk(&fx, Lang::Zh);
    for (w, h) in [
        (80, 24),
        (79, 23),
        (60, 20),
        (40, 10),
        (20, 5),
        (10, 3),
        (1, 1),
        (0, 0),
    ] {
        draw_app(&app, w, h);
        draw_kiosk(&k, w, h);
    }
    app.update(key(KeyCode::Char('t')));
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut fx, e);
    app.update(key(KeyCode::F(1)));
    for (w, h) in [(40, 10), (20, 5), (1, 1)] {
        draw_app(&app, w, h);
    }
    let s = draw_app(&app, 40, 10);
    assert_eq!(s.lines().count(), 10);
}

/// While the hall cannot save (disk full), the counter's status line and the kiosk's header say
/// so in plain words, from the snapshot the hall sends; when it recovers, the words go.
#[test]
fn a_hall_that_cannot_save_is_shown_plainly() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    let mut k = kiosk(&fx, Lang::Zh);
    let failing = serde_json::json!({"status": "failing",
        "message": "服务器磁盘已满：新的操作无法保存", "message_en": "the hall's disk is full"});
    let mut state = fx.snapshot();
    state["storage"] = failing.clone();
    app.update(Msg::Hall(Incoming::Snapshot {
        seq: 0,
        state: state.clone(),
    }));
    let mut kstate = fx.kiosk_snapshot();
    kstate["storage"] = failing;
    k.update(Msg::Hall(Incoming::Snapshot {
        seq: 0,
        state: kstate.clone(),
    }));
    assert!(draw_app(&app, 120, 30).contains("服务器磁盘已满"));
    assert!(draw_kiosk(&k, 120, 30).contains("暂时无法取号"));
    state["storage"] = serde_json::json!({"status": "ok", "message": null, "message_en": null});
    kstate["storage"] = state["storage"].clone();
    app.update(Msg::Hall(Incoming::Snapshot { seq: 0, state }));
    k.update(Msg::Hall(Incoming::Snapshot {
        seq: 0,
        state: kstate,
    }));
    assert!(!draw_app(&app, 120, 30).contains("服务器磁盘已满"));
    assert!(!draw_kiosk(&k, 120, 30).contains("暂时无法取号"));
}

#[test]
fn request_form_records_a_complaint_and_prints_its_acknowledgement() {
    let (mut fx, mut app) = called(Lang::Zh);
    app.update(ctrl('r'));
    type_text(&mut app, "张三");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "440524188001010014");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "营业执照变更多次往返仍未办成");
    app.update(key(KeyCode::Right));
    let form = draw_app(&app, 80, 24);
    assert!(form.contains("办不成事/投诉登记"), "{form}");
    assert!(
        form.contains("4405**********0014"),
        "masked once entered: {form}"
    );
    insta::assert_snapshot!("request_form_zh_80x24", form);

    let effects = app.update(key(KeyCode::Enter));
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    let cmd = sent[0].clone();
    assert_eq!(cmd["kind"], "request_record");
    assert_eq!(cmd["category"], "complaint");
    let ticket = app.current_ticket().map(|t| t.id.clone()).unwrap();
    assert_eq!(cmd["ticket"], ticket.as_str());
    let id = match &effects[0] {
        counter_tui::msg::Effect::Send { id, .. } => id.clone(),
        _ => unreachable!(),
    };
    // The hall's reply, through the counter's view as the server sends it.
    let (result, _) = fx.exec(COUNTER, cmd).unwrap();
    let shown =
        queue_core::hall::Viewer::new(queue_core::auth::Role::Counter, Some(1)).reply(&result);
    let out = app.update(Msg::Hall(Incoming::Reply {
        id,
        ok: true,
        seq: Some(fx.seq),
        result: shown,
        error: None,
    }));
    let printed = out.iter().find_map(|e| match e {
        counter_tui::msg::Effect::Print { label, bytes } => Some((label.clone(), bytes.clone())),
        _ => None,
    });
    let (label, bytes) = printed.expect("the slip is printed");
    assert!(label.contains("投诉登记回执"), "{label}");
    let text = device::printer::render_bytes(&bytes, 48);
    for want in [
        "440114-T20261123-001",
        "张*",
        "4405**********0014",
        "1 号窗口",
        "李明",
        "2026年11月30日前",
        "营业执照变更多次往返仍未办成",
    ] {
        assert!(text.contains(want), "slip lacks {want}: {text}");
    }
    assert!(
        !text.contains("440524188001010014") && !text.contains("张三"),
        "{text}"
    );
    let s = draw_app(&app, 160, 48);
    assert!(s.contains("投诉登记回执"), "{s}");
    insta::assert_snapshot!("request_slip_zh_160x48", s);
}

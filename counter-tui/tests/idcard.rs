//! The ID card reader at the counter: a card read through a real pseudo-terminal fills the
//! intake form and the case records the check; agent cards, edits after the read, expired
//! cards, corrupt frames, unplugging, an idle window, the kiosk's green channel by age.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use std::time::{Duration, Instant};

use counter_tui::app::{App, Focus};
use counter_tui::i18n::Lang;
use counter_tui::idcard::{self, IdReaderSetup, ReaderState};
use counter_tui::intake::{Field, Stage};
use counter_tui::msg::{Effect, Level, Msg};
use crossterm::event::KeyCode;
use device::idcard::{sample_cards, IdReaderEvent, SimIdReader, VirtualIdReader};
use fixture::{app, ctrl, key, kiosk, pump, sends, type_text, Fx, COUNTER};
use queue_core::intake::IdentityCheck;
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// Feeds reader messages into the app until one satisfies `until`; returns its effects.
fn feed_until(
    app: &mut App,
    rx: &mut UnboundedReceiver<Msg>,
    until: impl Fn(&IdReaderEvent) -> bool,
) -> Vec<Effect> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(Msg::IdCard(e)) => {
                let done = until(&e);
                let out = app.update(Msg::IdCard(e));
                if done {
                    return out;
                }
            }
            Ok(_) => {}
            Err(_) => {
                assert!(Instant::now() < deadline, "no matching reader event");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn is_card(e: &IdReaderEvent) -> bool {
    matches!(e, IdReaderEvent::Card(_))
}

/// Calls the next ticket and opens the applicant form for QY001.
fn to_applicant(app: &mut App, fx: &mut Fx) {
    let e = app.update(key(KeyCode::F(2)));
    pump(app, fx, e);
    app.update(key(KeyCode::F(9)));
    type_text(app, "QY001");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.intake.stage, Stage::Applicant);
}

fn notice(app: &App) -> (Level, String) {
    let n = app.notice.clone().expect("a notice");
    (n.level, n.text)
}

#[test]
fn card_read_through_a_pty_fills_the_applicant_and_the_case_and_receipt_record_it() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    to_applicant(&mut app, &mut fx);

    let sim = VirtualIdReader::start().unwrap();
    let (tx, mut rx) = unbounded_channel();
    let _reader = idcard::start(IdReaderSetup::Serial(sim.path().to_path_buf()), tx).unwrap();
    sim.place(sample_cards()[0].clone());
    feed_until(&mut app, &mut rx, is_card);

    let f = &app.intake.form;
    assert_eq!(f.name, "陈明华");
    assert_eq!(f.id_number, "440114198503120031");
    assert_eq!(f.focus, Field::AgentName, "next: the agent, if any");
    let (level, text) = notice(&app);
    assert_eq!(level, Level::Success, "{text}");
    assert!(text.contains("已读身份证并核验"), "{text}");
    assert!(text.contains("4401**********0031"), "{text}");
    assert_eq!(app.idcard.state, ReaderState::Connected);

    // No agent: Enter submits; the case records the check.
    let e = app.update(key(KeyCode::Enter));
    let open = sends(&e)[0].clone();
    assert_eq!(open["applicant"]["identity_checked"], "id_card");
    assert!(open.get("agent").is_none());
    pump(&mut app, &mut fx, e);
    let case_id = app.intake.case_id().expect("case open").to_string();
    assert_eq!(
        app.hall.cases[&case_id].applicant.identity_checked,
        Some(IdentityCheck::IdCard)
    );
    // Every material submitted, accept: the printed receipt says the card was checked.
    for _ in 0..5 {
        app.update(key(KeyCode::Char('1')));
    }
    app.update(key(KeyCode::Char('a')));
    let e = app.update(key(KeyCode::Enter));
    let out = pump(&mut app, &mut fx, e);
    let printed: String = out
        .iter()
        .filter_map(|e| match e {
            Effect::Print { bytes, .. } => Some(device::printer::render_bytes(bytes, 48)),
            _ => None,
        })
        .collect();
    assert!(printed.contains("受理通知书"), "{printed}");
    assert!(printed.contains("已核验身份证"), "{printed}");
    assert!(!printed.contains("440114198503120031"), "masked on paper");
}

#[test]
fn with_the_agent_fields_focused_the_card_fills_the_agent() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    to_applicant(&mut app, &mut fx);
    type_text(&mut app, "某某科技有限公司");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "91350100M000100Y43");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.intake.form.focus, Field::AgentName);

    let sim = SimIdReader::new();
    let (tx, mut rx) = unbounded_channel();
    let _h = idcard::start(IdReaderSetup::Simulated(sim.clone()), tx).unwrap();
    assert!(sim.place(&sample_cards()[3]));
    feed_until(&mut app, &mut rx, is_card);
    let f = &app.intake.form;
    assert_eq!(f.name, "某某科技有限公司", "applicant untouched");
    assert_eq!(f.agent_name, "韦秀兰");
    assert_eq!(f.agent_id, "450103197802150028");
    assert_eq!(f.focus, Field::AgentAuth);
    let e = app.update(key(KeyCode::Enter));
    let open = sends(&e)[0].clone();
    assert_eq!(open["agent"]["identity_checked"], "id_card");
    assert!(open["applicant"].get("identity_checked").is_none());
    pump(&mut app, &mut fx, e);
    let case = app.case().expect("case open");
    assert_eq!(
        case.agent.as_ref().unwrap().identity_checked,
        Some(IdentityCheck::IdCard)
    );
}

#[test]
fn a_number_typed_over_the_card_is_not_claimed_as_checked() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    to_applicant(&mut app, &mut fx);
    let sim = SimIdReader::new();
    let (tx, mut rx) = unbounded_channel();
    let _h = idcard::start(IdReaderSetup::Simulated(sim.clone()), tx).unwrap();
    sim.place(&sample_cards()[0]);
    feed_until(&mut app, &mut rx, is_card);
    // Back to the number (past the mobile number and the result-delivery choice); replace
    // it by hand.
    app.update(key(KeyCode::Up));
    assert_eq!(app.intake.form.focus, Field::Mobile);
    app.update(key(KeyCode::Up));
    assert_eq!(app.intake.form.focus, Field::Delivery);
    app.update(key(KeyCode::Up));
    assert_eq!(app.intake.form.focus, Field::IdNumber);
    for _ in 0..18 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "440524188001010014");
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    let open = sends(&e)[0].clone();
    assert_eq!(open["kind"], "case_open");
    assert_eq!(open["applicant"]["id_number"], "440524188001010014");
    assert!(
        open["applicant"].get("identity_checked").is_none(),
        "{open}"
    );
}

#[test]
fn expired_card_warns_and_is_not_recorded_as_a_check() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    to_applicant(&mut app, &mut fx);
    let sim = SimIdReader::new();
    let (tx, mut rx) = unbounded_channel();
    let _h = idcard::start(IdReaderSetup::Simulated(sim.clone()), tx).unwrap();
    sim.place(&sample_cards()[1]); // valid until 2022-01-01
    feed_until(&mut app, &mut rx, is_card);
    let (level, text) = notice(&app);
    assert_eq!(level, Level::Warning);
    assert!(
        text.contains("已过有效期") && text.contains("2022-01-01"),
        "{text}"
    );
    assert_eq!(app.intake.form.name, "黄丽娟");
    let e = app.update(key(KeyCode::Enter));
    let open = sends(&e)[0].clone();
    assert!(
        open["applicant"].get("identity_checked").is_none(),
        "{open}"
    );
}

#[test]
fn corrupt_frame_and_unplugged_reader_are_survived() {
    let mut fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    to_applicant(&mut app, &mut fx);
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("idreader");
    let sim = VirtualIdReader::start().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    let (tx, mut rx) = unbounded_channel();
    let _reader = idcard::start(IdReaderSetup::Serial(link.clone()), tx).unwrap();

    sim.corrupt_next_read();
    sim.place(sample_cards()[0].clone());
    feed_until(&mut app, &mut rx, |e| {
        matches!(e, IdReaderEvent::Warning(_))
    });
    let (level, text) = notice(&app);
    assert_eq!(level, Level::Warning);
    assert!(text.contains("校验错误"), "{text}");
    // The next poll reads it.
    feed_until(&mut app, &mut rx, is_card);
    assert_eq!(app.intake.form.name, "陈明华");

    drop(sim);
    let e = feed_until(&mut app, &mut rx, |e| {
        matches!(e, IdReaderEvent::Disconnected { .. })
    });
    assert!(matches!(app.idcard.state, ReaderState::Disconnected(_)));
    let report = sends(&e)[0].clone();
    assert_eq!(report["kind"], "report_device");
    assert_eq!(report["device"], "id_reader");
    assert_eq!(report["ok"], false);
    pump(&mut app, &mut fx, e);
    // The form typed so far is intact.
    assert_eq!(app.intake.form.id_number, "440114198503120031");

    let sim = VirtualIdReader::start().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    let e = feed_until(&mut app, &mut rx, |e| {
        matches!(e, IdReaderEvent::Connected { .. })
    });
    assert_eq!(sends(&e)[0]["device"], "id_reader");
    assert_eq!(sends(&e)[0]["ok"], true);
    assert_eq!(app.idcard.state, ReaderState::Connected);
}

#[test]
fn card_at_an_idle_window_starts_intake_and_names_cases_under_way() {
    let mut fx = Fx::new();
    let card = &sample_cards()[0];
    let (result, _) = fx
        .exec(
            COUNTER,
            json!({"kind":"case_open","item":"QY001","applicant":{
                "kind":"person","name":card.name,"id_number":card.id_number}}),
        )
        .unwrap();
    let serial = result["case"]["serial"].as_str().unwrap().to_string();
    let mut app = app(&fx, Lang::Zh);
    assert_eq!(app.intake.stage, Stage::Idle);
    let sim = SimIdReader::new();
    let (tx, mut rx) = unbounded_channel();
    let _h = idcard::start(IdReaderSetup::Simulated(sim.clone()), tx).unwrap();
    sim.place(card);
    feed_until(&mut app, &mut rx, is_card);
    assert_eq!(app.focus, Focus::Intake);
    assert!(matches!(app.intake.stage, Stage::Item { .. }));
    let (_, text) = notice(&app);
    assert!(text.contains("选择事项后继续"), "{text}");
    assert!(text.contains(&serial), "the open case is named: {text}");
    // Choosing the item keeps what the card filled in.
    type_text(&mut app, "QY001");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.intake.form.name, card.name);
    assert_eq!(app.intake.form.id_number, card.id_number);
}

#[test]
fn simulated_reader_is_driven_by_ctrl_k() {
    let fx = Fx::new();
    let mut app = app(&fx, Lang::Zh);
    assert_eq!(app.update(ctrl('k')), vec![Effect::SimCard(0)]);
    assert_eq!(app.update(ctrl('k')), vec![Effect::SimCard(1)]);
    app.idcard.kind = idcard::ReaderKind::Serial {
        path: "/dev/ttyUSB1".into(),
    };
    assert!(app.update(ctrl('k')).is_empty());
}

#[test]
fn kiosk_offers_the_green_channel_from_the_card_age_and_keeps_no_name() {
    let fx = Fx::new();
    let mut k = kiosk(&fx, Lang::Zh);
    let sim = SimIdReader::new();
    let (tx, mut rx) = unbounded_channel();
    let _h = idcard::start(IdReaderSetup::Simulated(sim.clone()), tx).unwrap();
    let feed = |k: &mut counter_tui::kiosk::Kiosk, rx: &mut UnboundedReceiver<Msg>| loop {
        match rx.try_recv() {
            Ok(Msg::IdCard(e)) => {
                let card = matches!(e, IdReaderEvent::Card(_));
                k.update(Msg::IdCard(e));
                if card {
                    return;
                }
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    sim.place(&sample_cards()[0]); // born 1985
    feed(&mut k, &mut rx);
    assert_eq!(k.id_number.as_deref(), Some("440114198503120031"));
    assert!(!k.notice.clone().unwrap().text.contains("绿色通道"));
    sim.place(&sample_cards()[2]); // born 1955: 71 on the fixture's day
    feed(&mut k, &mut rx);
    assert_eq!(k.id_number.as_deref(), Some("440114195509200012"));
    let text = k.notice.clone().unwrap().text;
    assert!(text.contains("绿色通道"), "{text}");
    assert!(!text.contains("李国强"), "no names at the kiosk: {text}");
}

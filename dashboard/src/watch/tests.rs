//! `update` and `draw` on a fixed hall state (fixtures/hall_state.json).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use queue_core::queue::WindowState;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::*;
use crate::client::{Incoming, Link};

const FIXTURE: &str = include_str!("fixtures/hall_state.json");
const AT: &str = "2026-11-23T10:33:00+08:00";

pub(super) fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// An app that has been welcomed as `role` and holds the fixture state.
fn app_as(role: &str, lang: Lang, t0: Instant) -> App {
    let mut app = App::new(lang, "test");
    for m in [
        Incoming::Link(Link::Online),
        Incoming::Welcome {
            role: role.into(),
            window: None,
            seq: 100,
            departments: Vec::new(),
        },
        Incoming::Snapshot {
            seq: 100,
            state: fixture(),
        },
    ] {
        assert!(update(&mut app, Msg::Hall(m, t0)).is_empty());
    }
    app
}

fn event(seq: u64, ev: Value, t: Instant) -> Msg {
    Msg::Hall(
        Incoming::Event {
            seq,
            at: AT.into(),
            event: ev,
        },
        t,
    )
}

fn ticket(id: &str, queue: &str, state: &str, window: Option<u32>) -> Value {
    let number = id.rsplit('-').next().unwrap();
    json!({
        "id": id, "number": number, "queue": queue, "channel": "walk_in", "state": state,
        "issued_at": "2026-11-23T10:20:00+08:00", "called_at": null, "served_at": null,
        "finished_at": null, "window": window, "ahead": 3, "estimated_wait": null, "calls": 0,
        "credit_since": "2026-11-23T10:20:00+08:00", "returning": false
    })
}

fn waiting(app: &App, q: &str) -> u32 {
    app.hall.as_ref().unwrap().waiting(q)
}

#[test]
fn snapshot_and_ticket_events_keep_waiting_counts_exact() {
    let t0 = Instant::now();
    let mut app = app_as("supervisor", Lang::Zh, t0);
    let counts: Vec<u32> = ["A", "B", "C", "D", "E", "F"]
        .iter()
        .map(|q| waiting(&app, q))
        .collect();
    assert_eq!(counts, vec![12, 5, 3, 0, 2, 1], "from the snapshot's lines");

    // Issued: +1 in its queue; seeing the same event twice changes nothing.
    let issued =
        json!({"kind": "ticket_issued", "ticket": ticket("20261123-A050", "A", "waiting", None)});
    update(&mut app, event(101, issued.clone(), t0));
    update(&mut app, event(101, issued, t0));
    assert_eq!(waiting(&app, "A"), 13);

    // Called at window 1: −1, and window 1 now shows it.
    let called =
        json!({"kind": "ticket_called", "ticket": ticket("20261123-A030", "A", "called", Some(1))});
    update(&mut app, event(102, called, t0));
    assert_eq!(waiting(&app, "A"), 12);
    let w1 = &app.hall.as_ref().unwrap().windows[&1];
    assert_eq!(w1.ticket_number.as_deref(), Some("A030"));

    // Recalled / service started: not waiting either way.
    let started = json!({"kind": "service_started", "ticket": ticket("20261123-A030", "A", "serving", Some(1))});
    update(&mut app, event(103, started, t0));
    assert_eq!(waiting(&app, "A"), 12);

    // Cancelled while waiting: −1.
    let cancelled = json!({"kind": "ticket_cancelled", "reason": "x", "ticket": ticket("20261123-A031", "A", "cancelled", None)});
    update(&mut app, event(104, cancelled, t0));
    assert_eq!(waiting(&app, "A"), 11);

    // Transferred A → B: −1 in A, +1 in B.
    let transferred = json!({
        "kind": "ticket_transferred",
        "from": ticket("20261123-A032", "A", "transferred", None),
        "ticket": ticket("20261123-B090", "B", "waiting", None),
    });
    update(&mut app, event(105, transferred, t0));
    assert_eq!((waiting(&app, "A"), waiting(&app, "B")), (10, 6));

    // A no-show of the called ticket and its reinstatement: +1 only on reinstatement.
    let no_show = json!({"kind": "ticket_no_show", "ticket": ticket("20261123-A030", "A", "no_show", Some(1))});
    update(&mut app, event(106, no_show, t0));
    assert_eq!(waiting(&app, "A"), 10);
    assert_eq!(
        app.hall.as_ref().unwrap().windows[&1].ticket_number,
        None,
        "window 1 freed"
    );
    let reinstated = json!({"kind": "ticket_reinstated", "ticket": ticket("20261123-A030", "A", "waiting", None)});
    update(&mut app, event(107, reinstated, t0));
    assert_eq!(waiting(&app, "A"), 11);

    // Finished service at window 2 (its ticket was never waiting): no change.
    let finished = json!({"kind": "service_finished", "ticket": ticket("20261123-A028", "A", "done", Some(2))});
    update(&mut app, event(108, finished, t0));
    assert_eq!(waiting(&app, "A"), 11);

    // Redacted and unrelated events are ignored.
    update(&mut app, event(109, json!({"kind": "redacted"}), t0));
    update(
        &mut app,
        event(110, json!({"kind": "case_opened", "case": {}}), t0),
    );
    assert_eq!(waiting(&app, "A"), 11);
    assert_eq!(waiting(&app, "B"), 6);
}

#[test]
fn window_changed_updates_open_windows_and_estimate() {
    let t0 = Instant::now();
    let mut app = app_as("manager", Lang::Zh, t0);
    let hall = app.hall.as_ref().unwrap();
    assert_eq!(hall.open_windows_for("A"), 4);
    let before = hall.estimated_wait("A").unwrap();
    assert_eq!(
        (before.low_minutes, before.high_minutes),
        (34, 52),
        "the hall's own figure"
    );
    let opened = json!({"kind": "window_changed", "window": {
        "number": 11, "kind": "comprehensive", "state": "open", "queues": ["A"],
        "ticket": null, "ticket_id": null, "since": AT
    }});
    update(&mut app, event(101, opened, t0));
    let hall = app.hall.as_ref().unwrap();
    assert_eq!(hall.open_windows_for("A"), 5);
    // The figure stays the hall's until the hall sends a new one (a `summary` frame): the view
    // never makes up an estimate of its own.
    assert_eq!(hall.estimated_wait("A"), Some(before));
    assert_eq!(hall.windows[&11].state, WindowState::Open);
    let mut queues = fixture()["queues"].clone();
    queues[0]["estimated_wait"] = json!({"low_minutes": 20, "high_minutes": 35});
    queues[0]["open_windows"] = json!(5);
    update(
        &mut app,
        Msg::Hall(
            Incoming::Summary {
                seq: 101,
                at: AT.to_string(),
                queues,
            },
            t0,
        ),
    );
    let after = app.hall.as_ref().unwrap().estimated_wait("A").unwrap();
    assert_eq!(
        (after.low_minutes, after.high_minutes),
        (20, 35),
        "the summary's figure"
    );
}

#[test]
fn alerts_are_raised_acknowledged_and_cleared() {
    let t0 = Instant::now();
    let mut app = app_as("supervisor", Lang::Zh, t0);
    assert_eq!(app.alerts().len(), 3);
    let alert = json!({"id": "too_many_waiting:B", "kind": "too_many_waiting", "queue": "B",
        "message": "社保医保 队列等候 31 人", "raised_at": AT, "acknowledged": false});
    update(
        &mut app,
        event(101, json!({"kind": "alert_raised", "alert": alert}), t0),
    );
    assert_eq!(app.alerts().len(), 4);
    assert_eq!(
        app.alerts()[0].id,
        "too_many_waiting:B",
        "newest unacknowledged first"
    );

    // `a` acknowledges the selected alert: select it explicitly, then press.
    app.focus = Panel::Alerts;
    update(&mut app, key(KeyCode::Down));
    assert_eq!(app.selected_alert.as_deref(), Some("long_wait:A"));
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.selected_alert.as_deref(), Some("too_many_waiting:B"));
    let fx = update(&mut app, ch('a'));
    assert_eq!(
        fx,
        vec![Effect::Send {
            id: "test-1".into(),
            command: Command::AckAlert {
                alert: "too_many_waiting:B".into()
            }
        }]
    );
    update(
        &mut app,
        Msg::Hall(
            Incoming::Reply {
                id: "test-1".into(),
                ok: true,
                seq: Some(102),
                result: Value::Null,
                error: None,
            },
            t0,
        ),
    );
    assert_eq!(app.status.as_ref().unwrap().kind, StatusKind::Ok);
    let mut acked = alert_json("too_many_waiting:B");
    acked["acknowledged"] = json!(true);
    update(
        &mut app,
        event(
            102,
            json!({"kind": "alert_acknowledged", "alert": acked}),
            t0,
        ),
    );
    let a = app
        .alerts()
        .into_iter()
        .find(|a| a.id == "too_many_waiting:B")
        .unwrap();
    assert!(a.acknowledged);
    // Pressing `a` again on an acknowledged alert sends nothing.
    assert!(update(&mut app, ch('a')).is_empty());

    update(
        &mut app,
        event(
            103,
            json!({"kind": "alert_cleared", "alert": alert_json("long_wait:A")}),
            t0,
        ),
    );
    assert!(app.alerts().iter().all(|a| a.id != "long_wait:A"));
    assert_eq!(app.alerts().len(), 3);
}

fn alert_json(id: &str) -> Value {
    json!({"id": id, "kind": "too_many_waiting", "queue": "B", "message": "m", "raised_at": AT, "acknowledged": false})
}

#[test]
fn manager_opens_a_window_only_after_confirming() {
    let t0 = Instant::now();
    let mut app = app_as("manager", Lang::Zh, t0);
    assert!(app.may_open_windows());
    // The biggest shortfall (A: 4 → 6) is listed and selected first.
    assert_eq!(app.current_recommendation().unwrap().queue, "A");
    app.focus = Panel::Recommendations;

    // `o` only asks.
    assert!(update(&mut app, ch('o')).is_empty());
    let Some(Popup::ConfirmOpen(plan)) = app.popup.clone() else {
        panic!("no popup")
    };
    assert_eq!(plan.window, 11, "the first closed window the hall listed");
    assert_eq!(plan.mode, OpenMode::Open);

    // `n` cancels without sending; keys other than y/n do nothing meanwhile.
    assert!(update(&mut app, ch('x')).is_empty());
    assert!(app.popup.is_some());
    assert!(update(&mut app, ch('n')).is_empty());
    assert!(app.popup.is_none());

    // `o` then `y` sends exactly one set_window.
    assert!(update(&mut app, ch('o')).is_empty());
    let fx = update(&mut app, ch('y'));
    assert!(app.popup.is_none());
    assert_eq!(
        fx,
        vec![Effect::Send {
            id: "test-1".into(),
            command: Command::SetWindow {
                window: 11,
                state: WindowState::Open,
                queues: vec!["A".into()]
            }
        }]
    );
    let Effect::Send { command, .. } = &fx[0] else {
        unreachable!()
    };
    assert_eq!(
        command.to_json(),
        json!({"kind": "set_window", "window": 11, "state": "open", "queues": ["A"]})
    );

    // The hall's answer reaches the status line, errors included.
    update(
        &mut app,
        Msg::Hall(
            Incoming::Reply {
                id: "test-1".into(),
                ok: false,
                seq: None,
                result: Value::Null,
                error: Some(("conflict".into(), "窗口已开放".into())),
            },
            t0,
        ),
    );
    let s = app.status.clone().unwrap();
    assert_eq!(s.kind, StatusKind::Error);
    assert!(
        s.text.contains("conflict") && s.text.contains("窗口已开放"),
        "{}",
        s.text
    );
}

#[test]
fn a_switch_is_offered_when_no_closed_window_is_left() {
    let t0 = Instant::now();
    let mut app = app_as("manager", Lang::En, t0);
    for (seq, n) in [(101, 11), (102, 12), (103, 15)] {
        let w = json!({"kind": "window_changed", "window": {
            "number": n, "kind": "comprehensive", "state": "open", "queues": ["B"],
            "ticket": null, "since": AT
        }});
        update(&mut app, event(seq, w, t0));
    }
    app.select_recommendation("A");
    update(&mut app, ch('o'));
    let Some(Popup::ConfirmOpen(plan)) = app.popup.clone() else {
        panic!("no popup")
    };
    assert_eq!(plan.window, 10);
    assert_eq!(
        plan.mode,
        OpenMode::Switch {
            from: vec!["E".into()]
        }
    );
    let fx = update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![Effect::Send {
            id: "test-1".into(),
            command: Command::SetWindow {
                window: 10,
                state: WindowState::Open,
                queues: vec!["A".into()]
            }
        }]
    );
}

#[test]
fn a_supervisor_cannot_open_windows() {
    let t0 = Instant::now();
    let mut app = app_as("supervisor", Lang::Zh, t0);
    assert!(!app.may_open_windows());
    app.select_recommendation("A");
    assert!(update(&mut app, ch('o')).is_empty());
    assert!(update(&mut app, ch('y')).is_empty());
    assert!(app.popup.is_none());
    let s = app.status.clone().unwrap();
    assert_eq!(s.kind, StatusKind::Error);
    assert_eq!(s.text, Lang::Zh.text().only_manager);
    // A popup left over from before a role change still sends nothing.
    app.popup = Some(Popup::ConfirmOpen(OpenPlan {
        window: 11,
        queue: "A".into(),
        queue_name: "企业开办".into(),
        mode: OpenMode::Open,
    }));
    assert!(update(&mut app, ch('y')).is_empty());
    // Supervisors may still acknowledge.
    app.focus = Panel::Alerts;
    assert!(matches!(
        update(&mut app, ch('a')).as_slice(),
        [Effect::Send {
            command: Command::AckAlert { .. },
            ..
        }]
    ));
}

#[test]
fn hall_errors_reach_the_status_line() {
    let t0 = Instant::now();
    let mut app = app_as("supervisor", Lang::En, t0);
    update(
        &mut app,
        Msg::Hall(
            Incoming::Error {
                code: "forbidden".into(),
                message: "role supervisor may not send set_window".into(),
            },
            t0,
        ),
    );
    let s = app.status.clone().unwrap();
    assert_eq!(s.kind, StatusKind::Error);
    assert!(s.text.contains("forbidden"));
}

#[test]
fn alert_messages_follow_the_language() {
    let (zh, en) = (
        "企业开办 队列有人已等候 31 分钟，超过 30 分钟",
        "a ticket in A has waited 31 min (limit 30)",
    );
    assert_eq!(Lang::Zh.pick(zh, en), zh);
    assert_eq!(Lang::En.pick(zh, en), en);
    assert_eq!(
        Lang::En.pick(zh, ""),
        zh,
        "Chinese when the hall sent no English"
    );
}

#[test]
fn quit_keys() {
    let t0 = Instant::now();
    for m in [
        ch('q'),
        key(KeyCode::Esc),
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    ] {
        let mut app = app_as("manager", Lang::Zh, t0);
        assert_eq!(update(&mut app, m), vec![Effect::Quit]);
        assert!(app.quit);
    }
    // Esc in a popup or help closes it instead.
    let mut app = app_as("manager", Lang::Zh, t0);
    update(&mut app, ch('o'));
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    assert!(!app.quit && app.popup.is_none());
    update(&mut app, key(KeyCode::F(1)));
    assert!(app.help);
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    assert!(!app.quit && !app.help);
}

#[test]
fn bad_events_ask_for_a_resync_and_ticks_resync_periodically() {
    let t0 = Instant::now();
    let mut app = app_as("manager", Lang::Zh, t0);
    let fx = update(
        &mut app,
        event(101, json!({"kind": "ticket_issued", "ticket": 5}), t0),
    );
    assert_eq!(fx, vec![Effect::Resync]);
    assert!(update(&mut app, Msg::Tick(t0 + Duration::from_secs(3))).is_empty());
    // The safety-net resync comes only after RESYNC_EVERY (figures arrive in summaries).
    let every = app::RESYNC_EVERY;
    assert!(update(&mut app, Msg::Tick(t0 + every - Duration::from_secs(1))).is_empty());
    assert_eq!(
        update(&mut app, Msg::Tick(t0 + every + Duration::from_secs(1))),
        vec![Effect::Resync]
    );
    assert!(update(&mut app, Msg::Tick(t0 + every + Duration::from_secs(2))).is_empty());
}

#[test]
fn the_clock_learns_the_hall_rate_and_samples_once_per_hall_minute() {
    let t0 = Instant::now();
    let mut app = app_as("manager", Lang::Zh, t0);
    assert_eq!(app.history["A"].len(), 1);
    // Ten real seconds later the hall says 100 s passed: it runs 10× (a demo).
    let mut later = fixture();
    later["now"] = json!("2026-11-23T10:33:45+08:00");
    update(
        &mut app,
        Msg::Hall(
            Incoming::Snapshot {
                seq: 100,
                state: later,
            },
            t0 + Duration::from_secs(10),
        ),
    );
    assert_eq!(app.history["A"].len(), 2, "10:32 then 10:33");
    // 12 s real = 120 s hall → 10:35:45: two more minutes.
    update(&mut app, Msg::Tick(t0 + Duration::from_secs(22)));
    assert_eq!(
        app.hall_now.unwrap().format("%H:%M:%S").to_string(),
        "10:35:45"
    );
    assert_eq!(app.history["A"].len(), 4);
    assert!(app.history["A"].iter().all(|n| *n == 12));
    // Never more than an hour.
    update(&mut app, Msg::Tick(t0 + Duration::from_secs(10_000)));
    assert_eq!(app.history["A"].len(), app::HISTORY_LEN);
}

// ---------------------------------------------------------------- drawing

/// The fixture with a deterministic hour of history and the hall clock at the snapshot.
pub(super) fn drawn_app(lang: Lang, role: &str) -> App {
    let mut app = app_as(role, lang, Instant::now());
    for (i, q) in ["A", "B", "C", "D", "E", "F"].iter().enumerate() {
        let h = app.history.entry((*q).to_string()).or_default();
        h.clear();
        for m in 0..60u32 {
            h.push_back((m * (i as u32 + 1) / 4 + m % 7) % 16);
        }
    }
    app
}

pub(super) fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    t
}

/// The screen as a person sees it: one line per row, the cell after a wide character
/// skipped, with a right margin so widths can be checked by eye.
pub(super) fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = ratatui::text::Span::raw(sym).width().saturating_sub(1);
            out.push_str(sym);
        }
        out.push_str("|\n");
    }
    out
}

#[test]
fn screen_80x24_zh() {
    insta::assert_snapshot!(screen(&render(&drawn_app(Lang::Zh, "manager"), 80, 24)));
}

#[test]
fn screen_80x24_en() {
    insta::assert_snapshot!(screen(&render(&drawn_app(Lang::En, "manager"), 80, 24)));
}

#[test]
fn screen_160x48_zh() {
    insta::assert_snapshot!(screen(&render(&drawn_app(Lang::Zh, "manager"), 160, 48)));
}

#[test]
fn screen_160x48_en() {
    insta::assert_snapshot!(screen(&render(&drawn_app(Lang::En, "supervisor"), 160, 48)));
}

#[test]
fn screen_confirm_popup_80x24_zh() {
    let mut app = drawn_app(Lang::Zh, "manager");
    update(&mut app, ch('o'));
    insta::assert_snapshot!(screen(&render(&app, 80, 24)));
}

#[test]
fn screen_help_80x24_en() {
    let mut app = drawn_app(Lang::En, "manager");
    update(&mut app, ch('?'));
    insta::assert_snapshot!(screen(&render(&app, 80, 24)));
}

#[test]
fn nothing_panics_at_any_small_size() {
    let mut app = drawn_app(Lang::Zh, "manager");
    let waiting = App::new(Lang::En, "x");
    update(&mut app, ch('o'));
    let mut helped = drawn_app(Lang::En, "manager");
    update(&mut helped, ch('?'));
    for w in 0..=90 {
        for h in 0..=30 {
            for a in [&app, &waiting, &helped] {
                render(a, w, h);
            }
        }
    }
}

struct Recorder(std::sync::Mutex<Vec<Value>>);

impl Outbox for Recorder {
    fn command(&self, _id: &str, command: Value) {
        self.0.lock().unwrap().push(command);
    }
    fn resync(&self) {}
}

#[tokio::test]
async fn the_run_loop_draws_on_any_backend_and_quits_on_q() {
    let (hall_tx, mut hall_rx) = mpsc::unbounded_channel();
    let (key_tx, mut key_rx) = mpsc::unbounded_channel();
    hall_tx.send(Incoming::Link(Link::Online)).unwrap();
    hall_tx
        .send(Incoming::Welcome {
            role: "manager".into(),
            window: None,
            seq: 1,
            departments: Vec::new(),
        })
        .unwrap();
    hall_tx
        .send(Incoming::Snapshot {
            seq: 1,
            state: fixture(),
        })
        .unwrap();
    // Keys come a little later, as a person's would: after the hall's state.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for m in [ch('o'), ch('y'), ch('q')] {
            key_tx.send(m).unwrap();
        }
    });
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut app = App::new(Lang::Zh, "run");
    let out = Recorder(std::sync::Mutex::new(Vec::new()));
    tokio::time::timeout(
        Duration::from_secs(5),
        run(&mut terminal, &mut app, &mut hall_rx, &mut key_rx, &out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(app.quit);
    assert_eq!(
        *out.0.lock().unwrap(),
        vec![json!({"kind": "set_window", "window": 11, "state": "open", "queues": ["A"]})]
    );
    // The loop's last frame, as drawn by diffs on top of earlier ones.
    let shown = screen(&terminal);
    assert!(shown.contains("10:32:05"), "{shown}");
    // TestBackend keeps stale cells under wide characters across diffs; a clean frame of the
    // same state reads right.
    terminal.clear().unwrap();
    terminal.draw(|f| draw(&app, f)).unwrap();
    let shown = screen(&terminal);
    assert!(shown.contains("广州市花都区政务服务中心"), "{shown}");
    assert!(shown.contains("发送中"), "{shown}");
}

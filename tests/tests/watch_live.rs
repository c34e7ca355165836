//! `dashboard watch` against a real in-process hall on a fast clock: the real `App` update
//! loop, fed by the real reconnecting `Client`, no terminal. A queue backs up, the view shows
//! the alert and the advice, the manager confirms "open window 11 for A", the hall opens it and
//! the wait forecast falls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::DateTime;
use dashboard::client::{Client, ClientConfig, Incoming};
use dashboard::server::{RunningHall, ServeOptions};
use dashboard::watch::{
    drive_until, perform, update, App, Command, Effect, Lang, Msg, Popup, StatusKind,
};
use queue_core::auth::Role;
use queue_core::queue::WindowState;
use queue_core::supervision::AlertKind;
use serde_json::json;

/// A hall whose clock starts on a working Monday morning and runs 30× real time.
async fn fast_hall() -> (RunningHall, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), db.clone());
    opts.time_scale = 30.0;
    opts.start = Some(DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap());
    opts.tick = Duration::from_millis(200);
    let hall = dashboard::server::start(opts).await.unwrap();
    (hall, db, dir)
}

fn client(
    hall: &RunningHall,
    db: &std::path::Path,
    role: &str,
) -> (Client, tokio::sync::mpsc::UnboundedReceiver<Incoming>) {
    let token = dashboard::tokens::create(db, role, None, "watch test")
        .unwrap()
        .1;
    Client::spawn(ClientConfig::new(
        &format!("ws://{}", hall.addr),
        &token,
        role,
    ))
}

fn waiting(app: &App, q: &str) -> u32 {
    app.hall.as_ref().map_or(0, |h| h.waiting(q))
}

/// Presses `r` and waits for a snapshot whose queue A satisfies `f`; returns the hall's forecast.
async fn resync_until(
    app: &mut App,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Incoming>,
    watch: &Client,
    f: impl Fn(&dashboard::watch::QueueInfo) -> bool,
) -> queue_core::staffing::WaitRange {
    let effects = update(app, Msg::char('r'));
    assert_eq!(effects, vec![Effect::Resync]);
    perform(effects, watch);
    let got = drive_until(app, rx, watch, Duration::from_secs(10), |a| {
        a.hall.as_ref().and_then(|h| h.queue("A")).is_some_and(&f)
    })
    .await;
    assert!(got, "{:?}", app.hall.as_ref().and_then(|h| h.queue("A")));
    app.hall
        .as_ref()
        .and_then(|h| h.queue("A"))
        .and_then(|q| q.estimated_wait)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_opens_a_window_from_the_advice_and_the_wait_falls() {
    let (hall, db, _dir) = fast_hall().await;
    let (watch, mut rx) = client(&hall, &db, "manager");
    let mut app = App::new(Lang::Zh, "live");
    let ready = drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
        a.hall.is_some() && a.role == Some(Role::Manager)
    })
    .await;
    assert!(ready, "no snapshot: {:?}", app.link);
    assert_eq!(waiting(&app, "A"), 0);
    assert_eq!(app.hall.as_ref().unwrap().open_windows_for("A"), 4);

    // The morning rush: 20 walk-ins for 企业开办 in a few hall minutes.
    let (kiosk, mut krx) = client(&hall, &db, "kiosk");
    for i in 0..20 {
        kiosk.command(
            format!("k-{i}"),
            json!({"kind": "issue_ticket", "queue": "A", "channel": "walk_in"}),
        );
    }
    let mut ok = 0;
    while ok < 20 {
        let m = tokio::time::timeout(Duration::from_secs(10), krx.recv())
            .await
            .unwrap()
            .unwrap();
        if let Incoming::Reply { ok: true, .. } = m {
            ok += 1;
        } else if let Incoming::Reply { error, .. } = m {
            panic!("issue_ticket refused: {error:?}");
        }
    }

    // The view counts them from events alone, shows the alert and the advice, and the hall's
    // own figures for the queue arrive in a summary frame.
    let seen = drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
        let h = a.hall.as_ref().unwrap();
        waiting(a, "A") == 20
            && h.queue("A").is_some_and(|q| q.waiting == 20)
            && h.alerts
                .values()
                .any(|x| x.kind == AlertKind::EstimateOverTarget && x.queue.as_deref() == Some("A"))
            && h.recommendations
                .get("A")
                .is_some_and(|r| r.recommended_windows > r.open_windows)
    })
    .await;
    let h = app.hall.as_ref().unwrap();
    assert!(
        seen,
        "waiting {} alerts {:?} advice {:?}",
        waiting(&app, "A"),
        h.alerts.keys().collect::<Vec<_>>(),
        h.recommendations.get("A")
    );
    let mirrored = h.estimated_wait("A").unwrap();
    let advice = h.recommendations["A"].clone();
    // A fresh snapshot (`r`) carries the hall's own forecast: the summary had the same.
    let before = resync_until(&mut app, &mut rx, &watch, |q| q.waiting == 20).await;
    assert_eq!(mirrored, before);
    assert_eq!(advice.open_windows, 4);
    assert!(advice.closed_windows.contains(&11), "{advice:?}");

    // Select the advice for A, press o: only a question; y: exactly one set_window.
    app.select_recommendation("A");
    assert!(update(&mut app, Msg::char('o')).is_empty());
    let Some(Popup::ConfirmOpen(plan)) = app.popup.clone() else {
        panic!("no confirmation: {:?}", app.status)
    };
    assert_eq!((plan.window, plan.queue.as_str()), (11, "A"));
    let effects = update(&mut app, Msg::char('y'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Send { command: Command::SetWindow { window: 11, state: WindowState::Open, queues }, .. }]
                if queues == &["A".to_string()]
        ),
        "{effects:?}"
    );
    perform(effects, &watch);

    // The hall says yes, window 11 opens for A (window_changed), and its next summary's
    // forecast falls.
    let opened = drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
        let w = &a.hall.as_ref().unwrap().windows[&11];
        w.state == WindowState::Open
            && w.queues == ["A"]
            && a.status.as_ref().is_some_and(|s| s.kind == StatusKind::Ok)
            && a.hall
                .as_ref()
                .and_then(|h| h.queue("A"))
                .is_some_and(|q| q.open_windows == 5)
    })
    .await;
    assert!(
        opened,
        "status {:?} window {:?}",
        app.status,
        app.hall.as_ref().unwrap().windows[&11]
    );
    let h = app.hall.as_ref().unwrap();
    assert_eq!(h.open_windows_for("A"), 5);
    let mirrored = h.estimated_wait("A").unwrap();
    let after = resync_until(&mut app, &mut rx, &watch, |q| q.open_windows == 5).await;
    assert_eq!(mirrored, after);
    assert!(
        after.high_minutes < before.high_minutes,
        "{before:?} → {after:?}"
    );

    // The hall's own advice catches up: five open, and a shorter predicted wait (or the
    // over-target alert gone altogether).
    let caught_up = drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
        let h = a.hall.as_ref().unwrap();
        h.recommendations
            .get("A")
            .is_some_and(|r| r.open_windows == 5)
    })
    .await;
    assert!(caught_up);
    let h = app.hall.as_ref().unwrap();
    let now = &h.recommendations["A"];
    let alert_gone = !h.alerts.contains_key("estimate_over_target:A");
    let shorter = match (advice.predicted_wait_seconds, now.predicted_wait_seconds) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => b < a,
    };
    assert!(
        alert_gone || shorter || now.service_level > advice.service_level,
        "{advice:?} → {now:?}"
    );
    // Counts stayed exact throughout: still 20 waiting, nobody has been called.
    assert_eq!(waiting(&app, "A"), 20);

    watch.stop();
    kiosk.stop();
    hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_cannot_open_windows_and_sees_the_hall_refuse() {
    let (hall, db, _dir) = fast_hall().await;
    let (watch, mut rx) = client(&hall, &db, "supervisor");
    let mut app = App::new(Lang::En, "sup");
    assert!(
        drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
            a.hall.is_some() && a.role == Some(Role::Supervisor)
        })
        .await
    );
    assert!(!app.may_open_windows());
    app.select_recommendation("A");
    assert!(update(&mut app, Msg::char('o')).is_empty());
    assert!(update(&mut app, Msg::char('y')).is_empty());
    assert!(app.popup.is_none());

    // Had it been sent anyway (an older client, say), the hall's refusal reaches the status line.
    watch.command(
        "sup-x",
        json!({"kind": "set_window", "window": 11, "state": "open", "queues": ["A"]}),
    );
    let refused = drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.kind == StatusKind::Error && s.text.contains("forbidden"))
    })
    .await;
    assert!(refused, "{:?}", app.status);
    assert_eq!(
        app.hall.as_ref().unwrap().windows[&11].state,
        WindowState::Closed
    );

    watch.stop();
    hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chief_representative_sees_its_department_scope_in_the_header() {
    let (hall, db, _dir) = fast_hall().await;
    let token = dashboard::tokens::create_scoped(
        &db,
        "supervisor",
        None,
        "市场监管首席代表",
        None,
        // As `token create --department scj` stores it: the configured name.
        &["花都区市场监督管理局".to_string()],
    )
    .unwrap()
    .1;
    let (watch, mut rx) = Client::spawn(ClientConfig::new(
        &format!("ws://{}", hall.addr),
        &token,
        "supervisor",
    ));
    let mut app = App::new(Lang::Zh, "chief");
    assert!(
        drive_until(&mut app, &mut rx, &watch, Duration::from_secs(10), |a| {
            a.hall.is_some() && !a.departments.is_empty()
        })
        .await
    );
    // The welcome names the department; the header says it.
    assert_eq!(app.departments, vec!["花都区市场监督管理局".to_string()]);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 40)).unwrap();
    terminal.draw(|f| dashboard::watch::draw(&app, f)).unwrap();
    // Wide characters fill two cells; the second holds a blank.
    let top: String = (0..160)
        .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_string())
        .collect::<String>()
        .replace(' ', "");
    assert!(
        top.contains("首席事务代表（本部门：花都区市场监督管理局）"),
        "{top}"
    );
    watch.stop();
    hall.stop().await.unwrap();
}

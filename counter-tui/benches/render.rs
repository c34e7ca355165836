//! Frame render and key-to-frame times of the counter screen at 200×60, and the memory a
//! busy day's state takes. `cargo bench -p counter-tui --bench render`.
//!
//! The hall is queue-core's `Hall` in memory with a busy morning (1 000 tickets across the six
//! queues, one case open at window 1 with its checklist marked). Frames are drawn through the
//! crossterm backend into `io::sink()`, so escape-sequence encoding is included; "full frame"
//! clears first so every cell is redrawn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::DateTime;
use counter_tui::app::{App, Config};
use counter_tui::i18n::Lang;
use counter_tui::msg::{Effect, Msg, PrinterKind, ScannerKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dashboard::client::{Incoming, Link};
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::SigningKey;
use queue_core::hall::{Command, Hall};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde_json::{json, Value};

const W: u16 = 200;
const H: u16 = 60;

fn exec(
    hall: &mut Hall,
    now: DateTime<chrono::FixedOffset>,
    actor: Actor,
    cmd: &Value,
) -> Result<Value, String> {
    let c = Command::from_json(cmd).map_err(|e| e.to_string())?;
    let d = hall.decide(&c, actor, now).map_err(|e| e.to_string())?;
    for e in &d.events {
        hall.apply(e, now);
    }
    Ok(d.result)
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn pump(app: &mut App, hall: &mut Hall, now: DateTime<chrono::FixedOffset>, effects: Vec<Effect>) {
    let counter = Actor {
        role: Role::Counter,
        window: Some(1),
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    let mut todo = effects;
    while !todo.is_empty() {
        let mut next = Vec::new();
        for e in todo {
            if let Effect::Send { id, command } = e {
                let reply = match exec(hall, now, counter, &command) {
                    Ok(result) => Incoming::Reply {
                        id,
                        ok: true,
                        seq: None,
                        result,
                        error: None,
                    },
                    Err(m) => Incoming::Reply {
                        id,
                        ok: false,
                        seq: None,
                        result: Value::Null,
                        error: Some(("x".into(), m)),
                    },
                };
                next.extend(app.update(Msg::Hall(reply)));
            }
        }
        todo = next;
    }
}

fn busy_app() -> App {
    let mut hall = Hall::new(
        HallConfig::sample().unwrap(),
        Calendar::embedded(),
        SigningKey::from_bytes(&[7u8; 32]),
    );
    let mut now = DateTime::parse_from_rfc3339("2026-11-23T09:00:00+08:00").unwrap();
    let kiosk = Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    let queues = ["A", "B", "C", "D", "E", "F"];
    for i in 0..1000 {
        let ch = match i % 20 {
            0 => "green",
            1 => "urgent",
            _ => "walk_in",
        };
        exec(
            &mut hall,
            now,
            kiosk,
            &json!({"kind":"issue_ticket","queue":queues[i % 6],"channel":ch}),
        )
        .unwrap();
        now += chrono::Duration::seconds(7);
    }
    let cfg = Config {
        window: 1,
        lang: Lang::Zh,
        id_prefix: "b".into(),
        printer: PrinterKind::Simulated { file: "x".into() },
        scanner: ScannerKind::Simulated,
        hall_label: "bench".into(),
        staff: "李明".into(),
    };
    let mut app = App::new(cfg, now);
    app.update(Msg::Hall(Incoming::Link(Link::Online)));
    app.update(Msg::Hall(Incoming::Snapshot {
        seq: 1,
        state: hall.snapshot(Role::Counter, Some(1), now),
    }));
    app.update(Msg::Tick(now));
    let e = app.update(key(KeyCode::F(2)));
    pump(&mut app, &mut hall, now, e);
    app.update(key(KeyCode::F(9)));
    for c in "QY001".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    for c in "张三".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    for c in "440524188001010014".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    let e = app.update(key(KeyCode::Enter));
    pump(&mut app, &mut hall, now, e);
    assert!(app.intake.case_id().is_some(), "case opened");
    for c in ['1', '2', '1'] {
        app.update(key(KeyCode::Char(c)));
    }
    app
}

fn stats(name: &str, mut v: Vec<Duration>) -> Duration {
    v.sort();
    let med = v[v.len() / 2];
    let p99 = v[v.len() * 99 / 100];
    println!(
        "{name:<40} median {:>8.3} ms   p99 {:>8.3} ms   (n={})",
        ms(med),
        ms(p99),
        v.len()
    );
    med
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let rss0 = rss_mb();
    let mut app = busy_app();
    let rss1 = rss_mb();
    let mut term = Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )
    .unwrap();
    let n = 300;

    let mut full = Vec::with_capacity(n);
    for _ in 0..n {
        term.clear().unwrap();
        let t = Instant::now();
        term.draw(|f| counter_tui::view::draw(&app, f)).unwrap();
        full.push(t.elapsed());
    }
    let full_med = stats("full frame 200x60 (clear + draw)", full);

    let mut idle = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        term.draw(|f| counter_tui::view::draw(&app, f)).unwrap();
        idle.push(t.elapsed());
    }
    stats("frame 200x60, nothing changed", idle);

    // Key to frame: update() then draw, as the run loop does.
    let mut k2f = Vec::with_capacity(n * 3);
    for i in 0..n {
        let keys = [key(KeyCode::Down), key(KeyCode::Up), key(KeyCode::F(12))];
        let k = keys[i % keys.len()].clone();
        let t = Instant::now();
        let _ = app.update(k);
        term.draw(|f| counter_tui::view::draw(&app, f)).unwrap();
        k2f.push(t.elapsed());
    }
    let k2f_med = stats("key to frame (↓ ↑ F12 in turn)", k2f);

    let mut typing = Vec::with_capacity(n);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('n'),
        KeyModifiers::CONTROL,
    )));
    for i in 0..n {
        let k = if i % 2 == 0 {
            key(KeyCode::Char('企'))
        } else {
            key(KeyCode::Backspace)
        };
        let t = Instant::now();
        let _ = app.update(k);
        term.draw(|f| counter_tui::view::draw(&app, f)).unwrap();
        typing.push(t.elapsed());
    }
    stats("key to frame (typing in item search)", typing);

    match (rss0, rss1, rss_mb()) {
        (Some(a), Some(b), Some(c)) => println!(
            "RSS: {a:.1} MB at start, {b:.1} MB with the hall state and 1 000 tickets, {c:.1} MB at the end"
        ),
        _ => println!("RSS: /proc not available"),
    }
    println!(
        "goals: render <= 2 ms ({}), key to frame <= 16 ms ({})",
        if ms(full_med) <= 2.0 {
            "met"
        } else {
            "NOT met"
        },
        if ms(k2f_med) <= 16.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}

//! `simulate` is deterministic for a seed, and `backtest` on the log a simulation wrote gives
//! the simulation's own figures back (a real SQLite file, the real engine).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use dashboard::backtest;
use dashboard::simulate::engine::{self, Engine};
use dashboard::simulate::quality;
use dashboard::simulate::scenario::Scenario;
use queue_core::calendar::Calendar;
use queue_core::store::Store;

fn scenario() -> Scenario {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/district-morning-peak.toml");
    Scenario::load(&p).unwrap()
}

#[test]
fn same_seed_same_day_and_backtest_reproduces_it() {
    let sc = scenario();
    let config = sc.hall_config().unwrap();
    let people = engine::applicants(&sc, sc.date, 5).unwrap();
    assert!(people.len() > 50, "{}", people.len());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.db");
    let mut store = Store::open(&db).unwrap();
    let first = {
        let mut eng = Engine::new(config.clone(), Calendar::embedded(), Some(&mut store)).unwrap();
        engine::run_day(&sc, &mut eng, sc.date, &people, None).unwrap()
    };
    let again = {
        let mut eng = Engine::new(config.clone(), Calendar::embedded(), None).unwrap();
        engine::run_day(
            &sc,
            &mut eng,
            sc.date,
            &engine::applicants(&sc, sc.date, 5).unwrap(),
            None,
        )
        .unwrap()
    };
    assert_eq!(first.observations, again.observations);
    assert!((first.window_seconds - again.window_seconds).abs() < 1e-9);
    let called = first
        .observations
        .iter()
        .filter(|o| o.wait_seconds.is_some())
        .count();
    assert_eq!(
        called,
        people.len(),
        "everyone is called by the end of the day"
    );

    drop(store);
    let events = Store::open(&db).unwrap().load_events().unwrap();
    let replayed = backtest::replay(config, &events, None, None);
    let sim = quality::summarise(&first.observations);
    let back = quality::summarise(&replayed);
    assert_eq!(sim["*"].called, back["*"].called);
    for (q, s) in &sim {
        let b = &back[q];
        assert!(
            (s.hall.rmse() - b.hall.rmse()).abs() < 1e-9,
            "{q}: {s:?} vs {b:?}"
        );
        assert!((s.baseline.rmse() - b.baseline.rmse()).abs() < 1e-9, "{q}");
        assert!((s.coverage - b.coverage).abs() < 1e-12, "{q}");
        assert!(
            (s.mean_wait_minutes - b.mean_wait_minutes).abs() < 1e-9,
            "{q}"
        );
    }
    // A different seed is a different day.
    let other = engine::applicants(&sc, sc.date, 6).unwrap();
    assert_ne!(
        other.len() * 1000 + other.iter().filter(|p| p.no_show).count(),
        people.len() * 1000 + people.iter().filter(|p| p.no_show).count()
    );
}

/// Two hours of one queue: small enough to compare schedules in a test.
fn short_morning(dir: &std::path::Path) -> Scenario {
    let p = dir.join("short.toml");
    std::fs::write(
        &p,
        r#"
name = "short morning"
date = "2026-03-16"
open = "09:00:00"
interval_minutes = 30
no_show = 0.0
service_level = 0.8
history_days = 4
[channels]
green = 0.0
urgent = 0.0
[[queues]]
code = "A"
name = "综合受理"
service_minutes = 6.0
service_cv = 0.5
target_wait_minutes = 15
arrivals_per_hour = [24, 44, 44, 20]
[[windows]]
number = 1
queues = ["A"]
[[windows]]
number = 2
queues = ["A"]
[[windows]]
number = 3
queues = ["A"]
[[windows]]
number = 4
queues = ["A"]
standby = true
[[windows]]
number = 5
queues = ["A"]
standby = true
[[windows]]
number = 6
queues = ["A"]
standby = true
"#,
    )
    .unwrap();
    Scenario::load(&p).unwrap()
}

#[test]
fn the_plan_is_erlang_c_trimmed_on_past_days_and_repeats_for_a_seed() {
    use dashboard::simulate::staffing;
    let dir = tempfile::tempdir().unwrap();
    let sc = short_morning(dir.path());
    let config = sc.hall_config().unwrap();
    let cal = Calendar::embedded();
    let c = staffing::compare(&sc, &config, &cal, 3).unwrap();
    assert_eq!(c.erlang.len(), c.plans.len());
    // Trimming only takes windows away, never below one, and took some away here: Erlang C
    // staffs each half hour as if it had to meet the target alone.
    let cells = |s: &dashboard::simulate::engine::Schedule| s.values().flatten().sum::<u32>();
    for (e, p) in c.erlang.iter().zip(&c.plans) {
        for (q, slots) in &p.schedule {
            for (i, n) in slots.iter().enumerate() {
                assert!(*n >= 1 && *n <= e.schedule[q][i], "{q}[{i}]: {p:?} {e:?}");
            }
        }
    }
    assert!(
        cells(&c.plans[0].schedule) < cells(&c.erlang[0].schedule),
        "{:?} {:?}",
        c.plans[0].schedule,
        c.erlang[0].schedule
    );
    let report = staffing::report(&c);
    assert!(report.contains("trimmed"), "{report}");
    // The same seed, the same comparison.
    let again = staffing::compare(&sc, &config, &cal, 3).unwrap();
    assert_eq!(staffing::headline(&c), staffing::headline(&again));
    assert_eq!(c.plans[0].schedule, again.plans[0].schedule);
}

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

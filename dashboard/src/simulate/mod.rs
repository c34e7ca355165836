//! `dashboard simulate SCENARIO.toml [--seed N] [--runs K] [--db PATH]`: seeded days through
//! the real engine, printing waits, estimate quality against the queue-length baseline, and
//! the staffing plan (forecast + Erlang C) against the best fixed schedule found by search.

pub mod engine;
pub mod quality;
pub mod scenario;
pub mod staffing;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use queue_core::calendar::Calendar;
use queue_core::store::Store;

use engine::Engine;
use scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Scenario file (TOML), e.g. dashboard/scenarios/district-morning-peak.toml.
    pub scenario: PathBuf,
    /// Seed of the first run; run k uses seed + k.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Independent days to simulate.
    #[arg(long, default_value_t = 1)]
    pub runs: u64,
    /// Also write the first run's event log to this SQLite database (for `backtest`).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Skip the staffing comparison (it simulates each day many times).
    #[arg(long)]
    pub no_staffing: bool,
}

pub fn simulate(a: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let sc = Scenario::load(&a.scenario)?;
    let config = sc.hall_config()?;
    let calendar = Calendar::embedded();
    println!("场景 scenario: {} ({})", sc.name, sc.date);
    let mut all = Vec::new();
    for k in 0..a.runs.max(1) {
        let seed = a.seed.wrapping_add(k);
        let people = engine::applicants(&sc, sc.date, seed)?;
        let mut store = match (&a.db, k) {
            (Some(p), 0) => {
                if p.exists() {
                    anyhow::bail!("{} exists; simulate writes a fresh log", p.display());
                }
                Some(Store::open(p).with_context(|| p.display().to_string())?)
            }
            _ => None,
        };
        let mut eng = Engine::new(config.clone(), calendar.clone(), store.as_mut())?;
        let day = engine::run_day(&sc, &mut eng, sc.date, &people, None)?;
        let s = quality::summarise(&day.observations);
        let all_q = s.get("*").copied().unwrap_or_default();
        println!(
            "\n运行 run seed={seed}: {} 人 applicants, 窗口时 window-hours {:.1}",
            people.len(),
            day.window_seconds / 3600.0
        );
        print!("{}", quality::table(&s));
        println!(
            "queue-length baseline with the true mean: rmse {:.2} min",
            all_q.baseline_true.rmse()
        );
        all.extend(day.observations);
        if !a.no_staffing {
            let cmp = staffing::compare(&sc, &config, &calendar, seed)?;
            print!("{}", staffing::report(&cmp));
        }
    }
    if a.runs > 1 {
        println!("\n合计 pooled over {} runs:", a.runs);
        print!("{}", quality::table(&quality::summarise(&all)));
    }
    Ok(ExitCode::SUCCESS)
}

//! `dashboard backtest [--db PATH] [--from DATE] [--to DATE]`: replays the event log, and at
//! every ticket issued asks the current estimator and the queue-length baseline what they
//! would have said, against the wait the ticket had. A centre checks the promise on its own
//! history; a log written by `simulate --db` gives the simulation's figures back.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::SigningKey;
use queue_core::hall::{Event, Hall};
use queue_core::queue::QueueEvent;
use queue_core::store::{EventRecord, Store};

use crate::simulate::quality::{self, Observation};
use crate::simulate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The hall database (default: the usual data directory).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// First service day to score (earlier days still feed the state).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last service day to score.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// The centre's hall.toml (queues and rules); the sample centre if absent.
    #[arg(long, conflicts_with = "scenario")]
    pub config: Option<PathBuf>,
    /// Take the hall from a scenario file (for a log written by `simulate --db`).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

/// Replays `events` and scores the tickets issued on days in `[from, to]`.
#[must_use]
pub fn replay(
    config: HallConfig,
    events: &[EventRecord],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Vec<Observation> {
    let mut hall = Hall::new(
        config,
        Calendar::embedded(),
        SigningKey::from_bytes(&[7; 32]),
    );
    let mut obs: Vec<Observation> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for rec in events {
        if let Event::Queue(e) = &rec.event {
            match e {
                QueueEvent::TicketIssued { ticket } => {
                    let day = ticket.issued_at.date_naive();
                    let inside = from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t);
                    if inside {
                        index.insert(ticket.id.clone(), obs.len());
                        obs.push(Observation::at_issue(
                            &hall.queue,
                            ticket,
                            rec.at,
                            &hall.config.rules,
                            None,
                        ));
                    }
                }
                QueueEvent::TicketCalled { ticket, .. } => {
                    if let (Some(i), Some(at)) = (index.get(&ticket.id), ticket.called_at) {
                        obs[*i].called(at);
                    }
                }
                _ => {}
            }
        }
        hall.apply(&rec.event, rec.at);
    }
    obs
}

pub fn backtest(a: &BacktestArgs) -> anyhow::Result<ExitCode> {
    let config = match (&a.config, &a.scenario) {
        (Some(p), _) => HallConfig::load(p)?,
        (None, Some(s)) => Scenario::load(s)?.hall_config()?,
        (None, None) => HallConfig::sample()?,
    };
    let path = a.db.clone().unwrap_or_else(crate::paths::default_db);
    if !path.exists() {
        anyhow::bail!("{}: no such database", path.display());
    }
    let store = Store::open(&path).with_context(|| path.display().to_string())?;
    let events = store.load_events()?;
    let obs = replay(config, &events, a.from, a.to);
    println!(
        "回测 backtest: {} events, {} tickets issued in range",
        events.len(),
        obs.len()
    );
    print!("{}", quality::table(&quality::summarise(&obs)));
    Ok(ExitCode::SUCCESS)
}

//! `dashboard doctor`: the checks an IT officer runs before the morning rush (and a timer can
//! run nightly). Each check prints OK / WARN / FAIL with the fix; the exit status is 1 when any
//! check fails, 0 otherwise.

mod checks;
mod notify;
mod trend;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

pub use checks::run_checks;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "OK  ",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
}

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable name, e.g. `calendar`, `key_permissions`.
    pub check: &'static str,
    pub level: Level,
    pub detail: String,
    /// What to do about it (WARN and FAIL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            level: Level::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warn(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check,
            level: Level::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn fail(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check,
            level: Level::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// The hall database [default: the data directory's hall.db].
    #[arg(long, env = "HALL_DB")]
    pub db: Option<PathBuf>,
    /// The centre's hall.toml [default: the built-in sample centre].
    #[arg(long, env = "HALL_CONFIG")]
    pub config: Option<PathBuf>,
    /// The centre's calendar file [default: the built-in calendar].
    #[arg(long, env = "HALL_CALENDAR")]
    pub calendar: Option<PathBuf>,
    /// The centre's signing key [default: centre.key beside the database].
    #[arg(long, env = "HALL_KEY")]
    pub key: Option<PathBuf>,
    /// A TLS certificate (PEM) whose expiry to check.
    #[arg(long, env = "HALL_CERT")]
    pub cert: Option<PathBuf>,
    /// A backup older than this many hours is a warning; twice as old fails.
    #[arg(long, default_value_t = 26)]
    pub backup_max_age_hours: i64,
    /// Print the findings as one JSON array.
    #[arg(long)]
    pub json: bool,
    /// Judge as of this time instead of now (RFC 3339; for rehearsing next month's checks).
    #[arg(long, hide = true)]
    pub now: Option<DateTime<FixedOffset>>,
}

/// Runs `dashboard doctor`.
///
/// # Errors
/// Only when the findings cannot be printed.
pub fn doctor(a: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let now = a.now.unwrap_or_else(|| Utc::now().fixed_offset());
    let findings = run_checks(a, now);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
    } else {
        for f in &findings {
            println!("{}  {:<18} {}", f.level.label(), f.check, f.detail);
            if let Some(fix) = &f.fix {
                println!("      {:<18} → {fix}", "");
            }
        }
        let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
        println!(
            "{} OK, {} WARN, {} FAIL",
            count(Level::Ok),
            count(Level::Warn),
            count(Level::Fail)
        );
    }
    Ok(if findings.iter().any(|f| f.level == Level::Fail) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

//! `dashboard report --month YYYY-MM`: the monthly statistics a centre owes (GZ Art 19) as
//! CSV tables (UTF-8 with BOM, so Excel in China opens them right) and an `index.html`
//! summary with inline SVG charts.
//!
//! The database is opened read-only and the event log's hash chain is verified while it is
//! streamed, so a tampered log is an error rather than a report. Only aggregates are written:
//! no names, ID numbers, ticket numbers, serials or free-text reasons.
//!
//! Month membership uses the centre's local dates as stored (`+08:00`): a ticket belongs to
//! the month it was issued in, an evaluation, alert or case step to the month it happened in.

mod cases;
mod html;
mod load;
mod redress;
mod stats;
mod table;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{bail, Context};
use chrono::{Datelike, Months, NaiveDate, Utc};
use queue_core::config::UTC8;

pub(crate) use load::stream_log;
pub use redress::{FollowUpFigures, RedressReport, RequestFigures, StaffRatings};
pub use stats::{
    DayStats, Durations, ItemStats, MonthlyReport, QueueStats, RatingTally, WindowStats,
};

#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Month to report, YYYY-MM (the centre's local calendar month).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Month,
    /// Hall database (default: the hall's data directory).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Directory to write the CSV files and index.html into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// A calendar month, e.g. `2026-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    /// The month containing `date`.
    #[must_use]
    pub fn of(date: NaiveDate) -> Self {
        Self {
            first: date.with_day(1).unwrap_or(date),
        }
    }

    #[must_use]
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    #[must_use]
    pub fn last_day(self) -> NaiveDate {
        self.first
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(self.first)
    }

    #[must_use]
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.first && date <= self.last_day()
    }

    /// Every day of the month, in order.
    #[must_use]
    pub fn days(self) -> Vec<NaiveDate> {
        self.first
            .iter_days()
            .take_while(|d| *d <= self.last_day())
            .collect()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first.format("%Y-%m"))
    }
}

impl FromStr for Month {
    type Err = anyhow::Error;

    /// Exactly `YYYY-MM`: a loose parse would let `2026-3` or `26-03` mean something else.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let bad = || {
            anyhow::anyhow!(
                "月份格式应为 YYYY-MM，例如 2026-03 / month must be YYYY-MM, e.g. 2026-03 (got {s:?})"
            )
        };
        let b = s.as_bytes();
        let shape_ok = b.len() == 7
            && b[4] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit());
        if !shape_ok {
            return Err(bad());
        }
        let year: i32 = s[..4].parse().map_err(|_| bad())?;
        let month: u32 = s[5..].parse().map_err(|_| bad())?;
        NaiveDate::from_ymd_opt(year, month, 1)
            .filter(|_| year >= 1)
            .map(|first| Self { first })
            .ok_or_else(bad)
    }
}

fn parse_month(s: &str) -> Result<Month, String> {
    s.parse().map_err(|e: anyhow::Error| e.to_string())
}

/// The command: builds the report for `a.month` as of today and writes it to `a.out`.
///
/// # Errors
/// Missing, unreadable, foreign or tampered database; output directory not writable.
pub fn report(a: &ReportArgs) -> anyhow::Result<ExitCode> {
    let db = a.db.clone().unwrap_or_else(crate::paths::default_db);
    let today = Utc::now().with_timezone(&UTC8).date_naive();
    let r = build(&db, a.month, today)?;
    let files = write(&r, &a.out)?;
    if r.is_empty() {
        eprintln!(
            "提示 note: {} 没有取号、评价、告警或办件记录，报表各项为零 / no data for {}; the report shows zeros",
            a.month, a.month
        );
    }
    if let Some(head) = &r.signed_head {
        eprintln!("日志签名头 signed log head: {head}");
    }
    for f in files {
        println!("{}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the database and computes the report for `month`. Open cases are judged overdue as
/// of the month's last day, or `today` when the month is not over yet.
///
/// # Errors
/// Missing, unreadable, foreign or tampered database.
pub fn build(db: &Path, month: Month, today: NaiveDate) -> anyhow::Result<MonthlyReport> {
    if !db.is_file() {
        // Checked first: opening a missing path would create an empty database.
        bail!(
            "数据库不存在 database not found: {} (use --db FILE)",
            db.display()
        );
    }
    let as_of = month.last_day().min(today);
    let log = load::read(db, month, as_of)
        .with_context(|| format!("读取数据库 reading {}", db.display()))?;
    Ok(stats::compute(month, as_of, &log))
}

/// Writes the CSV tables and `index.html` into `dir` (created if missing); returns the paths.
///
/// # Errors
/// The directory or a file cannot be written.
pub fn write(r: &MonthlyReport, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("无法创建输出目录 cannot create {}", dir.display()))?;
    let tables = table::tables(r);
    let mut written = Vec::with_capacity(tables.len() + 1);
    for t in &tables {
        let path = dir.join(t.file);
        std::fs::write(&path, t.to_csv())
            .with_context(|| format!("无法写入 cannot write {}", path.display()))?;
        written.push(path);
    }
    let path = dir.join("index.html");
    std::fs::write(&path, html::page(r, &tables))
        .with_context(|| format!("无法写入 cannot write {}", path.display()))?;
    written.push(path);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_parses_strictly() {
        let m: Month = "2026-02".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.to_string(), "2026-02");
        assert_eq!(
            m.last_day(),
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap_or_default()
        );
        assert_eq!(m.days().len(), 28);
        for bad in [
            "2026-3",
            "2026-13",
            "2026-00",
            "26-03",
            "2026/03",
            "2026-03-01",
            "",
            "２０２６-03",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }

    #[test]
    fn december_ends_on_the_31st() {
        let m: Month = "2025-12".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            m.last_day(),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default()
        );
    }
}

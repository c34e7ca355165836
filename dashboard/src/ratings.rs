//! `dashboard ratings export`: the 好差评 records of a date range in the fields a provincial
//! 政务服务"好差评" platform takes — evaluation time (centre local), channel, item, department,
//! window, staff number, level and label, reason, follow-up state — as CSV (RFC 4180, UTF-8,
//! header row) or a JSON array.
//!
//! Read like `dashboard report`: the database opened read-only, the event log streamed once
//! with its hash chain verified. Personal data stays out: no names, no ID or mobile numbers
//! (the applicant's reason has digit runs masked), no ticket numbers or case serials; the
//! staff number is the serving token's id (the number the rating pad shows), never its label.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate};
use queue_core::auth::{Actor, Role};
use queue_core::config::HallConfig;
use queue_core::hall::Event;
use queue_core::queue::{Evaluation, QueueEvent};
use queue_core::redress::{department_of, FollowUp, FollowUpState};
use queue_core::store::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Debug, clap::Args)]
pub struct RatingsArgs {
    #[command(subcommand)]
    pub cmd: RatingsCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum RatingsCmd {
    /// The ratings of a date range for the provincial 好差评 platform (no personal data).
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// First day, YYYY-MM-DD (centre local date, inclusive).
    #[arg(long, value_name = "DATE")]
    pub from: NaiveDate,
    /// Last day, YYYY-MM-DD (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: NaiveDate,
    #[arg(long, value_enum)]
    pub format: Format,
    /// Hall database (default: the hall's data directory).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Hall configuration, for item names and departments (default: the sample centre).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write here (mode 0600) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// One rating as the platform takes it. The CSV columns are these fields, in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRecord {
    /// `YYYY-MM-DD HH:MM:SS`, the centre's local time.
    pub evaluated_at: String,
    /// `pad` (窗口评价器), `kiosk` (自助终端), `qr` (扫码评价, the slip's rating link),
    /// `on_behalf` (工作人员代评), or the role.
    pub channel: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub window: Option<u32>,
    /// The serving staff member's number (token id); empty when not recorded.
    pub staff_number: String,
    /// 1 (非常不满意) … 5 (非常满意).
    pub level: u8,
    pub level_label: String,
    pub reason: String,
    /// `none`, `open` or `closed`.
    pub follow_up: String,
    /// Past its deadline while open, or closed after it.
    pub follow_up_overdue: bool,
}

/// The CSV header: the record's fields, in order.
pub const COLUMNS: [&str; 12] = [
    "evaluated_at",
    "channel",
    "item_code",
    "item_name",
    "department",
    "window",
    "staff_number",
    "level",
    "level_label",
    "reason",
    "follow_up",
    "follow_up_overdue",
];

/// The national 好差评 five levels.
#[must_use]
pub fn level_label(level: u8) -> &'static str {
    match level {
        1 => "非常不满意",
        2 => "不满意",
        3 => "基本满意",
        4 => "满意",
        _ => "非常满意",
    }
}

/// Where a rating was given: as it recorded itself, else (ratings logged before channels were
/// recorded) by the role of the actor that logged it.
#[must_use]
pub fn channel(actor: Option<&Actor>, e: &Evaluation) -> String {
    if let Some(c) = e.channel {
        return c.as_str().into();
    }
    match actor.map(|a| a.role) {
        Some(Role::Pad) => "pad".into(),
        Some(Role::Kiosk) => "kiosk".into(),
        Some(Role::Supervisor | Role::Manager) => "on_behalf".into(),
        Some(r) => r.as_str().into(),
        None if e.on_behalf => "on_behalf".into(),
        None => "unknown".into(),
    }
}

/// The applicant's free text with anything like an ID or phone number masked (runs of seven
/// or more digits, full-width ones included), and a leading `= + - @` defused so a
/// spreadsheet does not run it as a formula.
#[must_use]
pub fn clean_reason(s: &str) -> String {
    let chars: Vec<char> = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'Ｘ' | 'ｘ' => 'X',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > start && i < chars.len() && matches!(chars[i], 'X' | 'x') && i - start == 17 {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        if run.is_empty() {
            out.push(chars[i]);
            i += 1;
        } else if run.len() >= 7 {
            out.push_str(&mask_run(&run));
        } else {
            out.push_str(&run);
        }
    }
    if out.starts_with(['=', '+', '-', '@']) {
        out.insert(0, '\'');
    }
    out
}

fn mask_run(run: &str) -> String {
    match run.len() {
        11 => queue_core::ids::mask_mobile(run),
        15 | 18 => queue_core::ids::mask(run),
        n => format!("{}{}", "*".repeat(n - 2), &run[n - 2..]),
    }
}

/// Reads the ratings given from `from` to `to` (local dates, inclusive), with the state of
/// their follow-ups as of `today`.
///
/// # Errors
/// An unreadable, newer or tampered database.
pub fn read(
    db: &std::path::Path,
    config: &HallConfig,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<Vec<RatingRecord>> {
    let mut rated: Vec<(DateTime<FixedOffset>, Option<Actor>, Evaluation)> = Vec::new();
    let mut follow_ups: BTreeMap<String, FollowUp> = BTreeMap::new();
    crate::report::stream_log(db, |seq, at, actor, event| {
        let _ = seq;
        match event {
            Event::Queue(QueueEvent::EvaluationRecorded { evaluation }) => {
                let local = at.with_timezone(&config.centre.offset()).date_naive();
                if local >= from && local <= to {
                    let actor = actor.and_then(|a| serde_json::from_str::<Actor>(a).ok());
                    rated.push((at, actor, evaluation));
                }
            }
            Event::Redress(e) => {
                if let Some(f) = e.follow_up() {
                    follow_ups.insert(f.id.clone(), f.clone());
                }
            }
            _ => {}
        }
        Ok::<(), StoreError>(())
    })?;
    let offset = config.centre.offset();
    Ok(rated
        .into_iter()
        .map(|(at, actor, e)| {
            let item = e.item.clone().unwrap_or_default();
            let item_name = config
                .item(&item)
                .map(|i| i.name.clone())
                .or_else(|| config.bundle(&item).map(|b| b.name.clone()))
                .unwrap_or_default();
            let department = e
                .department
                .clone()
                .or_else(|| department_of(config, e.item.as_deref(), e.queue.as_deref()))
                .unwrap_or_default();
            let f = follow_ups.values().find(|f| {
                (e.ticket.is_some() && f.ticket == e.ticket)
                    || (e.case.is_some() && f.case == e.case)
            });
            let (follow_up, overdue) = match f {
                None => ("none", false),
                Some(f) if f.state == FollowUpState::Closed => ("closed", f.closed_late()),
                Some(f) => ("open", today > f.deadline.due_on),
            };
            RatingRecord {
                evaluated_at: at
                    .with_timezone(&offset)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                channel: channel(actor.as_ref(), &e),
                item_code: item,
                item_name,
                department,
                window: e.window,
                staff_number: e.staff.map(|s| s.to_string()).unwrap_or_default(),
                level: e.rating,
                level_label: level_label(e.rating).into(),
                reason: e.reason.as_deref().map(clean_reason).unwrap_or_default(),
                follow_up: follow_up.into(),
                follow_up_overdue: overdue,
            }
        })
        .collect())
}

/// RFC 4180: CRLF line ends, a field quoted when it holds a comma, quote or line break.
#[must_use]
pub fn to_csv(records: &[RatingRecord]) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for r in records {
        let row = [
            cell(&r.evaluated_at),
            cell(&r.channel),
            cell(&r.item_code),
            cell(&r.item_name),
            cell(&r.department),
            r.window.map(|w| w.to_string()).unwrap_or_default(),
            cell(&r.staff_number),
            r.level.to_string(),
            cell(&r.level_label),
            cell(&r.reason),
            cell(&r.follow_up),
            r.follow_up_overdue.to_string(),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn ratings(a: &RatingsArgs) -> anyhow::Result<ExitCode> {
    let RatingsCmd::Export(a) = &a.cmd;
    if a.to < a.from {
        anyhow::bail!("--to {} is before --from {}", a.to, a.from);
    }
    let config = match &a.config {
        Some(p) => HallConfig::load(p)?,
        None => HallConfig::sample()?,
    };
    let db = a.db.clone().unwrap_or_else(crate::paths::default_db);
    let today = chrono::Utc::now()
        .with_timezone(&config.centre.offset())
        .date_naive();
    let records = read(&db, &config, a.from, a.to, today)
        .with_context(|| format!("reading {}", db.display()))?;
    let text = match a.format {
        Format::Csv => to_csv(&records),
        Format::Json => serde_json::to_string_pretty(&records)? + "\n",
    };
    match &a.out {
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            f.write_all(text.as_bytes())?;
            eprintln!(
                "已导出 {} 条评价 exported {} ratings to {}",
                records.len(),
                records.len(),
                path.display()
            );
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

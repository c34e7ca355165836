//! Operator commands: calendar, check-id, staffing.
//!
//! Results go to stdout (one item a line, or one JSON object), warnings and reasons to stderr,
//! so the output can be piped. Exit codes: 0 success, 1 "checked and invalid" (check-id),
//! 2 bad input or failure.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use queue_core::calendar::{Calendar, Reckoned};
use queue_core::ids;
use queue_core::staffing;

#[derive(Debug, clap::Args)]
pub struct CalendarArgs {
    /// A centre's own calendar file (same TOML format as the built-in one) to use instead of
    /// the built-in calendar.
    #[arg(long, value_name = "FILE", global = true)]
    pub calendar: Option<PathBuf>,
    #[command(subcommand)]
    pub cmd: CalendarCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum CalendarCmd {
    /// Every working day of YEAR, one ISO date (YYYY-MM-DD) per line.
    Workdays {
        #[arg(value_parser = clap::value_parser!(i32).range(1..=9999))]
        year: i32,
    },
    /// The date N working days after DATE (DATE itself is not counted; N = 0 gives DATE).
    Add {
        /// Start date, YYYY-MM-DD.
        #[arg(value_parser = parse_date)]
        date: NaiveDate,
        /// Number of working days to add.
        n: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExpectedKind {
    /// Decide by shape: 15 digits or 17 digits + check is a resident ID, otherwise a credit code.
    Auto,
    /// Resident ID (18 characters, or the legacy 15 digits).
    Resident,
    /// Unified social credit code.
    Uscc,
}

#[derive(Debug, clap::Args)]
pub struct CheckIdArgs {
    /// Resident ID number (18 or 15 characters) or unified social credit code (18 characters).
    pub value: String,
    /// What VALUE must be.
    #[arg(long, value_enum, default_value_t = ExpectedKind::Auto)]
    pub kind: ExpectedKind,
}

#[derive(Debug, clap::Args)]
pub struct StaffingArgs {
    /// Applicants arriving per hour (λ).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub arrivals_per_hour: f64,
    /// Mean service time per applicant, seconds (AHT).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub service_seconds: f64,
    /// Wait within which applicants should be called, seconds.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub target_seconds: f64,
    /// Share of applicants to call within the target. A fraction below 1 (0.8) or a percentage
    /// above 1 (80, or 80%); must lie strictly between 0 and 100 %. A bare 1 is refused as
    /// ambiguous.
    #[arg(long, value_name = "P", value_parser = parse_level, allow_negative_numbers = true)]
    pub service_level: f64,
    /// Print one JSON object: windows, service_level, prob_wait, mean_wait_seconds.
    #[arg(long)]
    pub json: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("日期应为 YYYY-MM-DD 格式的真实日期 expected a real date as YYYY-MM-DD, e.g. 2025-01-24 (got {s:?})"))
}

/// Service level as a fraction: `0.8`, `80` and `80%` all mean 80 %.
fn parse_level(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let bad = || {
        format!("服务水平应在 0 与 100% 之间 expected a fraction (0.8) or percentage (80, 80%) strictly between 0 and 100 % (got {s:?})")
    };
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = number.parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(bad());
    }
    let fraction = if percent || v > 1.0 { v / 100.0 } else { v };
    // A bare 1 could mean 1 % or 100 %; neither is a sensible target, so refuse it.
    if (!percent && v == 1.0) || fraction <= 0.0 || fraction >= 1.0 {
        return Err(bad());
    }
    Ok(fraction)
}

fn warn_provisional<T>(r: &Reckoned<T>, cal: &Calendar) {
    if r.provisional {
        let years: Vec<String> = cal.years().iter().map(i32::to_string).collect();
        eprintln!(
            "警告 warning: 日期超出日历覆盖年份（{}），结果为暂定，仅按周末计算 — outside the calendar's years ({}); result is provisional, counting weekends only",
            years.join(", "),
            years.join(", ")
        );
    }
}

pub fn calendar(a: &CalendarArgs) -> anyhow::Result<ExitCode> {
    let cal = match &a.calendar {
        Some(path) => Calendar::load(path)?,
        None => Calendar::embedded(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match &a.cmd {
        CalendarCmd::Workdays { year } => {
            let days = cal.working_days_in_year(*year);
            warn_provisional(&days, &cal);
            for d in &days.value {
                writeln!(out, "{d}")?;
            }
        }
        CalendarCmd::Add { date, n } => {
            let Some(r) = cal.checked_add_working_days(*date, *n) else {
                bail!("{n} working days after {date} is beyond the last representable date / 超出可表示的日期范围");
            };
            warn_provisional(&r, &cal);
            writeln!(out, "{}", r.value)?;
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

pub fn check_id(a: &CheckIdArgs) -> anyhow::Result<ExitCode> {
    let parsed = match a.kind {
        ExpectedKind::Auto => ids::parse_any(&a.value),
        ExpectedKind::Resident => ids::parse_resident_id(&a.value),
        ExpectedKind::Uscc => ids::parse_uscc(&a.value),
    };
    // The value is masked in messages: terminals and their scroll-back get logged.
    let shown = ids::mask(&a.value);
    match parsed {
        Ok(v) => {
            println!("{}", v.kind.label());
            let mut details = format!("有效 valid: {} {}", v.kind, ids::mask(&v.normalized));
            if let Some(born) = v.birth_date {
                details.push_str(&format!(", 出生 born {born}"));
            }
            match v.male {
                Some(true) => details.push_str(", 男 male"),
                Some(false) => details.push_str(", 女 female"),
                None => {}
            }
            eprintln!("{details}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("无效 invalid: {shown}: {e}");
            if e.is_overridable() {
                eprintln!(
                    "部分已发放的统一社会信用代码校验位不符；工作人员核对营业执照原件后可放行 — some issued credit codes fail their check character: staff may override after checking the licence"
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}

pub fn staffing(a: &StaffingArgs) -> anyhow::Result<ExitCode> {
    let plan = staffing::windows_needed(
        a.arrivals_per_hour,
        a.service_seconds,
        a.target_seconds,
        a.service_level,
    )?;
    if a.json {
        let obj = serde_json::json!({
            "windows": plan.windows,
            "service_level": plan.service_level,
            "prob_wait": plan.prob_wait,
            "mean_wait_seconds": plan.mean_wait_seconds,
        });
        println!("{obj}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("窗口数 windows: {}", plan.windows);
    println!(
        "服务水平 service level: {:.1} % called within {} s (target {:.1} %)",
        plan.service_level * 100.0,
        a.target_seconds,
        a.service_level * 100.0
    );
    println!(
        "等候概率 probability of waiting: {:.1} %",
        plan.prob_wait * 100.0
    );
    println!(
        "平均等候 mean wait: {:.0} s ({:.1} min)",
        plan.mean_wait_seconds,
        plan.mean_wait_seconds / 60.0
    );
    println!("话务量 offered load: {:.2} erlangs", plan.offered_load);
    if plan.windows == 0 {
        eprintln!("注意 note: 无到达时数学上需 0 个窗口；大厅至少保持 1 个窗口开放 — no arrivals: 0 windows by the maths, keep at least 1 open");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_accepts_fraction_percent_and_percent_sign() {
        let table: &[(&str, Option<f64>)] = &[
            ("0.8", Some(0.8)),
            ("80", Some(0.8)),
            ("80%", Some(0.8)),
            (" 95 % ", Some(0.95)),
            ("0.5%", Some(0.005)),
            ("99.9", Some(0.999)),
            ("1", None),
            ("100", None),
            ("100%", None),
            ("0", None),
            ("-0.8", None),
            ("NaN", None),
            ("inf", None),
            ("eighty", None),
            ("", None),
        ];
        for (input, want) in table {
            match (parse_level(input), want) {
                (Ok(got), Some(w)) => assert!((got - w).abs() < 1e-12, "{input}: {got}"),
                (Err(_), None) => {}
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn dates_must_be_real() {
        assert_eq!(
            parse_date("2025-01-24"),
            Ok(NaiveDate::from_ymd_opt(2025, 1, 24).unwrap_or_default())
        );
        for bad in ["2025-02-30", "24/01/2025", "2025-1-24x", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }
}

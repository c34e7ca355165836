//! Working-day calendar (工作日历): State Council public holidays and make-up working days.
//!
//! The shipped data (`data/calendar.toml`) is embedded in the binary; a centre may load its own
//! file in the same format. A working day is Monday–Friday and not a day off, or a make-up day.
//! Years the calendar does not cover are reckoned on weekends alone, and every answer that
//! depended on such a day is marked `provisional`, never silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar shipped in the binary.
pub const EMBEDDED_CALENDAR_TOML: &str = include_str!("../data/calendar.toml");

/// A value computed from the calendar; `provisional` when any day involved lies outside the
/// years the calendar file covers (then only weekends are known to be days off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reckoned<T> {
    pub value: T,
    pub provisional: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Days off and make-up days of one covered year, as validated from the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct YearRules {
    off: BTreeSet<NaiveDate>,
    makeup: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearRules>,
    /// How each listed day changes the plain Monday–Friday count: −1 for a weekday off, +1 for a
    /// make-up day. Weekend days off change nothing and are left out, so counting a range is
    /// "weekdays in range + sum of adjustments in range".
    adjust: BTreeMap<NaiveDate, i64>,
}

/// The file as written, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    years: BTreeMap<String, RawYear>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    #[serde(default)]
    off: Vec<String>,
    #[serde(default)]
    makeup: Vec<String>,
    /// Free text (source of the dates); kept in the file for people, not used here.
    #[serde(default)]
    #[allow(dead_code)]
    notice: Option<String>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days in `[MONDAY_ORIGIN, day]`, negative before the origin; only differences
/// are used (weekdays in `(from, to]` = through(to) − through(from)), so any Monday will do.
fn weekdays_through(day: NaiveDate) -> i64 {
    // 0001-01-01 (day number 1 from the common era) is a Monday in the proleptic Gregorian calendar.
    const MONDAY_ORIGIN: i64 = 1;
    let k = i64::from(day.num_days_from_ce()) - MONDAY_ORIGIN + 1;
    let weeks = k.div_euclid(7);
    let rest = k.rem_euclid(7);
    5 * weeks + rest.min(5)
}

fn parse_date(text: &str, origin: &str, key: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| CalendarError::Invalid {
        origin: origin.to_owned(),
        message: format!(
            "key `{key}`: {:?} is not a date (expected YYYY-MM-DD) / 不是有效日期",
            text.trim()
        ),
    })
}

impl Calendar {
    /// The calendar shipped in the binary (2025–2026 at the time of writing).
    #[must_use]
    pub fn embedded() -> Self {
        match Self::from_toml_str(EMBEDDED_CALENDAR_TOML, "embedded calendar.toml") {
            Ok(c) => c,
            Err(e) => {
                // Unreachable in a tested build (a unit test parses the embedded file); an empty
                // calendar still answers, with every result marked provisional.
                tracing::error!("embedded calendar rejected: {e}");
                Self::default()
            }
        }
    }

    /// Parses and validates a calendar file; `origin` (usually the path) names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| invalid(format!("not a valid calendar file / 日历文件格式错误: {e}")))?;
        if raw.years.is_empty() {
            return Err(invalid(
                "key `years`: no year listed / 未列出任何年份".to_owned(),
            ));
        }
        let mut cal = Self::default();
        for (year_key, raw_year) in &raw.years {
            let year: i32 = year_key
                .trim()
                .parse()
                .ok()
                .filter(|y| NaiveDate::from_ymd_opt(*y, 1, 1).is_some() && *y >= 1)
                .ok_or_else(|| {
                    invalid(format!("key `years.{year_key}`: not a year / 不是有效年份"))
                })?;
            if cal.years.contains_key(&year) {
                // `years.2025` and `years.02025` would otherwise silently merge.
                return Err(invalid(format!(
                    "key `years.{year_key}`: year {year} listed twice / 年份重复"
                )));
            }
            let rules = Self::validate_year(year, raw_year, origin)?;
            cal.years.insert(year, rules);
        }
        cal.adjust = cal
            .years
            .values()
            .flat_map(|r| {
                let off = r.off.iter().filter(|d| !is_weekend(**d)).map(|d| (*d, -1));
                let makeup = r.makeup.iter().map(|d| (*d, 1));
                off.chain(makeup)
            })
            .collect();
        Ok(cal)
    }

    fn validate_year(year: i32, raw: &RawYear, origin: &str) -> Result<YearRules, CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let in_year = |d: NaiveDate, key: &str| {
            if d.year() == year {
                Ok(d)
            } else {
                Err(invalid(format!(
                    "key `{key}`: {d} is not in {year} (split ranges at 31 December) / 日期不在 {year} 年内"
                )))
            }
        };
        let mut rules = YearRules::default();
        for (i, entry) in raw.off.iter().enumerate() {
            let key = format!("years.{year}.off[{i}]");
            let (first, last) = match entry.split_once("..") {
                Some((a, b)) => (parse_date(a, origin, &key)?, parse_date(b, origin, &key)?),
                None => {
                    let d = parse_date(entry, origin, &key)?;
                    (d, d)
                }
            };
            let first = in_year(first, &key)?;
            let last = in_year(last, &key)?;
            if last < first {
                return Err(invalid(format!(
                    "key `{key}`: range {first}..{last} ends before it starts / 日期范围颠倒"
                )));
            }
            for d in first.iter_days().take_while(|d| *d <= last) {
                if !rules.off.insert(d) {
                    return Err(invalid(format!(
                        "key `{key}`: {d} is already listed as a day off / 放假日期重复"
                    )));
                }
            }
        }
        for (i, entry) in raw.makeup.iter().enumerate() {
            let key = format!("years.{year}.makeup[{i}]");
            let d = in_year(parse_date(entry, origin, &key)?, &key)?;
            if !is_weekend(d) {
                return Err(invalid(format!(
                    "key `{key}`: {d} is a {:?}; a make-up working day must be a Saturday or Sunday / 调休上班日必须是周末",
                    d.weekday()
                )));
            }
            if rules.off.contains(&d) {
                return Err(invalid(format!(
                    "key `{key}`: {d} is also listed as a day off / 既是放假日又是调休上班日"
                )));
            }
            if !rules.makeup.insert(d) {
                return Err(invalid(format!(
                    "key `{key}`: {d} listed twice / 调休上班日重复"
                )));
            }
        }
        Ok(rules)
    }

    /// Reads a centre's calendar file.
    pub fn load(path: &Path) -> Result<Self, CalendarError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CalendarError::Invalid {
            origin: origin.clone(),
            message: format!("cannot read the calendar file / 无法读取日历文件: {e}"),
        })?;
        Self::from_toml_str(&text, &origin)
    }

    /// Whether the calendar lists `year`'s holidays.
    #[must_use]
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The covered years, ascending.
    #[must_use]
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether every year from `first` to `last` inclusive is covered.
    fn covers_all(&self, first: i32, last: i32) -> bool {
        if last < first {
            return true;
        }
        // Cheap reject for long spans: cannot all be covered if there are fewer covered years.
        let span = i64::from(last) - i64::from(first) + 1;
        span <= self.years.len() as i64 && (first..=last).all(|y| self.covers(y))
    }

    #[must_use]
    pub fn is_working_day(&self, d: NaiveDate) -> Reckoned<bool> {
        let value = match self.years.get(&d.year()) {
            Some(r) if r.makeup.contains(&d) => true,
            Some(r) if r.off.contains(&d) => false,
            _ => !is_weekend(d),
        };
        Reckoned {
            value,
            provisional: !self.covers(d.year()),
        }
    }

    /// Working days in `(from, to]` for `from <= to`, with the provisional flag of that range.
    fn count(&self, from: NaiveDate, to: NaiveDate) -> Reckoned<i64> {
        if to <= from {
            return Reckoned {
                value: 0,
                provisional: false,
            };
        }
        let weekdays = weekdays_through(to) - weekdays_through(from);
        // (from, to] as a BTreeMap range: exclude `from`, include `to`.
        let listed: i64 = self
            .adjust
            .range((
                std::ops::Bound::Excluded(from),
                std::ops::Bound::Included(to),
            ))
            .map(|(_, delta)| *delta)
            .sum();
        let first_year = from.succ_opt().map_or(to.year(), |d| d.year());
        Reckoned {
            value: weekdays + listed,
            provisional: !self.covers_all(first_year, to.year()),
        }
    }

    /// The date `n` working days after `d` (the day itself not counted).
    ///
    /// Provisional when any day in `(d, result]` lies in an uncovered year. If the result would
    /// lie beyond the last date chrono can represent, it saturates there (marked provisional);
    /// use [`Calendar::checked_add_working_days`] to detect that.
    #[must_use]
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
        self.checked_add_working_days(d, n).unwrap_or(Reckoned {
            value: NaiveDate::MAX,
            provisional: true,
        })
    }

    /// As [`Calendar::add_working_days`], `None` when the result is beyond `NaiveDate::MAX`.
    #[must_use]
    pub fn checked_add_working_days(&self, d: NaiveDate, n: u32) -> Option<Reckoned<NaiveDate>> {
        if n == 0 {
            return Some(Reckoned {
                value: d,
                provisional: false,
            });
        }
        let n = i64::from(n);
        // The count over (d, t] never decreases as t grows and rises by at most one a day, so
        // the first t where it reaches n is the answer and is itself a working day. Find an
        // upper bound by doubling, then bisect; cheap even for n in the millions.
        let mut step: u64 = u64::try_from(n).ok()?.saturating_mul(7) / 5 + 7;
        let mut hi = loop {
            match d.checked_add_days(Days::new(step)) {
                Some(t) if self.count(d, t).value >= n => break t,
                Some(_) => step = step.saturating_mul(2),
                None => {
                    if self.count(d, NaiveDate::MAX).value >= n {
                        break NaiveDate::MAX;
                    }
                    return None;
                }
            }
        };
        let mut lo = d; // count(d, lo) < n
        while (hi - lo).num_days() > 1 {
            let half = u64::try_from((hi - lo).num_days() / 2).ok()?;
            let mid = lo.checked_add_days(Days::new(half))?;
            if self.count(d, mid).value >= n {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(Reckoned {
            value: hi,
            provisional: self.count(d, hi).provisional,
        })
    }

    /// The first working day after `d`.
    #[must_use]
    pub fn next_working_day(&self, d: NaiveDate) -> Reckoned<NaiveDate> {
        self.add_working_days(d, 1)
    }

    /// Working days in `(from, to]`; negative if `to < from`.
    #[must_use]
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Reckoned<i64> {
        if to < from {
            let r = self.count(to, from);
            Reckoned {
                value: -r.value,
                provisional: r.provisional,
            }
        } else {
            self.count(from, to)
        }
    }

    /// Every working day of `year`, ascending (empty for a year chrono cannot represent).
    #[must_use]
    pub fn working_days_in_year(&self, year: i32) -> Reckoned<Vec<NaiveDate>> {
        let value = NaiveDate::from_ymd_opt(year, 1, 1)
            .map(|first| {
                first
                    .iter_days()
                    .take_while(|d| d.year() == year)
                    .filter(|d| self.is_working_day(*d).value)
                    .collect()
            })
            .unwrap_or_default();
        Reckoned {
            value,
            provisional: !self.covers(year),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The State Council table from the brief, typed in independently of the data file:
    /// (year, off ranges as (month, day, month, day), make-up days as (month, day)).
    #[allow(clippy::type_complexity)]
    fn notice_table() -> Vec<(i32, Vec<(u32, u32, u32, u32)>, Vec<(u32, u32)>)> {
        vec![
            (
                2025,
                vec![
                    (1, 1, 1, 1),
                    (1, 28, 2, 4),
                    (4, 4, 4, 6),
                    (5, 1, 5, 5),
                    (5, 31, 6, 2),
                    (10, 1, 10, 8),
                ],
                vec![(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
            ),
            (
                2026,
                vec![
                    (1, 1, 1, 3),
                    (2, 15, 2, 23),
                    (4, 4, 4, 6),
                    (5, 1, 5, 5),
                    (6, 19, 6, 21),
                    (9, 25, 9, 27),
                    (10, 1, 10, 7),
                ],
                vec![(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
            ),
        ]
    }

    /// Expected working-day status of every day of 2025–2026, by brute force over the table.
    fn expected_working(d: NaiveDate) -> bool {
        for (year, off, makeup) in notice_table() {
            if d.year() != year {
                continue;
            }
            if makeup.iter().any(|&(m, dd)| ymd(year, m, dd) == d) {
                return true;
            }
            if off
                .iter()
                .any(|&(m1, d1, m2, d2)| ymd(year, m1, d1) <= d && d <= ymd(year, m2, d2))
            {
                return false;
            }
        }
        let wd = d.weekday().num_days_from_monday();
        wd < 5
    }

    #[test]
    fn every_day_of_2025_and_2026_matches_the_notices() {
        let cal = Calendar::embedded();
        let mut d = ymd(2025, 1, 1);
        let mut days = 0;
        while d <= ymd(2026, 12, 31) {
            let got = cal.is_working_day(d);
            assert_eq!(got.value, expected_working(d), "{d}");
            assert!(!got.provisional, "{d}");
            d = d.succ_opt().unwrap();
            days += 1;
        }
        assert_eq!(days, 730);
    }

    #[test]
    fn both_years_have_248_working_days() {
        let cal = Calendar::embedded();
        for year in [2025, 2026] {
            let r = cal.working_days_in_year(year);
            assert_eq!(r.value.len(), 248, "{year}");
            assert!(!r.provisional);
            assert!(r.value.windows(2).all(|w| w[0] < w[1]));
            let between = cal.working_days_between(ymd(year - 1, 12, 31), ymd(year, 12, 31));
            assert_eq!(between.value, 248, "{year}");
        }
        assert_eq!(cal.years(), vec![2025, 2026]);
    }

    #[test]
    fn first_working_day_of_2026_is_the_sunday_make_up_day() {
        let cal = Calendar::embedded();
        let days = cal.working_days_in_year(2026).value;
        assert_eq!(days[0], ymd(2026, 1, 4));
        assert_eq!(ymd(2026, 1, 4).weekday(), Weekday::Sun);
    }

    #[test]
    fn worked_examples() {
        let cal = Calendar::embedded();
        let table = [
            (ymd(2025, 1, 24), 5, ymd(2025, 2, 7)),
            (ymd(2026, 9, 30), 5, ymd(2026, 10, 13)),
            (ymd(2025, 1, 24), 1, ymd(2025, 1, 26)), // Sunday make-up day
            (ymd(2025, 9, 30), 1, ymd(2025, 10, 9)),
            (ymd(2025, 12, 31), 1, ymd(2026, 1, 4)),
            (ymd(2026, 2, 13), 1, ymd(2026, 2, 14)),
            (ymd(2026, 3, 3), 0, ymd(2026, 3, 3)),
            (ymd(2026, 10, 3), 0, ymd(2026, 10, 3)), // a day off plus zero is itself
        ];
        for (from, n, want) in table {
            let got = cal.add_working_days(from, n);
            assert_eq!(got.value, want, "{from} + {n}");
            assert!(!got.provisional, "{from} + {n}");
        }
    }

    #[test]
    fn between_counts_the_half_open_range() {
        let cal = Calendar::embedded();
        let a = ymd(2025, 1, 24);
        let b = ymd(2025, 2, 7);
        assert_eq!(cal.working_days_between(a, b).value, 5);
        assert_eq!(cal.working_days_between(b, a).value, -5);
        assert_eq!(cal.working_days_between(a, a).value, 0);
        // (Fri, Sat]: the Saturday 2025-02-08 is a make-up day.
        assert_eq!(
            cal.working_days_between(ymd(2025, 2, 7), ymd(2025, 2, 8))
                .value,
            1
        );
    }

    #[test]
    fn uncovered_years_are_weekends_only_and_provisional() {
        let cal = Calendar::embedded();
        assert!(!cal.covers(2027));
        // 2027-01-01 is a Friday: a weekday, so provisionally a working day (really a holiday).
        let r = cal.is_working_day(ymd(2027, 1, 1));
        assert_eq!(
            r,
            Reckoned {
                value: true,
                provisional: true
            }
        );
        let y = cal.working_days_in_year(2027);
        assert!(y.provisional);
        // 2027 has 365 days starting on a Friday: 52 weeks + Friday = 261 weekdays.
        assert_eq!(y.value.len(), 261);
        // Crossing from a covered into an uncovered year is provisional.
        let r = cal.add_working_days(ymd(2026, 12, 30), 3);
        assert!(r.provisional);
        assert_eq!(r.value, ymd(2027, 1, 4));
        assert!(
            cal.working_days_between(ymd(2026, 12, 1), ymd(2027, 1, 1))
                .provisional
        );
        assert!(
            cal.working_days_between(ymd(2027, 1, 1), ymd(2026, 12, 1))
                .provisional
        );
        // Entirely inside covered years: not provisional.
        assert!(!cal.add_working_days(ymd(2026, 12, 1), 3).provisional);
        // Before the covered years too.
        assert!(cal.is_working_day(ymd(2024, 10, 1)).provisional);
        assert!(cal.add_working_days(ymd(2024, 12, 30), 1).provisional);
    }

    #[test]
    fn huge_counts_do_not_hang_or_overflow() {
        let cal = Calendar::embedded();
        let far = cal.add_working_days(ymd(2025, 1, 1), 10_000_000);
        assert!(far.provisional);
        assert_eq!(
            cal.working_days_between(ymd(2025, 1, 1), far.value).value,
            10_000_000
        );
        assert!(cal
            .checked_add_working_days(ymd(2025, 1, 1), u32::MAX)
            .is_none());
        assert_eq!(
            cal.add_working_days(ymd(2025, 1, 1), u32::MAX).value,
            NaiveDate::MAX
        );
    }

    fn reject(text: &str) -> String {
        match Calendar::from_toml_str(text, "centre.toml") {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_files_are_rejected_with_origin_key_and_problem() {
        let cases: &[(&str, &[&str])] = &[
            (
                "[years.2025]\noff = [\"2026-01-01\"]\n",
                &["years.2025.off[0]", "not in 2025"],
            ),
            (
                "[years.2025]\noff = [\"2025-01-01\", \"2025-02-30\"]\n",
                &["years.2025.off[1]", "not a date"],
            ),
            (
                "[years.2025]\noff = [\"2025-02-04..2025-01-28\"]\n",
                &["years.2025.off[0]", "ends before it starts"],
            ),
            (
                "[years.2025]\nmakeup = [\"2025-01-27\"]\n",
                &["years.2025.makeup[0]", "Saturday or Sunday"],
            ),
            (
                "[years.2025]\noff = [\"2025-01-25..2025-01-27\"]\nmakeup = [\"2025-01-26\"]\n",
                &["years.2025.makeup[0]", "also listed as a day off"],
            ),
            (
                "[years.2025]\noff = [\"2025-01-01..2025-01-03\", \"2025-01-03\"]\n",
                &["years.2025.off[1]", "already listed"],
            ),
            (
                "[years.2025]\nmakeup = [\"2025-01-26\", \"2025-01-26\"]\n",
                &["years.2025.makeup[1]", "listed twice"],
            ),
            (
                "[years.twenty]\noff = []\n",
                &["years.twenty", "not a year"],
            ),
            ("[years.2025]\nof = []\n", &["unknown field"]),
            ("years = 3\n", &["not a valid calendar file"]),
            ("", &["not a valid calendar file"]),
            ("years = {}\n", &["no year listed"]),
        ];
        for (text, needles) in cases {
            let msg = reject(text);
            assert!(msg.starts_with("centre.toml: "), "{msg}");
            for n in *needles {
                assert!(msg.contains(n), "{msg:?} lacks {n:?}");
            }
        }
    }

    #[test]
    fn a_centre_file_replaces_the_embedded_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cal.toml");
        std::fs::write(
            &path,
            "[years.2027]\noff = [\"2027-01-01\"]\nmakeup = [\"2027-01-02\"]\n",
        )
        .unwrap();
        let cal = Calendar::load(&path).unwrap();
        assert_eq!(cal.years(), vec![2027]);
        assert_eq!(
            cal.is_working_day(ymd(2027, 1, 1)),
            Reckoned {
                value: false,
                provisional: false
            }
        );
        assert!(cal.is_working_day(ymd(2027, 1, 2)).value);
        assert!(cal.is_working_day(ymd(2026, 10, 1)).provisional);

        let missing = dir.path().join("nope.toml");
        let err = Calendar::load(&missing).unwrap_err().to_string();
        assert!(
            err.contains("nope.toml") && err.contains("cannot read"),
            "{err}"
        );
    }

    fn date_in(lo: NaiveDate, hi: NaiveDate) -> impl Strategy<Value = NaiveDate> {
        let span = (hi - lo).num_days();
        (0..=span).prop_map(move |k| lo + chrono::Duration::days(k))
    }

    /// Plain day-by-day count, independent of the closed-form counting.
    fn slow_between(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to < from {
            (to, from, -1)
        } else {
            (from, to, 1)
        };
        let n = a
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= b)
            .filter(|d| cal.is_working_day(*d).value)
            .count();
        sign * i64::try_from(n).unwrap()
    }

    proptest! {
        #[test]
        fn add_then_between_round_trips(
            d in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
            n in 0u32..400,
        ) {
            let cal = Calendar::embedded();
            let r = cal.add_working_days(d, n);
            let back = cal.working_days_between(d, r.value);
            prop_assert_eq!(back.value, i64::from(n));
            prop_assert_eq!(back.provisional, r.provisional);
            if n > 0 {
                prop_assert!(cal.is_working_day(r.value).value);
                // Minimal: one day earlier falls short.
                let before = r.value.pred_opt().unwrap();
                prop_assert_eq!(cal.working_days_between(d, before).value, i64::from(n) - 1);
            }
        }

        #[test]
        fn between_matches_day_by_day_count_and_is_antisymmetric(
            a in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
            b in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
        ) {
            let cal = Calendar::embedded();
            let ab = cal.working_days_between(a, b);
            prop_assert_eq!(ab.value, slow_between(&cal, a, b));
            prop_assert_eq!(cal.working_days_between(b, a).value, -ab.value);
            let touches_uncovered = a.min(b) < ymd(2024, 12, 31) || a.max(b) > ymd(2026, 12, 31);
            prop_assert_eq!(ab.provisional, touches_uncovered && a != b);
        }

        #[test]
        fn add_is_monotone(
            d in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
            n in 0u32..300,
            k in 0u32..10,
        ) {
            let cal = Calendar::embedded();
            let a = cal.add_working_days(d, n).value;
            let b = cal.add_working_days(d, n + k).value;
            prop_assert!(a <= b);
            if k > 0 { prop_assert!(a < b); }
            let later = cal.add_working_days(d + chrono::Duration::days(1), n).value;
            prop_assert!(a <= later);
        }
    }
}

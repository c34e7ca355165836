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
pub const EMBEDDED_CALENDAR_TOML: &str = include_str!("../../data/calendar.toml");

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
mod tests;

//! Staffing advice that can be checked: demand per interval forecast from history (weekday ×
//! time of day, holidays and make-up working days from the calendar), turned into a day plan
//! of windows per interval by Erlang C per queue.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::staffing::{self, StaffingError};

/// Which past days predict a day: the same weekday, or for a make-up working day (调休, a
/// weekend worked) any working day; a holiday predicts nothing (the hall is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DayClass {
    Weekday(u32),
    MakeUp,
    Closed,
}

#[must_use]
pub fn day_class(calendar: &Calendar, d: NaiveDate) -> DayClass {
    let working = calendar.is_working_day(d).value;
    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    match (working, weekend) {
        (false, _) => DayClass::Closed,
        (true, true) => DayClass::MakeUp,
        (true, false) => DayClass::Weekday(d.weekday().num_days_from_monday()),
    }
}

/// Expected arrivals per interval of the day, per queue: `[queue][interval index]`, where
/// interval `i` starts at `open + i·interval_minutes`.
pub type Demand = BTreeMap<String, Vec<f64>>;

/// Forecast for `day` from past arrivals `(local time, queue)`: the mean count per interval
/// over the past days of the same class (all past working days when there are none, e.g. for a
/// make-up day).
#[must_use]
pub fn demand_forecast(
    calendar: &Calendar,
    arrivals: &[(NaiveDateTime, String)],
    day: NaiveDate,
    open: NaiveTime,
    intervals: usize,
    interval_minutes: u32,
) -> Demand {
    let class = day_class(calendar, day);
    if class == DayClass::Closed {
        return Demand::new();
    }
    let slot = |t: NaiveDateTime| {
        let m = i64::from(t.time().num_seconds_from_midnight() / 60)
            - i64::from(open.num_seconds_from_midnight() / 60);
        (m >= 0)
            .then(|| usize::try_from(m / i64::from(interval_minutes.max(1))).ok())
            .flatten()
            .filter(|i| *i < intervals)
    };
    let past = |same: bool| {
        let mut days = std::collections::BTreeSet::new();
        let mut counts: Demand = Demand::new();
        for (t, q) in arrivals {
            let d = t.date();
            let c = day_class(calendar, d);
            let fits = if same {
                c == class
            } else {
                c != DayClass::Closed
            };
            if d >= day || !fits {
                continue;
            }
            days.insert(d);
            if let Some(i) = slot(*t) {
                counts
                    .entry(q.clone())
                    .or_insert_with(|| vec![0.0; intervals])[i] += 1.0;
            }
        }
        (days.len(), counts)
    };
    let (n, mut counts) = match past(class != DayClass::MakeUp) {
        (0, _) => past(false),
        found => found,
    };
    #[allow(clippy::cast_precision_loss)]
    let n = n.max(1) as f64;
    for v in counts.values_mut() {
        for x in v.iter_mut() {
            *x /= n;
        }
    }
    counts
}

/// Windows per interval for one queue: Erlang C on the forecast rate of each interval, at
/// least one while the hall is open, at most `max_windows`.
///
/// # Errors
/// Invalid service time, target or level.
pub fn day_plan(
    demand: &[f64],
    interval_minutes: u32,
    service_seconds: f64,
    target_seconds: f64,
    service_level: f64,
    max_windows: u32,
) -> Result<Vec<u32>, StaffingError> {
    let per_hour = 60.0 / f64::from(interval_minutes.max(1));
    demand
        .iter()
        .map(|a| {
            let p = staffing::windows_needed(
                a * per_hour,
                service_seconds,
                target_seconds,
                service_level,
            )?;
            Ok(p.windows.clamp(1, max_windows.max(1)))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(d: &str, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn same_weekday_predicts_and_holidays_are_closed() {
        let cal = Calendar::embedded();
        let open = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        // Mondays 2026-03-02 and 03-09: 4 and 2 arrivals 09:00–09:30; a Tuesday with 10.
        let mut arr = Vec::new();
        for _ in 0..4 {
            arr.push((at("2026-03-02", 9, 10), "A".to_string()));
        }
        for _ in 0..2 {
            arr.push((at("2026-03-09", 9, 20), "A".to_string()));
        }
        for _ in 0..10 {
            arr.push((at("2026-03-10", 9, 20), "A".to_string()));
        }
        let d = NaiveDate::from_ymd_opt(2026, 3, 16).unwrap();
        let f = demand_forecast(&cal, &arr, d, open, 6, 30);
        assert_eq!(f["A"][0], 3.0);
        // 2026-10-01 is National Day: closed, nothing to staff.
        let h = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(day_class(&cal, h), DayClass::Closed);
        assert!(demand_forecast(&cal, &arr, h, open, 6, 30).is_empty());
    }

    #[test]
    fn plan_follows_demand() {
        let p = day_plan(&[2.0, 10.0, 4.0], 30, 600.0, 900.0, 0.8, 20).unwrap();
        assert!(p[1] > p[0] && p[1] > p[2], "{p:?}");
        assert!(p.iter().all(|w| *w >= 1));
    }
}

//! Staffing and waiting maths: Erlang C (M/M/N) service levels, windows needed per interval,
//! load estimates from recent tickets, and waiting-time ranges for applicants.
//!
//! Erlang C is evaluated through the Erlang B recursion, which stays in `[0, 1]` at every step
//! and so is stable for thousands of windows (factorials and powers of A would overflow).

use chrono::{DateTime, FixedOffset, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

/// `windows_needed` gives up beyond this many windows (the input is then implausible).
pub const MAX_WINDOWS: u32 = 100_000;
/// Fewer completions than this in the look-back period: use the configured service time.
pub const MIN_COMPLETIONS: usize = 5;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    #[error("{field}: 不是有限数值 not a finite number")]
    NotFinite { field: &'static str },
    #[error("{field}: 不能为负 must not be negative (got {value})")]
    Negative { field: &'static str, value: f64 },
    #[error("{field}: 必须大于零 must be greater than zero (got {value})")]
    NotPositive { field: &'static str, value: f64 },
    #[error("service level: 必须在 0 与 1 之间 must lie strictly between 0 and 1 (got {value})")]
    LevelOutOfRange { value: f64 },
    #[error("{field}: 必须大于零 must be greater than zero")]
    ZeroDuration { field: &'static str },
    #[error("超过 {max} 个窗口仍达不到服务水平 no plan with up to {max} windows reaches the service level")]
    Unreachable { max: u32 },
}

/// Service measures of a number of windows under a load (M/M/N, first come first served).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StaffingPlan {
    pub windows: u32,
    /// Fraction of applicants called within the target wait, `[0, 1]`.
    pub service_level: f64,
    /// Fraction of applicants who wait at all (Erlang C), `[0, 1]`.
    pub prob_wait: f64,
    /// Mean wait in seconds; infinite when the windows cannot keep up (serialised as `null`).
    pub mean_wait_seconds: f64,
    /// Offered load A = λ · AHT in erlangs (busy windows needed on average).
    pub offered_load: f64,
}

fn finite(field: &'static str, v: f64) -> Result<f64, StaffingError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(StaffingError::NotFinite { field })
    }
}

fn non_negative(field: &'static str, v: f64) -> Result<f64, StaffingError> {
    if finite(field, v)? < 0.0 {
        return Err(StaffingError::Negative { field, value: v });
    }
    Ok(v)
}

fn positive(field: &'static str, v: f64) -> Result<f64, StaffingError> {
    if finite(field, v)? <= 0.0 {
        return Err(StaffingError::NotPositive { field, value: v });
    }
    Ok(v)
}

fn level(v: f64) -> Result<f64, StaffingError> {
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(StaffingError::LevelOutOfRange { value: v })
    }
}

/// Validated load: offered load in erlangs, service time, target.
struct Load {
    a: f64,
    aht: f64,
    target: f64,
}

fn load(
    arrivals_per_hour: f64,
    service_seconds: f64,
    target_seconds: f64,
) -> Result<Load, StaffingError> {
    let lambda = non_negative("arrivals per hour", arrivals_per_hour)? / 3600.0;
    let aht = positive("service seconds", service_seconds)?;
    let target = non_negative("target seconds", target_seconds)?;
    let a = lambda * aht;
    // Non-finite only for absurd inputs near f64::MAX.
    Ok(Load {
        a: finite("offered load", a)?,
        aht,
        target,
    })
}

/// One step of the Erlang B recursion: B_k from B_{k-1}.
fn erlang_b_step(k: u32, a: f64, prev: f64) -> f64 {
    a * prev / (f64::from(k) + a * prev)
}

/// Measures of `n` windows given B_n, the Erlang B blocking probability.
fn measures(n: u32, l: &Load, b: f64) -> StaffingPlan {
    let nf = f64::from(n);
    if l.a == 0.0 {
        // Nobody arrives: nobody waits, whatever the number of windows.
        return StaffingPlan {
            windows: n,
            service_level: 1.0,
            prob_wait: 0.0,
            mean_wait_seconds: 0.0,
            offered_load: 0.0,
        };
    }
    if nf <= l.a {
        // Windows cannot keep up: the queue grows without bound.
        return StaffingPlan {
            windows: n,
            service_level: 0.0,
            prob_wait: 1.0,
            mean_wait_seconds: f64::INFINITY,
            offered_load: l.a,
        };
    }
    let c = (nf * b / (nf - l.a * (1.0 - b))).clamp(0.0, 1.0);
    let sl = 1.0 - c * (-(nf - l.a) * l.target / l.aht).exp();
    StaffingPlan {
        windows: n,
        service_level: sl.clamp(0.0, 1.0),
        prob_wait: c,
        mean_wait_seconds: c * l.aht / (nf - l.a),
        offered_load: l.a,
    }
}

/// Erlang C: the probability an arrival waits, with `windows` servers and `offered_load` erlangs.
/// 1 when the windows cannot keep up (`windows <= offered_load`); 0 for no load.
#[must_use]
pub fn erlang_c(windows: u32, offered_load: f64) -> f64 {
    if !(offered_load.is_finite() && offered_load > 0.0) {
        return if offered_load > 0.0 { 1.0 } else { 0.0 };
    }
    if f64::from(windows) <= offered_load {
        return 1.0;
    }
    let b = (1..=windows).fold(1.0, |b, k| erlang_b_step(k, offered_load, b));
    let n = f64::from(windows);
    (n * b / (n - offered_load * (1.0 - b))).clamp(0.0, 1.0)
}

/// Service measures of a given number of windows.
pub fn evaluate(
    windows: u32,
    arrivals_per_hour: f64,
    service_seconds: f64,
    target_seconds: f64,
) -> Result<StaffingPlan, StaffingError> {
    let l = load(arrivals_per_hour, service_seconds, target_seconds)?;
    let b = (1..=windows).fold(1.0, |b, k| erlang_b_step(k, l.a, b));
    Ok(measures(windows, &l, b))
}

/// The smallest number of windows serving at least `service_level` (a fraction in (0, 1)) of
/// applicants within `target_seconds`.
///
/// With zero arrivals this is the mathematical answer, 0 windows; a hall keeps at least one
/// open, so callers clamp (`plan.windows.max(1)`).
pub fn windows_needed(
    arrivals_per_hour: f64,
    service_seconds: f64,
    target_seconds: f64,
    service_level: f64,
) -> Result<StaffingPlan, StaffingError> {
    let l = load(arrivals_per_hour, service_seconds, target_seconds)?;
    let want = level(service_level)?;
    // B_n is built up one window at a time, so the search costs O(answer), not O(answer²).
    let mut b = 1.0;
    for n in 0..=MAX_WINDOWS {
        if n > 0 {
            b = erlang_b_step(n, l.a, b);
        }
        let plan = measures(n, &l, b);
        if plan.service_level >= want {
            return Ok(plan);
        }
    }
    Err(StaffingError::Unreachable { max: MAX_WINDOWS })
}

/// Arrivals and mean service time observed in one interval of the day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalObservation {
    /// Local time of day the interval starts.
    pub start: NaiveTime,
    /// Applicants arriving during the interval.
    pub arrivals: u32,
    /// Mean service time in the interval; use the configured time when too few were observed.
    pub mean_service_seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntervalPlan {
    pub start: NaiveTime,
    pub arrivals_per_hour: f64,
    pub plan: StaffingPlan,
}

/// Windows needed interval by interval. Arrivals peak in the morning, so a daily average would
/// understaff the peak; each 15–30-minute interval is treated as its own steady state.
pub fn plan_intervals(
    intervals: &[IntervalObservation],
    interval_minutes: u32,
    target_seconds: f64,
    service_level: f64,
) -> Result<Vec<IntervalPlan>, StaffingError> {
    if interval_minutes == 0 {
        return Err(StaffingError::ZeroDuration {
            field: "interval minutes",
        });
    }
    let per_hour = 60.0 / f64::from(interval_minutes);
    intervals
        .iter()
        .map(|i| {
            let arrivals_per_hour = f64::from(i.arrivals) * per_hour;
            let plan = windows_needed(
                arrivals_per_hour,
                i.mean_service_seconds,
                target_seconds,
                service_level,
            )?;
            Ok(IntervalPlan {
                start: i.start,
                arrivals_per_hour,
                plan,
            })
        })
        .collect()
}

/// A finished service: when it ended and how long it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion {
    pub finished_at: DateTime<FixedOffset>,
    pub service_seconds: f64,
}

/// Arrival rate and service time estimated from the recent past.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadEstimate {
    pub arrivals_per_hour: f64,
    pub mean_service_seconds: f64,
    pub arrivals_seen: usize,
    pub completions_seen: usize,
    /// True when fewer than [`MIN_COMPLETIONS`] were seen and the configured time was used.
    pub service_from_fallback: bool,
}

/// Estimates λ and mean service time from arrivals and completions in `(now − lookback, now]`
/// (typically 30 minutes). Durations that are negative or not finite (clock glitches) are
/// ignored. With fewer than [`MIN_COMPLETIONS`] completions the mean of so few is noise, so
/// `fallback_service_seconds` (the configured service time) is used instead.
pub fn estimate_load(
    now: DateTime<FixedOffset>,
    lookback: TimeDelta,
    arrivals: &[DateTime<FixedOffset>],
    completions: &[Completion],
    fallback_service_seconds: f64,
) -> Result<LoadEstimate, StaffingError> {
    let fallback = positive("fallback service seconds", fallback_service_seconds)?;
    if lookback <= TimeDelta::zero() {
        return Err(StaffingError::ZeroDuration { field: "look-back" });
    }
    let since = now - lookback;
    let inside = |t: DateTime<FixedOffset>| t > since && t <= now;
    let arrivals_seen = arrivals.iter().filter(|t| inside(**t)).count();
    let durations: Vec<f64> = completions
        .iter()
        .filter(|c| {
            inside(c.finished_at) && c.service_seconds.is_finite() && c.service_seconds >= 0.0
        })
        .map(|c| c.service_seconds)
        .collect();
    let completions_seen = durations.len();
    let from_fallback = completions_seen < MIN_COMPLETIONS;
    let mean_service_seconds = if from_fallback {
        fallback
    } else {
        durations.iter().sum::<f64>() / durations.len() as f64
    };
    let hours = lookback.as_seconds_f64() / 3600.0;
    Ok(LoadEstimate {
        arrivals_per_hour: arrivals_seen as f64 / hours,
        mean_service_seconds,
        arrivals_seen,
        completions_seen,
        service_from_fallback: from_fallback,
    })
}

/// A range of minutes to show an applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitRange {
    pub low_minutes: u32,
    pub high_minutes: u32,
}

/// What to tell an applicant about their wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WaitForecast {
    /// No window serves this queue now: no estimate is honest.
    NoWindowOpen,
    Range(WaitRange),
}

/// Predicted wait with `ahead` people ahead sharing `servers` windows.
///
/// The mean is (n+1)/(s·μ) with μ = 1/mean service time. Even a perfect predictor is off by
/// about mean/√(n+1) (the sum of n+1 exponential service completions), so a range is shown:
/// floor(max(0, mean − spread)) to ceil(mean + spread) minutes.
pub fn predict_wait(
    ahead: u32,
    servers: u32,
    mean_service_seconds: f64,
) -> Result<WaitForecast, StaffingError> {
    let service = positive("mean service seconds", mean_service_seconds)?;
    if servers == 0 {
        return Ok(WaitForecast::NoWindowOpen);
    }
    let k = f64::from(ahead) + 1.0;
    let mean_minutes = k * service / f64::from(servers) / 60.0;
    let spread = mean_minutes / k.sqrt();
    // `as` saturates: an absurd service time shows u32::MAX rather than wrapping.
    let low = (mean_minutes - spread).max(0.0).floor() as u32;
    let high = (mean_minutes + spread).ceil() as u32;
    Ok(WaitForecast::Range(WaitRange {
        low_minutes: low,
        high_minutes: high.max(low),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Erlang C straight from the textbook formula, in log space so it is independent of the
    /// recursion used by the module: C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)).
    fn erlang_c_textbook(n: u32, a: f64) -> f64 {
        let ln_term =
            |k: u32| f64::from(k) * a.ln() - (1..=k).map(|i| f64::from(i).ln()).sum::<f64>();
        let nf = f64::from(n);
        let top = ln_term(n) + (nf / (nf - a)).ln();
        let max = (0..n).map(ln_term).chain([top]).fold(f64::MIN, f64::max);
        let sum: f64 = (0..n).map(|k| (ln_term(k) - max).exp()).sum();
        let t = (top - max).exp();
        t / (sum + t)
    }

    #[test]
    fn check_value_57_per_hour_1110_seconds_21_windows() {
        let p = evaluate(21, 57.0, 1110.0, 180.0).unwrap();
        assert!((p.offered_load - 17.575).abs() < 1e-9);
        assert!(
            (p.service_level - 0.807).abs() < 0.001,
            "{}",
            p.service_level
        );
        let c = erlang_c_textbook(21, 17.575);
        assert!((p.prob_wait - c).abs() < 1e-9);
        assert!((p.mean_wait_seconds - c * 1110.0 / (21.0 - 17.575)).abs() < 1e-6);
        let expected_sl = 1.0 - c * (-(21.0 - 17.575) * 180.0 / 1110.0f64).exp();
        assert!((p.service_level - expected_sl).abs() < 1e-9);
    }

    #[test]
    fn windows_needed_for_the_check_value_is_21_and_minimal() {
        let p = windows_needed(57.0, 1110.0, 180.0, 0.8).unwrap();
        assert_eq!(p.windows, 21);
        assert!(p.service_level >= 0.8);
        let fewer = evaluate(20, 57.0, 1110.0, 180.0).unwrap();
        assert!(fewer.service_level < 0.8, "{}", fewer.service_level);
    }

    #[test]
    fn recursion_matches_textbook_formula() {
        for (n, a) in [
            (1, 0.5),
            (2, 1.5),
            (5, 3.0),
            (10, 9.9),
            (30, 20.0),
            (60, 45.5),
        ] {
            let got = erlang_c(n, a);
            let want = erlang_c_textbook(n, a);
            assert!((got - want).abs() < 1e-9, "N={n} A={a}: {got} vs {want}");
        }
    }

    #[test]
    fn stable_at_a_thousand_windows() {
        let c = erlang_c(1000, 990.0);
        assert!(c.is_finite() && (0.0..=1.0).contains(&c), "{c}");
        assert!((c - erlang_c_textbook(1000, 990.0)).abs() < 1e-6);
        // λ·AHT = 990 erlangs.
        let p = evaluate(1000, 990.0 * 3600.0 / 300.0, 300.0, 20.0).unwrap();
        assert!(p.service_level.is_finite() && (0.0..=1.0).contains(&p.service_level));
        assert!(p.mean_wait_seconds.is_finite() && p.mean_wait_seconds > 0.0);
        let needed = windows_needed(990.0 * 3600.0 / 300.0, 300.0, 20.0, 0.9).unwrap();
        assert!(
            needed.windows > 990 && needed.windows < 1100,
            "{}",
            needed.windows
        );
    }

    #[test]
    fn unstable_when_windows_cannot_keep_up() {
        for n in [0, 10, 17] {
            let p = evaluate(n, 57.0, 1110.0, 180.0).unwrap();
            assert_eq!(p.prob_wait, 1.0);
            assert_eq!(p.service_level, 0.0);
            assert!(p.mean_wait_seconds.is_infinite());
        }
        assert_eq!(erlang_c(10, 10.0), 1.0);
    }

    #[test]
    fn zero_arrivals_need_zero_windows() {
        let p = windows_needed(0.0, 600.0, 60.0, 0.9).unwrap();
        assert_eq!(p.windows, 0);
        assert_eq!(p.prob_wait, 0.0);
        assert_eq!(p.mean_wait_seconds, 0.0);
    }

    #[test]
    fn bad_input_is_rejected() {
        let table: &[(f64, f64, f64, f64, &str)] = &[
            (-1.0, 600.0, 60.0, 0.8, "arrivals per hour"),
            (f64::NAN, 600.0, 60.0, 0.8, "arrivals per hour"),
            (10.0, 0.0, 60.0, 0.8, "service seconds"),
            (10.0, -5.0, 60.0, 0.8, "service seconds"),
            (10.0, f64::INFINITY, 60.0, 0.8, "service seconds"),
            (10.0, 600.0, -1.0, 0.8, "target seconds"),
            (10.0, 600.0, 60.0, 0.0, "service level"),
            (10.0, 600.0, 60.0, 1.0, "service level"),
            (10.0, 600.0, 60.0, 80.0, "service level"),
            (10.0, 600.0, 60.0, f64::NAN, "service level"),
        ];
        for &(lam, s, t, p, field) in table {
            let e = windows_needed(lam, s, t, p).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn intervals_follow_the_morning_peak() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let obs = [
            IntervalObservation {
                start: t(9, 0),
                arrivals: 30,
                mean_service_seconds: 600.0,
            },
            IntervalObservation {
                start: t(9, 30),
                arrivals: 12,
                mean_service_seconds: 600.0,
            },
            IntervalObservation {
                start: t(12, 0),
                arrivals: 0,
                mean_service_seconds: 600.0,
            },
        ];
        let plans = plan_intervals(&obs, 30, 300.0, 0.8).unwrap();
        assert_eq!(plans.len(), 3);
        assert_eq!(plans[0].arrivals_per_hour, 60.0);
        assert_eq!(
            plans[0].plan,
            windows_needed(60.0, 600.0, 300.0, 0.8).unwrap()
        );
        assert!(plans[0].plan.windows > plans[1].plan.windows);
        assert_eq!(plans[2].plan.windows, 0);
        assert!(plan_intervals(&obs, 0, 300.0, 0.8).is_err());
    }

    #[test]
    fn estimate_uses_fallback_below_five_completions() {
        let tz = FixedOffset::east_opt(8 * 3600).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").unwrap();
        let at = |min: i64| (now - TimeDelta::minutes(min)).with_timezone(&tz);
        let arrivals: Vec<_> = [1, 5, 10, 29, 30, 31, 45].iter().map(|m| at(*m)).collect();
        let done = |min, s| Completion {
            finished_at: at(min),
            service_seconds: s,
        };
        let few = [
            done(1, 100.0),
            done(2, 200.0),
            done(40, 300.0),
            done(3, f64::NAN),
        ];
        let e = estimate_load(now, TimeDelta::minutes(30), &arrivals, &few, 720.0).unwrap();
        // (now−30 min, now]: 1, 5, 10, 29 minutes ago; 30 minutes ago is outside.
        assert_eq!(e.arrivals_seen, 4);
        assert_eq!(e.arrivals_per_hour, 8.0);
        assert_eq!(e.completions_seen, 2);
        assert!(e.service_from_fallback);
        assert_eq!(e.mean_service_seconds, 720.0);
        let many = [
            done(1, 100.0),
            done(2, 200.0),
            done(3, 300.0),
            done(4, 400.0),
            done(5, 500.0),
        ];
        let e = estimate_load(now, TimeDelta::minutes(30), &arrivals, &many, 720.0).unwrap();
        assert!(!e.service_from_fallback);
        assert_eq!(e.mean_service_seconds, 300.0);
        assert!(estimate_load(now, TimeDelta::zero(), &arrivals, &many, 720.0).is_err());
        assert!(estimate_load(now, TimeDelta::minutes(30), &arrivals, &many, 0.0).is_err());
    }

    #[test]
    fn wait_prediction_examples() {
        // 9 ahead, 2 windows, 10 minutes each: mean 50 min, spread 50/√10 ≈ 15.8.
        let r = predict_wait(9, 2, 600.0).unwrap();
        assert_eq!(
            r,
            WaitForecast::Range(WaitRange {
                low_minutes: 34,
                high_minutes: 66
            })
        );
        // Nobody ahead: 0 to 2×mean.
        assert_eq!(
            predict_wait(0, 1, 300.0).unwrap(),
            WaitForecast::Range(WaitRange {
                low_minutes: 0,
                high_minutes: 10
            })
        );
        assert_eq!(
            predict_wait(5, 0, 300.0).unwrap(),
            WaitForecast::NoWindowOpen
        );
        assert!(predict_wait(5, 1, f64::NAN).is_err());
        assert!(predict_wait(5, 1, 0.0).is_err());
        let json = serde_json::to_value(WaitRange {
            low_minutes: 3,
            high_minutes: 7,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"low_minutes": 3, "high_minutes": 7})
        );
        let json = serde_json::to_value(predict_wait(1, 0, 60.0).unwrap()).unwrap();
        assert_eq!(json, serde_json::json!({"status": "no_window_open"}));
    }

    fn range(ahead: u32, servers: u32, s: f64) -> WaitRange {
        match predict_wait(ahead, servers, s).unwrap() {
            WaitForecast::Range(r) => r,
            WaitForecast::NoWindowOpen => panic!("servers > 0"),
        }
    }

    proptest! {
        #[test]
        fn more_windows_serve_better(a in 0.1f64..200.0, extra in 1u32..20, t in 0.0f64..1200.0, aht in 30.0f64..3600.0) {
            let lam = a * 3600.0 / aht;
            let n = a.ceil() as u32 + 1;
            let p = evaluate(n, lam, aht, t).unwrap();
            let q = evaluate(n + extra, lam, aht, t).unwrap();
            prop_assert!(q.service_level >= p.service_level - 1e-12);
            prop_assert!(q.mean_wait_seconds <= p.mean_wait_seconds + 1e-9);
            prop_assert!(q.prob_wait <= p.prob_wait + 1e-12);
            for x in [p, q] {
                prop_assert!((0.0..=1.0).contains(&x.service_level));
                prop_assert!((0.0..=1.0).contains(&x.prob_wait));
            }
        }

        #[test]
        fn windows_needed_is_minimal(lam in 0.5f64..500.0, aht in 30.0f64..3600.0, t in 0.0f64..900.0, lvl in 0.05f64..0.99) {
            let p = windows_needed(lam, aht, t, lvl).unwrap();
            prop_assert!(p.service_level >= lvl);
            prop_assert!(f64::from(p.windows) > p.offered_load);
            prop_assert_eq!(p, evaluate(p.windows, lam, aht, t).unwrap());
            let fewer = evaluate(p.windows - 1, lam, aht, t).unwrap();
            prop_assert!(fewer.service_level < lvl);
            // A stricter level never needs fewer windows.
            let stricter = windows_needed(lam, aht, t, (lvl + 0.009).min(0.999)).unwrap();
            prop_assert!(stricter.windows >= p.windows);
        }

        #[test]
        fn wait_ranges_are_ordered_and_monotone(ahead in 0u32..500, s in 1u32..40, svc in 1.0f64..3600.0) {
            let r = range(ahead, s, svc);
            prop_assert!(r.low_minutes <= r.high_minutes);
            let mean = f64::from(ahead + 1) * svc / f64::from(s) / 60.0;
            prop_assert!(f64::from(r.low_minutes) <= mean && mean <= f64::from(r.high_minutes));
            let more_ahead = range(ahead + 1, s, svc);
            prop_assert!(more_ahead.high_minutes >= r.high_minutes);
            prop_assert!(more_ahead.low_minutes >= r.low_minutes);
            let more_windows = range(ahead, s + 1, svc);
            prop_assert!(more_windows.high_minutes <= r.high_minutes);
            prop_assert!(more_windows.low_minutes <= r.low_minutes);
        }
    }
}

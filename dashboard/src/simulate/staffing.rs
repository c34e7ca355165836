//! The staffing plan checked against fixed schedules on the same seeded applicants.
//!
//! The plan: demand per interval forecast from simulated past days of the same calendar class
//! (`queue_core::forecast`), Erlang C per queue and interval, then trimmed on those past days
//! (each must still meet the target). Fixed schedules keep the same number of windows per
//! queue all day; the smallest meeting the wait target is searched.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::forecast;

use super::engine::{self, Engine, Schedule};
use super::quality;
use super::scenario::Scenario;

/// Service levels tried for the plan, from the scenario's own upwards, until one meets.
const PLAN_LEVELS: [f64; 5] = [0.0, 0.85, 0.9, 0.95, 0.98];
/// Past days the plan is trimmed on (each must meet the target: with 3 days pooled the plan
/// missed the simulated day itself in 8 of 10 multi-queue seeds).
const TRIM_DAYS: usize = 8;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub label: String,
    pub window_hours: f64,
    /// Share of waits within target, per queue.
    pub within: BTreeMap<String, f64>,
    pub meets: bool,
    /// Open windows per queue and interval.
    pub schedule: Schedule,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub level: f64,
    /// The Erlang C plans before trimming, for reference.
    pub erlang: Vec<Outcome>,
    pub plans: Vec<Outcome>,
    pub fixed: Vec<Outcome>,
}

/// A day to run a schedule on: its date and its applicants.
type Day = (NaiveDate, Vec<engine::Applicant>);

/// `schedule` on `days` (pooled: the share within target over all their tickets, the mean
/// window-hours), judged against `level`.
fn evaluate(
    sc: &Scenario,
    config: &HallConfig,
    calendar: &Calendar,
    days: &[Day],
    schedule: &Schedule,
    level: f64,
    label: String,
) -> anyhow::Result<Outcome> {
    let mut observations = Vec::new();
    let mut seconds = 0.0;
    for (date, people) in days {
        let mut eng = Engine::new(config.clone(), calendar.clone(), None)?;
        eng.estimates = false;
        let day = engine::run_day(sc, &mut eng, *date, people, Some(schedule))?;
        observations.extend(day.observations);
        seconds += day.window_seconds;
    }
    let s = quality::summarise(&observations);
    let within: BTreeMap<String, f64> = s
        .iter()
        .filter(|(k, _)| k.as_str() != "*")
        .map(|(k, v)| (k.clone(), v.within_target))
        .collect();
    let meets = within.values().all(|w| *w >= level);
    #[allow(clippy::cast_precision_loss)]
    let n = days.len().max(1) as f64;
    Ok(Outcome {
        label,
        window_hours: seconds / 3600.0 / n,
        within,
        meets,
        schedule: schedule.clone(),
    })
}

/// The Erlang C plan trimmed on past days: while each of the past days, run with the plan,
/// keeps `level` of waits within target, take away a window-half-hour — from the fullest half hours
/// first, the later of equals first (a queue built up in the peak is worked off after it).
/// Erlang C treats each half hour as a steady state and each queue's pool alone; the day's
/// target is a share of the whole day's waits (docs/estimates.md). The first cut the past days
/// bear is taken (trying every cut each round, a 10-seed multi-queue run had not finished
/// after 15 minutes).
fn trim(
    sc: &Scenario,
    config: &HallConfig,
    calendar: &Calendar,
    past: &[Day],
    mut schedule: Schedule,
    level: f64,
) -> anyhow::Result<Schedule> {
    // A cut that failed is not tried again: with fewer windows elsewhere it would bear less.
    let mut unbearable: std::collections::BTreeSet<(String, usize)> = Default::default();
    'round: loop {
        let mut cuts: Vec<(u32, usize, String)> = schedule
            .iter()
            .flat_map(|(q, slots)| {
                slots
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 1)
                    .map(move |(i, n)| (*n, i, q.clone()))
            })
            .filter(|(_, i, q)| !unbearable.contains(&(q.clone(), *i)))
            .collect();
        cuts.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        for (_, i, q) in cuts {
            let mut cand = schedule.clone();
            if let Some(v) = cand.get_mut(&q).and_then(|v| v.get_mut(i)) {
                *v -= 1;
            }
            if bears(sc, config, calendar, past, &cand, level)? {
                schedule = cand;
                continue 'round;
            }
            unbearable.insert((q, i));
        }
        return Ok(schedule);
    }
}

/// Whether every one of the past days meets `level` with `schedule` (each day on its own: a
/// cut that only the pooled days bore left plans that missed the simulated day itself in 8 of
/// 10 multi-queue seeds).
fn bears(
    sc: &Scenario,
    config: &HallConfig,
    calendar: &Calendar,
    past: &[Day],
    schedule: &Schedule,
    level: f64,
) -> anyhow::Result<bool> {
    for day in past {
        let o = evaluate(
            sc,
            config,
            calendar,
            std::slice::from_ref(day),
            schedule,
            level,
            String::new(),
        )?;
        if !o.meets {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The plan at service level `level`.
fn plan(sc: &Scenario, demand: &forecast::Demand, level: f64) -> anyhow::Result<Schedule> {
    let pools = sc.pools();
    let mut out = Schedule::new();
    for q in &sc.queues {
        let d = demand
            .get(&q.code)
            .cloned()
            .unwrap_or_else(|| vec![0.0; sc.intervals()]);
        let max = u32::try_from(pools.get(&q.code).map_or(1, Vec::len)).unwrap_or(u32::MAX);
        let p = forecast::day_plan(
            &d,
            sc.interval_minutes,
            q.service_minutes * 60.0,
            f64::from(q.target_wait_minutes) * 60.0,
            level,
            max,
        )?;
        out.insert(q.code.clone(), p);
    }
    Ok(out)
}

pub fn compare(
    sc: &Scenario,
    config: &HallConfig,
    calendar: &Calendar,
    seed: u64,
) -> anyhow::Result<Comparison> {
    // History: the same weekday in the weeks before, each its own seeded day.
    let mut past: Vec<Day> = Vec::new();
    for w in 1..=sc.history_days {
        let day = sc.date - Duration::weeks(i64::from(w));
        let seed = seed.wrapping_mul(31).wrapping_add(1000 + u64::from(w));
        past.push((day, engine::applicants(sc, day, seed)?));
    }
    let history: Vec<(NaiveDateTime, String)> = past
        .iter()
        .flat_map(|(_, people)| people.iter().map(|p| (p.at.naive_local(), p.queue.clone())))
        .collect();
    let demand = forecast::demand_forecast(
        calendar,
        &history,
        sc.date,
        sc.open,
        sc.intervals(),
        sc.interval_minutes,
    );
    let today = [(sc.date, engine::applicants(sc, sc.date, seed)?)];
    // Trimming runs the plan on the most recent past days (a few: each try is a day each).
    let recent = &past[..past.len().min(TRIM_DAYS)];
    let mut plans = Vec::new();
    let mut erlang_plans = Vec::new();
    for l in PLAN_LEVELS {
        let level = if l == 0.0 { sc.service_level } else { l };
        if level < sc.service_level {
            continue;
        }
        let erlang = plan(sc, &demand, level)?;
        let label = format!("Erlang C at {:.0} %", level * 100.0);
        let raw = evaluate(
            sc,
            config,
            calendar,
            &today,
            &erlang,
            sc.service_level,
            label,
        )?;
        let trimmed = trim(sc, config, calendar, recent, erlang, level)?;
        let label = format!(
            "plan (Erlang C {:.0} %, trimmed on {} days)",
            level * 100.0,
            recent.len()
        );
        let o = evaluate(
            sc,
            config,
            calendar,
            &today,
            &trimmed,
            sc.service_level,
            label,
        )?;
        let done = o.meets;
        erlang_plans.push(raw);
        plans.push(o);
        if done {
            break;
        }
    }
    // Fixed schedules: raise the failing queues one window at a time.
    let pools = sc.pools();
    let mut k: BTreeMap<String, u32> = sc.queues.iter().map(|q| (q.code.clone(), 1)).collect();
    let mut fixed = Vec::new();
    loop {
        let s: Schedule = k
            .iter()
            .map(|(q, n)| (q.clone(), vec![*n; sc.intervals()]))
            .collect();
        let label = format!(
            "fixed {}",
            k.iter()
                .map(|(q, n)| format!("{q}={n}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let o = evaluate(sc, config, calendar, &today, &s, sc.service_level, label)?;
        let mut raised = false;
        for (q, w) in &o.within {
            let max = u32::try_from(pools.get(q).map_or(1, Vec::len)).unwrap_or(u32::MAX);
            if *w < sc.service_level {
                if let Some(n) = k.get_mut(q) {
                    if *n < max {
                        *n += 1;
                        raised = true;
                    }
                }
            }
        }
        let done = o.meets || !raised;
        fixed.push(o);
        if done {
            break;
        }
    }
    Ok(Comparison {
        level: sc.service_level,
        erlang: erlang_plans,
        plans,
        fixed,
    })
}

#[must_use]
pub fn report(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "staffing (target: {:.0} % of waits within each queue's target):",
        c.level * 100.0
    );
    for o in c.erlang.iter().chain(&c.plans).chain(&c.fixed) {
        let within = o
            .within
            .iter()
            .map(|(q, w)| format!("{q} {:.0}%", w * 100.0))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "  {:<34} window-hours {:>6.1}  within target: {within}  {}",
            o.label,
            o.window_hours,
            if o.meets { "meets" } else { "misses" }
        );
    }
    let best_plan = c.plans.iter().find(|o| o.meets);
    let best_fixed = c.fixed.iter().find(|o| o.meets);
    if let (Some(e), Some(f)) = (c.erlang.iter().find(|o| o.meets), best_fixed) {
        let _ = writeln!(
            out,
            "  Erlang C alone {:.1} vs best fixed {:.1} window-hours: {:+.1} %",
            e.window_hours,
            f.window_hours,
            (e.window_hours / f.window_hours - 1.0) * 100.0
        );
    }
    match (best_plan, best_fixed) {
        (Some(p), Some(f)) => {
            let _ = writeln!(
                out,
                "  plan {:.1} vs best fixed {:.1} window-hours: {:+.1} %",
                p.window_hours,
                f.window_hours,
                (p.window_hours / f.window_hours - 1.0) * 100.0
            );
        }
        _ => {
            let _ = writeln!(out, "  no comparison: a schedule never met the target");
        }
    }
    out
}

/// The figures of a comparison, for tests and the doc: (plan, best fixed) window-hours.
#[must_use]
pub fn headline(c: &Comparison) -> Option<(f64, f64)> {
    let p = c.plans.iter().find(|o| o.meets)?;
    let f = c.fixed.iter().find(|o| o.meets)?;
    Some((p.window_hours, f.window_hours))
}

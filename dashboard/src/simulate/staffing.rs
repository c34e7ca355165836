//! The staffing plan checked against fixed schedules on the same seeded applicants.
//!
//! The plan: demand per interval forecast from simulated past days of the same calendar class
//! (`queue_core::forecast`), Erlang C per queue and interval. Fixed schedules keep the same
//! number of windows per queue all day; the smallest meeting the wait target is searched.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::forecast;

use super::engine::{self, Engine, Schedule};
use super::quality;
use super::scenario::Scenario;

/// Service levels tried for the plan, from the scenario's own upwards, until one meets.
const PLAN_LEVELS: [f64; 5] = [0.0, 0.85, 0.9, 0.95, 0.98];

#[derive(Debug, Clone)]
pub struct Outcome {
    pub label: String,
    pub window_hours: f64,
    /// Share of waits within target, per queue.
    pub within: BTreeMap<String, f64>,
    pub meets: bool,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub level: f64,
    pub plans: Vec<Outcome>,
    pub fixed: Vec<Outcome>,
}

fn evaluate(
    sc: &Scenario,
    config: &HallConfig,
    calendar: &Calendar,
    people: &[engine::Applicant],
    schedule: &Schedule,
    label: String,
) -> anyhow::Result<Outcome> {
    let mut eng = Engine::new(config.clone(), calendar.clone(), None)?;
    let day = engine::run_day(sc, &mut eng, sc.date, people, Some(schedule))?;
    let s = quality::summarise(&day.observations);
    let within: BTreeMap<String, f64> = s
        .iter()
        .filter(|(k, _)| k.as_str() != "*")
        .map(|(k, v)| (k.clone(), v.within_target))
        .collect();
    let meets = within.values().all(|w| *w >= sc.service_level);
    Ok(Outcome {
        label,
        window_hours: day.window_seconds / 3600.0,
        within,
        meets,
    })
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
    let mut history: Vec<(NaiveDateTime, String)> = Vec::new();
    for w in 1..=sc.history_days {
        let day = sc.date - Duration::weeks(i64::from(w));
        let seed = seed.wrapping_mul(31).wrapping_add(1000 + u64::from(w));
        for p in engine::applicants(sc, day, seed)? {
            history.push((p.at.naive_local(), p.queue));
        }
    }
    let demand = forecast::demand_forecast(
        calendar,
        &history,
        sc.date,
        sc.open,
        sc.intervals(),
        sc.interval_minutes,
    );
    let people = engine::applicants(sc, sc.date, seed)?;
    let mut plans = Vec::new();
    for l in PLAN_LEVELS {
        let level = if l == 0.0 { sc.service_level } else { l };
        if level < sc.service_level {
            continue;
        }
        let s = plan(sc, &demand, level)?;
        let label = format!("plan (Erlang C at {:.0} %)", level * 100.0);
        let o = evaluate(sc, config, calendar, &people, &s, label)?;
        let done = o.meets;
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
        let o = evaluate(sc, config, calendar, &people, &s, label)?;
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
    for o in c.plans.iter().chain(&c.fixed) {
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

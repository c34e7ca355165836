//! Staffing recommendations per queue (GZ Art 6, 8).

use chrono::{DateTime, Duration, FixedOffset};

use super::{Recommendation, LOOKBACK_MINUTES};
use crate::config::WindowKind;
use crate::hall::Hall;
use crate::queue::{Completion, WindowState};
use crate::staffing;

/// Staffing advice per queue: the larger of Erlang C on the last 30 minutes' arrivals and
/// the windows needed to clear those already waiting within the target.
pub(super) fn recommend(
    hall: &Hall,
    now: DateTime<FixedOffset>,
    est_now: &super::Estimates,
) -> Vec<Recommendation> {
    let q = &hall.queue;
    let level = hall.config.rules.service_level;
    let mut out = Vec::new();
    for cfg in q.queues.values() {
        let code = &cfg.code;
        let arrivals: Vec<DateTime<FixedOffset>> = q
            .arrivals
            .get(code)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        let completions: Vec<staffing::Completion> = q
            .completions
            .get(code)
            .map(|v| {
                v.iter()
                    .map(|c: &Completion| staffing::Completion {
                        finished_at: c.at,
                        service_seconds: c.seconds,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let Ok(load) = staffing::estimate_load(
            now,
            Duration::minutes(LOOKBACK_MINUTES),
            &arrivals,
            &completions,
            cfg.service_minutes * 60.0,
        ) else {
            continue;
        };
        let target = f64::from(cfg.target_wait_minutes) * 60.0;
        let waiting = u32::try_from(q.waiting_count(code)).unwrap_or(u32::MAX);
        let open = q.open_windows_for(code);
        let erlang = staffing::windows_needed(
            load.arrivals_per_hour,
            load.mean_service_seconds,
            target,
            level,
        )
        .map(|p| p.windows)
        .unwrap_or(open);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let backlog = (f64::from(waiting) * load.mean_service_seconds / target).ceil() as u32;
        let recommended = erlang.max(backlog).max(u32::from(waiting > 0));
        let measure = |n: u32| {
            staffing::evaluate(n, load.arrivals_per_hour, load.mean_service_seconds, target).ok()
        };
        let wait_of = |n: u32| {
            if n == 0 {
                return None;
            }
            measure(n)
                .map(|p| p.mean_wait_seconds)
                .filter(|w| w.is_finite())
                .map(|w| w + f64::from(waiting) * load.mean_service_seconds / f64::from(n))
        };
        let switch_windows: Vec<u32> = q
            .windows
            .values()
            .filter(|w| {
                w.state == WindowState::Open
                    && !w.serves(code)
                    && matches!(
                        w.kind,
                        WindowKind::Comprehensive | WindowKind::Assisted | WindowKind::CrossRegion
                    )
                    && w.queues.iter().all(|other| {
                        let n = q.waiting_count(other);
                        let t = q.queues.get(other).map_or(0, |c| c.target_wait_minutes);
                        n == 0
                            || est_now
                                .get(other)
                                .copied()
                                .flatten()
                                .is_some_and(|r| r.high_minutes <= t / 2)
                    })
            })
            .map(|w| w.number)
            .collect();
        let closed_windows: Vec<u32> = q
            .windows
            .values()
            .filter(|w| {
                w.state == WindowState::Closed
                    && matches!(
                        w.kind,
                        WindowKind::Comprehensive | WindowKind::Assisted | WindowKind::CrossRegion
                    )
            })
            .map(|w| w.number)
            .collect();
        out.push(Recommendation {
            queue: code.clone(),
            open_windows: open,
            recommended_windows: recommended,
            arrivals_per_hour: (load.arrivals_per_hour * 10.0).round() / 10.0,
            mean_service_seconds: load.mean_service_seconds.round(),
            waiting,
            predicted_wait_seconds: wait_of(open).map(f64::round),
            predicted_wait_seconds_recommended: wait_of(recommended.max(1)).map(f64::round),
            service_level: measure(open).map_or(0.0, |p| p.service_level),
            service_level_recommended: measure(recommended.max(1)).map_or(0.0, |p| p.service_level),
            switch_windows,
            closed_windows,
            at: now,
        });
    }
    out
}

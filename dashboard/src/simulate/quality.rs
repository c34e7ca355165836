//! Estimate quality: each ticket's predicted wait at issue against the wait it had, for the
//! hall's estimator and the queue-length baseline. Shared by `simulate` and `backtest`, so a
//! log written by a simulation backtests to the same figures.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use queue_core::config::Rules;
use queue_core::estimate::{self, WaitEstimate};
use queue_core::queue::{QueueState, Ticket};
use queue_core::staffing::WaitRange;

/// One ticket: what was predicted when it was issued, and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub queue: String,
    pub issued_at: DateTime<FixedOffset>,
    pub estimate: Option<WaitEstimate>,
    /// The range shown (the estimator's p10–p90 in whole minutes).
    pub range: Option<WaitRange>,
    /// (n + 1) · measured mean / s, seconds.
    pub baseline: Option<f64>,
    /// The same with the true mean service time (simulations only).
    pub baseline_true: Option<f64>,
    pub wait_seconds: Option<f64>,
    pub target_seconds: f64,
}

impl Observation {
    /// Predictions for `t` from the state just before it was issued.
    #[must_use]
    pub fn at_issue(
        before: &QueueState,
        t: &Ticket,
        now: DateTime<FixedOffset>,
        rules: &Rules,
        true_mean: Option<f64>,
    ) -> Self {
        let est = estimate::for_ticket(before, t, now, rules);
        let open = before.open_windows_for(&t.queue);
        Self {
            queue: t.queue.clone(),
            issued_at: t.issued_at,
            estimate: est,
            range: est.map(|e| e.range()),
            baseline: estimate::queue_length_baseline(
                t.ahead,
                open,
                before.mean_service_seconds(&t.queue),
            ),
            baseline_true: true_mean
                .and_then(|m| estimate::queue_length_baseline(t.ahead, open, m)),
            wait_seconds: None,
            target_seconds: target_seconds(before, &t.queue),
        }
    }

    /// Only the wait, for staffing runs: no prediction is made.
    #[must_use]
    pub fn wait_only(state: &QueueState, t: &Ticket) -> Self {
        Self {
            queue: t.queue.clone(),
            issued_at: t.issued_at,
            estimate: None,
            range: None,
            baseline: None,
            baseline_true: None,
            wait_seconds: None,
            target_seconds: target_seconds(state, &t.queue),
        }
    }

    /// The first call ends the wait.
    pub fn called(&mut self, at: DateTime<FixedOffset>) {
        if self.wait_seconds.is_none() {
            #[allow(clippy::cast_precision_loss)]
            let s = (at - self.issued_at).num_milliseconds().max(0) as f64 / 1000.0;
            self.wait_seconds = Some(s);
        }
    }
}

fn target_seconds(state: &QueueState, queue: &str) -> f64 {
    state
        .queues
        .get(queue)
        .map_or(f64::INFINITY, |q| f64::from(q.target_wait_minutes) * 60.0)
}

/// Error sums of one predictor.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Errors {
    pub n: usize,
    pub sq: f64,
    pub abs: f64,
    /// Signed sum: predicted minus actual.
    pub sum: f64,
}

impl Errors {
    fn add(&mut self, predicted: f64, actual: f64) {
        let e = (predicted - actual) / 60.0;
        self.n += 1;
        self.sq += e * e;
        self.abs += e.abs();
        self.sum += e;
    }

    /// Mean signed error, minutes: above 0 the predictor promised longer waits than people
    /// had, below 0 shorter.
    #[must_use]
    pub fn bias(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.n.max(1) as f64;
        self.sum / n
    }

    #[must_use]
    pub fn rmse(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.n.max(1) as f64;
        (self.sq / n).sqrt()
    }

    #[must_use]
    pub fn mae(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.n.max(1) as f64;
        self.abs / n
    }
}

/// Figures of a set of observations (one queue, or all).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Tickets that were called (their wait is known).
    pub called: usize,
    pub mean_wait_minutes: f64,
    /// Share of waits within the queue's target.
    pub within_target: f64,
    pub hall: Errors,
    pub baseline: Errors,
    pub baseline_true: Errors,
    /// Share of waits inside the range shown.
    pub coverage: f64,
    /// The same among tickets that could not be called at once (a range above 0–0): a ticket
    /// issued at a free window is always "covered", which says nothing of the ranges.
    pub coverage_waiting: f64,
}

/// Summaries per queue and overall (key `*`).
#[must_use]
pub fn summarise(obs: &[Observation]) -> BTreeMap<String, Summary> {
    let mut groups: BTreeMap<String, Vec<&Observation>> = BTreeMap::new();
    for o in obs {
        groups.entry(o.queue.clone()).or_default().push(o);
        groups.entry("*".into()).or_default().push(o);
    }
    groups.into_iter().map(|(k, v)| (k, summary(&v))).collect()
}

fn summary(obs: &[&Observation]) -> Summary {
    let mut s = Summary::default();
    let mut waits = 0.0;
    let mut within = 0usize;
    let mut covered = 0usize;
    let mut ranged = 0usize;
    let mut covered_waiting = 0usize;
    let mut ranged_waiting = 0usize;
    for o in obs {
        let Some(w) = o.wait_seconds else { continue };
        s.called += 1;
        waits += w;
        if w <= o.target_seconds {
            within += 1;
        }
        if let Some(e) = o.estimate {
            s.hall.add(e.mean_seconds, w);
        }
        if let Some(b) = o.baseline {
            s.baseline.add(b, w);
        }
        if let Some(b) = o.baseline_true {
            s.baseline_true.add(b, w);
        }
        if let Some(r) = o.range {
            let m = w / 60.0;
            let inside =
                m >= f64::from(r.low_minutes) - 0.5 && m <= f64::from(r.high_minutes) + 0.5;
            ranged += 1;
            covered += usize::from(inside);
            if o.estimate.is_some_and(|e| e.p90_seconds > 0.0) {
                ranged_waiting += 1;
                covered_waiting += usize::from(inside);
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    {
        let n = s.called.max(1) as f64;
        s.mean_wait_minutes = waits / n / 60.0;
        s.within_target = within as f64 / n;
        s.coverage = covered as f64 / ranged.max(1) as f64;
        s.coverage_waiting = covered_waiting as f64 / ranged_waiting.max(1) as f64;
    }
    s
}

/// The table printed by `simulate` and `backtest`.
#[must_use]
pub fn table(summaries: &BTreeMap<String, Summary>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<6} {:>7} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "queue",
        "called",
        "mean_min",
        "in_tgt",
        "hall_rmse",
        "hall_mae",
        "hall_bias",
        "ql_rmse",
        "ql_mae",
        "ql_bias",
        "coverage",
        "cov_wait"
    );
    for (q, s) in summaries {
        let _ = writeln!(
            out,
            "{:<6} {:>7} {:>9.1} {:>7.0}% {:>9.2} {:>9.2} {:>+9.2} {:>9.2} {:>9.2} {:>+9.2} {:>8.0}% {:>8.0}%",
            if q == "*" { "all" } else { q.as_str() },
            s.called,
            s.mean_wait_minutes,
            s.within_target * 100.0,
            s.hall.rmse(),
            s.hall.mae(),
            s.hall.bias(),
            s.baseline.rmse(),
            s.baseline.mae(),
            s.baseline.bias(),
            s.coverage * 100.0,
            s.coverage_waiting * 100.0
        );
    }
    out
}

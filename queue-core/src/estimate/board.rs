//! The estimate board: the latest predicted waits of every queue, computed away from the
//! writer thread and read by everything that shows an estimate.
//!
//! The Monte-Carlo of a line costs milliseconds when the line is long; run on the writer for
//! every ticket issued, it was most of the hall's acknowledgement latency (docs/benchmarks.md,
//! issue 12). So the writer no longer estimates: the server refreshes this board from the
//! committed state at most every summary interval (the inputs are gathered under the state's
//! read lock, the simulation runs after it is released), snapshots and summaries read it, and a
//! ticket's printed figure is the board's figure for its place in the line, filled into the
//! reply ([`Board::fill_reply`]). A place past the line as computed is extrapolated by the
//! mean service time per window ([`QueueFigures::step_seconds`]).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::{line_model, predict, LineModel, WaitEstimate};
use crate::config::Rules;
use crate::queue::{QueueState, WindowState};
use crate::staffing::WaitRange;

/// The figures of one queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFigures {
    /// Predicted wait of each place in calling order (index = people ahead), with a walk-in
    /// joining at the end as the last place. Empty when no window serves the queue.
    pub by_place: Vec<WaitEstimate>,
    /// Seconds one more person ahead adds beyond the last place: the mean service time over
    /// the windows' summed shares of this queue.
    pub step_seconds: f64,
    /// Windows open for the queue when computed: a change makes the figures stale at once
    /// (the first window of the morning must not leave tickets without an estimate).
    pub open_windows: usize,
}

impl QueueFigures {
    /// The predicted wait with `ahead` people in front.
    #[must_use]
    pub fn at(&self, ahead: usize) -> Option<WaitEstimate> {
        let last = self.by_place.len().checked_sub(1)?;
        let e = self.by_place[ahead.min(last)];
        #[allow(clippy::cast_precision_loss)]
        let extra = ahead.saturating_sub(last) as f64 * self.step_seconds;
        Some(WaitEstimate {
            mean_seconds: e.mean_seconds + extra,
            p10_seconds: e.p10_seconds + extra,
            p90_seconds: e.p90_seconds + extra,
        })
    }

    /// What a walk-in joining now would be told: the place after the line.
    #[must_use]
    pub fn walk_in(&self) -> Option<WaitEstimate> {
        self.by_place.last().copied()
    }
}

/// Every queue's figures as of one committed position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    /// The event position the figures were computed at.
    pub seq: u64,
    pub at: Option<DateTime<FixedOffset>>,
    pub queues: BTreeMap<String, QueueFigures>,
}

/// The inputs of a board, gathered from the state (cheap; done under the read lock).
#[derive(Debug, Clone)]
pub struct Inputs {
    seq: u64,
    at: DateTime<FixedOffset>,
    lines: Vec<Line>,
}

#[derive(Debug, Clone)]
struct Line {
    queue: String,
    model: LineModel,
    open_windows: usize,
}

/// Gathers the inputs for `queues` (all queues when `None`).
#[must_use]
pub fn inputs(
    state: &QueueState,
    rules: &Rules,
    seq: u64,
    now: DateTime<FixedOffset>,
    queues: Option<&[String]>,
) -> Inputs {
    let lines = state
        .queues
        .keys()
        .filter(|q| queues.is_none_or(|only| only.contains(q)))
        .map(|q| {
            // The walk-in's key: joining now, no head start.
            let (model, _) = line_model(state, q, Some(0.0), now, rules);
            Line {
                queue: q.clone(),
                model,
                open_windows: open_windows(state, q),
            }
        })
        .collect();
    Inputs {
        seq,
        at: now,
        lines,
    }
}

fn open_windows(state: &QueueState, queue: &str) -> usize {
    state
        .windows
        .values()
        .filter(|w| w.state == WindowState::Open && w.serves(queue))
        .count()
}

impl Inputs {
    /// Runs the simulations (the expensive part; no lock needed).
    #[must_use]
    pub fn compute(self) -> Board {
        let queues = self
            .lines
            .into_iter()
            .map(|l| (l.queue.clone(), figures(&l)))
            .collect();
        Board {
            seq: self.seq,
            at: Some(self.at),
            queues,
        }
    }
}

fn figures(l: &Line) -> QueueFigures {
    let shares: f64 = l.model.servers.iter().map(|s| s.share).sum();
    let step_seconds = if shares > 0.0 {
        l.model.service.mean_seconds() / shares
    } else {
        0.0
    };
    let mut by_place = Vec::new();
    if let Some(est) = predict::predict(&l.model) {
        // The walk-in is the last key (see `inputs`): it joins behind everyone now waiting.
        // The others in calling order: by priority key, earlier first (as the simulation calls).
        let waiting = l.model.keys.len().saturating_sub(1);
        let mut order: Vec<usize> = (0..waiting).collect();
        order.sort_by(|a, b| l.model.keys[*a].total_cmp(&l.model.keys[*b]).then(a.cmp(b)));
        order.push(waiting);
        by_place = order
            .into_iter()
            .filter_map(|i| est.get(i).copied())
            .collect();
        // Figures never fall with the place (the Monte-Carlo's noise could say so).
        for i in 1..by_place.len() {
            let prev = by_place[i - 1];
            let e = &mut by_place[i];
            e.mean_seconds = e.mean_seconds.max(prev.mean_seconds);
            e.p10_seconds = e.p10_seconds.max(prev.p10_seconds);
            e.p90_seconds = e.p90_seconds.max(prev.p90_seconds);
        }
    }
    QueueFigures {
        by_place,
        step_seconds,
        open_windows: l.open_windows,
    }
}

impl Board {
    /// A board computed on the spot (tests, tools, and the first snapshot of a server).
    #[must_use]
    pub fn compute_now(
        state: &QueueState,
        rules: &Rules,
        seq: u64,
        now: DateTime<FixedOffset>,
    ) -> Self {
        inputs(state, rules, seq, now, None).compute()
    }

    /// The figures of `queue`, if it has any.
    #[must_use]
    pub fn queue(&self, queue: &str) -> Option<&QueueFigures> {
        self.queues.get(queue)
    }

    /// The range for a walk-in joining `queue` now.
    #[must_use]
    pub fn walk_in_range(&self, queue: &str) -> Option<WaitRange> {
        self.queue(queue)?.walk_in().map(|e| e.range())
    }

    /// The range for the place with `ahead` people in front.
    #[must_use]
    pub fn range_at(&self, queue: &str, ahead: usize) -> Option<WaitRange> {
        self.queue(queue)?.at(ahead).map(|e| e.range())
    }

    /// Queues whose figures no longer fit the state: the windows open for them changed, or
    /// they are missing.
    #[must_use]
    pub fn stale_queues(&self, state: &QueueState) -> Vec<String> {
        state
            .queues
            .keys()
            .filter(|q| {
                self.queue(q)
                    .is_none_or(|f| f.open_windows != open_windows(state, q))
            })
            .cloned()
            .collect()
    }

    /// Replaces the figures of the queues in `fresh`, keeping the others.
    pub fn merge(&mut self, fresh: Board) {
        self.seq = self.seq.max(fresh.seq);
        self.at = self.at.max(fresh.at);
        self.queues.extend(fresh.queues);
    }

    /// Whether a command's result holds a waiting ticket without its range (cheap: the
    /// server asks this before it brings the board up to date).
    #[must_use]
    pub fn wants_fill(result: &Value) -> bool {
        result.get("ticket").is_some_and(|t| {
            t.get("state").and_then(Value::as_str) == Some("waiting")
                && t.get("estimated_wait").is_none_or(Value::is_null)
        })
    }

    /// Fills the estimate of each waiting ticket in a command's result (`ticket`, as issue,
    /// check-in and transfer return it) that has none, from its queue and place.
    pub fn fill_reply(&self, result: &mut Value) {
        if !Self::wants_fill(result) {
            return;
        }
        let Some(t) = result.get_mut("ticket") else {
            return;
        };
        let (Some(queue), Some(ahead)) = (
            t.get("queue").and_then(Value::as_str),
            t.get("ahead").and_then(Value::as_u64),
        ) else {
            return;
        };
        let ahead = usize::try_from(ahead).unwrap_or(usize::MAX);
        if let Some(r) = self.range_at(queue, ahead) {
            t["estimated_wait"] = serde_json::json!(r);
        }
    }
}

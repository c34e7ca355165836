//! How much of a shared window each of its queues will get while a ticket waits.
//!
//! The calling order serves, at a shared window, the ticket with the highest weighted waiting
//! credit (`queue::calling`): a queue that is backed up takes the window until its head has
//! waited no longer than the others'. So the share a queue will get follows the backlogs now,
//! not the calls of the last hours (which lag by as many services as they count: on a
//! simulated morning the call history gave a backed-up queue half a window it in fact had whole,
//! docs/estimates.md). The shares are the fixed point of a fluid model: each queue's drain time
//! is its backlog over the windows it gets, and a shared window leans, steeply, towards the
//! queue that would drain last (weighted as the calling order weighs it).

use std::collections::{BTreeMap, HashMap};

use crate::queue::{QueueState, WindowState};

/// Rounds of the fixed-point iteration; the shares settle in a handful on real halls.
const ROUNDS: usize = 12;
/// How steeply a window leans towards the longer drain: high enough that a queue with twice
/// the drain time gets nearly the whole window, as the calling order gives it.
const LEAN: i32 = 4;
/// No share below this: a window still calls from a queue now and then (and the
/// Monte-Carlo divides by the share).
pub const MIN_SHARE: f64 = 0.05;

/// Shares of every open window that serves more than one queue with people waiting:
/// `(window, queue) → share`. A window absent here gives its whole time to any of its queues
/// that has people waiting (the others are empty). `mean_seconds` gives each queue's mean
/// service time; `joining` is a queue someone is about to join (counted one more).
#[must_use]
pub fn shares(
    state: &QueueState,
    mean_seconds: &dyn Fn(&str) -> f64,
    joining: Option<&str>,
) -> HashMap<(u32, String), f64> {
    let waiting = |q: &str| state.waiting_count(q) + usize::from(joining == Some(q));
    // Windows that must be split: open, and two or more of their queues have people waiting.
    let mut split: BTreeMap<u32, Vec<(String, f64)>> = BTreeMap::new();
    // Windows whose whole time goes to one queue: dedicated ones, and shared ones with only
    // one queue waiting.
    let mut whole: HashMap<String, f64> = HashMap::new();
    for w in state.windows.values() {
        if w.state != WindowState::Open {
            continue;
        }
        let busy: Vec<&String> = w.queues.iter().filter(|q| waiting(q) > 0).collect();
        match busy.as_slice() {
            [] => {}
            [q] => *whole.entry((*q).clone()).or_default() += 1.0,
            many => {
                let total: f64 = many.iter().map(|q| w.weight(q)).sum();
                #[allow(clippy::cast_precision_loss)]
                let even = 1.0 / many.len() as f64;
                let row = many
                    .iter()
                    .map(|q| {
                        let prior = if total > 0.0 {
                            w.weight(q) / total
                        } else {
                            even
                        };
                        ((*q).clone(), prior)
                    })
                    .collect();
                split.insert(w.number, row);
            }
        }
    }
    if split.is_empty() {
        return HashMap::new();
    }
    let mut backlog: HashMap<String, f64> = HashMap::new();
    for row in split.values() {
        for (q, _) in row {
            backlog.entry(q.clone()).or_insert_with(|| {
                #[allow(clippy::cast_precision_loss)]
                let n = waiting(q) as f64;
                n * mean_seconds(q)
            });
        }
    }
    for _ in 0..ROUNDS {
        let mut capacity = whole.clone();
        for row in split.values() {
            for (q, s) in row {
                *capacity.entry(q.clone()).or_default() += s;
            }
        }
        let drain = |q: &str| {
            backlog.get(q).copied().unwrap_or(0.0)
                / capacity.get(q).copied().unwrap_or(0.0).max(MIN_SHARE)
        };
        for (number, row) in &mut split {
            let Some(w) = state.windows.get(number) else {
                continue;
            };
            let pull: Vec<f64> = row
                .iter()
                .map(|(q, _)| (w.weight(q) * drain(q)).max(1e-9).powi(LEAN))
                .collect();
            let total: f64 = pull.iter().sum();
            for ((_, s), p) in row.iter_mut().zip(pull) {
                // Damped, so two windows of the same pair do not swing together.
                *s = 0.5 * *s + 0.5 * (p / total);
            }
        }
    }
    split
        .into_iter()
        .flat_map(|(number, row)| {
            row.into_iter()
                .map(move |(q, s)| ((number, q), s.clamp(MIN_SHARE, 1.0)))
        })
        .collect()
}

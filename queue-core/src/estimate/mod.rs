//! Wait estimates from what the hall knows: the calling order (priority channels and head
//! starts, and the priority arrivals still to come that will overtake), the windows serving
//! the queue now (a shared window counts by the share it has been giving the queue), the time
//! services in progress have run, and service-time distributions learned from the log.
//!
//! Everything here is a pure function of the queue state and `now`. The writer does not run it
//! for each command (it costs milliseconds on a long line): the server keeps the latest
//! figures on a [`board::Board`], and a new ticket's printed range is read from it.

pub mod board;
pub mod predict;
pub mod service_times;
pub mod shares;

use chrono::{DateTime, Duration, FixedOffset};

use crate::config::Rules;
use crate::queue::{Channel, QueueState, Ticket, TicketState, WindowState};
use crate::staffing::WaitRange;
pub use predict::{LineModel, NoShows, Overtakers, Server, WaitEstimate};
pub use service_times::ServiceModel;

/// Arrivals of the last this many minutes give the queue's arrival rate (for the overtaking
/// channels' rates).
pub const RATE_WINDOW_MINUTES: i64 = 60;
/// No-shows are counted among as many recent calls as this many completions reach back.
pub const NO_SHOW_CALLS: usize = 100;
/// The no-show share counts this many calls more in its denominator.
const NO_SHOW_PRIOR_CALLS: f64 = 5.0;
/// A channel's share of the day's tickets counts this many tickets more in its denominator.
const SHARE_PRIOR_TICKETS: f64 = 10.0;

impl WaitEstimate {
    /// The range shown to applicants: 10th to 90th percentile, in whole minutes (rounded, so
    /// the displayed range still covers about 80 %).
    #[must_use]
    pub fn range(&self) -> WaitRange {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let m = |s: f64| (s / 60.0).round().clamp(0.0, f64::from(u32::MAX)) as u32;
        let low = m(self.p10_seconds);
        WaitRange {
            low_minutes: low,
            high_minutes: m(self.p90_seconds).max(low).max(1),
        }
    }
}

/// The service-time model of a queue, from its recent completions and configured time.
#[must_use]
pub fn service_model(state: &QueueState, queue: &str) -> ServiceModel {
    let configured = state
        .queues
        .get(queue)
        .map_or(600.0, |q| q.service_minutes * 60.0);
    match state.completions.get(queue) {
        Some(c) => ServiceModel::fit(configured, c),
        None => ServiceModel::prior(configured),
    }
}

/// Head start of a channel (and of returning with corrections), as the calling order uses.
fn head_start(channel: Channel, returning: bool, rules: &Rules) -> Duration {
    let h = &rules.head_start_minutes;
    let c = match channel {
        Channel::WalkIn => 0,
        Channel::Green => h.green,
        Channel::Urgent => h.urgent,
        Channel::Appointment => h.appointment,
    };
    let back = if returning { h.returning } else { 0 };
    Duration::minutes(i64::from(c.max(back)))
}

fn key_seconds(t: &Ticket, now: DateTime<FixedOffset>, rules: &Rules) -> f64 {
    let key = t.credit_since - head_start(t.channel, t.returning, rules);
    #[allow(clippy::cast_precision_loss)]
    let ms = (key - now).num_milliseconds() as f64;
    ms / 1000.0
}

/// The windows open for `queue`, with the share of it they will give (`shares`) and the
/// service they hold. `joining` counts one more person in `queue` (the ticket being estimated).
fn servers(
    state: &QueueState,
    queue: &str,
    now: DateTime<FixedOffset>,
    joining: bool,
) -> Vec<Server> {
    let mean = |q: &str| service_model(state, q).mean_seconds();
    let split = shares::shares(state, &mean, joining.then_some(queue));
    state
        .windows
        .values()
        .filter(|w| w.state == WindowState::Open && w.serves(queue))
        .map(|w| {
            let busy = w
                .ticket
                .as_ref()
                .and_then(|id| state.tickets.get(id))
                .and_then(|t| {
                    let start = t.served_at.or(t.called_at)?;
                    #[allow(clippy::cast_precision_loss)]
                    let elapsed = (now - start).num_milliseconds().max(0) as f64 / 1000.0;
                    Some((elapsed, service_model(state, &t.queue)))
                });
            Server {
                share: split
                    .get(&(w.number, queue.to_string()))
                    .copied()
                    .unwrap_or(1.0),
                busy,
            }
        })
        .collect()
}

/// Arrival rates of the channels that overtake walk-ins: each channel's share of the day's
/// tickets in the queue times the queue's arrival rate over the last hour. A priority channel
/// brings a handful of people an hour, so its own count of the last hour is mostly noise (0 one
/// hour, 4 the next); its share of the day is steady, and the hour's total follows the peak.
fn overtakers(
    state: &QueueState,
    queue: &str,
    now: DateTime<FixedOffset>,
    rules: &Rules,
) -> Vec<Overtakers> {
    let since = now - Duration::minutes(RATE_WINDOW_MINUTES);
    let today = now.date_naive();
    let channels = [Channel::Green, Channel::Urgent, Channel::Appointment];
    // One pass over the tickets: the day's count per channel, the day's and the hour's total.
    let mut counts = [0usize; 3];
    let (mut day, mut hour) = (0usize, 0usize);
    for t in state.tickets.values() {
        if t.queue != queue || t.transferred_from.is_some() || t.issued_at > now {
            continue;
        }
        if t.issued_at.date_naive() == today {
            day += 1;
            if let Some(i) = channels.iter().position(|c| *c == t.channel) {
                counts[i] += 1;
            }
        }
        if t.issued_at > since {
            hour += 1;
        }
    }
    let mut out = Vec::new();
    for (ch, n) in channels.into_iter().zip(counts) {
        #[allow(clippy::cast_precision_loss)]
        let head = head_start(ch, false, rules).num_seconds() as f64;
        if head <= 0.0 || n == 0 {
            continue;
        }
        // Shrunk towards none while the day is young (a share of 1 of 3 is not a third).
        #[allow(clippy::cast_precision_loss)]
        let share = n as f64 / (day.max(1) as f64 + SHARE_PRIOR_TICKETS);
        #[allow(clippy::cast_precision_loss)]
        let rate = share * hour as f64 / (RATE_WINDOW_MINUTES as f64 * 60.0);
        if rate > 0.0 {
            out.push(Overtakers {
                rate,
                head_start: head,
            });
        }
    }
    out
}

/// The queue's no-shows among its recent calls (as many as [`NO_SHOW_CALLS`] completions
/// reach back), shrunk towards none while there are few calls.
fn no_shows(state: &QueueState, queue: &str) -> NoShows {
    let Some(gone) = state.no_shows.get(queue).filter(|g| !g.is_empty()) else {
        return NoShows::default();
    };
    let done = state.completions.get(queue);
    let served = done.map_or(0, |c| c.len().min(NO_SHOW_CALLS));
    // Since the oldest completion counted (every no-show kept, if none).
    let since = done
        .and_then(|c| c.len().checked_sub(served).and_then(|i| c.get(i)))
        .map(|c| c.at);
    let recent: Vec<f64> = gone
        .iter()
        .filter(|g| since.is_none_or(|s| g.at >= s))
        .map(|g| g.seconds)
        .collect();
    if recent.is_empty() {
        return NoShows::default();
    }
    #[allow(clippy::cast_precision_loss)]
    let share = recent.len() as f64 / ((recent.len() + served) as f64 + NO_SHOW_PRIOR_CALLS);
    #[allow(clippy::cast_precision_loss)]
    let seconds = recent.iter().sum::<f64>() / recent.len() as f64;
    NoShows {
        share: share.min(0.9),
        seconds,
    }
}

/// A seed from the inputs: the same state and instant give the same figures.
fn seed(queue: &str, now: DateTime<FixedOffset>, keys: &[f64]) -> u64 {
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(queue.as_bytes());
    eat(&now.timestamp_millis().to_le_bytes());
    eat(&keys.len().to_le_bytes());
    h
}

fn line_model(
    state: &QueueState,
    queue: &str,
    extra: Option<f64>,
    now: DateTime<FixedOffset>,
    rules: &Rules,
) -> (LineModel, Vec<String>) {
    let waiting: Vec<&Ticket> = state
        .tickets
        .values()
        .filter(|t| t.queue == queue && t.state == TicketState::Waiting)
        .collect();
    let mut keys: Vec<f64> = waiting.iter().map(|t| key_seconds(t, now, rules)).collect();
    let ids = waiting.iter().map(|t| t.id.clone()).collect();
    if let Some(k) = extra {
        keys.push(k);
    }
    let model = LineModel {
        service: service_model(state, queue),
        servers: servers(state, queue, now, extra.is_some()),
        overtakers: overtakers(state, queue, now, rules),
        no_shows: no_shows(state, queue),
        seed: seed(queue, now, &keys),
        keys,
    };
    (model, ids)
}

/// The predicted wait of a ticket about to join the line (issued or transferred), `None` when
/// no window serves its queue.
#[must_use]
pub fn for_ticket(
    state: &QueueState,
    t: &Ticket,
    now: DateTime<FixedOffset>,
    rules: &Rules,
) -> Option<WaitEstimate> {
    let key = key_seconds(t, now, rules);
    let (model, _) = line_model(state, &t.queue, Some(key), now, rules);
    predict::predict_one(&model, model.keys.len().saturating_sub(1))
}

/// What a walk-in joining `queue` now would be told.
#[must_use]
pub fn for_walk_in(
    state: &QueueState,
    queue: &str,
    now: DateTime<FixedOffset>,
    rules: &Rules,
) -> Option<WaitEstimate> {
    let (model, _) = line_model(state, queue, Some(0.0), now, rules);
    predict::predict_one(&model, model.keys.len().saturating_sub(1))
}

/// [`for_walk_in`] as a range.
#[must_use]
pub fn walk_in_range(
    state: &QueueState,
    queue: &str,
    now: DateTime<FixedOffset>,
    rules: &Rules,
) -> Option<WaitRange> {
    for_walk_in(state, queue, now, rules).map(|e| e.range())
}

/// The textbook queue-length predictor, (n + 1) · mean / s, seconds; the baseline the
/// estimator is measured against. `None` with no window open.
#[must_use]
pub fn queue_length_baseline(ahead: u32, servers: u32, mean_service_seconds: f64) -> Option<f64> {
    (servers > 0).then(|| (f64::from(ahead) + 1.0) * mean_service_seconds / f64::from(servers))
}

//! The predicted wait of every place in a line, by a small Monte-Carlo of the windows.
//!
//! Each run draws the remaining time of the services in progress (given how long they have
//! run), the service times of the people ahead, the uncertainty of the mean service time,
//! and the priority arrivals (green, urgent, appointment) that will overtake; the windows
//! then call in priority-key order. The 10th and 90th percentiles over the runs are the range.
//! The seed comes from the inputs, so the same state always gives the same figures (decide
//! stays pure and replay rebuilds the same state).

use super::service_times::ServiceModel;
use super::shares::MIN_SHARE;

/// Runs per estimate: enough for stable 10th/90th percentiles, cheap enough to run on every
/// ticket issued (a few hundred microseconds for a line of a hundred).
pub const RUNS: usize = 256;
/// Work budget per prediction (runs × (places + windows)): a long line or a queue served by
/// hundreds of windows gets fewer runs (never below [`MIN_RUNS`]), so an estimate stays cheap
/// on the writer thread.
pub const BUDGET: usize = 16_384;
pub const MIN_RUNS: usize = 64;

/// A window that serves the queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Server {
    /// Share of its time it gives this queue, (0, 1]: a window serving two queues evenly
    /// calls from this one about every other time.
    pub share: f64,
    /// The service in progress, if any: how long it has run and its queue's model.
    pub busy: Option<(f64, ServiceModel)>,
}

/// Arrivals of a priority channel that will be called ahead of people already waiting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overtakers {
    /// Observed arrivals per second of this channel in the queue.
    pub rate: f64,
    /// Its head start, seconds: an arrival at `a` competes as if it came at `a − head_start`.
    pub head_start: f64,
}

/// What is predicted for one place in the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitEstimate {
    pub mean_seconds: f64,
    pub p10_seconds: f64,
    pub p90_seconds: f64,
}

/// The inputs of a prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct LineModel {
    pub service: ServiceModel,
    pub servers: Vec<Server>,
    /// Priority keys of the places in the line, seconds relative to now (earlier is called
    /// first); need not be sorted.
    pub keys: Vec<f64>,
    pub overtakers: Vec<Overtakers>,
    /// Called tickets whose holders have gone.
    pub no_shows: NoShows,
    pub seed: u64,
}

/// How often a call finds nobody, and how long the window then waits before moving on.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NoShows {
    /// Share of calls, [0, 1).
    pub share: f64,
    /// Window time per no-show, seconds.
    pub seconds: f64,
}

/// SplitMix64: tiny, fast, and the same on every platform and version (a library RNG's
/// stream may change between releases, which would change replayed decisions).
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let x = (self.next_u64() >> 11) as f64;
        (x + 0.5) / (1u64 << 53) as f64
    }

    pub fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
}

/// Predicted waits for every place, in the order of `model.keys`. `None` when no window serves
/// the queue (no estimate is honest then).
#[must_use]
pub fn predict(model: &LineModel) -> Option<Vec<WaitEstimate>> {
    let samples = simulate(model, None)?;
    Some(samples.into_iter().map(summarise).collect())
}

/// The predicted wait of the place `model.keys[at]` alone: the same runs and figures as
/// `predict(model)[at]`, without keeping and sorting every other place's samples (the writer
/// asks this for each ticket it issues).
#[must_use]
pub fn predict_one(model: &LineModel, at: usize) -> Option<WaitEstimate> {
    if at >= model.keys.len() {
        return None;
    }
    let mut samples = simulate(model, Some(at))?;
    Some(summarise(std::mem::take(&mut samples[at])))
}

/// A window's next free time in the simulation; the heap's top is the earliest, the lowest
/// window number on ties (as a scan for the first minimum would pick).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Free(f64, usize);

impl Eq for Free {}

impl PartialOrd for Free {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Free {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

/// The runs: the samples of every place (or only of `keep`), in the order of `model.keys`.
fn simulate(model: &LineModel, keep: Option<usize>) -> Option<Vec<Vec<f64>>> {
    if model.servers.is_empty() {
        return None;
    }
    let n = model.keys.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| model.keys[*a].total_cmp(&model.keys[*b]).then(a.cmp(b)));
    let last_key = order.last().map_or(0.0, |i| model.keys[*i]);
    let mut rng = SplitMix::new(model.seed);
    // Each run draws every window's residual service and every place's service.
    let runs = (BUDGET / (n + model.servers.len()).max(1)).clamp(MIN_RUNS, RUNS);
    let mut samples = vec![Vec::new(); n];
    for (i, v) in samples.iter_mut().enumerate() {
        if keep.is_none_or(|k| k == i) {
            v.reserve_exact(runs);
        }
    }
    // A heap of free times: a busy hall's queue has dozens of windows, and a scan for the
    // earliest one per place was most of the estimator's time (docs/benchmarks.md).
    let mut free = std::collections::BinaryHeap::with_capacity(model.servers.len());
    let mut arrivals: Vec<(f64, f64)> = Vec::new();
    let mut present: Vec<f64> = Vec::new();
    for _ in 0..runs {
        let shift = model.service.mu_se * super::service_times::normal_inv(rng.uniform());
        free.clear();
        for (j, s) in model.servers.iter().enumerate() {
            let t = match s.busy {
                Some((elapsed, m)) => m.residual_quantile(elapsed, rng.uniform(), 0.0),
                None => 0.0,
            };
            free.push(Free(t, j));
        }
        // Overtakers that can matter: key (a − head start) before the last place's key.
        arrivals.clear();
        for o in &model.overtakers {
            if o.rate <= 0.0 {
                continue;
            }
            let horizon = o.head_start + last_key;
            let mut a = rng.exponential(o.rate);
            while a < horizon {
                arrivals.push((a, a - o.head_start));
                a += rng.exponential(o.rate);
            }
        }
        arrivals.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut next_arrival = 0;
        present.clear();
        let mut idx = 0;
        while idx < n {
            let Some(Free(t, j)) = free.pop() else {
                break;
            };
            while next_arrival < arrivals.len() && arrivals[next_arrival].0 <= t {
                present.push(arrivals[next_arrival].1);
                next_arrival += 1;
            }
            let place = order[idx];
            let best = present
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, k)| (i, *k));
            match best {
                Some((i, k)) if k < model.keys[place] => {
                    present.swap_remove(i);
                }
                _ => {
                    if keep.is_none_or(|k| k == place) {
                        samples[place].push(t);
                    }
                    idx += 1;
                }
            }
            let u = rng.uniform();
            let s = if rng.uniform() < model.no_shows.share {
                model.no_shows.seconds
            } else {
                model.service.quantile(u, shift)
            };
            free.push(Free(
                t + s / model.servers[j].share.clamp(MIN_SHARE, 1.0),
                j,
            ));
        }
    }
    Some(samples)
}

fn summarise(mut v: Vec<f64>) -> WaitEstimate {
    v.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    let at = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len().saturating_sub(1)) as f64 * p).round() as usize;
        v.get(i).copied().unwrap_or(0.0)
    };
    WaitEstimate {
        mean_seconds: mean.max(0.0),
        p10_seconds: at(0.1).max(0.0),
        p90_seconds: at(0.9).max(0.0),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model(n: usize, servers: usize, mean: f64) -> LineModel {
        #[allow(clippy::cast_precision_loss)]
        LineModel {
            service: ServiceModel::prior(mean),
            servers: vec![
                Server {
                    share: 1.0,
                    busy: None
                };
                servers
            ],
            keys: (0..n).map(|i| -1000.0 + i as f64).collect(),
            overtakers: vec![],
            no_shows: NoShows::default(),
            seed: 7,
        }
    }

    #[test]
    fn no_window_no_estimate() {
        assert!(predict(&model(3, 0, 600.0)).is_none());
    }

    #[test]
    fn mean_is_near_the_queue_length_figure_for_a_long_line() {
        // 40 ahead, 4 idle windows, 6-minute mean: the 41st starts after ~ (40/4)·6 = 60 min.
        let e = predict(&model(41, 4, 360.0)).unwrap();
        let last = e[40];
        assert!((last.mean_seconds / 60.0 - 60.0).abs() < 6.0, "{last:?}");
        assert!(last.p10_seconds < last.mean_seconds && last.mean_seconds < last.p90_seconds);
    }

    #[test]
    fn first_in_line_at_an_idle_window_waits_nothing() {
        let e = predict(&model(1, 2, 600.0)).unwrap();
        assert_eq!(e[0].p90_seconds, 0.0);
    }

    #[test]
    fn a_service_running_long_shortens_nothing_but_is_accounted() {
        let mut m = model(1, 1, 600.0);
        m.servers[0].busy = Some((60.0, m.service));
        let fresh = predict(&m).unwrap()[0];
        m.servers[0].busy = Some((1.0, m.service));
        let just = predict(&m).unwrap()[0];
        assert!(fresh.mean_seconds > 0.0 && just.mean_seconds > 0.0);
    }

    #[test]
    fn overtakers_lengthen_the_wait() {
        let base = predict(&model(10, 2, 600.0)).unwrap()[9];
        let mut m = model(10, 2, 600.0);
        m.overtakers.push(Overtakers {
            rate: 20.0 / 3600.0,
            head_start: 1800.0,
        });
        let more = predict(&m).unwrap()[9];
        assert!(
            more.mean_seconds > base.mean_seconds * 1.1,
            "{base:?} {more:?}"
        );
    }

    #[test]
    fn calls_that_find_nobody_shorten_the_wait() {
        let base = predict(&model(20, 2, 600.0)).unwrap()[19];
        let mut m = model(20, 2, 600.0);
        m.no_shows = NoShows {
            share: 0.2,
            seconds: 60.0,
        };
        let fewer = predict(&m).unwrap()[19];
        // A fifth of the 19 ahead take a minute instead of ten: about 17 % less.
        let ratio = fewer.mean_seconds / base.mean_seconds;
        assert!((0.75..0.9).contains(&ratio), "{base:?} {fewer:?}");
    }

    #[test]
    fn same_inputs_same_figures() {
        let m = model(20, 3, 500.0);
        assert_eq!(predict(&m), predict(&m));
    }

    #[test]
    fn a_shared_window_counts_fractionally() {
        let full = predict(&model(10, 2, 600.0)).unwrap()[9];
        let mut m = model(10, 2, 600.0);
        m.servers[1].share = 0.5;
        let half = predict(&m).unwrap()[9];
        assert!(
            half.mean_seconds > full.mean_seconds * 1.15,
            "{full:?} {half:?}"
        );
    }

    proptest! {
        #[test]
        fn monotone_in_position_and_never_negative(n in 1usize..60, s in 1usize..8, mean in 30.0f64..3600.0, seed in any::<u64>()) {
            let mut m = model(n, s, mean);
            m.seed = seed;
            let e = predict(&m).unwrap();
            for w in e.windows(2) {
                prop_assert!(w[1].mean_seconds >= w[0].mean_seconds);
                prop_assert!(w[1].p10_seconds >= w[0].p10_seconds);
                prop_assert!(w[1].p90_seconds >= w[0].p90_seconds);
            }
            for x in e {
                prop_assert!(x.p10_seconds >= 0.0 && x.p10_seconds <= x.p90_seconds);
                prop_assert!(x.mean_seconds.is_finite() && x.mean_seconds >= 0.0);
            }
        }

        #[test]
        fn wider_with_more_uncertainty(n in 5usize..40, s in 1usize..5, mean in 60.0f64..1800.0, seed in any::<u64>()) {
            let mut sure = model(n, s, mean);
            sure.seed = seed;
            sure.service.mu_se = 0.0;
            let mut unsure = sure.clone();
            unsure.service.mu_se = 0.5;
            let a = predict(&sure).unwrap()[n - 1];
            let b = predict(&unsure).unwrap()[n - 1];
            // Same random numbers: a wider spread of the mean only stretches the range.
            prop_assert!(b.p90_seconds - b.p10_seconds >= a.p90_seconds - a.p10_seconds);
        }

        #[test]
        fn one_place_is_the_same_figure_as_the_whole_line(n in 1usize..50, s in 1usize..40, busy in 0usize..40, shared in 0usize..40, seed in any::<u64>()) {
            let mut m = model(n, s, 420.0);
            m.seed = seed;
            // Busy and part-time windows, ties at 0 among the idle ones, and overtakers.
            for (j, w) in m.servers.iter_mut().enumerate() {
                if j < busy {
                    w.busy = Some((60.0 * j as f64, ServiceModel::prior(300.0)));
                }
                if j < shared {
                    w.share = 0.5;
                }
            }
            m.overtakers = vec![Overtakers { rate: 0.01, head_start: 600.0 }];
            let all = predict(&m).unwrap();
            for (i, e) in all.iter().enumerate() {
                prop_assert_eq!(predict_one(&m, i).unwrap(), *e);
            }
            prop_assert!(predict_one(&m, n).is_none());
        }
    }
}

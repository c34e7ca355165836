//! Service-time distributions learned online from the log: a log-normal per queue, fitted to
//! the recent completions (winsorised, weights decaying with age), shrunk towards the
//! configured time while there are few of them.
//!
//! Age is counted in completions, not hours: a night or a weekend must not erase yesterday's
//! evidence, which is what seeds the first estimates of a morning (replay rebuilds it).

use std::collections::VecDeque;

use crate::queue::Completion;

/// Completions whose weight has halved: about an hour of a busy queue.
pub const HALF_LIFE_COMPLETIONS: f64 = 40.0;
/// The configured time counts as this many completions (so the first few do not swing it).
pub const PRIOR_WEIGHT: f64 = 3.0;
/// Spread of log service time assumed before anything is observed (cv ≈ 0.6).
pub const PRIOR_SIGMA: f64 = 0.55;
/// Services shorter than this are taken as this long (a zero-second "service" is a click).
pub const MIN_SECONDS: f64 = 10.0;

/// A log-normal service-time model: ln S ~ N(mu, sigma²), with mu known to ± `mu_se`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceModel {
    pub mu: f64,
    pub sigma: f64,
    /// Standard error of `mu`: the less evidence, the wider the predicted waits.
    pub mu_se: f64,
    /// Effective number of completions behind the fit (the prior included).
    pub n_eff: f64,
}

impl ServiceModel {
    /// The model before anything is observed: mean = the configured time.
    #[must_use]
    pub fn prior(configured_seconds: f64) -> Self {
        let mean = configured_seconds.max(MIN_SECONDS);
        let sigma = PRIOR_SIGMA;
        Self {
            mu: mean.ln() - sigma * sigma / 2.0,
            sigma,
            mu_se: sigma / PRIOR_WEIGHT.sqrt(),
            n_eff: PRIOR_WEIGHT,
        }
    }

    /// Fits the recent completions (oldest first, as the queue state keeps them).
    #[must_use]
    pub fn fit(configured_seconds: f64, completions: &VecDeque<Completion>) -> Self {
        let prior = Self::prior(configured_seconds);
        let logs: Vec<f64> = completions
            .iter()
            .rev()
            .filter(|c| c.seconds.is_finite())
            .map(|c| c.seconds.max(MIN_SECONDS).ln())
            .collect();
        if logs.is_empty() {
            return prior;
        }
        let (lo, hi) = winsor_bounds(&logs);
        let mut sw = PRIOR_WEIGHT;
        let mut sw2 = PRIOR_WEIGHT * PRIOR_WEIGHT;
        let mut sx = PRIOR_WEIGHT * prior.mu;
        let mut items = Vec::with_capacity(logs.len());
        for (rank, x) in logs.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let w = 0.5f64.powf(rank as f64 / HALF_LIFE_COMPLETIONS);
            let x = x.clamp(lo, hi);
            sw += w;
            sw2 += w * w;
            sx += w * x;
            items.push((w, x));
        }
        let mu = sx / sw;
        let mut ss = PRIOR_WEIGHT * (prior.sigma * prior.sigma + (prior.mu - mu).powi(2));
        for (w, x) in items {
            ss += w * (x - mu).powi(2);
        }
        let sigma = (ss / sw).sqrt().clamp(0.05, 2.5);
        let n_eff = sw * sw / sw2;
        Self {
            mu,
            sigma,
            mu_se: sigma / n_eff.sqrt(),
            n_eff,
        }
    }

    /// Mean service time, seconds.
    #[must_use]
    pub fn mean_seconds(&self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    /// A service time from the quantile `u` in (0, 1), with the log-mean shifted by `shift`.
    #[must_use]
    pub fn quantile(&self, u: f64, shift: f64) -> f64 {
        (self.mu + shift + self.sigma * normal_inv(u)).exp()
    }

    /// Quantile `u` of the remaining time of a service already running for `elapsed` seconds.
    #[must_use]
    pub fn residual_quantile(&self, elapsed: f64, u: f64, shift: f64) -> f64 {
        if elapsed <= 0.0 {
            return self.quantile(u, shift);
        }
        let z = (elapsed.ln() - self.mu - shift) / self.sigma;
        let f = normal_cdf(z);
        // Far in the tail the service is "about to end any moment"; keep a short floor.
        let q = (f + u * (1.0 - f)).min(1.0 - 1e-12);
        let total = (self.mu + shift + self.sigma * normal_inv(q)).exp();
        (total - elapsed).max(MIN_SECONDS.min(self.mean_seconds() * 0.05))
    }
}

/// Winsorising bounds: the 2nd and 98th percentile of the sample (all of it when small).
fn winsor_bounds(xs: &[f64]) -> (f64, f64) {
    if xs.len() < 10 {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() - 1) as f64 * p).round() as usize;
        v[i.min(v.len() - 1)]
    };
    (at(0.02), at(0.98))
}

/// Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7).
#[must_use]
pub fn normal_cdf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    let erf = if x >= 0.0 { y } else { -y };
    0.5 * (1.0 + erf)
}

/// Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
#[must_use]
pub fn normal_inv(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn done(seconds: &[f64]) -> VecDeque<Completion> {
        let at = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").unwrap();
        seconds
            .iter()
            .map(|s| Completion { at, seconds: *s })
            .collect()
    }

    #[test]
    fn normal_functions_invert() {
        for p in [0.001, 0.1, 0.5, 0.8, 0.975, 0.999] {
            assert!((normal_cdf(normal_inv(p)) - p).abs() < 1e-6, "{p}");
        }
        assert!((normal_inv(0.9) - 1.281_551_6).abs() < 1e-6);
    }

    #[test]
    fn prior_mean_is_the_configured_time() {
        let m = ServiceModel::fit(600.0, &VecDeque::new());
        assert!((m.mean_seconds() - 600.0).abs() < 1e-6);
    }

    #[test]
    fn learns_the_observed_mean_and_resists_an_outlier() {
        let mut xs = vec![300.0; 80];
        let clean = ServiceModel::fit(900.0, &done(&xs));
        assert!((clean.mean_seconds() - 300.0).abs() < 40.0, "{clean:?}");
        // A window left "serving" over lunch: 3 hours.
        xs.push(10_800.0);
        xs.rotate_right(1);
        let with = ServiceModel::fit(900.0, &done(&xs));
        assert!(with.mean_seconds() < clean.mean_seconds() * 1.3, "{with:?}");
    }

    #[test]
    fn recent_completions_weigh_more() {
        // Oldest first: 200 yesterday-ish 600 s services, then 60 recent 300 s ones.
        let mut xs = vec![600.0; 200];
        xs.extend(vec![300.0; 60]);
        let m = ServiceModel::fit(600.0, &done(&xs));
        assert!(m.mean_seconds() < 450.0, "{m:?}");
    }

    #[test]
    fn residual_is_positive_and_grows_with_quantile() {
        let m = ServiceModel::prior(600.0);
        let a = m.residual_quantile(900.0, 0.1, 0.0);
        let b = m.residual_quantile(900.0, 0.9, 0.0);
        assert!(a > 0.0 && b > a, "{a} {b}");
    }
}

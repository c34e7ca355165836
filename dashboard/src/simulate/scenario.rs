//! Scenario files for `dashboard simulate`: a day of arrivals, service times and windows.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone};
use queue_core::config::{HallConfig, QueueConfig, WindowConfig, WindowKind};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// The simulated service day (its weekday and calendar class matter for the forecast).
    pub date: NaiveDate,
    pub open: NaiveTime,
    pub interval_minutes: u32,
    /// Share of applicants who do not answer their call.
    #[serde(default)]
    pub no_show: f64,
    /// Share of applicants per priority channel.
    #[serde(default)]
    pub channels: Channels,
    /// Share of applicants to be served within the wait target (staffing).
    #[serde(default = "default_level")]
    pub service_level: f64,
    /// Past days simulated to forecast demand from.
    #[serde(default = "default_history")]
    pub history_days: u32,
    pub queues: Vec<QueueSpec>,
    pub windows: Vec<WindowSpec>,
}

fn default_level() -> f64 {
    0.8
}

fn default_history() -> u32 {
    8
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    #[serde(default)]
    pub green: f64,
    #[serde(default)]
    pub urgent: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub code: String,
    pub name: String,
    /// True mean service time, minutes (log-normal).
    pub service_minutes: f64,
    /// Coefficient of variation of service times.
    #[serde(default = "default_cv")]
    pub service_cv: f64,
    /// What the hall is configured with before it has observed anything (defaults to the truth).
    #[serde(default)]
    pub configured_minutes: Option<f64>,
    pub target_wait_minutes: u32,
    /// Arrivals per hour in each interval from `open`; arrivals stop after the last.
    pub arrivals_per_hour: Vec<f64>,
}

fn default_cv() -> f64 {
    0.6
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    pub number: u32,
    pub queues: Vec<String>,
    /// Closed unless a staffing schedule opens it.
    #[serde(default)]
    pub standby: bool,
}

impl Scenario {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        let s: Self = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
        s.validate()
            .with_context(|| format!("{}", path.display()))?;
        Ok(s)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.interval_minutes == 0 {
            bail!("interval_minutes must be at least 1");
        }
        if !(0.0..1.0).contains(&self.no_show) {
            bail!("no_show must lie in [0, 1)");
        }
        if !(self.service_level > 0.0 && self.service_level < 1.0) {
            bail!("service_level must lie strictly between 0 and 1");
        }
        for (i, q) in self.queues.iter().enumerate() {
            if !(q.service_minutes.is_finite() && q.service_minutes > 0.0) {
                bail!("queues[{i}].service_minutes must be positive");
            }
            if !(q.service_cv.is_finite() && q.service_cv >= 0.0) {
                bail!("queues[{i}].service_cv must not be negative");
            }
            if q.arrivals_per_hour
                .iter()
                .any(|a| !(a.is_finite() && *a >= 0.0))
            {
                bail!("queues[{i}].arrivals_per_hour must be non-negative numbers");
            }
        }
        for (i, w) in self.windows.iter().enumerate() {
            if w.queues.is_empty() || w.queues.iter().any(|q| self.queue(q).is_none()) {
                bail!("windows[{i}].queues must name queues of the scenario");
            }
        }
        Ok(())
    }

    #[must_use]
    pub fn queue(&self, code: &str) -> Option<&QueueSpec> {
        self.queues.iter().find(|q| q.code == code)
    }

    /// Intervals with arrivals in any queue.
    #[must_use]
    pub fn intervals(&self) -> usize {
        self.queues
            .iter()
            .map(|q| q.arrivals_per_hour.len())
            .max()
            .unwrap_or(0)
    }

    pub fn offset() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
    }

    /// Opening time of `day`.
    pub fn opening(&self, day: NaiveDate) -> anyhow::Result<DateTime<FixedOffset>> {
        Self::offset()
            .from_local_datetime(&day.and_time(self.open))
            .single()
            .context("opening time")
    }

    /// The hall configuration the engine runs with: the scenario's queues and windows on the
    /// sample centre's rules.
    pub fn hall_config(&self) -> anyhow::Result<HallConfig> {
        let mut c = HallConfig::sample().context("sample hall")?;
        c.items.clear();
        c.rules.service_level = self.service_level;
        c.queues = self
            .queues
            .iter()
            .map(|q| QueueConfig {
                code: q.code.clone(),
                name: q.name.clone(),
                name_en: String::new(),
                target_wait_minutes: q.target_wait_minutes,
                max_wait_minutes: q.target_wait_minutes * 2,
                max_waiting: 1000,
                service_minutes: q.configured_minutes.unwrap_or(q.service_minutes),
            })
            .collect();
        c.windows = self
            .windows
            .iter()
            .map(|w| WindowConfig {
                number: w.number,
                kind: WindowKind::Comprehensive,
                queues: w.queues.clone(),
                weights: BTreeMap::new(),
                open: !w.standby,
            })
            .collect();
        Ok(c)
    }

    /// Windows per queue pool: each window belongs to the pool of its first queue, in order.
    #[must_use]
    pub fn pools(&self) -> BTreeMap<String, Vec<u32>> {
        let mut p: BTreeMap<String, Vec<u32>> = self
            .queues
            .iter()
            .map(|q| (q.code.clone(), Vec::new()))
            .collect();
        for w in &self.windows {
            if let Some(v) = w.queues.first().and_then(|q| p.get_mut(q)) {
                v.push(w.number);
            }
        }
        p
    }
}

//! Free-space history beside the database, so doctor can tell how fast the disk fills.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// File beside the database holding recent free-space samples.
pub const HISTORY_FILE: &str = "disk-history.json";
const KEEP: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub at: DateTime<FixedOffset>,
    pub free: u64,
}

/// Reads the history (empty when absent or unreadable).
#[must_use]
pub fn load(dir: &Path) -> Vec<Sample> {
    std::fs::read_to_string(dir.join(HISTORY_FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Appends a sample and keeps the newest; best effort (doctor may run read-only).
pub fn record(dir: &Path, mut history: Vec<Sample>, sample: Sample) {
    history.push(sample);
    let excess = history.len().saturating_sub(KEEP);
    history.drain(..excess);
    if let Ok(text) = serde_json::to_string(&history) {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(dir.join(HISTORY_FILE))
            .and_then(|mut f| f.write_all(text.as_bytes()));
    }
}

/// Bytes consumed per day, judged from the oldest sample at least an hour before `now`;
/// `None` without such a sample. Negative when space is being freed.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn bytes_per_day(history: &[Sample], now: Sample) -> Option<f64> {
    let old = history
        .iter()
        .find(|s| (now.at - s.at).num_minutes() >= 60)?;
    let days = (now.at - old.at).num_seconds() as f64 / 86_400.0;
    Some((old.free as f64 - now.free as f64) / days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_from_the_oldest_sample_an_hour_back() {
        let t = |h: i64| {
            DateTime::parse_from_rfc3339("2026-12-01T08:00:00+08:00").unwrap()
                + chrono::Duration::hours(h)
        };
        let h = vec![
            Sample {
                at: t(0),
                free: 10_000,
            },
            Sample {
                at: t(24),
                free: 9_000,
            },
        ];
        let now = Sample {
            at: t(48),
            free: 8_000,
        };
        assert_eq!(bytes_per_day(&h, now), Some(1_000.0));
        assert_eq!(bytes_per_day(&h[..0], now), None);
    }
}

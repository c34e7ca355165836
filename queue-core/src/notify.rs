//! Notices to applicants (`[notify]` in hall.toml): when "your turn is near" is queued, and
//! how the sender in `dashboard serve` delivers the outbox to the centre's webhook.
//!
//! queue-core only decides and stores what to send (in the writer's transaction); the HTTP
//! side lives in the dashboard.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// `turn_near`: a ticket with a mobile number has `turn_near_ahead` or fewer people ahead.
pub const TURN_NEAR: &str = "turn_near";
/// `result_ready`: a case is completed (GD 22).
pub const RESULT_READY: &str = "result_ready";
/// `decision_refused`: a case was refused after review.
pub const DECISION_REFUSED: &str = "decision_refused";
/// `rating_feedback`: what was done about a dissatisfied rating (PLAN 3.5, GD 31: the result is
/// told to the applicant).
pub const RATING_FEEDBACK: &str = "rating_feedback";

/// `[notify]`. Everything optional: without a webhook messages stay queued (doctor warns).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// "Your turn is near" once this many people (or fewer) are ahead of a ticket that has a
    /// mobile number; 0 turns it off. Tickets issued this close to the head get none.
    pub turn_near_ahead: u32,
    /// Where the sender POSTs each message: `http://…` or `https://…` (the centre's SMS
    /// gateway or message platform).
    pub webhook: Option<String>,
    /// File holding the shared secret for the `X-Hall-Signature` HMAC-SHA256 header
    /// (required with `webhook`; keep it 0600).
    pub secret_file: Option<PathBuf>,
    /// Per-attempt time limit.
    pub timeout_seconds: u32,
    /// Attempts per message before it is marked failed (kept, shown to supervisors).
    pub max_attempts: u32,
    /// First retry delay; doubles per failed attempt up to `backoff_max_seconds`.
    pub backoff_initial_ms: u64,
    pub backoff_max_seconds: u32,
}

pub const DEFAULT_TURN_NEAR_AHEAD: u32 = 3;

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            turn_near_ahead: DEFAULT_TURN_NEAR_AHEAD,
            webhook: None,
            secret_file: None,
            timeout_seconds: 10,
            max_attempts: 12,
            backoff_initial_ms: 2000,
            backoff_max_seconds: 600,
        }
    }
}

impl NotifyConfig {
    /// # Errors
    /// The first problem, naming its key.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, problem: String| ConfigError::Invalid {
            origin: origin.into(),
            key: format!("notify.{key}"),
            problem,
        };
        if self.turn_near_ahead > 50 {
            return Err(bad(
                "turn_near_ahead",
                format!(
                    "{} is too many people ahead to call it near; use 0–50 (0: off)",
                    self.turn_near_ahead
                ),
            ));
        }
        if let Some(url) = &self.webhook {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let host = rest.and_then(|r| r.split(['/', '?']).next()).unwrap_or("");
            if host.is_empty() || url.chars().any(char::is_whitespace) {
                return Err(bad(
                    "webhook",
                    format!("{url:?} must be an http:// or https:// URL with a host"),
                ));
            }
            if self.secret_file.is_none() {
                return Err(bad(
                    "secret_file",
                    "required with notify.webhook: every message is signed (HMAC-SHA256)".into(),
                ));
            }
        }
        if !(1..=120).contains(&self.timeout_seconds) {
            return Err(bad("timeout_seconds", "must be 1–120".into()));
        }
        if !(1..=1000).contains(&self.max_attempts) {
            return Err(bad("max_attempts", "must be 1–1000".into()));
        }
        if self.backoff_initial_ms < 10 {
            return Err(bad("backoff_initial_ms", "must be at least 10".into()));
        }
        if u64::from(self.backoff_max_seconds) * 1000 < self.backoff_initial_ms {
            return Err(bad(
                "backoff_max_seconds",
                "must not be below backoff_initial_ms".into(),
            ));
        }
        Ok(())
    }

    /// Delay before attempt `attempts + 1` after `attempts` failures (1 → initial, doubling,
    /// capped).
    #[must_use]
    pub fn backoff(&self, attempts: u32) -> std::time::Duration {
        let cap = u64::from(self.backoff_max_seconds) * 1000;
        let shift = attempts.saturating_sub(1).min(30);
        let ms = self
            .backoff_initial_ms
            .saturating_mul(1u64 << shift)
            .min(cap);
        std::time::Duration::from_millis(ms)
    }
}

/// The Chinese text of a "your turn is near" message.
#[must_use]
pub fn turn_near_text(centre: &str, number: &str, ahead: usize) -> String {
    if ahead == 0 {
        format!("【{centre}】您的 {number} 号即将叫到，请回到大厅留意叫号屏。")
    } else {
        format!("【{centre}】您的 {number} 号前面还有 {ahead} 人，请回到大厅留意叫号屏。")
    }
}

/// The Chinese text of the feedback on a dissatisfied rating: the answer recorded as given.
#[must_use]
pub fn rating_feedback_text(centre: &str, number: Option<&str>, feedback: &str) -> String {
    let about = number.map_or_else(String::new, |n| format!("（{n} 号）"));
    format!("【{centre}】关于您对本中心服务的评价{about}，处理结果：{feedback} 感谢您的监督。")
}

/// The Chinese text of a case notice.
#[must_use]
pub fn case_text(centre: &str, kind: &str, item: &str, serial: &str, channel: &str) -> String {
    match (kind, channel) {
        (DECISION_REFUSED, _) => format!(
            "【{centre}】您申请的“{item}”（流水号 {serial}）经审查不予批准，请到窗口领取决定书，书中载明理由及复议、诉讼途径。"
        ),
        (_, "post") => {
            format!("【{centre}】您申请的“{item}”（流水号 {serial}）已办结，结果将按您选择的方式邮寄送达。")
        }
        (_, "electronic") => {
            format!("【{centre}】您申请的“{item}”（流水号 {serial}）已办结，电子结果已送达，请登录查看。")
        }
        _ => format!(
            "【{centre}】您申请的“{item}”（流水号 {serial}）已办结，请凭受理回执到窗口领取结果。"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap() {
        let c = NotifyConfig {
            backoff_initial_ms: 1000,
            backoff_max_seconds: 5,
            ..NotifyConfig::default()
        };
        let ms: Vec<u128> = (1..=5).map(|a| c.backoff(a).as_millis()).collect();
        assert_eq!(ms, [1000, 2000, 4000, 5000, 5000]);
    }

    #[test]
    fn a_webhook_needs_a_url_and_a_secret() {
        let mut c = NotifyConfig {
            webhook: Some("ftp://x".into()),
            ..NotifyConfig::default()
        };
        assert!(c
            .validate("t")
            .unwrap_err()
            .to_string()
            .contains("notify.webhook"));
        c.webhook = Some("https://sms.example.gov.cn/hook".into());
        assert!(c
            .validate("t")
            .unwrap_err()
            .to_string()
            .contains("notify.secret_file"));
        c.secret_file = Some("/etc/gov-hall/notify.secret".into());
        c.validate("t").unwrap();
        c.turn_near_ahead = 51;
        assert!(c
            .validate("t")
            .unwrap_err()
            .to_string()
            .contains("turn_near_ahead"));
    }
}

//! Hall configuration and the catalogue (事项), loaded from TOML.
//!
//! Layers: the embedded sample (`data/hall.toml`) or a centre's file, then environment overrides
//! (`HALL__RULES__RECALL_LIMIT=5`). Everything is validated once, here; the engine trusts it.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{FixedOffset, NaiveTime};
use serde::{Deserialize, Serialize};

pub use crate::catalogue::{
    Bundle, BundleMode, Department, Item, ItemKind, Material, MaterialForm,
};

/// The sample configuration of a Guangzhou district centre, shipped in the binary.
pub const SAMPLE_HALL_TOML: &str = include_str!("../data/hall.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: key `{key}`: {problem}")]
    Invalid {
        origin: String,
        key: String,
        problem: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HallConfig {
    pub centre: Centre,
    #[serde(default)]
    pub rules: Rules,
    pub queues: Vec<QueueConfig>,
    pub windows: Vec<WindowConfig>,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub privacy: Privacy,
    /// Deciding departments: their 复议机关 and seal (GD Art 21).
    #[serde(default)]
    pub departments: Vec<Department>,
    /// 一件事: items taken in together as one case (GZ Art 13).
    #[serde(default)]
    pub bundles: Vec<Bundle>,
    /// Local policy for bad-rating follow-ups and 办不成事 requests (deadlines, chief).
    #[serde(default)]
    pub redress: crate::redress::RedressPolicy,
    /// Notices to applicants: "your turn is near", the webhook sender.
    #[serde(default)]
    pub notify: crate::notify::NotifyConfig,
}

/// How long personal data stays in the hall's database (`dashboard purge`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Privacy {
    /// Days after the event that recorded them; see docs/security.md for the policy.
    pub retention_days: u32,
}

/// One year after the last event that carried the data: a case's life (legal limit plus
/// extensions) and the six-month litigation window after its decision fit in it; the
/// authoritative file (档案) is the department's archive, not this working copy (PIPL Art 19, 47).
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

impl Default for Privacy {
    fn default() -> Self {
        Self {
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Centre {
    /// Short ASCII code embedded in case serials, e.g. the district's area code `440114`.
    pub code: String,
    pub name: String,
    /// Issuing body named on the seal of receipts.
    pub seal: String,
    /// Offset from UTC in minutes (UTC+8 = 480).
    #[serde(default = "default_utc_offset")]
    pub utc_offset_minutes: i32,
    /// Service hours as `["09:00", "12:00"]` pairs, local time.
    #[serde(default = "default_service_hours")]
    pub service_hours: Vec<[String; 2]>,
    /// Where applicants query progress, printed on documents.
    #[serde(default)]
    pub query_hint: String,
    /// Further complaint routes (e.g. the 12345 hotline), printed after the configured
    /// 办不成事 window on decisions.
    #[serde(default)]
    pub complaint_to: String,
    /// Reconsideration body for departments not listed under `[[departments]]`.
    #[serde(default)]
    pub reconsideration_body: String,
    /// The 政务服务管理部门 extensions are reported to (报备, GZ Art 13); the centre's name
    /// when empty.
    #[serde(default)]
    pub management_body: String,
    /// Court for administrative litigation, printed on rejection notices.
    #[serde(default)]
    pub litigation_court: String,
    /// The hall's address as applicants' phones reach it (e.g. `https://hall.example:7700`):
    /// the base of the rating link printed as a QR on ticket slips. None: no rating QR.
    #[serde(default)]
    pub public_url: Option<String>,
}

fn default_utc_offset() -> i32 {
    480
}

fn default_service_hours() -> Vec<[String; 2]> {
    vec![
        ["09:00".into(), "12:00".into()],
        ["13:00".into(), "17:00".into()],
    ]
}

impl Centre {
    /// The centre's local offset; validated at load time, so the fallback is never taken.
    #[must_use]
    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or(UTC8)
    }

    /// Parsed service hours; validated at load time.
    #[must_use]
    pub fn hours(&self) -> Vec<(NaiveTime, NaiveTime)> {
        self.service_hours
            .iter()
            .filter_map(|[a, b]| Some((parse_hm(a)?, parse_hm(b)?)))
            .collect()
    }
}

/// China Standard Time, the default.
pub const UTC8: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

fn parse_hm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// Head start (minutes of waiting credit) per channel. Priority by credit, not by absolute
/// precedence, so a green-channel ticket goes first without starving walk-ins forever.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HeadStart {
    pub green: u32,
    pub urgent: u32,
    pub appointment: u32,
    pub returning: u32,
}

impl Default for HeadStart {
    fn default() -> Self {
        Self {
            green: 20,
            urgent: 30,
            appointment: 15,
            returning: 15,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// At most one live ticket per ID number per queue per day (against ticket touts).
    pub one_live_ticket_per_id: bool,
    /// How many times a called ticket may be recalled before it must be marked no-show.
    pub recall_limit: u32,
    /// A reinstated no-show goes back this many places behind the head of its queue.
    pub reinstate_behind: u32,
    pub head_start_minutes: HeadStart,
    /// Minutes an appointment may arrive early or late and still count as "on time".
    pub appointment_grace_minutes: u32,
    /// Alert when an open window has no ticket for this long while its queues have people waiting.
    pub idle_alert_minutes: u32,
    /// Completions looked at when estimating the service rate.
    pub service_rate_sample: usize,
    /// Share of applicants to be served within the wait target; drives staffing advice.
    pub service_level: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            one_live_ticket_per_id: true,
            recall_limit: 3,
            reinstate_behind: 3,
            head_start_minutes: HeadStart::default(),
            appointment_grace_minutes: 15,
            idle_alert_minutes: 5,
            service_rate_sample: 20,
            service_level: 0.8,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// One upper-case ASCII letter: the ticket prefix.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Wait target (minutes) used by alerts and staffing.
    pub target_wait_minutes: u32,
    /// Alert when a ticket has waited longer than this.
    pub max_wait_minutes: u32,
    /// Alert when more than this many are waiting.
    pub max_waiting: u32,
    /// Configured mean service time, used until enough completions are observed.
    pub service_minutes: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    Comprehensive,
    Consultation,
    Assisted,
    CrossRegion,
    Escalation,
}

impl WindowKind {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Comprehensive => "综合办事",
            Self::Consultation => "综合咨询",
            Self::Assisted => "帮办代办",
            Self::CrossRegion => "跨域通办",
            Self::Escalation => "办不成事反映",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    pub number: u32,
    pub kind: WindowKind,
    pub queues: Vec<String>,
    /// Multiplier on waiting credit per queue at this window (default 1.0): a window that
    /// mainly serves A but helps with B gets `{ A = 2.0 }`.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    #[serde(default = "default_true")]
    pub open: bool,
}

fn default_true() -> bool {
    true
}

impl HallConfig {
    /// The embedded sample centre.
    ///
    /// # Errors
    /// Only if the shipped sample is broken, which a test pins.
    pub fn sample() -> Result<Self, ConfigError> {
        Self::from_toml_str(SAMPLE_HALL_TOML, "embedded sample hall.toml")
    }

    /// Parses and validates a TOML document; `origin` names it in errors.
    ///
    /// # Errors
    /// A parse error or a validation error naming the key.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, ConfigError> {
        Self::build(
            config::Config::builder()
                .add_source(config::File::from_str(text, config::FileFormat::Toml)),
            origin,
        )
    }

    /// Loads a centre's file, then `HALL__…` environment overrides.
    ///
    /// # Errors
    /// Unreadable file, parse error, or a validation error naming file and key.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        if !path.exists() {
            return Err(ConfigError::Parse {
                origin,
                message: "file not found".into(),
            });
        }
        Self::build(
            config::Config::builder()
                .add_source(config::File::from(path).format(config::FileFormat::Toml))
                .add_source(
                    config::Environment::with_prefix("HALL")
                        .separator("__")
                        .try_parsing(true),
                ),
            &origin,
        )
    }

    fn build(
        builder: config::ConfigBuilder<config::builder::DefaultState>,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        let cfg = builder.build().map_err(|e| ConfigError::Parse {
            origin: origin.into(),
            message: e.to_string(),
        })?;
        let hall: Self = cfg.try_deserialize().map_err(|e| ConfigError::Parse {
            origin: origin.into(),
            message: e.to_string(),
        })?;
        hall.validate(origin)?;
        Ok(hall)
    }

    /// Checks everything the engine relies on.
    ///
    /// # Errors
    /// The first problem found, with its key.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let bad = |key: String, problem: String| ConfigError::Invalid {
            origin: origin.into(),
            key,
            problem,
        };
        let c = &self.centre;
        if c.code.is_empty() || !c.code.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            return Err(bad(
                "centre.code".into(),
                "must be non-empty ASCII letters or digits".into(),
            ));
        }
        if FixedOffset::east_opt(c.utc_offset_minutes * 60).is_none() {
            return Err(bad(
                "centre.utc_offset_minutes".into(),
                format!("{} is not a valid offset", c.utc_offset_minutes),
            ));
        }
        if let Some(u) = &c.public_url {
            let rest = u
                .strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"));
            if !rest.is_some_and(|r| !r.is_empty() && r.chars().all(|ch| ch.is_ascii_graphic())) {
                let why = format!("{u:?} must be an http:// or https:// address, no spaces");
                return Err(bad("centre.public_url".into(), why));
            }
        }
        for (i, [a, b]) in c.service_hours.iter().enumerate() {
            match (parse_hm(a), parse_hm(b)) {
                (Some(x), Some(y)) if x < y => {}
                _ => {
                    return Err(bad(
                        format!("centre.service_hours[{i}]"),
                        format!(
                        "expected [\"HH:MM\", \"HH:MM\"] with start before end, got [{a:?}, {b:?}]"
                    ),
                    ))
                }
            }
        }
        if !(self.rules.service_level > 0.0 && self.rules.service_level < 1.0) {
            return Err(bad(
                "rules.service_level".into(),
                format!(
                    "{} must be a fraction between 0 and 1, e.g. 0.8",
                    self.rules.service_level
                ),
            ));
        }
        if self.queues.is_empty() {
            return Err(bad("queues".into(), "at least one queue is needed".into()));
        }
        let mut codes = HashSet::new();
        for (i, q) in self.queues.iter().enumerate() {
            let ok = q.code.len() == 1 && q.code.chars().all(|ch| ch.is_ascii_uppercase());
            if !ok {
                return Err(bad(
                    format!("queues[{i}].code"),
                    format!("{:?} must be one upper-case letter A–Z", q.code),
                ));
            }
            if !codes.insert(q.code.clone()) {
                return Err(bad(
                    format!("queues[{i}].code"),
                    format!("queue {} is defined twice", q.code),
                ));
            }
            if !(q.service_minutes.is_finite() && q.service_minutes > 0.0) {
                return Err(bad(
                    format!("queues[{i}].service_minutes"),
                    "must be a positive number".into(),
                ));
            }
            if q.target_wait_minutes == 0 {
                return Err(bad(
                    format!("queues[{i}].target_wait_minutes"),
                    "must be at least 1".into(),
                ));
            }
        }
        let mut numbers = HashSet::new();
        for (i, w) in self.windows.iter().enumerate() {
            if w.number == 0 {
                return Err(bad(
                    format!("windows[{i}].number"),
                    "windows are numbered from 1".into(),
                ));
            }
            if !numbers.insert(w.number) {
                return Err(bad(
                    format!("windows[{i}].number"),
                    format!("window {} is defined twice", w.number),
                ));
            }
            for q in w.queues.iter().chain(w.weights.keys()) {
                if !codes.contains(q) {
                    return Err(bad(
                        format!("windows[{i}].queues"),
                        format!("window {} serves unknown queue {q:?}", w.number),
                    ));
                }
            }
            for (q, wt) in &w.weights {
                if !(wt.is_finite() && *wt > 0.0) {
                    return Err(bad(
                        format!("windows[{i}].weights.{q}"),
                        "must be a positive number".into(),
                    ));
                }
            }
        }
        crate::catalogue::validate(self, &codes, origin)?;
        crate::redress::policy::validate(self, origin)?;
        self.notify.validate(origin)?;
        Ok(())
    }

    #[must_use]
    pub fn queue(&self, code: &str) -> Option<&QueueConfig> {
        self.queues.iter().find(|q| q.code == code)
    }

    #[must_use]
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The complaint route printed on decisions: the centre's 办不成事 window as configured
    /// (GZ Art 13), then `centre.complaint_to`.
    #[must_use]
    pub fn complaint_route(&self) -> String {
        let c = &self.centre;
        let window = self
            .windows
            .iter()
            .find(|w| w.kind == WindowKind::Escalation)
            .map(|w| format!("{}“办不成事”反映窗口（{}号窗口）", c.name, w.number));
        match (window, c.complaint_to.trim()) {
            (Some(w), "") => w,
            (Some(w), more) => format!("{w}或{more}"),
            (None, more) => more.to_owned(),
        }
    }

    #[must_use]
    pub fn window(&self, number: u32) -> Option<&WindowConfig> {
        self.windows.iter().find(|w| w.number == number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_valid_and_rich_enough() {
        let h = HallConfig::sample().expect("sample parses");
        assert!(h.queues.len() >= 4);
        assert!(h.items.len() >= 12);
        assert!(h.windows.len() >= 12);
        assert_eq!(h.windows[0].number, 1);
        let kinds: HashSet<_> = h.windows.iter().map(|w| w.kind).collect();
        assert!(kinds.len() >= 3, "several window kinds");
        assert!(h.items.iter().any(|i| i.on_the_spot));
        assert!(h
            .items
            .iter()
            .any(|i| i.materials.iter().any(|m| m.tolerable)));
        assert!(h
            .items
            .iter()
            .any(|i| i.materials.iter().any(|m| m.commitment)));
    }

    #[test]
    fn bad_key_is_named() {
        let text = SAMPLE_HALL_TOML.replacen("code = \"A\"", "code = \"AA\"", 1);
        let err = HallConfig::from_toml_str(&text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.toml"), "{err}");
        assert!(err.contains("queues[0].code"), "{err}");
    }

    #[test]
    fn committed_beyond_legal_is_refused() {
        let text = SAMPLE_HALL_TOML.replacen("committed_days = 1", "committed_days = 99", 1);
        let err = HallConfig::from_toml_str(&text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("committed_days"), "{err}");
    }

    #[test]
    fn unknown_field_is_refused_with_its_name() {
        let text = format!("{SAMPLE_HALL_TOML}\n[bogus]\nx = 1\n");
        let err = HallConfig::from_toml_str(&text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn missing_file_is_named() {
        let err = HallConfig::load(Path::new("/nonexistent/hall.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/nonexistent/hall.toml") && err.contains("not found"),
            "{err}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

        /// A mangled file (lines dropped, values replaced) gives a config or an error naming
        /// the file, never a panic.
        #[test]
        fn mangled_files_give_errors_not_panics(
            drop_line in proptest::option::of(0usize..400),
            edit_line in 0usize..400,
            replacement in proptest::prop_oneof![
                proptest::prelude::Just("-1".to_string()),
                proptest::prelude::Just("\"\"".to_string()),
                proptest::prelude::Just("1e309".to_string()),
                proptest::prelude::Just("[".to_string()),
                proptest::prelude::Just("\"ZZ\"".to_string()),
                "\\PC{0,8}",
            ],
        ) {
            let mut lines: Vec<String> = SAMPLE_HALL_TOML.lines().map(str::to_string).collect();
            if let Some(d) = drop_line {
                if d < lines.len() {
                    lines.remove(d);
                }
            }
            let i = edit_line % lines.len();
            if let Some((key, _)) = lines[i].split_once('=') {
                lines[i] = format!("{key}= {replacement}");
            }
            match HallConfig::from_toml_str(&lines.join("\n"), "fuzz.toml") {
                Ok(h) => proptest::prop_assert!(h.validate("again").is_ok()),
                Err(e) => proptest::prop_assert!(e.to_string().starts_with("fuzz.toml"), "{}", e),
            }
        }
    }
}

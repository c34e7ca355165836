//! The centre's own deadlines for following up bad ratings and answering 办不成事 requests and
//! complaints, and who owns a follow-up. These are **local policy** (the centre's scheme, e.g.
//! five working days as several Guangdong districts use), not law: `[redress]` in hall.toml.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, HallConfig};

/// A department's or the centre's chief representative (首席事务代表, GZ Art 8): the owner of
/// bad-rating follow-ups for that department.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Chief {
    /// Staff number (工号), ASCII letters and digits.
    pub staff: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RedressPolicy {
    /// Working days from a dissatisfied rating to the feedback given to the applicant.
    pub follow_up_working_days: u32,
    /// Working days from recording a 办不成事 request or complaint to the answer.
    pub request_working_days: u32,
    /// "Due soon" this many working days before the deadline (alerts).
    pub warn_working_days: u32,
    /// The centre's own chief: owns follow-ups of departments without a `chief`.
    pub chief: Option<Chief>,
}

/// Five working days: the scheme local centres use (label it policy, not law).
pub const DEFAULT_WORKING_DAYS: u32 = 5;

impl Default for RedressPolicy {
    fn default() -> Self {
        Self {
            follow_up_working_days: DEFAULT_WORKING_DAYS,
            request_working_days: DEFAULT_WORKING_DAYS,
            warn_working_days: 1,
            chief: None,
        }
    }
}

fn check_chief(c: &Chief, key: &str, origin: &str) -> Result<(), ConfigError> {
    let bad = |k: &str, problem: &str| ConfigError::Invalid {
        origin: origin.into(),
        key: format!("{key}.{k}"),
        problem: problem.into(),
    };
    if c.staff.is_empty()
        || c.staff.len() > 32
        || !c.staff.chars().all(|ch| ch.is_ascii_alphanumeric())
    {
        return Err(bad("staff", "staff number: 1–32 ASCII letters or digits"));
    }
    let n = c.name.trim().chars().count();
    if n == 0 || n > crate::hygiene::MAX_NAME || c.name.chars().any(char::is_control) {
        return Err(bad(
            "name",
            "must be a non-empty name without control characters",
        ));
    }
    Ok(())
}

/// Validates `[redress]` and every department's `chief`.
pub(crate) fn validate(hall: &HallConfig, origin: &str) -> Result<(), ConfigError> {
    let p = &hall.redress;
    let bad = |key: &str, problem: String| ConfigError::Invalid {
        origin: origin.into(),
        key: format!("redress.{key}"),
        problem,
    };
    for (key, v) in [
        ("follow_up_working_days", p.follow_up_working_days),
        ("request_working_days", p.request_working_days),
    ] {
        if !(1..=60).contains(&v) {
            return Err(bad(key, format!("{v}: must be 1–60 working days")));
        }
        if p.warn_working_days >= v {
            return Err(bad(
                "warn_working_days",
                format!("{} must be fewer than {key} ({v})", p.warn_working_days),
            ));
        }
    }
    if let Some(c) = &p.chief {
        check_chief(c, "redress.chief", origin)?;
    }
    for (i, d) in hall.departments.iter().enumerate() {
        if let Some(c) = &d.chief {
            check_chief(c, &format!("departments[{i}].chief"), origin)?;
        }
    }
    Ok(())
}

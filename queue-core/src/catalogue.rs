//! The catalogue (事项, GD Art 10, GZ Art 5): items with their materials and time limits, the
//! deciding departments (复议机关, seal) and 一件事 bundles. Part of the hall configuration.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, HallConfig};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 行政权力事项
    Administrative,
    /// 公共服务事项
    PublicService,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    Original,
    Copy,
    OriginalAndCopy,
    Electronic,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub id: String,
    pub name: String,
    pub form: MaterialForm,
    #[serde(default = "one")]
    pub copies: u32,
    pub required: bool,
    /// 容缺: may follow after acceptance.
    #[serde(default)]
    pub tolerable: bool,
    /// 告知承诺: a written commitment may replace it.
    #[serde(default)]
    pub commitment: bool,
    /// Obtainable by data sharing: must not be demanded from the applicant (GD 19(5)).
    #[serde(default)]
    pub shared_data: bool,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub kind: ItemKind,
    pub department: String,
    pub legal_basis: String,
    /// The queue whose tickets come for this item.
    pub queue: String,
    pub legal_days: u32,
    pub committed_days: u32,
    /// 当场办结 possible.
    #[serde(default)]
    pub on_the_spot: bool,
    /// Applicant must attend in person (no agent).
    #[serde(default)]
    pub personal_attendance: bool,
    #[serde(default)]
    pub fee: String,
    /// Working days a tolerated (容缺) material may follow after acceptance.
    #[serde(default = "default_tolerance_days")]
    pub tolerance_days: u32,
    /// Working days a statutory extension may add beyond the legal limit (e.g. 行政许可法
    /// Art 42: ten more with the head's approval).
    #[serde(default)]
    pub statutory_extra_days: u32,
    pub materials: Vec<Material>,
}

fn default_tolerance_days() -> u32 {
    5
}

/// A deciding department: whose seal a decision bears and where it is reconsidered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// As named in `items[].department`.
    pub name: String,
    /// A short code for operators (`token create --department CODE`); the name works too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 行政复议机关 for this department's decisions (行政复议法 Art 24, 27).
    pub reconsideration_body: String,
    /// The seal on this department's documents.
    pub seal: String,
    /// Its chief representative (首席事务代表): owns bad-rating follow-ups of its services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chief: Option<crate::redress::Chief>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BundleMode {
    /// One after another: the limits add up.
    Sequential,
    /// At the same time: the longest limit.
    Parallel,
}

/// 一件事: several items taken in as one case with a lead department (GZ Art 13).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub code: String,
    pub name: String,
    pub lead_department: String,
    pub mode: BundleMode,
    /// Item codes, in processing order.
    pub items: Vec<String>,
}

impl Bundle {
    /// Combines per-item days by the bundle's rule: sum when sequential, longest when parallel.
    #[must_use]
    pub fn combine(&self, days: impl Iterator<Item = u32>) -> u32 {
        match self.mode {
            BundleMode::Sequential => days.fold(0, u32::saturating_add),
            BundleMode::Parallel => days.max().unwrap_or(0),
        }
    }
}

impl HallConfig {
    /// The department entry for `name`, if the centre lists it.
    #[must_use]
    pub fn department(&self, name: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.name == name)
    }

    /// The department whose `code` or name is `s` (operators type either).
    #[must_use]
    pub fn department_by_code(&self, s: &str) -> Option<&Department> {
        self.departments
            .iter()
            .find(|d| d.code.as_deref() == Some(s))
            .or_else(|| self.department(s))
    }

    #[must_use]
    pub fn bundle(&self, code: &str) -> Option<&Bundle> {
        self.bundles.iter().find(|b| b.code == code)
    }
}

/// Validates items, departments and bundles; `queues` are the queue codes already checked.
pub(crate) fn validate(
    hall: &HallConfig,
    codes: &HashSet<String>,
    origin: &str,
) -> Result<(), ConfigError> {
    let bad = |key: String, problem: String| ConfigError::Invalid {
        origin: origin.into(),
        key,
        problem,
    };
    let mut items = HashSet::new();
    for (i, it) in hall.items.iter().enumerate() {
        if it.code.is_empty() || !it.code.is_ascii() {
            return Err(bad(
                format!("items[{i}].code"),
                "must be non-empty ASCII".into(),
            ));
        }
        if !items.insert(it.code.clone()) {
            return Err(bad(
                format!("items[{i}].code"),
                format!("item {} is defined twice", it.code),
            ));
        }
        if !codes.contains(&it.queue) {
            return Err(bad(
                format!("items[{i}].queue"),
                format!("unknown queue {:?}", it.queue),
            ));
        }
        if it.committed_days > it.legal_days {
            return Err(bad(
                format!("items[{i}].committed_days"),
                format!(
                    "committed time limit {} exceeds the legal limit {} (GD Art 20)",
                    it.committed_days, it.legal_days
                ),
            ));
        }
        let mut mids = HashSet::new();
        for (j, m) in it.materials.iter().enumerate() {
            if !mids.insert(m.id.clone()) {
                return Err(bad(
                    format!("items[{i}].materials[{j}].id"),
                    format!("material {} is listed twice", m.id),
                ));
            }
            if m.shared_data && m.required {
                return Err(bad(
                    format!("items[{i}].materials[{j}].required"),
                    "a material obtainable by data sharing may not be required (GD 19(5))".into(),
                ));
            }
        }
    }
    let mut names = HashSet::new();
    for (i, d) in hall.departments.iter().enumerate() {
        for (key, v) in [
            ("name", &d.name),
            ("reconsideration_body", &d.reconsideration_body),
            ("seal", &d.seal),
        ] {
            if v.trim().is_empty() {
                return Err(bad(
                    format!("departments[{i}].{key}"),
                    "must not be empty".into(),
                ));
            }
        }
        if !names.insert(d.name.clone()) {
            return Err(bad(
                format!("departments[{i}].name"),
                format!("department {} is listed twice", d.name),
            ));
        }
        if let Some(code) = &d.code {
            if code.is_empty() || !code.is_ascii() || !names.insert(code.clone()) {
                return Err(bad(
                    format!("departments[{i}].code"),
                    format!("{code:?}: a department code is ASCII and unique"),
                ));
            }
        }
    }
    // Department scopes of supervisor tokens are bit sets over this list.
    if hall.departments.len() > crate::auth::MAX_DEPARTMENTS {
        return Err(bad(
            "departments".into(),
            format!("at most {} departments", crate::auth::MAX_DEPARTMENTS),
        ));
    }
    for (i, b) in hall.bundles.iter().enumerate() {
        if b.code.is_empty() || !b.code.is_ascii() || items.contains(&b.code) {
            return Err(bad(
                format!("bundles[{i}].code"),
                "must be non-empty ASCII and differ from every item code".into(),
            ));
        }
        if !items.insert(b.code.clone()) {
            return Err(bad(
                format!("bundles[{i}].code"),
                format!("bundle {} is defined twice", b.code),
            ));
        }
        if b.items.len() < 2 {
            return Err(bad(
                format!("bundles[{i}].items"),
                "a bundle joins at least two items".into(),
            ));
        }
        let mut seen = HashSet::new();
        for code in &b.items {
            if hall.item(code).is_none() || !seen.insert(code) {
                return Err(bad(
                    format!("bundles[{i}].items"),
                    format!("{code:?} is unknown or listed twice"),
                ));
            }
        }
        if !b
            .items
            .iter()
            .filter_map(|c| hall.item(c))
            .any(|it| it.department == b.lead_department)
        {
            return Err(bad(
                format!("bundles[{i}].lead_department"),
                format!("{:?} decides none of the bundle's items", b.lead_department),
            ));
        }
    }
    Ok(())
}

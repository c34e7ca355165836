//! Case commands as they arrive in the protocol's `command` object.

use serde::{Deserialize, Deserializer, Serialize};

use super::case::{Agent, Applicant, Delivery, MaterialStatus, Procedure, RejectCode};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseCommand {
    CaseOpen(OpenCase),
    CaseMaterials(RecordMaterials),
    CaseDecide(DecideCase),
    CaseSupplement(RecordMaterials),
    CaseExtend(ExtendCase),
    /// A special procedure stops the clock (PLAN 3.1).
    CasePause(PauseCase),
    /// The special procedure is over; the clock runs again.
    CaseResume(CaseRef),
    /// The result was collected at the window (出件).
    CaseCollect(CaseRef),
}

impl CaseCommand {
    /// Every case command `kind`, for dispatching a raw frame.
    pub const KINDS: &'static [&'static str] = &[
        "case_open",
        "case_materials",
        "case_decide",
        "case_supplement",
        "case_extend",
        "case_pause",
        "case_resume",
        "case_collect",
    ];

    /// The protocol `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CaseOpen(_) => "case_open",
            Self::CaseMaterials(_) => "case_materials",
            Self::CaseDecide(_) => "case_decide",
            Self::CaseSupplement(_) => "case_supplement",
            Self::CaseExtend(_) => "case_extend",
            Self::CasePause(_) => "case_pause",
            Self::CaseResume(_) => "case_resume",
            Self::CaseCollect(_) => "case_collect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// Catalogue item code.
    pub item: String,
    pub applicant: Applicant,
    #[serde(default)]
    pub agent: Option<Agent>,
    #[serde(default)]
    pub ticket: Option<String>,
    /// Staff override of a USCC check-character mismatch, and only that.
    #[serde(default)]
    pub id_override: bool,
    /// How the applicant wants the result (GD Art 22).
    #[serde(default)]
    pub delivery: Delivery,
    /// Required for `post`.
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// Optional mainland mobile number for notices about this case (masked in every view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMaterials {
    pub case: String,
    pub materials: Vec<MaterialReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialReport {
    pub material: String,
    pub status: ReportedStatus,
    #[serde(default)]
    pub note: Option<String>,
}

/// The statuses staff may set; `pending` and `shared` belong to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportedStatus {
    Submitted,
    Missing,
    Nonconforming,
    CorrectedOnSpot,
    Tolerated,
    Committed,
}

impl From<ReportedStatus> for MaterialStatus {
    fn from(s: ReportedStatus) -> Self {
        match s {
            ReportedStatus::Submitted => Self::Submitted,
            ReportedStatus::Missing => Self::Missing,
            ReportedStatus::Nonconforming => Self::Nonconforming,
            ReportedStatus::CorrectedOnSpot => Self::CorrectedOnSpot,
            ReportedStatus::Tolerated => Self::Tolerated,
            ReportedStatus::Committed => Self::Committed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    /// Give the one-time correction notice (on the spot, or the deferred one).
    Notice,
    /// Take the materials in for review (收件): issues the 收件回执; the notice, if any, is due
    /// within five working days of receipt.
    DeferNotice,
    /// Non-acceptance (不予受理), for a `reason_code`; never for missing materials.
    Reject,
    /// Refusal after review (不予许可), of an accepted case, with `reasons`.
    Refuse,
    Complete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideCase {
    pub case: String,
    pub decision: Decision,
    /// A list, or a single string for convenience.
    #[serde(default, deserialize_with = "one_or_many")]
    pub reasons: Option<Vec<String>>,
    /// The ground of a non-acceptance.
    #[serde(default)]
    pub reason_code: Option<RejectCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendCase {
    pub case: String,
    pub days: u32,
    pub reason: String,
    /// Beyond the legal limit, up to the item's statutory extra days (e.g. 行政许可法 Art 42).
    #[serde(default)]
    pub statutory: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseCase {
    pub case: String,
    pub procedure: Procedure,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRef {
    pub case: String,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(s)) => Some(vec![s]),
        Some(OneOrMany::Many(v)) => Some(v),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn protocol_shapes_parse() {
        let c: CaseCommand = serde_json::from_str(
            r#"{"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"},"agent":{"name":"李四","id_number":"11010519491231002X"}}"#,
        )
        .unwrap();
        let CaseCommand::CaseOpen(o) = c else {
            panic!("wrong variant")
        };
        assert!(!o.id_override);
        assert_eq!(
            o.agent.unwrap().authorisation,
            super::super::Authorisation::Written
        );

        let one: CaseCommand = serde_json::from_str(
            r#"{"kind":"case_decide","case":"x","decision":"reject","reason_code":"other_statutory","reasons":"申请人隐瞒有关情况"}"#,
        )
        .unwrap();
        let many: CaseCommand = serde_json::from_str(
            r#"{"kind":"case_decide","case":"x","decision":"reject","reason_code":"other_statutory","reasons":["申请人隐瞒有关情况"]}"#,
        )
        .unwrap();
        assert_eq!(one, many);
        let none: CaseCommand =
            serde_json::from_str(r#"{"kind":"case_decide","case":"x","decision":"accept"}"#)
                .unwrap();
        assert!(matches!(
            none,
            CaseCommand::CaseDecide(DecideCase { reasons: None, .. })
        ));

        let m: CaseCommand = serde_json::from_str(
            r#"{"kind":"case_supplement","case":"x","materials":[{"material":"M1","status":"corrected_on_spot"}]}"#,
        )
        .unwrap();
        assert!(matches!(m, CaseCommand::CaseSupplement(_)));
    }

    #[test]
    fn system_statuses_cannot_be_sent() {
        for s in ["pending", "shared"] {
            let text = format!(
                r#"{{"kind":"case_materials","case":"x","materials":[{{"material":"M1","status":"{s}"}}]}}"#
            );
            assert!(serde_json::from_str::<CaseCommand>(&text).is_err(), "{s}");
        }
    }
}

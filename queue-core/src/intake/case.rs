//! The case (办件) object and its state machine.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::IntakeError;
use crate::document::Document;
use crate::ids::PersonIdKind;

pub use super::outcome::{BundleItem, BundleTerms, Delivery, Pause, Procedure, RejectCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Received at the counter, materials being checked.
    Open,
    /// The one-time correction notice has been given; waiting for the supplement.
    NoticeIssued,
    /// Materials received, notice to be given within five working days (GD 19(3)).
    NoticeDue,
    Accepted,
    /// No notice within five working days: accepted from the day of receipt by law.
    DeemedAccepted,
    /// Not accepted (不予受理), at intake, for a reason outside the materials.
    Rejected,
    /// Refused after review (审查后不予通过 / 不予许可, GD Art 21).
    Refused,
    /// Finished (办结): on the spot, or by the department after acceptance.
    Completed,
}

/// What a command wants to do to a case; checked against the state before anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    RecordMaterials,
    Accept,
    Notice,
    DeferNotice,
    Reject,
    Complete,
    Supplement,
    Extend,
    Refuse,
    Pause,
    Resume,
    Collect,
}

impl Action {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecordMaterials => "case_materials",
            Self::Accept => "accept",
            Self::Notice => "notice",
            Self::DeferNotice => "defer_notice",
            Self::Reject => "reject",
            Self::Complete => "complete",
            Self::Supplement => "case_supplement",
            Self::Extend => "case_extend",
            Self::Refuse => "refuse",
            Self::Pause => "case_pause",
            Self::Resume => "case_resume",
            Self::Collect => "case_collect",
        }
    }
}

impl CaseState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::NoticeIssued => "notice_issued",
            Self::NoticeDue => "notice_due",
            Self::Accepted => "accepted",
            Self::DeemedAccepted => "deemed_accepted",
            Self::Rejected => "rejected",
            Self::Refused => "refused",
            Self::Completed => "completed",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Open => "收件审查中",
            Self::NoticeIssued => "已一次性告知补正",
            Self::NoticeDue => "待书面告知",
            Self::Accepted => "已受理",
            Self::DeemedAccepted => "视为受理",
            Self::Rejected => "不予受理",
            Self::Refused => "审查不予通过",
            Self::Completed => "已办结",
        }
    }

    #[must_use]
    pub fn is_accepted(self) -> bool {
        matches!(self, Self::Accepted | Self::DeemedAccepted)
    }

    /// The transition table. `Ok` means the action is legal in this state; the handler then
    /// decides the target state. Illegal moves are typed errors, never silently ignored.
    ///
    /// # Errors
    /// [`IntakeError::OneTimeNotice`] for a second notice, [`IntakeError::NoticeTooLate`] for a
    /// notice after deemed acceptance, [`IntakeError::IllegalTransition`] otherwise.
    pub fn check(self, action: Action, case: &str) -> Result<(), IntakeError> {
        use Action as A;
        use CaseState as S;
        let ok = match (self, action) {
            // A finished case only records that its result was collected (出件).
            (S::Completed, A::Collect) => true,
            (_, A::Collect) | (S::Rejected | S::Refused | S::Completed, _) => false,
            (S::Open, A::Supplement | A::Extend | A::Refuse | A::Pause | A::Resume)
            | (
                S::NoticeDue,
                A::DeferNotice
                | A::Complete
                | A::Supplement
                | A::Extend
                | A::Refuse
                | A::Pause
                | A::Resume,
            )
            | (
                S::NoticeIssued,
                A::RecordMaterials
                | A::Accept
                | A::DeferNotice
                | A::Complete
                | A::Extend
                | A::Refuse
                | A::Pause
                | A::Resume,
            )
            // An accepted case is completed (办结) when the department has finished it, or
            // refused after review (GD Art 21).
            | (
                S::Accepted | S::DeemedAccepted,
                A::Accept | A::DeferNotice | A::Reject | A::Supplement,
            )
            | (S::Accepted, A::Notice) => false,
            (S::NoticeIssued, A::Notice) => return Err(IntakeError::OneTimeNotice {
                case: case.into(),
                detail:
                    "已出具补正材料通知书，不得再次告知 / a correction notice was already issued"
                        .into(),
            }),
            (S::DeemedAccepted, A::Notice) => {
                return Err(IntakeError::NoticeTooLate { case: case.into() })
            }
            (S::Open | S::NoticeDue, _)
            | (S::NoticeIssued, A::Reject | A::Supplement)
            | (
                S::Accepted | S::DeemedAccepted,
                A::RecordMaterials | A::Extend | A::Complete | A::Refuse | A::Pause | A::Resume,
            ) => true,
        };
        if ok {
            Ok(())
        } else {
            Err(IntakeError::IllegalTransition {
                case: case.into(),
                state: self,
                action: action.as_str(),
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    /// Resident ID (or the document `id_kind` names) for a person, unified social credit code
    /// for an organisation. Full number: the case is only shown whole at the counter handling
    /// it (PIPL; DOMAIN "Privacy").
    pub id_number: String,
    /// Which identity document `id_number` is from (a person's; organisations use credit codes).
    #[serde(default)]
    pub id_kind: PersonIdKind,
    /// How staff checked the person's identity, when a device did it (absent: by eye).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_checked: Option<IdentityCheck>,
}

/// How a person's identity was checked at the counter (PY 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityCheck {
    /// The resident ID card was read by the window's card reader (chip verified by its SAM).
    IdCard,
}

impl IdentityCheck {
    /// As printed on documents.
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::IdCard => "已核验身份证",
        }
    }
}

/// How an agent's authorisation was confirmed (GD Art 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authorisation {
    #[default]
    Written,
    Online,
    Phone,
}

impl Authorisation {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Written => "书面授权委托书",
            Self::Online => "线上确认",
            Self::Phone => "电话确认",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub name: String,
    pub id_number: String,
    #[serde(default)]
    pub id_kind: PersonIdKind,
    #[serde(default)]
    pub authorisation: Authorisation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_checked: Option<IdentityCheck>,
}

/// Status of one catalogue material on a case. `pending` and `shared` are set by the system
/// only; commands use [`super::ReportedStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialStatus {
    /// Not yet checked; a required material still pending counts as missing.
    Pending,
    Submitted,
    Missing,
    Nonconforming,
    CorrectedOnSpot,
    /// 容缺: follows after acceptance, owed by a date.
    Tolerated,
    /// 告知承诺: replaced by the applicant's written commitment.
    Committed,
    /// Obtained by data sharing; may not be demanded (GD 19(5)).
    Shared,
}

impl MaterialStatus {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Pending => "待核验",
            Self::Submitted => "已提交",
            Self::Missing => "缺少",
            Self::Nonconforming => "不符合要求",
            Self::CorrectedOnSpot => "已当场更正",
            Self::Tolerated => "容缺后补",
            Self::Committed => "告知承诺",
            Self::Shared => "数据共享获取，免提交",
        }
    }

    /// Does this status satisfy a required material for acceptance?
    #[must_use]
    pub fn satisfies(self) -> bool {
        matches!(
            self,
            Self::Submitted | Self::CorrectedOnSpot | Self::Tolerated | Self::Committed
        )
    }
}

/// One line of the case's checklist, copied from the catalogue when the case is opened so the
/// case keeps the terms it was received under.
#[allow(clippy::struct_excessive_bools)] // the catalogue's own flags, one per legal regime
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialLine {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub tolerable: bool,
    pub commitment: bool,
    pub shared_data: bool,
    pub status: MaterialStatus,
    pub note: Option<String>,
    /// For a tolerated material: acceptance date + the item's tolerance days (working days).
    pub owed_by: Option<NaiveDate>,
}

impl MaterialLine {
    /// Missing, nonconforming, or required and never checked.
    #[must_use]
    pub fn is_deficient(&self) -> bool {
        match self.status {
            MaterialStatus::Missing | MaterialStatus::Nonconforming => true,
            MaterialStatus::Pending => self.required,
            _ => false,
        }
    }
}

/// One thing the correction notice asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deficiency {
    pub material: String,
    pub name: String,
    /// `missing` or `nonconforming`.
    pub status: MaterialStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub issued_on: NaiveDate,
    pub deficiencies: Vec<Deficiency>,
}

impl Notice {
    #[must_use]
    pub fn lists(&self, material: &str) -> bool {
        self.deficiencies.iter().any(|d| d.material == material)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub on: NaiveDate,
    pub days: u32,
    pub reason: String,
    /// The new due date.
    pub due_on: NaiveDate,
    /// Beyond the legal limit, within the item's statutory extra days.
    #[serde(default)]
    pub statutory: bool,
    /// The 报备 record: the 政务服务管理部门 the extension was reported to (GZ Art 13).
    #[serde(default)]
    pub reported_to: String,
}

/// The item's terms as published when the case was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub department: String,
    pub legal_basis: String,
    pub legal_days: u32,
    pub committed_days: u32,
    pub on_the_spot: bool,
    pub tolerance_days: u32,
    /// The deciding department's 复议机关 (GD Art 21); empty in logs from before it existed.
    #[serde(default)]
    pub reconsideration_body: String,
    /// The deciding department's seal.
    #[serde(default)]
    pub seal: String,
    /// Working days a statutory extension may add beyond the legal limit.
    #[serde(default)]
    pub statutory_extra_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Equal to the serial.
    pub id: String,
    /// 申请流水号, see the module docs for the format.
    pub serial: String,
    pub item: String,
    pub item_name: String,
    pub state: CaseState,
    pub received_on: NaiveDate,
    /// The last day for the one-time notice: five working days from receipt (GD 19(3)).
    pub notice_due_on: Option<NaiveDate>,
    /// `notice_due_on` rests on a year the calendar file does not cover yet.
    #[serde(default)]
    pub notice_due_provisional: bool,
    pub accepted_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    /// Committed completion date (working days from acceptance, plus extensions).
    pub due_on: Option<NaiveDate>,
    pub due_provisional: bool,
    pub applicant: Applicant,
    /// Staff accepted a USCC whose check character does not match (some issued codes do).
    pub id_override: bool,
    pub agent: Option<Agent>,
    pub ticket: Option<String>,
    pub window: Option<u32>,
    pub terms: Terms,
    pub materials: Vec<MaterialLine>,
    pub notice: Option<Notice>,
    pub extensions: Vec<Extension>,
    pub reasons: Vec<String>,
    pub documents: Vec<Document>,
    /// Finished at the counter on the day of receipt, never accepted first (当场办结).
    #[serde(default)]
    pub completed_on_the_spot: bool,
    #[serde(default)]
    pub pauses: Vec<Pause>,
    #[serde(default)]
    pub delivery: Delivery,
    /// Postal address for [`Delivery::Post`].
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// When the result was collected at the window (出件).
    #[serde(default)]
    pub collected_on: Option<NaiveDate>,
    #[serde(default)]
    pub reject_code: Option<RejectCode>,
    #[serde(default)]
    pub bundle: Option<BundleTerms>,
    /// Mobile number for notices (optional): a `pii` reference in the chain, masked in
    /// every view; only the notification sender reads it whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

impl Case {
    /// Everything the one-time notice would have to list right now.
    #[must_use]
    pub fn deficiencies(&self) -> Vec<Deficiency> {
        self.materials
            .iter()
            .filter(|m| m.is_deficient())
            .map(|m| Deficiency {
                material: m.id.clone(),
                name: m.name.clone(),
                status: if m.status == MaterialStatus::Nonconforming {
                    MaterialStatus::Nonconforming
                } else {
                    MaterialStatus::Missing
                },
                note: m.note.clone(),
            })
            .collect()
    }

    /// The special procedure running now, if any.
    #[must_use]
    pub fn open_pause(&self) -> Option<&Pause> {
        self.pauses.last().filter(|p| p.until.is_none())
    }

    /// Committed days plus every extension: the limit the due date reflects (pauses aside).
    #[must_use]
    pub fn limit_days(&self) -> u32 {
        self.terms
            .committed_days
            .saturating_add(self.extensions.iter().map(|e| e.days).sum())
    }

    /// Still waiting for the decision on acceptance: the five-working-day clock runs.
    #[must_use]
    pub fn awaiting_decision(&self) -> bool {
        matches!(self.state, CaseState::Open | CaseState::NoticeDue)
    }

    #[must_use]
    pub fn material(&self, id: &str) -> Option<&MaterialLine> {
        self.materials.iter().find(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_STATES: [CaseState; 8] = [
        CaseState::Open,
        CaseState::NoticeIssued,
        CaseState::NoticeDue,
        CaseState::Accepted,
        CaseState::DeemedAccepted,
        CaseState::Rejected,
        CaseState::Refused,
        CaseState::Completed,
    ];
    const ALL_ACTIONS: [Action; 12] = [
        Action::RecordMaterials,
        Action::Accept,
        Action::Notice,
        Action::DeferNotice,
        Action::Reject,
        Action::Complete,
        Action::Supplement,
        Action::Extend,
        Action::Refuse,
        Action::Pause,
        Action::Resume,
        Action::Collect,
    ];

    #[test]
    fn final_states_allow_nothing_but_collection_of_a_result() {
        for s in [
            CaseState::Rejected,
            CaseState::Refused,
            CaseState::Completed,
        ] {
            for a in ALL_ACTIONS {
                let expect = if s == CaseState::Completed && a == Action::Collect {
                    Ok(())
                } else {
                    Err("conflict")
                };
                assert_eq!(s.check(a, "x").map_err(|e| e.code()), expect, "{s:?} {a:?}");
            }
        }
    }

    #[test]
    fn table_matches_the_rules() {
        let allowed = |s: CaseState, a: Action| s.check(a, "x").is_ok();
        // Only accepted cases can be extended, paused or refused after review; only a case
        // with a notice can be supplemented.
        for s in ALL_STATES {
            for a in [
                Action::Extend,
                Action::Refuse,
                Action::Pause,
                Action::Resume,
            ] {
                assert_eq!(allowed(s, a), s.is_accepted(), "{s:?} {a:?}");
            }
            assert_eq!(
                allowed(s, Action::Supplement),
                s == CaseState::NoticeIssued,
                "{s:?}"
            );
            assert_eq!(
                allowed(s, Action::Complete),
                s == CaseState::Open || s.is_accepted(),
                "{s:?}"
            );
            assert_eq!(
                allowed(s, Action::Reject),
                matches!(
                    s,
                    CaseState::Open | CaseState::NoticeDue | CaseState::NoticeIssued
                ),
                "{s:?}"
            );
        }
        assert_eq!(
            CaseState::NoticeIssued
                .check(Action::Notice, "x")
                .map_err(|e| e.code()),
            Err("one_time_notice_violation")
        );
    }
}

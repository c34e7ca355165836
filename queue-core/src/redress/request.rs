//! 办不成事 requests and complaints under 首问负责: the window that received it first records
//! it and answers for it; it may be referred (转办) to a department and pressed (督办) by a
//! supervisor; the answer (反馈) says what the applicant was told and closes it.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Deadline, Step, StepKind};
use crate::ids::{self, PersonIdKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestCategory {
    /// 办不成事: something the applicant could not get done.
    CannotDo,
    /// 投诉.
    Complaint,
    /// 咨询 that needs an answer from a department.
    Enquiry,
}

impl RequestCategory {
    pub const ALL: [Self; 3] = [Self::CannotDo, Self::Complaint, Self::Enquiry];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CannotDo => "cannot_do",
            Self::Complaint => "complaint",
            Self::Enquiry => "enquiry",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::CannotDo => "办不成事",
            Self::Complaint => "投诉",
            Self::Enquiry => "咨询",
        }
    }

    #[must_use]
    pub fn label_en(self) -> &'static str {
        match self {
            Self::CannotDo => "cannot get it done",
            Self::Complaint => "complaint",
            Self::Enquiry => "enquiry",
        }
    }

    /// The letter in its serial.
    #[must_use]
    pub fn prefix(self) -> char {
        match self {
            Self::CannotDo => 'B',
            Self::Complaint => 'T',
            Self::Enquiry => 'Z',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Received,
    Referred,
    Supervised,
    Answered,
}

impl RequestState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Referred => "referred",
            Self::Supervised => "supervised",
            Self::Answered => "answered",
        }
    }
}

/// Who made the request. Under `applicant`, so the store keeps `name` and `id_number` out of
/// the chain; views show [`RequestApplicant::masked`] only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestApplicant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default)]
    pub id_kind: PersonIdKind,
}

impl RequestApplicant {
    /// Name to its first character, the document number masked per its kind.
    #[must_use]
    pub fn masked(&self) -> Self {
        Self {
            name: crate::hall::mask_name(&self.name),
            id_number: self
                .id_number
                .as_deref()
                .map(|n| ids::mask_person_id(self.id_kind, n)),
            id_kind: self.id_kind,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Serial, e.g. `440114-B20260302-001`; printed on the acknowledgement slip.
    pub id: String,
    pub category: RequestCategory,
    pub state: RequestState,
    /// 首问: the window that received it first, and who was signed in there.
    pub first_window: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_staff: Option<i64>,
    pub applicant: RequestApplicant,
    /// What the applicant asked or complained about.
    pub matter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The department it was last referred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub received_at: DateTime<FixedOffset>,
    pub deadline: Deadline,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<FixedOffset>>,
}

impl Request {
    #[must_use]
    pub fn step(&self, kind: StepKind) -> Option<&Step> {
        self.steps.iter().rev().find(|s| s.step == kind)
    }

    /// The same record with the applicant masked: what every view shows.
    #[must_use]
    pub fn masked(&self) -> Self {
        let mut r = self.clone();
        r.applicant = self.applicant.masked();
        r
    }

    #[must_use]
    pub fn closed_late(&self) -> bool {
        self.closed_at
            .is_some_and(|c| c.date_naive() > self.deadline.due_on)
    }
}

//! Bad-rating follow-up (差评回访整改): a rating of 1 or 2 opens one, owned by the chief
//! representative of the department concerned; 回访 → 整改 → 反馈 closes it.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Deadline, Owner, Step, StepKind};
use crate::config::HallConfig;
use crate::queue::Evaluation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Open,
    CalledBack,
    Rectified,
    Closed,
}

impl FollowUpState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::CalledBack => "called_back",
            Self::Rectified => "rectified",
            Self::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// Serial, e.g. `440114-H20260302-001`.
    pub id: String,
    pub state: FollowUpState,
    pub rating: u8,
    /// The applicant's reason for the rating (staff screens only).
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The public ticket number (`A023`), for the owner's call-back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Token id of the staff member rated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<i64>,
    pub owner: Owner,
    pub opened_at: DateTime<FixedOffset>,
    pub deadline: Deadline,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<FixedOffset>>,
}

impl FollowUp {
    /// The note of the first step of `kind`, if taken.
    #[must_use]
    pub fn step(&self, kind: StepKind) -> Option<&Step> {
        self.steps.iter().find(|s| s.step == kind)
    }

    /// Whether it was closed after its deadline.
    #[must_use]
    pub fn closed_late(&self) -> bool {
        self.closed_at
            .is_some_and(|c| c.date_naive() > self.deadline.due_on)
    }
}

/// The department a rated service belongs to: the case's item's, else the first catalogue
/// item of the ticket's queue (queues are organised by department).
#[must_use]
pub fn department_of(hall: &HallConfig, item: Option<&str>, queue: Option<&str>) -> Option<String> {
    item.and_then(|i| hall.item(i))
        .or_else(|| queue.and_then(|q| hall.items.iter().find(|i| i.queue == q)))
        .map(|i| i.department.clone())
}

/// The owner: the department's chief, else the centre's (`[redress] chief`).
#[must_use]
pub fn owner_for(hall: &HallConfig, department: Option<String>) -> Owner {
    let dept_chief = department
        .as_deref()
        .and_then(|d| hall.department(d))
        .and_then(|d| d.chief.clone());
    match (dept_chief, &hall.redress.chief) {
        (Some(c), _) => Owner {
            department,
            staff: c.staff,
            name: c.name,
        },
        (None, Some(c)) => Owner {
            department,
            staff: c.staff.clone(),
            name: c.name.clone(),
        },
        (None, None) => Owner {
            department,
            staff: String::new(),
            name: "中心负责人 centre head".into(),
        },
    }
}

/// The follow-up a dissatisfied `evaluation` opens (the caller checks the level).
#[must_use]
pub fn open(
    id: String,
    ev: &Evaluation,
    ticket_number: Option<String>,
    owner: Owner,
    deadline: Deadline,
    now: DateTime<FixedOffset>,
) -> FollowUp {
    FollowUp {
        id,
        state: FollowUpState::Open,
        rating: ev.rating,
        reason: ev.reason.clone().unwrap_or_default(),
        ticket: ev.ticket.clone(),
        ticket_number,
        case: ev.case.clone(),
        window: ev.window,
        queue: ev.queue.clone(),
        staff: ev.staff,
        owner,
        opened_at: now,
        deadline,
        steps: Vec::new(),
        closed_at: None,
    }
}

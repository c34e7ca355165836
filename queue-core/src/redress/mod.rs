//! The applicant's voice after the service: bad-rating follow-ups (差评回访整改, PLAN 3.5, GD 31)
//! and 办不成事 requests and complaints recorded under 首问负责 (first-responder responsibility,
//! GZ 6, 13, 18; PLAN 3.1), each carried to the feedback given to the applicant.
//!
//! Records live in the hall's state, built from events (`follow_up_*`, `request_*`), so replay
//! and checkpoints carry them. Events carry the whole post-change record: `apply` only stores.
//! The applicant of a request sits under `applicant` (`name`, `id_number`), which the store keeps
//! apart from the chain like a case's; every view masks it.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;

mod command;
mod decide;
mod follow_up;
pub mod policy;
mod request;

pub use command::RedressCommand;
pub use follow_up::{department_of, FollowUp, FollowUpState};
pub use policy::{Chief, RedressPolicy};
pub use request::{Request, RequestApplicant, RequestCategory, RequestState};

/// Who answers for a record: a department's (or the centre's) chief representative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Staff number; empty when the centre has configured no chief.
    pub staff: String,
    pub name: String,
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// 回访: the applicant was called back.
    Callback,
    /// 整改: what was put right.
    Rectification,
    /// 转办: passed to a department.
    Referral,
    /// 督办: a supervisor pressed for it.
    Supervision,
    /// 反馈: what the applicant was told; closes the record.
    Feedback,
}

/// One recorded step of a record, with who took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub step: StepKind,
    /// Staff free text: for staff screens only.
    pub note: String,
    pub at: DateTime<FixedOffset>,
    pub role: crate::auth::Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<i64>,
    /// For a referral: the department it went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Where an open record stands against its deadline on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Open,
    DueSoon,
    Overdue,
}

/// A deadline: `due_on` counted in working days, `warn_on` the first day it is "due soon".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub due_on: NaiveDate,
    pub warn_on: NaiveDate,
}

impl Deadline {
    /// `days` working days after `from`; due soon from `warn` working days before it.
    #[must_use]
    pub fn after(cal: &Calendar, from: NaiveDate, days: u32, warn: u32) -> Self {
        let due_on = cal.add_working_days(from, days).value;
        // The first day from which at most `warn` working days remain (bounded by the due date).
        let warn_on = from
            .iter_days()
            .take_while(|d| *d <= due_on)
            .find(|d| cal.working_days_between(*d, due_on).value <= i64::from(warn))
            .unwrap_or(due_on);
        Self { due_on, warn_on }
    }

    #[must_use]
    pub fn urgency(&self, today: NaiveDate) -> Urgency {
        if today > self.due_on {
            Urgency::Overdue
        } else if today >= self.warn_on {
            Urgency::DueSoon
        } else {
            Urgency::Open
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RedressEvent {
    FollowUpOpened { follow_up: FollowUp },
    FollowUpCalledBack { follow_up: FollowUp },
    FollowUpRectified { follow_up: FollowUp },
    FollowUpClosed { follow_up: FollowUp },
    RequestRecorded { request: Request },
    RequestReferred { request: Request },
    RequestSupervised { request: Request },
    RequestAnswered { request: Request },
}

impl RedressEvent {
    pub const KINDS: &'static [&'static str] = &[
        "follow_up_opened",
        "follow_up_called_back",
        "follow_up_rectified",
        "follow_up_closed",
        "request_recorded",
        "request_referred",
        "request_supervised",
        "request_answered",
    ];

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FollowUpOpened { .. } => "follow_up_opened",
            Self::FollowUpCalledBack { .. } => "follow_up_called_back",
            Self::FollowUpRectified { .. } => "follow_up_rectified",
            Self::FollowUpClosed { .. } => "follow_up_closed",
            Self::RequestRecorded { .. } => "request_recorded",
            Self::RequestReferred { .. } => "request_referred",
            Self::RequestSupervised { .. } => "request_supervised",
            Self::RequestAnswered { .. } => "request_answered",
        }
    }

    #[must_use]
    pub fn follow_up(&self) -> Option<&FollowUp> {
        match self {
            Self::FollowUpOpened { follow_up }
            | Self::FollowUpCalledBack { follow_up }
            | Self::FollowUpRectified { follow_up }
            | Self::FollowUpClosed { follow_up } => Some(follow_up),
            _ => None,
        }
    }

    /// Replaces the request this event carries (e.g. by its masked form).
    pub fn set_request(&mut self, new: Request) {
        match self {
            Self::RequestRecorded { request }
            | Self::RequestReferred { request }
            | Self::RequestSupervised { request }
            | Self::RequestAnswered { request } => *request = new,
            _ => {}
        }
    }

    #[must_use]
    pub fn request(&self) -> Option<&Request> {
        match self {
            Self::RequestRecorded { request }
            | Self::RequestReferred { request }
            | Self::RequestSupervised { request }
            | Self::RequestAnswered { request } => Some(request),
            _ => None,
        }
    }
}

/// Per-day numbering: the last day used and its count, per serial prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Counter {
    day: Option<NaiveDate>,
    n: u32,
}

// Serialisable for state checkpoints (`crate::checkpoint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Redress {
    pub follow_ups: BTreeMap<String, FollowUp>,
    pub requests: BTreeMap<String, Request>,
    counters: BTreeMap<String, Counter>,
}

/// `{centre}-{P}{YYYYMMDD}-{NNN}`, e.g. `440114-H20260302-001` (P: H 回访, B 办不成事, T 投诉,
/// Z 咨询); a thousandth record of a day widens to four digits, still unique.
#[must_use]
pub fn format_serial(centre: &str, prefix: char, day: NaiveDate, n: u32) -> String {
    format!("{centre}-{prefix}{}-{n:03}", day.format("%Y%m%d"))
}

fn serial_number(id: &str) -> Option<(String, NaiveDate, u32)> {
    let (head, n) = id.rsplit_once('-')?;
    let (centre, pd) = head.rsplit_once('-')?;
    let mut chars = pd.chars();
    let prefix = chars.next()?;
    let day = NaiveDate::parse_from_str(chars.as_str(), "%Y%m%d").ok()?;
    Some((format!("{centre}-{prefix}"), day, n.parse().ok()?))
}

impl Redress {
    /// The next serial for `prefix` on `day` (numbers are never reused: rebuilt by replay).
    #[must_use]
    pub fn next_serial(&self, centre: &str, prefix: char, day: NaiveDate) -> String {
        let key = format!("{centre}-{prefix}");
        let n = self
            .counters
            .get(&key)
            .filter(|c| c.day == Some(day))
            .map_or(1, |c| c.n + 1);
        format_serial(centre, prefix, day, n)
    }

    fn count(&mut self, id: &str) {
        if let Some((key, day, n)) = serial_number(id) {
            let c = self.counters.entry(key).or_default();
            if c.day == Some(day) {
                c.n = c.n.max(n);
            } else if c.day.is_none_or(|d| d < day) {
                *c = Counter { day: Some(day), n };
            }
        }
    }

    pub fn apply(&mut self, ev: &RedressEvent) {
        if let Some(f) = ev.follow_up() {
            self.count(&f.id);
            self.follow_ups.insert(f.id.clone(), f.clone());
        }
        if let Some(r) = ev.request() {
            self.count(&r.id);
            self.requests.insert(r.id.clone(), r.clone());
        }
    }

    /// Records not yet closed by feedback to the applicant.
    pub fn open_follow_ups(&self) -> impl Iterator<Item = &FollowUp> {
        self.follow_ups
            .values()
            .filter(|f| f.state != FollowUpState::Closed)
    }

    pub fn open_requests(&self) -> impl Iterator<Item = &Request> {
        self.requests
            .values()
            .filter(|r| r.state != RequestState::Answered)
    }
}

//! Deadlines worth an alert: the notice five working days after receipt (for every case not yet
//! decided, deferred or not), committed completion dates (not while a special procedure stops
//! the clock), tolerated (容缺) materials a working day before they are owed and once late.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::case::{CaseState, MaterialStatus};
use super::Cases;
use crate::calendar::Calendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// The written notice of a deferred case (after it: deemed acceptance).
    Notice,
    /// The committed completion date of an accepted case.
    Completion,
    /// A tolerated (容缺) material owed after acceptance.
    Material,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub case: String,
    pub kind: DueKind,
    pub due_on: NaiveDate,
    /// Working days from today to the due date: 0 due today, 1 due next working day,
    /// negative when past.
    pub working_days_left: i64,
    /// The material concerned, for [`DueKind::Material`].
    pub material: Option<String>,
}

impl Cases {
    /// Everything due by the next working day, or already past, most urgent first.
    #[must_use]
    pub fn due_soon(&self, today: NaiveDate, calendar: &Calendar) -> Vec<Due> {
        let mut out = Vec::new();
        let mut push = |case: &str, kind, due_on: NaiveDate, material: Option<String>| {
            let left = calendar.working_days_between(today, due_on).value;
            // A due date on a day off counts as due on the next working day.
            let left = if due_on < today { left.min(-1) } else { left };
            if left <= 1 {
                out.push(Due {
                    case: case.to_owned(),
                    kind,
                    due_on,
                    working_days_left: left,
                    material,
                });
            }
        };
        for c in self.iter() {
            match c.state {
                CaseState::Open | CaseState::NoticeDue => {
                    let d = c.notice_due_on.unwrap_or_else(|| {
                        calendar
                            .add_working_days(c.received_on, super::decide::NOTICE_WORKING_DAYS)
                            .value
                    });
                    push(&c.id, DueKind::Notice, d, None);
                }
                CaseState::Accepted | CaseState::DeemedAccepted => {
                    if let Some(d) = c.due_on.filter(|_| c.open_pause().is_none()) {
                        push(&c.id, DueKind::Completion, d, None);
                    }
                    for m in &c.materials {
                        if let (MaterialStatus::Tolerated, Some(d)) = (m.status, m.owed_by) {
                            push(&c.id, DueKind::Material, d, Some(m.id.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        out.sort_by(|a, b| {
            (a.working_days_left, a.due_on, &a.case).cmp(&(b.working_days_left, b.due_on, &b.case))
        });
        out
    }
}

impl Due {
    /// A stable alert id and the message, Chinese then English.
    #[must_use]
    pub fn alert_text(&self, serial: &str) -> (String, String, String) {
        let when_zh = match self.working_days_left {
            l if l < 0 => "已逾期",
            0 => "今天到期",
            _ => "下一个工作日到期",
        };
        let when_en = match self.working_days_left {
            l if l < 0 => "is overdue",
            0 => "is due today",
            _ => "is due on the next working day",
        };
        let due = self.due_on;
        match self.kind {
            DueKind::Notice => (
                format!("notice_due:{serial}"),
                format!("办件 {serial} 的补正告知{when_zh}（{due}），逾期未告知即自收件之日视为受理"),
                format!("the correction notice for {serial} {when_en} ({due}); after that the case is deemed accepted from receipt"),
            ),
            DueKind::Completion => (
                format!("deadline:{serial}"),
                if self.working_days_left < 0 {
                    format!("办件 {serial} 已超过承诺办结时限 {due}")
                } else {
                    format!("办件 {serial} 承诺办结时限 {due} 将至")
                },
                if self.working_days_left < 0 {
                    format!("case {serial} is past its committed deadline {due}")
                } else {
                    format!("case {serial} is due {due}")
                },
            ),
            DueKind::Material => {
                let m = self.material.as_deref().unwrap_or_default();
                (
                    format!("material_due:{serial}:{m}"),
                    format!("办件 {serial} 容缺材料 {m} {when_zh}（{due}）"),
                    format!("tolerated material {m} of {serial} {when_en} ({due})"),
                )
            }
        }
    }
}

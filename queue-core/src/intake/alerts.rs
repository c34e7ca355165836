//! Deadlines worth an alert: deferred notices, committed completion dates, tolerated materials.

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
                CaseState::NoticeDue => {
                    if let Some(d) = c.notice_due_on {
                        push(&c.id, DueKind::Notice, d, None);
                    }
                }
                CaseState::Accepted | CaseState::DeemedAccepted => {
                    if let Some(d) = c.due_on {
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

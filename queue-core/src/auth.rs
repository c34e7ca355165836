//! Roles and who may send what. The table here is the single place the hall consults.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Counter,
    Kiosk,
    Supervisor,
    Manager,
    Display,
    /// The rating pad (窗口评价器) facing the applicant at one window.
    Pad,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Kiosk => "kiosk",
            Self::Supervisor => "supervisor",
            Self::Manager => "manager",
            Self::Display => "display",
            Self::Pad => "pad",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "counter" => Self::Counter,
            "kiosk" => Self::Kiosk,
            "supervisor" => Self::Supervisor,
            "manager" => Self::Manager,
            "display" => Self::Display,
            "pad" => Self::Pad,
            _ => return None,
        })
    }

    /// May this role see names, ID numbers and staff free text at all? Kiosks, displays and
    /// rating pads stand in the public hall: no.
    #[must_use]
    pub fn sees_personal_data(self) -> bool {
        !matches!(self, Self::Display | Self::Kiosk | Self::Pad)
    }

    /// Tokens of these roles are bound to one window.
    #[must_use]
    pub fn has_window(self) -> bool {
        matches!(self, Self::Counter | Self::Pad)
    }

    /// Whether `kind` (a command kind) may be sent by this role.
    #[must_use]
    pub fn may_send(self, kind: &str) -> bool {
        use Role::{Counter, Display, Kiosk, Manager, Pad, Supervisor};
        match kind {
            "query_case" => true,
            "issue_ticket" | "check_in" => matches!(self, Kiosk | Counter),
            // Staff actions: a public terminal may not refuse, cancel, reinstate or book.
            "refuse_urgent" => self == Counter,
            "book_appointment" => matches!(self, Counter | Manager),
            "cancel_ticket" => matches!(self, Counter | Supervisor | Manager),
            "report_device" => matches!(self, Counter | Kiosk),
            "call_next" | "recall" | "no_show" | "start_service" | "finish" | "transfer"
            | "reinstate" | "pause" | "resume" => self == Counter,
            "case_open" | "case_materials" | "case_decide" | "case_supplement" | "case_extend"
            | "case_pause" | "case_resume" | "case_collect" | "case_take_over" => self == Counter,
            // Nobody rates their own service: not the counter; the applicant at the kiosk, or
            // a supervisor on the applicant's behalf; the pad at the window that just served.
            "evaluate" => matches!(self, Kiosk | Supervisor | Pad),
            "ack_alert" => matches!(self, Supervisor | Manager),
            // Bad-rating follow-ups are supervision of staff: not by the staff rated.
            "follow_up_callback" | "follow_up_rectify" | "follow_up_feedback" => {
                matches!(self, Supervisor | Manager)
            }
            // 首问负责: any window records; it (or supervision) refers and answers; only a
            // supervisor or manager presses (督办).
            "request_record" => self == Counter,
            "request_refer" | "request_answer" => matches!(self, Counter | Supervisor | Manager),
            "request_supervise" => matches!(self, Supervisor | Manager),
            "set_window" | "set_threshold" => self == Manager,
            _ => {
                let _ = Display;
                false
            }
        }
    }
}

/// Who sent a command: the role from the token, the window a counter token is bound to, and
/// the token itself (recorded with every event it causes; `None` for in-process tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    pub window: Option<u32>,
    /// The token's id: who, not just which role (ratings, the log's actor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<i64>,
    /// A chief representative's departments (GZ 8). Not in the log: the token id says who,
    /// and the bits index this hall's configuration only.
    #[serde(skip)]
    pub departments: DepartmentScope,
}

/// How many `[[departments]]` a hall may list: scopes are bit sets over that list.
pub const MAX_DEPARTMENTS: usize = 128;

/// The departments a supervisor token is scoped to, as bits over the configuration's
/// `[[departments]]` (in order); `ALL` for managers, other roles and unscoped supervisors.
/// A bit set keeps `Actor` and the fan-out's per-event test cheap (one AND per client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DepartmentScope(Option<u128>);

impl DepartmentScope {
    pub const ALL: Self = Self(None);

    /// The scope of `names` (department names) over `departments` (the configured list,
    /// in order). Names the configuration no longer lists are dropped: a scope only narrows.
    #[must_use]
    pub fn of<'a>(departments: impl Iterator<Item = &'a str>, names: &[String]) -> Self {
        if names.is_empty() {
            return Self::ALL;
        }
        let mut bits = 0u128;
        for (i, d) in departments.enumerate().take(MAX_DEPARTMENTS) {
            if names.iter().any(|n| n == d) {
                bits |= 1 << i;
            }
        }
        Self(Some(bits))
    }

    /// Scoped to some departments (not everything).
    #[must_use]
    pub fn is_scoped(self) -> bool {
        self.0.is_some()
    }

    /// Whether something concerning `concerns` is in scope: `None` is hall-wide (queues,
    /// windows, tickets: the hall is shared), anything else must share a department.
    #[must_use]
    pub fn sees(self, concerns: Option<u128>) -> bool {
        match (self.0, concerns) {
            (None, _) | (_, None) => true,
            (Some(mine), Some(c)) => mine & c != 0,
        }
    }

    /// The indices in scope (`None` when unscoped).
    #[must_use]
    pub fn indices(self) -> Option<Vec<usize>> {
        self.0
            .map(|b| (0..MAX_DEPARTMENTS).filter(|i| b & (1 << i) != 0).collect())
    }
}

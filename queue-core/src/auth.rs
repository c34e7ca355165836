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
            _ => return None,
        })
    }

    /// May this role see names and ID numbers at all?
    #[must_use]
    pub fn sees_personal_data(self) -> bool {
        !matches!(self, Self::Display)
    }

    /// Whether `kind` (a command kind) may be sent by this role.
    #[must_use]
    pub fn may_send(self, kind: &str) -> bool {
        use Role::{Counter, Display, Kiosk, Manager, Supervisor};
        match kind {
            "query_case" => true,
            "issue_ticket" | "check_in" | "refuse_urgent" => matches!(self, Kiosk | Counter),
            "book_appointment" => matches!(self, Kiosk | Manager),
            "cancel_ticket" => matches!(self, Kiosk | Counter | Supervisor | Manager),
            "report_device" => matches!(self, Counter | Kiosk),
            "call_next" | "recall" | "no_show" | "start_service" | "finish" | "transfer"
            | "reinstate" | "pause" | "resume" => self == Counter,
            "case_open" | "case_materials" | "case_decide" | "case_supplement" | "case_extend"
            | "case_pause" | "case_resume" | "case_collect" => self == Counter,
            "evaluate" => matches!(self, Counter | Supervisor),
            "ack_alert" => matches!(self, Supervisor | Manager),
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<i64>,
}

//! Queue commands as they arrive on the protocol (`{"kind": …}`).

use serde::{Deserialize, Serialize};

use super::ticket::Channel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QueueCommand {
    IssueTicket {
        queue: String,
        #[serde(default = "walk_in")]
        channel: Channel,
        #[serde(default)]
        id_number: Option<String>,
        /// Back with corrections after a notice.
        #[serde(default)]
        returning: bool,
        /// Optional mainland mobile number for "your turn is near" (masked in every view).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mobile: Option<String>,
    },
    CheckIn {
        appointment_code: String,
        /// Proof of holding the booking: the last 4 characters of its ID number.
        #[serde(default)]
        id_last4: Option<String>,
        /// Optional mainland mobile number, as for `issue_ticket`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mobile: Option<String>,
    },
    BookAppointment {
        queue: String,
        /// Local slot start, `YYYY-MM-DDTHH:MM`.
        slot: String,
        #[serde(default)]
        id_number: Option<String>,
    },
    RefuseUrgent {
        queue: String,
        reason: String,
    },
    CancelTicket {
        ticket: String,
        #[serde(default)]
        reason: Option<String>,
    },
    CallNext {
        /// Call this ticket instead of the head of the line (needs `reason`).
        #[serde(default)]
        ticket: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    Recall {},
    NoShow {},
    StartService {},
    Finish {
        #[serde(default)]
        outcome: Option<String>,
    },
    Transfer {
        ticket: String,
        queue: String,
    },
    Reinstate {
        ticket: String,
    },
    Pause {
        #[serde(default)]
        reason: Option<String>,
    },
    Resume {},
    Evaluate {
        #[serde(default)]
        ticket: Option<String>,
        #[serde(default)]
        case: Option<String>,
        rating: u8,
        #[serde(default)]
        reason: Option<String>,
        /// The token of a slip's rating link (`/rate/<token>`), instead of `ticket`/`case`:
        /// the link is the authority (kiosk role, as the hall's public rating page submits).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
    SetWindow {
        window: u32,
        state: WindowSetting,
        #[serde(default)]
        queues: Option<Vec<String>>,
    },
    SetThreshold {
        queue: String,
        #[serde(default)]
        max_wait_minutes: Option<u32>,
        #[serde(default)]
        max_waiting: Option<u32>,
        #[serde(default)]
        target_wait_minutes: Option<u32>,
    },
    ReportDevice {
        device: DeviceKind,
        ok: bool,
        #[serde(default)]
        message: Option<String>,
    },
}

fn walk_in() -> Channel {
    Channel::WalkIn
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowSetting {
    Open,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Printer,
    Scanner,
    /// The resident ID card reader (`"id_reader"`).
    IdReader,
}

impl QueueCommand {
    /// The protocol `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::IssueTicket { .. } => "issue_ticket",
            Self::CheckIn { .. } => "check_in",
            Self::BookAppointment { .. } => "book_appointment",
            Self::RefuseUrgent { .. } => "refuse_urgent",
            Self::CancelTicket { .. } => "cancel_ticket",
            Self::CallNext { .. } => "call_next",
            Self::Recall { .. } => "recall",
            Self::NoShow { .. } => "no_show",
            Self::StartService { .. } => "start_service",
            Self::Finish { .. } => "finish",
            Self::Transfer { .. } => "transfer",
            Self::Reinstate { .. } => "reinstate",
            Self::Pause { .. } => "pause",
            Self::Resume { .. } => "resume",
            Self::Evaluate { .. } => "evaluate",
            Self::SetWindow { .. } => "set_window",
            Self::SetThreshold { .. } => "set_threshold",
            Self::ReportDevice { .. } => "report_device",
        }
    }

    /// Every kind this enum accepts, for dispatching a raw frame.
    pub const KINDS: &'static [&'static str] = &[
        "issue_ticket",
        "check_in",
        "book_appointment",
        "refuse_urgent",
        "cancel_ticket",
        "call_next",
        "recall",
        "no_show",
        "start_service",
        "finish",
        "transfer",
        "reinstate",
        "pause",
        "resume",
        "evaluate",
        "set_window",
        "set_threshold",
        "report_device",
    ];
}

//! Tickets (号) and their states.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::staffing::WaitRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WalkIn,
    Green,
    Urgent,
    Appointment,
}

impl Channel {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WalkIn => "walk_in",
            Self::Green => "green",
            Self::Urgent => "urgent",
            Self::Appointment => "appointment",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::WalkIn => "普通",
            Self::Green => "绿色通道",
            Self::Urgent => "急事急办",
            Self::Appointment => "预约",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    Transferred,
}

impl TicketState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Done => "done",
            Self::NoShow => "no_show",
            Self::Cancelled => "cancelled",
            Self::Transferred => "transferred",
        }
    }

    /// Still in the hall's hands (counts against "one live ticket per ID").
    #[must_use]
    pub fn is_live(self) -> bool {
        matches!(self, Self::Waiting | Self::Called | Self::Serving)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// `YYYYMMDD-A023`: unique in the centre for ever.
    pub id: String,
    /// `A023`: unique per queue per service day.
    pub number: String,
    pub queue: String,
    pub channel: Channel,
    pub state: TicketState,
    pub issued_at: DateTime<FixedOffset>,
    pub called_at: Option<DateTime<FixedOffset>>,
    pub served_at: Option<DateTime<FixedOffset>>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    pub window: Option<u32>,
    /// People ahead when issued.
    pub ahead: u32,
    /// The range printed at issue. The writer leaves it empty (estimating is too slow for the
    /// command path); the server fills it into the issuing reply from its estimate board, so
    /// events carry `null` (logs before 2026-12 hold the figure given then).
    pub estimated_wait: Option<WaitRange>,
    /// Times called (1 = first call; recalls add one).
    pub calls: u32,
    /// Waiting credit counts from here: issue time, kept across transfers, moved on reinstate.
    pub credit_since: DateTime<FixedOffset>,
    /// Came back with corrections (补正): gets the `returning` head start.
    #[serde(default)]
    pub returning: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_to: Option<String>,
    /// Token id of the staff member who called it (ratings count for them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by: Option<i64>,
    /// Mobile number for notices (optional). Personal: a `pii` reference in the chain,
    /// masked for staff, never shown to public terminals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// The last day (centre local) the slip's rating link is valid: the first working day
    /// after issue. The hall keeps a finished ticket rateable until then (`rateable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_until: Option<chrono::NaiveDate>,
}

impl Ticket {
    /// The ticket code printed in the QR code and read back by scanners.
    #[must_use]
    pub fn code(&self) -> String {
        format!("TK:{}", self.id)
    }

    /// A copy fit for the public display and other roles without personal data.
    #[must_use]
    pub fn redacted(&self) -> Self {
        let mut t = self.clone();
        t.id_number = None;
        t.appointment = None;
        t.mobile = None;
        // Free text typed by staff may name people: never on a public screen.
        t.outcome = None;
        t
    }

    /// Seconds waited so far, or until called.
    #[must_use]
    pub fn waited_seconds(&self, now: DateTime<FixedOffset>) -> i64 {
        let end = self.called_at.unwrap_or(now);
        (end - self.issued_at).num_seconds().max(0)
    }
}

/// Parses a scanned `TK:` code back to a ticket id.
#[must_use]
pub fn ticket_id_from_code(code: &str) -> Option<&str> {
    code.strip_prefix("TK:")
}

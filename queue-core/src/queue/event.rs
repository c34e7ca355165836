//! Queue events. Each carries the post-change object, so `apply` never recomputes a decision.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::command::DeviceKind;
use super::ticket::Ticket;
use super::window::Window;
use crate::config::QueueConfig;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    pub code: String,
    pub queue: String,
    pub slot: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// Where an applicant gave a rating (the 好差评 platform's 评价渠道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingChannel {
    /// 窗口评价器: the pad at the window.
    Pad,
    /// 自助终端: the kiosk, by ticket number.
    Kiosk,
    /// 工作人员代评: a supervisor on the applicant's behalf.
    OnBehalf,
    /// 扫码评价: the signed link in the QR on the ticket slip, from the applicant's phone.
    Qr,
}

impl RatingChannel {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pad => "pad",
            Self::Kiosk => "kiosk",
            Self::OnBehalf => "on_behalf",
            Self::Qr => "qr",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    pub rating: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
    /// Queue of the ticket, for per-queue counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Token id of the staff member who served (counts for them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<i64>,
    /// Recorded by a supervisor on the applicant's behalf (not at the kiosk).
    #[serde(default)]
    pub on_behalf: bool,
    /// The case's item, when a case was rated (the 好差评 export's 事项).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The department whose service was rated (its chief representative sees the rating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Where it was given; absent on ratings recorded before channels were (the export then
    /// goes by the actor's role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<RatingChannel>,
}

// Most variants carry a whole ticket; the small ones are rare.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueEvent {
    TicketIssued {
        ticket: Ticket,
    },
    TicketCalled {
        ticket: Ticket,
        /// Why this ticket went before one issued earlier, when it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        out_of_order: Option<String>,
    },
    TicketRecalled {
        ticket: Ticket,
    },
    TicketNoShow {
        ticket: Ticket,
    },
    TicketReinstated {
        ticket: Ticket,
    },
    ServiceStarted {
        ticket: Ticket,
    },
    ServiceFinished {
        ticket: Ticket,
    },
    /// `ticket` is the new ticket in the target queue; `from` the old one, now `transferred`.
    TicketTransferred {
        ticket: Ticket,
        from: Ticket,
    },
    TicketCancelled {
        ticket: Ticket,
        reason: String,
    },
    WindowChanged {
        window: Window,
    },
    ThresholdChanged {
        queue: QueueConfig,
    },
    AppointmentBooked {
        appointment: Appointment,
    },
    UrgentRefused {
        queue: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<u32>,
    },
    EvaluationRecorded {
        evaluation: Evaluation,
    },
    DeviceReported {
        /// The reporting window; `null` for the entrance kiosk.
        #[serde(default)]
        window: Option<u32>,
        device: DeviceKind,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

impl QueueEvent {
    /// The protocol `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TicketIssued { .. } => "ticket_issued",
            Self::TicketCalled { .. } => "ticket_called",
            Self::TicketRecalled { .. } => "ticket_recalled",
            Self::TicketNoShow { .. } => "ticket_no_show",
            Self::TicketReinstated { .. } => "ticket_reinstated",
            Self::ServiceStarted { .. } => "service_started",
            Self::ServiceFinished { .. } => "service_finished",
            Self::TicketTransferred { .. } => "ticket_transferred",
            Self::TicketCancelled { .. } => "ticket_cancelled",
            Self::WindowChanged { .. } => "window_changed",
            Self::ThresholdChanged { .. } => "threshold_changed",
            Self::AppointmentBooked { .. } => "appointment_booked",
            Self::UrgentRefused { .. } => "urgent_refused",
            Self::EvaluationRecorded { .. } => "evaluation_recorded",
            Self::DeviceReported { .. } => "device_reported",
        }
    }

    /// The event with personal data removed, for roles that may not see it; `None` when the
    /// event is of no concern to such a role at all.
    #[must_use]
    pub fn redacted(&self) -> Option<Self> {
        let r = |t: &Ticket| t.redacted();
        Some(match self {
            Self::TicketIssued { ticket } => Self::TicketIssued { ticket: r(ticket) },
            Self::TicketCalled { ticket, .. } => Self::TicketCalled {
                ticket: r(ticket),
                out_of_order: None,
            },
            Self::TicketRecalled { ticket } => Self::TicketRecalled { ticket: r(ticket) },
            Self::TicketNoShow { ticket } => Self::TicketNoShow { ticket: r(ticket) },
            Self::TicketReinstated { ticket } => Self::TicketReinstated { ticket: r(ticket) },
            Self::ServiceStarted { ticket } => Self::ServiceStarted { ticket: r(ticket) },
            Self::ServiceFinished { ticket } => Self::ServiceFinished { ticket: r(ticket) },
            Self::TicketTransferred { ticket, from } => Self::TicketTransferred {
                ticket: r(ticket),
                from: r(from),
            },
            Self::TicketCancelled { ticket, .. } => Self::TicketCancelled {
                ticket: r(ticket),
                reason: String::new(),
            },
            Self::WindowChanged { .. } | Self::ThresholdChanged { .. } => self.clone(),
            Self::AppointmentBooked { .. }
            | Self::UrgentRefused { .. }
            | Self::EvaluationRecorded { .. }
            | Self::DeviceReported { .. } => return None,
        })
    }
}

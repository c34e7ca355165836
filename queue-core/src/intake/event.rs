//! Case events. Each carries the whole case after the change (and the document it issued), so
//! applying an event never recomputes anything: replay is deterministic whatever the calendar
//! file, catalogue or key in force at replay time.

use serde::{Deserialize, Serialize};

use super::case::{Case, Extension};
use crate::document::Document;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEvent {
    CaseOpened {
        case: Box<Case>,
        /// Per-day sequence number inside the serial; restores the counter on replay.
        sequence: u32,
    },
    MaterialsRecorded {
        case: Box<Case>,
    },
    /// The notice will be given in writing within five working days.
    NoticeDeferred {
        case: Box<Case>,
    },
    NoticeIssued {
        case: Box<Case>,
        document: Box<Document>,
    },
    CaseAccepted {
        case: Box<Case>,
        document: Box<Document>,
    },
    CaseDeemedAccepted {
        case: Box<Case>,
        document: Box<Document>,
    },
    CaseRejected {
        case: Box<Case>,
        document: Box<Document>,
    },
    CaseCompleted {
        case: Box<Case>,
        document: Box<Document>,
    },
    CaseExtended {
        case: Box<Case>,
        extension: Extension,
    },
    /// Another window continues the case (`case_take_over`): recorded with the reason.
    CaseTakenOver {
        case: Box<Case>,
        /// The window that had it.
        #[serde(default)]
        from: Option<u32>,
        reason: String,
    },
}

impl CaseEvent {
    #[must_use]
    pub fn case(&self) -> &Case {
        match self {
            Self::CaseOpened { case, .. }
            | Self::MaterialsRecorded { case }
            | Self::NoticeDeferred { case }
            | Self::NoticeIssued { case, .. }
            | Self::CaseAccepted { case, .. }
            | Self::CaseDeemedAccepted { case, .. }
            | Self::CaseRejected { case, .. }
            | Self::CaseCompleted { case, .. }
            | Self::CaseExtended { case, .. }
            | Self::CaseTakenOver { case, .. } => case,
        }
    }

    /// Replaces the case this event carries (for per-role views).
    pub fn set_case(&mut self, new: Case) {
        match self {
            Self::CaseOpened { case, .. }
            | Self::MaterialsRecorded { case }
            | Self::NoticeDeferred { case }
            | Self::NoticeIssued { case, .. }
            | Self::CaseAccepted { case, .. }
            | Self::CaseDeemedAccepted { case, .. }
            | Self::CaseRejected { case, .. }
            | Self::CaseCompleted { case, .. }
            | Self::CaseExtended { case, .. }
            | Self::CaseTakenOver { case, .. } => **case = new,
        }
    }

    #[must_use]
    pub fn document(&self) -> Option<&Document> {
        match self {
            Self::NoticeIssued { document, .. }
            | Self::CaseAccepted { document, .. }
            | Self::CaseDeemedAccepted { document, .. }
            | Self::CaseRejected { document, .. }
            | Self::CaseCompleted { document, .. } => Some(document),
            _ => None,
        }
    }

    /// The protocol `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CaseOpened { .. } => "case_opened",
            Self::MaterialsRecorded { .. } => "materials_recorded",
            Self::NoticeDeferred { .. } => "notice_deferred",
            Self::NoticeIssued { .. } => "notice_issued",
            Self::CaseAccepted { .. } => "case_accepted",
            Self::CaseDeemedAccepted { .. } => "case_deemed_accepted",
            Self::CaseRejected { .. } => "case_rejected",
            Self::CaseCompleted { .. } => "case_completed",
            Self::CaseExtended { .. } => "case_extended",
            Self::CaseTakenOver { .. } => "case_taken_over",
        }
    }
}

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
    /// Materials taken in for review: the 收件回执 (absent in logs from before it existed).
    NoticeDeferred {
        case: Box<Case>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<Box<Document>>,
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
    CaseRefused {
        case: Box<Case>,
        document: Box<Document>,
    },
    /// With the 延期告知书 (absent in logs from before it existed).
    CaseExtended {
        case: Box<Case>,
        extension: Extension,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<Box<Document>>,
    },
    CasePaused {
        case: Box<Case>,
        document: Box<Document>,
    },
    CaseResumed {
        case: Box<Case>,
    },
    /// The applicant's 告知承诺书 for the materials now marked `committed`.
    CommitmentRecorded {
        case: Box<Case>,
        document: Box<Document>,
    },
    ResultCollected {
        case: Box<Case>,
    },
}

impl CaseEvent {
    #[must_use]
    pub fn case(&self) -> &Case {
        match self {
            Self::CaseOpened { case, .. }
            | Self::MaterialsRecorded { case }
            | Self::NoticeDeferred { case, .. }
            | Self::NoticeIssued { case, .. }
            | Self::CaseRefused { case, .. }
            | Self::CasePaused { case, .. }
            | Self::CaseResumed { case }
            | Self::CommitmentRecorded { case, .. }
            | Self::ResultCollected { case }
            | Self::CaseAccepted { case, .. }
            | Self::CaseDeemedAccepted { case, .. }
            | Self::CaseRejected { case, .. }
            | Self::CaseCompleted { case, .. }
            | Self::CaseExtended { case, .. } => case,
        }
    }

    #[must_use]
    pub fn document(&self) -> Option<&Document> {
        match self {
            Self::NoticeIssued { document, .. }
            | Self::CaseAccepted { document, .. }
            | Self::CaseDeemedAccepted { document, .. }
            | Self::CaseRejected { document, .. }
            | Self::CaseCompleted { document, .. }
            | Self::CaseRefused { document, .. }
            | Self::CasePaused { document, .. }
            | Self::CommitmentRecorded { document, .. } => Some(document),
            Self::NoticeDeferred { document, .. } | Self::CaseExtended { document, .. } => {
                document.as_deref()
            }
            Self::CaseOpened { .. }
            | Self::MaterialsRecorded { .. }
            | Self::CaseResumed { .. }
            | Self::ResultCollected { .. } => None,
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
            Self::CaseRefused { .. } => "case_refused",
            Self::CasePaused { .. } => "case_paused",
            Self::CaseResumed { .. } => "case_resumed",
            Self::CommitmentRecorded { .. } => "commitment_recorded",
            Self::ResultCollected { .. } => "result_collected",
        }
    }
}

//! The kinds of case document, their titles and the letter each has in verification strings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 受理通知书 (also for deemed acceptance, 视为受理).
    Acceptance,
    /// 补正材料通知书 (the one-time notice).
    CorrectionNotice,
    /// 不予受理决定书.
    Rejection,
    /// 办结通知书: finished, on the spot or after acceptance (the statement says which).
    Completion,
    /// 收件回执 (申请回执, PY Art 11): materials taken in for review, dated proof of receipt.
    ApplicationReceipt,
    /// 不予许可决定书 / 审查不通过决定书: refusal after review (GD Art 21).
    Refusal,
    /// 延期告知书 (GZ Art 13).
    ExtensionNotice,
    /// 特别程序告知书: the clock stops for a special procedure (PLAN 3.1).
    SpecialProcedureNotice,
    /// 告知承诺书: the applicant's written commitment replacing a proof (GD Art 27).
    Commitment,
}

impl DocumentKind {
    #[must_use]
    pub fn title_zh(self) -> &'static str {
        match self {
            Self::Acceptance => "受理通知书",
            Self::CorrectionNotice => "补正材料通知书",
            Self::Rejection => "不予受理决定书",
            Self::Completion => "办结通知书",
            Self::ApplicationReceipt => "收件回执",
            Self::Refusal => "不予许可决定书",
            Self::ExtensionNotice => "延期告知书",
            Self::SpecialProcedureNotice => "特别程序告知书",
            Self::Commitment => "告知承诺书",
        }
    }

    #[must_use]
    pub fn title_en(self) -> &'static str {
        match self {
            Self::Acceptance => "Notice of acceptance",
            Self::CorrectionNotice => "Notice to supplement or correct materials",
            Self::Rejection => "Decision of non-acceptance",
            Self::Completion => "Notice of completion",
            Self::ApplicationReceipt => "Receipt of application materials",
            Self::Refusal => "Decision of refusal after review",
            Self::ExtensionNotice => "Notice of extension",
            Self::SpecialProcedureNotice => "Notice of special procedure",
            Self::Commitment => "Letter of commitment",
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::CorrectionNotice => "correction_notice",
            Self::Rejection => "rejection",
            Self::Completion => "completion",
            Self::ApplicationReceipt => "application_receipt",
            Self::Refusal => "refusal",
            Self::ExtensionNotice => "extension_notice",
            Self::SpecialProcedureNotice => "special_procedure_notice",
            Self::Commitment => "commitment",
        }
    }

    /// One-letter code used inside verification strings (QR space is scarce).
    pub(super) fn letter(self) -> &'static str {
        match self {
            Self::Acceptance => "A",
            Self::CorrectionNotice => "N",
            Self::Rejection => "R",
            Self::Completion => "C",
            Self::ApplicationReceipt => "P",
            Self::Refusal => "F",
            Self::ExtensionNotice => "E",
            Self::SpecialProcedureNotice => "S",
            Self::Commitment => "K",
        }
    }

    pub(super) fn from_letter(s: &str) -> Option<Self> {
        Some(match s {
            "A" => Self::Acceptance,
            "N" => Self::CorrectionNotice,
            "R" => Self::Rejection,
            "C" => Self::Completion,
            "P" => Self::ApplicationReceipt,
            "F" => Self::Refusal,
            "E" => Self::ExtensionNotice,
            "S" => Self::SpecialProcedureNotice,
            "K" => Self::Commitment,
            _ => return None,
        })
    }
}

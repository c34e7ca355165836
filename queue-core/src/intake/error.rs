//! Why a case command was refused. Each variant maps to a stable protocol `code()`.

use super::case::CaseState;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    #[error("事项不存在 / unknown item {0:?}")]
    ItemNotFound(String),
    #[error("办件不存在 / no case {0:?}")]
    CaseNotFound(String),
    #[error("请求无效 / bad request: {0}")]
    BadRequest(String),
    #[error("材料 {material:?} 不在本事项办事指南中 / material {material:?} is not in the guide of item {item}")]
    UnknownMaterial { item: String, material: String },
    #[error("{who}证件号码无效 / invalid {who_en} ID number: {reason}")]
    InvalidId {
        who: &'static str,
        who_en: &'static str,
        reason: String,
    },
    #[error(transparent)]
    InvalidMobile(#[from] crate::ids::MobileError),
    #[error("事项 {item} 须申请人本人到场办理，不接受代理 / item {item} requires personal attendance: no agent")]
    AgentNotAllowed { item: String },
    #[error("材料“{name}”可通过数据共享获取，不得要求申请人提供 / {material} is obtainable by data sharing and may not be demanded (GD 19(5))")]
    SharedDataDemanded { material: String, name: String },
    #[error(
        "材料“{name}”不在容缺受理清单内 / {material} may not be tolerated (容缺) for this item"
    )]
    NotTolerable { material: String, name: String },
    #[error(
        "材料“{name}”不适用告知承诺 / {material} may not be replaced by a commitment (告知承诺)"
    )]
    NotCommitment { material: String, name: String },
    #[error("事项 {item} 不能当场办结 / item {item} cannot be completed on the spot")]
    NotOnTheSpot { item: String },
    #[error("延期后 {would_be} 个工作日超过法定时限 {legal_days} 个工作日 / extension to {would_be} working days exceeds the legal limit of {legal_days}")]
    BeyondLegalLimit { would_be: u32, legal_days: u32 },
    #[error("办件 {case} 当前状态“{}”不能执行 {action} / case {case} is {} and cannot {action}", state.label_zh(), state.as_str())]
    IllegalTransition {
        case: String,
        state: CaseState,
        action: &'static str,
    },
    #[error("申请材料不齐全或不符合要求：{} / materials incomplete: {}", .missing.join("、"), .missing.join(", "))]
    MaterialsIncomplete { missing: Vec<String> },
    #[error("申请材料已齐全，无需补正 / nothing to correct: the materials are complete")]
    NothingToCorrect,
    #[error("一次性告知：{detail} / one-time notice rule (GD 19(3)) on case {case}")]
    OneTimeNotice { case: String, detail: String },
    #[error("办件 {case} 逾期未告知补正，自收到材料之日起视为受理，不得再告知 / case {case} is deemed accepted (no notice within five working days); a notice is no longer possible")]
    NoticeTooLate { case: String },
    #[error("申请材料不齐全或不符合要求（{}），应一次性告知补正，不得以此不予受理 / materials are missing or nonconforming ({}): give the one-time notice; they are no ground for non-acceptance (GD 19(3))", .missing.join("、"), .missing.join(", "))]
    OneTimeNoticeRequired { missing: Vec<String> },
    #[error(
        "办件 {case} 正在进行特别程序，请先结束 / case {case} is paused for a special procedure"
    )]
    Paused { case: String },
    #[error("办件 {case} 未暂停 / case {case} is not paused")]
    NotPaused { case: String },
    #[error("事项 {item} 承诺时限超过法定时限 / item {item}: committed days exceed the legal limit (GD Art 20)")]
    CommittedBeyondLegal { item: String },
}

impl IntakeError {
    /// Stable `snake_case` code for protocol error replies.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::ItemNotFound(_) | Self::CaseNotFound(_) => "not_found",
            Self::BadRequest(_) | Self::UnknownMaterial { .. } => "bad_request",
            Self::InvalidId { .. } => "invalid_id",
            Self::InvalidMobile(_) => "invalid_mobile",
            Self::AgentNotAllowed { .. }
            | Self::SharedDataDemanded { .. }
            | Self::NotTolerable { .. }
            | Self::NotCommitment { .. }
            | Self::NotOnTheSpot { .. }
            | Self::BeyondLegalLimit { .. } => "forbidden",
            Self::IllegalTransition { .. }
            | Self::MaterialsIncomplete { .. }
            | Self::NothingToCorrect
            | Self::NoticeTooLate { .. }
            | Self::Paused { .. }
            | Self::NotPaused { .. }
            | Self::CommittedBeyondLegal { .. } => "conflict",
            Self::OneTimeNotice { .. } => "one_time_notice_violation",
            Self::OneTimeNoticeRequired { .. } => "one_time_notice_required",
        }
    }
}

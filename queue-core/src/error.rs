//! Domain errors with stable protocol codes.

use crate::intake::IntakeError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    #[error("无权执行 forbidden: {0}")]
    Forbidden(String),
    #[error("请求有误 bad request: {0}")]
    BadRequest(String),
    #[error("未找到 not found: {0}")]
    NotFound(String),
    #[error("冲突 conflict: {0}")]
    Conflict(String),
    /// Past its time (a rating link after its last day).
    #[error("已过期 expired: {0}")]
    Expired(String),
    #[error("队列无人等候 queue empty: no ticket is waiting in {0}")]
    QueueEmpty(String),
    #[error("证件号码无效 invalid id: {0}")]
    InvalidId(String),
    #[error(transparent)]
    InvalidMobile(#[from] crate::ids::MobileError),
    #[error("{message}")]
    Intake { code: &'static str, message: String },
}

impl DomainError {
    /// Stable snake_case code for the protocol.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden(_) => "forbidden",
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Expired(_) => "expired",
            Self::QueueEmpty(_) => "queue_empty",
            Self::InvalidId(_) => "invalid_id",
            Self::InvalidMobile(_) => "invalid_mobile",
            Self::Intake { code, .. } => code,
        }
    }
}

impl From<IntakeError> for DomainError {
    fn from(e: IntakeError) -> Self {
        Self::Intake {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

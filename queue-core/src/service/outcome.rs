//! Command replies as the protocol sends them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DomainError;

/// A reply as the protocol sends it (`ok`, then `seq`+`result` or `error`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

impl Outcome {
    #[must_use]
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self {
            ok: false,
            seq: None,
            result: None,
            error: Some(ErrorBody {
                code: code.to_string(),
                message: message.into(),
            }),
        }
    }

    pub(super) fn from_domain(e: &DomainError) -> Self {
        Self::error(e.code(), e.to_string())
    }
}

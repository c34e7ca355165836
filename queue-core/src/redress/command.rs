//! The commands that carry follow-ups and requests to their feedback.

use serde::{Deserialize, Serialize};

use super::{RequestApplicant, RequestCategory};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RedressCommand {
    /// 回访: the owner called the applicant back.
    FollowUpCallback { follow_up: String, note: String },
    /// 整改: what was put right (after the call-back).
    FollowUpRectify { follow_up: String, note: String },
    /// 反馈: what the applicant was told of the result; closes the follow-up.
    FollowUpFeedback { follow_up: String, note: String },
    /// A counter records a 办不成事 request or complaint; it is the first responder.
    RequestRecord {
        category: RequestCategory,
        applicant: RequestApplicant,
        matter: String,
        #[serde(default)]
        item: Option<String>,
        /// The ticket being served, as id, scanned code or today's number.
        #[serde(default)]
        ticket: Option<String>,
    },
    /// 转办 to a department named in the configuration.
    RequestRefer {
        request: String,
        department: String,
        note: String,
    },
    /// 督办 by a supervisor.
    RequestSupervise { request: String, note: String },
    /// 反馈: what the applicant was told; closes the request.
    RequestAnswer { request: String, note: String },
}

impl RedressCommand {
    pub const KINDS: &'static [&'static str] = &[
        "follow_up_callback",
        "follow_up_rectify",
        "follow_up_feedback",
        "request_record",
        "request_refer",
        "request_supervise",
        "request_answer",
    ];

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FollowUpCallback { .. } => "follow_up_callback",
            Self::FollowUpRectify { .. } => "follow_up_rectify",
            Self::FollowUpFeedback { .. } => "follow_up_feedback",
            Self::RequestRecord { .. } => "request_record",
            Self::RequestRefer { .. } => "request_refer",
            Self::RequestSupervise { .. } => "request_supervise",
            Self::RequestAnswer { .. } => "request_answer",
        }
    }
}

//! What a case records beyond its materials: non-acceptance grounds, special-procedure pauses,
//! the delivery chosen at intake and the items of a 一件事 bundle.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Special procedures whose time does not count against the committed limit (PLAN 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 现场勘验
    Inspection,
    /// 检验检测、技术审查
    Testing,
    /// 听证
    Hearing,
    /// 专家评审、论证
    ExpertReview,
}

impl Procedure {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Inspection => "现场勘验",
            Self::Testing => "检验检测",
            Self::Hearing => "听证",
            Self::ExpertReview => "专家评审",
        }
    }
}

/// A clock stop for a special procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub procedure: Procedure,
    pub reason: String,
    pub from: NaiveDate,
    /// `None` while the procedure runs.
    pub until: Option<NaiveDate>,
    /// Working days in `(from, until]`: what the due date moved by.
    pub working_days: u32,
}

/// How the applicant receives the result (GD Art 22), chosen at intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// 窗口领取
    #[default]
    Collection,
    /// 邮寄送达
    Post,
    /// 电子送达
    Electronic,
}

impl Delivery {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Collection => "窗口领取",
            Self::Post => "邮寄送达",
            Self::Electronic => "电子送达",
        }
    }
}

/// Grounds for non-acceptance (行政许可法 Art 32(1)(2)): never the materials, which go through
/// the one-time notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// 申请事项依法不需要取得许可或不属于依申请办理的事项
    NotRequired,
    /// 申请事项依法不属于本机关职权范围
    OutsideCompetence,
    /// 法律、法规规定的其他不予受理情形 (a stated reason is required)
    OtherStatutory,
}

impl RejectCode {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotRequired => "申请事项依法不需要取得行政许可或不属于依申请办理的政务服务事项",
            Self::OutsideCompetence => "申请事项依法不属于本机关职权范围，请向有关机关申请",
            Self::OtherStatutory => "属于法律、法规规定的其他不予受理情形",
        }
    }
}

/// 一件事: several items taken in as one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleTerms {
    pub code: String,
    pub lead_department: String,
    pub sequential: bool,
    /// (item code, item name, department, committed days) of each item.
    pub items: Vec<BundleItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleItem {
    pub code: String,
    pub name: String,
    pub department: String,
    pub legal_days: u32,
    pub committed_days: u32,
}

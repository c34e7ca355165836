//! The operative sentence of each document, in Chinese. It must be true: a completion says
//! 当场办结 only when the case was finished at the counter on the day of receipt.

use std::fmt::Write as _;

use super::case::{Case, CaseState, MaterialStatus};
use super::decide::NOTICE_WORKING_DAYS;
use crate::document::DocumentKind;

/// The liability text of a 告知承诺书 (GD Art 27).
pub const COMMITMENT_LIABILITY: &str = "申请人承诺所作承诺真实、准确、完整，已知晓相关条件和要求，\
     愿意承担不实承诺的法律责任；经核查承诺不实的，行政机关依法撤销相关决定，并记入信用记录。";

pub(crate) fn statement(kind: DocumentKind, case: &Case) -> String {
    let item = &case.item_name;
    match kind {
        DocumentKind::Acceptance => acceptance(case),
        DocumentKind::CorrectionNotice => format!(
            "您申请的“{item}”申请材料不齐全或者不符合法定形式。依照《广东省政务服务数字化条例》第十九条第（三）项，\
             现一次性告知需要补正的全部材料如下。按本通知补正且符合要求的，本机关予以受理，不再提出本通知以外的补正要求。"
        ),
        DocumentKind::Rejection => format!("经审查，您申请的“{item}”不予受理，理由如下。"),
        DocumentKind::Refusal => format!(
            "您申请的“{item}”已于{}受理。经审查，本机关决定不予许可（审查不予通过），理由如下。",
            case.accepted_on.map(|d| d.to_string()).unwrap_or_default()
        ),
        DocumentKind::Completion => {
            if case.completed_on_the_spot {
                format!("您申请的“{item}”已当场办结。")
            } else {
                format!(
                    "您申请的“{item}”已于{}办结（{}受理{}）。办理结果将按您选择的方式送达。",
                    case.completed_on.map(|d| d.to_string()).unwrap_or_default(),
                    case.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
                    match case.due_on {
                        Some(due) if case.completed_on.is_some_and(|c| c > due) => {
                            format!("，承诺办结时限{due}，已逾期")
                        }
                        Some(due) => format!("，承诺办结时限{due}"),
                        None => String::new(),
                    }
                )
            }
        }
        DocumentKind::ApplicationReceipt => format!(
            "本中心已于{}收到您申请“{item}”的申请材料（见下表）。材料需进一步审查：如需补正，本机关将自收到申请材料之日起\
             {NOTICE_WORKING_DAYS}个工作日内（即{}前）一次性告知；逾期未告知的，自收到申请材料之日起即为受理\
             （《广东省政务服务数字化条例》第十九条第（三）项）。",
            case.received_on,
            case.notice_due_on.map(|d| d.to_string()).unwrap_or_default()
        ),
        DocumentKind::ExtensionNotice => {
            let e = case.extensions.last();
            format!(
                "您申请的“{item}”因下列原因不能在原定时限内办结，{}延长{}个工作日，办结时限延至{}。\
                 本次延期已报{}备案（《广州市政务服务条例》第十三条）。",
                if e.is_some_and(|e| e.statutory) {
                    "经本机关负责人批准，依法"
                } else {
                    "现"
                },
                e.map_or(0, |e| e.days),
                case.due_on.map(|d| d.to_string()).unwrap_or_default(),
                e.map(|e| e.reported_to.as_str()).unwrap_or_default()
            )
        }
        DocumentKind::SpecialProcedureNotice => {
            let p = case.pauses.last();
            format!(
                "您申请的“{item}”需自{}起进行{}。依照《广东省加快推进政务服务标准化规范化便利化工作实施方案》3.1，\
                 特别程序所需时间不计入承诺办结时限；特别程序结束后，本机关将重新计算并告知办结时限。",
                p.map(|p| p.from.to_string()).unwrap_or_default(),
                p.map(|p| p.procedure.label_zh()).unwrap_or_default()
            )
        }
        DocumentKind::Commitment => {
            let names: Vec<&str> = case
                .materials
                .iter()
                .filter(|m| m.status == MaterialStatus::Committed)
                .map(|m| m.name.as_str())
                .collect();
            format!(
                "申请人就“{item}”以书面承诺代替下列证明材料：{}。本机关不再索要上述材料。{COMMITMENT_LIABILITY}",
                names.join("、")
            )
        }
    }
}

fn acceptance(case: &Case) -> String {
    let item = &case.item_name;
    let mut s = if case.state == CaseState::DeemedAccepted {
        format!(
            "本机关未在收到申请材料之日起五个工作日内一次性告知需要补正的材料，依照《广东省政务服务数字化条例》\
             第十九条第（三）项，您申请的“{item}”自收到申请材料之日（{}）起即为受理。",
            case.received_on
        )
    } else {
        format!("经审查，您申请的“{item}”申请材料齐全、符合法定形式，本机关决定予以受理。")
    };
    if let Some(due) = case.due_on {
        let days = case.limit_days();
        let _ = write!(s, "承诺于{due}前办结（自受理之日起{days}个工作日");
        s.push_str(if case.extensions.is_empty() {
            "）。"
        } else {
            "，含延期）。"
        });
    }
    for m in case
        .materials
        .iter()
        .filter(|m| m.status == MaterialStatus::Tolerated)
    {
        if let Some(by) = m.owed_by {
            let _ = write!(s, "容缺材料“{}”请于{by}前补交。", m.name);
        }
    }
    s
}

//! What `/verify` adds to a genuine verification string: the masked name and where the case
//! stands now (a document may have been superseded; the case extended, rejected, finished).
//! Public page: shown through the same masking as every other public view.

use queue_core::document::VerifiedFields;
use queue_core::hall::{mask_name, Hall};

use crate::document_page::esc;

/// HTML for the case behind `f`, or a line saying the hall does not hold it.
#[must_use]
pub fn status_html(hall: &Hall, f: &VerifiedFields) -> String {
    let Some(case) = hall.cases.by_serial(&f.serial) else {
        return "<p>本中心无此办件记录 this centre holds no case with that serial</p>".into();
    };
    let mut lines = vec![
        format!(
            "申请人 applicant: {}",
            esc(&mask_name(&case.applicant.name))
        ),
        format!(
            "办件当前状态 current state: {} ({})",
            case.state.label_zh(),
            case.state.as_str()
        ),
    ];
    // The newest document of the case is in force; an older one has been superseded.
    let this = case
        .documents
        .iter()
        .position(|d| d.kind == f.kind && d.issued_on == f.issued_on && d.serial == f.serial);
    match this {
        Some(i) if i + 1 < case.documents.len() => {
            let later = &case.documents[case.documents.len() - 1];
            lines.push(format!(
                "<b>此文书已被取代 this document has been superseded</b> by {} ({}) of {}",
                later.kind.title_zh(),
                later.kind.title_en(),
                later.issued_on
            ));
        }
        Some(_) => lines.push("此文书为最新文书 this is the case's latest document".into()),
        None => {}
    }
    if let Some(x) = case.extensions.last() {
        lines.push(format!(
            "已延期 extended by {} working days; now due {}",
            x.days, x.due_on
        ));
    } else if let Some(d) = case.due_on {
        lines.push(format!("承诺办结日期 due on {d}"));
    }
    if let Some(d) = case.completed_on {
        lines.push(format!("办结日期 completed on {d}"));
    }
    format!(
        "<ul class=status>{}</ul>",
        lines
            .iter()
            .map(|l| format!("<li>{l}</li>"))
            .collect::<String>()
    )
}

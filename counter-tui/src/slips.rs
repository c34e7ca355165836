//! Tickets and documents as printed slips: the device crate's layouts fed from hall objects,
//! and the same bytes rendered back to text for the on-screen preview.

use chrono::{DateTime, FixedOffset, NaiveDate};
use device::printer::{
    acknowledgement, document, render_bytes, ticket, AckSlip, DocumentSlip, PaperWidth, TicketSlip,
};
use queue_core::document::{Document, DocumentKind};
use queue_core::intake::{Case, MaterialStatus};
use queue_core::queue::Ticket;

/// Receipt printers at the counters and kiosks are 80 mm.
pub const PAPER: PaperWidth = PaperWidth::Mm80;

/// A printable job: the bytes for the printer and their text rendering for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub label: String,
    pub bytes: Vec<u8>,
    pub text: String,
}

fn job(label: String, bytes: Vec<u8>) -> Job {
    let text = render_bytes(&bytes, PAPER.columns());
    Job { label, bytes, text }
}

#[must_use]
pub fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// The kiosk's ticket slip; `rating_url` (the issuing reply's, when the hall has a public
/// address) adds the "扫码评价" QR.
///
/// # Errors
/// When the layout cannot encode it (it always can for hall tickets: ASCII QR payloads).
pub fn ticket_job(
    t: &Ticket,
    centre: &str,
    queue_name: &str,
    rating_url: Option<&str>,
) -> Result<Job, String> {
    let slip = TicketSlip {
        centre_name: centre.to_string(),
        queue_name: queue_name.to_string(),
        number: t.number.clone(),
        ticket_id: t.id.clone(),
        people_ahead: t.ahead,
        wait_minutes: t.estimated_wait.map(|w| (w.low_minutes, w.high_minutes)),
        issued_at: t.issued_at.format("%Y-%m-%d %H:%M").to_string(),
        footer: vec!["请留意叫号屏幕及语音提示，过号请到咨询台重新排队。".into()],
        // Only an address the printer can encode: the hall sends ASCII, anything else is left off.
        rating_url: rating_url
            .filter(|u| u.is_ascii() && !u.is_empty())
            .map(str::to_string),
    };
    let bytes = ticket(&slip, PAPER).map_err(|e| e.to_string())?.bytes;
    Ok(job(format!("号 ticket {}", t.number), bytes))
}

fn material_line(name: &str, status: MaterialStatus, note: Option<&str>) -> String {
    let mut s = format!("{name}（{}）", status.label_zh());
    if let Some(n) = note.filter(|n| !n.is_empty()) {
        s.push('：');
        s.push_str(n);
    }
    s
}

/// A committed document from the hall, as the counter printer prints it.
///
/// # Errors
/// When the layout cannot encode it (e.g. a non-ASCII verification string).
pub fn document_job(d: &Document) -> Result<Job, String> {
    let b = &d.body;
    let mut fields = vec![(
        "申请人".to_string(),
        format!("{}（{}）", b.applicant.name, b.applicant.id_masked),
    )];
    if let Some(a) = &b.agent {
        fields.push((
            "代理人".into(),
            format!(
                "{}（{}，{}）",
                a.name,
                a.id_masked,
                a.authorisation.label_zh()
            ),
        ));
    }
    if let Some(line) = crate::idcard::checked_line(b) {
        fields.push(("身份核验".into(), line));
    }
    fields.push(("事项".into(), format!("{}（{}）", b.item.name, b.item.code)));
    fields.push(("办理部门".into(), b.item.department.clone()));
    fields.push(("收件日期".into(), date_zh(b.received_on)));
    if let Some(a) = b.accepted_on {
        fields.push(("受理日期".into(), date_zh(a)));
    }
    if let Some(due) = b.due_on {
        fields.push((
            "承诺办结".into(),
            format!("{}（{} 个工作日）", date_zh(due), b.item.committed_days),
        ));
    }
    if let Some(w) = b.window {
        fields.push(("窗口".into(), format!("{w} 号窗口")));
    }
    let materials: Vec<String> = if d.kind == DocumentKind::CorrectionNotice {
        b.deficiencies
            .iter()
            .map(|x| material_line(&x.name, x.status, x.note.as_deref()))
            .collect()
    } else {
        b.materials
            .iter()
            .map(|m| material_line(&m.name, m.status, m.note.as_deref()))
            .collect()
    };
    let mut footer = vec![b.statement.clone()];
    footer.extend(b.reasons.iter().map(|r| format!("理由：{r}")));
    if let Some(a) = &b.appeal {
        footer.push(a.text.clone());
    }
    footer.push(b.query_hint.clone());
    let slip = DocumentSlip {
        title: d.title.clone(),
        issuer: d.seal.clone(),
        date: date_zh(d.issued_on),
        serial: d.serial.clone(),
        fields,
        materials,
        verification: d.verification.clone(),
        footer: footer.into_iter().filter(|l| !l.is_empty()).collect(),
    };
    let bytes = document(&slip, PAPER).map_err(|e| e.to_string())?.bytes;
    Ok(job(format!("{} {}", d.kind.title_zh(), d.serial), bytes))
}

/// What the document of `kind` would say for `case` with these material statuses, before the
/// hall issues it: shown for confirmation, never printed (no seal, no verification).
#[must_use]
pub fn draft_text(
    kind: DocumentKind,
    case: &Case,
    statuses: &[(String, MaterialStatus, Option<String>)],
    today: DateTime<FixedOffset>,
    centre: &str,
) -> String {
    // As the hall will list them: a required material never checked counts as missing.
    let materials: Vec<String> = statuses
        .iter()
        .zip(&case.materials)
        .filter_map(|((name, s, note), m)| {
            let s = match s {
                MaterialStatus::Pending if m.required => MaterialStatus::Missing,
                other => *other,
            };
            let listed = kind != DocumentKind::CorrectionNotice
                || matches!(s, MaterialStatus::Missing | MaterialStatus::Nonconforming);
            listed.then(|| material_line(name, s, note.as_deref()))
        })
        .collect();
    let slip = DocumentSlip {
        title: format!("{}（预览）", kind.title_zh()),
        issuer: centre.to_string(),
        date: date_zh(today.date_naive()),
        serial: case.serial.clone(),
        fields: vec![
            (
                "申请人".into(),
                format!(
                    "{}（{}）",
                    case.applicant.name,
                    queue_core::ids::mask(&case.applicant.id_number)
                ),
            ),
            (
                "事项".into(),
                format!("{}（{}）", case.item_name, case.item),
            ),
            ("办理部门".into(), case.terms.department.clone()),
        ],
        materials,
        verification: "DV1.DRAFT".into(),
        footer: vec![
            "草稿：确认后由大厅出具并加盖印章 draft: the hall issues and seals it on confirmation"
                .into(),
        ],
    };
    match document(&slip, PAPER) {
        Ok(j) => render_bytes(&j.bytes, PAPER.columns()),
        Err(e) => format!("{}\n{e}", slip.title),
    }
}

/// The acknowledgement slip (受理回执 style) of a 办不成事 request or complaint: serial, date,
/// what was recorded, who answers for it (首问负责) and by when. `r` comes from the hall's
/// reply, so the applicant is already masked: the slip may be left on a desk.
///
/// # Errors
/// When the layout cannot encode it.
pub fn request_job(
    r: &queue_core::redress::Request,
    centre: &str,
    staff: &str,
) -> Result<Job, String> {
    let mut who = r.applicant.name.clone();
    if let Some(id) = &r.applicant.id_number {
        who.push_str(&format!("（{id}）"));
    }
    let mut fields = vec![
        ("申请人".to_string(), who),
        ("类别".to_string(), r.category.label_zh().to_string()),
    ];
    if let (Some(code), Some(name)) = (&r.item, &r.item_name) {
        fields.push(("事项".into(), format!("{name}（{code}）")));
    }
    let mut responsible = format!("{} 号窗口", r.first_window);
    if !staff.trim().is_empty() {
        responsible.push_str(&format!("（工作人员 {}）", staff.trim()));
    }
    fields.push(("首问责任".into(), responsible));
    fields.push((
        "答复期限".into(),
        format!("{}前（本中心规定时限）", date_zh(r.deadline.due_on)),
    ));
    let slip = AckSlip {
        title: format!("{}登记回执", r.category.label_zh()),
        issuer: centre.to_string(),
        date: r.received_at.format("%Y年%m月%d日 %H:%M").to_string(),
        serial: r.id.clone(),
        fields,
        matter: r.matter.clone(),
        footer: vec![
            "首问负责：本窗口负责跟踪办理，并在期限前将结果告知您。".into(),
            "查询或催办请报本回执编号。".into(),
        ],
    };
    let bytes = acknowledgement(&slip, PAPER)
        .map_err(|e| e.to_string())?
        .bytes;
    Ok(job(format!("{} {}", slip.title, r.id), bytes))
}

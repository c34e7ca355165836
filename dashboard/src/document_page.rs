//! A printable A4 page for a case document (受理通知书, 补正材料通知书, 不予受理决定书, 办结通知书,
//! 收件回执, 不予许可决定书, 延期告知书, 特别程序告知书, 告知承诺书):
//! self-contained HTML (inline CSS and SVG, no external resources), with the red seal, the date
//! and the QR code of the signed verification string.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use queue_core::document::{Document, DocumentKind};
use queue_core::intake::{Case, MaterialStatus};

/// Page language: Chinese, or Chinese with English sub-labels for cross-region applicants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    ZhEn,
}

impl Lang {
    fn label(self, zh: &str, en: &str) -> String {
        match self {
            Self::Zh => esc(zh),
            Self::ZhEn => format!("{}<span class=\"en\">{}</span>", esc(zh), esc(en)),
        }
    }
}

/// Escapes text for HTML element content and attribute values.
#[must_use]
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub const CSS: &str = r#"
@page { size: A4; margin: 16mm 16mm 18mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #000; background: #fff;
  font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", serif;
  font-size: 11pt; line-height: 1.6; }
.page { width: 178mm; margin: 0 auto; position: relative; }
.centre { text-align: center; font-size: 13pt; margin-top: 2mm; }
h1 { text-align: center; font-size: 21pt; letter-spacing: .25em; margin: 2mm 0 1mm; }
.en { display: block; font-size: 7.5pt; color: #444; letter-spacing: 0; font-family: sans-serif; }
h1 .en { font-size: 10pt; }
.serial { text-align: right; font-size: 10pt; margin-bottom: 2mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: .3mm solid #000; padding: 1.2mm 2mm; vertical-align: top; text-align: left; }
th { width: 30mm; font-weight: normal; background: #f3f3f3; }
table.materials th { width: auto; text-align: center; }
td.c { text-align: center; white-space: nowrap; }
h2 { font-size: 12pt; margin: 4mm 0 1mm; }
p.statement { text-indent: 2em; margin: 3mm 0; }
ol { margin: 1mm 0; padding-left: 7mm; }
.deficient { font-weight: bold; }
.foot { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 8mm;
  page-break-inside: avoid; }
.qr { width: 40mm; text-align: center; font-size: 7.5pt; }
.qr svg { width: 34mm; height: 34mm; display: block; margin: 0 auto; }
.code { font-family: monospace; font-size: 6pt; word-break: break-all; text-align: left; }
.issuer { position: relative; width: 70mm; height: 46mm; text-align: right; }
.issuer .text { position: absolute; right: 0; bottom: 6mm; font-size: 11pt; }
.issuer svg { position: absolute; right: 8mm; bottom: 0; width: 42mm; height: 42mm; opacity: .85; }
.hint, .progress { font-size: 9.5pt; }
.progress { border-top: .3mm dashed #888; margin-top: 6mm; padding-top: 2mm; color: #333; }
@media screen { body { background: #ddd; } .page { background: #fff; padding: 14mm; margin: 8mm auto;
  width: 210mm; min-height: 297mm; box-shadow: 0 0 3mm #888; } }
"#;

/// Renders the document as a printable A4 page. `case` supplies progress after issue
/// (extensions), shown apart from the document's own content.
#[must_use]
pub fn render_document_html(doc: &Document, case: &Case, lang: Lang) -> String {
    let b = &doc.body;
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{} {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<div class=\"page\">\n",
        esc(&doc.title),
        esc(&doc.serial)
    );
    let _ = write!(
        h,
        "<div class=\"centre\">{}</div>\n<h1>{}</h1>\n",
        esc(&doc.centre),
        lang.label(&doc.title, doc.kind.title_en())
    );
    let _ = writeln!(
        h,
        "<div class=\"serial\">{}{}</div>",
        lang.label("申请流水号：", "Serial: "),
        esc(&doc.serial)
    );

    parties(&mut h, doc, lang);
    let _ = writeln!(h, "<p class=\"statement\">{}</p>", esc(&b.statement));
    sections(&mut h, doc, lang);
    // Footer: QR code on the left, issuing body, date and seal on the right.
    let _ = write!(
        h,
        "<div class=\"foot\">\n<div class=\"qr\">{}<div>{}</div><div class=\"code\">{}</div></div>\n",
        qr_svg(&doc.verification),
        lang.label(
            "扫码或用 dashboard verify-receipt 核验真伪",
            "Scan or run dashboard verify-receipt to check"
        ),
        esc(&doc.verification)
    );
    let _ = write!(
        h,
        "<div class=\"issuer\">{}<div class=\"text\">{}（盖章）<br>{}</div></div>\n</div>\n",
        seal_svg(&doc.seal, doc.issued_on),
        esc(&doc.seal),
        esc(&zh_date(doc.issued_on))
    );
    // Progress after issue: not part of the signed document, so set apart.
    if doc.kind == DocumentKind::Acceptance && !case.extensions.is_empty() {
        let _ = writeln!(
            h,
            "<div class=\"progress\">{}<ol>",
            lang.label(
                "打印时办理进度（不属于原凭证内容）：延期告知",
                "Progress at printing (not part of the document): extensions"
            )
        );
        for e in &case.extensions {
            let _ = writeln!(
                h,
                "<li>{}延期 {} 个工作日，理由：{}；办结时限调整为{}前。</li>",
                esc(&zh_date(e.on)),
                e.days,
                esc(&e.reason),
                esc(&zh_date(e.due_on))
            );
        }
        h.push_str("</ol></div>\n");
    }
    h.push_str("</div>\n</body>\n</html>\n");
    h
}

/// ` 已核验身份证` after a party whose card was read at the window.
fn checked(c: Option<queue_core::intake::IdentityCheck>) -> String {
    c.map(|c| format!(" {}", c.label_zh())).unwrap_or_default()
}

/// The table of applicant, agent, item, dates and deadline.
fn parties(h: &mut String, doc: &Document, lang: Lang) {
    let b = &doc.body;
    // Parties and item.
    h.push_str("<table class=\"parties\">\n");
    let mut row = |zh: &str, en: &str, value: String| {
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td>{value}</td></tr>",
            lang.label(zh, en)
        );
    };
    row(
        "申请人",
        "Applicant",
        format!(
            "{}（{}{}）{}",
            esc(&b.applicant.name),
            if b.id_kind.is_empty() {
                String::new()
            } else {
                format!("{}：", esc(&b.id_kind))
            },
            esc(&b.applicant.id_masked),
            checked(b.applicant.identity_checked)
        ),
    );
    if let Some(a) = &b.agent {
        row(
            "委托代理人",
            "Agent",
            format!(
                "{}（{}）{}，授权方式：{}",
                esc(&a.name),
                esc(&a.id_masked),
                checked(a.identity_checked),
                esc(a.authorisation.label_zh())
            ),
        );
    }
    row(
        "申请事项",
        "Item",
        format!("{} {}", esc(&b.item.code), esc(&b.item.name)),
    );
    for (i, it) in b.bundle_items.iter().enumerate() {
        row(
            &format!("一件事事项{}", i + 1),
            "Bundled item",
            format!(
                "{} {}（{}，承诺 {} 个工作日）",
                esc(&it.code),
                esc(&it.name),
                esc(&it.department),
                it.committed_days
            ),
        );
    }
    row(
        if b.bundle_items.is_empty() {
            "办理部门"
        } else {
            "牵头部门"
        },
        "Department",
        esc(&b.item.department),
    );
    row("设定依据", "Legal basis", esc(&b.item.legal_basis));
    row("收件日期", "Received", esc(&zh_date(b.received_on)));
    if let Some(a) = b.accepted_on {
        let deemed = if b.deemed { "（视为受理）" } else { "" };
        row(
            "受理日期",
            "Accepted",
            format!("{}{deemed}", esc(&zh_date(a))),
        );
    }
    if let Some(due) = b.due_on {
        let provisional = if b.due_provisional {
            "（节假日安排未公布，日期暂定）"
        } else {
            ""
        };
        row(
            "承诺办结时限",
            "Due",
            format!(
                "{}前（承诺 {} 个工作日，法定 {} 个工作日）{provisional}",
                esc(&zh_date(due)),
                b.item.committed_days,
                b.item.legal_days
            ),
        );
    }
    if let Some(n) = b.notice_due_on {
        let provisional = if b.due_provisional {
            "（节假日安排未公布，日期暂定）"
        } else {
            ""
        };
        row(
            "补正告知期限",
            "Notice due by",
            format!(
                "{}前（收件之日起 5 个工作日；逾期未告知即视为受理）{provisional}",
                esc(&zh_date(n))
            ),
        );
    }
    if !b.delivery.is_empty() {
        row("结果送达", "Delivery", esc(&b.delivery));
    }
    if let Some(w) = b.window {
        row("受理窗口", "Window", format!("{w} 号窗口"));
    }
    h.push_str("</table>\n");
}

/// Deficiencies (notice), reasons and routes (rejection), materials and the query hint.
fn sections(h: &mut String, doc: &Document, lang: Lang) {
    let b = &doc.body;
    if doc.kind == DocumentKind::CorrectionNotice && !b.deficiencies.is_empty() {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<ol class=\"deficiencies\">",
            lang.label("需要补正的全部材料", "Everything to supplement or correct")
        );
        for d in &b.deficiencies {
            let note = d
                .note
                .as_deref()
                .map(|n| format!("：{}", esc(n)))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<li class=\"deficient\">{}（{}）{note}</li>",
                esc(&d.name),
                esc(d.status.label_zh())
            );
        }
        h.push_str("</ol>\n");
    }

    let reasons_title = match doc.kind {
        DocumentKind::Rejection | DocumentKind::Refusal => Some(("理由", "Reasons")),
        DocumentKind::ExtensionNotice => Some(("延期理由", "Reason for the extension")),
        DocumentKind::SpecialProcedureNotice => Some(("事由", "Reason")),
        _ => None,
    };
    if let Some((zh, en)) = reasons_title.filter(|_| !b.reasons.is_empty()) {
        let _ = writeln!(h, "<h2>{}</h2>\n<ol class=\"reasons\">", lang.label(zh, en));
        for r in &b.reasons {
            let _ = writeln!(h, "<li>{}</li>", esc(r));
        }
        h.push_str("</ol>\n");
        if let Some(a) = &b.appeal {
            let _ = writeln!(
                h,
                "<h2>{}</h2>\n<p class=\"statement appeal\">{}</p>",
                lang.label("救济途径和期限", "Complaint, review and litigation"),
                esc(&a.text)
            );
        }
    }

    if !b.materials.is_empty() {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<table class=\"materials\">\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            lang.label("申请材料", "Materials"),
            lang.label("序号", "No."),
            lang.label("材料名称", "Material"),
            lang.label("必需", "Required"),
            lang.label("状态", "Status"),
            lang.label("备注", "Note"),
        );
        for (i, m) in b.materials.iter().enumerate() {
            let status = if m.status == MaterialStatus::Pending && !m.required {
                "未提交（非必需）"
            } else {
                m.status.label_zh()
            };
            let mut note = m.note.as_deref().map(esc).unwrap_or_default();
            if let Some(by) = m.owed_by {
                let _ = write!(note, "{}前补交", esc(&zh_date(by)));
            }
            let _ = writeln!(
                h,
                "<tr><td class=\"c\">{}</td><td>{}</td><td class=\"c\">{}</td><td class=\"c\">{}</td><td>{note}</td></tr>",
                i + 1,
                esc(&m.name),
                if m.required { "是" } else { "否" },
                esc(status)
            );
        }
        h.push_str("</table>\n");
    }

    if doc.kind == DocumentKind::Commitment {
        let _ = writeln!(
            h,
            "<p class=\"statement\">{}＿＿＿＿＿＿＿＿　{}＿＿＿＿＿＿</p>",
            lang.label("申请人（签名或盖章）：", "Applicant (signature): "),
            lang.label("日期：", "Date: ")
        );
    }

    if !b.query_hint.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"hint\">{}{}</p>",
            lang.label("进度查询：", "Progress: "),
            esc(&b.query_hint)
        );
    }
}

/// The verification string as an inline SVG QR code, with the standard quiet zone so phone
/// cameras and counter scanners decode it.
fn qr_svg(data: &str) -> String {
    match QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M) {
        Ok(code) => {
            let s = code
                .render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .dark_color(svg::Color("#000000"))
                .light_color(svg::Color("#ffffff"))
                .build();
            // Inline SVG in HTML must not carry an XML declaration.
            match s.find("<svg") {
                Some(i) => s[i..].to_owned(),
                None => s,
            }
        }
        Err(e) => format!(
            "<div>二维码生成失败 QR error: {}</div>",
            esc(&e.to_string())
        ),
    }
}

/// A red round seal: the issuing body's name around the rim, a star, the special-purpose line
/// (the part in full-width brackets, if any) across, and the date.
fn seal_svg(seal: &str, date: NaiveDate) -> String {
    let (rim, across) = match seal.split_once('（') {
        Some((a, b)) => (a, b.trim_end_matches('）')),
        None => (seal, ""),
    };
    let n = rim.chars().count().max(1);
    // The rim arc spans 240° at r = 70: about 293 units for the whole name.
    let size = (280.0 / f64::from(u32::try_from(n).unwrap_or(u32::MAX))).clamp(9.0, 24.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\" role=\"img\" aria-label=\"{}\">\
         <defs><path id=\"seal-rim\" d=\"M 39.4 135 A 70 70 0 1 1 160.6 135\"/></defs>\
         <g fill=\"none\" stroke=\"#d40000\"><circle cx=\"100\" cy=\"100\" r=\"95\" stroke-width=\"5\"/></g>\
         <g fill=\"#d40000\" font-family=\"SimSun, 'Songti SC', serif\" text-anchor=\"middle\">\
         <text font-size=\"{size:.1}\" font-weight=\"bold\"><textPath href=\"#seal-rim\" startOffset=\"50%\">{}</textPath></text>\
         <polygon points=\"100,62 109,89 137,89 114,105 123,132 100,115 77,132 86,105 63,89 91,89\"/>\
         <text x=\"100\" y=\"152\" font-size=\"13\">{}</text>\
         <text x=\"100\" y=\"172\" font-size=\"11\">{}</text></g></svg>",
        esc(seal),
        esc(rim),
        esc(across),
        esc(&zh_date(date))
    );
    s
}

#[cfg(test)]
#[path = "document_page_tests.rs"]
mod tests;

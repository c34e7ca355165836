//! The two slips the service centre prints: queue tickets and documents
//! (acceptance notices etc.). Plain input structs, no queue-core types.

use super::escpos::{
    fit_module_size, Align, Cut, EncodeError, EscPos, PaperWidth, PrintJob, QrEc, QrOptions,
};
use crate::scanner::ticket_payload;

/// A queue ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSlip {
    /// Service centre, e.g. "广州市天河区政务服务中心".
    pub centre_name: String,
    /// Queue, e.g. "社保业务".
    pub queue_name: String,
    /// The called number, e.g. "A023".
    pub number: String,
    /// Full ticket id, e.g. "20261122-A023"; the QR holds `TK:` + this.
    pub ticket_id: String,
    pub people_ahead: u32,
    /// Estimated wait range in minutes.
    pub wait_minutes: Option<(u32, u32)>,
    /// Pre-formatted issue time, e.g. "2026-11-22 09:31".
    pub issued_at: String,
    /// Extra lines at the bottom (notices).
    pub footer: Vec<String>,
    /// The signed rating link as a full URL (`https://…/rate/<token>`): printed as a second
    /// QR, "扫码评价 Scan to rate", when the hall has a public address.
    pub rating_url: Option<String>,
}

/// A document slip such as 受理通知书.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSlip {
    pub title: String,
    /// Issuing body (the seal's name).
    pub issuer: String,
    pub date: String,
    pub serial: String,
    /// Key/value lines, e.g. ("申请人", "张三").
    pub fields: Vec<(String, String)>,
    /// Materials received or required, one per line.
    pub materials: Vec<String>,
    /// `DV1.` verification string printed as a QR code.
    pub verification: String,
    pub footer: Vec<String>,
}

/// "约 X–Y 分钟", or "约 X 分钟" when the range is a single value.
pub fn wait_text(range: (u32, u32)) -> String {
    let (lo, hi) = (range.0.min(range.1), range.0.max(range.1));
    if lo == hi {
        format!("约 {lo} 分钟")
    } else {
        format!("约 {lo}–{hi} 分钟")
    }
}

pub fn ticket(slip: &TicketSlip, paper: PaperWidth) -> Result<PrintJob, EncodeError> {
    let mut e = EscPos::new(paper);
    e.align(Align::Center).bold(true);
    e.wrapped(&slip.centre_name).bold(false);
    e.wrapped(&slip.queue_name).newline();
    // The number is what people read from across the room.
    let big = match paper {
        PaperWidth::Mm58 => 3,
        PaperWidth::Mm80 => 4,
    };
    e.size(big, big)?.bold(true).wrapped(&slip.number);
    e.bold(false).size(1, 1)?.newline();
    e.line(&format!("前面还有 {} 人", slip.people_ahead));
    if let Some(range) = slip.wait_minutes {
        e.line(&format!("预计等候{}", wait_text(range)));
    }
    e.line(&format!("取号时间 {}", slip.issued_at));
    let payload = ticket_payload(&slip.ticket_id);
    let module = fit_module_size(&payload, QrEc::M, paper, 6);
    e.qr(
        &payload,
        QrOptions {
            module_size: module,
            ec: QrEc::M,
        },
    )?;
    e.line(&slip.ticket_id);
    if let Some(url) = &slip.rating_url {
        // Apart from the `TK:` code the counters scan: the applicant's phone reads this one.
        e.rule().line("扫码评价 Scan to rate");
        e.wrapped("办理结束后请用手机扫码评价本次服务");
        let module = fit_module_size(url, QrEc::M, paper, 5);
        e.qr(
            url,
            QrOptions {
                module_size: module,
                ec: QrEc::M,
            },
        )?;
    }
    if !slip.footer.is_empty() {
        e.rule();
        for l in &slip.footer {
            e.wrapped(l);
        }
    }
    e.cut(Cut::Partial);
    Ok(e.finish())
}

pub fn document(slip: &DocumentSlip, paper: PaperWidth) -> Result<PrintJob, EncodeError> {
    let mut e = EscPos::new(paper);
    e.align(Align::Center).bold(true).size(2, 2)?;
    e.wrapped(&slip.title);
    e.size(1, 1)?.bold(false).wrapped(&slip.issuer);
    e.align(Align::Left).rule();
    e.field("编号", &slip.serial).field("日期", &slip.date);
    for (k, v) in &slip.fields {
        e.field(k, v);
    }
    if !slip.materials.is_empty() {
        e.rule().line("材料清单：");
        for (i, m) in slip.materials.iter().enumerate() {
            e.hanging(&format!("{}. ", i + 1), m);
        }
    }
    e.rule().align(Align::Center);
    // Verification strings are long; shrink modules until the code fits.
    let module = fit_module_size(&slip.verification, QrEc::M, paper, 5);
    e.qr(
        &slip.verification,
        QrOptions {
            module_size: module,
            ec: QrEc::M,
        },
    )?;
    e.line("扫码核验真伪");
    e.align(Align::Right)
        .newline()
        .line(&slip.issuer)
        .line(&slip.date);
    if !slip.footer.is_empty() {
        e.align(Align::Left).rule();
        for l in &slip.footer {
            e.wrapped(l);
        }
    }
    e.cut(Cut::Full);
    Ok(e.finish())
}

/// An acknowledgement slip (受理回执 style) for a request the hall recorded without issuing a
/// signed document: 办不成事 and complaints under 首问负责. No QR: nothing to verify but the
/// serial, which the applicant quotes when asking after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckSlip {
    pub title: String,
    pub issuer: String,
    pub date: String,
    pub serial: String,
    /// Key/value lines: applicant (masked), kind, who is responsible, by when.
    pub fields: Vec<(String, String)>,
    /// What was recorded, wrapped under a heading.
    pub matter: String,
    pub footer: Vec<String>,
}

pub fn acknowledgement(slip: &AckSlip, paper: PaperWidth) -> Result<PrintJob, EncodeError> {
    let mut e = EscPos::new(paper);
    e.align(Align::Center).bold(true).size(2, 2)?;
    e.wrapped(&slip.title);
    e.size(1, 1)?.bold(false).wrapped(&slip.issuer);
    e.align(Align::Left).rule();
    e.field("编号", &slip.serial).field("日期", &slip.date);
    for (k, v) in &slip.fields {
        e.field(k, v);
    }
    e.rule().line("登记事由：");
    e.wrapped(&slip.matter);
    e.rule()
        .align(Align::Right)
        .line(&slip.issuer)
        .line(&slip.date);
    if !slip.footer.is_empty() {
        e.align(Align::Left).rule();
        for l in &slip.footer {
            e.wrapped(l);
        }
    }
    e.cut(Cut::Full);
    Ok(e.finish())
}

/// A realistic ticket for tests, demos and `device print-test`.
pub fn sample_ticket() -> TicketSlip {
    TicketSlip {
        centre_name: "广州市天河区政务服务中心".into(),
        queue_name: "社保医保业务".into(),
        number: "A023".into(),
        ticket_id: "20261122-A023".into(),
        people_ahead: 5,
        wait_minutes: Some((10, 20)),
        issued_at: "2026-11-22 09:31".into(),
        footer: vec!["请留意叫号屏幕及语音提示，过号请重新取号。".into()],
        rating_url: None,
    }
}

/// A realistic document slip for tests, demos and `device print-test`.
pub fn sample_document() -> DocumentSlip {
    DocumentSlip {
        title: "受理通知书".into(),
        issuer: "广州市天河区政务服务数据管理局".into(),
        date: "2026年11月22日".into(),
        serial: "TH-2026-112200017".into(),
        fields: vec![
            ("申请人".into(), "陈大文".into()),
            ("事项".into(), "企业设立登记（有限责任公司）".into()),
            ("承诺时限".into(), "3 个工作日".into()),
        ],
        materials: vec![
            "营业执照申请书（原件 1 份）".into(),
            "法定代表人身份证明（复印件 1 份）".into(),
            "公司章程（原件 1 份）".into(),
        ],
        verification:
            "DV1.eyJrIjoiVEgtMjAyNi0xMTIyMDAwMTciLCJkIjoiMjAyNjExMjIifQ.c2lnbmF0dXJlLWRlbW8".into(),
        footer: vec!["请凭本通知书领取办理结果。".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::decode::{decode, qr_payloads, render, text_of, Op};

    #[test]
    fn wait_range_text() {
        assert_eq!(wait_text((10, 20)), "约 10–20 分钟");
        assert_eq!(wait_text((20, 10)), "约 10–20 分钟");
        assert_eq!(wait_text((5, 5)), "约 5 分钟");
    }

    #[test]
    fn ticket_carries_everything_the_customer_needs() {
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let job = ticket(&sample_ticket(), paper).unwrap();
            assert!(!job.fallback_used());
            let ops = decode(&job.bytes);
            let text = text_of(&ops);
            for needle in [
                "广州市天河区政务服务中心",
                "社保医保业务",
                "A023",
                "前面还有 5 人",
                "预计等候约 10–20 分钟",
                "取号时间 2026-11-22 09:31",
            ] {
                assert!(text.contains(needle), "{paper:?} missing {needle}: {text}");
            }
            assert_eq!(qr_payloads(&ops), vec![b"TK:20261122-A023".to_vec()]);
            assert!(ops.contains(&Op::QrModel(2)));
            assert_eq!(ops.last(), Some(&Op::Cut { partial: true }));
            // No rendered line may be wider than the paper.
            let rendered = render(&ops, paper.columns());
            for line in rendered.lines() {
                assert!(
                    crate::printer::text_columns(line, "?") <= paper.columns(),
                    "{line:?}"
                );
            }
        }
    }

    #[test]
    fn a_rating_link_prints_as_a_second_qr_after_the_ticket_code() {
        let url = "https://hall.example:7700/rate/AU2FMjAyNjExMjItQTAyM2y7Z8Vq1cR0aZ3Lq0Y9m2A";
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let slip = TicketSlip {
                rating_url: Some(url.into()),
                ..sample_ticket()
            };
            let ops = decode(&ticket(&slip, paper).unwrap().bytes);
            assert_eq!(
                qr_payloads(&ops),
                vec![b"TK:20261122-A023".to_vec(), url.as_bytes().to_vec()]
            );
            assert!(text_of(&ops).contains("扫码评价"));
        }
    }

    #[test]
    fn document_has_fields_materials_and_verification_qr() {
        let slip = sample_document();
        let job = document(&slip, PaperWidth::Mm58).unwrap();
        let ops = decode(&job.bytes);
        let text = text_of(&ops);
        for needle in [
            "受理通知书",
            "编号：TH-2026-112200017",
            "申请人：陈大文",
            "公司章程",
        ] {
            assert!(text.contains(needle), "missing {needle}: {text}");
        }
        assert_eq!(
            qr_payloads(&ops),
            vec![slip.verification.as_bytes().to_vec()]
        );
        assert_eq!(ops.last(), Some(&Op::Cut { partial: false }));
    }

    #[test]
    fn rare_name_characters_fall_back_and_are_reported() {
        let mut slip = sample_document();
        slip.fields[0].1 = "陈𠮷".into();
        let job = document(&slip, PaperWidth::Mm80).unwrap();
        assert_eq!(job.replaced, vec!['𠮷']);
        assert!(text_of(&decode(&job.bytes)).contains("申请人：陈?"));
    }

    #[test]
    fn non_ascii_qr_payload_is_refused() {
        let mut slip = sample_document();
        slip.verification = "DV1.验证".into();
        assert_eq!(
            document(&slip, PaperWidth::Mm80),
            Err(EncodeError::QrNotAscii)
        );
    }
}

//! Tests of the A4 document pages.
#![allow(clippy::unwrap_used)]

use chrono::DateTime;
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::SigningKey;
use queue_core::intake::{CaseCommand, Cases, IntakeCtx};
use serde_json::json;

use super::*;

const PERSON: &str = "440524188001010014";

fn run(name: &str, cmds: &[serde_json::Value]) -> (Document, Case) {
    let (mut docs, case) = run_all(name, cmds);
    (docs.pop().unwrap(), case)
}

/// Every document issued, oldest first, and the case as it ends.
fn run_all(name: &str, cmds: &[serde_json::Value]) -> (Vec<Document>, Case) {
    let hall = HallConfig::sample().unwrap();
    let cal = Calendar::embedded();
    let key = SigningKey::from_bytes(&[5; 32]);
    let ctx = IntakeCtx {
        now: DateTime::parse_from_rfc3339("2026-09-30T10:00:00+08:00").unwrap(),
        hall: &hall,
        calendar: &cal,
        signer: &key,
        window: Some(7),
    };
    let mut cases = Cases::new();
    let open = json!({"kind":"case_open","item":"BDC002",
        "applicant":{"kind":"person","name":name,"id_number":PERSON}});
    let mut docs = Vec::new();
    for c in std::iter::once(&open).chain(cmds) {
        let cmd: CaseCommand = serde_json::from_value(c.clone()).unwrap();
        for e in cases.decide(&cmd, &ctx).unwrap() {
            docs.extend(e.document().cloned());
            cases.apply(&e);
        }
    }
    let case = cases.get(S).unwrap().clone();
    (docs, case)
}

const S: &str = "440114-20260930-00001";

fn accepted(name: &str) -> (Document, Case) {
    let all: Vec<_> = (1..=6)
        .map(|i| json!({"material":format!("M{i}"),"status":"submitted"}))
        .collect();
    let (docs, case) = run_all(
        name,
        &[
            json!({"kind":"case_materials","case":S,"materials":all}),
            json!({"kind":"case_decide","case":S,"decision":"accept"}),
            json!({"kind":"case_extend","case":S,"days":3,"reason":"需实地查看"}),
        ],
    );
    let acceptance = docs
        .into_iter()
        .find(|d| d.kind == DocumentKind::Acceptance)
        .unwrap();
    (acceptance, case)
}

#[test]
fn acceptance_page_is_self_contained_a4_with_seal_and_qr() {
    let (doc, case) = accepted("张三");
    let html = render_document_html(&doc, &case, Lang::Zh);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("<h1>受理通知书</h1>"));
    assert!(html.contains(S));
    assert!(html.contains("4405**********0014"));
    assert!(!html.contains(PERSON), "full ID on paper");
    assert!(html.contains("2026年10月13日前"), "deadline");
    // The deciding department's seal (BDC002: the registration centre).
    assert!(html.contains("广州市花都区不动产登记中心（不动产登记专用章）"));
    assert!(html.contains("2026年9月30日"));
    assert!(html.contains("需实地查看"), "extension shown");
    assert!(html.contains(&doc.verification));
    // Two inline SVGs (QR and seal), no XML declaration, no external resource.
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(!html.contains("<?xml"));
    for bad in ["<link", "src=", "href=\"http", "url(", "@import"] {
        assert!(!html.contains(bad), "external resource: {bad}");
    }
    assert!(html.contains("#d40000"), "red seal");
}

#[test]
fn text_is_escaped() {
    let (doc, case) = accepted("<script>alert('x')</script>&Co");
    let html = render_document_html(&doc, &case, Lang::ZhEn);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;Co"));
    assert!(html.contains("Notice of acceptance"));
}

#[test]
fn notice_and_rejection_pages_show_what_the_law_requires() {
    let (doc, case) = run(
        "张三",
        &[
            json!({"kind":"case_materials","case":S,"materials":[
                {"material":"M2","status":"nonconforming","note":"复印件不清晰"}]}),
            json!({"kind":"case_decide","case":S,"decision":"notice"}),
        ],
    );
    let html = render_document_html(&doc, &case, Lang::Zh);
    assert!(html.contains("补正材料通知书"));
    assert!(html.contains("需要补正的全部材料"));
    assert!(html.contains("复印件不清晰"));
    // All six listed: M2 nonconforming, M1 and M3–M6 never checked (so missing).
    assert_eq!(html.matches("<li class=\"deficient\">").count(), 6);

    let (doc, case) = run(
        "张三",
        &[
            json!({"kind":"case_decide","case":S,"decision":"reject","reason_code":"outside_competence","reasons":["属市级审批权限"]}),
        ],
    );
    let html = render_document_html(&doc, &case, Lang::Zh);
    assert!(html.contains("不予受理决定书"));
    assert!(html.contains("不属于本机关职权范围"));
    assert!(html.contains("属市级审批权限"));
    assert!(html.contains("60日内"));
    assert!(html.contains("6个月内"));
    assert!(html.contains("广州铁路运输法院"));
}

#[test]
fn qr_code_carries_a_quiet_zone() {
    let svg = qr_svg("DV1.test");
    assert!(svg.starts_with("<svg"));
    // The first dark module starts inside the 4-module quiet zone margin, never at 0,0.
    assert!(!svg.contains("M0 0"), "{svg}");
}

#[test]
fn every_new_document_kind_renders_what_the_law_requires() {
    let all: Vec<_> = (1..=6)
        .map(|i| json!({"material":format!("M{i}"),"status":"submitted"}))
        .collect();
    let (docs, case) = run_all(
        "张三",
        &[
            json!({"kind":"case_materials","case":S,"materials":[
                {"material":"M1","status":"submitted"},{"material":"M6","status":"committed"}]}),
            json!({"kind":"case_decide","case":S,"decision":"defer_notice"}),
            json!({"kind":"case_materials","case":S,"materials":all}),
            json!({"kind":"case_decide","case":S,"decision":"accept"}),
            json!({"kind":"case_extend","case":S,"days":3,"reason":"需实地查看"}),
            json!({"kind":"case_pause","case":S,"procedure":"inspection","reason":"现场勘验房屋"}),
            json!({"kind":"case_resume","case":S}),
            json!({"kind":"case_decide","case":S,"decision":"refuse","reasons":["权属存在争议"]}),
        ],
    );
    let page = |kind: DocumentKind| {
        let d = docs.iter().find(|d| d.kind == kind).unwrap();
        render_document_html(d, &case, Lang::Zh)
    };
    let h = page(DocumentKind::Commitment);
    assert!(h.contains("告知承诺书") && h.contains("婚姻状况证明") && h.contains("法律责任"));
    assert!(h.contains("签名"));
    let h = page(DocumentKind::ApplicationReceipt);
    assert!(h.contains("收件回执") && h.contains("补正告知期限"), "{h}");
    assert!(h.contains("2026年10月13日前"), "{h}");
    assert!(h.contains("窗口领取"));
    let h = page(DocumentKind::ExtensionNotice);
    assert!(h.contains("延期告知书") && h.contains("延期理由") && h.contains("需实地查看"));
    assert!(h.contains("备案"));
    let h = page(DocumentKind::SpecialProcedureNotice);
    assert!(h.contains("特别程序告知书") && h.contains("现场勘验房屋") && h.contains("不计入"));
    let h = page(DocumentKind::Refusal);
    assert!(h.contains("不予许可决定书") && h.contains("权属存在争议"));
    assert!(h.contains("60日内") && h.contains("广州市花都区人民政府") && h.contains("16号窗口"));
    for d in &docs {
        let h = render_document_html(d, &case, Lang::Zh);
        assert!(!h.contains(PERSON), "{:?} carries the full ID", d.kind);
    }
}

#[test]
fn a_card_checked_identity_is_shown() {
    let (doc, case) = accepted("张三");
    let html = render_document_html(&doc, &case, Lang::Zh);
    assert!(!html.contains("已核验身份证"), "not claimed without a card");
    let mut doc = doc;
    doc.body.applicant.identity_checked = Some(queue_core::intake::IdentityCheck::IdCard);
    let html = render_document_html(&doc, &case, Lang::Zh);
    assert!(html.contains("已核验身份证"), "{html}");
}

#![allow(clippy::unwrap_used)]
mod common;
use common::desk::*;
use serde_json::json;

#[test]
fn gen() {
    let mut h = Desk::new("2026-03-02");
    let mut out = Vec::new();
    let mut grab = |evs: Vec<queue_core::intake::CaseEvent>, out: &mut Vec<String>| {
        for e in evs {
            if let Some(d) = e.document() {
                let mut v = serde_json::to_value(d).unwrap();
                v["body"]["materials"] = json!(v["body"]["materials"].as_array().unwrap().iter().take(2).cloned().collect::<Vec<_>>());
                out.push(format!("{} {}", e.kind(), serde_json::to_string_pretty(&v).unwrap()));
            }
        }
    };
    let id = h.open("BDC002");
    let e = h.mats(&id, &[("M1","submitted"),("M2","nonconforming:复印件不清晰"),("M6","committed")]).unwrap();
    grab(e, &mut out);
    let e = h.decide(&id, "defer_notice").unwrap();
    grab(e, &mut out);
    let id2 = h.open("JS001");
    let e = h.run(json!({"kind":"case_decide","case":id2,"decision":"reject","reason_code":"outside_competence","reasons":["属市规划和自然资源局审批权限"]})).unwrap();
    grab(e, &mut out);
    let id3 = h.open("JS001");
    h.mats(&id3, &[("M1","submitted"),("M2","submitted"),("M3","submitted"),("M4","submitted")]).unwrap();
    h.decide(&id3, "accept").unwrap();
    let e = h.run(json!({"kind":"case_extend","case":id3,"days":10,"reason":"需组织专家论证","statutory":false})).unwrap();
    grab(e, &mut out);
    h.at("2026-03-03");
    let e = h.run(json!({"kind":"case_pause","case":id3,"procedure":"expert_review","reason":"需组织专家评审"})).unwrap();
    grab(e, &mut out);
    h.at("2026-03-10");
    h.run(json!({"kind":"case_resume","case":id3})).unwrap();
    let e = h.run(json!({"kind":"case_decide","case":id3,"decision":"refuse","reasons":["建设工程设计方案不符合控制性详细规划"]})).unwrap();
    grab(e, &mut out);
    let id4 = h.open("QY001");
    h.mats(&id4, &[("M1","submitted"),("M2","submitted"),("M3","submitted"),("M4","submitted"),("M5","submitted")]).unwrap();
    h.decide(&id4, "accept").unwrap();
    h.at("2026-03-12");
    let e = h.decide(&id4, "complete").unwrap();
    grab(e, &mut out);
    std::fs::write("/tmp/docgen.txt", out.join("\n=====\n")).unwrap();
}

//! Intake through the real protocol: a counter takes an application from ticket to receipt,
//! the one-time rule, documents served as pages (rendered in headless Chromium, QR decoded with
//! zbarimg), offline verification, and deemed acceptance driven by the hall clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::hall::{http_get, Conn, TestHall};
use serde_json::{json, Value};

const ID: &str = "440524188001010014";

async fn open_case(counter: &mut Conn, item: &str) -> String {
    let r = counter
        .command(json!({"kind":"case_open","item":item,"applicant":{"kind":"person","name":"张三","id_number":ID}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    r["result"]["case"]["serial"].as_str().unwrap().to_string()
}

fn chromium() -> &'static str {
    "/usr/bin/chromium"
}

fn chromium_args() -> Vec<&'static str> {
    vec![
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_takes_an_application_from_ticket_to_a_verified_receipt() {
    let h = TestHall::start().await;
    let counter_token = h.token("counter", Some(1));
    let mut counter = Conn::open(h.addr(), &counter_token, None).await;
    let mut kiosk = h.connect("kiosk", None).await;
    let t = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A"}))
        .await;
    let ticket = t["result"]["ticket"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        counter.command(json!({"kind":"call_next"})).await["ok"],
        true
    );
    let r = counter
        .command(json!({"kind":"case_open","item":"QY001","ticket":ticket,"applicant":{"kind":"person","name":"张三","id_number":ID}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let serial = r["result"]["case"]["serial"].as_str().unwrap().to_string();
    assert!(
        serial.starts_with("440114-"),
        "serial embeds the centre: {serial}"
    );
    // An invalid ID is refused with its reason.
    let bad = counter
        .command(json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"王五","id_number":"440524188001010015"}}))
        .await;
    assert_eq!(bad["error"]["code"], "invalid_id");
    let m = counter
        .command(json!({"kind":"case_materials","case":serial,"materials":[
            {"material":"M1","status":"submitted"},
            {"material":"M2","status":"submitted"},
            {"material":"M3","status":"missing"},
            {"material":"M4","status":"nonconforming","note":"缺少监事签字"},
            {"material":"M5","status":"submitted"}
        ]}))
        .await;
    assert_eq!(m["ok"], true, "{m}");
    // Not acceptable with deficiencies.
    let acc = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"accept"}))
        .await;
    assert_eq!(acc["error"]["code"], "conflict");
    let n = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"notice"}))
        .await;
    assert_eq!(n["ok"], true, "{n}");
    let notice = &n["result"]["document"];
    assert_eq!(notice["kind"], "correction_notice");
    let listed = notice.to_string();
    assert!(
        listed.contains("M3") && listed.contains("M4") && listed.contains("缺少监事签字"),
        "one notice lists every deficiency: {listed}"
    );
    // Once: a second notice, or a new requirement, is refused.
    let again = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"notice"}))
        .await;
    assert_eq!(again["error"]["code"], "one_time_notice_violation");
    let new_req = counter
        .command(json!({"kind":"case_supplement","case":serial,"materials":[{"material":"M1","status":"missing"}]}))
        .await;
    assert_eq!(new_req["error"]["code"], "one_time_notice_violation");
    let part = counter
        .command(json!({"kind":"case_supplement","case":serial,"materials":[{"material":"M3","status":"submitted"}]}))
        .await;
    assert_eq!(part["result"]["case"]["state"], "notice_issued");
    let done = counter
        .command(json!({"kind":"case_supplement","case":serial,"materials":[{"material":"M4","status":"corrected_on_spot"}]}))
        .await;
    let case = &done["result"]["case"];
    assert_eq!(
        case["state"], "accepted",
        "complete supplementation must be accepted: {done}"
    );
    let doc = done["result"]["document"].clone();
    assert_eq!(doc["kind"], "acceptance");
    let verification = doc["verification"].as_str().unwrap().to_string();
    assert!(verification.starts_with("DV1."));
    assert!(
        !verification.contains(ID) && !doc.to_string().contains(ID),
        "documents carry masked IDs only"
    );

    // Progress query by serial and by ID number.
    let q = counter
        .command(json!({"kind":"query_case","serial":serial}))
        .await;
    assert_eq!(q["result"]["cases"][0]["state"], "accepted");
    let q = kiosk
        .command(json!({"kind":"query_case","id_number":ID}))
        .await;
    assert_eq!(q["result"]["cases"][0]["serial"], serial.as_str());
    assert!(!q.to_string().contains(ID), "a kiosk sees the ID masked");

    // The printable page: staff only.
    let path = format!("/documents/{serial}?token={counter_token}");
    let page = http_get(h.addr(), &path).await;
    assert!(
        page.starts_with("HTTP/1.1 200"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("受理通知书"));
    let kiosk_token = h.token("kiosk", None);
    let refused = http_get(
        h.addr(),
        &format!("/documents/{serial}?token={kiosk_token}"),
    )
    .await;
    assert!(refused.starts_with("HTTP/1.1 401"));
    assert!(http_get(h.addr(), &format!("/documents/{serial}"))
        .await
        .starts_with("HTTP/1.1 401"));

    // Rendered by a real browser: the Chinese text is in the DOM, and the QR decodes to the
    // verification string.
    let url = format!("http://{}{path}", h.addr());
    let shot = h.dir.path().join("doc.png");
    let dom = Command::new(chromium())
        .args(chromium_args())
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("受理通知书") && dom.contains(&serial),
        "rendered DOM"
    );
    let status = Command::new(chromium())
        .args(chromium_args())
        .arg("--window-size=1240,1800")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    if let Some(dir) = std::env::var_os("KEEP_SCREENSHOTS") {
        let _ = std::fs::copy(
            &shot,
            std::path::Path::new(&dir).join("acceptance-receipt.png"),
        );
    }
    let decoded = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&shot)
        .output()
        .unwrap();
    let decoded = String::from_utf8_lossy(&decoded.stdout).trim().to_string();
    assert_eq!(
        decoded, verification,
        "the printed QR carries the verification string"
    );

    // Offline verification with the centre's public key.
    let key = h.dir.path().join("centre.pub");
    let ok = Command::new(common::dashboard_bin())
        .args(["verify-receipt", &verification, "--key"])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains(&serial));
    let mut tampered = verification.clone().into_bytes();
    let i = 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let bad = Command::new(common::dashboard_bin())
        .args([
            "verify-receipt",
            &String::from_utf8(tampered).unwrap(),
            "--key",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(1),
        "an altered string is not genuine"
    );
    // The public verification page says the same.
    let v = http_get(h.addr(), &format!("/verify?s={verification}")).await;
    assert!(v.contains("genuine") && v.contains(&serial));
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejection_and_on_the_spot_completion_through_the_protocol() {
    let h = TestHall::start().await;
    let mut counter = h.connect("counter", Some(4)).await;
    let serial = open_case(&mut counter, "SB003").await;
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"reject","reasons":["申请人未参加失业保险"]}))
        .await;
    assert_eq!(
        r["error"]["code"], "bad_request",
        "a rejection needs its ground (reason_code)"
    );
    let r = counter
        .command(json!({"kind":"case_materials","case":serial,"materials":[{"material":"M1","status":"missing"}]}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"reject","reason_code":"other_statutory","reasons":["申请人未参加失业保险"]}))
        .await;
    assert_eq!(
        r["error"]["code"], "one_time_notice_required",
        "missing materials go through the notice: {r}"
    );
    let serial = open_case(&mut counter, "SB003").await;
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"reject","reason_code":"other_statutory","reasons":["申请人未参加失业保险"]}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let text = r["result"]["document"].to_string();
    assert_eq!(r["result"]["document"]["kind"], "rejection");
    assert!(
        text.contains("60") && text.contains("6") && text.contains("申请人未参加失业保险"),
        "{text}"
    );
    let serial = open_case(&mut counter, "SB002").await;
    counter
        .command(json!({"kind":"case_materials","case":serial,"materials":[
            {"material":"M1","status":"submitted"},{"material":"M2","status":"submitted"}]}))
        .await;
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"complete"}))
        .await;
    assert_eq!(r["result"]["case"]["state"], "completed", "{r}");
    assert_eq!(r["result"]["document"]["kind"], "completion");
    // Not for items that cannot be finished on the spot.
    let serial = open_case(&mut counter, "SB003").await;
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"complete"}))
        .await;
    assert!(r["ok"] == false);
    // Rate it.
    let e = counter
        .command(json!({"kind":"evaluate","case":serial,"rating":1}))
        .await;
    assert_eq!(
        e["error"]["code"], "bad_request",
        "a bad rating needs a reason"
    );
    let e = counter
        .command(json!({"kind":"evaluate","case":serial,"rating":1,"reason":"材料清单不清楚"}))
        .await;
    assert_eq!(e["ok"], true);
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unnoticed_deferred_case_is_deemed_accepted_by_the_hall_clock() {
    // 2026-09-30, then the National Day holiday: the notice is due 2026-10-13.
    let h = TestHall::start_with(|o| {
        o.start = Some(chrono::DateTime::parse_from_rfc3339("2026-09-30T10:00:00+08:00").unwrap());
        o.time_scale = 400_000.0;
        o.tick = Duration::from_millis(100);
    })
    .await;
    let mut counter = h.connect("counter", Some(1)).await;
    let serial = open_case(&mut counter, "QY001").await;
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"defer_notice"}))
        .await;
    assert_eq!(r["result"]["case"]["notice_due_on"], "2026-10-13", "{r}");
    let ev = tokio::time::timeout(
        Duration::from_secs(30),
        counter.wait_event(|e| e["event"]["kind"] == "case_deemed_accepted"),
    )
    .await
    .expect("deemed acceptance within the time-scaled fortnight");
    let case: &Value = &ev["event"]["case"];
    assert_eq!(case["state"], "deemed_accepted");
    assert_eq!(
        case["accepted_on"], "2026-09-30",
        "deemed accepted as of receipt"
    );
    let at = chrono::DateTime::parse_from_rfc3339(ev["at"].as_str().unwrap()).unwrap();
    assert!(
        at.date_naive() > chrono::NaiveDate::from_ymd_opt(2026, 10, 13).unwrap(),
        "not before the due date passed: {at}"
    );
    h.hall.stop().await.unwrap();
}

/// Issue #11 through the real protocol: a passport holder's materials taken in for review (收件
/// 回执), accepted, stopped for an inspection, refused after review; the receipt and the refusal
/// rendered by Chromium with the deciding department's routes and the masked passport number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_pause_and_refusal_through_the_protocol_rendered_in_chromium() {
    const PASSPORT: &str = "E12345678";
    let h = TestHall::start().await;
    let token = h.token("counter", Some(7));
    let mut counter = Conn::open(h.addr(), &token, None).await;
    let r = counter
        .command(json!({"kind":"case_open","item":"BDC002","delivery":"post","delivery_address":"广州市花都区新华街1号",
            "applicant":{"kind":"person","name":"John Smith","id_kind":"passport","id_number":PASSPORT}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let serial = r["result"]["case"]["serial"].as_str().unwrap().to_string();
    assert!(
        r["result"]["case"]["notice_due_on"].is_string(),
        "the clock runs from receipt"
    );
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"defer_notice"}))
        .await;
    assert_eq!(
        r["result"]["document"]["kind"], "application_receipt",
        "{r}"
    );
    let all: Vec<Value> = (1..=6)
        .map(|i| json!({"material":format!("M{i}"),"status":"submitted"}))
        .collect();
    counter
        .command(json!({"kind":"case_materials","case":serial,"materials":all}))
        .await;
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"accept"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter
        .command(json!({"kind":"case_pause","case":serial,"procedure":"inspection","reason":"现场勘验房屋"}))
        .await;
    assert_eq!(
        r["result"]["document"]["kind"], "special_procedure_notice",
        "{r}"
    );
    let r = counter
        .command(json!({"kind":"case_resume","case":serial}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"refuse","reasons":["权属存在争议"]}))
        .await;
    assert_eq!(r["result"]["case"]["state"], "refused", "{r}");
    assert_eq!(r["result"]["document"]["kind"], "refusal");

    for (kind, needles) in [
        (
            "application_receipt",
            vec!["收件回执", "补正告知期限", "邮寄送达", "E******78", "护照"],
        ),
        (
            "refusal",
            vec![
                "不予许可决定书",
                "权属存在争议",
                "广州市花都区人民政府",
                "16号窗口",
                "6个月内",
            ],
        ),
    ] {
        let url = format!(
            "http://{}/documents/{serial}?token={token}&kind={kind}",
            h.addr()
        );
        let dom = Command::new(chromium())
            .args(chromium_args())
            .arg("--dump-dom")
            .arg(&url)
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&dom.stdout);
        for n in needles {
            assert!(dom.contains(n), "{kind}: {n} missing");
        }
        // The counter handling the case may see the number; the paper never does.
        assert!(
            !dom.contains(PASSPORT),
            "{kind}: full passport number printed"
        );
    }
    h.hall.stop().await.unwrap();
}

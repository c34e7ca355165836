//! Issue #10's authorisation findings against a real hall over real websockets on loopback:
//! full ID number via a reply, cross-window case action, kiosk queries and staff actions,
//! control characters, command ids and `resync` flooding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::hall::{http_get, Conn, TestHall};
use serde_json::{json, Value};

const ID: &str = "440524188001010014";

async fn open_case(counter: &mut Conn) -> String {
    let r = counter
        .command(json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"张三","id_number":ID}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    r["result"]["case"]["serial"].as_str().unwrap().to_string()
}

/// Everything a connection received as text.
fn seen(c: &Conn, replies: &[&Value]) -> String {
    let mut s = c.snapshot.to_string();
    for e in &c.events {
        s.push_str(&e.to_string());
    }
    for r in replies {
        s.push_str(&r.to_string());
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_windows_case_is_refused_and_never_shows_the_full_id() {
    let h = TestHall::start().await;
    let mut one = h.connect("counter", Some(1)).await;
    let mut two = h.connect("counter", Some(2)).await;
    let serial = open_case(&mut one).await;
    // The finding: counter 2's `case_materials` on window 1's case replied with the full ID.
    let r = two
        .command(json!({"kind":"case_materials","case":serial,"materials":[{"material":"M1","status":"submitted"}]}))
        .await;
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(r["error"]["code"], "forbidden", "{r}");
    let q = two
        .command(json!({"kind":"query_case","serial":serial}))
        .await;
    assert_eq!(q["ok"], true, "{q}");
    assert_eq!(
        q["result"]["cases"][0]["applicant"]["id_number"],
        queue_core::ids::mask(ID)
    );
    // The handling counter's own reply is whole.
    let own = one
        .command(json!({"kind":"case_materials","case":serial,"materials":[{"material":"M1","status":"submitted"}]}))
        .await;
    assert_eq!(own["result"]["case"]["applicant"]["id_number"], ID);
    // Window 2 does not receive window 1's case events at all: by the time window 1's next
    // event reaches it, a redacted marker has covered them.
    let own_seq = own["seq"].as_u64().unwrap();
    for cmd in [
        json!({"kind":"pause","reason":"break"}),
        json!({"kind":"resume"}),
    ] {
        let r = two.command(cmd).await;
        assert_eq!(r["ok"], true, "{r}");
    }
    let covered = two
        .wait_event(|e| e["seq"].as_u64().is_some_and(|s| s > own_seq))
        .await;
    assert!(
        !two.events
            .iter()
            .chain([&covered])
            .any(|e| e["event"]["kind"] == "materials_recorded"),
        "window 2 got window 1's case event"
    );
    assert!(
        !seen(&two, &[&r, &q]).contains(ID),
        "counter 2 saw the full ID"
    );
    // After an explicit take-over, window 2 continues the case; window 1 no longer sees it whole.
    let t = two
        .command(json!({"kind":"case_take_over","case":serial,"reason":"窗口 1 暂停服务"}))
        .await;
    assert_eq!(t["ok"], true, "{t}");
    assert_eq!(t["result"]["case"]["applicant"]["id_number"], ID);
    let ev = one
        .wait_event(|e| e["event"]["kind"] == "case_taken_over")
        .await;
    assert_eq!(
        ev["event"]["case"]["applicant"]["id_number"],
        queue_core::ids::mask(ID)
    );
    assert_eq!(ev["event"]["reason"], "窗口 1 暂停服务");
    let m = two
        .command(json!({"kind":"case_materials","case":serial,"materials":[{"material":"M2","status":"submitted"}]}))
        .await;
    assert_eq!(m["ok"], true, "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_gets_no_id_numbers_and_no_staff_actions() {
    let h = TestHall::start().await;
    let mut kiosk = h.connect("kiosk", None).await;
    let mut manager = h.connect("manager", None).await;
    let t = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","id_number":ID}))
        .await;
    assert_eq!(t["ok"], true, "{t}");
    assert!(!t.to_string().contains(ID), "{t}");
    assert!(t["result"]["ticket"].get("id_number").is_none(), "{t}");
    // The finding: `cancel_ticket A001` from a kiosk answered with the full ID.
    for cmd in [
        json!({"kind":"cancel_ticket","ticket":"A001"}),
        json!({"kind":"reinstate","ticket":"A001"}),
        json!({"kind":"refuse_urgent","queue":"A","reason":"不符合"}),
        json!({"kind":"book_appointment","queue":"C","slot":"2030-01-07T10:00"}),
    ] {
        let r = kiosk.command(cmd.clone()).await;
        assert_eq!(r["error"]["code"], "forbidden", "{cmd} {r}");
        assert!(!r.to_string().contains(ID));
    }
    // The finding: a guessed appointment code (`YY` + date + sequence) checked in and replied
    // with the booking's full ID. Codes now carry a keyed tag, and check-in needs the last 4
    // ID characters.
    let day = chrono::Local::now().date_naive() + chrono::Duration::days(1);
    let slot = (1..10)
        .map(|d| day + chrono::Duration::days(d))
        .find(|d| {
            queue_core::calendar::Calendar::embedded()
                .is_working_day(*d)
                .value
        })
        .unwrap();
    let b = manager
        .command(json!({"kind":"book_appointment","queue":"C","slot":format!("{slot}T10:00"),"id_number":ID}))
        .await;
    assert_eq!(b["ok"], true, "{b}");
    let code = b["result"]["appointment"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 18, "{code}");
    let guessed = &code[..12];
    let r = kiosk
        .command(json!({"kind":"check_in","appointment_code":guessed,"id_last4":"0014"}))
        .await;
    assert_eq!(r["error"]["code"], "not_found", "{r}");
    let r = kiosk
        .command(json!({"kind":"check_in","appointment_code":code}))
        .await;
    assert_eq!(r["error"]["code"], "not_found", "no ID characters: {r}");
    assert!(!seen(&kiosk, &[]).contains(ID), "the kiosk saw a full ID");
    assert!(
        !seen(&kiosk, &[]).contains(&queue_core::ids::mask(ID)),
        "the kiosk saw even a masked ID"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_queries_by_serial_and_id_characters_and_sees_display_fields_only() {
    let h = TestHall::start().await;
    let mut counter = h.connect("counter", Some(1)).await;
    let mut kiosk = h.connect("kiosk", None).await;
    let serial = open_case(&mut counter).await;
    // The finding: a kiosk `query_case` by ID number returned the name and case details.
    let r = kiosk
        .command(json!({"kind":"query_case","id_number":ID}))
        .await;
    assert_eq!(r["error"]["code"], "forbidden", "{r}");
    let r = kiosk
        .command(json!({"kind":"query_case","serial":serial}))
        .await;
    assert_eq!(r["error"]["code"], "forbidden", "serial alone: {r}");
    let r = kiosk
        .command(json!({"kind":"query_case","serial":serial,"id_last4":"9999"}))
        .await;
    assert_eq!(r["error"]["code"], "not_found", "{r}");
    let r = kiosk
        .command(json!({"kind":"query_case","serial":serial,"id_last4":"0014"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let c = &r["result"]["cases"][0];
    assert_eq!(c["serial"], serial.as_str());
    assert_eq!(c["state"], "open");
    let text = r.to_string();
    assert!(
        !text.contains("张三") && !text.contains("id_number") && !text.contains("applicant"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_long_ids_and_resync_floods_are_refused() {
    let h = TestHall::start().await;
    let mut counter = h.connect("counter", Some(1)).await;
    let mut sup = h.connect("supervisor", None).await;
    // The finding: an ESC sequence in a `refuse_urgent` reason came out raw in `dashboard watch`.
    let r = counter
        .command(json!({"kind":"refuse_urgent","queue":"A","reason":"\u{1b}[2J\u{1b}[31m拒绝"}))
        .await;
    assert_eq!(r["error"]["code"], "bad_request", "{r}");
    let r = counter
        .command(json!({"kind":"finish","outcome":"x".repeat(501)}))
        .await;
    assert_eq!(r["error"]["code"], "bad_request", "{r}");
    let long_id = "i".repeat(129);
    counter
        .send(json!({"type":"command","id":long_id,"command":{"kind":"recall"}}))
        .await;
    let e = counter.next_non_event().await.unwrap();
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["code"], "bad_request", "{e}");
    // Nothing of it reached another screen.
    let ok = counter
        .command(json!({"kind":"refuse_urgent","queue":"A","reason":"不符合急办条件"}))
        .await;
    assert_eq!(ok["ok"], true, "{ok}");
    let ev = sup
        .wait_event(|e| e["event"]["kind"] == "urgent_refused")
        .await;
    assert_eq!(ev["event"]["reason"], "不符合急办条件");
    assert!(!seen(&sup, &[]).contains('\u{1b}'));
    // `resync` costs a whole snapshot: a few, then refused for a while.
    for _ in 0..6 {
        sup.send(json!({"type":"resync"})).await;
    }
    let mut limited = 0;
    for _ in 0..6 {
        let f = tokio::time::timeout(Duration::from_secs(5), sup.next_non_event())
            .await
            .unwrap()
            .unwrap();
        if f["type"] == "error" && f["code"] == "rate_limited" {
            limited += 1;
        } else {
            assert_eq!(f["type"], "snapshot", "{f}");
        }
    }
    assert!(limited >= 2, "{limited} resyncs refused");
    h.assert_serves_others().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_shows_the_masked_name_and_whether_a_document_was_superseded() {
    let h = TestHall::start().await;
    let mut counter = h.connect("counter", Some(1)).await;
    let serial = open_case(&mut counter).await;
    let r = counter
        .command(json!({"kind":"case_materials","case":serial,"materials":[
            {"material":"M1","status":"submitted"},{"material":"M2","status":"missing"},
            {"material":"M3","status":"submitted"},{"material":"M4","status":"submitted"},
            {"material":"M5","status":"submitted"}]}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let n = counter
        .command(json!({"kind":"case_decide","case":serial,"decision":"notice"}))
        .await;
    assert_eq!(n["ok"], true, "{n}");
    let notice = n["result"]["document"]["verification"]
        .as_str()
        .unwrap()
        .to_string();
    let page = http_get(h.addr(), &format!("/verify?s={notice}")).await;
    assert!(page.contains("张*"), "{page}");
    assert!(!page.contains("张三"), "{page}");
    assert!(page.contains("notice_issued"), "{page}");
    assert!(page.contains("latest document"), "{page}");
    let s = counter
        .command(json!({"kind":"case_supplement","case":serial,"materials":[{"material":"M2","status":"submitted"}]}))
        .await;
    assert_eq!(s["ok"], true, "{s}");
    let page = http_get(h.addr(), &format!("/verify?s={notice}")).await;
    assert!(page.contains("superseded"), "{page}");
    assert!(page.contains("accepted"), "{page}");
}

//! The slip's rating page in headless Chromium (playwright-core) on a phone-sized screen
//! against a real hall: a kiosk's ticket is served and finished; the page from its link refuses
//! a low rating without a reason, takes a good one (which reaches supervisors as a `qr` rating
//! on the serving window), then says it was rated. The browser checks are in
//! `tests/web/rate.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hall::TestHall;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rating_page_refuses_a_low_rating_without_a_reason_and_takes_a_good_one() {
    let h = TestHall::start().await;
    let mut kiosk = h.connect("kiosk", None).await;
    let mut counter = h.connect("counter", Some(1)).await;
    let mut sup = h.connect("supervisor", None).await;
    let r = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let link = r["result"]["rating_link"].as_str().unwrap().to_string();
    let number = r["result"]["ticket"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        counter.command(json!({"kind":"call_next"})).await["ok"],
        true
    );
    assert_eq!(counter.command(json!({"kind":"finish"})).await["ok"], true);

    let args = [
        "--hall".to_string(),
        format!("http://{}", h.addr()),
        "--link".into(),
        link,
        "--number".into(),
        number,
        "--shots".into(),
        std::env::temp_dir().display().to_string(),
    ];
    common::browser::run_checks("rate.test.mjs", args.into()).await;

    let ev = sup
        .wait_event(|v| v["event"]["kind"] == "evaluation_recorded")
        .await;
    let e = &ev["event"]["evaluation"];
    assert_eq!(e["channel"], "qr", "{e}");
    assert_eq!(e["window"], 1, "{e}");
    assert_eq!(e["rating"], 5, "{e}");
    h.hall.stop().await.unwrap();
}

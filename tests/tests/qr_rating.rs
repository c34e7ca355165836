//! Rating from the QR on the printed slip (issue 14) against a real `dashboard serve` process:
//! a kiosk's ticket reply carries the signed link (and the full address from `public_url`);
//! the page says to wait until the service is over; after a counter serves and finishes it,
//! `POST /rate/<token>` records the rating on the serving window and staff member with
//! channel `qr` (seen in the ratings export), once; a forged link is refused; a foreign page
//! may not post.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hall::{http_get, http_post, Conn};
use common::process::Server;
use serde_json::{json, Value};

/// The sample centre with a public address for phones.
fn config_with_public_url(dir: &std::path::Path) -> std::path::PathBuf {
    let sample =
        std::fs::read_to_string(common::workspace_root().join("queue-core/data/hall.toml"))
            .unwrap();
    let text = sample.replacen(
        "[centre]\n",
        "[centre]\npublic_url = \"https://hall.example:7700\"\n",
        1,
    );
    assert_ne!(text, sample, "the sample has a [centre] table");
    let path = dir.join("hall.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn status(resp: &str) -> u16 {
    resp.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slip_link_rates_the_finished_service_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let config = config_with_public_url(dir.path());
    // A Friday morning in hall time.
    let server = Server::start(
        &db,
        &[
            "--config",
            config.to_str().unwrap(),
            "--start",
            "2026-11-20T09:00:00+08:00",
        ],
    )
    .await;
    let (counter_id, counter_token) =
        dashboard::tokens::create(&db, "counter", Some(1), "clerk 1").unwrap();
    let (_, kiosk_token) = dashboard::tokens::create(&db, "kiosk", None, "kiosk").unwrap();
    let mut kiosk = Conn::open(server.addr, &kiosk_token, None).await;
    let mut counter = Conn::open(server.addr, &counter_token, None).await;

    let r = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let link = r["result"]["rating_link"].as_str().unwrap().to_string();
    let url = r["result"]["rating_url"].as_str().unwrap();
    assert_eq!(url, format!("https://hall.example:7700{link}"));
    assert!(link.starts_with("/rate/") && link.len() < 60, "{link}");
    let number = r["result"]["ticket"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    // The kiosk got no personal data with it (the reply is the public view).
    assert!(r["result"]["ticket"].get("id_number").is_none());

    // Before the service: the page and the hall both say to wait.
    let page = http_get(server.addr, &link).await;
    assert_eq!(status(&page), 200, "{page}");
    assert!(page.contains("办理结束后再评价"), "{page}");
    assert!(page.contains(&number));
    let (code, body) = http_post(server.addr, &link, r#"{"rating":5}"#, &[]).await;
    assert_eq!(code, 409, "{body}");
    assert!(body.contains("办理结束后再评价"), "{body}");

    let c = counter.command(json!({"kind":"call_next"})).await;
    assert_eq!(c["ok"], true, "{c}");
    let f = counter.command(json!({"kind":"finish"})).await;
    assert_eq!(f["ok"], true, "{f}");

    // The page now offers the rating, naming the ticket, window and staff number, and is
    // served with the house's headers.
    let page = http_get(server.addr, &link).await;
    assert_eq!(status(&page), 200, "{page}");
    assert!(page.contains("id=r-form"), "{page}");
    assert!(
        page.contains(&counter_id.to_string()),
        "staff number: {page}"
    );
    assert!(page.contains("<dd>1</dd>"), "window 1: {page}");
    let lower = page.to_ascii_lowercase();
    assert!(
        lower.contains("content-security-policy: default-src 'self'"),
        "{page}"
    );
    assert!(lower.contains("cache-control: no-store"), "{page}");
    assert!(!page.contains("<script>"), "no inline script");
    let en = http_get(server.addr, &format!("{link}?lang=en")).await;
    assert!(en.contains("Please rate this service"), "{en}");

    // A foreign page may not post; a low rating needs its reason; then it is recorded.
    let (code, _) = http_post(
        server.addr,
        &link,
        r#"{"rating":5}"#,
        &["Origin: http://evil.example"],
    )
    .await;
    assert_eq!(code, 403);
    let (code, body) = http_post(server.addr, &link, r#"{"rating":2}"#, &[]).await;
    assert_eq!(code, 400, "{body}");
    let origin = format!("Origin: http://{}", server.addr);
    let (code, body) = http_post(
        server.addr,
        &link,
        r#"{"rating":2,"reason":"等候时间过长"}"#,
        &[&origin],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["ok"], true);

    // Single use: the second submission is refused plainly, and the page says so.
    let (code, body) = http_post(server.addr, &link, r#"{"rating":5}"#, &[]).await;
    assert_eq!(code, 409, "{body}");
    assert!(body.contains("已评价"), "{body}");
    let page = http_get(server.addr, &link).await;
    assert!(page.contains("您已评价"), "{page}");

    // A forged link (one character of the tag changed) is refused, page and post.
    let mut forged = link.clone().into_bytes();
    let i = forged.len() - 2;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let page = http_get(server.addr, &forged).await;
    assert_eq!(status(&page), 403, "{page}");
    assert!(page.contains("评价链接无效"), "{page}");
    let (code, _) = http_post(server.addr, &forged, r#"{"rating":5}"#, &[]).await;
    assert_eq!(code, 403);
    // An oversized body is not read.
    let big = format!(r#"{{"rating":5,"reason":"{}"}}"#, "x".repeat(8000));
    let (code, _) = http_post(server.addr, &link, &big, &[]).await;
    assert_eq!(code, 413);

    // The export: on window 1 and the clerk who served, channel qr, level 2 with its reason.
    let out = common::run_dashboard(&[
        "ratings",
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--format",
        "json",
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let records: Value = serde_json::from_str(&out.stdout).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["channel"], "qr");
    assert_eq!(records[0]["window"], 1);
    assert_eq!(records[0]["staff_number"], counter_id.to_string());
    assert_eq!(records[0]["level"], 2);
    assert_eq!(records[0]["follow_up"], "open");
}

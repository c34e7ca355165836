//! Notices to applicants end to end (issue 14): a real `dashboard notify-sink` process on a
//! loopback port, a hall server with `[notify] webhook` pointing at it, real websockets.
//! The sender delivers each message exactly once through a sink that fails first, with
//! backoff between attempts; supervisors see the failure as an alert that clears; the sink
//! refuses bad signatures and dedupes by `Idempotency-Key`; the mobile number never reaches a
//! kiosk, display or pad frame and is masked for staff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::hall::{Conn, TestHall};
use common::process::free_port;
use serde_json::{json, Value};

const SECRET: &str = "s3cret-for-tests";

/// A running `dashboard notify-sink`; killed when dropped.
struct Sink {
    child: Child,
    addr: SocketAddr,
    out: PathBuf,
}

impl Sink {
    async fn start(dir: &Path, port: u16, fail_first: u32) -> Self {
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let out = dir.join("received.jsonl");
        let mut child = Command::new(common::dashboard_bin())
            .args([
                "notify-sink",
                "--listen",
                &addr.to_string(),
                "--secret",
                SECRET,
            ])
            .args(["--fail-first", &fail_first.to_string(), "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Self { child, addr, out };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("notify-sink did not come up on {addr}");
    }

    fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    async fn wait_received(&self, n: usize) -> Vec<Value> {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sample centre with the webhook at `port`, quick backoff for the test.
fn config(dir: &Path, port: u16) -> PathBuf {
    let secret = dir.join("notify.secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let toml = format!(
        "{}\nwebhook = \"http://127.0.0.1:{port}/hook\"\nsecret_file = \"{}\"\n\
         backoff_initial_ms = 400\nbackoff_max_seconds = 1\ntimeout_seconds = 2\n",
        queue_core::config::SAMPLE_HALL_TOML,
        secret.display()
    );
    let path = dir.join("hall.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Six tickets in queue A; the 5th and 6th (4 and 5 ahead) leave a number.
async fn six_tickets(kiosk: &mut Conn) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut cmd = json!({"kind":"issue_ticket","queue":"A"});
        if i >= 4 {
            cmd["mobile"] = json!(format!("1380000000{i}"));
        }
        let r = kiosk.command(cmd).await;
        assert_eq!(r["ok"], true, "{r}");
        ids.push(
            r["result"]["ticket"]["number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids
}

async fn supervisor_notify(hall: &TestHall) -> Value {
    let sup = hall.connect("supervisor", None).await;
    sup.snapshot["state"].clone()
}

async fn wait_supervisor(hall: &TestHall, f: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let s = supervisor_notify(hall).await;
        if f(&s) || Instant::now() > until {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn has_alert(state: &Value, kind: &str) -> bool {
    state["alerts"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["kind"] == kind))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_is_delivered_once_through_a_sink_that_fails_twice_and_failures_alert() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = Sink::start(dir.path(), port, 2).await;
    let cfg = config(dir.path(), port);
    let hall = TestHall::start_with(|o| o.config = Some(cfg.clone())).await;
    let mut kiosk = hall.connect("kiosk", None).await;
    let mut counter = hall.connect("counter", Some(1)).await;
    let numbers = six_tickets(&mut kiosk).await;

    // One call: the 5th ticket has 3 ahead → "your turn is near", queued with the call.
    let t0 = Instant::now();
    assert_eq!(
        counter.command(json!({"kind":"call_next"})).await["ok"],
        true
    );
    let got = sink.wait_received(1).await;
    let took = t0.elapsed();
    assert_eq!(got.len(), 1, "{got:?}");
    // Two 503s, then backoff 400 ms and 800 ms before the third attempt went through.
    assert!(took >= Duration::from_millis(1100), "no backoff: {took:?}");
    let m = &got[0]["message"];
    assert_eq!(m["kind"], "turn_near");
    assert_eq!(m["reference"], numbers[4]);
    assert_eq!(m["mobile"], "13800000004");
    assert_eq!(m["mobile_masked"], "138****0004");
    assert!(m["text"].as_str().unwrap().contains("前面还有 3 人"), "{m}");
    assert_eq!(got[0]["key"], m["id"]);
    // A second call: the 6th ticket's turn; the sink no longer fails.
    assert_eq!(counter.command(json!({"kind":"finish"})).await["ok"], true);
    assert_eq!(
        counter.command(json!({"kind":"call_next"})).await["ok"],
        true
    );
    let got = sink.wait_received(2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1]["message"]["reference"], numbers[5]);
    // Exactly once each, and the store records the attempts.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.received().len(), 2);
    let store = queue_core::store::Store::open(&hall.db).unwrap();
    let all = store.outbox_all().unwrap();
    let attempts: Vec<(u32, bool)> = all
        .iter()
        .map(|n| (n.attempts, n.sent_at.is_some()))
        .collect();
    assert_eq!(attempts, vec![(3, true), (1, true)]);
    assert_eq!(all[0].last_error.as_deref(), Some("HTTP 503"));
    drop(store);
    let s = wait_supervisor(&hall, |s| s["notify"]["sent"] == 2).await;
    assert_eq!(s["notify"]["pending"], 0, "{}", s["notify"]);
    assert!(!has_alert(&s, "notify_failing"));

    // The gateway goes away: supervisors see 通知发送失败 while it keeps failing.
    drop(sink);
    let mut kiosk2 = hall.connect("kiosk", None).await;
    for i in 0..4 {
        let r = kiosk2
            .command(json!({"kind":"issue_ticket","queue":"A","mobile":format!("1390000000{i}")}))
            .await;
        assert_eq!(r["ok"], true);
    }
    // Issued with 4–7 ahead; two calls bring the first two to 2 and 3 ahead: two messages.
    for _ in 0..2 {
        assert_eq!(counter.command(json!({"kind":"finish"})).await["ok"], true);
        assert_eq!(
            counter.command(json!({"kind":"call_next"})).await["ok"],
            true
        );
    }
    let s = wait_supervisor(&hall, |s| has_alert(s, "notify_failing")).await;
    assert!(has_alert(&s, "notify_failing"), "{}", s["alerts"]);
    let alert = s["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "notify_failing")
        .unwrap();
    assert!(
        alert["message"]
            .as_str()
            .unwrap()
            .starts_with("通知发送失败"),
        "{alert}"
    );
    assert!(
        s["notify"]["retrying"].as_u64().unwrap() >= 1,
        "{}",
        s["notify"]
    );
    let health = common::hall::http_get(hall.addr(), "/healthz").await;
    assert!(health.contains("\"failing\":true"), "{health}");
    // It comes back: the message goes through and the alert clears.
    let sink = Sink::start(dir.path(), port, 0).await;
    let got = sink.wait_received(4).await;
    let refs: Vec<&str> = got
        .iter()
        .map(|v| v["message"]["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [numbers[4].as_str(), numbers[5].as_str(), "A007", "A008"]
    );
    let s = wait_supervisor(&hall, |s| !has_alert(s, "notify_failing")).await;
    assert!(!has_alert(&s, "notify_failing"), "{}", s["alerts"]);
    assert_eq!(sink.addr.port(), port);
}

/// A raw HTTP POST; returns the status code.
async fn post(addr: SocketAddr, body: &str, key: &str, sig: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /hook HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Idempotency-Key: {key}\r\nX-Hall-Signature: {sig}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_sink_refuses_a_bad_signature_and_prints_each_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path(), free_port(), 0).await;
    let body = r#"{"kind":"turn_near","text":"测试"}"#;
    let good = dashboard::notify::webhook::signature(SECRET.as_bytes(), body.as_bytes());
    let bad = dashboard::notify::webhook::signature(b"wrong secret", body.as_bytes());
    assert_eq!(post(sink.addr, body, "k1", &bad).await, 401);
    assert_eq!(post(sink.addr, body, "k1", "").await, 401);
    assert!(sink.received().is_empty());
    assert_eq!(post(sink.addr, body, "k1", &good).await, 200);
    // A retry after a lost response: accepted, not repeated.
    assert_eq!(post(sink.addr, body, "k1", &good).await, 200);
    assert_eq!(post(sink.addr, body, "k2", &good).await, 200);
    let got = sink.received();
    let keys: Vec<&str> = got.iter().map(|v| v["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["k1", "k2"]);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&sink.out).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mobile_number_never_reaches_kiosk_display_or_pad_and_is_masked_for_staff() {
    let hall = TestHall::start().await;
    let mut kiosk = hall.connect("kiosk", None).await;
    let mut display = hall.connect("display", None).await;
    let mut pad = hall.connect("pad", Some(1)).await;
    let mut counter = hall.connect("counter", Some(1)).await;
    let mut sup = hall.connect("supervisor", None).await;
    let full = "13812345678";
    let r = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","mobile":"138-1234-5678"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(!r.to_string().contains("5678"), "kiosk reply: {r}");
    // A bad number at the kiosk: refused, bilingual.
    let bad = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","mobile":"1234"}))
        .await;
    assert_eq!(bad["error"]["code"], "invalid_mobile");
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("手机号码"));
    // The counter calls and serves it, opens a case with another number, finishes.
    let c = counter.command(json!({"kind":"call_next"})).await;
    assert_eq!(c["result"]["ticket"]["mobile"], "138****5678", "{c}");
    let open = counter
        .command(
            json!({"kind":"case_open","item":"QY001","mobile":"19987654321",
            "ticket": c["result"]["ticket"]["id"],
            "applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"}}),
        )
        .await;
    assert_eq!(open["ok"], true, "{open}");
    assert_eq!(open["result"]["case"]["mobile"], "199****4321");
    assert_eq!(counter.command(json!({"kind":"finish"})).await["ok"], true);
    // Everyone has seen the finish (the pad offers the rating).
    let is_finish = |v: &Value| v["event"]["kind"] == "service_finished";
    for c in [&mut kiosk, &mut display, &mut pad, &mut sup] {
        let _ = tokio::time::timeout(Duration::from_secs(5), c.wait_event(is_finish)).await;
    }
    let _ = counter.wait_event(is_finish).await;
    // Fresh snapshots as well as the live frames.
    let mut seen: Vec<(String, String)> = Vec::new();
    for (role, window) in [
        ("kiosk", None),
        ("display", None),
        ("pad", Some(1)),
        ("counter", Some(1)),
        ("supervisor", None),
    ] {
        let c = hall.connect(role, window).await;
        seen.push((role.to_string(), c.snapshot.to_string()));
    }
    for (role, c) in [
        ("kiosk", &kiosk),
        ("display", &display),
        ("pad", &pad),
        ("counter", &counter),
        ("supervisor", &sup),
    ] {
        let frames: Vec<String> = c.events.iter().map(Value::to_string).collect();
        seen.push((role.to_string(), frames.join("\n")));
    }
    for (role, text) in &seen {
        assert!(
            !text.contains(full) && !text.contains("19987654321"),
            "{role} got a full number"
        );
        let public = matches!(role.as_str(), "kiosk" | "display" | "pad");
        if public {
            assert!(
                !text.contains("5678") && !text.contains("mobile"),
                "{role}: {text}"
            );
        }
    }
    let staff = |r: &str| {
        seen.iter()
            .filter(|(role, _)| role == r)
            .any(|(_, t)| t.contains("138****5678"))
    };
    assert!(staff("counter") && staff("supervisor"));
}

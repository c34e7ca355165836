//! The hall server over real websockets on loopback: authentication, roles, ordering, racing
//! windows, resume, malformed input, lagging clients, idempotent retries, display privacy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::hall::{http_get, next_json, raw, Conn, TestHall};
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_or_missing_hello_is_refused_and_closed() {
    let h = TestHall::start().await;
    // A command before hello.
    let mut ws = raw(h.addr()).await;
    ws.send(Message::Text(
        json!({"type":"command","id":"1","command":{"kind":"call_next"}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let v = next_json(&mut ws).await.unwrap();
    assert_eq!(
        (v["type"].as_str(), v["code"].as_str()),
        (Some("error"), Some("unauthorized"))
    );
    assert!(next_json(&mut ws).await.is_none(), "closed after refusal");
    // A wrong token.
    let mut ws = raw(h.addr()).await;
    Conn::handshake(&mut ws, "not-a-token", None).await;
    let v = next_json(&mut ws).await.unwrap();
    assert_eq!(v["code"], "unauthorized");
    assert!(next_json(&mut ws).await.is_none());
    // A revoked token.
    let (id, t) = dashboard::tokens::create(&h.db, "kiosk", None, "x").unwrap();
    queue_core::store::Store::open(&h.db)
        .unwrap()
        .revoke_token(id, "now")
        .unwrap();
    let mut ws = raw(h.addr()).await;
    Conn::handshake(&mut ws, &t, None).await;
    assert_eq!(next_json(&mut ws).await.unwrap()["code"], "unauthorized");
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_may_only_send_their_commands() {
    let h = TestHall::start().await;
    let mut kiosk = h.connect("kiosk", None).await;
    assert_eq!(kiosk.welcome["role"], "kiosk");
    let r = kiosk.command(json!({"kind":"call_next"})).await;
    assert_eq!(r["error"]["code"], "forbidden");
    let mut display = h.connect("display", None).await;
    let r = display
        .command(json!({"kind":"issue_ticket","queue":"A"}))
        .await;
    assert_eq!(r["error"]["code"], "forbidden");
    let mut counter = h.connect("counter", Some(1)).await;
    assert_eq!(counter.welcome["window"], 1);
    let r = counter
        .command(json!({"kind":"set_window","window":1,"state":"closed"}))
        .await;
    assert_eq!(r["error"]["code"], "forbidden");
    // The display's snapshot carries no catalogue, tickets or cases.
    assert!(display.snapshot["state"].get("catalogue").is_none());
    assert!(display.snapshot["state"].get("tickets").is_none());
    assert!(
        kiosk.snapshot["state"]["catalogue"]
            .as_array()
            .unwrap()
            .len()
            >= 12
    );
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priorities_order_calls_and_replies_follow_commit() {
    let h = TestHall::start().await;
    let mut kiosk = h.connect("kiosk", None).await;
    let mut counter = h.connect("counter", Some(1)).await;
    let a = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}))
        .await;
    assert_eq!(a["ok"], true);
    assert_eq!(a["result"]["ticket"]["number"], "A001");
    let g = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","channel":"green"}))
        .await;
    assert_eq!(
        g["result"]["ticket"]["ahead"], 0,
        "green goes ahead of the walk-in"
    );
    let c = counter.command(json!({"kind":"call_next"})).await;
    assert_eq!(c["result"]["ticket"]["number"], "A002");
    // The reply's seq is durable.
    let seq = c["seq"].as_u64().unwrap();
    let events = queue_core::store::Store::open(&h.db)
        .unwrap()
        .load_events()
        .unwrap();
    assert!(events.iter().any(|r| r.seq == seq));
    // The counter also sees the call as an event.
    let ev = counter
        .wait_event(|e| e["event"]["kind"] == "ticket_called")
        .await;
    assert_eq!(ev["event"]["ticket"]["window"], 1);
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_racing_never_call_the_same_ticket() {
    let h = TestHall::start_with(|o| o.limits.commands_per_second = 1e6).await;
    let mut kiosk = h.connect("kiosk", None).await;
    let total = 400;
    for _ in 0..total {
        assert_eq!(
            kiosk
                .command(json!({"kind":"issue_ticket","queue":"A"}))
                .await["ok"],
            true
        );
    }
    let addr = h.addr();
    let tokens = [h.token("counter", Some(1)), h.token("counter", Some(2))];
    let mut tasks = Vec::new();
    for t in tokens {
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr, &t, None).await;
            let mut called = Vec::new();
            let mut n = 0u64;
            loop {
                // Pipeline several calls: all but one must be refused while the window holds a ticket.
                for _ in 0..4 {
                    n += 1;
                    c.send(json!({"type":"command","id":format!("c{n}"),"command":{"kind":"call_next"}})).await;
                }
                let mut empty = false;
                let mut got = 0;
                while got < 4 {
                    let v = c.next().await.unwrap();
                    if v["type"] != "reply" {
                        continue;
                    }
                    got += 1;
                    if v["ok"] == true {
                        called.push(v["result"]["ticket"]["id"].as_str().unwrap().to_string());
                    } else {
                        let code = v["error"]["code"].as_str().unwrap().to_string();
                        assert!(code == "conflict" || code == "queue_empty", "{v}");
                        empty |= code == "queue_empty";
                    }
                }
                let f = c.command(json!({"kind":"finish"})).await;
                if empty && f["ok"] != true {
                    break;
                }
            }
            called
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a ticket was called twice");
    assert_eq!(all.len(), total, "every ticket called exactly once");
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_disconnect_replays_exactly_the_missed_events() {
    let h = TestHall::start().await;
    let sup_token = h.token("supervisor", None);
    let sup = Conn::open(h.addr(), &sup_token, None).await;
    let seen = sup.snapshot["seq"].as_u64().unwrap();
    drop(sup);
    let mut kiosk = h.connect("kiosk", None).await;
    let mut last = 0;
    for _ in 0..5 {
        last = kiosk
            .command(json!({"kind":"issue_ticket","queue":"B"}))
            .await["seq"]
            .as_u64()
            .unwrap();
    }
    let mut sup = Conn::open(h.addr(), &sup_token, Some(seen)).await;
    let mut expect = seen + 1;
    while expect <= last {
        let v = sup.next().await.unwrap();
        assert_eq!(v["type"], "event", "replayed events, not a snapshot: {v}");
        assert_eq!(v["seq"].as_u64().unwrap(), expect, "no gap, in order");
        expect += 1;
    }
    // And live events continue from there.
    kiosk
        .command(json!({"kind":"issue_ticket","queue":"B"}))
        .await;
    let v = sup.next().await.unwrap();
    assert_eq!(v["seq"].as_u64().unwrap(), last + 1);
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_frames_get_errors_and_the_connection_survives() {
    let h = TestHall::start().await;
    let mut k = h.connect("kiosk", None).await;
    k.send_raw("{not json").await;
    assert_eq!(k.next_non_event().await.unwrap()["code"], "bad_request");
    k.send(json!({"type":"nonsense"})).await;
    assert_eq!(k.next_non_event().await.unwrap()["code"], "bad_request");
    k.send(json!({"type":"command","command":{"kind":"issue_ticket","queue":"A"}}))
        .await;
    assert_eq!(
        k.next_non_event().await.unwrap()["code"],
        "bad_request",
        "missing id"
    );
    let r = k.command(json!({"kind":"issue_ticket"})).await;
    assert_eq!(r["error"]["code"], "bad_request", "malformed command");
    let r = k.command(json!({"kind":"launch_rockets"})).await;
    assert_eq!(r["error"]["code"], "bad_request", "unknown kind");
    let r = k.command(json!({"kind":"issue_ticket","queue":"Z"})).await;
    assert_eq!(r["error"]["code"], "not_found");
    let big = format!(
        "{{\"type\":\"ping\",\"pad\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );
    k.send_raw(&big).await;
    assert_eq!(k.next_non_event().await.unwrap()["code"], "frame_too_large");
    // Still serving this client and everyone else.
    assert_eq!(
        k.command(json!({"kind":"issue_ticket","queue":"A"})).await["ok"],
        true
    );
    // An oversized command is answered by its id, so its sender does not wait or resend forever.
    let big_cmd = json!({"type":"command","id":"big-1","command":{"kind":"issue_ticket","queue":"A","pad":"z".repeat(70 * 1024)}});
    k.send_raw(&big_cmd.to_string()).await;
    let v = k.next_non_event().await.unwrap();
    assert_eq!(
        (v["type"].as_str(), v["id"].as_str()),
        (Some("reply"), Some("big-1")),
        "{v}"
    );
    assert_eq!(v["error"]["code"], "frame_too_large");
    // A frame too large to read at all: error, then close.
    let huge = "y".repeat(2 * 1024 * 1024);
    // The hall may refuse and close before all 2 MiB are written: a reset while sending is
    // that refusal arriving early, not a failure.
    let _ = k.ws.send(Message::Text(huge.into())).await;
    let mut closed = false;
    for _ in 0..3 {
        match k.next().await {
            None => {
                closed = true;
                break;
            }
            Some(v) if v["type"] == "error" || v["type"] == "event" => {}
            Some(v) => panic!("unexpected {v}"),
        }
    }
    assert!(closed, "connection closed after an unreadable frame");
    h.assert_serves_others().await;
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_command_id_is_applied_once_even_after_reconnect() {
    let h = TestHall::start().await;
    let t = h.token("kiosk", None);
    let mut k = Conn::open(h.addr(), &t, None).await;
    let first = k
        .command_id("same-id", json!({"kind":"issue_ticket","queue":"C"}))
        .await;
    drop(k);
    let mut k = Conn::open(h.addr(), &t, None).await;
    let again = k
        .command_id("same-id", json!({"kind":"issue_ticket","queue":"C"}))
        .await;
    assert_eq!(first, again);
    let n = k
        .command_id("other-id", json!({"kind":"issue_ticket","queue":"C"}))
        .await;
    assert_eq!(
        n["result"]["ticket"]["number"], "C002",
        "only one ticket was issued for same-id"
    );
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_display_never_receives_personal_data() {
    let h = TestHall::start().await;
    let mut display = h.connect("display", None).await;
    let mut counter = h.connect("counter", Some(1)).await;
    let id = "440524188001010014";
    let r = counter
        .command(json!({"kind":"issue_ticket","queue":"A","id_number":id}))
        .await;
    assert_eq!(r["ok"], true);
    counter.command(json!({"kind":"call_next"})).await;
    let open = counter
        .command(json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"张三","id_number":id}}))
        .await;
    assert_eq!(open["ok"], true, "{open}");
    // Staff other than the handling counter see the ID masked.
    let sup = h.connect("supervisor", None).await;
    let s = sup.snapshot.to_string();
    assert!(!s.contains(id), "supervisor snapshot shows a full ID");
    assert!(s.contains("4405**********0014"));
    let last = counter
        .command(json!({"kind":"finish","outcome":"已为张三办结"}))
        .await["seq"]
        .as_u64()
        .unwrap();
    let mut frames = vec![display.snapshot.to_string()];
    loop {
        let v = display.next().await.unwrap();
        frames.push(v.to_string());
        if v["seq"].as_u64() == Some(last) {
            break;
        }
    }
    let all = frames.join("\n");
    assert!(
        !all.contains(id) && !all.contains("0014") && !all.contains("张三"),
        "personal data reached the display"
    );
    assert!(
        all.contains("\"redacted\""),
        "case events are fillers for the display"
    );
    assert!(
        all.contains("A001"),
        "the display does see the ticket number"
    );
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_client_gets_a_fresh_snapshot_not_a_gap() {
    let h = TestHall::start_with(|o| {
        o.limits.broadcast_batches = 2;
        o.limits.send_buffer = Some(4096);
        o.limits.send_timeout = Duration::from_secs(120);
        o.limits.commands_per_second = 1e6;
        o.limits.command_burst = 1e6;
        o.limits.max_in_flight = 10_000;
    })
    .await;
    let sup_token = h.token("supervisor", None);
    // A client with a tiny receive buffer that does not read for a while.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(h.addr()).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(
        format!("ws://{}/ws", h.addr()),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .unwrap();
    Conn::handshake(&mut slow, &sup_token, None).await;
    let mut kiosk = h.connect("kiosk", None).await;
    for i in 0..1500 {
        kiosk.send(json!({"type":"command","id":format!("k{i}"),"command":{"kind":"issue_ticket","queue":"F"}})).await;
    }
    let mut replies = 0;
    while replies < 1500 {
        let v = kiosk.next().await.unwrap();
        if v["type"] == "reply" {
            replies += 1;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Now read everything: seq must be contiguous except where a snapshot resets it.
    let mut last: Option<u64> = None;
    let mut snapshots = 0;
    let target = kiosk
        .command(json!({"kind":"issue_ticket","queue":"F"}))
        .await["seq"]
        .as_u64()
        .unwrap();
    let mut inbox = std::collections::VecDeque::new();
    loop {
        let v = match inbox.pop_front() {
            Some(v) => v,
            None => next_json(&mut slow).await.expect("stream continues"),
        };
        match v["type"].as_str().unwrap() {
            "batch" => inbox.extend(v["events"].as_array().cloned().unwrap()),
            "summary" => {}
            "welcome" => {}
            "snapshot" => {
                snapshots += 1;
                last = v["seq"].as_u64();
                if last >= Some(target) {
                    break;
                }
            }
            "event" => {
                let s = v["seq"].as_u64().unwrap();
                assert_eq!(Some(s - 1), last, "gap in the event stream");
                last = Some(s);
                if s == target {
                    break;
                }
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        snapshots >= 2,
        "the lagging client was re-synchronised with a snapshot"
    );
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_client_is_rate_limited_and_others_are_served() {
    let h = TestHall::start_with(|o| {
        o.limits.commands_per_second = 10.0;
        o.limits.command_burst = 20.0;
    })
    .await;
    let mut flood = h.connect("kiosk", None).await;
    for i in 0..60 {
        flood.send(json!({"type":"command","id":format!("f{i}"),"command":{"kind":"issue_ticket","queue":"A"}})).await;
    }
    let (mut ok, mut limited) = (0, 0);
    while ok + limited < 60 {
        let v = flood.next().await.unwrap();
        if v["type"] != "reply" {
            continue;
        }
        if v["ok"] == true {
            ok += 1;
        } else {
            assert_eq!(v["error"]["code"], "rate_limited");
            limited += 1;
        }
    }
    assert!(
        (20..=25).contains(&ok),
        "about the burst was accepted: {ok}"
    );
    assert!(limited >= 35);
    h.assert_serves_others().await;
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_with_status() {
    let h = TestHall::start().await;
    let body = http_get(h.addr(), "/healthz").await;
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    let json: Value = serde_json::from_str(body.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json["status"], "ok");
    assert!(json["seq"].is_u64());
    h.hall.stop().await.unwrap();
}

trait SendRaw {
    async fn send_raw(&mut self, s: &str);
}

impl SendRaw for Conn {
    async fn send_raw(&mut self, s: &str) {
        self.ws
            .send(Message::Text(s.to_string().into()))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_feed_leaves_a_staffed_window_to_its_person() {
    let h = TestHall::start_with(|o| {
        o.demo = true;
        o.start = Some(chrono::DateTime::parse_from_rfc3339("2026-11-23T09:30:00+08:00").unwrap());
        o.time_scale = 120.0;
    })
    .await;
    let _counter = h.connect("counter", Some(1)).await;
    // A supervisor sees every window's calls (a counter sees only its own queues').
    let mut watcher = h.connect("supervisor", None).await;
    // Let anything already under way at window 1 settle, then watch.
    tokio::time::sleep(Duration::from_millis(300)).await;
    watcher.events.clear();
    let until = tokio::time::Instant::now() + Duration::from_secs(4);
    let mut calls_elsewhere = 0;
    while tokio::time::Instant::now() < until {
        let Ok(Some(v)) = tokio::time::timeout(Duration::from_millis(500), watcher.next()).await
        else {
            continue;
        };
        if v["type"] == "event" && v["event"]["kind"] == "ticket_called" {
            let w = v["event"]["ticket"]["window"].as_u64().unwrap();
            assert_ne!(w, 1, "the demo called a ticket at the staffed window");
            calls_elsewhere += 1;
        }
    }
    assert!(calls_elsewhere > 0, "the demo kept the other windows busy");
    h.hall.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_told_and_closed() {
    let h = TestHall::start_with(|o| o.limits.max_connections = 2).await;
    let _a = h.connect("supervisor", None).await;
    let _b = h.connect("supervisor", None).await;
    // The cap counts authenticated sessions: the third is told after its (valid) hello.
    let mut third = raw(h.addr()).await;
    Conn::handshake(&mut third, &h.token("supervisor", None), None).await;
    let v = next_json(&mut third).await.expect("an error frame");
    assert_eq!(v["code"], "too_many_connections");
    assert!(next_json(&mut third).await.is_none(), "closed");
    drop(_a);
    // A freed place is usable again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = h.connect("kiosk", None).await;
    assert_eq!(c.welcome["role"], "kiosk");
    h.hall.stop().await.unwrap();
}

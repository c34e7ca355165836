//! Fuzzing the hall's front door with proptest: random text, random JSON and mangled commands
//! over a real websocket. Every frame gets an error or a reply, the connection keeps serving,
//! and the server keeps serving everyone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hall::{Conn, TestHall};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("A"),
            Just("Z"),
            Just("walk_in"),
            Just("green"),
            Just("QY001"),
            Just("accept"),
            Just("440524188001010014"),
            Just("TK:20261123-A001"),
            Just("")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("kind".to_string()),
                    Just("queue".to_string()),
                    Just("ticket".to_string()),
                    Just("case".to_string()),
                    Just("materials".to_string()),
                    Just("window".to_string()),
                    Just("rating".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const KINDS: &[&str] = &[
    "issue_ticket",
    "check_in",
    "call_next",
    "recall",
    "no_show",
    "start_service",
    "finish",
    "transfer",
    "reinstate",
    "pause",
    "resume",
    "cancel_ticket",
    "case_open",
    "case_materials",
    "case_decide",
    "case_supplement",
    "case_extend",
    "evaluate",
    "set_window",
    "set_threshold",
    "ack_alert",
    "query_case",
    "report_device",
    "book_appointment",
    "refuse_urgent",
    "nonsense",
];

#[derive(Debug, Clone)]
enum Frame {
    Text(String),
    Json(Value),
    Command(Value),
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        "\\PC{0,64}".prop_map(Frame::Text),
        arb_json().prop_map(Frame::Json),
        (prop::sample::select(KINDS), arb_json()).prop_map(|(k, v)| {
            let mut cmd = match v {
                Value::Object(m) => Value::Object(m),
                other => json!({"x": other}),
            };
            cmd["kind"] = json!(k);
            Frame::Command(cmd)
        }),
    ]
}

#[test]
fn random_frames_never_break_the_hall() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let h = rt.block_on(TestHall::start_with(|o| {
        o.limits.commands_per_second = 1e6;
        o.limits.command_burst = 1e6;
    }));
    let counter = h.token("counter", Some(1));
    let manager = h.token("manager", None);
    let addr = h.addr();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(arb_frame(), 1..24), |frames| {
            rt.block_on(async {
                for token in [&counter, &manager] {
                    let mut c = Conn::open(addr, token, None).await;
                    for (i, f) in frames.iter().enumerate() {
                        let id = format!("f{i}");
                        let text = match f {
                            Frame::Text(t) => t.clone(),
                            Frame::Json(v) => v.to_string(),
                            Frame::Command(cmd) => {
                                json!({"type":"command","id":id,"command":cmd}).to_string()
                            }
                        };
                        c.ws.send(tokio_tungstenite::tungstenite::Message::Text(text.into()))
                            .await
                            .unwrap();
                        // Every frame is answered (events may come in between).
                        let v = c
                            .next_non_event()
                            .await
                            .expect("an answer, not a closed socket");
                        let t = v["type"].as_str().unwrap_or("");
                        prop_assert!(
                            matches!(t, "error" | "reply" | "pong" | "snapshot"),
                            "unexpected answer {v} to {f:?}"
                        );
                        if let (Frame::Command(_), "reply") = (f, t) {
                            prop_assert_eq!(v["id"].as_str(), Some(id.as_str()));
                            if v["ok"] == false {
                                let code = v["error"]["code"].as_str().unwrap_or("");
                                prop_assert!(!code.is_empty() && v["error"]["message"].is_string());
                            }
                        }
                    }
                    // Still serving this connection.
                    let ping = c
                        .command(json!({"kind":"query_case","serial":"none"}))
                        .await;
                    prop_assert_eq!(ping["type"].as_str(), Some("reply"));
                }
                Ok(())
            })
        })
        .unwrap();
    // And everyone else: a fresh client gets served, and the state is consistent.
    rt.block_on(async {
        let mut k = h.connect("kiosk", None).await;
        assert_eq!(
            k.command(json!({"kind":"issue_ticket","queue":"B"})).await["ok"],
            true
        );
        let g = h.hall.state.service.read();
        g.hall.queue.check_invariants().unwrap();
    });
    rt.block_on(h.hall.stop()).unwrap();
}

use futures_util::SinkExt;

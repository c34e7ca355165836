//! GZ 8: a department's chief representative (a supervisor token scoped to departments) sees
//! and acts on its departments' cases, follow-ups, requests and their alerts only — in the
//! snapshot and in live events, against a real hall over real websockets on loopback. The
//! shared hall (queues, windows, tickets) stays visible; managers and unscoped supervisors
//! see everything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::hall::{Conn, TestHall};
use dashboard::server::ServeOptions;
use queue_core::config::HallConfig;
use serde_json::{json, Value};

const SCJ: &str = "花都区市场监督管理局";
const BDC: &str = "花都区不动产登记中心";

fn at(day: u32, hour: u32) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(&format!("2026-04-{day:02}T{hour:02}:00:00+08:00"))
        .unwrap()
}

/// The same hall database served again from `start` (simulated time moves on, so the
/// follow-ups and requests of the first run are overdue and alerted at the first tick).
async fn restart(h: TestHall, start: chrono::DateTime<chrono::FixedOffset>) -> TestHall {
    let TestHall { hall, db, dir } = h;
    hall.stop().await.unwrap();
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), db.clone());
    opts.start = Some(start);
    opts.tick = Duration::from_millis(100);
    let hall = dashboard::server::start(opts).await.unwrap();
    TestHall { hall, db, dir }
}

async fn scoped(h: &TestHall, codes: &[&str]) -> Conn {
    let cfg = HallConfig::sample().unwrap();
    let asked: Vec<String> = codes.iter().map(|c| (*c).to_string()).collect();
    let names = dashboard::tokens::resolve_departments(&cfg, &asked).unwrap();
    let (_, token) =
        dashboard::tokens::create_scoped(&h.db, "supervisor", None, "chief", None, &names).unwrap();
    Conn::open(h.addr(), &token, None).await
}

async fn open_case(counter: &mut Conn, item: &str) -> (String, u64) {
    let r = counter
        .command(json!({"kind":"case_open","item":item,
            "applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    (
        r["result"]["case"]["serial"].as_str().unwrap().to_string(),
        r["seq"].as_u64().unwrap(),
    )
}

/// A dissatisfied rating of `case` (on the applicant's behalf); the follow-up's id.
async fn rate_badly(sup: &mut Conn, case: &str) -> String {
    let r = sup
        .command(json!({"kind":"evaluate","case":case,"rating":1,"reason":"材料清单不清楚"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    r["result"]["follow_up_id"].as_str().unwrap().to_string()
}

async fn record_request(counter: &mut Conn, item: &str) -> String {
    let r = counter
        .command(json!({"kind":"request_record","category":"cannot_do",
            "applicant":{"name":"李四"},"matter":"材料要求不明","item":item}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    r["result"]["request"]["id"].as_str().unwrap().to_string()
}

fn ids(snapshot: &Value, key: &str, field: &str) -> Vec<String> {
    snapshot["state"][key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {snapshot}"))
        .iter()
        .filter_map(|v| v[field].as_str().map(str::to_string))
        .collect()
}

/// Waits for a follow-up alert of `record` on `sup`.
async fn alert_for(sup: &mut Conn, record: &str) -> Value {
    sup.wait_event(|e| {
        e["event"]["kind"] == "alert_raised" && e["event"]["alert"]["record"] == record
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chief_representative_sees_and_acts_on_its_own_departments_only() {
    // Wednesday 1 April 2026; five working days (over Qingming, 4–6 April) end on the 9th.
    let h = TestHall::start_with(|o| o.start = Some(at(1, 9))).await;
    let (one_t, two_t, all_t) = (
        h.token("counter", Some(1)),
        h.token("counter", Some(2)),
        h.token("supervisor", None),
    );
    let mut one = Conn::open(h.addr(), &one_t, None).await;
    let mut two = Conn::open(h.addr(), &two_t, None).await;
    let mut all = Conn::open(h.addr(), &all_t, None).await;
    let (case_a, _) = open_case(&mut one, "QY001").await; // 市场监管
    let (case_b, _) = open_case(&mut two, "BDC001").await; // 不动产
    let fa = rate_badly(&mut all, &case_a).await;
    let fb = rate_badly(&mut all, &case_b).await;
    let ra = record_request(&mut one, "QY001").await;
    let rb = record_request(&mut two, "BDC001").await;
    drop((one, two, all));
    let h = restart(h, at(10, 10)).await;
    let mut one = Conn::open(h.addr(), &one_t, None).await;
    let mut two = Conn::open(h.addr(), &two_t, None).await;
    let mut all = Conn::open(h.addr(), &all_t, None).await;
    // The first tick's overdue alerts.
    for r in [&fa, &fb, &ra, &rb] {
        if !all.snapshot.to_string().contains(&format!("_overdue:{r}")) {
            alert_for(&mut all, r).await;
        }
    }

    // ---- snapshot
    let mut chief = scoped(&h, &["scj"]).await;
    assert_eq!(
        chief.welcome["departments"],
        json!([SCJ]),
        "{}",
        chief.welcome
    );
    let s = chief.snapshot.clone();
    assert_eq!(ids(&s, "cases", "serial"), std::slice::from_ref(&case_a));
    assert_eq!(ids(&s, "follow_ups", "id"), std::slice::from_ref(&fa));
    assert_eq!(ids(&s, "requests", "id"), std::slice::from_ref(&ra));
    let alerts = ids(&s, "alerts", "id");
    assert!(
        alerts.contains(&format!("follow_up_overdue:{fa}")),
        "{alerts:?}"
    );
    assert!(
        alerts.contains(&format!("request_overdue:{ra}")),
        "{alerts:?}"
    );
    assert!(
        !alerts.iter().any(|a| a.ends_with(&fb) || a.ends_with(&rb)),
        "{alerts:?}"
    );
    // The hall is shared: queues, windows and tickets stay.
    assert!(!s["state"]["queues"].as_array().unwrap().is_empty());
    assert!(s["state"]["windows"].as_array().unwrap().len() >= 2);
    assert!(s["state"]["tickets"].is_array());
    let text = s.to_string();
    for other in [&case_b, &fb, &rb] {
        assert!(
            !text.contains(other.as_str()),
            "{other} in the chief's snapshot"
        );
    }

    // Managers and unscoped supervisors still see everything.
    let manager = h.connect("manager", None).await;
    let unscoped = h.connect("supervisor", None).await;
    assert!(unscoped.welcome.get("departments").is_none());
    for c in [&manager, &unscoped] {
        let mut cases = ids(&c.snapshot, "cases", "serial");
        cases.sort();
        let mut want = vec![case_a.clone(), case_b.clone()];
        want.sort();
        assert_eq!(cases, want);
        assert_eq!(ids(&c.snapshot, "follow_ups", "id").len(), 2);
        assert_eq!(ids(&c.snapshot, "requests", "id").len(), 2);
        let alerts = ids(&c.snapshot, "alerts", "id");
        assert!(
            alerts.contains(&format!("follow_up_overdue:{fb}")),
            "{alerts:?}"
        );
        assert!(
            alerts.contains(&format!("request_overdue:{ra}")),
            "{alerts:?}"
        );
    }

    // ---- live events: another department's case, follow-up and alert come as a redacted
    // run; its own department's whole.
    let (case_d, seq_d) = open_case(&mut two, "BDC002").await;
    let fd = rate_badly(&mut all, &case_d).await;
    let (case_c, _) = open_case(&mut one, "QY002").await;
    let fc = rate_badly(&mut all, &case_c).await;
    chief
        .wait_event(|e| {
            e["event"]["kind"] == "case_opened" && e["event"]["case"]["serial"] == case_c.as_str()
        })
        .await;
    chief
        .wait_event(|e| {
            e["event"]["kind"] == "follow_up_opened" && e["event"]["follow_up"]["id"] == fc.as_str()
        })
        .await;
    // Alerts live: acknowledging the other department's passes the chief by; its own comes.
    let r = all
        .command(json!({"kind":"ack_alert","alert":format!("follow_up_overdue:{fb}")}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = all
        .command(json!({"kind":"ack_alert","alert":format!("request_overdue:{ra}")}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    chief
        .wait_event(|e| {
            e["event"]["kind"] == "alert_acknowledged"
                && e["event"]["alert"]["record"] == ra.as_str()
        })
        .await;
    for e in &chief.events {
        let t = e.to_string();
        for other in [&case_d, &fd, &case_b, &fb, &rb] {
            assert!(
                !t.contains(other.as_str()),
                "{other} reached the chief: {t}"
            );
        }
    }
    assert!(
        chief.events.iter().any(|e| e["event"]["kind"] == "redacted"
            && e["event"]["from"].as_u64().unwrap() <= seq_d
            && e["seq"].as_u64().unwrap() >= seq_d),
        "no redacted run covers the other department's case_opened (seq {seq_d}): {:?}",
        chief.events
    );
    // The hall's own news still reaches the chief (a window pausing).
    let p = two.command(json!({"kind":"pause","reason":"break"})).await;
    assert_eq!(p["ok"], true, "{p}");
    chief
        .wait_event(|e| {
            e["event"]["kind"] == "window_changed" && e["event"]["window"]["number"] == 2
        })
        .await;
    // The unscoped supervisor got every case event.
    all.wait_event(|e| {
        e["event"]["kind"] == "case_opened" && e["event"]["case"]["serial"] == case_c.as_str()
    })
    .await;
    assert!(all
        .events
        .iter()
        .any(|e| e["event"]["kind"] == "case_opened"
            && e["event"]["case"]["serial"] == case_d.as_str()));

    // Looking a case up: its own department's only.
    let q = chief
        .command(json!({"kind":"query_case","serial":case_a}))
        .await;
    assert_eq!(q["ok"], true, "{q}");
    let q = chief
        .command(json!({"kind":"query_case","serial":case_b}))
        .await;
    assert_eq!(q["error"]["code"], "not_found", "{q}");

    // ---- commands: another department's records and alerts are refused.
    for cmd in [
        json!({"kind":"follow_up_callback","follow_up":fb,"note":"已电话回访"}),
        json!({"kind":"request_supervise","request":rb,"note":"请尽快答复"}),
        json!({"kind":"ack_alert","alert":format!("request_overdue:{rb}")}),
    ] {
        let r = chief.command(cmd.clone()).await;
        assert_eq!(r["ok"], false, "{cmd} → {r}");
        assert_eq!(r["error"]["code"], "forbidden", "{cmd} → {r}");
    }
    for cmd in [
        json!({"kind":"follow_up_callback","follow_up":fa,"note":"已电话回访"}),
        json!({"kind":"request_supervise","request":ra,"note":"请尽快答复"}),
        json!({"kind":"ack_alert","alert":format!("follow_up_overdue:{fa}")}),
    ] {
        let r = chief.command(cmd.clone()).await;
        assert_eq!(r["ok"], true, "{cmd} → {r}");
    }
    // The unscoped supervisor may act on any department's.
    let r = all
        .command(json!({"kind":"follow_up_callback","follow_up":fb,"note":"已电话回访"}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    h.hall.stop().await.unwrap();
}

#[test]
fn a_token_for_an_unknown_department_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let db = db.to_str().unwrap();
    let r = common::run_dashboard(&[
        "token",
        "create",
        "--role",
        "supervisor",
        "--department",
        "scj",
        "--department",
        "nosuch",
        "--db",
        db,
    ]);
    assert_ne!(r.code, Some(0), "{}", r.stdout);
    assert!(r.stderr.contains("nosuch"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown department"), "{}", r.stderr);
    // The message lists what the configuration has.
    assert!(r.stderr.contains("scj"), "{}", r.stderr);
    // A department on another role's token is refused too.
    let r = common::run_dashboard(&[
        "token",
        "create",
        "--role",
        "counter",
        "--window",
        "1",
        "--department",
        "scj",
        "--db",
        db,
    ]);
    assert_ne!(r.code, Some(0));
    assert!(r.stderr.contains("only supervisor tokens"), "{}", r.stderr);
    // A good one is listed with its scope.
    let r = common::run_dashboard(&[
        "token",
        "create",
        "--role",
        "supervisor",
        "--department",
        "scj",
        "--department",
        "bdc",
        "--label",
        "首席",
        "--db",
        db,
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let list = common::run_dashboard(&["token", "list", "--db", db]);
    assert!(
        list.stdout.contains(SCJ) && list.stdout.contains(BDC),
        "{}",
        list.stdout
    );
}

//! The city-wide view against a real PostgreSQL (Debian's `postgresql`, initdb into a temporary
//! directory, run as the unprivileged `postgres` user on a free port): several halls ship to
//! one database and the city matches what each hall reports; the database stopped mid-stream
//! costs the halls nothing and leaves no gap or duplicate; a hall killed with `kill -9`
//! resumes where the database left off; no personal data reaches the database; a log that
//! does not continue the city's copy is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::city::{
    assert_exact_copy, city_seq, client, every_shipped_value, hall_of, head, longest_digit_run, pg,
    serve_one, spawn_shipper, wait_shipped, workload, ID, NAME, PHONE,
};
use common::hall::Conn;
use serde_json::json;

const CENTRES: [(&str, &str); 3] = [
    ("440114", "广州市花都区政务服务中心"),
    ("440106", "广州市天河区政务服务中心"),
    ("440104", "广州市越秀区政务服务中心"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_halls_ship_to_one_database_and_the_city_matches_each_hall() {
    let pg = pg();
    let mut halls = Vec::new();
    for (i, (code, name)) in CENTRES.iter().enumerate() {
        let (hall, cfg) = hall_of(code, name).await;
        workload(&hall, i * 2).await;
        let shipper = spawn_shipper(&hall.db, &pg, &cfg);
        halls.push((hall, cfg, shipper));
    }
    for (hall, cfg, _) in &halls {
        wait_shipped(&pg, &cfg.centre.code, &hall.db).await;
    }
    let c = client(&pg).await;
    let overview = city::query::overview(&c).await.unwrap();
    assert_eq!(overview.len(), 3, "{overview:?}");
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let month = dashboard::report::Month::of(today);
    for (hall, cfg, _) in &halls {
        let code = &cfg.centre.code;
        // Live figures against the hall's own snapshot.
        let mut sup = hall.connect("supervisor", None).await;
        let state = &sup.snapshot["state"];
        let hall_waiting: BTreeMap<String, i64> = state["queues"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["waiting"].as_i64().unwrap() > 0)
            .map(|q| {
                (
                    q["code"].as_str().unwrap().to_string(),
                    q["waiting"].as_i64().unwrap(),
                )
            })
            .collect();
        let detail = city::query::centre(&c, code).await.unwrap().unwrap();
        let city_waiting: BTreeMap<String, i64> = detail
            .queues
            .iter()
            .filter(|q| q.waiting > 0)
            .map(|q| (q.queue.clone(), q.waiting))
            .collect();
        assert_eq!(
            city_waiting, hall_waiting,
            "centre {code}: people waiting per queue"
        );
        let hall_open = state["windows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["state"] == "open")
            .count();
        let summary = overview.iter().find(|s| &s.centre == code).unwrap();
        assert_eq!(
            usize::try_from(summary.open_windows).unwrap(),
            hall_open,
            "centre {code}: open windows"
        );
        assert_eq!(summary.name, cfg.centre.name);
        drop(sup.ws.close(None).await);
    }
    // The monthly figures against each hall's own report, once the halls have stopped (their
    // clocks raise alerts as time passes) and the city holds everything.
    let mut stopped = Vec::new();
    for (hall, cfg, shipper) in halls {
        let TestHallParts { db, dir } = stop_hall(hall).await;
        wait_shipped(&pg, &cfg.centre.code, &db).await;
        shipper.stop();
        stopped.push((db, dir, cfg));
    }
    let city_month = city::report::month(&c, month.first_day(), month.last_day())
        .await
        .unwrap();
    for (db, _, cfg) in &stopped {
        let code = &cfg.centre.code;
        let hall_db = db;
        assert_exact_copy(&c, code, hall_db).await;
        // Monthly figures against the hall's own monthly report.
        let report = dashboard::report::build(hall_db, month, today).unwrap();
        let m = city_month
            .centres
            .iter()
            .find(|m| &m.centre == code)
            .unwrap();
        let q = &report.queue_total;
        assert!(q.issued > 0);
        assert_eq!(
            (m.issued, m.served, m.no_show, m.unfinished),
            (
                i64::try_from(q.issued).unwrap(),
                i64::try_from(q.served).unwrap(),
                i64::try_from(q.no_show).unwrap(),
                i64::try_from(q.unfinished).unwrap()
            ),
            "centre {code}: tickets"
        );
        assert_eq!(
            m.wait_p90_s,
            q.waits.percentile(90),
            "centre {code}: p90 wait"
        );
        assert_eq!(m.ratings, i64::try_from(report.ratings.count()).unwrap());
        assert_eq!(m.low_ratings, i64::try_from(report.ratings.low()).unwrap());
        let alerts: u64 = report.alerts.values().sum();
        assert_eq!(
            m.alerts,
            i64::try_from(alerts).unwrap(),
            "centre {code}: alerts"
        );
        let opened: i64 = city_month
            .departments
            .iter()
            .filter(|d| &d.centre == code)
            .map(|d| d.opened)
            .sum();
        assert_eq!(
            opened,
            i64::try_from(report.item_total.opened).unwrap(),
            "centre {code}: cases opened"
        );
    }
    // The city's own totals per department add the centres up.
    let city_opened: i64 = city_month
        .departments
        .iter()
        .filter(|d| d.centre.is_empty())
        .map(|d| d.opened)
        .sum();
    assert_eq!(city_opened, 3);
    // No personal data anywhere in the database.
    let values = every_shipped_value(&c).await;
    assert!(values.len() > 100, "rows were shipped: {}", values.len());
    let masked = queue_core::ids::mask(ID);
    for (table, col, v) in &values {
        for secret in [ID, NAME, PHONE, masked.as_str(), "张三", "办结"] {
            assert!(!v.contains(secret), "{table}.{col} holds {secret:?}: {v}");
        }
        if col != "hash" && col != "last_hash" {
            assert!(
                longest_digit_run(v) < 11,
                "{table}.{col} holds a long number: {v}"
            );
        }
    }
}

struct TestHallParts {
    db: std::path::PathBuf,
    dir: tempfile::TempDir,
}

async fn stop_hall(hall: common::hall::TestHall) -> TestHallParts {
    hall.hall.stop().await.unwrap();
    TestHallParts {
        db: hall.db,
        dir: hall.dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_stopped_mid_stream_the_halls_keep_working_then_no_gap_no_duplicate() {
    let pg = pg();
    let (hall, cfg) = hall_of("440111", "广州市白云区政务服务中心").await;
    let shipper = spawn_shipper(&hall.db, &pg, &cfg);
    workload(&hall, 1).await;
    wait_shipped(&pg, "440111", &hall.db).await;
    pg.stop().unwrap();
    // The hall goes on at full speed while the city is away.
    let mut kiosk = hall.connect("kiosk", None).await;
    let mut counter = hall.connect("counter", Some(2)).await;
    let started = Instant::now();
    for _ in 0..40 {
        let t = Instant::now();
        let r = kiosk
            .command(json!({"kind":"issue_ticket","queue":"A"}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "a command waited on the city: {:?}",
            t.elapsed()
        );
    }
    serve_one(&mut counter, "ok").await;
    assert!(started.elapsed() < Duration::from_secs(20));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = shipper.status();
    assert!(!status.connected, "the shipper noticed: {status:?}");
    assert!(status.shipped_seq < head(&hall.db), "events were pending");
    pg.start_again().unwrap();
    wait_shipped(&pg, "440111", &hall.db).await;
    let c = client(&pg).await;
    assert_exact_copy(&c, "440111", &hall.db).await;
    assert!(shipper.status().connected);
    shipper.stop();
    drop(kiosk.ws.close(None).await);
    drop(counter.ws.close(None).await);
    hall.hall.stop().await.unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_server(db: &std::path::Path, port: u16, pg_url: &str) -> Child {
    Command::new(common::dashboard_bin())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--ship-to",
            pg_url,
            "--db",
        ])
        .arg(db)
        .env("HALL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(db.with_extension("log"))
                .unwrap(),
        )
        .spawn()
        .unwrap()
}

async fn wait_ready(addr: SocketAddr) {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up on {addr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_killed_with_kill_9_resumes_shipping_where_the_database_left_off() {
    let pg = pg();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let token = dashboard::tokens::create(&db, "kiosk", None, "load")
        .unwrap()
        .1;
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let c = client(&pg).await;
    let mut shipped_before_kill = Vec::new();
    for round in 0..3 {
        let before = city_seq(&c, "440114").await;
        let mut child = spawn_server(&db, port, &pg.url());
        wait_ready(addr).await;
        let mut k = Conn::open(addr, &token, None).await;
        for _ in 0..(20 + round * 10) {
            let r = k.command(json!({"kind":"issue_ticket","queue":"B"})).await;
            assert_eq!(r["ok"], true, "{r}");
        }
        // Shipping of this round is under way (the shipper starts after the hall is up) …
        let until = Instant::now() + Duration::from_secs(30);
        while city_seq(&c, "440114").await <= before {
            assert!(
                Instant::now() < until,
                "round {round}: nothing shipped; server log:\n{}",
                std::fs::read_to_string(db.with_extension("log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // … and more events are committed right before the kill: some have not left yet.
        for _ in 0..10 {
            k.command(json!({"kind":"issue_ticket","queue":"B"})).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        shipped_before_kill.push(city_seq(&c, "440114").await);
    }
    assert!(
        shipped_before_kill.iter().any(|&s| s > 0),
        "shipping ran: {shipped_before_kill:?}"
    );
    // The last start catches up with everything, from where the database left off.
    let mut child = spawn_server(&db, port, &pg.url());
    wait_ready(addr).await;
    wait_shipped(&pg, "440114", &db).await;
    assert_exact_copy(&c, "440114", &db).await;
    let waiting: i64 = c
        .query_one("SELECT COALESCE(sum(waiting), 0)::BIGINT FROM city_queue_lengths WHERE centre = '440114'", &[])
        .await
        .unwrap()
        .get(0);
    let sup_token = dashboard::tokens::create(&db, "supervisor", None, "x")
        .unwrap()
        .1;
    let sup = Conn::open(addr, &sup_token, None).await;
    let hall_waiting: i64 = sup.snapshot["state"]["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["waiting"].as_i64().unwrap())
        .sum();
    assert!(hall_waiting > 0);
    assert_eq!(
        waiting, hall_waiting,
        "the city shows what the restarted hall shows"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_does_not_continue_the_city_copy_is_refused() {
    let pg = pg();
    let (hall, cfg) = hall_of("440117", "广州市从化区政务服务中心").await;
    workload(&hall, 0).await;
    let opts = common::city::ship_options(&hall.db, &pg, &cfg);
    let mut shipper = city::ship::Shipper::open(opts.clone()).unwrap();
    let n = shipper.ship_available().await.unwrap();
    assert_eq!(n, head(&hall.db));
    // More events, then one of them edited on disk: shipping stops at it, naming it.
    let mut kiosk = hall.connect("kiosk", None).await;
    for _ in 0..3 {
        kiosk
            .command(json!({"kind":"issue_ticket","queue":"C"}))
            .await;
    }
    hall.hall.stop().await.unwrap();
    let bad_seq = i64::try_from(n + 2).unwrap();
    {
        let conn = rusqlite_like_edit(&hall.db, bad_seq);
        assert_eq!(conn, 1);
    }
    let err = shipper
        .ship_available()
        .await
        .expect_err("tampered log refused");
    assert!(
        matches!(&err, city::CityError::Chain { problem, .. } if problem.contains(&format!("seq {bad_seq}"))),
        "{err}"
    );
    // Nothing at or after the bad event reached the city.
    let c = client(&pg).await;
    assert!(city_seq(&c, "440117").await < bad_seq);
    // A different hall claiming the same centre does not continue the city's copy either.
    let (other, _) = hall_of("440117", "假冒中心").await;
    let mut k = other.connect("kiosk", None).await;
    k.command(json!({"kind":"issue_ticket","queue":"A"})).await;
    let mut o =
        city::ship::Shipper::open(common::city::ship_options(&other.db, &pg, &cfg)).unwrap();
    let err = o.ship_available().await.expect_err("foreign log refused");
    assert!(matches!(err, city::CityError::Chain { .. }), "{err}");
    other.hall.stop().await.unwrap();
}

/// Rewrites one event's body in place (as someone with the file could), keeping the JSON
/// valid (trailing space); returns the rows changed.
fn rusqlite_like_edit(db: &std::path::Path, seq: i64) -> usize {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("UPDATE events SET body = body || ' ' WHERE seq = ?1", [seq])
        .unwrap()
}

async fn next_city_frame(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    f: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < until, "no matching city frame");
        let v = common::hall::next_json(ws).await.expect("a frame");
        if f(&v) {
            return v;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_city_page_and_stream_show_every_centre_live_and_drill_down() {
    use futures_util::SinkExt;
    let pg = pg();
    let (hall, cfg) = hall_of("440113", "广州市番禺区政务服务中心").await;
    let shipper = spawn_shipper(&hall.db, &pg, &cfg);
    workload(&hall, 0).await;
    wait_shipped(&pg, "440113", &hall.db).await;
    let running = dashboard::city::start_city_server(dashboard::city::CityServeOptions {
        pg: pg.url().parse().unwrap(),
        listen: "127.0.0.1:0".parse().unwrap(),
        token: "city-secret".into(),
    })
    .await
    .unwrap();
    let addr = running.addr;
    let page = common::hall::http_get(addr, "/city").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        page.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'self'"),
        "{page}"
    );
    assert!(page.contains("<script src=\"/city/static/city.js\"></script>"));
    assert_eq!(page.matches("<script").count(), 1, "no inline script");
    let denied = common::hall::http_get(addr, "/city/api/overview?token=wrong").await;
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{addr}/city/ws?token=city-secret"))
            .await
            .unwrap();
    let first = next_city_frame(&mut ws, |v| {
        v["type"] == "city" && v["centres"].as_array().is_some_and(|c| !c.is_empty())
    })
    .await;
    let waiting = first["centres"][0]["waiting"].as_i64().unwrap();
    assert_eq!(first["centres"][0]["name"], "广州市番禺区政务服务中心");
    // A ticket at the hall reaches the page by itself (NOTIFY), without polling.
    let mut kiosk = hall.connect("kiosk", None).await;
    kiosk
        .command(json!({"kind":"issue_ticket","queue":"A"}))
        .await;
    next_city_frame(&mut ws, |v| {
        v["type"] == "city" && v["centres"][0]["waiting"].as_i64() == Some(waiting + 1)
    })
    .await;
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        json!({"type":"drill","centre":"440113"}).to_string().into(),
    ))
    .await
    .unwrap();
    let d = next_city_frame(&mut ws, |v| v["type"] == "centre").await;
    let per_queue: i64 = d["centre"]["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["waiting"].as_i64().unwrap())
        .sum();
    assert_eq!(
        per_queue,
        waiting + 1,
        "the drill-down adds up to the overview: {d}"
    );
    assert!(
        d["centre"]["windows"].as_array().unwrap().len() >= 16,
        "configured windows are known: {d}"
    );
    // The JSON API says the same, and nothing about people.
    let api = common::hall::http_get(addr, "/city/api/centre/440113?token=city-secret").await;
    assert!(api.starts_with("HTTP/1.1 200"), "{api}");
    assert!(!api.contains(ID) && !api.contains(NAME));
    drop(kiosk.ws.close(None).await);
    running.stop().await.unwrap();
    shipper.stop();
    hall.hall.stop().await.unwrap();
}

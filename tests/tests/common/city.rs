//! Helpers for the city tests: a private PostgreSQL, halls of different centres, a workload
//! with personal data in it, and reading the city database back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use city::pg_local::LocalPg;
use city::ship::{CentreInfo, ShipHandle, ShipOptions};
use queue_core::config::HallConfig;
use queue_core::store::Store;
use serde_json::json;

use super::hall::{Conn, TestHall};

pub const ID: &str = "440524188001010014";
pub const NAME: &str = "张三丰";
pub const PHONE: &str = "13800138000";

pub fn pg() -> LocalPg {
    LocalPg::start(100).expect("a private PostgreSQL (Debian's postgresql package)")
}

pub async fn client(pg: &LocalPg) -> tokio_postgres::Client {
    let target: city::PgTarget = pg.url().parse().unwrap();
    target.connect(None).await.unwrap()
}

/// The sample centre's hall.toml under another centre code and name.
pub fn centre_config(dir: &Path, code: &str, name: &str) -> (PathBuf, HallConfig) {
    let sample = std::fs::read_to_string(super::workspace_root().join("queue-core/data/hall.toml"))
        .unwrap()
        .replacen("code = \"440114\"", &format!("code = \"{code}\""), 1)
        .replacen(
            "name = \"广州市花都区政务服务中心\"",
            &format!("name = \"{name}\""),
            1,
        );
    let path = dir.join(format!("hall-{code}.toml"));
    std::fs::write(&path, sample).unwrap();
    let cfg = HallConfig::load(&path).unwrap();
    (path, cfg)
}

pub async fn hall_of(code: &str, name: &str) -> (TestHall, HallConfig) {
    let cfg_dir = tempfile::tempdir().unwrap();
    let (path, cfg) = centre_config(cfg_dir.path(), code, name);
    let hall = TestHall::start_with(|o| {
        o.config = Some(path.clone());
    })
    .await;
    // The config file was read at start; the directory may go.
    drop(cfg_dir);
    (hall, cfg)
}

pub fn ship_options(db: &Path, pg: &LocalPg, cfg: &HallConfig) -> ShipOptions {
    let mut o = ShipOptions::new(
        db.to_path_buf(),
        pg.url().parse().unwrap(),
        CentreInfo::from_config(cfg),
    );
    o.poll = Duration::from_millis(50);
    o.max_backoff = Duration::from_millis(500);
    o
}

pub fn spawn_shipper(db: &Path, pg: &LocalPg, cfg: &HallConfig) -> ShipHandle {
    ShipHandle::spawn(ship_options(db, pg, cfg)).unwrap()
}

/// A morning's worth of work with personal data everywhere the protocol allows it: tickets
/// with ID numbers, free-text outcomes naming people, a case with applicant name and ID,
/// a rating whose reason names a phone number. `n` varies the amounts between halls.
pub async fn workload(hall: &TestHall, n: usize) {
    let mut kiosk = hall.connect("kiosk", None).await;
    let mut counter = hall.connect("counter", Some(1)).await;
    for i in 0..(3 + n) {
        let r = kiosk
            .command(json!({"kind":"issue_ticket","queue":"A","id_number": if i == 0 { Some(ID) } else { None }}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
    }
    for _ in 0..(1 + n % 3) {
        let r = kiosk
            .command(json!({"kind":"issue_ticket","queue":"B"}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
    }
    serve_one(&mut counter, &format!("已为{NAME}办结，电话{PHONE}")).await;
    let r = counter.command(json!({"kind":"call_next"})).await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter.command(json!({"kind":"no_show"})).await;
    assert_eq!(r["ok"], true, "{r}");
    let t = serve_one(&mut counter, "办结").await;
    // The applicant rates at the kiosk (counters do not rate their own service).
    let r = kiosk
        .command(json!({"kind":"evaluate","ticket":t,"rating":2,"reason":format!("{NAME} 电话 {PHONE}")}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter
        .command(json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":NAME,"id_number":ID}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    drop(kiosk.ws.close(None).await);
    drop(counter.ws.close(None).await);
}

/// Calls, starts and finishes the next ticket; returns its id.
pub async fn serve_one(counter: &mut Conn, outcome: &str) -> String {
    let r = counter.command(json!({"kind":"call_next"})).await;
    assert_eq!(r["ok"], true, "{r}");
    let id = r["result"]["ticket"]["id"].as_str().unwrap().to_string();
    let r = counter.command(json!({"kind":"start_service"})).await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter
        .command(json!({"kind":"finish","outcome":outcome}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    id
}

/// The hall's committed head.
pub fn head(db: &Path) -> u64 {
    Store::open(db).unwrap().head().unwrap().0
}

pub async fn city_seq(c: &tokio_postgres::Client, centre: &str) -> i64 {
    c.query_opt(
        "SELECT last_seq FROM city_centres WHERE centre = $1",
        &[&centre],
    )
    .await
    .ok()
    .flatten()
    .map_or(0, |r| r.get(0))
}

/// Waits until the city holds everything the hall has committed.
pub async fn wait_shipped(pg: &LocalPg, centre: &str, db: &Path) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let want = i64::try_from(head(db)).unwrap();
        let got = match tokio::time::timeout(Duration::from_secs(5), client(pg)).await {
            Ok(c) => city_seq(&c, centre).await,
            Err(_) => 0,
        };
        if got == want {
            return;
        }
        assert!(
            Instant::now() < until,
            "centre {centre}: city holds {got}, hall {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The city's copy of a centre's log is exactly the hall's: seq 1..=head, same hashes.
pub async fn assert_exact_copy(c: &tokio_postgres::Client, centre: &str, db: &Path) {
    let hall: Vec<(i64, String)> = Store::open(db)
        .unwrap()
        .events_after_chained(0, &[0u8; 32], u64::MAX)
        .unwrap()
        .into_iter()
        .map(|(r, h)| {
            (
                i64::try_from(r.seq).unwrap(),
                h.iter().map(|b| format!("{b:02x}")).collect(),
            )
        })
        .collect();
    let city: Vec<(i64, String)> = c
        .query(
            "SELECT seq, hash FROM city_events WHERE centre = $1 ORDER BY seq",
            &[&centre],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(!hall.is_empty());
    assert_eq!(
        city.len(),
        hall.len(),
        "centre {centre}: no gap, no duplicate"
    );
    assert_eq!(
        city, hall,
        "centre {centre}: same events, same hashes, same order"
    );
}

/// Every value of every row of every city table, as text (the hash column apart, which is
/// checked for exact personal values only: 64 hex digits may hold long digit runs by chance).
pub async fn every_shipped_value(c: &tokio_postgres::Client) -> Vec<(String, String, String)> {
    let tables: Vec<String> = c
        .query(
            "SELECT table_name FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = c
            .query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1",
                &[&t],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for col in cols {
            let sql = format!("SELECT CAST(\"{col}\" AS TEXT) FROM \"{t}\"");
            for r in c.query(sql.as_str(), &[]).await.unwrap() {
                let v: Option<String> = r.get(0);
                if let Some(v) = v {
                    out.push((t.clone(), col.clone(), v));
                }
            }
        }
    }
    out
}

/// Longest run of ASCII digits in `s`.
pub fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

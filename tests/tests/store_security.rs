//! Personal data at rest, a log that proves itself, simulated time kept apart — against the
//! real `dashboard` process: private files in a new data directory, `verify-log` naming an
//! edited or truncated log and `serve` refusing it, `purge` keeping the chain valid, `--demo`
//! refusing a real database, no silent key regeneration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::hall::Conn;
use serde_json::json;

const ID: &str = "440524188001010014";
const NAME: &str = "欧阳明月";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

fn spawn(db: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let child = Command::new(common::dashboard_bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .args(extra)
        .env("HALL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Server {
        child,
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
    }
}

async fn wait_ready(s: &mut Server) {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(s.addr).await.is_ok() {
            // The listener is up a moment before the SIGTERM handler: let it settle.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return;
        }
        if let Some(st) = s.child.try_wait().unwrap() {
            panic!("server exited {st}: {}", stderr_of(&mut s.child));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up on {}", s.addr);
}

fn stderr_of(child: &mut Child) -> String {
    use std::io::Read as _;
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// SIGTERM and wait for a clean exit (which signs the chain head).
fn stop(mut s: Server) {
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            assert!(st.success(), "exit {st}");
            return;
        }
        assert!(Instant::now() < until, "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server that must refuse to start: its exit code and error output.
fn refused(db: &Path, extra: &[&str]) -> String {
    let mut s = spawn(db, extra);
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            assert!(!st.success(), "refusal exits non-zero");
            return stderr_of(&mut s.child);
        }
        if Instant::now() > until {
            let _ = s.child.kill();
            panic!("the server started on a database it must refuse");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn dashboard(args: &[&str], db: &Path) -> common::Run {
    let mut v: Vec<String> = args.iter().map(|s| (*s).to_string()).collect();
    v.push("--db".into());
    v.push(db.display().to_string());
    let refs: Vec<&str> = v.iter().map(String::as_str).collect();
    common::run_dashboard(&refs)
}

/// A served day: tickets, and a case with the applicant's name and ID; cleanly stopped.
async fn a_day(db: &Path) {
    let kiosk = dashboard::tokens::create(db, "kiosk", None, "k").unwrap().1;
    let counter = dashboard::tokens::create(db, "counter", Some(1), "c")
        .unwrap()
        .1;
    let mut s = spawn(db, &[]);
    wait_ready(&mut s).await;
    let mut k = Conn::open(s.addr, &kiosk, None).await;
    // One live ticket per ID number: the first carries it.
    for i in 0..3 {
        let mut cmd = json!({"kind":"issue_ticket","queue":"A"});
        if i == 0 {
            cmd["id_number"] = json!(ID);
        }
        let r = k.command(cmd).await;
        assert_eq!(r["ok"], true, "{r}");
    }
    let mut c = Conn::open(s.addr, &counter, None).await;
    let r = c
        .command(json!({"kind":"case_open","item":"QY001",
            "applicant":{"kind":"person","name":NAME,"id_number":ID}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    drop((k, c));
    stop(s);
}

fn raw_files(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(p)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_into_a_new_directory_creates_private_files() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("centre").join("data");
    let db = data.join("hall.db");
    let mut s = spawn(&db, &[]);
    wait_ready(&mut s).await;
    assert_eq!(mode(&data), 0o700, "data directory");
    assert_eq!(mode(&db), 0o600, "database");
    assert_eq!(mode(&data.join("hall.db-wal")), 0o600, "WAL");
    assert_eq!(mode(&data.join("hall.db-shm")), 0o600, "shared memory");
    assert_eq!(mode(&data.join("centre.key")), 0o600, "key");
    stop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_event_is_named_by_verify_log_and_serve_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("hall.db");
    a_day(&db).await;
    let ok = dashboard(&["verify-log"], &db);
    assert_eq!(ok.code, Some(0), "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("INTACT"), "{}", ok.stdout);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM events WHERE kind = 'ticket_issued' AND body LIKE '%A002%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE events SET body = replace(body, 'A002', 'A007') WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    drop(conn);
    let bad = dashboard(&["verify-log"], &db);
    assert_eq!(bad.code, Some(1), "{}{}", bad.stdout, bad.stderr);
    assert!(
        bad.stdout.contains(&format!("first bad seq {seq};")),
        "{}",
        bad.stdout
    );
    let err = refused(&db, &[]);
    assert!(err.contains("dashboard verify-log"), "{err}");
    assert!(err.contains(&format!("seq {seq}")), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_tail_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("hall.db");
    a_day(&db).await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM events", [], |r| r.get(0))
        .unwrap();
    conn.execute("DELETE FROM events WHERE seq >= ?1", [last - 1])
        .unwrap();
    drop(conn);
    let bad = dashboard(&["verify-log"], &db);
    assert_eq!(bad.code, Some(1), "{}", bad.stdout);
    assert!(
        bad.stdout.contains(&format!("first bad seq {}", last - 1)),
        "{}",
        bad.stdout
    );
    let err = refused(&db, &[]);
    assert!(
        err.contains("removed") && err.contains("verify-log"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_erases_personal_data_and_the_log_still_verifies_and_serves() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("hall.db");
    a_day(&db).await;
    assert!(contains(&raw_files(&db), ID));
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(8 + 24))
        .date_naive()
        .to_string();
    let p = dashboard(&["purge", "--before", &tomorrow], &db);
    assert_eq!(p.code, Some(0), "{}{}", p.stdout, p.stderr);
    let raw = raw_files(&db);
    assert!(!contains(&raw, ID), "the ID number is gone from the files");
    assert!(!contains(&raw, NAME), "the name is gone from the files");
    let ok = dashboard(&["verify-log"], &db);
    assert_eq!(ok.code, Some(0), "{}{}", ok.stdout, ok.stderr);
    // Replay after purge starts, and the hall serves.
    let mut s = spawn(&db, &[]);
    wait_ready(&mut s).await;
    let kiosk = dashboard::tokens::create(&db, "kiosk", None, "k2")
        .unwrap()
        .1;
    let mut k = Conn::open(s.addr, &kiosk, None).await;
    let r = k.command(json!({"kind":"issue_ticket","queue":"A"})).await;
    assert_eq!(r["ok"], true, "{r}");
    drop(k);
    stop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_time_never_writes_into_a_real_database_nor_the_reverse() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real.db");
    a_day(&real).await;
    for flags in [
        &["--demo"][..],
        &["--start", "2030-01-07T08:55:00+08:00"][..],
        &["--time-scale", "60"][..],
    ] {
        let err = refused(&real, flags);
        assert!(err.contains("real time"), "{flags:?}: {err}");
    }
    let n: i64 = rusqlite::Connection::open(&real)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE at LIKE '2030%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0, "nothing written in simulated time");
    // An empty database (tokens may exist) takes simulated time and is marked with it…
    let sim = tmp.path().join("sim.db");
    dashboard::tokens::create(&sim, "kiosk", None, "k").unwrap();
    let mut s = spawn(&sim, &["--start", "2030-01-07T08:55:00+08:00"]);
    wait_ready(&mut s).await;
    stop(s);
    // …so a real-time start refuses it, and the same mode starts again.
    let err = refused(&sim, &[]);
    assert!(err.contains("simulated"), "{err}");
    let mut s = spawn(&sim, &["--time-scale", "5"]);
    wait_ready(&mut s).await;
    stop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_without_db_uses_a_temporary_database() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(common::dashboard_bin())
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("HALL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < until, "demo did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = child.kill();
    let _ = child.wait();
    let default_db = home.path().join("data").join("gov-hall").join("hall.db");
    assert!(
        !default_db.exists(),
        "the demo wrote into the default database"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_is_not_silently_replaced_once_anything_was_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("hall.db");
    a_day(&db).await;
    let key = tmp.path().join("centre.key");
    let before = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let err = refused(&db, &[]);
    assert!(err.contains("missing") && err.contains("backup"), "{err}");
    assert!(!key.exists(), "no new key was made");
    std::fs::write(&key, before).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut s = spawn(&db, &[]);
    wait_ready(&mut s).await;
    stop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_keys_keep_the_log_and_old_receipts_verifiable() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("hall.db");
    a_day(&db).await;
    let r = common::run_dashboard(&["keys", "rotate", "--dir", tmp.path().to_str().unwrap()]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    // Heads signed with the old key still verify through the retired public key.
    let ok = dashboard(&["verify-log"], &db);
    assert_eq!(ok.code, Some(0), "{}{}", ok.stdout, ok.stderr);
    let mut s = spawn(&db, &[]);
    wait_ready(&mut s).await;
    stop(s);
}

//! The real server on an 8 MB tmpfs that fills up: supervisors are alerted before the disk is
//! full (low space) and while commits fail; the kiosk is told plainly; reads keep being served;
//! nothing acknowledged is lost and nothing refused was stored; the hall recovers when space
//! returns, and a restart replays exactly the acknowledged tickets.
//!
//! Needs `mount -t tmpfs` (root; CI runs as root). Without it the test says so and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::hall::{http_get, Conn};
use serde_json::{json, Value};

struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path) -> Option<Self> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(db: &Path, port: u16) -> Child {
    Command::new(common::dashboard_bin())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--min-free-mb",
            "3",
        ])
        .args(["--start", "2026-11-23T09:00:00+08:00", "--db"])
        .arg(db)
        .env("HALL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(addr: SocketAddr) {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up on {addr}");
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads frames until a snapshot satisfies `f`.
async fn wait_snapshot(conn: &mut Conn, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        let v = conn
            .next()
            .await
            .unwrap_or_else(|| panic!("closed waiting for {what}"));
        if v["type"] == "snapshot" && f(&v["state"]) {
            return v;
        }
    }
    panic!("no snapshot with {what}");
}

fn alert_kinds(state: &Value) -> Vec<String> {
    state["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Writes `bytes` (or until the disk is full when `None`) into `path`.
fn fill(path: &Path, bytes: Option<u64>) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let chunk = vec![0x5a_u8; 16 * 1024];
    let mut written = 0u64;
    loop {
        if bytes.is_some_and(|b| written >= b) {
            break;
        }
        match f.write_all(&chunk) {
            Ok(()) => written += chunk.len() as u64,
            Err(_) => break,
        }
    }
    let _ = f.sync_all();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_alerts_refuses_plainly_loses_nothing_and_recovers() {
    let outer = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(outer.path()) else {
        eprintln!("SKIPPED: `mount -t tmpfs` is not permitted here (needs root); the disk-full test did not run");
        return;
    };
    let db = fs.0.join("hall.db");
    let kiosk_token = dashboard::tokens::create(&db, "kiosk", None, "kiosk")
        .unwrap()
        .1;
    let sup_token = dashboard::tokens::create(&db, "supervisor", None, "sup")
        .unwrap()
        .1;
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = spawn(&db, port);
    wait_ready(addr).await;
    let mut sup = Conn::open(addr, &sup_token, None).await;
    assert_eq!(sup.snapshot["state"]["storage"]["status"], "ok");
    let mut kiosk = Conn::open(addr, &kiosk_token, None).await;
    let mut acked: HashSet<String> = HashSet::new();
    let mut n = 0u32;
    let issue = |n: &mut u32| {
        *n += 1;
        let queue = ["A", "B", "C"][*n as usize % 3];
        json!({"kind":"issue_ticket","queue":queue})
    };
    for _ in 0..20 {
        let r = kiosk.command(issue(&mut n)).await;
        assert_eq!(r["ok"], true, "{r}");
        acked.insert(r["result"]["ticket"]["id"].as_str().unwrap().to_string());
    }

    // Below the watch threshold (3 MB) but not full: supervisors are warned, work goes on.
    let space = dashboard::disk::space(&db).unwrap();
    let filler = fs.0.join("filler");
    fill(&filler, Some(space.free.saturating_sub(2 * 1024 * 1024)));
    let s = wait_snapshot(&mut sup, "a disk_low alert", |st| {
        alert_kinds(st).contains(&"disk_low".into())
    })
    .await;
    assert_eq!(s["state"]["storage"]["status"], "low_space");
    let r = kiosk.command(issue(&mut n)).await;
    assert_eq!(r["ok"], true, "still saving with space left: {r}");
    acked.insert(r["result"]["ticket"]["id"].as_str().unwrap().to_string());

    // Full: commands are refused with a plain storage_failure, never acknowledged.
    fill(&filler, None);
    let mut refused = 0;
    for _ in 0..3000 {
        // Under the per-connection rate limit (50 commands/s).
        tokio::time::sleep(Duration::from_millis(25)).await;
        let r = kiosk.command(issue(&mut n)).await;
        if r["ok"] == true {
            // The WAL may still have room; such a ticket is committed and must survive.
            acked.insert(r["result"]["ticket"]["id"].as_str().unwrap().to_string());
            continue;
        }
        assert_eq!(r["error"]["code"], "storage_failure", "{r}");
        let msg = r["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("磁盘已满") && msg.contains("disk is full"),
            "plain words: {msg}"
        );
        refused += 1;
        if refused >= 5 {
            break;
        }
    }
    assert!(refused >= 5, "the full disk never refused a commit");
    let s = wait_snapshot(&mut sup, "a storage_failure alert", |st| {
        alert_kinds(st).contains(&"storage_failure".into())
    })
    .await;
    assert_eq!(s["state"]["storage"]["status"], "failing");
    let alert = s["state"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "storage_failure")
        .unwrap()
        .clone();
    assert!(
        alert["message"].as_str().unwrap().contains("磁盘已满"),
        "{alert}"
    );
    // The kiosk is told in its own snapshot, with words a person can act on.
    let k = wait_snapshot(&mut kiosk, "storage failing", |st| {
        st["storage"]["status"] == "failing"
    })
    .await;
    assert!(k["state"]["storage"]["message"]
        .as_str()
        .unwrap()
        .contains("磁盘已满"));
    // Reads keep being served: a new connection gets its snapshot, the health check answers.
    let reader = Conn::open(addr, &sup_token, None).await;
    let tickets = reader.snapshot["state"]["tickets"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        tickets,
        acked.len(),
        "the snapshot holds exactly the acknowledged tickets"
    );
    assert!(http_get(addr, "/healthz")
        .await
        .contains("\"storage\":\"failing\""));
    drop(reader);

    // Space returns: the alert clears by itself, commands succeed again.
    std::fs::remove_file(&filler).unwrap();
    let s = wait_snapshot(&mut sup, "the alerts cleared", |st| {
        let k = alert_kinds(st);
        !k.contains(&"storage_failure".into()) && !k.contains(&"disk_low".into())
    })
    .await;
    assert_eq!(s["state"]["storage"]["status"], "ok");
    for _ in 0..10 {
        let r = kiosk.command(issue(&mut n)).await;
        assert_eq!(r["ok"], true, "after recovery: {r}");
        acked.insert(r["result"]["ticket"]["id"].as_str().unwrap().to_string());
    }
    drop(sup);
    drop(kiosk);
    stop(&mut child);

    // After a restart, the log holds exactly what was acknowledged.
    let mut child = spawn(&db, port);
    wait_ready(addr).await;
    let sup = Conn::open(addr, &sup_token, None).await;
    let stored: HashSet<String> = sup.snapshot["state"]["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        stored, acked,
        "acknowledged = stored, after the disk filled and emptied"
    );
    drop(sup);
    stop(&mut child);
    drop(fs);
}

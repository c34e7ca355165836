//! The real `dashboard serve` process: `kill -9` under load loses no acknowledged command and
//! numbering continues after restart; SIGTERM closes sockets with a close frame and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::hall::{next_json, Conn};
use futures_util::StreamExt;
use serde_json::json;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_server(db: &std::path::Path, port: u16) -> Child {
    Command::new(common::dashboard_bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let token = dashboard::tokens::create(&db, "kiosk", None, "load")
        .unwrap()
        .1;
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut acked: Vec<String> = Vec::new();
    for round in 0..3 {
        let mut child = spawn_server(&db, port);
        wait_ready(addr).await;
        // Three clients issue tickets as fast as they are acknowledged.
        let mut tasks = Vec::new();
        for c in 0..3 {
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(addr, &token, None).await;
                let mut mine = Vec::new();
                for i in 0.. {
                    let id = format!("r{round}-c{c}-{i}");
                    let queue = ["A", "B", "C"][i % 3];
                    conn.send(json!({"type":"command","id":id,"command":{"kind":"issue_ticket","queue":queue}})).await;
                    loop {
                        let Some(v) = next_json(&mut conn.ws).await else { return mine };
                        if v["type"] == "reply" && v["id"] == id {
                            if v["ok"] == true {
                                mine.push(v["result"]["ticket"]["id"].as_str().unwrap().to_string());
                            }
                            break;
                        }
                    }
                }
                mine
            }));
        }
        tokio::time::sleep(Duration::from_millis(400 + 200 * round)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for t in tasks {
            acked.extend(t.await.unwrap());
        }
    }
    assert!(acked.len() > 10, "load was applied: {}", acked.len());
    // Restart and look: every acknowledged ticket is there, and numbering goes on.
    let mut child = spawn_server(&db, port);
    wait_ready(addr).await;
    let mut sup = Conn::open(
        addr,
        &dashboard::tokens::create(&db, "supervisor", None, "x")
            .unwrap()
            .1,
        None,
    )
    .await;
    let present: HashSet<String> = sup.snapshot["state"]["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    for id in &acked {
        assert!(present.contains(id), "acknowledged ticket {id} lost");
    }
    let unique: HashSet<&String> = acked.iter().collect();
    assert_eq!(unique.len(), acked.len(), "a number was issued twice");
    let highest_a = present
        .iter()
        .filter_map(|id| id.split('-').nth(1))
        .filter(|n| n.starts_with('A'))
        .filter_map(|n| n[1..].parse::<u32>().ok())
        .max()
        .unwrap();
    let mut k = Conn::open(addr, &token, None).await;
    let next = k.command(json!({"kind":"issue_ticket","queue":"A"})).await;
    let n: u32 = next["result"]["ticket"]["number"].as_str().unwrap()[1..]
        .parse()
        .unwrap();
    assert_eq!(n, highest_a + 1, "numbering continues after the crash");
    drop(sup.ws.close(None).await);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_sockets_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let token = dashboard::tokens::create(&db, "supervisor", None, "x")
        .unwrap()
        .1;
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = spawn_server(&db, port);
    wait_ready(addr).await;
    let mut conn = Conn::open(addr, &token, None).await;
    let pid = i32::try_from(child.id()).unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut got_close = false;
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(10), conn.ws.next()).await {
        if let Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f))) = m {
            assert_eq!(u16::from(f.code), 1001);
            got_close = true;
            break;
        }
    }
    assert!(got_close, "a close frame on shutdown");
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            assert!(s.success(), "exit status {s}");
            break;
        }
        assert!(Instant::now() < until, "server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cli_creates_lists_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hall.db");
    let run = |args: &[&str]| {
        Command::new(common::dashboard_bin())
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap()
    };
    let out = run(&[
        "token",
        "create",
        "--role",
        "counter",
        "--window",
        "4",
        "--label",
        "王老师",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert_eq!(token.len(), 48, "the token is the last line: {stdout}");
    let bad = run(&["token", "create", "--role", "counter"]);
    assert_eq!(bad.status.code(), Some(2), "a counter token needs a window");
    let bad = run(&["token", "create", "--role", "janitor"]);
    assert_eq!(bad.status.code(), Some(2));
    let list = String::from_utf8_lossy(&run(&["token", "list"]).stdout).to_string();
    assert!(
        list.contains("counter") && list.contains("王老师") && !list.contains(&token),
        "{list}"
    );
    // The token works against a server on that database, until revoked.
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = spawn_server(&db, port);
    wait_ready(addr).await;
    let c = Conn::open(addr, &token, None).await;
    assert_eq!(c.welcome["window"], 4);
    let id = list
        .lines()
        .find(|l| l.contains("王老师"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert!(run(&["token", "revoke", &id]).status.success());
    assert_eq!(
        run(&["token", "revoke", &id]).status.code(),
        Some(1),
        "already revoked"
    );
    let mut ws = common::hall::raw(addr).await;
    Conn::handshake(&mut ws, &token, None).await;
    assert_eq!(next_json(&mut ws).await.unwrap()["code"], "unauthorized");
    child.kill().unwrap();
    child.wait().unwrap();
}

//! `hall-load`: drives a real `dashboard serve` process over real websockets with N counters,
//! kiosks and M subscribers, then prints throughput, acknowledgement and delivery latency,
//! server memory, and counts of lost, duplicated or out-of-order events.
//!
//! Example: `cargo run --release -p dashboard --bin hall-load -- --counters 300 --subscribers 200 --duration 60`
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use queue_core::config::{HallConfig, WindowConfig, WindowKind};
use queue_core::store::Store;
use serde_json::{json, Value};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Parser)]
#[command(about = "Load tool for the hall server")]
struct Args {
    #[arg(long, default_value_t = 300)]
    counters: u32,
    #[arg(long, default_value_t = 200)]
    subscribers: u32,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Commands per second per counter (call, start, finish in turn).
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Queues each window serves (round robin over the centre's queues): comprehensive
    /// windows serve a business category, not the whole hall.
    #[arg(long, default_value_t = 2)]
    queues_per_window: usize,
    /// Instead of the load run: build a hall with this many events of history, then time how
    /// long `dashboard serve` takes to serve again, from its checkpoint and by full replay.
    #[arg(long)]
    history: Option<u64>,
    /// Serve and connect over TLS (`wss://`), with a centre CA made for the run.
    #[arg(long)]
    tls: bool,
    /// The `dashboard` binary (default: next to this one).
    #[arg(long)]
    hall_bin: Option<PathBuf>,
}

#[derive(Default)]
struct Stats {
    ack_ms: Vec<f64>,
    delivery_ms: Vec<f64>,
    commands: u64,
    errors: u64,
    lost: u64,
    duplicated: u64,
    out_of_order: u64,
}

/// `(seq, at, first)` of an event frame: `first` is the start of the run a `redacted`
/// marker covers (`{"kind":"redacted","from":N}`), else `seq` itself.
fn event_prefix(t: &str) -> Option<(u64, &str, u64)> {
    let rest = t.strip_prefix(r#"{"type":"event","seq":"#)?;
    let end = rest.find(',')?;
    let seq = rest[..end].parse().ok()?;
    let rest = rest[end..].strip_prefix(r#","at":""#)?;
    let q = rest.find('"')?;
    let at = &rest[..q];
    let from = rest[q..]
        .strip_prefix(r#"","event":{"kind":"redacted","from":"#)
        .and_then(|r| r.find('}').and_then(|e| r[..e].parse().ok()))
        .unwrap_or(seq);
    Some((seq, at, from))
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn raw_commit_ms(dir: &Path) -> anyhow::Result<f64> {
    let mut s = Store::open(&dir.join("raw.db"))?;
    let mut v = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        s.raw_commit_probe()?;
        v.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(pct(&mut v, 0.5))
}

fn rss_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Where the clients connect: `ws://` or, with `--tls`, `wss://` trusting the run's own CA.
#[derive(Debug, Clone)]
struct Target {
    url: String,
    ca: Option<PathBuf>,
}

async fn connect(
    target: &Target,
    token: &str,
    name: &str,
) -> anyhow::Result<(
    futures_util::stream::SplitSink<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        Message,
    >,
    futures_util::stream::SplitStream<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    >,
    u64,
)> {
    let ws = dashboard::client::connect(&target.url, target.ca.as_deref()).await?;
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::Text(
        json!({"type":"hello","token":token,"client":name})
            .to_string()
            .into(),
    ))
    .await?;
    let mut seq = 0;
    // welcome, then snapshot
    for _ in 0..2 {
        match rx.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t)?;
                if v["type"] == "error" {
                    bail!("refused: {v}");
                }
                if v["type"] == "snapshot" {
                    seq = v["seq"].as_u64().unwrap_or(0);
                }
            }
            other => bail!("unexpected {other:?}"),
        }
    }
    Ok((tx, rx, seq))
}

fn dashboard_bin(a: &Args) -> PathBuf {
    a.hall_bin.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("dashboard")))
            .unwrap_or_else(|| PathBuf::from("dashboard"))
    })
}

/// Starts `dashboard serve` on `db` and returns it once `/healthz` answers, with the time that took.
async fn serve_and_time(bin: &Path, db: &Path) -> anyhow::Result<(Child, Duration)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let t = Instant::now();
    let child = Command::new(bin)
        .args(["serve", "--listen", &addr, "--db"])
        .arg(db)
        .env("HALL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    loop {
        if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").await?;
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf).await;
            if buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200") {
                return Ok((child, t.elapsed()));
            }
        }
        if t.elapsed() > Duration::from_secs(600) {
            bail!("hall did not start");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// `--history N`: restart time with N events in the log.
async fn history(a: &Args, n: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("hall.db");
    let t = Instant::now();
    let key = queue_core::document::generate_signing_key();
    queue_core::document::save_signing_key(&dir.path().join("centre.key"), &key)?;
    queue_core::document::save_verifying_key(&dir.path().join("centre.pub"), &key.verifying_key())?;
    let seq = dashboard::history::build(&db, HallConfig::sample()?, key, n)?;
    println!(
        "history: {seq} events written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let bin = dashboard_bin(a);
    // The clean stop above wrote a checkpoint at the last seq.
    let (child, with_cp) = serve_and_time(&bin, &db).await?;
    stop(child).await;
    // Without checkpoints: the whole log is replayed.
    rusqlite::Connection::open(&db)?.execute("DELETE FROM checkpoints", [])?;
    let (child, full) = serve_and_time(&bin, &db).await?;
    stop(child).await;
    println!("restart with {seq} events: serving again in {:.0} ms from the checkpoint, {:.0} ms by full replay", with_cp.as_secs_f64() * 1e3, full.as_secs_f64() * 1e3);
    println!("figure history_events {seq}");
    println!(
        "figure restart_checkpoint_ms {:.1}",
        with_cp.as_secs_f64() * 1e3
    );
    println!(
        "figure restart_full_replay_ms {:.1}",
        full.as_secs_f64() * 1e3
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    if let Some(n) = a.history {
        return history(&a, n).await;
    }
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("hall.db");
    // A centre with one window per counter, each serving every queue.
    let mut cfg = HallConfig::sample()?;
    let codes: Vec<String> = cfg.queues.iter().map(|q| q.code.clone()).collect();
    let per_window = a.queues_per_window.clamp(1, codes.len());
    cfg.windows = (1..=a.counters)
        .map(|n| WindowConfig {
            number: n,
            kind: WindowKind::Comprehensive,
            queues: (0..per_window)
                .map(|i| codes[(n as usize + i) % codes.len()].clone())
                .collect(),
            weights: Default::default(),
            open: true,
        })
        .collect();
    cfg.rules.one_live_ticket_per_id = false;
    for q in &mut cfg.queues {
        q.max_waiting = 100_000;
        q.max_wait_minutes = 10_000;
    }
    let cfg_path = dir.path().join("hall.toml");
    std::fs::write(&cfg_path, toml::to_string(&cfg)?)?;
    let counter_tokens: Vec<String> = (1..=a.counters)
        .map(|w| dashboard::tokens::create(&db, "counter", Some(w), "load").map(|t| t.1))
        .collect::<Result<_, _>>()?;
    let issue_rate = f64::from(a.counters) * a.rate / 3.0 * 1.1;
    let kiosks = (issue_rate / 40.0).ceil().max(1.0) as u32;
    let kiosk_tokens: Vec<String> = (0..kiosks)
        .map(|_| dashboard::tokens::create(&db, "kiosk", None, "load").map(|t| t.1))
        .collect::<Result<_, _>>()?;
    let sub_tokens: Vec<String> = (0..a.subscribers)
        .map(|_| dashboard::tokens::create(&db, "supervisor", None, "load").map(|t| t.1))
        .collect::<Result<_, _>>()?;
    let raw_before = raw_commit_ms(dir.path())?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let bin = dashboard_bin(&a);
    let mut serve = Command::new(&bin);
    serve
        .args(["serve", "--listen", &addr, "--db"])
        .arg(&db)
        .arg("--config")
        .arg(&cfg_path);
    let target = if a.tls {
        let names = ["localhost".to_string(), "127.0.0.1".to_string()];
        let files = dashboard::tls::init(&dir.path().join("tls"), &names, false)?;
        serve
            .arg("--tls-cert")
            .arg(&files.cert)
            .arg("--tls-key")
            .arg(&files.key);
        Target {
            url: format!("wss://localhost:{port}/ws"),
            ca: Some(files.ca_cert),
        }
    } else {
        Target {
            url: format!("ws://{addr}/ws"),
            ca: None,
        }
    };
    let mut server: Child = serve
        .env("HALL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let up = Instant::now();
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        if up.elapsed() > Duration::from_secs(20) {
            bail!("hall did not start");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = Arc::new(Mutex::new(Stats::default()));
    let running = Arc::new(AtomicBool::new(true));
    let end_seq = Arc::new(std::sync::atomic::AtomicU64::new(0));

    // Subscribers: check the stream and time delivery.
    let mut subs = Vec::new();
    for (i, t) in sub_tokens.iter().enumerate() {
        let (_tx, mut rx, start) = connect(&target, t, &format!("sub-{i}")).await?;
        let stats = Arc::clone(&stats);
        let end_seq = Arc::clone(&end_seq);
        subs.push(tokio::spawn(async move {
            let _keep = _tx;
            let (mut last, mut seen) = (start, 0u64);
            let (mut dup, mut ooo) = (0u64, 0u64);
            let mut delays = Vec::new();
            loop {
                let m = tokio::time::timeout(Duration::from_secs(3), rx.next()).await;
                let Ok(Some(Ok(Message::Text(t)))) = m else {
                    break;
                };
                let now = chrono::Utc::now();
                // Event frames start `{"type":"event","seq":N,"at":"…"`, alone or inside a
                // `batch`: read just that, so the tool's own parsing does not eat the CPU the
                // server is measured on.
                if t.starts_with(r#"{"type":"event""#) || t.starts_with(r#"{"type":"batch""#) {
                    for (i, _) in t.match_indices(r#"{"type":"event","seq":"#) {
                        let Some((s, at, from)) = event_prefix(&t[i..]) else {
                            continue;
                        };
                        if s <= last {
                            dup += 1;
                        } else if from != last + 1 {
                            ooo += 1;
                            last = s;
                        } else {
                            seen += s - from + 1;
                            last = s;
                        }
                        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(at) {
                            let d = (now - at.with_timezone(&chrono::Utc)).num_microseconds();
                            delays.push(d.unwrap_or(0) as f64 / 1e3);
                        }
                    }
                } else if t.contains(r#""type":"snapshot""#) {
                    if let Ok(v) = serde_json::from_str::<Value>(&t) {
                        last = v["seq"].as_u64().unwrap_or(last);
                    }
                }
                let end = end_seq.load(Ordering::SeqCst);
                if end > 0 && last >= end {
                    break;
                }
            }
            let end = end_seq.load(Ordering::SeqCst);
            let mut s = stats.lock().await;
            s.delivery_ms.extend(delays);
            s.duplicated += dup;
            s.out_of_order += ooo;
            s.lost += end.saturating_sub(start).saturating_sub(seen + ooo);
        }));
    }

    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(a.duration);
    let mut workers = Vec::new();
    // Kiosks keep the queues supplied.
    for (k, t) in kiosk_tokens.iter().enumerate() {
        let (mut tx, mut rx, _) = connect(&target, t, &format!("kiosk-{k}")).await?;
        let stats = Arc::clone(&stats);
        let per = issue_rate / f64::from(kiosks);
        let codes = codes.clone();
        workers.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per));
            while Instant::now() < deadline {
                tick.tick().await;
                n += 1;
                let id = format!("k{k}-{n}");
                let sent = Instant::now();
                let q = &codes[(n as usize) % codes.len()];
                if tx.send(Message::Text(json!({"type":"command","id":id,"command":{"kind":"issue_ticket","queue":q}}).to_string().into())).await.is_err() {
                    break;
                }
                loop {
                    let Some(Ok(Message::Text(t))) = rx.next().await else { break };
                    let Ok(v) = serde_json::from_str::<Value>(&t) else { continue };
                    if v["type"] == "reply" && v["id"] == id.as_str() {
                        lat.push(sent.elapsed().as_secs_f64() * 1e3);
                        if v["ok"] != true {
                            errors += 1;
                        }
                        break;
                    }
                }
            }
            let mut s = stats.lock().await;
            s.commands += lat.len() as u64;
            s.ack_ms.extend(lat);
            s.errors += errors;
        }));
    }
    for (w, t) in counter_tokens.iter().enumerate() {
        let (mut tx, mut rx, _) = connect(&target, t, &format!("counter-{}", w + 1)).await?;
        let stats = Arc::clone(&stats);
        let rate = a.rate;
        workers.push(tokio::spawn(async move {
            // Spread the counters' phases so they do not all fire together.
            tokio::time::sleep(Duration::from_secs_f64(rand::random::<f64>() / rate)).await;
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut step = 0u8;
            let (mut n, mut lat, mut errors) = (0u64, Vec::new(), 0u64);
            while Instant::now() < deadline {
                tick.tick().await;
                n += 1;
                let kind = ["call_next", "start_service", "finish"][usize::from(step)];
                let id = format!("w{w}-{n}");
                let sent = Instant::now();
                if tx
                    .send(Message::Text(
                        json!({"type":"command","id":id,"command":{"kind":kind}})
                            .to_string()
                            .into(),
                    ))
                    .await
                    .is_err()
                {
                    break;
                }
                loop {
                    let Some(Ok(Message::Text(t))) = rx.next().await else {
                        break;
                    };
                    let Ok(v) = serde_json::from_str::<Value>(&t) else {
                        continue;
                    };
                    if v["type"] == "reply" && v["id"] == id.as_str() {
                        lat.push(sent.elapsed().as_secs_f64() * 1e3);
                        if v["ok"] == true {
                            step = (step + 1) % 3;
                        } else if v["error"]["code"] != "queue_empty" {
                            errors += 1;
                        }
                        break;
                    }
                }
            }
            let mut s = stats.lock().await;
            s.commands += lat.len() as u64;
            s.ack_ms.extend(lat);
            s.errors += errors;
        }));
    }
    let mut peak_rss: f64 = 0.0;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        peak_rss = peak_rss.max(rss_mb(server.id()).0);
    }
    for w in workers {
        let _ = w.await;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    running.store(false, Ordering::SeqCst);
    // The last committed seq, read from the server's own database.
    let final_seq = Store::open(&db)?.head()?.0;
    end_seq.store(final_seq.max(1), Ordering::SeqCst);
    for s in subs {
        let _ = s.await;
    }
    let (rss_now, hwm) = rss_mb(server.id());
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let raw_after = raw_commit_ms(dir.path())?;
    let raw = (raw_before + raw_after) / 2.0;
    let mut s = stats.lock().await;
    let (ack50, ack99) = (pct(&mut s.ack_ms, 0.5), pct(&mut s.ack_ms, 0.99));
    let (del50, del99) = (pct(&mut s.delivery_ms, 0.5), pct(&mut s.delivery_ms, 0.99));
    println!(
        "hall-load: {} counters ({} queues each), {kiosks} kiosks, {} subscribers, {:.0} s, {} cmd/s per counter",
        a.counters, per_window, a.subscribers, elapsed, a.rate
    );
    println!(
        "commands: {} acknowledged, {:.0} commands/s, {} refused (other than queue_empty)",
        s.commands,
        s.commands as f64 / elapsed,
        s.errors
    );
    println!("raw fsync'd commit: median {raw_before:.3} ms before, {raw_after:.3} ms after");
    println!(
        "ack latency: p50 {ack50:.2} ms, p99 {ack99:.2} ms ({:.1}x raw commit)",
        ack99 / raw
    );
    println!(
        "delivery commit->subscriber: p50 {del50:.2} ms, p99 {del99:.2} ms over {} deliveries",
        s.delivery_ms.len()
    );
    println!(
        "server RSS: {rss_now:.1} MB at end, peak {:.1} MB (VmHWM {hwm:.1} MB)",
        peak_rss.max(rss_now)
    );
    println!(
        "events: {final_seq} committed; lost {}, duplicated {}, out of order {}",
        s.lost, s.duplicated, s.out_of_order
    );
    // One figure per line, for scripts.
    for (name, v) in [
        ("commands_per_second", s.commands as f64 / elapsed),
        ("raw_commit_ms", raw),
        ("ack_p50_ms", ack50),
        ("ack_p99_ms", ack99),
        ("delivery_p50_ms", del50),
        ("delivery_p99_ms", del99),
        ("rss_peak_mb", peak_rss.max(rss_now)),
        ("lost", s.lost as f64),
        ("duplicated", s.duplicated as f64),
        ("out_of_order", s.out_of_order as f64),
    ] {
        println!("figure {name} {v:.3}");
    }
    if s.lost + s.duplicated + s.out_of_order > 0 {
        bail!("the stream was not exact: events lost, duplicated or out of order");
    }
    Ok(())
}

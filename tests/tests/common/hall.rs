//! An in-process hall on an ephemeral loopback port, and a raw websocket client for tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use dashboard::server::{Limits, RunningHall, ServeOptions};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct TestHall {
    pub hall: RunningHall,
    pub db: PathBuf,
    pub dir: tempfile::TempDir,
}

impl TestHall {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut ServeOptions)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hall.db");
        let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), db.clone());
        opts.limits = Limits::default();
        f(&mut opts);
        let hall = dashboard::server::start(opts).await.unwrap();
        Self { hall, db, dir }
    }

    pub fn addr(&self) -> SocketAddr {
        self.hall.addr
    }

    pub fn token(&self, role: &str, window: Option<u32>) -> String {
        dashboard::tokens::create(&self.db, role, window, "test")
            .unwrap()
            .1
    }

    pub async fn connect(&self, role: &str, window: Option<u32>) -> Conn {
        let t = self.token(role, window);
        Conn::open(self.addr(), &t, None).await
    }
}

pub struct Conn {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub welcome: Value,
    /// The snapshot (or `Null` when the hall replayed events instead).
    pub snapshot: Value,
    /// Events seen while waiting for replies.
    pub events: Vec<Value>,
    /// `summary` frames received, in order (they are not returned by `next`).
    pub summaries: Vec<Value>,
    /// Event frames unwrapped from a `batch`, not yet returned by `next`.
    inbox: std::collections::VecDeque<Value>,
    n: u64,
}

pub async fn raw(addr: SocketAddr) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    ws
}

pub async fn next_json(ws: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) -> Option<Value> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .ok()??;
        match m.ok()? {
            Message::Text(t) => return serde_json::from_str(&t).ok(),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

impl Conn {
    pub async fn open(addr: SocketAddr, token: &str, after_seq: Option<u64>) -> Self {
        let mut ws = raw(addr).await;
        Self::handshake(&mut ws, token, after_seq).await;
        let welcome = next_json(&mut ws).await.expect("welcome");
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        let mut c = Self {
            ws,
            welcome,
            snapshot: Value::Null,
            events: Vec::new(),
            summaries: Vec::new(),
            inbox: std::collections::VecDeque::new(),
            n: 0,
        };
        if after_seq.is_none() {
            let s = next_json(&mut c.ws).await.expect("snapshot");
            assert_eq!(s["type"], "snapshot", "{s}");
            c.snapshot = s;
        }
        c
    }

    pub async fn handshake(
        ws: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
        token: &str,
        after_seq: Option<u64>,
    ) {
        let mut hello = json!({"type":"hello","token":token,"client":"test"});
        if let Some(s) = after_seq {
            hello["after_seq"] = json!(s);
        }
        ws.send(Message::Text(hello.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    /// The next frame, with `batch` frames unwrapped into their events (as the protocol
    /// says a client must handle them) and `summary` frames set aside in `summaries`.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(v) = self.inbox.pop_front() {
                return Some(v);
            }
            let v = next_json(&mut self.ws).await?;
            match v["type"].as_str() {
                Some("batch") => self
                    .inbox
                    .extend(v["events"].as_array().cloned().unwrap_or_default()),
                Some("summary") => self.summaries.push(v),
                _ => return Some(v),
            }
        }
    }

    /// The next frame exactly as sent (batches and summaries included).
    pub async fn next_raw(&mut self) -> Option<Value> {
        next_json(&mut self.ws).await
    }

    /// The next frame that is not an event (events are kept), e.g. an error or a reply.
    pub async fn next_non_event(&mut self) -> Option<Value> {
        loop {
            let v = self.next().await?;
            if v["type"] == "event" {
                self.events.push(v);
            } else {
                return Some(v);
            }
        }
    }

    /// Sends a command with a fresh id and waits for its reply, keeping events seen meanwhile.
    pub async fn command(&mut self, cmd: Value) -> Value {
        self.n += 1;
        let id = format!("t-{}", self.n);
        self.command_id(&id, cmd).await
    }

    pub async fn command_id(&mut self, id: &str, cmd: Value) -> Value {
        self.send(json!({"type":"command","id":id,"command":cmd}))
            .await;
        loop {
            let v = self.next().await.expect("reply");
            if v["type"] == "reply" && v["id"] == id {
                return v;
            }
            if v["type"] == "event" {
                self.events.push(v);
            }
        }
    }

    /// Reads events until one satisfies `f` (or times out).
    pub async fn wait_event(&mut self, f: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.events.iter().position(&f) {
            return self.events.remove(i);
        }
        // Summaries keep the socket busy, so a missing event needs a deadline of its own.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let v = tokio::time::timeout_at(deadline, self.next())
                .await
                .expect("the awaited event did not come within 20 s")
                .expect("event");
            if v["type"] == "event" && f(&v) {
                return v;
            }
            if v["type"] == "event" {
                self.events.push(v);
            }
        }
    }
}

/// A plain HTTP GET over loopback; the whole response (status line, headers, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).to_string()
}

impl TestHall {
    /// A fresh client is served: whatever a test did to its own connection, the hall goes on.
    pub async fn assert_serves_others(&self) {
        let mut other = self.connect("kiosk", None).await;
        let r = other
            .command(json!({"kind":"issue_ticket","queue":"A"}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
    }
}

/// A plain HTTP POST of a JSON body over loopback, with extra header lines (e.g. `Origin`);
/// the status code and the body.
pub async fn http_post(addr: SocketAddr, path: &str, body: &str, extra: &[&str]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in extra {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

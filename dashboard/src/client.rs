//! A hall protocol client that survives a flaky network: it reconnects with `after_seq`,
//! re-sends unanswered commands with their ids (the hall applies each id once), and asks for a
//! fresh snapshot when it sees a gap. Used by the counter, the supervisor TUI and the load tool.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// The hall's frame limit (64 KiB).
const MAX_FRAME: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `ws://127.0.0.1:7700/ws` (a bare `ws://host:port` gets `/ws` added).
    pub url: String,
    pub token: String,
    pub name: String,
    /// For `wss://`: the centre CA to trust (see `dashboard tls init`); the public web roots
    /// when absent.
    pub ca: Option<std::path::PathBuf>,
}

impl ClientConfig {
    #[must_use]
    pub fn new(url: &str, token: &str, name: &str) -> Self {
        let mut url = url.trim_end_matches('/').to_string();
        if !url.ends_with("/ws") {
            url.push_str("/ws");
        }
        Self {
            url,
            token: token.to_string(),
            name: name.to_string(),
            ca: None,
        }
    }

    /// Trusts the centre CA in `ca` for `wss://`.
    #[must_use]
    pub fn with_ca(mut self, ca: Option<std::path::PathBuf>) -> Self {
        self.ca = ca;
        self
    }
}

/// Opens the websocket: `ws://` plain, `wss://` over rustls (trusting `ca` when given).
///
/// # Errors
/// An unreadable CA file, or the connection failing.
pub async fn connect(
    url: &str,
    ca: Option<&std::path::Path>,
) -> anyhow::Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
> {
    let connector = if url.starts_with("wss://") {
        Some(tokio_tungstenite::Connector::Rustls(
            crate::tls::client_config(ca)?,
        ))
    } else {
        None
    };
    let (ws, _) =
        tokio_tungstenite::connect_async_tls_with_config(url, None, true, connector).await?;
    Ok(ws)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Online,
    /// Lost; retrying. The reason is for the status line.
    Offline(String),
    /// The hall refused the token: retrying would not help.
    Refused(String),
}

/// What the client hands to the application.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Link(Link),
    Welcome {
        role: String,
        window: Option<u32>,
        seq: u64,
        /// A department-scoped supervisor's departments (names); empty for everyone else.
        departments: Vec<String>,
    },
    Snapshot {
        seq: u64,
        state: Value,
    },
    Event {
        seq: u64,
        at: String,
        event: Value,
    },
    /// The hall's current queue figures (`queues` as in the snapshot), as of `seq`.
    Summary {
        seq: u64,
        at: String,
        queues: Value,
    },
    Reply {
        id: String,
        ok: bool,
        seq: Option<u64>,
        result: Value,
        error: Option<(String, String)>,
    },
    Error {
        code: String,
        message: String,
    },
}

#[derive(Debug)]
enum Out {
    Command { id: String, command: Value },
    Resync,
    Stop,
}

/// Handle to the background connection task.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::UnboundedSender<Out>,
}

impl Client {
    /// Starts connecting in the background; everything arrives on the receiver.
    #[must_use]
    pub fn spawn(cfg: ClientConfig) -> (Self, mpsc::UnboundedReceiver<Incoming>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        tokio::spawn(run(cfg, rx, in_tx));
        (Self { tx }, in_rx)
    }

    /// Queues a command. It is sent when online and re-sent after a reconnect until the hall
    /// answers; ids must be unique per token.
    pub fn command(&self, id: impl Into<String>, command: Value) {
        let _ = self.tx.send(Out::Command {
            id: id.into(),
            command,
        });
    }

    /// Asks for a fresh snapshot.
    pub fn resync(&self) {
        let _ = self.tx.send(Out::Resync);
    }

    pub fn stop(&self) {
        let _ = self.tx.send(Out::Stop);
    }
}

/// A unique command id prefix for this process (ids must not repeat across restarts).
#[must_use]
pub fn id_prefix(tag: &str) -> String {
    format!("{tag}-{}", hex::encode(rand::random::<[u8; 6]>()))
}

struct State {
    last_seq: Option<u64>,
    /// Sent, not yet answered, in order.
    pending: BTreeMap<u64, (String, Value)>,
    next: u64,
}

async fn run(
    cfg: ClientConfig,
    mut out: mpsc::UnboundedReceiver<Out>,
    tx: mpsc::UnboundedSender<Incoming>,
) {
    let mut st = State {
        last_seq: None,
        pending: BTreeMap::new(),
        next: 0,
    };
    let mut backoff = Duration::from_millis(300);
    loop {
        let _ = tx.send(Incoming::Link(Link::Connecting));
        match session(&cfg, &mut out, &tx, &mut st).await {
            Ended::Stopped => return,
            Ended::Refused(m) => {
                let _ = tx.send(Incoming::Link(Link::Refused(m)));
                return;
            }
            Ended::Lost(reason, was_online) => {
                let _ = tx.send(Incoming::Link(Link::Offline(reason)));
                if was_online {
                    backoff = Duration::from_millis(300);
                }
            }
        }
        // Keep taking commands while offline: nothing typed is lost.
        let sleep = tokio::time::sleep(backoff);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                o = out.recv() => match o {
                    None | Some(Out::Stop) => return,
                    Some(Out::Command { id, command }) => {
                        st.next += 1;
                        st.pending.insert(st.next, (id, command));
                    }
                    Some(Out::Resync) => {}
                },
            }
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

enum Ended {
    Stopped,
    Refused(String),
    Lost(String, bool),
}

fn command_frame(id: &str, command: &Value) -> String {
    json!({"type": "command", "id": id, "command": command}).to_string()
}

type WsSink = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

/// One event frame (alone or from a batch): applied only if it follows the last seq; a
/// `redacted` marker with `from` covers the run `from..=seq` that was not for this client.
async fn on_event(
    v: &Value,
    st: &mut State,
    tx: &mpsc::UnboundedSender<Incoming>,
    sink: &mut WsSink,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let seq = v["seq"].as_u64().unwrap_or(0);
    let first = v["event"]["from"]
        .as_u64()
        .filter(|_| v["event"]["kind"] == "redacted")
        .unwrap_or(seq);
    match st.last_seq {
        Some(last) if seq <= last => return Ok(()),
        Some(last) if first != last + 1 => {
            // A gap: never apply past it; ask for the whole state.
            return sink
                .send(Message::Text(json!({"type":"resync"}).to_string().into()))
                .await;
        }
        _ => {}
    }
    st.last_seq = Some(seq);
    if v["event"]["kind"] != "redacted" {
        let _ = tx.send(Incoming::Event {
            seq,
            at: v["at"].as_str().unwrap_or("").to_string(),
            event: v["event"].clone(),
        });
    }
    Ok(())
}

async fn session(
    cfg: &ClientConfig,
    out: &mut mpsc::UnboundedReceiver<Out>,
    tx: &mpsc::UnboundedSender<Incoming>,
    st: &mut State,
) -> Ended {
    let connect =
        tokio::time::timeout(Duration::from_secs(5), connect(&cfg.url, cfg.ca.as_deref()));
    let ws = match connect.await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return Ended::Lost(format!("{e:#}"), false),
        Err(_) => return Ended::Lost("connect timed out".into(), false),
    };
    let (mut sink, mut stream) = ws.split();
    let mut hello = json!({"type": "hello", "token": cfg.token, "client": cfg.name});
    if let Some(s) = st.last_seq {
        hello["after_seq"] = json!(s);
    }
    if let Err(e) = sink.send(Message::Text(hello.to_string().into())).await {
        return Ended::Lost(e.to_string(), false);
    }
    let mut online = false;
    loop {
        tokio::select! {
            o = out.recv() => match o {
                None | Some(Out::Stop) => {
                    let _ = sink.send(Message::Close(None)).await;
                    return Ended::Stopped;
                }
                Some(Out::Command { id, command }) => {
                    let frame = command_frame(&id, &command);
                    if frame.len() > MAX_FRAME {
                        // The hall would refuse it every time: answer here, never resend it.
                        let _ = tx.send(Incoming::Reply {
                            id,
                            ok: false,
                            seq: None,
                            result: Value::Null,
                            error: Some(("frame_too_large".into(), format!("command of {} bytes exceeds {MAX_FRAME}", frame.len()))),
                        });
                        continue;
                    }
                    st.next += 1;
                    st.pending.insert(st.next, (id, command));
                    if online {
                        if let Err(e) = sink.send(Message::Text(frame.into())).await {
                            return Ended::Lost(e.to_string(), true);
                        }
                    }
                }
                Some(Out::Resync) => {
                    if online {
                        let _ = sink.send(Message::Text(json!({"type":"resync"}).to_string().into())).await;
                    }
                }
            },
            m = stream.next() => {
                let text = match m {
                    None => return Ended::Lost("connection closed".into(), online),
                    Some(Err(e)) => return Ended::Lost(e.to_string(), online),
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Close(f))) => {
                        let why = f.map_or_else(|| "closed by the hall".to_string(), |f| f.reason.to_string());
                        return Ended::Lost(why, online);
                    }
                    Some(Ok(_)) => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                match v["type"].as_str().unwrap_or("") {
                    "welcome" => {
                        online = true;
                        let _ = tx.send(Incoming::Link(Link::Online));
                        let _ = tx.send(Incoming::Welcome {
                            role: v["role"].as_str().unwrap_or("").to_string(),
                            window: v["window"].as_u64().and_then(|w| u32::try_from(w).ok()),
                            seq: v["seq"].as_u64().unwrap_or(0),
                            departments: v["departments"]
                                .as_array()
                                .map(|a| {
                                    a.iter()
                                        .filter_map(Value::as_str)
                                        .map(str::to_string)
                                        .collect()
                                })
                                .unwrap_or_default(),
                        });
                        // Everything unanswered goes again, same ids: applied once by the hall.
                        for (id, command) in st.pending.values() {
                            if let Err(e) = sink.send(Message::Text(command_frame(id, command).into())).await {
                                return Ended::Lost(e.to_string(), true);
                            }
                        }
                    }
                    "snapshot" => {
                        let seq = v["seq"].as_u64().unwrap_or(0);
                        st.last_seq = Some(seq);
                        let _ = tx.send(Incoming::Snapshot { seq, state: v["state"].clone() });
                    }
                    "event" => {
                        if let Err(e) = on_event(&v, st, tx, &mut sink).await {
                            return Ended::Lost(e.to_string(), online);
                        }
                    }
                    "batch" => {
                        // Each element is an event frame, in order: handled as if it came alone.
                        if let Some(events) = v["events"].as_array() {
                            for e in events {
                                if let Err(e) = on_event(e, st, tx, &mut sink).await {
                                    return Ended::Lost(e.to_string(), online);
                                }
                            }
                        }
                    }
                    "summary" => {
                        let _ = tx.send(Incoming::Summary {
                            seq: v["seq"].as_u64().unwrap_or(0),
                            at: v["at"].as_str().unwrap_or("").to_string(),
                            queues: v["queues"].clone(),
                        });
                    }
                    "reply" => {
                        let id = match &v["id"] {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        st.pending.retain(|_, (pid, _)| *pid != id);
                        let error = v.get("error").map(|e| {
                            (
                                e["code"].as_str().unwrap_or("").to_string(),
                                e["message"].as_str().unwrap_or("").to_string(),
                            )
                        });
                        let _ = tx.send(Incoming::Reply {
                            id,
                            ok: v["ok"].as_bool().unwrap_or(false),
                            seq: v["seq"].as_u64(),
                            result: v.get("result").cloned().unwrap_or(Value::Null),
                            error,
                        });
                    }
                    "error" => {
                        let code = v["code"].as_str().unwrap_or("").to_string();
                        let message = v["message"].as_str().unwrap_or("").to_string();
                        if code == "unauthorized" && !online {
                            return Ended::Refused(message);
                        }
                        let _ = tx.send(Incoming::Error { code, message });
                    }
                    _ => {}
                }
            }
        }
    }
}

//! One websocket connection: hello, snapshot or replay, then events, commands and replies.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use queue_core::auth::{Actor, Role};
use queue_core::service::Outcome;
use queue_core::store::{token_hash, EventRecord, TokenInfo};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

use super::fanout::{Assembler, Outgoing, Subscriber};
use super::frames::{error_frame, reply_frame};
use super::limits::Bucket;
use super::preauth::Slot;
use super::AppState;
use queue_core::estimate::board::Board;

mod handle;

/// `resync` asks for a whole snapshot: a few per connection, then one every few seconds.
const RESYNC_PER_SECOND: f64 = 0.2;
const RESYNC_BURST: f64 = 3.0;

/// Replay at most this many events on resume; further behind gets a snapshot.
const MAX_REPLAY: u64 = 10_000;

type Sink = SplitSink<WebSocket, Message>;

struct Session {
    state: Arc<AppState>,
    peer: SocketAddr,
    token: TokenInfo,
    actor: Actor,
    /// Highest seq sent to this client (or covered by a pending redaction marker).
    sent: u64,
    resyncs: Bucket,
    /// What this client needs of the stream, and the batch being built for it.
    sub: Subscriber,
    asm: Assembler,
}

#[derive(Debug)]
enum End {
    ClientClosed,
    Shutdown,
    Slow,
    /// The token was revoked or expired while connected.
    TokenEnded,
    Error(String),
}

pub async fn run(socket: WebSocket, state: Arc<AppState>, peer: SocketAddr, slot: Arc<Slot>) {
    let (mut tx, mut rx) = socket.split();
    // Until a valid hello this connection only holds a pre-authentication slot, which a newer
    // connection may take (eviction), and never a connection permit.
    let evicted = slot.evicted();
    let read = tokio::time::timeout(state.limits.hello_timeout, rx.next());
    let hello = tokio::select! {
        () = evicted.cancelled() => {
            let _ = close(&mut tx, 1013, "unauthenticated connections over budget").await;
            return;
        }
        () = state.shutdown.cancelled() => {
            let _ = close(&mut tx, 1001, "hall shutting down").await;
            return;
        }
        r = read => match r {
            Ok(Some(Ok(Message::Text(t)))) => t.to_string(),
            Ok(Some(Ok(_))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => {
                let _ = send_close(&mut tx, "unauthorized", "先发送 hello send hello first", 1008).await;
                return;
            }
        },
    };
    if hello.len() > state.limits.max_hello {
        tracing::info!(%peer, bytes = hello.len(), "connection refused: hello too large");
        let message = format!(
            "hello 过大 a hello of {} bytes exceeds the {} byte limit",
            hello.len(),
            state.limits.max_hello
        );
        let _ = send_close(&mut tx, "frame_too_large", &message, 1009).await;
        return;
    }
    let Some((token, after_seq, client)) = authenticate(&state, &hello).await else {
        tracing::info!(%peer, "connection refused: bad hello or token");
        let _ = send_close(
            &mut tx,
            "unauthorized",
            "令牌无效 invalid or missing token",
            1008,
        )
        .await;
        return;
    };
    slot.authenticated();
    drop(slot);
    // The connection cap counts authenticated sessions only: silent sockets cannot fill it.
    let Ok(permit) = Arc::clone(&state.connections).try_acquire_owned() else {
        let _ = send_close(
            &mut tx,
            "too_many_connections",
            "服务器连接已满 the hall has too many connections; retry later",
            1013,
        )
        .await;
        tracing::warn!(%peer, "connection refused: too many connections");
        return;
    };
    let actor = Actor {
        role: token.role,
        window: token.window,
        token: Some(token.id),
        departments: if token.role == Role::Supervisor {
            queue_core::hall::scope::scope_of(&state.config, &token.departments)
        } else {
            queue_core::auth::DepartmentScope::ALL
        },
    };
    tracing::info!(%peer, role = token.role.as_str(), window = ?token.window, client, "connected");
    let _staffed = (token.role == Role::Counter)
        .then_some(token.window)
        .flatten()
        .map(|w| Staffed::new(&state, w));
    let mut session = Session {
        state: Arc::clone(&state),
        peer,
        token,
        actor,
        sent: 0,
        resyncs: Bucket::new(RESYNC_PER_SECOND, RESYNC_BURST),
        sub: Subscriber::new(actor.role, actor.window).scoped(actor.departments),
        asm: Assembler::default(),
    };
    let end = session.serve(&mut tx, &mut rx, after_seq).await;
    match &end {
        End::Shutdown => {
            let _ = close(&mut tx, 1001, "hall shutting down").await;
        }
        End::Slow => {
            let _ = close(&mut tx, 1008, "too slow").await;
        }
        End::TokenEnded => {
            tracing::info!(%peer, "closing: token revoked or expired");
            let _ = send_close(
                &mut tx,
                "unauthorized",
                "令牌已撤销或过期 the token was revoked or has expired",
                1008,
            )
            .await;
        }
        End::Error(e) => tracing::info!(%peer, error = %e, "connection error"),
        End::ClientClosed => {}
    }
    drop(permit);
    tracing::info!(%peer, end = ?end, "disconnected");
}

/// Marks a window as staffed while a counter session for it lives.
struct Staffed {
    state: Arc<AppState>,
    window: u32,
}

impl Staffed {
    fn new(state: &Arc<AppState>, window: u32) -> Self {
        if let Ok(mut m) = state.staffed.lock() {
            *m.entry(window).or_insert(0) += 1;
        }
        Self {
            state: Arc::clone(state),
            window,
        }
    }
}

impl Drop for Staffed {
    fn drop(&mut self) {
        if let Ok(mut m) = self.state.staffed.lock() {
            if let Some(n) = m.get_mut(&self.window) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    m.remove(&self.window);
                }
            }
        }
    }
}

/// An error frame, then a close frame with `close_code`; bounded in time (the peer may not read).
async fn send_close(
    tx: &mut Sink,
    code: &str,
    message: &str,
    close_code: u16,
) -> Result<(), axum::Error> {
    let send = async {
        tx.send(Message::Text(error_frame(code, message).into()))
            .await?;
        tx.send(Message::Close(Some(CloseFrame {
            code: close_code,
            reason: code.into(),
        })))
        .await
    };
    tokio::time::timeout(CLOSE_TIMEOUT, send)
        .await
        .unwrap_or(Ok(()))
}

/// A close frame alone, bounded in time.
async fn close(tx: &mut Sink, code: u16, reason: &str) -> Result<(), axum::Error> {
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    tokio::time::timeout(CLOSE_TIMEOUT, tx.send(frame))
        .await
        .unwrap_or(Ok(()))
}

/// A peer that does not read cannot hold a closing connection open longer than this.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

async fn authenticate(
    state: &Arc<AppState>,
    text: &str,
) -> Option<(TokenInfo, Option<u64>, String)> {
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("type")?.as_str()? != "hello" {
        return None;
    }
    let token = v.get("token")?.as_str()?.to_string();
    let after = v.get("after_seq").and_then(Value::as_u64);
    let client = v
        .get("client")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(80)
        .collect();
    let state = Arc::clone(state);
    let info = tokio::task::spawn_blocking(move || {
        let store = state.reader.lock().ok()?;
        store.find_token(&token_hash(&token)).ok().flatten()
    })
    .await
    .ok()??;
    Some((info, after, client))
}

impl Session {
    async fn send(&mut self, tx: &mut Sink, text: impl Into<Utf8Bytes>) -> Result<(), End> {
        match tokio::time::timeout(
            self.state.limits.send_timeout,
            tx.send(Message::Text(text.into())),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(End::Error(e.to_string())),
            Err(_) => Err(End::Slow),
        }
    }

    /// Adds committed events to this client's batch and writes it (one frame for many events,
    /// one flush). Runs of events the client does not need become a single marker.
    async fn send_batches(
        &mut self,
        tx: &mut Sink,
        batches: &[Arc<Vec<Outgoing>>],
    ) -> Result<(), End> {
        for o in batches.iter().flat_map(|b| b.iter()) {
            if o.seq > self.sent {
                self.asm.push(&mut self.sub, o);
                self.sent = o.seq;
            }
        }
        self.write_pending(tx).await
    }

    /// Writes whatever the assembler holds.
    async fn write_pending(&mut self, tx: &mut Sink) -> Result<(), End> {
        let frames = self.asm.take_frames();
        if frames.is_empty() {
            return Ok(());
        }
        let write = async {
            for f in frames {
                tx.feed(Message::Text(f)).await?;
            }
            tx.flush().await
        };
        match tokio::time::timeout(self.state.limits.send_timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(End::Error(e.to_string())),
            Err(_) => Err(End::Slow),
        }
    }

    /// A snapshot and a receiver subscribed at exactly that seq. Also re-reads which queues
    /// this client's window serves, and drops any half-built batch (the snapshot covers it).
    fn snapshot(&mut self) -> (String, u64, broadcast::Receiver<Arc<Vec<Outgoing>>>) {
        let board = self.state.estimates.fresh(&self.state.service);
        let g = self.state.service.read();
        // Subscribing under the read lock: the writer publishes under the write lock, so no
        // event can fall between the snapshot and the subscription.
        let rx = self.state.events.subscribe();
        let mut state = self.viewer().snapshot(&g.hall, g.now, &board);
        let storage = Arc::clone(&self.state.health.borrow());
        super::health::decorate(&mut state, &storage, self.actor.role);
        if let Some(w) = self.actor.window.and_then(|w| g.hall.queue.windows.get(&w)) {
            self.sub.queues = w.queues.iter().cloned().collect();
        }
        self.asm = Assembler::default();
        let frame = json!({"type": "snapshot", "seq": g.seq, "state": state}).to_string();
        (frame, g.seq, rx)
    }

    async fn serve(
        &mut self,
        tx: &mut Sink,
        rx: &mut SplitStream<WebSocket>,
        after_seq: Option<u64>,
    ) -> End {
        let (snapshot, seq, mut events) = self.snapshot();
        let welcome = json!({
            "type": "welcome",
            "role": self.actor.role.as_str(),
            "window": self.actor.window,
            "seq": seq,
        });
        let mut welcome = welcome;
        if self.actor.departments.is_scoped() {
            welcome["departments"] = json!(queue_core::hall::scope::names_of(
                &self.state.config,
                self.actor.departments
            ));
        }
        if let Err(e) = self.send(tx, welcome.to_string()).await {
            return e;
        }
        let resumed = match after_seq {
            Some(k) if k <= seq && seq - k <= MAX_REPLAY => match self.replay(k, seq).await {
                Some(frames) => {
                    for f in frames {
                        if let Err(e) = self.send(tx, f).await {
                            return e;
                        }
                    }
                    true
                }
                None => false,
            },
            _ => false,
        };
        if !resumed {
            if let Err(e) = self.send(tx, snapshot).await {
                return e;
            }
        }
        self.sent = seq;
        let (reply_tx, mut reply_rx) = mpsc::unbounded_channel::<(Value, Outcome)>();
        let mut in_flight = 0usize;
        let mut bucket = Bucket::new(
            self.state.limits.commands_per_second,
            self.state.limits.command_burst,
        );
        let shutdown = self.state.shutdown.clone();
        let mut summaries = self.state.summary.subscribe();
        let mut health = self.state.health.clone();
        health.mark_unchanged();
        let mut alerts_sent = health.borrow().alert_ids();
        let mut dead = self.state.dead_tokens.subscribe();
        let me = self.token.id;
        if dead.borrow_and_update().contains(&me) {
            return End::TokenEnded;
        }
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return End::Shutdown,
                Ok(()) = summaries.changed() => {
                    let summary = Arc::clone(&summaries.borrow_and_update());
                    // Bring the client's seq up to date first, so the marker and the figures
                    // go out together.
                    self.asm.flush_gap();
                    if let Err(e) = self.write_pending(tx).await {
                        return e;
                    }
                    if let Err(e) = self.send(tx, summary.frame.clone()).await {
                        return e;
                    }
                }
                Ok(()) = dead.changed() => {
                    if dead.borrow_and_update().contains(&me) {
                        return End::TokenEnded;
                    }
                }
                Ok(()) = health.changed() => {
                    // Storage alerts live outside the log: a fresh snapshot carries them (and
                    // their clearing) to every kind of client. Outbox counts alone concern
                    // staff only.
                    let ids = health.borrow_and_update().alert_ids();
                    if ids == alerts_sent && !self.actor.role.sees_personal_data() {
                        continue;
                    }
                    alerts_sent = ids;
                    let (snap, seq, _) = self.snapshot();
                    self.sent = self.sent.max(seq);
                    if let Err(e) = self.send(tx, snap).await {
                        return e;
                    }
                }
                msg = rx.next() => {
                    let text = match msg {
                        None | Some(Ok(Message::Close(_))) => return End::ClientClosed,
                        Some(Err(e)) => {
                            // A frame that could not be read at all: say so, then close.
                            let _ = self.send(tx, error_frame("bad_request", &format!("unreadable frame: {e}"))).await;
                            return End::Error(e.to_string());
                        }
                        Some(Ok(Message::Text(t))) => t.to_string(),
                        Some(Ok(Message::Binary(_))) => {
                            if let Err(e) = self.send(tx, error_frame("bad_request", "binary frames are not part of the protocol; send JSON text")).await {
                                return e;
                            }
                            continue;
                        }
                        Some(Ok(_)) => continue,
                    };
                    let out = self.handle(&text, &reply_tx, &mut in_flight, &mut bucket);
                    for f in out {
                        if let Err(e) = self.send(tx, f).await {
                            return e;
                        }
                    }
                }
                Some((id, mut outcome)) = reply_rx.recv() => {
                    in_flight = in_flight.saturating_sub(1);
                    // A ticket just issued gets its printed range here, off the writer. Only
                    // a waiting ticket without one needs the board (calls and finishes do not).
                    if let Some(r) = outcome.result.as_mut().filter(|r| Board::wants_fill(r)) {
                        self.state.estimates.fresh(&self.state.service).fill_reply(r);
                    }
                    if let Err(e) = self.send(tx, reply_frame(&id, &outcome, self.viewer())).await {
                        return e;
                    }
                }
                batch = events.recv() => match batch {
                    Ok(batch) => {
                        // Whatever else is already waiting goes out in the same write: under
                        // load a session falls behind a little and then pays one flush for
                        // many commits, at no cost in latency when it keeps up.
                        let mut batches = vec![batch];
                        let mut lagged = false;
                        while batches.len() < 64 {
                            match events.try_recv() {
                                Ok(b) => batches.push(b),
                                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                                    lagged = true;
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        if let Err(e) = self.send_batches(tx, &batches).await {
                            return e;
                        }
                        if lagged {
                            // Same as below: the receiver skipped ahead, so resynchronise.
                            let (snap, seq, rx2) = self.snapshot();
                            events = rx2;
                            if let Err(e) = self.send(tx, snap).await {
                                return e;
                            }
                            self.sent = seq;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        // Too far behind: a fresh snapshot, never a silent gap.
                        tracing::warn!(peer = %self.peer, skipped_batches = n, "client lagging: sending a fresh snapshot");
                        let (snap, seq, rx2) = self.snapshot();
                        events = rx2;
                        if let Err(e) = self.send(tx, snap).await {
                            return e;
                        }
                        self.sent = seq;
                    }
                    Err(broadcast::error::RecvError::Closed) => return End::Shutdown,
                },
            }
        }
    }

    /// Frames for events `(after, upto]`, batched as live events are, or `None` when they
    /// cannot be read.
    async fn replay(&mut self, after: u64, upto: u64) -> Option<Vec<Utf8Bytes>> {
        let state = Arc::clone(&self.state);
        let records: Vec<EventRecord> = tokio::task::spawn_blocking(move || {
            let store = state.reader.lock().ok()?;
            store.events_after(after, upto - after).ok()
        })
        .await
        .ok()??;
        if records.len() as u64 != upto - after {
            return None;
        }
        let mut asm = Assembler::default();
        for r in &records {
            asm.push(&mut self.sub, &Outgoing::new(r, &self.state.config));
        }
        // The client resumes exactly at `upto`, even if the last events were not for it.
        asm.flush_gap();
        Some(asm.take_frames())
    }
}

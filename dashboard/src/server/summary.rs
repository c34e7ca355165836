//! Queue summaries: the figures every screen shows (waiting, longest wait, open windows,
//! estimated wait), computed once for all clients at most every [`INTERVAL`] and sent as a
//! `summary` frame; the same task refreshes the estimate board (`estimates`). Clients that need no ticket detail (the kiosk) live on these alone, and
//! nobody has to ask for a fresh snapshot to see estimates move.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use queue_core::auth::Role;
use queue_core::estimate::board::Board;
use serde_json::json;
use tokio::sync::watch;

use super::AppState;

/// Summaries are coalesced to at most one per this interval (documented in docs/protocol.md).
pub const INTERVAL: Duration = Duration::from_millis(250);
/// Without new events a summary is still sent this often: waits grow with time alone.
const IDLE_REFRESH: Duration = Duration::from_secs(5);

/// One summary frame, as of event `seq`.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub seq: u64,
    pub frame: Utf8Bytes,
}

/// Builds the summary frame from the committed state and the estimate board.
#[must_use]
pub fn build(state: &AppState, board: &Board) -> Summary {
    let g = state.service.read();
    // The display's snapshot holds exactly the public queue figures.
    let snap = g.hall.snapshot_with(Role::Display, None, g.now, board);
    let frame = json!({
        "type": "summary",
        "seq": g.seq,
        "at": g.now,
        "queues": snap["queues"],
    })
    .to_string();
    Summary {
        seq: g.seq,
        frame: frame.into(),
    }
}

/// Keeps the estimate board and `tx` current until shutdown.
pub async fn run(state: Arc<AppState>, tx: watch::Sender<Arc<Summary>>) {
    let mut last_seq = u64::MAX;
    let mut last_sent = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let seq = state.service.read().seq;
        if seq == last_seq && last_sent.elapsed() < IDLE_REFRESH {
            continue;
        }
        // The board is kept fresh even with nobody subscribed: replies that issue tickets
        // read it.
        let board = state.estimates.refresh(&state.service);
        last_seq = seq;
        last_sent = tokio::time::Instant::now();
        if tx.receiver_count() == 0 {
            continue;
        }
        let s = build(&state, &board);
        let _ = tx.send(Arc::new(s));
    }
}

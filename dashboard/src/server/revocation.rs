//! Tokens that end: `dashboard token revoke` writes the database directly, so the hall reads
//! the token table every `token_poll` and tells the sessions holding a revoked or expired
//! token to close.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use queue_core::store::Store;

use super::AppState;

/// Polls until shutdown.
pub fn spawn(state: Arc<AppState>, db: PathBuf) {
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        // Its own connection: the poll must not queue behind hellos on the shared reader.
        let store = match tokio::task::spawn_blocking(move || Store::open(&db)).await {
            Ok(Ok(s)) => Arc::new(std::sync::Mutex::new(s)),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "token poll: cannot open the database; revocations apply to new connections only");
                return;
            }
            Err(_) => return,
        };
        let mut every = tokio::time::interval(state.limits.token_poll);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => {}
            }
            let s = Arc::clone(&store);
            let dead = tokio::task::spawn_blocking(move || {
                let store = s.lock().ok()?;
                let now = chrono::Utc::now();
                let tokens = store.list_tokens().ok()?;
                Some(
                    tokens
                        .into_iter()
                        .filter(|t| t.is_dead(now))
                        .map(|t| t.id)
                        .collect::<HashSet<i64>>(),
                )
            })
            .await
            .ok()
            .flatten();
            let Some(dead) = dead else {
                tracing::warn!("token poll: cannot read the token table");
                continue;
            };
            state.dead_tokens.send_if_modified(|cur| {
                if **cur == dead {
                    false
                } else {
                    *cur = Arc::new(dead);
                    true
                }
            });
        }
    });
}

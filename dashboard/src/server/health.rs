//! Storage health for clients: failing commits (from the writer) and free space on the
//! database's disk (watched here), as alerts that live outside the event log.
//!
//! When the set changes, every session sends its client a fresh snapshot carrying the alerts
//! and a `storage` object, so clients that only know snapshots and alerts show it unchanged.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use queue_core::auth::Role;
use queue_core::health::low_space_alert;
use queue_core::supervision::{Alert, AlertKind};
use serde_json::{json, Value};
use tokio::sync::watch;

use super::AppState;

/// The current storage alerts (empty when all is well).
pub type HealthRx = watch::Receiver<Arc<Vec<Alert>>>;

/// How often the writer's state and the free space are looked at.
const POLL: Duration = Duration::from_millis(250);

/// Watches until shutdown; publishes on `tx` whenever the set of alerts changes.
pub fn spawn(
    state: Arc<AppState>,
    tx: watch::Sender<Arc<Vec<Alert>>>,
    db: PathBuf,
    min_free_bytes: u64,
) {
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        let mut low_since: Option<DateTime<FixedOffset>> = None;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(POLL) => {}
            }
            let (failure, now) = {
                let g = state.service.read();
                (g.storage.clone(), g.now)
            };
            let db2 = db.clone();
            let space = tokio::task::spawn_blocking(move || crate::disk::space(&db2))
                .await
                .ok()
                .and_then(Result::ok);
            let mut alerts = Vec::new();
            if let Some(f) = &failure {
                alerts.push(f.alert());
            }
            match space {
                Some(s) if s.free < min_free_bytes => {
                    let since = *low_since.get_or_insert(now);
                    alerts.push(low_space_alert(s.free, s.total, since));
                }
                _ => low_since = None,
            }
            let changed = {
                let cur = tx.borrow();
                ids(&cur) != ids(&alerts)
            };
            if changed {
                match &failure {
                    Some(f) => {
                        tracing::error!(error = %f.error, failed = f.failed_commits, "storage failing: clients told")
                    }
                    None => tracing::info!(alerts = alerts.len(), "storage alerts changed"),
                }
                tx.send_replace(Arc::new(alerts));
            }
        }
    });
}

fn ids(a: &[Alert]) -> Vec<&str> {
    a.iter().map(|x| x.id.as_str()).collect()
}

/// Adds the storage alerts and the `storage` object to a snapshot `state` for `role`.
pub fn decorate(state: &mut Value, alerts: &[Alert], role: Role) {
    let failing = alerts.iter().find(|a| a.kind == AlertKind::StorageFailure);
    let low = alerts.iter().find(|a| a.kind == AlertKind::DiskLow);
    let (status, shown) = match (failing, low) {
        (Some(a), _) => ("failing", Some(a)),
        (None, Some(a)) => ("low_space", Some(a)),
        (None, None) => ("ok", None),
    };
    state["storage"] = json!({
        "status": status,
        "message": shown.map(|a| a.message.clone()),
        "message_en": shown.map(|a| a.message_en.clone()),
    });
    if role.sees_personal_data() {
        if let Some(list) = state.get_mut("alerts").and_then(Value::as_array_mut) {
            list.extend(alerts.iter().filter_map(|a| serde_json::to_value(a).ok()));
        }
    }
}

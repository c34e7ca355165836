//! Health for clients: failing commits (from the writer), free space on the database's disk
//! (watched here) and the notification sender (failing deliveries, the outbox counts), as
//! alerts that live outside the event log.
//!
//! When the set of alerts changes, every session sends its client a fresh snapshot carrying
//! the alerts and a `storage` object, so clients that only know snapshots and alerts show it
//! unchanged. Staff sessions also get one when the outbox counts change (the `notify` object).

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
use crate::notify::{NotifyStatus, StatusRx};

/// The current alerts outside the log (empty when all is well) and the sender's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    pub alerts: Vec<Alert>,
    pub notify: NotifyStatus,
}

impl Health {
    /// Ids of the alerts, to tell whether a public client needs a fresh snapshot.
    #[must_use]
    pub fn alert_ids(&self) -> Vec<String> {
        self.alerts.iter().map(|a| a.id.clone()).collect()
    }

    /// Storage alerts only (what `/healthz` reports as `storage`).
    #[must_use]
    pub fn storage_ok(&self) -> bool {
        !self
            .alerts
            .iter()
            .any(|a| matches!(a.kind, AlertKind::StorageFailure | AlertKind::DiskLow))
    }
}

pub type HealthRx = watch::Receiver<Arc<Health>>;

/// How often the writer's state and the free space are looked at.
const POLL: Duration = Duration::from_millis(250);

/// What the watch looks at besides the writer.
pub struct Watched {
    pub db: PathBuf,
    pub min_free_bytes: u64,
    pub notify: StatusRx,
}

/// Watches until shutdown; publishes on `tx` whenever the alerts or the outbox change.
pub fn spawn(state: Arc<AppState>, tx: watch::Sender<Arc<Health>>, w: Watched) {
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
            let db2 = w.db.clone();
            let space = tokio::task::spawn_blocking(move || crate::disk::space(&db2))
                .await
                .ok()
                .and_then(Result::ok);
            let notify = NotifyStatus::clone(&w.notify.borrow());
            let mut alerts = Vec::new();
            if let Some(f) = &failure {
                alerts.push(f.alert());
            }
            match space {
                Some(s) if s.free < w.min_free_bytes => {
                    let since = *low_since.get_or_insert(now);
                    alerts.push(low_space_alert(s.free, s.total, since));
                }
                _ => low_since = None,
            }
            alerts.extend(notify.alert());
            let changed = {
                let cur = tx.borrow();
                ids(&cur.alerts) != ids(&alerts) || cur.notify != notify
            };
            if changed {
                let alerts_changed = ids(&tx.borrow().alerts) != ids(&alerts);
                if alerts_changed {
                    match &failure {
                        Some(f) => {
                            tracing::error!(error = %f.error, failed = f.failed_commits, "storage failing: clients told")
                        }
                        None => tracing::info!(alerts = alerts.len(), "health alerts changed"),
                    }
                }
                tx.send_replace(Arc::new(Health { alerts, notify }));
            }
        }
    });
}

fn ids(a: &[Alert]) -> Vec<&str> {
    a.iter().map(|x| x.id.as_str()).collect()
}

/// Adds the health alerts, the `storage` object and (for staff) the `notify` object to a
/// snapshot `state` for `role`.
pub fn decorate(state: &mut Value, health: &Health, role: Role) {
    let alerts = &health.alerts;
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
        state["notify"] = json!(health.notify);
        if let Some(list) = state.get_mut("alerts").and_then(Value::as_array_mut) {
            list.extend(alerts.iter().filter_map(|a| serde_json::to_value(a).ok()));
        }
    }
}

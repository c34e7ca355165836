//! The sender: a task in `dashboard serve` that takes pending notices in order (oldest
//! first, one at a time, so the receiver sees them in the order they were queued) and POSTs
//! each to the configured webhook. A failed attempt is recorded (attempts, last error) and
//! retried after an exponential backoff with a cap; a refusal (4xx) or running out of
//! attempts marks the notice `failed` and moves on. While attempts fail, supervisors see
//! an alert (通知发送失败); it clears with the next delivery.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use queue_core::clock::Clock;
use queue_core::notify::NotifyConfig;
use queue_core::store::{Notice, OutboxCounts, Store, StoreError};
use queue_core::supervision::{Alert, AlertKind};
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::webhook::{self, AttemptError, Target};

/// How often the outbox is looked at when there is nothing to do.
const POLL: Duration = Duration::from_millis(500);

/// What supervisors see of the sender.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NotifyStatus {
    /// A webhook is configured (without one, messages stay queued).
    pub configured: bool,
    #[serde(flatten)]
    pub counts: OutboxCounts,
    /// Set while attempts fail; cleared by the next delivery.
    pub failing: Option<Failing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failing {
    pub since: DateTime<FixedOffset>,
    /// Failed attempts since `since`.
    pub failures: u64,
    pub last_error: String,
}

pub type StatusRx = watch::Receiver<Arc<NotifyStatus>>;

impl NotifyStatus {
    /// The supervision alert while deliveries fail.
    #[must_use]
    pub fn alert(&self) -> Option<Alert> {
        let f = self.failing.as_ref()?;
        Some(Alert {
            id: "notify_failing".into(),
            kind: AlertKind::NotifyFailing,
            queue: None,
            window: None,
            case: None,
            record: None,
            departments: Vec::new(),
            message: format!(
                "通知发送失败：已连续 {} 次未能送达（{}），{} 条消息等待发送、{} 条已放弃。消息仍在队列中，将自动重试；请检查短信网关或 [notify] webhook 配置。",
                f.failures, f.last_error, self.counts.pending, self.counts.failed
            ),
            message_en: format!(
                "notifications failing: {} attempts in a row ({}); {} waiting, {} given up. They stay queued and are retried; check the SMS gateway or [notify] webhook.",
                f.failures, f.last_error, self.counts.pending, self.counts.failed
            ),
            raised_at: f.since,
            acknowledged: false,
        })
    }
}

/// The sender's settings, read once at start.
#[derive(Clone)]
pub struct Settings {
    pub config: NotifyConfig,
    /// The centre code, part of every idempotency key.
    pub centre: String,
    target: Option<Target>,
    secret: Vec<u8>,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Reads the secret file when a webhook is configured.
    ///
    /// # Errors
    /// An unusable URL or an unreadable or empty secret file.
    pub fn load(config: &NotifyConfig, centre: &str) -> anyhow::Result<Self> {
        let (target, secret, tls) = match &config.webhook {
            None => (None, Vec::new(), None),
            Some(url) => {
                let target = Target::parse(url)?;
                let path = config
                    .secret_file
                    .as_deref()
                    .context("[notify] secret_file is required with webhook")?;
                let secret = read_secret(path)?;
                let tls = if target.tls {
                    Some(crate::tls::client_config(None)?)
                } else {
                    None
                };
                (Some(target), secret, tls)
            }
        };
        Ok(Self {
            config: config.clone(),
            centre: centre.to_string(),
            target,
            secret,
            tls,
        })
    }
}

/// The shared secret: the file's content without surrounding whitespace.
///
/// # Errors
/// Unreadable or empty.
pub fn read_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("notify secret file {}", path.display()))?;
    let s = text.trim();
    if s.is_empty() {
        anyhow::bail!("notify secret file {} is empty", path.display());
    }
    Ok(s.as_bytes().to_vec())
}

/// Starts the sender; it stops with `shutdown`. Its status goes to the returned receiver.
///
/// # Errors
/// The database cannot be opened.
pub fn spawn(
    db: &Path,
    settings: Settings,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) -> anyhow::Result<StatusRx> {
    let store = Arc::new(Mutex::new(Store::open(db)?));
    let status = NotifyStatus {
        configured: settings.target.is_some(),
        ..NotifyStatus::default()
    };
    let (tx, rx) = watch::channel(Arc::new(status.clone()));
    let db: PathBuf = db.to_path_buf();
    tokio::spawn(async move {
        tracing::info!(db = %db.display(), webhook = ?settings.target, "notification sender started");
        let mut s = Sender {
            store,
            settings,
            clock,
            tx,
            status,
        };
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = s.run() => {}
        }
    });
    Ok(rx)
}

struct Sender {
    store: Arc<Mutex<Store>>,
    settings: Settings,
    clock: Arc<dyn Clock>,
    tx: watch::Sender<Arc<NotifyStatus>>,
    status: NotifyStatus,
}

type Next = (OutboxCounts, Option<(Notice, Option<String>)>);

impl Sender {
    async fn run(&mut self) {
        loop {
            let next = match self
                .with_store(|s| {
                    let counts = s.outbox_counts()?;
                    let next = match s.outbox_next()? {
                        Some(n) => {
                            let m = s.notice_mobile(&n)?;
                            Some((n, m))
                        }
                        None => None,
                    };
                    Ok::<Next, StoreError>((counts, next))
                })
                .await
            {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the outbox failed");
                    tokio::time::sleep(POLL).await;
                    continue;
                }
            };
            self.status.counts = next.0;
            self.publish();
            let (Some(target), Some((notice, mobile))) = (self.settings.target.clone(), next.1)
            else {
                tokio::time::sleep(POLL).await;
                continue;
            };
            let Some(mobile) = mobile else {
                // Purged since it was queued: nobody to send it to.
                let id = notice.id;
                if let Err(e) = self.with_store(move |s| s.mark_notice_no_contact(id)).await {
                    tracing::warn!(error = %e, "marking a notice without contact failed");
                    tokio::time::sleep(POLL).await;
                }
                continue;
            };
            self.attempt(&target, &notice, &mobile).await;
        }
    }

    async fn attempt(&mut self, target: &Target, n: &Notice, mobile: &str) {
        let centre = &self.settings.centre;
        let body = webhook::payload(centre, n, mobile).to_string();
        let key = webhook::idempotency_key(centre, n);
        let sig = webhook::signature(&self.settings.secret, body.as_bytes());
        let timeout = Duration::from_secs(u64::from(self.settings.config.timeout_seconds));
        let result = webhook::post(
            target,
            self.settings.tls.as_ref(),
            body,
            &key,
            &sig,
            timeout,
        )
        .await;
        let now = self.clock.now();
        let at = now.to_rfc3339();
        let id = n.id;
        match result {
            Ok(status) => {
                tracing::info!(%key, status, kind = %n.kind, "notice delivered");
                match self
                    .with_store(move |s| {
                        s.mark_notice_sent(id, &at)?;
                        s.outbox_counts()
                    })
                    .await
                {
                    Ok(c) => self.status.counts = c,
                    Err(e) => {
                        tracing::error!(error = %e, %key, "delivered but not recorded; it will be resent with the same key");
                    }
                }
                if self.status.failing.take().is_some() {
                    tracing::info!("notifications go through again");
                }
                self.publish();
            }
            Err(e) => {
                let attempts = n.attempts + 1;
                let give_up = matches!(e, AttemptError::Refused(_))
                    || attempts >= self.settings.config.max_attempts;
                let error = e.to_string();
                tracing::warn!(%key, attempts, give_up, error = %error, "notice delivery failed");
                let err2 = error.clone();
                match self
                    .with_store(move |s| {
                        s.record_notice_failure(id, &at, &err2, give_up)?;
                        s.outbox_counts()
                    })
                    .await
                {
                    Ok(c) => self.status.counts = c,
                    Err(e) => tracing::warn!(error = %e, "recording a failed attempt failed"),
                }
                let prev = self.status.failing.take();
                self.status.failing = Some(Failing {
                    since: prev.as_ref().map_or(now, |p| p.since),
                    failures: prev.map_or(0, |p| p.failures) + 1,
                    last_error: error,
                });
                self.publish();
                if !give_up {
                    tokio::time::sleep(self.settings.config.backoff(attempts)).await;
                }
            }
        }
    }

    fn publish(&self) {
        self.tx.send_if_modified(|cur| {
            if **cur == self.status {
                false
            } else {
                *cur = Arc::new(self.status.clone());
                true
            }
        });
    }

    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = Arc::clone(&self.store);
        let r = tokio::task::spawn_blocking(move || {
            let g = match store.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            f(&g)
        })
        .await
        .context("outbox task")??;
        Ok(r)
    }
}

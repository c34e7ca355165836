//! The hall server: queue-core's single writer behind the websocket protocol (`/ws`), plus the
//! web pages, the printable documents and a health check, on one listen address.

mod estimates;
mod fanout;
mod frames;
mod health;
mod http;
mod limits;
mod listen;
mod preauth;
mod rate;
mod revocation;
mod session;
mod summary;
mod verify_status;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use queue_core::calendar::Calendar;
use queue_core::clock::{Clock, ScaledClock, SystemClock};
use queue_core::config::HallConfig;
use queue_core::document::{
    generate_signing_key, load_signing_key, save_signing_key, save_verifying_key,
};
use queue_core::hall::Hall;
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::{ClockMode, Store};
use tokio::sync::{broadcast, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use fanout::Outgoing;
pub use limits::Limits;

/// Everything `dashboard serve` can be told.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub db: PathBuf,
    /// A centre's hall.toml; the embedded sample when absent.
    pub config: Option<PathBuf>,
    /// A centre's working-day calendar; the embedded one when absent.
    pub calendar: Option<PathBuf>,
    /// The centre's Ed25519 signing key; created next to the database when absent.
    pub key: Option<PathBuf>,
    pub time_scale: f64,
    pub start: Option<DateTime<FixedOffset>>,
    pub demo: bool,
    pub limits: Limits,
    /// Real time between hall ticks (alerts, deemed acceptance).
    pub tick: Duration,
    /// Supervisors are alerted when free space on the database's disk falls below this.
    pub min_free_bytes: u64,
    /// Certificate chain and key (PEM): serve `https://` and `wss://`.
    pub tls: Option<TlsFiles>,
    /// Allow plain `ws://` beyond loopback (tokens and ID numbers cross the LAN in clear).
    pub insecure_lan: bool,
}

/// `--tls-cert` and `--tls-key`.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl ServeOptions {
    #[must_use]
    pub fn new(listen: SocketAddr, db: PathBuf) -> Self {
        Self {
            listen,
            db,
            config: None,
            calendar: None,
            key: None,
            time_scale: 1.0,
            start: None,
            demo: false,
            limits: Limits::default(),
            tick: Duration::from_millis(500),
            min_free_bytes: 256 * 1024 * 1024,
            tls: None,
            insecure_lan: false,
        }
    }
}

/// Shared by every connection.
pub struct AppState {
    pub service: HallService,
    pub events: broadcast::Sender<Arc<Vec<Outgoing>>>,
    /// The hall's configuration (department scopes of supervisor tokens, the fan-out).
    pub config: Arc<HallConfig>,
    /// A second connection for reads that must not wait on the writer (tokens, resume).
    pub reader: Mutex<Store>,
    pub limits: Limits,
    pub connections: Arc<Semaphore>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub clock: Arc<dyn Clock>,
    /// Windows with a counter connected now (window → sessions): the demo leaves them to
    /// the person at the counter.
    pub staffed: Mutex<std::collections::HashMap<u32, usize>>,
    /// Why the hall stopped by itself (a damaged log found after start-up), if it did.
    pub fatal: Mutex<Option<String>>,
    /// The latest queue summary (see `summary`), one for every client.
    pub summary: tokio::sync::watch::Sender<Arc<summary::Summary>>,
    /// The latest wait estimates of every queue (see `estimates`).
    pub estimates: estimates::Estimates,
    /// Storage alerts (failing commits, low disk) and the notification sender's state and
    /// alert, outside the event log.
    pub health: health::HealthRx,
    /// Connections that have not yet said a valid hello.
    pub preauth: Arc<preauth::PreAuth>,
    /// Ids of tokens revoked or expired since start (sessions holding one close).
    pub dead_tokens: tokio::sync::watch::Sender<Arc<std::collections::HashSet<i64>>>,
    /// SHA-256 of the centre's public key, hex: the hall's identity in `/healthz`.
    pub key_fingerprint: String,
    /// Whether pages and sockets are served over TLS.
    pub tls: bool,
    /// Per-address budget of the rating page's submissions.
    pub rate_posts: rate::PostLimiter,
}

/// A running hall: its address, and how to stop it.
pub struct RunningHall {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningHall {
    /// Stops accepting, closes every socket with a close frame, commits what is in flight.
    ///
    /// # Errors
    /// If the server task failed.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.state.shutdown.cancel();
        // HTTP connections and websocket sessions wind down together, each within its grace:
        // whatever clients do, the hall is down within a few seconds.
        self.state.tracker.close();
        let grace = self.state.limits.shutdown_grace + Duration::from_millis(500);
        let (r, _) = tokio::join!(
            self.server,
            tokio::time::timeout(grace, self.state.tracker.wait())
        );
        let r = r.context("server task")?;
        let svc = self.state.service.clone();
        tokio::task::spawn_blocking(move || svc.shutdown())
            .await
            .context("writer shutdown")?;
        r
    }

    /// Waits until the server stops by itself (it does not, unless cancelled).
    ///
    /// # Errors
    /// If the server task failed.
    pub async fn wait(self) -> anyhow::Result<()> {
        let shutdown = self.state.shutdown.clone();
        shutdown.cancelled().await;
        self.stop().await
    }
}

/// Loads configuration, key and calendar, rebuilds state from the log, binds, and serves in
/// the background.
///
/// # Errors
/// Bad configuration, unreadable or newer database, or an address that cannot be bound.
pub async fn start(opts: ServeOptions) -> anyhow::Result<RunningHall> {
    let config = match &opts.config {
        Some(p) => HallConfig::load(p)?,
        None => HallConfig::sample()?,
    };
    let calendar = match &opts.calendar {
        Some(p) => Calendar::load(p)?,
        None => Calendar::embedded(),
    };
    if !opts.listen.ip().is_loopback() && opts.tls.is_none() && !opts.insecure_lan {
        anyhow::bail!(
            "refusing to listen on {} without TLS: tokens and ID numbers would cross the LAN in \
             clear. Use --tls-cert/--tls-key (see `dashboard tls init`), or --insecure-lan if \
             you really mean it",
            opts.listen
        );
    }
    let tls = match &opts.tls {
        Some(f) => Some(crate::tls::acceptor(&f.cert, &f.key)?),
        None => None,
    };
    // Read before anything starts: a webhook without its secret is a configuration error.
    let notify = crate::notify::sender::Settings::load(&config.notify, &config.centre.code)?;
    let simulated = opts.start.is_some() || (opts.time_scale - 1.0).abs() > f64::EPSILON;
    let (key, retired) = {
        // Opened (and made private) before the key is written beside it.
        let store = Store::open(&opts.db)?;
        store.claim_clock_mode(if simulated {
            ClockMode::Simulated
        } else {
            ClockMode::Real
        })?;
        load_or_create_key(&opts, &store)?
    };
    let key_fingerprint = crate::identity::fingerprint(&key.verifying_key());
    let offset = config.centre.offset();
    let clock: Arc<dyn Clock> = if simulated {
        let start = opts
            .start
            .unwrap_or_else(|| SystemClock { offset }.now())
            .with_timezone(&offset);
        Arc::new(ScaledClock::new(start, opts.time_scale))
    } else {
        Arc::new(SystemClock { offset })
    };
    let hall_config = Arc::new(config.clone());
    let hall = Hall::new(config, calendar, key).with_retired_keys(retired);
    let publish_config = Arc::clone(&hall_config);
    let (events, _) = broadcast::channel::<Arc<Vec<Outgoing>>>(opts.limits.broadcast_batches);
    let tx = events.clone();
    let db = opts.db.clone();
    let service_clock = Arc::clone(&clock);
    let tick = opts.tick;
    let service = tokio::task::spawn_blocking(move || {
        HallService::start(
            &db,
            hall,
            service_clock,
            Box::new(move |records| {
                // No receivers is fine: nobody is connected.
                let _ = tx.send(Arc::new(
                    records
                        .iter()
                        .map(|r| Outgoing::new(r, &publish_config))
                        .collect(),
                ));
            }),
            ServiceOptions {
                tick_every: tick,
                ..ServiceOptions::default()
            },
        )
    })
    .await
    .context("starting the writer")??;
    let reader = Store::open(&opts.db)?;
    let listener = bind(opts.listen, opts.limits.send_buffer)
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() && tls.is_none() {
        tracing::warn!(%addr, "listening beyond this machine WITHOUT TLS (--insecure-lan)");
    }
    let (health_tx, health_rx) = tokio::sync::watch::channel(Arc::new(health::Health::default()));
    let state = Arc::new(AppState {
        service,
        events,
        config: hall_config,
        reader: Mutex::new(reader),
        limits: opts.limits,
        connections: Arc::new(Semaphore::new(opts.limits.max_connections)),
        shutdown: CancellationToken::new(),
        tracker: TaskTracker::new(),
        clock,
        staffed: Mutex::new(std::collections::HashMap::new()),
        summary: tokio::sync::watch::Sender::new(Arc::new(summary::Summary::default())),
        estimates: estimates::Estimates::default(),
        fatal: Mutex::new(None),
        health: health_rx,
        preauth: preauth::PreAuth::new(opts.limits.preauth_budget, opts.limits.preauth_per_address),
        dead_tokens: tokio::sync::watch::Sender::new(Arc::default()),
        key_fingerprint,
        tls: tls.is_some(),
        rate_posts: rate::PostLimiter::default(),
    });
    state.estimates.refresh(&state.service);
    tokio::spawn(summary::run(Arc::clone(&state), state.summary.clone()));
    if state.service.started_from > 0 {
        spawn_log_walk(Arc::clone(&state), opts.db.clone());
    }
    let notify_rx = crate::notify::sender::spawn(
        &opts.db,
        notify,
        Arc::clone(&state.clock),
        state.shutdown.clone(),
    )?;
    health::spawn(
        Arc::clone(&state),
        health_tx,
        health::Watched {
            db: opts.db.clone(),
            min_free_bytes: opts.min_free_bytes,
            notify: notify_rx,
        },
    );
    if opts.demo {
        crate::demo::spawn(Arc::clone(&state));
    }
    revocation::spawn(Arc::clone(&state), opts.db.clone());
    let router = http::router(Arc::clone(&state));
    let l = listen::Listen {
        listener,
        router,
        tls,
        preauth: Arc::clone(&state.preauth),
        limits: state.limits,
        shutdown: state.shutdown.clone(),
        connections: TaskTracker::new(),
    };
    let server = tokio::spawn(async move {
        listen::run(l).await;
        Ok(())
    });
    tracing::info!(%addr, db = %opts.db.display(), tls = state.tls, "hall server listening");
    Ok(RunningHall {
        addr,
        state,
        server,
    })
}

/// Binds the listener; accepted sockets inherit its send buffer size.
fn bind(addr: SocketAddr, send_buffer: Option<u32>) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    if let Some(n) = send_buffer {
        socket.set_send_buffer_size(n)?;
    }
    socket.bind(addr)?;
    socket.listen(1024)
}

/// The centre key and the retired public keys beside it. A missing key is created only for
/// a database that has signed nothing yet: a silent new key would leave every receipt and
/// signed head unverifiable.
fn load_or_create_key(
    opts: &ServeOptions,
    store: &Store,
) -> anyhow::Result<(
    queue_core::document::SigningKey,
    Vec<queue_core::document::VerifyingKey>,
)> {
    let path = opts.key.clone().unwrap_or_else(|| {
        opts.db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("centre.key"), |d| d.join("centre.key"))
    });
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let retired = crate::keys::retired_keys(dir)?;
    if path.exists() {
        let key =
            load_signing_key(&path).with_context(|| format!("centre key {}", path.display()))?;
        return Ok((key, retired));
    }
    if opts.key.is_some() {
        anyhow::bail!(
            "centre key {} does not exist; create it with `dashboard keys init`",
            path.display()
        );
    }
    if store.has_signed_anything()? {
        anyhow::bail!(
            "中心密钥缺失 centre key {} is missing, but the database {} holds documents or log \
             heads signed with it; refusing to make a new key (old receipts and the log would \
             no longer verify). Restore the key file from the backup, or pass --key",
            path.display(),
            store.path()
        );
    }
    queue_core::store::create_private_dir(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let key = generate_signing_key();
    save_signing_key(&path, &key).with_context(|| format!("saving {}", path.display()))?;
    save_verifying_key(&path.with_extension("pub"), &key.verifying_key())
        .with_context(|| format!("saving {}", path.with_extension("pub").display()))?;
    tracing::info!(key = %path.display(), "created the centre's signing key");
    Ok((key, retired))
}

/// Runs `dashboard serve` until SIGINT/SIGTERM, then shuts down cleanly.
///
/// # Errors
/// Start-up failures.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    run_until_signal(start(opts).await?).await
}

/// Runs a started hall until SIGINT/SIGTERM, then shuts it down cleanly.
///
/// # Errors
/// Shutdown failures.
pub async fn run_until_signal(hall: RunningHall) -> anyhow::Result<()> {
    let token = hall.state.shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received: shutting down");
        token.cancel();
    });
    let state = Arc::clone(&hall.state);
    hall.wait().await?;
    let fatal = state.fatal.lock().ok().and_then(|mut f| f.take());
    match fatal {
        Some(why) => Err(anyhow::anyhow!(why)),
        None => Ok(()),
    }
}

/// Start-up from a checkpoint checked only the log after it; the rest is walked here, off the
/// serving path. Damage stops the hall, as it would have refused to start.
fn spawn_log_walk(state: Arc<AppState>, db: PathBuf) {
    let trusted = state.service.read().hall.verifying_keys();
    tokio::task::spawn_blocking(move || match HallService::verify_whole_log(&db, &trusted) {
        Ok(None) => tracing::info!("whole event log verified"),
        Ok(Some(e)) | Err(e) => {
            tracing::error!(error = %e, "damaged event log: stopping");
            if let Ok(mut f) = state.fatal.lock() {
                *f = Some(e.to_string());
            }
            state.shutdown.cancel();
        }
    });
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

//! The hall server: queue-core's single writer behind the websocket protocol (`/ws`), plus the
//! web pages, the printable documents and a health check, on one listen address.

mod frames;
mod http;
mod limits;
mod session;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use chrono::{DateTime, FixedOffset};
use queue_core::calendar::Calendar;
use queue_core::clock::{Clock, ScaledClock, SystemClock};
use queue_core::config::HallConfig;
use queue_core::document::{
    generate_signing_key, load_signing_key, save_signing_key, save_verifying_key,
};
use queue_core::hall::Hall;
use queue_core::service::{HallService, ServiceOptions};
use queue_core::store::Store;
use tokio::sync::{broadcast, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use frames::Outgoing;
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
        }
    }
}

/// Shared by every connection.
pub struct AppState {
    pub service: HallService,
    pub events: broadcast::Sender<Arc<Vec<Outgoing>>>,
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
        let r = self.server.await.context("server task")?;
        self.state.tracker.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.state.tracker.wait()).await;
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
    let key = load_or_create_key(&opts)?;
    let offset = config.centre.offset();
    let clock: Arc<dyn Clock> =
        if opts.start.is_some() || (opts.time_scale - 1.0).abs() > f64::EPSILON {
            let start = opts
                .start
                .unwrap_or_else(|| SystemClock { offset }.now())
                .with_timezone(&offset);
            Arc::new(ScaledClock::new(start, opts.time_scale))
        } else {
            Arc::new(SystemClock { offset })
        };
    let hall = Hall::new(config, calendar, key);
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
                let _ = tx.send(Arc::new(records.iter().map(Outgoing::new).collect()));
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
    if !addr.ip().is_loopback() {
        tracing::warn!(%addr, "listening beyond this machine: every client still needs a token");
    }
    let state = Arc::new(AppState {
        service,
        events,
        reader: Mutex::new(reader),
        limits: opts.limits,
        connections: Arc::new(Semaphore::new(opts.limits.max_connections)),
        shutdown: CancellationToken::new(),
        tracker: TaskTracker::new(),
        clock,
        staffed: Mutex::new(std::collections::HashMap::new()),
    });
    if opts.demo {
        crate::demo::spawn(Arc::clone(&state));
    }
    let router = http::router(Arc::clone(&state));
    let shutdown = state.shutdown.clone();
    let server = tokio::spawn(async move {
        // Small frames must go out at once: without TCP_NODELAY a reply can wait ~40 ms
        // on Nagle's algorithm and the peer's delayed ACK.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("http server")
    });
    tracing::info!(%addr, db = %opts.db.display(), "hall server listening");
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

fn load_or_create_key(opts: &ServeOptions) -> anyhow::Result<queue_core::document::SigningKey> {
    let path = opts.key.clone().unwrap_or_else(|| {
        opts.db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("centre.key"), |d| d.join("centre.key"))
    });
    if path.exists() {
        return load_signing_key(&path).with_context(|| format!("centre key {}", path.display()));
    }
    if opts.key.is_some() {
        anyhow::bail!(
            "centre key {} does not exist; create it with `dashboard keys init`",
            path.display()
        );
    }
    let key = generate_signing_key();
    save_signing_key(&path, &key).with_context(|| format!("saving {}", path.display()))?;
    save_verifying_key(&path.with_extension("pub"), &key.verifying_key())
        .with_context(|| format!("saving {}", path.with_extension("pub").display()))?;
    tracing::info!(key = %path.display(), "created the centre's signing key");
    Ok(key)
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
    hall.wait().await
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

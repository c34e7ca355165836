//! `dashboard city serve`: the city page `/city`, its JSON (`/city/api/…`) and its live stream
//! `/city/ws`, read from the city database and pushed on PostgreSQL notifications.
//!
//! One connection LISTENs and answers queries; when it drops (database restart) it is
//! re-established with backoff and every stream gets a fresh overview. Access needs the city
//! token (`?token=` or `Authorization: Bearer`); the data carries no personal data, but it
//! is still the city's operational picture.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use city::PgTarget;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, RwLock};
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Args)]
pub struct CityServeArgs {
    /// The city database.
    #[arg(long, value_parser = super::parse_pg, env = "CITY_PG", hide_env_values = true)]
    pub pg: PgTarget,
    /// Address to listen on; loopback unless you mean otherwise.
    #[arg(long, default_value = "127.0.0.1:7800")]
    pub listen: SocketAddr,
    /// The token city managers present; a random one is made and printed if absent.
    #[arg(long, env = "CITY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Log to this file instead of stderr.
    #[arg(long)]
    pub log: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct CityServeOptions {
    pub pg: PgTarget,
    pub listen: SocketAddr,
    pub token: String,
}

struct CityState {
    client: RwLock<Option<Arc<tokio_postgres::Client>>>,
    /// A centre changed (its code), or `*` after reconnecting.
    changes: broadcast::Sender<String>,
    token_hash: [u8; 32],
    shutdown: CancellationToken,
}

pub struct RunningCity {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningCity {
    /// Stops serving.
    ///
    /// # Errors
    /// The server task failed.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.server.await.context("city server task")?
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Starts the city server (the database connection is made, and remade, in the background).
///
/// # Errors
/// The address cannot be bound.
pub async fn start(opts: CityServeOptions) -> anyhow::Result<RunningCity> {
    let (changes, _) = broadcast::channel(256);
    let shutdown = CancellationToken::new();
    let state = Arc::new(CityState {
        client: RwLock::new(None),
        changes,
        token_hash: hash(&opts.token),
        shutdown: shutdown.clone(),
    });
    tokio::spawn(listen_loop(opts.pg.clone(), Arc::clone(&state)));
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    let router = router(Arc::clone(&state));
    let stop = shutdown.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
            .context("city http server")
    });
    tracing::info!(%addr, pg = %opts.pg, "city server listening");
    Ok(RunningCity {
        addr,
        shutdown,
        server,
    })
}

/// Keeps one LISTENing connection to the database; notifications become `changes`.
async fn listen_loop(pg: PgTarget, state: Arc<CityState>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let connected = async {
            let client = pg.connect(Some(tx)).await?;
            client.batch_execute(city::notify::LISTEN_SQL).await?;
            Ok::<_, city::CityError>(client)
        }
        .await;
        match connected {
            Ok(client) => {
                backoff = Duration::from_millis(200);
                *state.client.write().await = Some(Arc::new(client));
                let _ = state.changes.send("*".into());
                tracing::info!("city database connected, listening for changes");
                loop {
                    tokio::select! {
                        n = rx.recv() => match n {
                            Some(n) => { let _ = state.changes.send(n.payload().to_string()); }
                            None => break,
                        },
                        () = state.shutdown.cancelled() => return,
                    }
                }
                *state.client.write().await = None;
                tracing::warn!("city database connection lost; reconnecting");
            }
            Err(e) => tracing::warn!("city database unavailable: {e}"),
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = state.shutdown.cancelled() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

fn router(state: Arc<CityState>) -> Router {
    Router::new()
        .route(
            "/city",
            get(|| async { page(include_str!("../../web/city.html")) }),
        )
        .route("/city/static/{name}", get(asset))
        .route("/city/api/overview", get(api_overview))
        .route("/city/api/centre/{code}", get(api_centre))
        .route("/city/ws", get(ws))
        .route("/healthz", get(health))
        .with_state(state)
}

const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn page(html: &'static str) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, mime): (&'static str, &str) = match name.as_str() {
        "city.js" => (
            include_str!("../../web/city.js"),
            "text/javascript; charset=utf-8",
        ),
        "city.css" => (
            include_str!("../../web/city.css"),
            "text/css; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn authorised(state: &CityState, q: &TokenQuery, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(given) = q.token.as_deref().or(bearer) else {
        return false;
    };
    // Comparing digests: the time taken says nothing about the token.
    hash(given.trim()) == state.token_hash
}

async fn client(state: &CityState) -> Option<Arc<tokio_postgres::Client>> {
    state.client.read().await.clone()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"error": "city_db_unavailable",
            "message": "城市数据库暂不可用 the city database is unavailable"})),
    )
        .into_response()
}

fn denied() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "unauthorized", "message": "需要城市令牌 city token needed"})),
    )
        .into_response()
}

async fn overview_frame(c: &tokio_postgres::Client) -> Result<Value, city::CityError> {
    let centres = city::query::overview(c).await?;
    Ok(json!({"type": "city", "at": chrono::Utc::now(), "centres": centres}))
}

async fn centre_frame(c: &tokio_postgres::Client, code: &str) -> Result<Value, city::CityError> {
    let detail = city::query::centre(c, code).await?;
    Ok(json!({"type": "centre", "code": code, "centre": detail}))
}

async fn api_overview(
    State(state): State<Arc<CityState>>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&state, &q, &headers) {
        return denied();
    }
    let Some(c) = client(&state).await else {
        return unavailable();
    };
    match overview_frame(&c).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => {
            tracing::warn!("overview: {e}");
            unavailable()
        }
    }
}

async fn api_centre(
    State(state): State<Arc<CityState>>,
    Path(code): Path<String>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&state, &q, &headers) {
        return denied();
    }
    let Some(c) = client(&state).await else {
        return unavailable();
    };
    match centre_frame(&c, &code).await {
        Ok(v) if v["centre"].is_null() => (
            StatusCode::NOT_FOUND,
            axum::Json(
                json!({"error": "not_found", "message": format!("没有该中心 no centre {code}")}),
            ),
        )
            .into_response(),
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => {
            tracing::warn!("centre: {e}");
            unavailable()
        }
    }
}

async fn health(State(state): State<Arc<CityState>>) -> Response {
    let connected = client(&state).await.is_some();
    axum::Json(json!({"status": if connected { "ok" } else { "degraded" }, "db": connected}))
        .into_response()
}

async fn ws(
    ws: WebSocketUpgrade,
    State(state): State<Arc<CityState>>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&state, &q, &headers) {
        return denied();
    }
    ws.max_message_size(4096)
        .on_upgrade(move |socket| stream(socket, state))
}

/// The stream: the overview now and after every change (coalesced), the drilled-into
/// centre's detail likewise; the client sends `{"type":"drill","centre":"<code>"|null}`.
async fn stream(mut socket: WebSocket, state: Arc<CityState>) {
    let mut changes = state.changes.subscribe();
    let mut drill: Option<String> = None;
    let mut dirty = true;
    loop {
        if dirty {
            dirty = false;
            let frames = match client(&state).await {
                Some(c) => {
                    let mut v = vec![overview_frame(&c).await];
                    if let Some(code) = &drill {
                        v.push(centre_frame(&c, code).await);
                    }
                    v.into_iter()
                        .map(|f| f.unwrap_or_else(|e| offline(&e.to_string())))
                        .collect()
                }
                None => vec![offline("no connection")],
            };
            for f in frames {
                if socket
                    .send(Message::Text(f.to_string().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        tokio::select! {
            c = changes.recv() => match c {
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Coalesce a burst of shipped batches into one refresh.
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    while changes.try_recv().is_ok() {}
                    dirty = true;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            m = socket.recv() => match m {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v["type"] == "drill" {
                        drill = v["centre"].as_str().map(str::to_string);
                        dirty = true;
                    } else {
                        let err = json!({"type": "error", "error": "bad_request",
                            "message": "expected {\"type\":\"drill\",\"centre\":…}"});
                        if socket.send(Message::Text(err.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            () = state.shutdown.cancelled() => return,
        }
    }
}

fn offline(why: &str) -> Value {
    json!({"type": "offline", "message": format!("城市数据库暂不可用 city database unavailable: {why}")})
}

/// `dashboard city serve`.
///
/// # Errors
/// Logging, runtime or bind failures.
pub fn serve_cmd(a: &CityServeArgs) -> anyhow::Result<ExitCode> {
    let _guard = crate::logging::init(a.log.as_ref())?;
    let token = match &a.token {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => {
            let t = crate::tokens::new_token();
            println!("城市令牌 city token (give it to city managers): {t}");
            t
        }
    };
    let opts = CityServeOptions {
        pg: a.pg.clone(),
        listen: a.listen,
        token,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async {
        let running = start(opts).await?;
        println!("城市看板 city page: http://{}/city?token=…", running.addr);
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await
    })?;
    Ok(ExitCode::SUCCESS)
}

//! `dashboard notify-sink`: a small local receiver for trying the sender out (and for the
//! tests). It checks each message's signature, dedupes by `Idempotency-Key`, prints every
//! message once (a JSON line on stdout, appended to `--out` too), and can answer the first N
//! requests with 503 to show the retries.

use std::collections::HashSet;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};

use super::webhook::{signature_ok, IDEMPOTENCY_HEADER, SIGNATURE_HEADER};

#[derive(Debug, clap::Args)]
pub struct NotifySinkArgs {
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8125")]
    pub listen: SocketAddr,
    /// The shared secret (as in the hall's `[notify] secret_file`); without it signatures are
    /// not checked.
    #[arg(long, env = "NOTIFY_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Answer the first N requests with 503 (to see the sender retry).
    #[arg(long, default_value_t = 0)]
    pub fail_first: u32,
    /// Also append each message (one JSON line) to this file (created 0600).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

struct Sink {
    secret: Option<Vec<u8>>,
    fail_first: u32,
    out: Option<PathBuf>,
    /// Requests seen, keys delivered.
    state: Mutex<(u32, HashSet<String>)>,
}

/// Runs until Ctrl-C.
///
/// # Errors
/// Cannot listen.
pub fn notify_sink(a: &NotifySinkArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let sink = Arc::new(Sink {
        secret: a.secret.as_ref().map(|s| s.trim().as_bytes().to_vec()),
        fail_first: a.fail_first,
        out: a.out.clone(),
        state: Mutex::new((0, HashSet::new())),
    });
    if sink.secret.is_none() {
        eprintln!("notify-sink: no --secret: signatures are NOT checked");
    }
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?;
        let addr = listener.local_addr()?;
        println!("notify-sink listening on http://{addr}");
        let _ = std::io::stdout().flush();
        let app = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(sink);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn receive(
    State(sink): State<Arc<Sink>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut st = match sink.state.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    st.0 += 1;
    let n = st.0;
    if n <= sink.fail_first {
        eprintln!(
            "notify-sink: request {n}: answering 503 (--fail-first {})",
            sink.fail_first
        );
        return reply(
            StatusCode::SERVICE_UNAVAILABLE,
            "failing on purpose (--fail-first)",
        );
    }
    if let Some(secret) = &sink.secret {
        if !signature_ok(secret, &body, &header(SIGNATURE_HEADER)) {
            eprintln!("notify-sink: request {n}: bad signature, refused");
            return reply(StatusCode::UNAUTHORIZED, "bad signature");
        }
    }
    let key = header(IDEMPOTENCY_HEADER);
    if key.is_empty() {
        return reply(StatusCode::BAD_REQUEST, "Idempotency-Key missing");
    }
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return reply(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    if !st.1.insert(key.clone()) {
        eprintln!("notify-sink: request {n}: {key} already received, not repeated");
        return reply(StatusCode::OK, "duplicate");
    }
    let line = json!({"key": key, "message": message}).to_string();
    println!("{line}");
    let _ = std::io::stdout().flush();
    if let Some(path) = &sink.out {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            eprintln!("notify-sink: cannot append to {}: {e}", path.display());
            st.1.remove(&key);
            return reply(StatusCode::INTERNAL_SERVER_ERROR, "cannot store");
        }
    }
    reply(StatusCode::OK, "received")
}

fn reply(status: StatusCode, what: &str) -> axum::response::Response {
    (status, axum::Json(json!({"status": what}))).into_response()
}

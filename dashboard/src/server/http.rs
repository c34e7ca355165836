//! HTTP routes: the websocket upgrade, health, the web pages, documents and verification.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use queue_core::auth::Role;
use queue_core::document::verify;
use queue_core::store::token_hash;
use serde_json::json;

use super::{session, AppState};
use crate::document_page::{esc, render_document_html, Lang};

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/ws", get(ws))
        .route("/healthz", get(health))
        .route(
            "/",
            get(|| async { page(include_str!("../../web/index.html")) }),
        )
        .route(
            "/display",
            get(|| async { page(include_str!("../../web/display.html")) }),
        )
        .route("/static/{name}", get(asset))
        .route("/documents/{serial}", get(document))
        .route("/verify", get(verify_page))
        .with_state(state)
}

async fn ws(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let limits = state.limits;
    let tracker = state.tracker.clone();
    // Small per-socket buffers: hundreds of subscribers must not cost megabytes each.
    ws.max_message_size(limits.max_read)
        .max_frame_size(limits.max_read)
        .read_buffer_size(16 * 1024)
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            tracker
                .track_future(session::run(socket, state, peer))
                .await;
        })
}

async fn health(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let g = state.service.read();
    let connections = state.limits.max_connections - state.connections.available_permits();
    let storage = if g.storage.is_some() {
        "failing"
    } else if state.health.borrow().is_empty() {
        "ok"
    } else {
        "low_space"
    };
    axum::Json(json!({
        "status": "ok",
        "storage": storage,
        "seq": g.seq,
        "now": g.now,
        "centre": g.hall.config.centre.name,
        "connections": connections,
    }))
}

fn page(html: &'static str) -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, mime): (&'static str, &str) = match name.as_str() {
        "protocol.js" => (
            include_str!("../../web/protocol.js"),
            "text/javascript; charset=utf-8",
        ),
        "supervisor.js" => (
            include_str!("../../web/supervisor.js"),
            "text/javascript; charset=utf-8",
        ),
        "display.js" => (
            include_str!("../../web/display.js"),
            "text/javascript; charset=utf-8",
        ),
        "style.css" => (
            include_str!("../../web/style.css"),
            "text/css; charset=utf-8",
        ),
        "display.css" => (
            include_str!("../../web/display.css"),
            "text/css; charset=utf-8",
        ),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Staff roles only; the token from `Authorization: Bearer …` or `?token=…`.
async fn staff_role(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Option<(Role, Option<u32>)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .or_else(|| query.get("token").cloned())?;
    let state = Arc::clone(state);
    let info = tokio::task::spawn_blocking(move || {
        let store = state.reader.lock().ok()?;
        store.find_token(&token_hash(&token)).ok().flatten()
    })
    .await
    .ok()??;
    matches!(info.role, Role::Counter | Role::Supervisor | Role::Manager)
        .then_some((info.role, info.window))
}

async fn document(
    State(state): State<Arc<AppState>>,
    Path(serial): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some((role, window)) = staff_role(&state, &headers, &query).await else {
        return (
            StatusCode::UNAUTHORIZED,
            Html("<!doctype html><meta charset=utf-8><p>需要工作人员令牌 a staff token is required (?token=…)</p>"),
        )
            .into_response();
    };
    let g = state.service.read();
    let Some(case) = g.hall.cases.by_serial(&serial) else {
        return (
            StatusCode::NOT_FOUND,
            Html(format!(
                "<!doctype html><meta charset=utf-8><p>未找到办件 no case {}</p>",
                esc(&serial)
            )),
        )
            .into_response();
    };
    let wanted = query.get("kind").map(String::as_str);
    let doc = case
        .documents
        .iter()
        .rev()
        .find(|d| wanted.is_none_or(|k| d.kind.as_str() == k));
    let Some(doc) = doc else {
        return (
            StatusCode::NOT_FOUND,
            Html(
                "<!doctype html><meta charset=utf-8><p>此办件尚无文书 no document yet</p>"
                    .to_string(),
            ),
        )
            .into_response();
    };
    let lang = if query.get("lang").map(String::as_str) == Some("en") {
        Lang::ZhEn
    } else {
        Lang::Zh
    };
    // Only the counter handling the case sees the applicant's full ID number.
    let shown = if role == Role::Counter && window.is_some() && case.window == window {
        case.clone()
    } else {
        queue_core::hall::masked_case(case)
    };
    Html(render_document_html(doc, &shown, lang)).into_response()
}

/// Public: applicants check a receipt's verification string (the QR payload).
async fn verify_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let key = state.service.read().hall.verifying_key();
    let s = query
        .get("s")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let body = if s.is_empty() {
        "<form><label>验证码 verification string <input name=s size=60></label> <button>验证 verify</button></form>".to_string()
    } else {
        match verify(&s, &key) {
            Ok(f) => format!(
                "<h2 class=ok>✔ 真实有效 genuine</h2><pre>{}</pre>",
                esc(&serde_json::to_string_pretty(&f).unwrap_or_default())
            ),
            Err(e) => format!(
                "<h2 class=bad>✘ 无法验证 not genuine: {}</h2>",
                esc(&e.to_string())
            ),
        }
    };
    Html(format!(
        "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>文书验证 verify</title>\
         <style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}.ok{{color:#070}}.bad{{color:#b00}}</style>\
         <h1>政务服务文书验证</h1>{body}</html>"
    ))
    .into_response()
}

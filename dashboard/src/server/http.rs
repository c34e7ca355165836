//! HTTP routes: the websocket upgrade, health, the web pages, documents, verification and the
//! slip's rating page (`rate.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{
    ConnectInfo, DefaultBodyLimit, Extension, Path, Query, State, WebSocketUpgrade,
};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use queue_core::auth::Role;
use queue_core::document::verify_any;
use queue_core::store::token_hash;
use serde_json::json;

use super::preauth::Slot;
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
        .route(
            "/pad",
            get(|| async { page(include_str!("../../web/pad.html")) }),
        )
        .route(
            "/rate/{token}",
            get(super::rate::page)
                .post(super::rate::submit)
                .layer(DefaultBodyLimit::max(super::rate::MAX_BODY)),
        )
        .route("/static/{name}", get(asset))
        .route("/documents/{serial}", get(document))
        .route("/verify", get(verify_page))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Every response: no framing, no sniffing, no referrer, and only this hall's own scripts,
/// styles and sockets. Pages set their own `Cache-Control`.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; \
                 base-uri 'none'; form-action 'self'",
            ),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// The policy for a self-contained page whose only inline part is the stylesheet `css`.
fn csp_with_style(css: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(css));
    format!(
        "default-src 'self'; style-src 'self' 'sha256-{hash}'; img-src 'self' data:; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// Personal data: never kept by a browser or proxy cache, styled only by its own stylesheet.
fn private_page(html: String, css: &str) -> Response {
    let mut res = Html(html).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&csp_with_style(css)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// A browser's `Origin` must be this hall (same host and port) or absent (non-browser clients).
pub(super) fn origin_allowed(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let Some(authority) = origin.to_str().ok().and_then(|o| {
        o.strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"))
    }) else {
        return false;
    };
    authority.eq_ignore_ascii_case(host)
}

async fn ws(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(slot): Extension<Arc<Slot>>,
    headers: HeaderMap,
) -> Response {
    if !origin_allowed(&headers) {
        tracing::info!(%peer, origin = ?headers.get(header::ORIGIN), "websocket refused: foreign origin");
        return (
            StatusCode::FORBIDDEN,
            "外部网页不能连接大厅 a page from another origin may not connect to this hall",
        )
            .into_response();
    }
    let limits = state.limits;
    let tracker = state.tracker.clone();
    // Small per-socket buffers: hundreds of subscribers must not cost megabytes each. The
    // read buffer is zero-filled up to this size on every read attempt (tungstenite's
    // `read_in`), and a session polls its socket each time it wakes for an event: at 16 KiB
    // that memset was 5 % of the server's CPU under load (docs/benchmarks.md). Commands are
    // far smaller; a larger frame just takes more reads.
    ws.max_message_size(limits.max_read)
        .max_frame_size(limits.max_read)
        .read_buffer_size(2 * 1024)
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            tracker
                .track_future(session::run(socket, state, peer, slot))
                .await;
        })
}

async fn health(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let g = state.service.read();
    let connections = state.limits.max_connections - state.connections.available_permits();
    let health = Arc::clone(&state.health.borrow());
    let storage = if g.storage.is_some() {
        "failing"
    } else if health.storage_ok() {
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
        "unauthenticated": state.preauth.waiting(),
        "key_fingerprint": state.key_fingerprint,
        "tls": state.tls,
        // Counts only: no message, number or error text.
        "notify": {
            "configured": health.notify.configured,
            "pending": health.notify.counts.pending,
            "retrying": health.notify.counts.retrying,
            "failed": health.notify.counts.failed,
            "sent": health.notify.counts.sent,
            "failing": health.notify.failing.is_some(),
        },
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
        "records.js" => (
            include_str!("../../web/records.js"),
            "text/javascript; charset=utf-8",
        ),
        "pad.js" => (
            include_str!("../../web/pad.js"),
            "text/javascript; charset=utf-8",
        ),
        "pad.css" => (include_str!("../../web/pad.css"), "text/css; charset=utf-8"),
        "rating_words.js" => (
            include_str!("../../web/rating_words.js"),
            "text/javascript; charset=utf-8",
        ),
        "rate.js" => (
            include_str!("../../web/rate.js"),
            "text/javascript; charset=utf-8",
        ),
        "rate.css" => (
            include_str!("../../web/rate.css"),
            "text/css; charset=utf-8",
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
    private_page(
        render_document_html(doc, &shown, lang),
        crate::document_page::CSS,
    )
}

/// Public: applicants check a receipt's verification string (the QR payload).
async fn verify_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // Every centre key, rotated ones included: old receipts stay verifiable.
    let g = state.service.read();
    let keys = g.hall.verifying_keys();
    let s = query
        .get("s")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let body = if s.is_empty() {
        "<form><label>验证码 verification string <input name=s size=60></label> <button>验证 verify</button></form>".to_string()
    } else {
        match verify_any(&s, &keys) {
            Ok(f) => format!(
                "<h2 class=ok>✔ 真实有效 genuine</h2>{}<pre>{}</pre>",
                super::verify_status::status_html(&g.hall, &f),
                esc(&serde_json::to_string_pretty(&f).unwrap_or_default())
            ),
            Err(e) => format!(
                "<h2 class=bad>✘ 无法验证 not genuine: {}</h2>",
                esc(&e.to_string())
            ),
        }
    };
    private_page(
        format!(
            "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>文书验证 verify</title>\
             <style>{VERIFY_CSS}</style><h1>政务服务文书验证</h1>{body}</html>"
        ),
        VERIFY_CSS,
    )
}

const VERIFY_CSS: &str =
    "body{font-family:sans-serif;max-width:48em;margin:2em auto}.ok{color:#070}.bad{color:#b00}";

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_the_halls_own_origin_may_open_a_socket() {
        assert!(origin_allowed(&headers(&[("host", "127.0.0.1:7700")])));
        assert!(origin_allowed(&headers(&[
            ("host", "hall.local:7700"),
            ("origin", "https://hall.local:7700")
        ])));
        assert!(!origin_allowed(&headers(&[
            ("host", "127.0.0.1:7700"),
            ("origin", "http://evil.example")
        ])));
        assert!(!origin_allowed(&headers(&[
            ("host", "127.0.0.1:7700"),
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(!origin_allowed(&headers(&[
            ("host", "x"),
            ("origin", "null")
        ])));
    }
}

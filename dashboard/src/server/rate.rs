//! The rating page behind the QR on a ticket slip: `GET /rate/{token}` shows the finished
//! service (centre, ticket number, window, staff number — what the window's pad shows, no
//! applicant data) and offers the five levels; `rate.js` posts `POST /rate/{token}` (JSON
//! `{"rating":1-5,"reason":"…"}`), which submits `evaluate` with the link through the single
//! writer, as a token-less kiosk: the signed link is the authority, decided in queue-core
//! (`hall::rating_link`), and one rating per service makes it single use.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use queue_core::auth::{Actor, DepartmentScope, Role};
use queue_core::error::DomainError;
use queue_core::hall::{Command, Viewer};
use queue_core::queue::TicketState;
use serde_json::{json, Value};

use super::AppState;
use crate::document_page::esc;

/// Largest `POST /rate/…` body: a level and a reason of at most a few hundred characters.
pub const MAX_BODY: usize = 4 * 1024;
/// Submissions per client address per minute (a phone rates once; this bounds a script).
const POSTS_PER_MINUTE: u32 = 20;

/// Per-address budget for `POST /rate/…`.
#[derive(Debug, Default)]
pub struct PostLimiter(Mutex<HashMap<IpAddr, (Instant, u32)>>);

impl PostLimiter {
    fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut m) = self.0.lock() else {
            return true;
        };
        if m.len() > 10_000 {
            m.retain(|_, (since, _)| now.duration_since(*since) < Duration::from_secs(60));
        }
        let e = m.entry(ip).or_insert((now, 0));
        if now.duration_since(e.0) >= Duration::from_secs(60) {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= POSTS_PER_MINUTE
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
}

impl Lang {
    fn of(q: &HashMap<String, String>) -> Self {
        if q.get("lang").map(String::as_str) == Some("en") {
            Self::En
        } else {
            Self::Zh
        }
    }

    fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

/// What the page says about a link.
enum Shown {
    Refused(StatusCode, &'static str, &'static str),
    Message(&'static str, &'static str),
    Form,
}

/// `GET /rate/{token}`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::of(&q);
    let now = state.clock.now();
    let g = state.service.read();
    let centre = g.hall.config.centre.name.clone();
    let (shown, facts) = match g.hall.linked_service(&token, now) {
        Err(DomainError::Expired(_)) => (
            Shown::Refused(
                StatusCode::GONE,
                "评价链接已过期",
                "This rating link has expired",
            ),
            Vec::new(),
        ),
        Err(_) => (
            Shown::Refused(
                StatusCode::FORBIDDEN,
                "评价链接无效",
                "This rating link is not valid",
            ),
            Vec::new(),
        ),
        Ok(s) => {
            // What a public terminal may see of it (the one view): number, window, staff number.
            let t = Viewer::new(Role::Kiosk, None).ticket(s.ticket);
            let rated = g
                .hall
                .queue
                .evaluations
                .iter()
                .any(|e| e.ticket.as_deref() == Some(t.id.as_str()));
            let mut facts = vec![(lang.t("号码", "Ticket"), s.slip_number.clone())];
            if t.number != s.slip_number {
                facts.push((lang.t("转办后号码", "Transferred to"), t.number.clone()));
            }
            if let Some(w) = t.window {
                facts.push((lang.t("窗口", "Window"), w.to_string()));
            }
            if let Some(staff) = t.served_by {
                facts.push((lang.t("工号", "Staff no."), staff.to_string()));
            }
            let shown = if rated {
                Shown::Message("您已评价，感谢您的支持！", "Already rated — thank you!")
            } else if t.state == TicketState::Done {
                Shown::Form
            } else {
                Shown::Message(
                    "办理结束后再评价",
                    "Please rate once your service has finished",
                )
            };
            (shown, facts)
        }
    };
    drop(g);
    render(lang, &centre, &token, &shown, &facts)
}

fn render(
    lang: Lang,
    centre: &str,
    token: &str,
    shown: &Shown,
    facts: &[(&str, String)],
) -> Response {
    let (status, body) = match shown {
        Shown::Refused(code, zh, en) => (*code, format!("<p class=r-msg>{}</p>", lang.t(zh, en))),
        Shown::Message(zh, en) => (
            StatusCode::OK,
            format!("<p class=r-msg>{}</p>", lang.t(zh, en)),
        ),
        Shown::Form => (
            StatusCode::OK,
            format!(
                "<h2 class=r-ask>{}</h2><div id=r-form data-token=\"{}\"></div>",
                lang.t("请您对本次服务进行评价", "Please rate this service"),
                esc(token)
            ),
        ),
    };
    let facts: String = facts
        .iter()
        .map(|(k, v)| format!("<div><dt>{}</dt><dd>{}</dd></div>", esc(k), esc(v)))
        .collect();
    let (html_lang, other, other_label) = match lang {
        Lang::Zh => ("zh-CN", "?lang=en", "English"),
        Lang::En => ("en", "?lang=zh", "中文"),
    };
    let title = lang.t("服务评价", "Rate our service");
    let page = format!(
        "<!doctype html><html lang={html_lang}><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <link rel=icon href=\"data:,\"><title>{title}</title>\
         <link rel=stylesheet href=\"/static/rate.css\"></head><body class=rate>\
         <header class=r-top><div class=r-centre>{centre}</div>\
         <a class=r-lang href=\"{other}\" lang={}>{other_label}</a></header>\
         <main class=r-main><h1>{title}</h1><dl class=r-facts>{facts}</dl>{body}</main>\
         <script src=\"/static/rating_words.js\"></script><script src=\"/static/rate.js\"></script>\
         </body></html>",
        if lang == Lang::Zh { "en" } else { "zh-CN" },
        centre = esc(centre),
    );
    let mut res = (status, Html(page)).into_response();
    // The ticket and staff number are nobody else's business: not kept by any cache.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn answer(status: StatusCode, v: &Value) -> Response {
    let mut res = (status, axum::Json(v.clone())).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn refused(status: StatusCode, code: &str, message: &str) -> Response {
    answer(
        status,
        &json!({"ok": false, "code": code, "message": message}),
    )
}

/// `POST /rate/{token}` with `{"rating": 1-5, "reason": "…"}`.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // No cookies, so no CSRF as such; a foreign page still may not post here (as for /ws).
    if !super::http::origin_allowed(&headers) {
        return refused(
            StatusCode::FORBIDDEN,
            "forbidden",
            "外部网页不能提交评价 a page from another origin may not rate here",
        );
    }
    if !state.rate_posts.allow(peer.ip(), Instant::now()) {
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "提交过于频繁，请稍后再试 too many submissions; try again in a minute",
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return refused(StatusCode::BAD_REQUEST, "bad_request", "JSON body expected");
    };
    let mut cmd = json!({"kind": "evaluate", "link": token, "rating": v["rating"]});
    if let Some(r) = v.get("reason").filter(|r| !r.is_null()) {
        cmd["reason"] = r.clone();
    }
    let command = match Command::from_json(&cmd) {
        Ok(c) => c,
        Err(e) => return refused(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    };
    let actor = Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: DepartmentScope::ALL,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    state.service.submit(actor, command, None, move |o| {
        let _ = tx.send(o);
    });
    let Ok(outcome) = rx.await else {
        return refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the hall writer stopped",
        );
    };
    if outcome.ok {
        return answer(StatusCode::OK, &json!({"ok": true}));
    }
    let (code, message) = outcome
        .error
        .map(|e| (e.code, e.message))
        .unwrap_or_default();
    let status = match code.as_str() {
        "forbidden" => StatusCode::FORBIDDEN,
        "expired" => StatusCode::GONE,
        "conflict" => StatusCode::CONFLICT,
        "bad_request" => StatusCode::BAD_REQUEST,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    refused(status, &code, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_budget_is_per_address_and_renews_each_minute() {
        let l = PostLimiter::default();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t0 = Instant::now();
        for _ in 0..POSTS_PER_MINUTE {
            assert!(l.allow(a, t0));
        }
        assert!(!l.allow(a, t0));
        assert!(l.allow(b, t0));
        assert!(l.allow(a, t0 + Duration::from_secs(61)));
    }
}

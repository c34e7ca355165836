//! One delivery attempt: the JSON message, its signature and idempotency key, a POST with a
//! time limit over plain HTTP or TLS (hyper's client connection; no client pool needed for
//! one message at a time).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use queue_core::ids::mask_mobile;
use queue_core::store::pii::hmac_sha256;
use queue_core::store::Notice;
use serde_json::{json, Value};
use tokio::net::TcpStream;

/// Header carrying `sha256=<hex HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_HEADER: &str = "X-Hall-Signature";
/// Header naming the message; the same on every attempt, so a receiver dedupes retries.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Stable per message across attempts and restarts: the centre, the event that queued it,
/// the kind and the subject (what the outbox keeps unique). No personal data.
#[must_use]
pub fn idempotency_key(centre: &str, n: &Notice) -> String {
    format!("{centre}-{}-{}-{}", n.seq, n.kind, n.subject)
}

/// The JSON body posted for `n` to `mobile`.
#[must_use]
pub fn payload(centre: &str, n: &Notice, mobile: &str) -> Value {
    json!({
        "id": idempotency_key(centre, n),
        "centre": centre,
        "kind": n.kind,
        "reference": n.reference,
        "mobile": mobile,
        "mobile_masked": mask_mobile(mobile),
        "text": n.text,
        "created_at": n.created_at,
    })
}

/// `sha256=<hex>` over the exact body bytes.
#[must_use]
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret, &[body])))
}

/// Whether `header` is the right signature of `body`, compared in constant time.
#[must_use]
pub fn signature_ok(secret: &[u8], body: &[u8], header: &str) -> bool {
    let want = signature(secret, body);
    want.len() == header.len()
        && want
            .bytes()
            .zip(header.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// Worth retrying: no connection, time-out, 5xx, 408, 429.
    #[error("{0}")]
    Transient(String),
    /// The receiver refused the message itself (other 4xx): retrying will not help.
    #[error("{0}")]
    Refused(String),
}

/// A parsed `http(s)://host[:port]/path` webhook.
#[derive(Debug, Clone)]
pub struct Target {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Target {
    /// # Errors
    /// A URL that is not `http://` or `https://` with a host.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            anyhow::bail!("webhook {url:?}: http:// or https:// only");
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                (h.to_string(), p.parse::<u16>()?)
            }
            _ => (authority.to_string(), if tls { 443 } else { 80 }),
        };
        if host.is_empty() {
            anyhow::bail!("webhook {url:?}: no host");
        }
        Ok(Self {
            tls,
            host,
            port,
            path: path.to_string(),
        })
    }
}

/// POSTs `body` to `target` once, within `timeout` (connecting, TLS, request and response).
///
/// # Errors
/// [`AttemptError`], transient or refused.
pub async fn post(
    target: &Target,
    tls: Option<&Arc<rustls::ClientConfig>>,
    body: String,
    key: &str,
    sig: &str,
    timeout: Duration,
) -> Result<u16, AttemptError> {
    match tokio::time::timeout(timeout, post_inner(target, tls, body, key, sig)).await {
        Ok(r) => r,
        Err(_) => Err(AttemptError::Transient(format!(
            "timed out after {} s",
            timeout.as_secs_f32()
        ))),
    }
}

async fn post_inner(
    target: &Target,
    tls: Option<&Arc<rustls::ClientConfig>>,
    body: String,
    key: &str,
    sig: &str,
) -> Result<u16, AttemptError> {
    let transient = |what: &str, e: &dyn std::fmt::Display| {
        AttemptError::Transient(format!("{what} {}:{}: {e}", target.host, target.port))
    };
    let tcp = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e| transient("cannot connect to", &e))?;
    let host_header = if (target.tls && target.port == 443) || (!target.tls && target.port == 80) {
        target.host.clone()
    } else {
        format!("{}:{}", target.host, target.port)
    };
    let req = hyper::Request::post(target.path.as_str())
        .header(hyper::header::HOST, host_header)
        .header(
            hyper::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header(IDEMPOTENCY_HEADER, key)
        .header(SIGNATURE_HEADER, sig)
        .body(Body::from(body))
        .map_err(|e| AttemptError::Refused(format!("cannot build the request: {e}")))?;
    let status = if target.tls {
        let Some(cfg) = tls else {
            return Err(AttemptError::Refused("no TLS configuration".into()));
        };
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|e| AttemptError::Refused(format!("bad host name: {e}")))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::clone(cfg))
            .connect(name, tcp)
            .await
            .map_err(|e| transient("TLS with", &e))?;
        send(hyper_util::rt::TokioIo::new(stream), req).await?
    } else {
        send(hyper_util::rt::TokioIo::new(tcp), req).await?
    };
    match status {
        200..=299 => Ok(status),
        408 | 429 | 500..=599 => Err(AttemptError::Transient(format!("HTTP {status}"))),
        _ => Err(AttemptError::Refused(format!("HTTP {status} (refused)"))),
    }
}

async fn send<T>(io: T, req: hyper::Request<Body>) -> Result<u16, AttemptError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| AttemptError::Transient(format!("HTTP handshake: {e}")))?;
    let driver = tokio::spawn(conn);
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| AttemptError::Transient(format!("no response: {e}")))?;
    let status = resp.status().as_u16();
    // Read (a bounded part of) the body so the connection ends cleanly.
    let _ = axum::body::to_bytes(Body::new(resp.into_body()), 64 * 1024).await;
    driver.abort();
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_signatures() {
        let t = Target::parse("https://sms.example.gov.cn/hall?x=1").unwrap();
        assert_eq!((t.tls, t.port, t.path.as_str()), (true, 443, "/hall?x=1"));
        let t = Target::parse("http://127.0.0.1:8125").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 8125, "/")
        );
        assert!(Target::parse("ftp://x").is_err());
        let s = signature(b"k", b"{}");
        assert!(signature_ok(b"k", b"{}", &s));
        assert!(!signature_ok(b"k", b"{ }", &s));
        assert!(!signature_ok(b"other", b"{}", &s));
    }
}

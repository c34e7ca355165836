//! The hall's identity: the SHA-256 fingerprint of the centre's public key, published in
//! `/healthz`, which a counter checks against its local `centre.pub` before attaching to a
//! hall it found on a port (so a rogue process on that port is refused).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use queue_core::document::{load_verifying_key, VerifyingKey};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Hex SHA-256 of the raw public key.
#[must_use]
pub fn fingerprint(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Fingerprint of the public key in a `centre.pub` file.
///
/// # Errors
/// An unreadable or malformed key file.
pub fn fingerprint_of_file(path: &Path) -> anyhow::Result<String> {
    let key = load_verifying_key(path).with_context(|| format!("centre key {}", path.display()))?;
    Ok(fingerprint(&key))
}

/// Asks the plain-HTTP hall at `addr` for `/healthz` and returns its key fingerprint.
///
/// # Errors
/// Nothing answering like a hall within 3 s, or an answer without a fingerprint.
pub async fn hall_fingerprint(addr: SocketAddr) -> anyhow::Result<String> {
    let ask = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
        let mut buf = Vec::new();
        // A hall's health answer is small; a peer that streams forever is not a hall.
        s.take(64 * 1024).read_to_end(&mut buf).await?;
        std::io::Result::Ok(buf)
    };
    let buf = tokio::time::timeout(Duration::from_secs(3), ask)
        .await
        .context("no answer within 3 s")?
        .context("no HTTP answer")?;
    let text = String::from_utf8_lossy(&buf);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    let v: serde_json::Value =
        serde_json::from_str(body.trim()).context("the answer to /healthz is not a hall's")?;
    v.get("key_fingerprint")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .context("the answer to /healthz carries no key fingerprint")
}

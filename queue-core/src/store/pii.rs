//! Personal data kept out of the chained event bodies.
//!
//! When an event is appended, every personal field of its JSON body (`id_number`, `phone`
//! anywhere; `name` inside `applicant`/`agent`) is replaced by `pii:<ref>.<digest>` and the
//! value goes into the `pii` table under the random `ref`, with a random per-row nonce. The
//! digest is `HMAC-SHA256(hall secret, ref ‖ nonce ‖ value)`, so the chained body is bound to
//! the value (an edited `pii` row is detected), and once `purge` deletes the row (nonce
//! included) the digest left in the chain no longer links to anyone: the ID cannot be found by
//! trying candidate numbers. Events read back are re-hydrated, or show [`PURGED`].

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{sqlite, StoreError};

/// What a purged personal field reads as.
pub const PURGED: &str = "已清除 purged";

const PREFIX: &str = "pii:";

/// Keys whose string values are personal wherever they appear.
const PERSONAL: &[&str] = &["id_number", "phone", "mobile"];
/// Objects naming a person: their `name` is personal too (an item's or queue's is not).
const PERSON_OBJECTS: &[&str] = &["applicant", "agent"];

/// HMAC-SHA256 (RFC 2104); the block size of SHA-256 is 64 bytes.
#[must_use]
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The per-hall secret (32 random bytes in `meta`), created on first use.
pub(super) fn hall_secret(conn: &Connection, path: &str) -> Result<Vec<u8>, StoreError> {
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'pii_secret'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| sqlite(path, e))?;
    if let Some(h) = found.and_then(|h| hex::decode(h).ok()) {
        return Ok(h);
    }
    let mut s = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut s);
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('pii_secret', ?1)",
        params![hex::encode(&s)],
    )
    .map_err(|e| sqlite(path, e))?;
    Ok(s)
}

/// Keyed digest of an ID number for the `cases.id_digest` lookup column.
#[must_use]
pub fn id_digest(secret: &[u8], id_number: &str) -> String {
    let norm = id_number.trim().to_uppercase();
    hex::encode(hmac_sha256(secret, &[b"case-id\0", norm.as_bytes()]))
}

fn field_digest(secret: &[u8], reference: &str, nonce: &[u8], value: &str) -> String {
    let d = hmac_sha256(
        secret,
        &[reference.as_bytes(), b"\0", nonce, b"\0", value.as_bytes()],
    );
    hex::encode(&d[..16])
}

/// Replaces personal fields of `body` in place, storing each value through `store`.
pub(super) fn scrub(
    body: &mut Value,
    store: &mut dyn FnMut(&str) -> Result<String, StoreError>,
) -> Result<(), StoreError> {
    walk(body, false, store)
}

fn walk(
    v: &mut Value,
    person: bool,
    store: &mut dyn FnMut(&str) -> Result<String, StoreError>,
) -> Result<(), StoreError> {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                let personal = PERSONAL.contains(&k.as_str()) || (person && k == "name");
                match child {
                    Value::String(s) if personal && !s.is_empty() && !s.starts_with(PREFIX) => {
                        *s = store(s)?;
                    }
                    _ => walk(child, PERSON_OBJECTS.contains(&k.as_str()), store)?,
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                walk(i, false, store)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Stores one personal value and returns the reference that replaces it in the chain.
pub(super) fn put(
    tx: &Connection,
    path: &str,
    secret: &[u8],
    at: &str,
    value: &str,
) -> Result<String, StoreError> {
    let mut r = [0u8; 16];
    let mut nonce = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut r);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let reference = hex::encode(r);
    tx.prepare_cached("INSERT INTO pii (ref, at, nonce, value) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut st| st.execute(params![reference, at, nonce.as_slice(), value]))
        .map_err(|e| sqlite(path, e))?;
    let digest = field_digest(secret, &reference, &nonce, value);
    Ok(format!("{PREFIX}{reference}.{digest}"))
}

/// Puts the personal values back into a body read from the chain. A purged value reads as
/// [`PURGED`]; a value that does not match its digest is tampering.
pub(super) fn hydrate(
    conn: &Connection,
    path: &str,
    secret: &[u8],
    seq: u64,
    body: &str,
) -> Result<String, StoreError> {
    if !body.contains(PREFIX) {
        return Ok(body.to_string());
    }
    let mut v: Value = serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        seq,
        message: e.to_string(),
    })?;
    hydrate_value(conn, path, secret, seq, &mut v)?;
    Ok(v.to_string())
}

fn hydrate_value(
    conn: &Connection,
    path: &str,
    secret: &[u8],
    seq: u64,
    v: &mut Value,
) -> Result<(), StoreError> {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(PREFIX) {
                let (reference, digest) = rest.split_once('.').unwrap_or((rest, ""));
                let row: Option<(Vec<u8>, String)> = conn
                    .prepare_cached("SELECT nonce, value FROM pii WHERE ref = ?1")
                    .and_then(|mut st| {
                        st.query_row(params![reference], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .map_err(|e| sqlite(path, e))?;
                *s = match row {
                    None => PURGED.to_string(),
                    Some((nonce, value)) => {
                        if field_digest(secret, reference, &nonce, &value) != digest {
                            return Err(StoreError::Tampered {
                                seq,
                                problem: format!(
                                    "personal data row {reference} does not match its digest"
                                ),
                            });
                        }
                        value
                    }
                };
            }
        }
        Value::Object(map) => {
            for child in map.values_mut() {
                hydrate_value(conn, path, secret, seq, child)?;
            }
        }
        Value::Array(items) => {
            for i in items {
                hydrate_value(conn, path, secret, seq, i)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The value behind one `pii:` reference: `None` once purged; a row that does not match its
/// digest is tampering.
pub(super) fn read_reference(
    conn: &Connection,
    path: &str,
    secret: &[u8],
    reference: &str,
) -> Result<Option<String>, StoreError> {
    let mut v = Value::String(reference.to_string());
    hydrate_value(conn, path, secret, 0, &mut v)?;
    Ok(match v {
        Value::String(s) if s != PURGED && !s.starts_with(PREFIX) => Some(s),
        _ => None,
    })
}

/// What `purge` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeReport {
    /// Personal values erased.
    pub values: usize,
    /// Stored replies erased (older than the retry horizon).
    pub replies: usize,
    /// State checkpoints dropped (they hold personal data; start-up replays the log instead).
    pub checkpoints: usize,
    /// Events written before schema 4 that still hold personal data in their body (their
    /// hash covers it; see docs/security.md).
    pub legacy_events: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let d = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(d),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn scrub_takes_personal_fields_only() {
        let mut v = serde_json::json!({
            "kind": "case_opened",
            "case": {"item_name": "x", "applicant": {"kind": "person", "name": "张三",
              "id_number": "440524188001010014"}, "agent": null,
              "materials": [{"name": "身份证"}]},
            "ticket": {"id_number": "440524188001010014", "queue": "A"}
        });
        let mut seen = Vec::new();
        scrub(&mut v, &mut |s| {
            seen.push(s.to_string());
            Ok(format!("pii:{}", seen.len()))
        })
        .unwrap();
        seen.sort();
        assert_eq!(seen, ["440524188001010014", "440524188001010014", "张三"]);
        assert_eq!(v["case"]["materials"][0]["name"], "身份证");
        assert_eq!(v["case"]["item_name"], "x");
        assert!(!v.to_string().contains("4405241880"));
    }
}

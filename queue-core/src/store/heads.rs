//! Signed chain heads: the hall signs `(seq, hash)` of the log with the centre key at start,
//! at least daily and on every clean stop. Deleting the last events, or rewriting the log with
//! recomputed hashes, no longer matches the last signed head, and forging a head needs the
//! centre's private key.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{sqlite, StoreError};

/// One signed checkpoint of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedHead {
    pub seq: u64,
    #[serde(serialize_with = "as_hex")]
    pub hash: Vec<u8>,
    pub signed_at: String,
    pub key_id: String,
    #[serde(skip)]
    pub public_key: String,
    #[serde(skip)]
    pub signature: Vec<u8>,
}

fn as_hex<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v))
}

/// Short id of a verification key: the first 8 bytes of SHA-256 of its bytes, in hex.
#[must_use]
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

fn message(seq: u64, hash: &[u8], signed_at: &str) -> Vec<u8> {
    format!("HEAD1\n{seq}\n{}\n{signed_at}", hex::encode(hash)).into_bytes()
}

/// Signs and stores the head `(seq, hash)`.
pub(super) fn sign(
    conn: &Connection,
    path: &str,
    seq: u64,
    hash: &[u8],
    signed_at: &str,
    key: &SigningKey,
) -> Result<SignedHead, StoreError> {
    let vk = key.verifying_key();
    let signature = key.sign(&message(seq, hash, signed_at)).to_bytes().to_vec();
    let head = SignedHead {
        seq,
        hash: hash.to_vec(),
        signed_at: signed_at.to_string(),
        key_id: key_id(&vk),
        public_key: hex::encode(vk.as_bytes()),
        signature,
    };
    conn.execute(
        "INSERT INTO heads (seq, hash, signed_at, key_id, public_key, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            i64::try_from(seq).unwrap_or(i64::MAX),
            head.hash,
            head.signed_at,
            head.key_id,
            head.public_key,
            head.signature
        ],
    )
    .map_err(|e| sqlite(path, e))?;
    Ok(head)
}

/// Every signed head, oldest first.
pub(super) fn all(conn: &Connection, path: &str) -> Result<Vec<SignedHead>, StoreError> {
    let mut st = conn
        .prepare(
            "SELECT seq, hash, signed_at, key_id, public_key, signature FROM heads ORDER BY id",
        )
        .map_err(|e| sqlite(path, e))?;
    let rows = st
        .query_map([], |r| {
            Ok(SignedHead {
                seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                hash: r.get(1)?,
                signed_at: r.get(2)?,
                key_id: r.get(3)?,
                public_key: r.get(4)?,
                signature: r.get(5)?,
            })
        })
        .map_err(|e| sqlite(path, e))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| sqlite(path, e))
}

/// Problems of the signed heads against the log as it is now: each is `(seq, problem)`.
/// `trusted` are the centre's verification keys (current and retired).
pub(super) fn check(
    conn: &Connection,
    path: &str,
    trusted: &[VerifyingKey],
) -> Result<Vec<(u64, String)>, StoreError> {
    let mut problems = Vec::new();
    let last_seq: i64 = conn
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
        .map_err(|e| sqlite(path, e))?;
    let last_seq = u64::try_from(last_seq).unwrap_or(0);
    for h in all(conn, path)? {
        let key = trusted.iter().find(|k| key_id(k) == h.key_id);
        let genuine = key.is_some_and(|k| {
            Signature::from_slice(&h.signature)
                .is_ok_and(|s| k.verify(&message(h.seq, &h.hash, &h.signed_at), &s).is_ok())
        });
        if !genuine {
            problems.push((
                h.seq,
                format!(
                    "signed head of {} is not signed by a centre key (key {})",
                    h.signed_at, h.key_id
                ),
            ));
            continue;
        }
        if h.seq > last_seq {
            problems.push((
                last_seq + 1,
                format!(
                    "the log ends at seq {last_seq} but the head signed {} covers seq {}: events were removed",
                    h.signed_at, h.seq
                ),
            ));
            continue;
        }
        if h.seq == 0 {
            continue;
        }
        let hash: Option<Vec<u8>> = conn
            .query_row(
                "SELECT hash FROM events WHERE seq = ?1",
                params![i64::try_from(h.seq).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| sqlite(path, e))?;
        if hash.as_deref() != Some(h.hash.as_slice()) {
            problems.push((
                h.seq,
                format!(
                    "the log was rewritten: seq {} differs from the head signed {}",
                    h.seq, h.signed_at
                ),
            ));
        }
    }
    Ok(problems)
}

impl super::Store {
    /// Signs the current head of the log with the centre key and stores the checkpoint.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn sign_head(&self, signed_at: &str, key: &SigningKey) -> Result<SignedHead, StoreError> {
        let (seq, hash) = self.head()?;
        sign(&self.conn, &self.path, seq, &hash, signed_at, key)
    }

    /// Every signed head, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn signed_heads(&self) -> Result<Vec<SignedHead>, StoreError> {
        all(&self.conn, &self.path)
    }

    /// Checks the log against its signed heads: truncated below, or rewritten at, a signed
    /// head, or a head not signed by a centre key.
    ///
    /// # Errors
    /// [`StoreError::Tampered`] naming the first problem; SQLite errors.
    pub fn check_heads(&self, trusted: &[VerifyingKey]) -> Result<(), StoreError> {
        match check(&self.conn, &self.path, trusted)?.into_iter().next() {
            Some((seq, problem)) => Err(StoreError::Tampered { seq, problem }),
            None => Ok(()),
        }
    }
}

//! State checkpoints: the hall's derived state at a log position, so that start-up loads the
//! latest one and replays only the events after it instead of the whole history.
//!
//! A checkpoint names the `seq` and chain hash it covers and a digest of the configuration it
//! was built with, and is signed with the centre key. It is used only when the signature holds,
//! the log still has that hash at that `seq`, and the configuration is unchanged; otherwise
//! start-up falls back to the previous checkpoint, then to a full replay.

use chrono::{DateTime, FixedOffset};
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::hall::Hall;
use crate::intake::Cases;
use crate::queue::QueueState;
use crate::redress::Redress;
use crate::store::StoredCheckpoint;
use crate::supervision::Supervision;

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("检查点签名无效 checkpoint at seq {0}: signature does not verify")]
    BadSignature(u64),
    #[error("检查点与配置不符 checkpoint at seq {0} was made with another configuration")]
    ConfigChanged(u64),
    #[error("检查点与日志不符 checkpoint at seq {0} does not match the event log")]
    NotInLog(u64),
    #[error("检查点无法读取 checkpoint at seq {seq}: {message}")]
    Unreadable { seq: u64, message: String },
}

#[derive(Serialize)]
struct StateRef<'a> {
    queue: &'a QueueState,
    cases: &'a Cases,
    supervision: &'a Supervision,
    redress: &'a Redress,
}

#[derive(Deserialize)]
struct State {
    queue: QueueState,
    cases: Cases,
    supervision: Supervision,
    // Absent in checkpoints written before follow-ups existed.
    #[serde(default)]
    redress: Redress,
}

/// What the signature covers: position, configuration and a digest of the state bytes.
fn signed_bytes(seq: u64, hash: &[u8], at: &str, config: &[u8], state: &[u8]) -> Vec<u8> {
    let mut m = b"gov-hall checkpoint v1\0".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(at.as_bytes());
    m.push(0);
    m.extend_from_slice(config);
    m.extend_from_slice(&Sha256::digest(state));
    m
}

/// Digest of the configuration the state was built from (queues, windows, catalogue).
#[must_use]
pub fn config_digest(hall: &Hall) -> Vec<u8> {
    let bytes = serde_json::to_vec(&hall.config).unwrap_or_default();
    Sha256::digest(bytes).to_vec()
}

/// A signed checkpoint of `hall`, which has applied every event up to `seq` (hash `hash`).
///
/// # Errors
/// When the state cannot be serialised.
pub fn make(
    hall: &Hall,
    seq: u64,
    hash: &[u8],
    at: DateTime<FixedOffset>,
) -> Result<StoredCheckpoint, CheckpointError> {
    let state = rmp_serde::to_vec_named(&StateRef {
        queue: &hall.queue,
        cases: &hall.cases,
        supervision: &hall.supervision,
        redress: &hall.redress,
    })
    .map_err(|e| CheckpointError::Unreadable {
        seq,
        message: e.to_string(),
    })?;
    let at = at.to_rfc3339();
    let config = config_digest(hall);
    let signature = hall
        .signer()
        .sign(&signed_bytes(seq, hash, &at, &config, &state))
        .to_bytes()
        .to_vec();
    Ok(StoredCheckpoint {
        seq,
        hash: hash.to_vec(),
        at,
        config_digest: config,
        state,
        signature,
    })
}

/// Loads checkpoint `c` into `hall` (whose configuration must be the one it was made with).
/// `log_hash` is the hash the event log holds at `c.seq`. On error `hall` is unchanged.
///
/// # Errors
/// A bad signature, another configuration, a log that does not hold the checkpoint's
/// position, or unreadable state.
pub fn restore(
    hall: &mut Hall,
    c: &StoredCheckpoint,
    log_hash: Option<&[u8]>,
) -> Result<DateTime<FixedOffset>, CheckpointError> {
    let sig =
        Signature::from_slice(&c.signature).map_err(|_| CheckpointError::BadSignature(c.seq))?;
    hall.verifying_key()
        .verify(
            &signed_bytes(c.seq, &c.hash, &c.at, &c.config_digest, &c.state),
            &sig,
        )
        .map_err(|_| CheckpointError::BadSignature(c.seq))?;
    if log_hash != Some(c.hash.as_slice()) {
        return Err(CheckpointError::NotInLog(c.seq));
    }
    if c.config_digest != config_digest(hall) {
        return Err(CheckpointError::ConfigChanged(c.seq));
    }
    let unreadable = |message: String| CheckpointError::Unreadable {
        seq: c.seq,
        message,
    };
    let at = DateTime::parse_from_rfc3339(&c.at).map_err(|e| unreadable(e.to_string()))?;
    let s: State = rmp_serde::from_slice(&c.state).map_err(|e| unreadable(e.to_string()))?;
    hall.queue = s.queue;
    hall.cases = s.cases;
    hall.supervision = s.supervision;
    hall.redress = s.redress;
    Ok(at)
}

/// Where start-up replays from: after `seq`, whose chain hash is `hash`; `at` is the
/// checkpoint's time (`None` with seq 0: no usable checkpoint, full replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPoint {
    pub seq: u64,
    pub hash: Vec<u8>,
    pub at: Option<DateTime<FixedOffset>>,
}

/// Loads the newest usable checkpoint into `hall`; returns the position to replay from.
///
/// # Errors
/// SQLite errors only: an unusable checkpoint is logged and skipped.
pub fn restore_latest(
    store: &crate::store::Store,
    hall: &mut Hall,
) -> Result<StartPoint, crate::store::StoreError> {
    for c in store.checkpoints()? {
        let log_hash = store.event_hash(c.seq)?;
        match restore(hall, &c, log_hash.as_deref()) {
            Ok(at) => {
                tracing::info!(seq = c.seq, "state loaded from checkpoint");
                return Ok(StartPoint {
                    seq: c.seq,
                    hash: c.hash,
                    at: Some(at),
                });
            }
            Err(e) => tracing::warn!(error = %e, "checkpoint skipped"),
        }
    }
    Ok(StartPoint {
        seq: 0,
        hash: vec![0u8; 32],
        at: None,
    })
}

/// Events between periodic checkpoints: start-up then replays at most this many.
pub const EVERY_EVENTS: u64 = 20_000;

/// Writes a checkpoint of `hall` at `seq`; a failure is logged, never fatal (the log is the
/// record; a checkpoint only saves start-up time).
pub fn save(
    store: &mut crate::store::Store,
    hall: &Hall,
    seq: u64,
    hash: &[u8],
    at: DateTime<FixedOffset>,
) -> bool {
    if seq == 0 {
        return false;
    }
    let r = make(hall, seq, hash, at)
        .map_err(|e| e.to_string())
        .and_then(|c| store.save_checkpoint(&c).map_err(|e| e.to_string()));
    match r {
        Ok(()) => {
            tracing::info!(seq, "state checkpoint written");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, seq, "state checkpoint not written");
            false
        }
    }
}

//! Documents (受理通知书, 补正材料通知书, 不予受理决定书, 办结通知书, 收件回执, 不予许可决定书,
//! 延期告知书, 特别程序告知书, 告知承诺书) and their verification strings.
//!
//! GD 19(4) and Art 21 require every acceptance or non-acceptance receipt to bear the seal and the
//! date. On paper the seal can be forged, so each document also carries a *verification string*
//! that goes into its QR code and that `dashboard verify-receipt` checks offline against the
//! centre's public key.
//!
//! # Verification string format (version 1)
//!
//! ```text
//! DV1.<payload>.<signature>
//! ```
//! - `payload`: base64url without padding of the UTF-8 JSON array
//!   `[kind, serial, centre, issued_on, item, id_masked, due_on, digest]` where `kind` is one
//!   letter (`A` acceptance, `N` correction notice, `R` rejection, `C` completion, `P`
//!   application receipt, `F` refusal, `E` extension notice, `S` special procedure notice, `K`
//!   commitment), dates are
//!   `YYYYMMDD` (`due_on` is `""` when the document names no deadline), `id_masked` is the
//!   applicant's masked ID (never the full number: the string is printed), and `digest` is
//!   base64url of the first 16 bytes of SHA-256 over the document body's JSON.
//! - `signature`: base64url without padding of the Ed25519 signature over the ASCII bytes
//!   `DV1.<payload>` (prefix included, so a string cannot be replayed under another version).
//!
//! A typical string is about 240 ASCII characters, small enough for a QR code on a receipt.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, NaiveDate};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer};
/// Re-exported so crates without a direct ed25519 dependency can hold keys.
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::intake::{ApplicantKind, Authorisation, Deficiency, IdentityCheck, MaterialStatus};

/// Version prefix of verification strings.
pub const PREFIX: &str = "DV1.";

mod kind;

pub use kind::DocumentKind;

/// A receipt or notice as issued: stored in the case and carried by the event that issued it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub kind: DocumentKind,
    /// The case serial (申请流水号) the document belongs to.
    pub serial: String,
    pub issued_at: DateTime<FixedOffset>,
    pub issued_on: NaiveDate,
    /// Issuing body named on the seal.
    pub seal: String,
    /// Centre name.
    pub centre: String,
    pub title: String,
    pub body: DocumentBody,
    /// `DV1.…` string printed as a QR code; see the module docs.
    pub verification: String,
}

impl Document {
    /// True when the verified fields were signed for exactly this document (same body digest,
    /// serial, kind, date): lets a checker holding the full document confirm nothing was edited.
    #[must_use]
    pub fn matches(&self, f: &VerifiedFields) -> bool {
        f.kind == self.kind
            && f.serial == self.serial
            && f.issued_on == self.issued_on
            && f.digest == body_digest(&self.body)
    }
}

/// The structured content of a document; what the printed page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentBody {
    pub applicant: PartyRef,
    pub agent: Option<AgentRef>,
    pub item: ItemRef,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// Acceptance by operation of law (GD 19(3)): no notice within five working days.
    pub deemed: bool,
    pub materials: Vec<MaterialEntry>,
    /// For a correction notice: everything to supplement, once (一次性告知).
    pub deficiencies: Vec<Deficiency>,
    /// Committed completion date, counted in working days from acceptance.
    pub due_on: Option<NaiveDate>,
    /// The date rests on a year the calendar file does not cover yet.
    pub due_provisional: bool,
    /// Reasons for a rejection, refusal, extension or special procedure.
    pub reasons: Vec<String>,
    /// Complaint, reconsideration and litigation routes (GD Art 21); rejections and refusals.
    pub appeal: Option<AppealRoutes>,
    /// The operative sentence of the document, in Chinese.
    pub statement: String,
    /// Where to query progress (PY Art 13, GD Art 22).
    pub query_hint: String,
    pub window: Option<u32>,
    // Fields added for issue #11 are skipped when empty, so documents issued before them keep
    // their digest (the body is re-serialised to check it).
    /// A receipt's deadline for the one-time notice; after it the case is deemed accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_due_on: Option<NaiveDate>,
    /// The identity document named by `applicant.id_masked` (e.g. 护照).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id_kind: String,
    /// How the result reaches the applicant, and where (GD Art 22; PY Art 11).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delivery: String,
    /// The 一件事 bundle's items, each with its department.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundle_items: Vec<ItemRef>,
    /// Finished at the counter on the day of receipt (当场办结).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_the_spot: bool,
    /// Non-acceptance ground (reason code) or the special procedure, as a snake_case code.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyRef {
    pub kind: ApplicantKind,
    pub name: String,
    /// Masked: documents leave the counter.
    pub id_masked: String,
    /// Absent on documents issued before card readers (keeps their digests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_checked: Option<IdentityCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRef {
    pub name: String,
    pub id_masked: String,
    pub authorisation: Authorisation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_checked: Option<IdentityCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRef {
    pub code: String,
    pub name: String,
    pub department: String,
    pub legal_basis: String,
    pub legal_days: u32,
    pub committed_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterialEntry {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub status: MaterialStatus,
    pub note: Option<String>,
    /// For a tolerated (容缺) material: the date it is owed by.
    pub owed_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppealRoutes {
    pub complaint_to: String,
    pub reconsideration_body: String,
    /// 行政复议: within 60 days of receiving the decision.
    pub reconsideration_days: u32,
    pub litigation_court: String,
    /// 行政诉讼: within 6 months of receiving the decision.
    pub litigation_months: u32,
    pub text: String,
}

/// base64url of the first 16 bytes of SHA-256 over the body's JSON.
#[must_use]
pub fn body_digest(body: &DocumentBody) -> String {
    // Serialising plain structs with string keys cannot fail; an empty input would only make
    // the digest not match, never verify something false.
    let json = serde_json::to_vec(body).unwrap_or_default();
    let hash = Sha256::digest(&json);
    URL_SAFE_NO_PAD.encode(&hash[..16])
}

/// The key fields of a document that the verification string carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedFields {
    pub kind: DocumentKind,
    pub serial: String,
    /// Centre code.
    pub centre: String,
    pub issued_on: NaiveDate,
    /// Item code.
    pub item: String,
    pub id_masked: String,
    pub due_on: Option<NaiveDate>,
    /// See [`body_digest`].
    pub digest: String,
}

impl std::fmt::Display for VerifiedFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "文书 kind:        {} ({})",
            self.kind.title_zh(),
            self.kind.as_str()
        )?;
        writeln!(f, "流水号 serial:    {}", self.serial)?;
        writeln!(f, "中心 centre:      {}", self.centre)?;
        writeln!(f, "日期 issued on:   {}", self.issued_on)?;
        writeln!(f, "事项 item:        {}", self.item)?;
        writeln!(f, "证件 ID (masked): {}", self.id_masked)?;
        if let Some(d) = self.due_on {
            writeln!(f, "办结时限 due on:  {d}")?;
        }
        write!(f, "摘要 digest:      {}", self.digest)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("验证码格式错误 / malformed verification string: {0}")]
    Malformed(String),
    #[error(
        "签名无效：内容被篡改或非本中心签发 / bad signature: altered, or signed by another key"
    )]
    BadSignature,
}

const DATE: &str = "%Y%m%d";

/// Signs the fields into a `DV1.` string (see the module docs).
#[must_use]
pub fn sign_fields(fields: &VerifiedFields, key: &SigningKey) -> String {
    let due = fields
        .due_on
        .map(|d| d.format(DATE).to_string())
        .unwrap_or_default();
    let arr = [
        fields.kind.letter().to_owned(),
        fields.serial.clone(),
        fields.centre.clone(),
        fields.issued_on.format(DATE).to_string(),
        fields.item.clone(),
        fields.id_masked.clone(),
        due,
        fields.digest.clone(),
    ];
    // An array of strings always serialises.
    let json = serde_json::to_vec(&arr).unwrap_or_default();
    let signed = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
    let sig = key.sign(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// Checks a `DV1.` string against the centre's public key and decodes its fields.
///
/// # Errors
/// [`VerifyError::Malformed`] when it is not a DV1 string; [`VerifyError::BadSignature`] when
/// any character was altered or another key signed it.
pub fn verify(s: &str, key: &VerifyingKey) -> Result<VerifiedFields, VerifyError> {
    let s = s.trim();
    let rest = s
        .strip_prefix(PREFIX)
        .ok_or_else(|| VerifyError::Malformed(format!("does not start with {PREFIX}")))?;
    let (payload_b64, sig_b64) = rest
        .split_once('.')
        .ok_or_else(|| VerifyError::Malformed("no signature part".into()))?;
    let sig_bytes: [u8; 64] = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| VerifyError::Malformed("signature is not 64 bytes of base64url".into()))?;
    let signed = &s[..PREFIX.len() + payload_b64.len()];
    key.verify_strict(signed.as_bytes(), &Signature::from_bytes(&sig_bytes))
        .map_err(|_| VerifyError::BadSignature)?;
    // Only a genuine signature reaches here, so these errors mean our own encoder was broken.
    let json = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|e| VerifyError::Malformed(format!("payload: {e}")))?;
    let arr: Vec<String> = serde_json::from_slice(&json)
        .map_err(|e| VerifyError::Malformed(format!("payload: {e}")))?;
    let [kind, serial, centre, issued_on, item, id_masked, due_on, digest]: [String; 8] = arr
        .try_into()
        .map_err(|_| VerifyError::Malformed("payload must have 8 fields".into()))?;
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, DATE)
            .map_err(|_| VerifyError::Malformed(format!("bad date {s:?}")))
    };
    Ok(VerifiedFields {
        kind: DocumentKind::from_letter(&kind)
            .ok_or_else(|| VerifyError::Malformed(format!("unknown kind {kind:?}")))?,
        serial,
        centre,
        issued_on: date(&issued_on)?,
        item,
        id_masked,
        due_on: if due_on.is_empty() {
            None
        } else {
            Some(date(&due_on)?)
        },
        digest,
    })
}

// ------------------------------------------------------------------------------------------ keys

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not an Ed25519 key (expected PKCS#8 PEM or 64 hex digits): {message}", path.display())]
    Format { path: PathBuf, message: String },
    #[error("{}: private key file is readable by others (mode {mode:o}); run chmod 600", path.display())]
    TooOpen { path: PathBuf, mode: u32 },
}

/// Checks a `DV1.` string against several centre keys (the current one and those retired by
/// rotation): the string needs no key id, so strings issued before a rotation still verify.
///
/// # Errors
/// The error against the first key when no key verifies it.
pub fn verify_any(s: &str, keys: &[VerifyingKey]) -> Result<VerifiedFields, VerifyError> {
    let mut first = None;
    for k in keys {
        match verify(s, k) {
            Ok(f) => return Ok(f),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or(VerifyError::BadSignature))
}

/// A fresh random centre key. There is deliberately no fixed development key.
#[must_use]
pub fn generate_signing_key() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

fn format_err(path: &Path, message: &dyn std::fmt::Display) -> KeyError {
    KeyError::Format {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// Writes the private key as PKCS#8 PEM, mode 0600, replacing `path` atomically.
///
/// # Errors
/// I/O errors, naming the path.
pub fn save_signing_key(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format_err(path, &e))?;
    write_atomically(path, pem.as_bytes(), 0o600)
}

/// Writes the public key as SPKI PEM (mode 0644).
///
/// # Errors
/// I/O errors, naming the path.
pub fn save_verifying_key(path: &Path, key: &VerifyingKey) -> Result<(), KeyError> {
    let pem = key
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format_err(path, &e))?;
    write_atomically(path, pem.as_bytes(), 0o644)
}

/// Temp file created with its final mode (never briefly world-readable), then renamed.
fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_err(path))
}

/// Loads a private key (PKCS#8 PEM or 64 hex digits); refuses a file others can read.
///
/// # Errors
/// Unreadable, too open, or not an Ed25519 key.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let meta = fs::metadata(path).map_err(io_err(path))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return SigningKey::from_pkcs8_pem(text).map_err(|e| format_err(path, &e));
    }
    let bytes: [u8; 32] = hex::decode(text)
        .map_err(|e| format_err(path, &e))?
        .try_into()
        .map_err(|_| format_err(path, &"hex key must be 32 bytes"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Loads a public key (SPKI PEM or 64 hex digits).
///
/// # Errors
/// Unreadable or not an Ed25519 public key.
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, KeyError> {
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text).map_err(|e| format_err(path, &e));
    }
    let bytes: [u8; 32] = hex::decode(text)
        .map_err(|e| format_err(path, &e))?
        .try_into()
        .map_err(|_| format_err(path, &"hex key must be 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format_err(path, &e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(b: u8) -> SigningKey {
        SigningKey::from_bytes(&[b; 32])
    }

    fn fields() -> VerifiedFields {
        VerifiedFields {
            kind: DocumentKind::Acceptance,
            serial: "440114-20260930-00001".into(),
            centre: "440114".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
            item: "BDC002".into(),
            id_masked: "4405**********0014".into(),
            due_on: NaiveDate::from_ymd_opt(2026, 10, 13),
            digest: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        }
    }

    #[test]
    fn round_trip_and_compact() {
        let s = sign_fields(&fields(), &key(1));
        assert!(s.starts_with("DV1."), "{s}");
        assert!(s.len() <= 300, "{} chars: {s}", s.len());
        assert!(s.is_ascii());
        assert_eq!(verify(&s, &key(1).verifying_key()), Ok(fields()));
        let mut f = fields();
        f.due_on = None;
        f.kind = DocumentKind::Rejection;
        let s = sign_fields(&f, &key(1));
        assert_eq!(verify(&s, &key(1).verifying_key()), Ok(f));
    }

    #[test]
    fn every_altered_character_is_caught() {
        let s = sign_fields(&fields(), &key(1));
        let vk = key(1).verifying_key();
        for i in PREFIX.len()..s.len() {
            let mut b = s.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(b).unwrap();
            if t == s {
                continue;
            }
            assert!(verify(&t, &vk).is_err(), "altered at {i} still verifies");
        }
    }

    #[test]
    fn other_key_and_garbage_are_refused() {
        let s = sign_fields(&fields(), &key(1));
        assert_eq!(
            verify(&s, &key(2).verifying_key()),
            Err(VerifyError::BadSignature)
        );
        let vk = key(1).verifying_key();
        for bad in ["", "DV1.", "DV2.abc.def", "DV1.abc", "hello", "DV1.abc.!!"] {
            assert!(
                matches!(verify(bad, &vk), Err(VerifyError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn key_files_round_trip_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let k = generate_signing_key();
        let p = dir.path().join("centre.key");
        save_signing_key(&p, &k).unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load_signing_key(&p).unwrap().to_bytes(), k.to_bytes());
        let q = dir.path().join("centre.pub");
        save_verifying_key(&q, &k.verifying_key()).unwrap();
        assert_eq!(load_verifying_key(&q).unwrap(), k.verifying_key());
        // Hex form is accepted too.
        let h = dir.path().join("hex.pub");
        fs::write(&h, hex::encode(k.verifying_key().to_bytes())).unwrap();
        assert_eq!(load_verifying_key(&h).unwrap(), k.verifying_key());
        // A world-readable private key is refused.
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load_signing_key(&p),
            Err(KeyError::TooOpen { .. })
        ));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            generate_signing_key().to_bytes(),
            generate_signing_key().to_bytes()
        );
    }
}

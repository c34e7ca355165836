//! `dashboard keys init|rotate` and `dashboard verify-receipt`: the centre's Ed25519 key pair
//! that signs every receipt's verification string and the log's chain heads, the public keys
//! of rotated-out pairs (`retired/<key id>.pub`, kept so old receipts still verify), and the
//! offline check of a verification string.

use std::fs::DirBuilder;
use std::io::Read as _;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use queue_core::document::{
    generate_signing_key, load_signing_key, load_verifying_key, save_signing_key,
    save_verifying_key, verify_any, VerifiedFields, VerifyError, VerifyingKey,
};
use queue_core::store::key_id;

/// Private key file name inside the key directory (mode 0600).
pub const KEY_FILE: &str = "centre.key";
/// Public key file name: give it to anyone who needs to check receipts offline.
pub const PUB_FILE: &str = "centre.pub";
/// Directory (beside the key) holding the public keys of rotated-out key pairs.
pub const RETIRED_DIR: &str = "retired";

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub cmd: KeysCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeysCmd {
    /// Create the centre's signing key pair: centre.key (0600) and centre.pub.
    Init {
        /// Key directory [default: the hall data directory, e.g. ~/.local/share/gov-hall].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Replace an existing key pair (receipts already issued will no longer verify
        /// against the new public key).
        #[arg(long)]
        force: bool,
    },
    /// Replace the key pair by a new one; the old public key is kept in retired/ so receipts
    /// and signed log heads made with it still verify (the old private key is destroyed).
    Rotate {
        /// Key directory [default: the hall data directory]. Stop the hall first; it loads
        /// the keys at start.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct VerifyReceiptArgs {
    /// The verification string (`DV1.…`) from the receipt's QR code; `-` reads standard input.
    pub string: String,
    /// The centre's public key [default: centre.pub in the hall data directory].
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Print the decoded fields as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The hall data directory, where keys live unless `--dir` says otherwise.
///
/// # Errors
/// When the platform has no data directory.
pub fn default_dir() -> anyhow::Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("gov-hall"))
        .context("no data directory on this system; pass --dir")
}

/// Writes a fresh key pair into `dir`; refuses to overwrite one unless `force`.
///
/// # Errors
/// Existing keys without `force`, or I/O errors.
pub fn keys_init(dir: &Path, force: bool) -> anyhow::Result<(PathBuf, PathBuf)> {
    // The directory holds a private key: owner-only when we create it.
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let key_path = dir.join(KEY_FILE);
    let pub_path = dir.join(PUB_FILE);
    if !force {
        for p in [&key_path, &pub_path] {
            if p.exists() {
                bail!(
                    "{} already exists; pass --force to replace the key pair \
                     (receipts signed with the old key will no longer verify)",
                    p.display()
                );
            }
        }
    }
    let key = generate_signing_key();
    save_signing_key(&key_path, &key)?;
    save_verifying_key(&pub_path, &key.verifying_key())?;
    Ok((key_path, pub_path))
}

/// Rotates the key pair in `dir`: the current public key goes to `retired/<key id>.pub`, a new
/// pair replaces the current one. Returns the old and new key ids.
///
/// # Errors
/// No current key, or I/O errors.
pub fn keys_rotate(dir: &Path) -> anyhow::Result<(String, String)> {
    let key_path = dir.join(KEY_FILE);
    let old = load_signing_key(&key_path)
        .with_context(|| format!("no key to rotate in {}", dir.display()))?;
    let old_id = key_id(&old.verifying_key());
    let retired = dir.join(RETIRED_DIR);
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&retired)
        .with_context(|| format!("creating {}", retired.display()))?;
    // The old public key is on disk before the old private key is replaced.
    save_verifying_key(&retired.join(format!("{old_id}.pub")), &old.verifying_key())?;
    let key = generate_signing_key();
    save_signing_key(&key_path, &key)?;
    save_verifying_key(&dir.join(PUB_FILE), &key.verifying_key())?;
    Ok((old_id, key_id(&key.verifying_key())))
}

/// Public keys of rotated-out pairs kept in `dir/retired/`.
///
/// # Errors
/// An unreadable key file there.
pub fn retired_keys(dir: &Path) -> anyhow::Result<Vec<VerifyingKey>> {
    let retired = dir.join(RETIRED_DIR);
    let Ok(entries) = std::fs::read_dir(&retired) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pub"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| load_verifying_key(p).with_context(|| format!("retired key {}", p.display())))
        .collect()
}

/// The public key in `pubkey_path` followed by the retired keys beside it.
///
/// # Errors
/// An unreadable key file.
pub fn trusted_keys(pubkey_path: &Path) -> anyhow::Result<Vec<VerifyingKey>> {
    let mut keys = vec![load_verifying_key(pubkey_path)?];
    let dir = pubkey_path.parent().unwrap_or(Path::new("."));
    keys.extend(retired_keys(dir)?);
    Ok(keys)
}

/// Checks a verification string. The outer error is an operational problem (unreadable key);
/// the inner one means the string is not genuine.
///
/// # Errors
/// The public key cannot be loaded.
pub fn verify_receipt(
    s: &str,
    pubkey_path: &Path,
) -> anyhow::Result<Result<VerifiedFields, VerifyError>> {
    let keys = trusted_keys(pubkey_path)?;
    Ok(verify_any(strip_symbology(s), &keys))
}

/// Scanners in serial mode may prefix an AIM symbology identifier (`]Q1` for QR).
fn strip_symbology(s: &str) -> &str {
    let s = s.trim();
    match s.get(..3) {
        Some(p) if p.starts_with(']') && s.len() > 3 => &s[3..],
        _ => s,
    }
}

/// `dashboard keys …`
///
/// # Errors
/// See [`keys_init`].
pub fn keys(a: &KeysArgs) -> anyhow::Result<ExitCode> {
    match &a.cmd {
        KeysCmd::Init { dir, force } => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => default_dir()?,
            };
            let (k, p) = keys_init(&dir, *force)?;
            println!("私钥 private key (keep secret, mode 0600): {}", k.display());
            println!("公钥 public key (for verify-receipt):      {}", p.display());
            Ok(ExitCode::SUCCESS)
        }
        KeysCmd::Rotate { dir } => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => default_dir()?,
            };
            let (old, new) = keys_rotate(&dir)?;
            println!("新密钥 new key {new} in {}", dir.join(KEY_FILE).display());
            println!(
                "旧公钥 old public key {old} kept in {} (old receipts still verify)",
                dir.join(RETIRED_DIR).display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `dashboard verify-receipt`: exit 0 and print the fields when genuine, exit 1 when altered
/// or signed by another key.
///
/// # Errors
/// The key cannot be loaded or standard input cannot be read.
pub fn verify_receipt_cmd(a: &VerifyReceiptArgs) -> anyhow::Result<ExitCode> {
    let input = if a.string == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        a.string.clone()
    };
    let key = match &a.key {
        Some(k) => k.clone(),
        None => default_dir()?.join(PUB_FILE),
    };
    match verify_receipt(&input, &key)? {
        Ok(fields) => {
            if a.json {
                println!("{}", serde_json::to_string_pretty(&fields)?);
            } else {
                println!("真实有效 GENUINE: signed by the key in {}", key.display());
                println!("{fields}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("无效 NOT GENUINE: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use chrono::NaiveDate;
    use queue_core::document::{load_signing_key, sign_fields, DocumentKind};

    use super::*;

    fn fields() -> VerifiedFields {
        VerifiedFields {
            kind: DocumentKind::Rejection,
            serial: "440114-20260930-00002".into(),
            centre: "440114".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
            item: "JS001".into(),
            id_masked: "9135**********Y43".into(),
            due_on: None,
            digest: "abc".into(),
        }
    }

    #[test]
    fn init_writes_a_private_key_and_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hall");
        let (k, p) = keys_init(&dir, false).unwrap();
        assert_eq!(
            std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let key = load_signing_key(&k).unwrap();
        let before = std::fs::read(&k).unwrap();
        assert!(keys_init(&dir, false).is_err());
        assert_eq!(
            std::fs::read(&k).unwrap(),
            before,
            "untouched without --force"
        );
        keys_init(&dir, true).unwrap();
        assert_ne!(std::fs::read(&k).unwrap(), before);
        // The old key's receipts no longer verify against the new public key.
        let s = sign_fields(&fields(), &key);
        assert!(verify_receipt(&s, &p).unwrap().is_err());
    }

    #[test]
    fn verify_accepts_genuine_and_refuses_altered_or_foreign() {
        let tmp = tempfile::tempdir().unwrap();
        let (k, p) = keys_init(tmp.path(), false).unwrap();
        let key = load_signing_key(&k).unwrap();
        let s = sign_fields(&fields(), &key);
        assert_eq!(verify_receipt(&s, &p).unwrap(), Ok(fields()));
        // As read by a serial scanner: AIM prefix and CRLF.
        assert_eq!(
            verify_receipt(&format!("]Q1{s}\r\n"), &p).unwrap(),
            Ok(fields())
        );
        let mut b = s.clone().into_bytes();
        b[10] = if b[10] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(b).unwrap();
        assert!(verify_receipt(&altered, &p).unwrap().is_err());
        let other = tmp.path().join("other");
        let (_, other_pub) = keys_init(&other, false).unwrap();
        assert_eq!(
            verify_receipt(&s, &other_pub).unwrap(),
            Err(VerifyError::BadSignature)
        );
        assert!(verify_receipt(&s, &tmp.path().join("missing.pub")).is_err());
    }

    #[test]
    fn rotation_keeps_old_receipts_verifiable() {
        let tmp = tempfile::tempdir().unwrap();
        let (k, p) = keys_init(tmp.path(), false).unwrap();
        let old = sign_fields(&fields(), &load_signing_key(&k).unwrap());
        let (old_id, new_id) = keys_rotate(tmp.path()).unwrap();
        assert_ne!(old_id, new_id);
        let new = sign_fields(&fields(), &load_signing_key(&k).unwrap());
        assert_ne!(old, new);
        assert_eq!(verify_receipt(&old, &p).unwrap(), Ok(fields()));
        assert_eq!(verify_receipt(&new, &p).unwrap(), Ok(fields()));
        assert_eq!(retired_keys(tmp.path()).unwrap().len(), 1);
        // Without the retired key the old receipt would not verify.
        std::fs::remove_dir_all(tmp.path().join(RETIRED_DIR)).unwrap();
        assert!(verify_receipt(&old, &p).unwrap().is_err());
    }

    #[test]
    fn cli_exit_codes() {
        let tmp = tempfile::tempdir().unwrap();
        let (k, p) = keys_init(tmp.path(), false).unwrap();
        let s = sign_fields(&fields(), &load_signing_key(&k).unwrap());
        let run = |string: String| {
            verify_receipt_cmd(&VerifyReceiptArgs {
                string,
                key: Some(p.clone()),
                json: true,
            })
            .unwrap()
        };
        assert_eq!(run(s.clone()), ExitCode::SUCCESS);
        assert_eq!(run(format!("{s}x")), ExitCode::from(1));
        assert_eq!(run("garbage".into()), ExitCode::from(1));
    }
}

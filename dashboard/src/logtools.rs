//! `dashboard verify-log` and `dashboard purge`: checking the event log end to end, and
//! erasing personal data after the retention period.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use chrono::{Duration, NaiveDate};
use queue_core::config::HallConfig;
use queue_core::service::REPLY_HORIZON_DAYS;
use queue_core::store::{LogCheck, Store};

use crate::{keys, paths};

#[derive(Debug, clap::Args)]
pub struct VerifyLogArgs {
    /// The hall database [default: hall.db in the hall data directory].
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The centre's public key [default: centre.pub beside the database]; retired keys in
    /// `retired/` beside it are trusted too.
    #[arg(long)]
    pub key: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Erase personal data recorded before this date (YYYY-MM-DD) [default: today minus the
    /// retention period of hall.toml's `[privacy] retention_days`, 365 days if unset].
    #[arg(long)]
    pub before: Option<NaiveDate>,
    /// The hall database [default: hall.db in the hall data directory].
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The centre's hall.toml (for the retention period).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

fn existing_db(db: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    let db = db.cloned().unwrap_or_else(paths::default_db);
    if !db.exists() {
        bail!("数据库不存在 no database at {}", db.display());
    }
    Ok(db)
}

fn default_pub(db: &Path) -> PathBuf {
    db.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(keys::PUB_FILE)
}

/// Walks the log of `db`, trusting the keys of `pubkey`.
///
/// # Errors
/// Unreadable database or key.
pub fn check_log(db: &Path, pubkey: &Path) -> anyhow::Result<LogCheck> {
    let trusted = keys::trusted_keys(pubkey)
        .with_context(|| format!("the centre's public key {}", pubkey.display()))?;
    let store = Store::open(db)?;
    Ok(store.verify_log(&trusted)?)
}

/// `dashboard verify-log`: exit 0 when the log is whole, 1 naming the damage.
///
/// # Errors
/// Unreadable database or key.
pub fn verify_log_cmd(a: &VerifyLogArgs) -> anyhow::Result<ExitCode> {
    let db = existing_db(a.db.as_ref())?;
    let key = a.key.clone().unwrap_or_else(|| default_pub(&db));
    let check = check_log(&db, &key)?;
    println!(
        "事件日志 event log {}: {} events, last seq {}",
        db.display(),
        check.events,
        check.last_seq
    );
    match check.heads.last() {
        Some(h) => println!(
            "签名头 signed heads: {}, last: seq {} signed {} by key {}",
            check.heads.len(),
            h.seq,
            h.signed_at,
            h.key_id
        ),
        None => println!("签名头 signed heads: none yet"),
    }
    let Some(first) = check.first_bad() else {
        println!("完好 INTACT: every event matches the chain and the signed heads");
        return Ok(ExitCode::SUCCESS);
    };
    println!(
        "已损坏 DAMAGED: first bad seq {first}; {} bad sequence numbers, {} findings",
        check.bad_seqs(),
        check.bad.len()
    );
    for (seq, what) in &check.bad {
        println!("  seq {seq}: {what}");
    }
    Ok(ExitCode::from(1))
}

/// `dashboard purge`.
///
/// # Errors
/// Unreadable database or configuration.
pub fn purge_cmd(a: &PurgeArgs) -> anyhow::Result<ExitCode> {
    let db = existing_db(a.db.as_ref())?;
    let config = match &a.config {
        Some(p) => HallConfig::load(p)?,
        None => HallConfig::sample()?,
    };
    let offset = config.centre.offset();
    let today = chrono::Utc::now().with_timezone(&offset).date_naive();
    let before = a
        .before
        .unwrap_or_else(|| today - Duration::days(i64::from(config.privacy.retention_days)));
    let replies_before =
        chrono::Utc::now().with_timezone(&offset) - Duration::days(REPLY_HORIZON_DAYS);
    let store = Store::open(&db)?;
    let r = store.purge(&before.to_string(), &replies_before.to_rfc3339())?;
    println!(
        "已清除 purged: {} personal values recorded before {before}, {} stored replies older than {REPLY_HORIZON_DAYS} days, {} state checkpoints; file rewritten (VACUUM)",
        r.values, r.replies, r.checkpoints
    );
    println!(
        "若大厅正在运行，请立即重启 restart the hall now if it is running: it still holds the \
         purged values in memory and would write them into its next checkpoint"
    );
    if r.legacy_events > 0 {
        println!(
            "注意 note: {} events written before schema 4 still hold personal data in their \
             chained bodies and cannot be purged without breaking the chain (docs/security.md)",
            r.legacy_events
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `dashboard backup` and `dashboard restore`: a consistent copy of the hall database taken
//! while the hall serves (SQLite online backup API, in one read transaction), verified before
//! it is kept; and putting such a copy back, never over a newer database unless told to.
//!
//! Every backup is written to a temporary file, verified (the hash chain, by the same code the
//! hall runs at start-up), synced, and only then renamed into place: a backup file that exists
//! is a complete, checked copy.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use queue_core::store::Store;

/// Name of the stamp file beside the database recording the last good backup (read by
/// `dashboard doctor`).
pub const STAMP_FILE: &str = "last-backup.json";

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The hall database [default: the data directory's hall.db].
    #[arg(long, env = "HALL_DB")]
    pub db: Option<PathBuf>,
    /// Where to write the copy: a file, or an existing directory (then `hall-YYYYMMDD-HHMMSS.db`
    /// inside it).
    #[arg(long)]
    pub to: PathBuf,
    /// With a directory `--to`: keep only the newest N `hall-*.db` backups there.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    pub file: PathBuf,
    /// The hall database to replace [default: the data directory's hall.db]. Stop the hall
    /// first (`systemctl stop gov-hall`).
    #[arg(long, env = "HALL_DB")]
    pub db: Option<PathBuf>,
    /// Replace a database that is newer than the backup (its later events are lost; the old
    /// file is kept beside it as `*.before-restore-…`).
    #[arg(long)]
    pub force: bool,
}

/// Where a verified log ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Last event's seq (0 for an empty log).
    pub seq: u64,
    /// Hex of the last event's chain hash.
    pub head: String,
    /// Hall time of the last event.
    #[serde(default)]
    pub last_at: Option<DateTime<FixedOffset>>,
}

/// What `backup_db` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStamp {
    pub file: PathBuf,
    pub at: DateTime<Utc>,
    pub position: Position,
    pub bytes: u64,
}

/// Opens `path`, verifies its whole hash chain, and returns where it ends.
///
/// # Errors
/// Unreadable or newer database, or a broken chain.
pub fn verify_db(path: &Path) -> anyhow::Result<Position> {
    if !path.exists() {
        bail!("{} does not exist", path.display());
    }
    let store = Store::open(path).with_context(|| format!("opening {}", path.display()))?;
    let events = store
        .load_events()
        .with_context(|| format!("verifying the event log of {}", path.display()))?;
    let (seq, head) = store.head()?;
    if events.last().map_or(0, |r| r.seq) != seq {
        bail!("{}: the log's last event is not its head", path.display());
    }
    // SIGNED-HEAD HOOK (integrator): once the store signs its chain head, check that signature
    // here too; every caller (backup, restore, doctor) goes through this function.
    Ok(Position {
        seq,
        head: hex::encode(head),
        last_at: events.last().map(|r| r.at),
    })
}

/// Copies `db` to `to` with the online backup API, verifies the copy, and records a stamp
/// beside `db`.
///
/// # Errors
/// The source cannot be read, the copy cannot be written, or the copy does not verify.
pub fn backup_db(db: &Path, to: &Path) -> anyhow::Result<BackupStamp> {
    if !db.exists() {
        bail!("no database at {}", db.display());
    }
    if to.exists() {
        bail!(
            "{} already exists; choose another name or a directory",
            to.display()
        );
    }
    let dir = parent_dir(to);
    let name = to
        .file_name()
        .context("the backup needs a file name")?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        copy_online(db, &tmp)?;
        let position = verify_db(&tmp).context("the copy does not verify")?;
        // Store::open left the copy in WAL mode with no WAL file (checkpointed on close);
        // sync the file itself before it takes the final name.
        fs::File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, to).with_context(|| format!("renaming to {}", to.display()))?;
        sync_dir(&dir);
        let bytes = fs::metadata(to)?.len();
        Ok::<_, anyhow::Error>(BackupStamp {
            file: fs::canonicalize(to).unwrap_or_else(|_| to.to_path_buf()),
            at: Utc::now(),
            position,
            bytes,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(PathBuf::from(format!("{}{suffix}", tmp.display())));
    }
    let stamp = result?;
    write_stamp(db, &stamp)?;
    Ok(stamp)
}

/// The online copy: one `step(-1)` copies every page inside a single read transaction, so the
/// copy is the database as of one commit even while the writer keeps committing (WAL lets the
/// reader and the writer proceed together).
fn copy_online(db: &Path, tmp: &Path) -> anyhow::Result<()> {
    let src = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", db.display()))?;
    src.busy_timeout(Duration::from_secs(10))?;
    // Created 0600 before SQLite touches it: the copy holds personal data.
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let mut dst = Connection::open(tmp).with_context(|| format!("opening {}", tmp.display()))?;
    {
        let backup = Backup::new(&src, &mut dst)?;
        let mut tries = 0;
        loop {
            match backup.step(-1).context("copying pages")? {
                StepResult::Done => break,
                _ => {
                    tries += 1;
                    if tries > 200 {
                        bail!("the database stayed busy; backup abandoned");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
    drop(dst);
    Ok(())
}

/// Runs `dashboard backup`.
///
/// # Errors
/// See [`backup_db`].
pub fn backup(a: &BackupArgs) -> anyhow::Result<ExitCode> {
    let db = a.db.clone().unwrap_or_else(crate::paths::default_db);
    let to = if a.to.is_dir() {
        a.to.join(format!("hall-{}.db", Utc::now().format("%Y%m%d-%H%M%S")))
    } else {
        a.to.clone()
    };
    let stamp = backup_db(&db, &to)?;
    println!(
        "备份完成 backup written and verified: {} ({} bytes) — seq {}, head {}",
        stamp.file.display(),
        stamp.bytes,
        stamp.position.seq,
        stamp.position.head
    );
    if let (Some(keep), true) = (a.keep, a.to.is_dir()) {
        for old in prune(&a.to, keep)? {
            println!("removed old backup {}", old.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes all but the newest `keep` `hall-*.db` files in `dir` (names sort by time).
fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("hall-") && n.ends_with(".db"))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep.max(1));
    let old: Vec<PathBuf> = files.into_iter().take(excess).collect();
    for p in &old {
        fs::remove_file(p).with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(old)
}

/// What `restore_db` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub position: Position,
    /// The database that was replaced, kept aside.
    pub kept_aside: Option<PathBuf>,
}

/// Puts the backup `file` in place of `db`.
///
/// # Errors
/// The backup does not verify; `db` is newer than the backup (or diverged from it) and
/// `force` is not set; file-system errors.
pub fn restore_db(file: &Path, db: &Path, force: bool) -> anyhow::Result<Restored> {
    let dir = parent_dir(db);
    {
        use std::os::unix::fs::DirBuilderExt as _;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    let name = db
        .file_name()
        .context("the database needs a file name")?
        .to_string_lossy()
        .into_owned();
    // Verify a private copy, so the backup file itself is never modified.
    let tmp = dir.join(format!(".{name}.restore-{}", std::process::id()));
    let cleanup = |p: &Path| {
        let _ = fs::remove_file(p);
        for suffix in ["-wal", "-shm"] {
            let _ = fs::remove_file(PathBuf::from(format!("{}{suffix}", p.display())));
        }
    };
    let result = (|| {
        if !file.is_file() {
            bail!("no backup file at {}", file.display());
        }
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        fs::copy(file, &tmp).with_context(|| format!("copying {}", file.display()))?;
        // fs::copy carries the source's mode over; the database stays private whatever it was.
        fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        let position = verify_db(&tmp)
            .with_context(|| format!("the backup {} does not verify", file.display()))?;
        let mut kept_aside = None;
        if db.exists() {
            let current = verify_db(db);
            match &current {
                Ok(cur) if cur.seq > position.seq && !force => bail!(
                    "{} is newer than the backup (seq {} > {}); refusing to overwrite it — \
                     pass --force to replace it anyway",
                    db.display(),
                    cur.seq,
                    position.seq
                ),
                Ok(cur) if cur.seq == position.seq && cur.head != position.head && !force => {
                    bail!(
                        "{} and the backup diverge at the same seq {}; pass --force to replace it",
                        db.display(),
                        cur.seq
                    )
                }
                Err(e) if !force => bail!(
                    "the current database {} cannot be verified ({e:#}); pass --force to replace it",
                    db.display()
                ),
                _ => {}
            }
            let aside = dir.join(format!(
                "{name}.before-restore-{}",
                Utc::now().format("%Y%m%d-%H%M%S")
            ));
            fs::rename(db, &aside).with_context(|| format!("moving {} aside", db.display()))?;
            // A WAL left by a crash belongs to the old file: move it along with it.
            for suffix in ["-wal", "-shm"] {
                let from = PathBuf::from(format!("{}{suffix}", db.display()));
                if from.exists() {
                    let _ =
                        fs::rename(&from, PathBuf::from(format!("{}{suffix}", aside.display())));
                }
            }
            kept_aside = Some(aside);
        }
        fs::File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, db).with_context(|| format!("renaming into {}", db.display()))?;
        sync_dir(&dir);
        Ok(Restored {
            position,
            kept_aside,
        })
    })();
    cleanup(&tmp);
    result
}

/// Runs `dashboard restore`.
///
/// # Errors
/// See [`restore_db`].
pub fn restore(a: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let db = a.db.clone().unwrap_or_else(crate::paths::default_db);
    let r = restore_db(&a.file, &db, a.force)?;
    println!(
        "已恢复 restored {} from {} — seq {}, head {}",
        db.display(),
        a.file.display(),
        r.position.seq,
        r.position.head
    );
    if let Some(p) = r.kept_aside {
        println!("the previous database is kept as {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The stamp of the last good backup of `db`, if one was recorded.
#[must_use]
pub fn read_stamp(db: &Path) -> Option<BackupStamp> {
    let text = fs::read_to_string(parent_dir(db).join(STAMP_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_stamp(db: &Path, stamp: &BackupStamp) -> anyhow::Result<()> {
    let path = parent_dir(db).join(STAMP_FILE);
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(serde_json::to_string_pretty(stamp)?.as_bytes())?;
    f.sync_all()?;
    fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn parent_dir(p: &Path) -> PathBuf {
    p.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Makes a rename durable; best effort (some file systems refuse to sync directories).
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_the_newest() {
        let d = tempfile::tempdir().unwrap();
        for n in [
            "hall-20261101-020000.db",
            "hall-20261102-020000.db",
            "hall-20261103-020000.db",
            "other.db",
        ] {
            fs::write(d.path().join(n), b"x").unwrap();
        }
        let removed = prune(d.path(), 2).unwrap();
        assert_eq!(removed, vec![d.path().join("hall-20261101-020000.db")]);
        assert!(d.path().join("other.db").exists());
        assert!(d.path().join("hall-20261103-020000.db").exists());
    }
}

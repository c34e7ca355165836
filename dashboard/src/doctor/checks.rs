//! The individual checks of `dashboard doctor`.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike as _, Duration, FixedOffset, Offset as _};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;

use super::trend::{self, Sample};
use super::{DoctorArgs, Finding, Level};
use crate::backup::{self, Position};
use crate::disk;

/// Days ahead the calendar must cover: deadlines counted today reach this far.
const CALENDAR_DAYS_AHEAD: i64 = 60;

/// Every check, in the order they are printed.
#[must_use]
pub fn run_checks(a: &DoctorArgs, now: DateTime<FixedOffset>) -> Vec<Finding> {
    let db = a.db.clone().unwrap_or_else(crate::paths::default_db);
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let key = a.key.clone().unwrap_or_else(|| dir.join("centre.key"));
    // Times in the centre's local time.
    let offset = match &a.config {
        Some(p) => HallConfig::load(p).ok(),
        None => HallConfig::sample().ok(),
    }
    .map_or(now.offset().fix(), |c| c.centre.offset());
    let now = now.with_timezone(&offset);
    let mut out = Vec::new();
    let position = database(&db, &mut out);
    out.push(database_permissions(&db, &dir, &key));
    out.extend(key_file(&key));
    out.push(config(a.config.as_deref()));
    out.push(calendar(a.calendar.as_deref(), now));
    out.extend(disk_space(&db, &dir, now));
    out.push(last_backup(&db, now, a.backup_max_age_hours));
    out.push(clock(now, position.as_ref()));
    out.extend(super::notify::notifications(a.config.as_deref(), &db));
    if let Some(cert) = &a.cert {
        out.push(certificate(cert, now));
    }
    out
}

fn database(db: &Path, out: &mut Vec<Finding>) -> Option<Position> {
    if !db.exists() {
        out.push(Finding::fail(
            "database",
            format!("no database at {}", db.display()),
            "start the hall once (`systemctl start gov-hall`) or restore a backup (`dashboard restore FILE`); check --db",
        ));
        return None;
    }
    match backup::verify_db(db) {
        Ok(p) => {
            out.push(Finding::ok(
                "log_chain",
                format!(
                    "{}: hash chain intact up to seq {}, head {}",
                    db.display(),
                    p.seq,
                    &p.head[..p.head.len().min(16)]
                ),
            ));
            Some(p)
        }
        Err(e) => {
            out.push(Finding::fail(
                "log_chain",
                format!("{e:#}"),
                "do not serve from this file: stop the hall, keep the file for investigation, and restore the last good backup",
            ));
            None
        }
    }
}

fn mode_of(p: &Path) -> Option<u32> {
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

fn owner_of(p: &Path) -> Option<u32> {
    std::fs::metadata(p)
        .ok()
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
}

fn database_permissions(db: &Path, dir: &Path, key: &Path) -> Finding {
    let mut open = Vec::new();
    let mut foreign = Vec::new();
    let dir_owner = owner_of(dir);
    for p in [
        db.to_path_buf(),
        PathBuf::from(format!("{}-wal", db.display())),
        PathBuf::from(format!("{}-shm", db.display())),
        key.to_path_buf(),
    ] {
        if let Some(m) = mode_of(&p) {
            if m & 0o077 != 0 && p != key {
                open.push(format!("{} ({m:o})", p.display()));
            }
        }
        // After a purge and a reinstall the service user may have a new uid: files left
        // with the old one belong to whoever took it, and the hall cannot open them. (A key
        // kept elsewhere, e.g. under /etc, may have another owner.)
        let in_dir = p.parent() == Some(dir);
        if let (true, Some(f), Some(d)) = (in_dir, owner_of(&p), dir_owner) {
            if f != d {
                foreign.push(format!("{} (uid {f}, directory uid {d})", p.display()));
            }
        }
    }
    if !foreign.is_empty() {
        return Finding::fail(
            "db_permissions",
            format!(
                "not owned by the data directory's owner: {}",
                foreign.join(", ")
            ),
            format!(
                "chown -R --reference={0} {0} (as root; the package's postinst does it on install)",
                dir.display()
            ),
        );
    }
    if let Some(m) = mode_of(dir) {
        if m & 0o007 != 0 {
            open.push(format!("directory {} ({m:o})", dir.display()));
        }
    }
    if open.is_empty() {
        Finding::ok(
            "db_permissions",
            "database files are private to the hall's user",
        )
    } else {
        Finding::fail(
            "db_permissions",
            format!(
                "readable by other users (the database holds names and ID numbers): {}",
                open.join(", ")
            ),
            format!("chmod 700 {} && chmod 600 {}*", dir.display(), db.display()),
        )
    }
}

fn key_file(key: &Path) -> Option<Finding> {
    let Some(mode) = mode_of(key) else {
        return Some(Finding::warn(
            "key",
            format!("no signing key at {}", key.display()),
            "the hall creates one beside the database at first start; or run `dashboard keys init` and pass --key",
        ));
    };
    if mode & 0o077 != 0 {
        return Some(Finding::fail(
            "key_permissions",
            format!(
                "{} is readable by others (mode {mode:o}): anyone on this machine could forge receipts",
                key.display()
            ),
            format!(
                "chmod 600 {0}; if others may have copied it, rotate the key (docs/operations.md)",
                key.display()
            ),
        ));
    }
    Some(match queue_core::document::load_signing_key(key) {
        Ok(k) => Finding::ok(
            "key",
            format!(
                "{} (mode {mode:o}), public key {}…",
                key.display(),
                &hex::encode(k.verifying_key().as_bytes())[..16]
            ),
        ),
        Err(e) => Finding::fail(
            "key",
            e.to_string(),
            "restore the key file from the key backup, or rotate the key (docs/operations.md)",
        ),
    })
}

fn config(path: Option<&Path>) -> Finding {
    let loaded = match path {
        Some(p) => HallConfig::load(p),
        None => HallConfig::sample(),
    };
    match loaded {
        Ok(c) => Finding::ok(
            "config",
            format!(
                "{} — {} ({} queues, {} windows)",
                path.map_or_else(
                    || "built-in sample".to_string(),
                    |p| p.display().to_string()
                ),
                c.centre.name,
                c.queues.len(),
                c.windows.len()
            ),
        ),
        Err(e) => Finding::fail(
            "config",
            e.to_string(),
            "fix the named key in hall.toml, then restart the hall",
        ),
    }
}

fn calendar(path: Option<&Path>, now: DateTime<FixedOffset>) -> Finding {
    let cal = match path {
        Some(p) => match Calendar::load(p) {
            Ok(c) => c,
            Err(e) => {
                return Finding::fail(
                    "calendar",
                    e.to_string(),
                    "fix the calendar file (see queue-core/data/calendar.toml for the format)",
                )
            }
        },
        None => Calendar::embedded(),
    };
    let today = now.date_naive();
    let until = today + Duration::days(CALENDAR_DAYS_AHEAD);
    let missing: Vec<i32> = (today.year()..=until.year())
        .filter(|y| !cal.covers(*y))
        .collect();
    let covered = cal
        .years()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if missing.is_empty() {
        Finding::ok(
            "calendar",
            format!("holidays known through {until} (years {covered})"),
        )
    } else {
        let years = missing
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Finding::fail(
            "calendar",
            format!(
                "no holiday calendar for {years}: deadlines counted now reach {until}, and days beyond the calendar are reckoned on weekends alone (covered: {covered})"
            ),
            format!(
                "add [years.{}] from the State Council notice to the calendar file and restart the hall with --calendar (docs/operations.md, \"Next year's calendar\")",
                missing[0]
            ),
        )
    }
}

/// Below this the hall itself raises `disk_low` (the default of `serve --min-free-mb`).
const FAIL_BELOW: u64 = 256 * 1024 * 1024;
const WARN_BELOW: u64 = 1024 * 1024 * 1024;

/// Judged on bytes first: a hall's day needs megabytes, so a few percent free of a large
/// volume is a warning, not a failure (CI once failed on 4.8 GB free of 252 GB).
fn space_level(space: disk::Space) -> Level {
    if space.free < FAIL_BELOW {
        Level::Fail
    } else if space.free < WARN_BELOW || space.free_fraction() < 0.05 {
        Level::Warn
    } else {
        Level::Ok
    }
}

fn disk_space(db: &Path, dir: &Path, now: DateTime<FixedOffset>) -> Vec<Finding> {
    let space = match disk::space(db) {
        Ok(s) => s,
        Err(e) => {
            return vec![Finding::warn(
                "disk_space",
                format!("cannot examine the file system of {}: {e}", db.display()),
                "check that the data directory exists and is mounted",
            )]
        }
    };
    let detail = format!(
        "{} free of {} ({:.0} %) on the database's file system",
        disk::human(space.free),
        disk::human(space.total),
        space.free_fraction() * 100.0
    );
    let mut out = vec![match space_level(space) {
        Level::Fail => Finding::fail(
            "disk_space",
            detail,
            "free space now (old logs, old backups: `dashboard backup --keep N`); the hall refuses commands when the disk is full",
        ),
        Level::Warn => Finding::warn(
            "disk_space",
            detail,
            "plan more space for the data directory",
        ),
        Level::Ok => Finding::ok("disk_space", detail),
    }];
    let history = trend::load(dir);
    let sample = Sample {
        at: now,
        free: space.free,
    };
    out.push(match trend::bytes_per_day(&history, sample) {
        None => Finding::ok(
            "disk_trend",
            "first measurement; the trend shows from the next run an hour or more later",
        ),
        Some(rate) if rate <= 0.0 => Finding::ok("disk_trend", "free space is not shrinking"),
        Some(rate) => {
            #[allow(clippy::cast_precision_loss)]
            let days = space.free as f64 / rate;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let detail = format!(
                "using {} a day: full in about {days:.0} days",
                disk::human(rate as u64)
            );
            if days < 7.0 {
                Finding::fail(
                    "disk_trend",
                    detail,
                    "add space or remove old files this week",
                )
            } else if days < 30.0 {
                Finding::warn("disk_trend", detail, "plan more space within the month")
            } else {
                Finding::ok("disk_trend", detail)
            }
        }
    });
    trend::record(dir, history, sample);
    out
}

fn last_backup(db: &Path, now: DateTime<FixedOffset>, max_age_hours: i64) -> Finding {
    let Some(stamp) = backup::read_stamp(db) else {
        return Finding::warn(
            "backup",
            "no backup of this database is recorded",
            "enable the nightly backup: `systemctl enable --now gov-hall-backup.timer` (or run `dashboard backup --to DIR`)",
        );
    };
    let age = now.with_timezone(&chrono::Utc) - stamp.at;
    let detail = format!(
        "last backup {} hours ago ({}, seq {})",
        age.num_hours(),
        stamp.file.display(),
        stamp.position.seq
    );
    let fix = "check `systemctl status gov-hall-backup.timer` and `journalctl -u gov-hall-backup`, then run `dashboard backup --to DIR` now";
    if age > Duration::hours(max_age_hours * 2) {
        Finding::fail("backup", format!("stale: {detail}"), fix)
    } else if age > Duration::hours(max_age_hours) {
        Finding::warn("backup", format!("late: {detail}"), fix)
    } else if !stamp.file.exists() {
        Finding::warn(
            "backup",
            format!("{detail}, but that file is gone"),
            "keep backups where the timer writes them; run `dashboard backup --to DIR`",
        )
    } else {
        Finding::ok("backup", detail)
    }
}

fn clock(now: DateTime<FixedOffset>, position: Option<&Position>) -> Finding {
    if now.year() < 2025 {
        return Finding::fail(
            "clock",
            format!("the system clock says {now}"),
            "set the time (enable NTP: `timedatectl set-ntp true`) before starting the hall",
        );
    }
    if let Some(last) = position.and_then(|p| p.last_at) {
        if last - now > Duration::minutes(5) {
            return Finding::fail(
                "clock",
                format!("the clock ({now}) is behind the last event in the log ({last})"),
                "correct the system time (NTP) before serving: deadlines and ticket times depend on it",
            );
        }
    }
    match ntp_synchronised() {
        Some(false) => Finding::warn(
            "clock",
            format!("{now}; not synchronised with NTP"),
            "`timedatectl set-ntp true`, or point chrony/systemd-timesyncd at the government time server",
        ),
        _ => Finding::ok("clock", format!("{now}")),
    }
}

/// `timedatectl`'s verdict; `None` where it cannot say (no systemd, containers).
fn ntp_synchronised() -> Option<bool> {
    let out = std::process::Command::new("timedatectl")
        .args(["show", "-p", "NTPSynchronized", "--value"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    match String::from_utf8_lossy(&out.stdout).trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn certificate(cert: &Path, now: DateTime<FixedOffset>) -> Finding {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-enddate", "-noout", "-in"])
        .arg(cert)
        .output();
    let text =
        match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            Ok(o) => return Finding::fail(
                "certificate",
                format!(
                    "{}: {}",
                    cert.display(),
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
                "install a valid PEM certificate (docs/operations.md, \"Keys and certificates\")",
            ),
            Err(e) => {
                return Finding::warn(
                    "certificate",
                    format!("cannot run openssl to read {}: {e}", cert.display()),
                    "apt-get install openssl",
                )
            }
        };
    // notAfter=Mar  1 12:00:00 2027 GMT
    let Some(end) = text
        .trim()
        .strip_prefix("notAfter=")
        .and_then(|s| s.strip_suffix(" GMT"))
        .and_then(|s| {
            chrono::NaiveDateTime::parse_from_str(
                &s.split_whitespace().collect::<Vec<_>>().join(" "),
                "%b %d %H:%M:%S %Y",
            )
            .ok()
        })
    else {
        return Finding::warn(
            "certificate",
            format!(
                "cannot read the expiry of {}: {}",
                cert.display(),
                text.trim()
            ),
            "check the certificate with `openssl x509 -noout -dates -in FILE`",
        );
    };
    let days = (end.and_utc() - now.with_timezone(&chrono::Utc)).num_days();
    let detail = format!("{} expires {end} UTC ({days} days)", cert.display());
    let fix = "renew the certificate and restart the hall (docs/operations.md, \"Keys and certificates\")";
    if days < 7 {
        Finding::fail("certificate", detail, fix)
    } else if days < 30 {
        Finding::warn("certificate", detail, fix)
    } else {
        Finding::ok("certificate", detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1024 * 1024 * 1024;

    #[test]
    fn free_space_is_judged_in_bytes_first() {
        let at = |free, total| space_level(disk::Space { free, total });
        // Gigabytes free on a large, busy volume: worth a warning, not a failure.
        assert_eq!(at(48 * GB / 10, 252 * GB), Level::Warn);
        assert_eq!(at(100 * GB, 252 * GB), Level::Ok);
        // Under the hall's own disk_low line: fail, whatever the share.
        assert_eq!(at(200 * 1024 * 1024, GB / 2), Level::Fail);
        assert_eq!(at(600 * 1024 * 1024, 2 * GB), Level::Warn);
    }
}

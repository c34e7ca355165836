//! The notification check: without a webhook, messages to applicants stay queued (WARN);
//! with one, its secret file must be readable and private; messages given up are reported.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use queue_core::config::HallConfig;
use queue_core::store::Store;

use super::Finding;

pub(super) fn notifications(config: Option<&Path>, db: &Path) -> Option<Finding> {
    let c = match config {
        Some(p) => HallConfig::load(p),
        None => HallConfig::sample(),
    }
    // A configuration that does not load is the `config` check's FAIL.
    .ok()?;
    let counts = if db.exists() {
        Store::open(db).ok().and_then(|s| s.outbox_counts().ok())
    } else {
        None
    }
    .unwrap_or_default();
    let n = &c.notify;
    let Some(url) = &n.webhook else {
        return Some(Finding::warn(
            "notify",
            format!(
                "no [notify] webhook: messages to applicants are queued but never sent ({} waiting)",
                counts.pending
            ),
            "set [notify] webhook and secret_file in hall.toml (docs/operations.md, \"Notifications\"), then restart the hall",
        ));
    };
    let Some(secret) = &n.secret_file else {
        return Some(Finding::fail(
            "notify",
            "[notify] webhook without secret_file",
            "add secret_file (a file holding the shared secret) to [notify]",
        ));
    };
    if let Err(e) = crate::notify::sender::read_secret(secret) {
        return Some(Finding::fail(
            "notify",
            format!("{e:#}"),
            format!(
                "write the shared secret into {} (chmod 600)",
                secret.display()
            ),
        ));
    }
    let mode = std::fs::metadata(secret).map_or(0, |m| m.permissions().mode() & 0o777);
    if mode & 0o077 != 0 {
        return Some(Finding::warn(
            "notify",
            format!("{} is readable by others ({mode:o})", secret.display()),
            format!("chmod 600 {}", secret.display()),
        ));
    }
    if counts.failed > 0 {
        return Some(Finding::warn(
            "notify",
            format!(
                "{} message(s) to applicants were given up (refused or out of attempts); {} waiting",
                counts.failed, counts.pending
            ),
            "see the hall log for the webhook's answers; check the gateway and its number format",
        ));
    }
    Some(Finding::ok(
        "notify",
        format!(
            "webhook {url}: {} sent, {} waiting, {} retrying",
            counts.sent, counts.pending, counts.retrying
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Level;

    #[test]
    fn warns_without_a_webhook_and_checks_the_secret_with_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hall.db");
        let f = notifications(None, &db).unwrap();
        assert_eq!(f.level, Level::Warn, "{f:?}");
        assert!(f.detail.contains("never sent"));
        let secret = dir.path().join("notify.secret");
        let cfg = dir.path().join("hall.toml");
        std::fs::write(
            &cfg,
            format!(
                "{}\nwebhook = \"https://sms.example.gov.cn/hall\"\nsecret_file = \"{}\"\n",
                queue_core::config::SAMPLE_HALL_TOML,
                secret.display()
            ),
        )
        .unwrap();
        let f = notifications(Some(&cfg), &db).unwrap();
        assert_eq!(f.level, Level::Fail, "{f:?}");
        std::fs::write(&secret, "k\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(notifications(Some(&cfg), &db).unwrap().level, Level::Warn);
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let f = notifications(Some(&cfg), &db).unwrap();
        assert_eq!(f.level, Level::Ok, "{f:?}");
    }
}

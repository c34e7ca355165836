//! Finding the hall: the one given with `--hall`/`--token`, or one on this machine.
//!
//! Without `--hall`, the default address (127.0.0.1:7700) is tried first: if a hall already
//! listens there (say `counter` runs in another terminal and this is `counter kiosk`), this
//! program attaches to it with a token created in the default database; otherwise it starts
//! the hall in-process on that address, so dashboards and kiosks can attach. Before attaching,
//! the hall there must prove it is this centre's: the key fingerprint in its `/healthz` must
//! match the local `centre.pub`. The token minted for a local hall is kept (mode 0600) beside
//! the database and reused on the next start, not minted anew each time.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use dashboard::server::{RunningHall, ServeOptions};
use queue_core::auth::Role;
use queue_core::store::{token_hash, Store};

pub struct HallTarget {
    pub url: String,
    pub token: String,
    /// For the header and the log.
    pub label: String,
    /// The in-process hall, when this program runs it.
    pub hall: Option<RunningHall>,
    /// The centre CA to trust for `wss://`.
    pub ca: Option<PathBuf>,
}

pub struct HallArgs {
    pub hall: Option<String>,
    pub token: Option<String>,
    pub db: Option<PathBuf>,
    pub listen: SocketAddr,
    pub demo: bool,
    /// `counter` or `kiosk`.
    pub role: &'static str,
    pub window: Option<u32>,
    /// The centre CA to trust for a `wss://` hall.
    pub ca: Option<PathBuf>,
    /// Let an in-process hall listen beyond loopback without TLS.
    pub insecure_lan: bool,
}

/// # Errors
/// A remote hall without a token, a database that cannot be opened, a hall that cannot start.
pub async fn resolve(a: HallArgs) -> anyhow::Result<HallTarget> {
    if let Some(url) = a.hall {
        let token = a.token.with_context(|| {
            format!(
                "--hall needs --token (or HALL_TOKEN); create one on the hall's machine with \
                 `dashboard token create --role {}{}`",
                a.role,
                a.window.map_or(String::new(), |w| format!(" --window {w}"))
            )
        })?;
        return Ok(HallTarget {
            label: url.clone(),
            url,
            token,
            hall: None,
            ca: a.ca,
        });
    }
    let db = a.db.unwrap_or_else(dashboard::paths::default_db);
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("data directory {}", dir.display()))?;
    }
    let label = format!(
        "{} window {}",
        a.role,
        a.window.map_or("-".into(), |w| w.to_string())
    );
    // Probe the port first: never open a second writer on a database a running hall owns.
    let free = std::net::TcpListener::bind(a.listen).is_ok();
    let token_for = |db: &std::path::Path| {
        reuse_or_mint(db, a.role, a.window, &format!("{label} (auto)"))
            .with_context(|| format!("a {} token in {}", a.role, db.display()))
    };
    if !free {
        check_identity(a.listen, &db).await?;
        let token = match a.token {
            Some(t) => t,
            None => token_for(&db)?,
        };
        tracing::info!(addr = %a.listen, "a hall already listens there: attaching");
        return Ok(HallTarget {
            url: format!("ws://{}", a.listen),
            token,
            label: format!("{} {} ({})", "attached", a.listen, db.display()),
            hall: None,
            ca: None,
        });
    }
    let mut opts = ServeOptions::new(a.listen, db.clone());
    opts.insecure_lan = a.insecure_lan;
    if a.demo {
        opts.demo = true;
        opts.time_scale = 10.0;
        let offset = chrono::FixedOffset::east_opt(8 * 3600).context("offset")?;
        let today = chrono::Utc::now().with_timezone(&offset).date_naive();
        opts.start = today
            .and_hms_opt(8, 55, 0)
            .and_then(|t| t.and_local_timezone(offset).single());
    }
    let hall = dashboard::server::start(opts).await.with_context(|| {
        format!(
            "starting the hall on {} with database {}",
            a.listen,
            db.display()
        )
    })?;
    let token = token_for(&db)?;
    Ok(HallTarget {
        url: format!("ws://{}", hall.addr),
        token,
        label: format!("in-process {}", hall.addr),
        hall: Some(hall),
        ca: None,
    })
}

/// Refuses a process on `addr` that is not the hall of the centre whose key sits beside `db`.
///
/// # Errors
/// No local key to compare with, no hall-like answer, or another centre's key.
pub async fn check_identity(addr: SocketAddr, db: &Path) -> anyhow::Result<()> {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let local = dir.join("centre.pub");
    if !local.exists() {
        anyhow::bail!(
            "something listens on {addr}, but there is no centre key {} to check that it is \
             this centre's hall; refusing to attach. Use --hall and --token to name the hall, \
             or --listen for another address",
            local.display()
        );
    }
    let expected = dashboard::identity::fingerprint_of_file(&local)?;
    let found = dashboard::identity::hall_fingerprint(addr)
        .await
        .with_context(|| {
            format!("the process on {addr} does not answer as a hall; refusing to attach")
        })?;
    if found != expected {
        anyhow::bail!(
            "the hall on {addr} is not this centre's (its key fingerprint {found} is not that \
             of {}); refusing to attach. Stop that process, or use --hall/--token",
            local.display()
        );
    }
    Ok(())
}

/// Where the token minted for `role` (and `window`) on this machine is kept.
#[must_use]
pub fn token_file(db: &Path, role: &str, window: Option<u32>) -> PathBuf {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match window {
        Some(w) => dir.join(format!("{role}-window-{w}.token")),
        None => dir.join(format!("{role}.token")),
    }
}

/// The token kept from an earlier start if the database still honours it for this role and
/// window; otherwise a new one, kept (mode 0600) for the next start.
///
/// # Errors
/// Database errors, or a token file that cannot be written.
pub fn reuse_or_mint(
    db: &Path,
    role: &str,
    window: Option<u32>,
    label: &str,
) -> anyhow::Result<String> {
    let file = token_file(db, role, window);
    if let Ok(kept) = std::fs::read_to_string(&file) {
        let kept = kept.trim();
        if !kept.is_empty() {
            let live = Store::open(db)?.find_token(&token_hash(kept))?;
            if live.is_some_and(|t| Some(t.role) == Role::parse(role) && t.window == window) {
                return Ok(kept.to_string());
            }
        }
    }
    let (_, token) = dashboard::tokens::create(db, role, window, label)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&file)
        .with_context(|| format!("keeping the token in {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    std::io::Write::write_all(&mut f, format!("{token}\n").as_bytes())
        .with_context(|| format!("keeping the token in {}", file.display()))?;
    Ok(token)
}

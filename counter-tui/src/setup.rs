//! Finding the hall: the one given with `--hall`/`--token`, or one on this machine.
//!
//! Without `--hall`, the default address (127.0.0.1:7700) is tried first: if a hall already
//! listens there (say `counter` runs in another terminal and this is `counter kiosk`), this
//! program attaches to it with a token created in the default database; otherwise it starts
//! the hall in-process on that address, so dashboards and kiosks can attach.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use dashboard::server::{RunningHall, ServeOptions};

pub struct HallTarget {
    pub url: String,
    pub token: String,
    /// For the header and the log.
    pub label: String,
    /// The in-process hall, when this program runs it.
    pub hall: Option<RunningHall>,
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
        dashboard::tokens::create(db, a.role, a.window, &format!("{label} (auto)"))
            .map(|(_, t)| t)
            .with_context(|| format!("creating a {} token in {}", a.role, db.display()))
    };
    if !free {
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
        });
    }
    let mut opts = ServeOptions::new(a.listen, db.clone());
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
    })
}

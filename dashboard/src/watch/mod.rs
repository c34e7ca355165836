//! `dashboard watch`: the supervisor TUI (GZ Art 6, 8): live waits per queue, windows, alerts,
//! and the manager's "open another window" action behind a confirmation.
//!
//! Shape (trippy/gitui): [`App`] is pure data, [`update`] turns a [`Msg`] into state changes
//! plus [`Effect`]s, [`draw`] renders `&App` with one `render` per region, and [`run`] is the
//! loop, generic over the ratatui backend so tests drive it on `TestBackend`.
//!
//! Codemap: `model` (the hall mirror: snapshot + events), `app` (state, keys, update),
//! `view` (drawing), `run` (loop, terminal), `i18n` (zh-CN / en labels).

mod app;
mod i18n;
mod model;
mod run;
mod view;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_notify;
#[cfg(test)]
mod tests_records;
#[cfg(test)]
mod tests_scope;

use std::process::ExitCode;

use anyhow::Context;

pub use app::{
    update, App, Command, Effect, Msg, OpenMode, OpenPlan, Panel, Popup, Status, StatusKind,
};
pub use i18n::Lang;
pub use model::{Applied, HallView, ModelError, QueueInfo, WindowInfo};
pub use run::{drive_until, perform, run, spawn_terminal_reader, Outbox, TerminalGuard};
pub use view::draw;

use crate::client::{id_prefix, Client, ClientConfig, Link};

#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// The hall's websocket address.
    #[arg(long, default_value = "ws://127.0.0.1:7700")]
    pub hall: String,
    /// A supervisor or manager token (`dashboard token create --role manager`). Prefer the
    /// environment variable: a command line is visible to every user of the machine.
    #[arg(long, env = "HALL_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Language of the screen.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// For a `wss://` hall: the centre CA certificate to trust (see `dashboard tls init`).
    #[arg(long, env = "HALL_CA")]
    pub ca: Option<std::path::PathBuf>,
}

/// Log to a file under [`crate::paths::log_dir`]: the terminal belongs to the TUI.
#[must_use]
pub fn init_file_logging(name: &str) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = crate::paths::log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, name));
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Runs `dashboard watch` until the user quits.
///
/// # Errors
/// No token, no runtime, or a terminal that cannot be drawn on. Exit code 1 when the hall
/// refused the token.
pub fn watch(a: &WatchArgs) -> anyhow::Result<ExitCode> {
    if a.token.trim().is_empty() {
        anyhow::bail!("需要令牌 a token is needed: --token or HALL_TOKEN");
    }
    let _log = init_file_logging("watch.log");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let app = rt.block_on(async {
        let (client, mut hall) = Client::spawn(
            ClientConfig::new(&a.hall, a.token.trim(), "watch").with_ca(a.ca.clone()),
        );
        let mut input = spawn_terminal_reader();
        let mut app = App::new(a.lang, id_prefix("watch"));
        let result = {
            let _guard = TerminalGuard::enter().context("terminal")?;
            let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
            let mut terminal = ratatui::Terminal::new(backend).context("terminal")?;
            run(&mut terminal, &mut app, &mut hall, &mut input, &client).await
        };
        client.stop();
        result.context("drawing")?;
        anyhow::Ok(app)
    })?;
    // The client task may still be closing its socket: do not wait on it.
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    if let Link::Refused(why) = &app.link {
        eprintln!("令牌被拒绝 token refused: {why}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

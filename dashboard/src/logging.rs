//! Logging for the server commands: to a file when given, else stderr (the TUIs log to files
//! on their own, never onto their screen).

use std::path::PathBuf;

use anyhow::Context;

/// Sets up logging (`HALL_LOG` filters, default `info`); keep the guard alive while running.
///
/// # Errors
/// The log directory cannot be created.
pub fn init(
    file: Option<&PathBuf>,
) -> anyhow::Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    match file {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            std::fs::create_dir_all(dir)
                .with_context(|| format!("log directory {}", dir.display()))?;
            let name = path.file_name().context("log file name")?;
            let (writer, guard) =
                tracing_appender::non_blocking(tracing_appender::rolling::never(dir, name));
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(writer)
                .with_ansi(false)
                .init();
            Ok(Some(guard))
        }
        None => {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .init();
            Ok(None)
        }
    }
}

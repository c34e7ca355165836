//! Where the hall keeps its files when not told otherwise.

use std::path::PathBuf;

/// The hall's data directory: `$XDG_DATA_HOME/gov-hall` (or the platform's equivalent),
/// falling back to `./gov-hall-data` when the platform has none.
#[must_use]
pub fn data_dir() -> PathBuf {
    dirs::data_dir().map_or_else(|| PathBuf::from("gov-hall-data"), |d| d.join("gov-hall"))
}

/// Default database file.
#[must_use]
pub fn default_db() -> PathBuf {
    data_dir().join("hall.db")
}

/// Default log file for the binaries (never the terminal a TUI draws on).
#[must_use]
pub fn log_dir() -> PathBuf {
    data_dir().join("logs")
}

//! Live updates: each shipping transaction ends with `NOTIFY city_changed, '<centre>'`,
//! delivered by PostgreSQL only when (and if) the transaction commits. LISTEN/NOTIFY is the
//! PostgreSQL-specific part of this crate; an engine without it would poll `city_centres`.

/// The notification channel.
pub const CHANNEL: &str = "city_changed";

/// The statement a shipper runs inside its transaction (`$1` = centre code).
pub const NOTIFY_SQL: &str = "SELECT pg_notify('city_changed', $1)";

/// The statement a watcher runs once per connection.
pub const LISTEN_SQL: &str = "LISTEN city_changed";

//! The city-wide view on PostgreSQL.
//!
//! Each hall ships its committed events to one city database ([`ship`]): only the fields
//! [`facts`] allows (no personal data), idempotently by (centre, seq), in order, verifying the
//! hall's hash chain, resuming from where the database left off. The database keeps plain SQL
//! tables and views ([`schema`]); [`query`] reads the city overview and one centre's detail,
//! [`report`] the GZ 19 monthly figures per centre and department. The city web page, stream
//! and TUI live in the `dashboard` binary (`dashboard city …`), which uses this crate.

pub mod facts;
pub mod notify;
pub mod pg;
pub mod pg_local;
pub mod query;
pub mod report;
pub mod schema;
pub mod ship;

pub use pg::PgTarget;

#[derive(Debug, thiserror::Error)]
pub enum CityError {
    #[error("城市数据库错误 city database: {0}")]
    Pg(#[from] tokio_postgres::Error),
    #[error("城市数据库由更新的版本写入 city database schema {found} is newer than this build's {known}; upgrade the software")]
    TooNew { found: i32, known: i32 },
    #[error("大厅数据库 hall database: {0}")]
    Store(#[from] queue_core::store::StoreError),
    #[error("配置 configuration: {0}")]
    Config(String),
    #[error("事件链与城市数据库不符 chain mismatch for centre {centre}: {problem}")]
    Chain { centre: String, problem: String },
}

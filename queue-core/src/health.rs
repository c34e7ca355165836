//! Storage health: whether commits are failing and whether free space is running out.
//!
//! Kept outside the event log on purpose: an alert that the disk is full cannot itself be
//! written to that disk. The writer records failures (`Published::storage`); the server adds
//! the free-space watch and sends both to clients as alerts in a fresh snapshot.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::store::StoreError;
use crate::supervision::{Alert, AlertKind};

/// Commits are failing since `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitFailure {
    pub since: DateTime<FixedOffset>,
    /// The last error, as SQLite reported it.
    pub error: String,
    /// SQLite said the disk (or the quota) is full.
    pub disk_full: bool,
    /// Batches refused since `since`.
    pub failed_commits: u64,
}

impl CommitFailure {
    /// Records one more failed commit, keeping the first failure's time.
    pub fn record(prev: Option<&Self>, error: &StoreError, now: DateTime<FixedOffset>) -> Self {
        Self {
            since: prev.map_or(now, |p| p.since),
            error: error.to_string(),
            disk_full: is_disk_full(error),
            failed_commits: prev.map_or(0, |p| p.failed_commits) + 1,
        }
    }

    /// The alert supervisors see while commits fail.
    #[must_use]
    pub fn alert(&self) -> Alert {
        let (zh, en) = if self.disk_full {
            (
                "服务器磁盘已满：新的操作无法保存（取号、叫号、受理均被拒绝），已有数据可照常查看。请立即清理磁盘空间。",
                "the hall's disk is full: nothing new can be saved (tickets, calls and cases are refused); reading still works. Free disk space now.",
            )
        } else {
            (
                "服务器无法写入数据库：新的操作无法保存，已有数据可照常查看。请检查磁盘。",
                "the hall cannot write its database: nothing new can be saved; reading still works. Check the disk.",
            )
        };
        Alert {
            id: "storage_failure".into(),
            kind: AlertKind::StorageFailure,
            queue: None,
            window: None,
            case: None,
            record: None,
            departments: Vec::new(),
            message: format!("{zh}（{} 次失败）", self.failed_commits),
            message_en: format!(
                "{en} ({} failed commits: {})",
                self.failed_commits, self.error
            ),
            raised_at: self.since,
            acknowledged: false,
        }
    }
}

/// The message a refused command's sender sees: plain words first, the technical cause last.
#[must_use]
pub fn refusal_message(error: &StoreError) -> String {
    if is_disk_full(error) {
        format!("服务器磁盘已满，本次操作未保存，请通知管理员后重试 the hall's disk is full: not saved — tell the administrator, then retry ({error})")
    } else {
        format!("服务器未能保存，本次操作未生效，请重试 not stored, retry: {error}")
    }
}

/// The alert raised before the disk is full: free space under the watch threshold.
#[must_use]
pub fn low_space_alert(free: u64, total: u64, since: DateTime<FixedOffset>) -> Alert {
    let mb = |b: u64| b / (1024 * 1024);
    Alert {
        id: "disk_low".into(),
        kind: AlertKind::DiskLow,
        queue: None,
        window: None,
        case: None,
        record: None,
        departments: Vec::new(),
        message: format!(
            "服务器磁盘空间不足：剩余 {} MB（共 {} MB）。磁盘写满后将无法取号和受理，请尽快清理。",
            mb(free),
            mb(total)
        ),
        message_en: format!(
            "the hall's disk is nearly full: {} MB free of {} MB. When it is full no ticket or case can be saved; free space soon.",
            mb(free),
            mb(total)
        ),
        raised_at: since,
        acknowledged: false,
    }
}

/// Whether SQLite reported a full disk (`SQLITE_FULL`).
#[must_use]
pub fn is_disk_full(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Sqlite {
            source: rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error {
                    code: rusqlite::ErrorCode::DiskFull,
                    ..
                },
                _
            ),
            ..
        }
    )
}

//! Free space on the file system holding a path (the database's), for the server's watch and
//! for `dashboard doctor`.

use std::path::Path;

/// Space on one file system, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    /// Available to an unprivileged writer (what SQLite will get).
    pub free: u64,
    pub total: u64,
}

impl Space {
    /// Free share, 0.0–1.0.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn free_fraction(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.free as f64 / self.total as f64
    }
}

/// Space on the file system holding `path` (or its nearest existing parent).
///
/// # Errors
/// When no ancestor of `path` can be examined.
pub fn space(path: &Path) -> std::io::Result<Space> {
    let mut p = path;
    loop {
        if p.exists() || p.parent().is_none() {
            break;
        }
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent,
            _ => {
                p = Path::new(".");
                break;
            }
        }
    }
    let s = rustix::fs::statvfs(p).map_err(std::io::Error::from)?;
    Ok(Space {
        free: s.f_bavail.saturating_mul(s.f_frsize),
        total: s.f_blocks.saturating_mul(s.f_frsize),
    })
}

/// `12.3 MB`-style size for messages.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_of_a_missing_file_is_its_directory_s() {
        let d = tempfile::tempdir().unwrap();
        let s = space(&d.path().join("not/yet/hall.db")).unwrap();
        assert!(s.total > 0 && s.free <= s.total);
        assert_eq!(human(1536), "1.5 KB");
    }
}

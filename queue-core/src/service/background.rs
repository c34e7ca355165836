//! The writer's helpers off its commit path: the WAL checkpointer thread and the hall clock
//! that never runs backwards.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use super::ServiceError;
use crate::clock::Clock;
use crate::store::Store;

/// Checkpoints the WAL every second on its own connection, so the writer's commits never pay
/// for it. Stops when the writer does.
pub(super) fn spawn_checkpointer(db: &Path, stopped: Arc<AtomicBool>) -> Result<(), ServiceError> {
    let store = Store::open(db)?;
    std::thread::Builder::new()
        .name("hall-checkpoint".into())
        .spawn(move || {
            while !stopped.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(500));
                if let Err(e) = store.checkpoint() {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
            }
        })
        .map_err(ServiceError::Thread)?;
    Ok(())
}

/// Hall time never runs backwards, even across a restart with another `--start`.
pub(super) fn advance(
    clock: &dyn Clock,
    last_at: &mut DateTime<FixedOffset>,
) -> DateTime<FixedOffset> {
    let t = clock.now().max(*last_at);
    *last_at = t;
    t
}

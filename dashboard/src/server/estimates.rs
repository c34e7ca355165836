//! The server's estimate board (`queue_core::estimate::board`): refreshed by the summary task
//! at most every summary interval, read by snapshots and by replies that issue a ticket. The
//! simulation runs here, on a runtime thread and outside the state lock, never on the writer.

use std::sync::{Arc, Mutex, PoisonError};

use queue_core::estimate::board::{self, Board};
use queue_core::service::HallService;

/// The latest board, shared by every connection.
#[derive(Debug, Default)]
pub struct Estimates {
    board: Mutex<Arc<Board>>,
}

impl Estimates {
    /// The board as last computed (cheap: a reference count).
    pub fn current(&self) -> Arc<Board> {
        Arc::clone(&self.board.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Recomputes every queue from the committed state.
    pub fn refresh(&self, service: &HallService) -> Arc<Board> {
        let inputs = {
            let g = service.read();
            board::inputs(&g.hall.queue, &g.hall.config.rules, g.seq, g.now, None)
        };
        let fresh = inputs.compute();
        let mut cur = self.board.lock().unwrap_or_else(PoisonError::into_inner);
        // Two refreshes may race; the later state wins.
        if fresh.seq >= cur.seq {
            *cur = Arc::new(fresh);
        }
        Arc::clone(&cur)
    }

    /// The board with the queues whose open windows changed since it was computed brought up
    /// to date first: the first ticket after the morning's first window opens gets a figure
    /// without waiting for the next refresh.
    pub fn fresh(&self, service: &HallService) -> Arc<Board> {
        let cur = self.current();
        let inputs = {
            let g = service.read();
            let stale = cur.stale_queues(&g.hall.queue);
            if stale.is_empty() {
                return cur;
            }
            board::inputs(
                &g.hall.queue,
                &g.hall.config.rules,
                g.seq,
                g.now,
                Some(&stale),
            )
        };
        let fresh = inputs.compute();
        let mut cur = self.board.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Board::clone(&cur);
        next.merge(fresh);
        *cur = Arc::new(next);
        Arc::clone(&cur)
    }
}

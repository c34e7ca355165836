//! A print spooler that keeps failed jobs until they print or the operator
//! discards them, so a paper-out never loses a ticket.

use std::collections::VecDeque;
use std::fmt;

use super::{Printer, PrinterError};

/// Identifies a job within one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A job waiting to be printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedJob {
    pub id: JobId,
    /// Shown to the operator, e.g. "ticket A023".
    pub label: String,
    pub bytes: Vec<u8>,
    pub attempts: u32,
    pub last_error: Option<PrinterError>,
}

/// A job could not be printed; it (and any behind it) stays queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("print job {id} ({label}) failed: {error}; {pending} job(s) waiting")]
pub struct JobFailed {
    pub id: JobId,
    pub label: String,
    pub error: PrinterError,
    pub pending: usize,
}

/// Prints jobs in order. A failed job blocks the ones after it, so tickets
/// come out in the order they were issued once the fault is cleared.
pub struct PrintQueue<P: Printer> {
    printer: P,
    pending: VecDeque<QueuedJob>,
    next_id: u64,
}

impl<P: Printer> PrintQueue<P> {
    pub fn new(printer: P) -> Self {
        Self {
            printer,
            pending: VecDeque::new(),
            next_id: 1,
        }
    }

    /// Queues a job and tries to print everything pending. The job is kept
    /// whether or not printing succeeds now.
    pub fn submit(&mut self, label: impl Into<String>, bytes: Vec<u8>) -> Result<JobId, JobFailed> {
        let id = JobId(self.next_id);
        self.next_id += 1;
        self.pending.push_back(QueuedJob {
            id,
            label: label.into(),
            bytes,
            attempts: 0,
            last_error: None,
        });
        self.retry().map(|_| id)
    }

    /// Prints pending jobs in order until one fails. Returns the ids printed.
    pub fn retry(&mut self) -> Result<Vec<JobId>, JobFailed> {
        let mut printed = Vec::new();
        while let Some(job) = self.pending.front_mut() {
            job.attempts += 1;
            // A job that fails half-way is printed again in full: a duplicate
            // slip is better than a missing one.
            match self.printer.print(&job.bytes) {
                Ok(()) => {
                    tracing::info!(id = %job.id, label = %job.label, "printed");
                    printed.push(job.id);
                    self.pending.pop_front();
                }
                Err(error) => {
                    tracing::warn!(id = %job.id, label = %job.label, %error, "print failed");
                    job.last_error = Some(error.clone());
                    return Err(JobFailed {
                        id: job.id,
                        label: job.label.clone(),
                        error,
                        pending: self.pending.len(),
                    });
                }
            }
        }
        Ok(printed)
    }

    /// Jobs not yet printed, oldest first.
    pub fn pending(&self) -> impl ExactSizeIterator<Item = &QueuedJob> {
        self.pending.iter()
    }

    /// Removes a job on the operator's explicit request.
    pub fn discard(&mut self, id: JobId) -> Option<QueuedJob> {
        let pos = self.pending.iter().position(|j| j.id == id)?;
        self.pending.remove(pos)
    }

    pub fn printer(&mut self) -> &mut P {
        &mut self.printer
    }
}

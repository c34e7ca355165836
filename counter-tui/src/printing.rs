//! Printer glue: one thread owns the printer and its [`PrintQueue`] (serial I/O blocks; the
//! UI must not), polls the printer's status, keeps failed jobs, and reports back as messages.
//! The simulated printer's output also goes to a text file people and tests can read.

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use device::printer::{render_bytes, JobId, PrintQueue, Printer, PrinterError};
use tokio::sync::mpsc::UnboundedSender;

use crate::msg::{Msg, PrinterReport};
use crate::slips::PAPER;

#[derive(Debug)]
pub enum PrintCmd {
    /// A job; `tz` is the centre's offset, for the time stamped in the simulated printout.
    Submit {
        label: String,
        bytes: Vec<u8>,
        tz: chrono::FixedOffset,
    },
    Retry,
}

/// How often the printer is asked for its state when idle.
const POLL: Duration = Duration::from_secs(2);

struct Worker {
    queue: PrintQueue<Box<dyn Printer>>,
    out: UnboundedSender<Msg>,
    file: Option<PathBuf>,
    last_status: Option<Result<(), PrinterError>>,
    /// The centre's offset (UTC+8 until the hall says otherwise).
    tz: chrono::FixedOffset,
}

/// Starts the printer thread.
///
/// # Errors
/// If the thread cannot be spawned.
pub fn spawn(
    printer: Box<dyn Printer>,
    file: Option<PathBuf>,
    out: UnboundedSender<Msg>,
) -> std::io::Result<Sender<PrintCmd>> {
    let (tx, rx) = mpsc::channel::<PrintCmd>();
    let mut w = Worker {
        queue: PrintQueue::new(printer),
        out,
        tz: queue_core::config::UTC8,
        file,
        last_status: None,
    };
    std::thread::Builder::new()
        .name("printer".into())
        .spawn(move || {
            w.poll();
            loop {
                match rx.recv_timeout(POLL) {
                    Ok(PrintCmd::Submit { label, bytes, tz }) => {
                        w.tz = tz;
                        w.run(Some((label, bytes)));
                    }
                    Ok(PrintCmd::Retry) => w.run(None),
                    Err(RecvTimeoutError::Timeout) => w.poll(),
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })?;
    Ok(tx)
}

impl Worker {
    fn send(&self, r: PrinterReport) {
        let _ = self.out.send(Msg::Printer(r));
    }

    fn poll(&mut self) {
        let s = match self.queue.printer().status() {
            Ok(st) => st.fault().map_or(Ok(()), |f| Err(PrinterError::Fault(f))),
            Err(e) => Err(e),
        };
        if self.last_status.as_ref() != Some(&s) {
            self.last_status = Some(s.clone());
            self.send(PrinterReport::Status(s));
        }
    }

    /// Submits a new job (or retries the kept ones) and reports what printed and what failed.
    fn run(&mut self, new: Option<(String, Vec<u8>)>) {
        let mut known: Vec<(JobId, String, Vec<u8>)> = self
            .queue
            .pending()
            .map(|j| (j.id, j.label.clone(), j.bytes.clone()))
            .collect();
        let failed = match new {
            Some((label, bytes)) => match self.queue.submit(label.clone(), bytes.clone()) {
                Ok(id) => {
                    known.push((id, label, bytes));
                    None
                }
                Err(f) => Some(f),
            },
            None => self.queue.retry().err(),
        };
        let still: Vec<JobId> = self.queue.pending().map(|j| j.id).collect();
        let pending = still.len();
        for (_, label, bytes) in known.into_iter().filter(|(id, ..)| !still.contains(id)) {
            let text = render_bytes(&bytes, PAPER.columns());
            self.append(&label, &text);
            self.send(PrinterReport::Printed {
                label,
                text,
                pending,
            });
        }
        match failed {
            Some(f) => {
                self.last_status = Some(Err(f.error.clone()));
                self.send(PrinterReport::Failed {
                    label: f.label,
                    error: f.error,
                    pending,
                });
            }
            None => self.last_status = Some(Ok(())),
        }
    }

    fn append(&self, label: &str, text: &str) {
        let Some(path) = &self.file else { return };
        let r = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| {
                writeln!(
                    f,
                    "===== {label} · {} =====",
                    chrono::Utc::now()
                        .with_timezone(&self.tz)
                        .format("%Y-%m-%d %H:%M:%S")
                )?;
                writeln!(f, "{text}")
            });
        if let Err(e) = r {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the printer output file");
        }
    }
}

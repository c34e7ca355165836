//! Virtual printers: in-process ([`SimPrinter`]) and on a pseudo-terminal
//! ([`PtyPrinterSim`]) so the real [`super::SerialPrinter`] can be tested.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

use super::decode::{decode_one, render, Op, Step};
use super::status::PrinterStatus;
use super::{Printer, PrinterError};
use crate::port::pty_pair;

/// The condition a simulated printer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimPrinterState {
    #[default]
    Normal,
    PaperOut,
    CoverOpen,
    /// Never answers status queries (like a printer that is switched off).
    Silent,
}

impl SimPrinterState {
    /// The answer to DLE EOT `n`, as a real printer in this state gives it.
    pub fn answer(self, n: u8) -> Option<u8> {
        match (self, n) {
            (Self::Silent, _) => None,
            (Self::Normal, _) => Some(0x12),
            (Self::PaperOut, 1) | (Self::CoverOpen, 1) => Some(0x1A),
            (Self::PaperOut, 2) => Some(0x32),
            (Self::PaperOut, 4) => Some(0x72),
            (Self::CoverOpen, 2) => Some(0x16),
            (_, _) => Some(0x12),
        }
    }

    fn status(self) -> Option<PrinterStatus> {
        Some(PrinterStatus::from_bytes(
            self.answer(1)?,
            self.answer(2)?,
            self.answer(4)?,
        ))
    }
}

/// One job the simulator printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimJob {
    /// The job's bytes (status queries excluded).
    pub bytes: Vec<u8>,
    /// Readable rendering of the job.
    pub text: String,
}

struct Shared {
    state: Mutex<SimPrinterState>,
    jobs: Mutex<Vec<SimJob>>,
    job_added: Condvar,
    subscribers: Mutex<Vec<Sender<SimJob>>>,
    columns: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new(state: SimPrinterState, columns: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(state),
            jobs: Mutex::new(Vec::new()),
            job_added: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            columns,
        })
    }

    fn state(&self) -> SimPrinterState {
        *lock(&self.state)
    }

    fn record(&self, bytes: Vec<u8>, ops: &[Op]) {
        let job = SimJob {
            text: render(ops, self.columns),
            bytes,
        };
        lock(&self.subscribers).retain(|tx| tx.send(job.clone()).is_ok());
        lock(&self.jobs).push(job);
        self.job_added.notify_all();
    }

    fn wait_for_jobs(&self, n: usize, timeout: Duration) -> Vec<SimJob> {
        let deadline = Instant::now() + timeout;
        let mut jobs = lock(&self.jobs);
        while jobs.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            jobs = self
                .job_added
                .wait_timeout(jobs, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        jobs.clone()
    }
}

/// In-process virtual printer. Clones share state and recorded jobs.
#[derive(Clone)]
pub struct SimPrinter {
    shared: Arc<Shared>,
}

impl Default for SimPrinter {
    fn default() -> Self {
        Self::new(SimPrinterState::Normal, 48)
    }
}

impl SimPrinter {
    /// `columns` is the width used to render jobs (32 for 58 mm, 48 for 80 mm).
    pub fn new(state: SimPrinterState, columns: usize) -> Self {
        Self {
            shared: Shared::new(state, columns),
        }
    }

    pub fn set_state(&self, state: SimPrinterState) {
        *lock(&self.shared.state) = state;
    }

    pub fn jobs(&self) -> Vec<SimJob> {
        lock(&self.shared.jobs).clone()
    }
}

impl Printer for SimPrinter {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.shared.state().status().ok_or(PrinterError::NoAnswer)
    }

    fn print(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        if let Some(fault) = self.status()?.fault() {
            return Err(PrinterError::Fault(fault));
        }
        let ops = super::decode::decode(bytes);
        self.shared.record(bytes.to_vec(), &ops);
        Ok(())
    }
}

/// A virtual printer on a pseudo-terminal. A thread reads what is written to
/// [`PtyPrinterSim::path`], answers DLE EOT status queries according to the
/// state, and records each job (ended by a cut, or by 300 ms of silence).
pub struct PtyPrinterSim {
    shared: Arc<Shared>,
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    // Keeps the tty alive between clients, so the master never sees a
    // hang-up when a client closes the port.
    _slave: TTYPort,
}

/// Silence after which buffered bytes are taken as a complete job.
const IDLE_FLUSH: Duration = Duration::from_millis(300);

impl PtyPrinterSim {
    pub fn start(state: SimPrinterState, columns: usize) -> serialport::Result<Self> {
        let (master, slave, path) = pty_pair()?;
        let shared = Shared::new(state, columns);
        let stop = Arc::new(AtomicBool::new(false));
        let worker = PtyWorker {
            master,
            shared: Arc::clone(&shared),
            stop: Arc::clone(&stop),
            pending: Vec::new(),
            job_bytes: Vec::new(),
            job_ops: Vec::new(),
            last_data: Instant::now(),
        };
        let thread = std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn(move || worker.run())?;
        Ok(Self {
            shared,
            path,
            stop,
            thread: Some(thread),
            _slave: slave,
        })
    }

    /// The device path to give to a [`super::SerialPrinter`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn set_state(&self, state: SimPrinterState) {
        *lock(&self.shared.state) = state;
    }

    pub fn jobs(&self) -> Vec<SimJob> {
        lock(&self.shared.jobs).clone()
    }

    /// Waits until at least `n` jobs were recorded (or the timeout passes).
    pub fn wait_for_jobs(&self, n: usize, timeout: Duration) -> Vec<SimJob> {
        self.shared.wait_for_jobs(n, timeout)
    }

    /// Receives every job recorded from now on.
    pub fn subscribe(&self) -> Receiver<SimJob> {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.subscribers).push(tx);
        rx
    }
}

impl Drop for PtyPrinterSim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct PtyWorker {
    master: TTYPort,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    pending: Vec<u8>,
    job_bytes: Vec<u8>,
    job_ops: Vec<Op>,
    last_data: Instant,
}

impl PtyWorker {
    fn run(mut self) {
        let _ = self.master.set_timeout(Duration::from_millis(50));
        let mut buf = [0u8; 4096];
        while !self.stop.load(Ordering::Relaxed) {
            match self.master.read(&mut buf) {
                Ok(n) if n > 0 => {
                    self.pending.extend_from_slice(&buf[..n]);
                    self.last_data = Instant::now();
                    self.process(false);
                }
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    // Unexpected while we hold the slave open; avoid spinning.
                    tracing::debug!(error = %e, "printer sim read error");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            let busy = !self.pending.is_empty() || !self.job_ops.is_empty();
            if busy && self.last_data.elapsed() >= IDLE_FLUSH {
                self.process(true);
                self.finish_job();
            }
        }
    }

    fn process(&mut self, eof: bool) {
        loop {
            let (op, used) = match decode_one(&self.pending, eof) {
                Step::Op(op, used) => (op, used.max(1).min(self.pending.len())),
                Step::Incomplete => return,
            };
            if self.pending.is_empty() {
                return;
            }
            let raw: Vec<u8> = self.pending.drain(..used).collect();
            match op {
                Op::StatusQuery(n) => {
                    if let Some(answer) = self.shared.state().answer(n) {
                        let _ = self.master.write_all(&[answer]);
                    }
                }
                Op::Cut { .. } => {
                    self.job_bytes.extend(raw);
                    self.job_ops.push(op);
                    self.finish_job();
                }
                op => {
                    self.job_bytes.extend(raw);
                    self.job_ops.push(op);
                }
            }
            if self.pending.is_empty() {
                return;
            }
        }
    }

    fn finish_job(&mut self) {
        if self.job_ops.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.job_bytes);
        let ops = std::mem::take(&mut self.job_ops);
        self.shared.record(bytes, &ops);
    }
}

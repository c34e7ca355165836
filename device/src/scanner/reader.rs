//! The serial scanner reader: a std thread that frames, decodes and
//! classifies scans, survives unplugging, and reports over an mpsc channel.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::decode::{DecodeConfig, ScanDecoder, ScanWarning};
use super::framer::{Framer, FramerConfig};
use super::{Scan, ScannerEvent};
use crate::port::SerialLink;

/// Everything needed to run a serial scanner.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    pub path: PathBuf,
    pub baud: u32,
    pub framing: FramerConfig,
    pub decode: DecodeConfig,
    /// How often to look for the port to come back after an unplug.
    pub reconnect_poll: Duration,
}

impl ScannerConfig {
    /// 9600 baud, 50 ms gap, 4096-byte frames, AIM ids stripped.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 9600,
            framing: FramerConfig::default(),
            decode: DecodeConfig::default(),
            reconnect_poll: Duration::from_millis(200),
        }
    }
}

/// Why the scanner link went down.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisconnectReason {
    #[error("end of file (device gone)")]
    Eof,
    #[error("broken pipe / hang-up")]
    BrokenPipe,
    #[error("I/O error: {0}")]
    Io(String),
    #[error("cannot open port: {0}")]
    Open(String),
}

/// A running reader thread. Dropping it stops the thread.
pub struct ScannerReader {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScannerReader {
    /// Starts reading `config.path` in a new thread; events go to `events`.
    /// A port that is missing at start is waited for, like an unplugged one.
    pub fn spawn(config: ScannerConfig, events: Sender<ScannerEvent>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("scanner-reader".into())
            .spawn(move || Worker::new(config, events, flag).run())?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Asks the thread to stop and waits for it (at most ~100 ms).
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// False once the thread has ended (stopped, or the receiver was dropped).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ScannerReader {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Longest a blocking read may take, so `stop` is noticed promptly.
const IDLE_READ: Duration = Duration::from_millis(100);

struct Worker {
    config: ScannerConfig,
    events: Sender<ScannerEvent>,
    stop: Arc<AtomicBool>,
    framer: Framer,
    decoder: ScanDecoder,
}

enum LinkEnd {
    Stopped,
    Lost(DisconnectReason),
}

impl Worker {
    fn new(config: ScannerConfig, events: Sender<ScannerEvent>, stop: Arc<AtomicBool>) -> Self {
        let framer = Framer::new(config.framing);
        let decoder = ScanDecoder::new(config.decode.clone(), config.framing.max_len);
        Self {
            config,
            events,
            stop,
            framer,
            decoder,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sends an event; a dropped receiver means nobody wants scans any more.
    fn send(&self, event: ScannerEvent) -> bool {
        let ok = self.events.send(event).is_ok();
        if !ok {
            self.stop.store(true, Ordering::Relaxed);
        }
        ok
    }

    fn run(mut self) {
        let mut down_reported = false;
        while !self.stopped() {
            let link = if self.config.path.exists() {
                SerialLink::open(&self.config.path, self.config.baud, IDLE_READ)
            } else {
                Err(serialport::Error::new(
                    serialport::ErrorKind::NoDevice,
                    format!("{} does not exist", self.config.path.display()),
                ))
            };
            let link = match link {
                Ok(link) => link,
                Err(e) => {
                    if !down_reported {
                        down_reported = true;
                        let reason = DisconnectReason::Open(e.to_string());
                        if !self.send(ScannerEvent::Disconnected { reason }) {
                            return;
                        }
                    }
                    self.sleep(self.config.reconnect_poll);
                    continue;
                }
            };
            tracing::info!(path = %self.config.path.display(), "scanner connected");
            if !self.send(ScannerEvent::Connected {
                path: self.config.path.clone(),
            }) {
                return;
            }
            match self.read_link(link) {
                LinkEnd::Stopped => return,
                LinkEnd::Lost(reason) => {
                    tracing::warn!(%reason, "scanner disconnected");
                    let lost = self.framer.reset();
                    if lost > 0 {
                        self.send(ScannerEvent::Warning(ScanWarning::PartialFrameLost {
                            len: lost,
                        }));
                    }
                    down_reported = true;
                    if !self.send(ScannerEvent::Disconnected { reason }) {
                        return;
                    }
                    // A vanishing USB device can linger for a moment; don't
                    // flap between connected and disconnected while it goes.
                    self.sleep(self.config.reconnect_poll);
                }
            }
        }
    }

    fn sleep(&self, total: Duration) {
        let until = Instant::now() + total;
        while !self.stopped() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }

    fn read_link(&mut self, mut link: SerialLink) -> LinkEnd {
        let mut buf = [0u8; 512];
        loop {
            if self.stopped() {
                return LinkEnd::Stopped;
            }
            // Wake exactly when a pending frame's gap expires.
            let timeout = match self.framer.deadline() {
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .clamp(Duration::from_millis(1), IDLE_READ),
                None => IDLE_READ,
            };
            let _ = link.set_timeout(timeout);
            match link.read(&mut buf) {
                Ok(0) => return LinkEnd::Lost(DisconnectReason::Eof),
                Ok(n) => {
                    let frames = self.framer.push(&buf[..n], Instant::now());
                    for f in frames {
                        self.emit(self.decoder.decode_event(f));
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::BrokenPipe => {
                    return LinkEnd::Lost(DisconnectReason::BrokenPipe)
                }
                Err(e) => return LinkEnd::Lost(DisconnectReason::Io(e.to_string())),
            }
            if let Some(f) = self.framer.poll(Instant::now()) {
                self.emit(self.decoder.decode_event(f));
            }
        }
    }

    fn emit(&self, result: Result<Scan, ScanWarning>) {
        let event = match result {
            Ok(scan) => ScannerEvent::Scan(scan),
            Err(w) => {
                tracing::warn!(warning = %w, "scanner frame rejected");
                ScannerEvent::Warning(w)
            }
        };
        self.send(event);
    }
}

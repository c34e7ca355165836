//! Simulated scanners: an in-process one for application tests and a
//! pseudo-terminal one that exercises the real serial reader.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};

use serialport::TTYPort;

use super::decode::{DecodeConfig, ScanDecoder};
use super::framer::FramerConfig;
use super::reader::DisconnectReason;
use super::ScannerEvent;
use crate::port::pty_pair;

/// In-process scanner: `scan()` runs a frame through the same decoding and
/// classification as the serial reader. Clones share the same channel.
#[derive(Debug, Clone)]
pub struct SimScanner {
    decoder: ScanDecoder,
    events: Arc<Mutex<Option<Sender<ScannerEvent>>>>,
}

impl Default for SimScanner {
    fn default() -> Self {
        Self::new(DecodeConfig::default())
    }
}

impl SimScanner {
    pub fn new(config: DecodeConfig) -> Self {
        Self {
            decoder: ScanDecoder::new(config, FramerConfig::default().max_len),
            events: Arc::new(Mutex::new(None)),
        }
    }

    fn send(&self, event: ScannerEvent) -> bool {
        let guard = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().is_some_and(|tx| tx.send(event).is_ok())
    }

    pub(super) fn attach(&self, tx: Sender<ScannerEvent>) {
        let _ = tx.send(ScannerEvent::Connected {
            path: PathBuf::from("sim"),
        });
        *self.events.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
    }

    pub(super) fn detach(&self) {
        *self.events.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(super) fn is_attached(&self) -> bool {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Delivers one frame (without terminator). False if nobody is listening.
    pub fn scan(&self, frame: impl AsRef<[u8]>) -> bool {
        let event = match self.decoder.decode(frame.as_ref()) {
            Ok(scan) => ScannerEvent::Scan(scan),
            Err(w) => ScannerEvent::Warning(w),
        };
        self.send(event)
    }

    /// Pretends the cable was pulled.
    pub fn unplug(&self) -> bool {
        self.send(ScannerEvent::Disconnected {
            reason: DisconnectReason::Eof,
        })
    }

    /// Pretends the cable came back.
    pub fn replug(&self) -> bool {
        self.send(ScannerEvent::Connected {
            path: PathBuf::from("sim"),
        })
    }
}

/// A scanner on a pseudo-terminal: bytes written here arrive at `path()` as
/// if a serial scanner had sent them. Dropping it looks like an unplug.
pub struct VirtualScanner {
    master: TTYPort,
    // Held open so bytes written before the reader opens the port are kept
    // (the slave's input queue lives as long as some slave fd is open).
    _slave: TTYPort,
    path: PathBuf,
}

impl VirtualScanner {
    pub fn new() -> serialport::Result<Self> {
        let (master, slave, path) = pty_pair()?;
        Ok(Self {
            master,
            _slave: slave,
            path,
        })
    }

    /// The device path a reader should open.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes raw bytes, exactly as given.
    pub fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        // No flush: tcdrain on a pty master is pointless (the bytes are
        // already in the slave's input queue once write returns).
        self.master.write_all(bytes)
    }

    /// Writes `data` followed by CR, the most common scanner terminator.
    pub fn send_frame(&mut self, data: &str) -> std::io::Result<()> {
        let mut bytes = data.as_bytes().to_vec();
        bytes.push(b'\r');
        self.write_raw(&bytes)
    }
}

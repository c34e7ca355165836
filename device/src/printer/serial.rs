//! An ESC/POS printer on a serial port, status-checked before every job.

use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::status::{is_status_byte, PrinterStatus};
use super::{Printer, PrinterError};
use crate::port::SerialLink;

#[derive(Debug, Clone)]
pub struct SerialPrinterConfig {
    pub path: PathBuf,
    pub baud: u32,
    /// How long to wait for each status answer.
    pub status_timeout: Duration,
    /// How long one write may block (flow control can stall a busy printer).
    pub write_timeout: Duration,
}

impl SerialPrinterConfig {
    /// 9600 baud, 500 ms status timeout, 10 s write timeout.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 9600,
            status_timeout: Duration::from_millis(500),
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// The port is opened on first use and reopened after an I/O error, so a
/// printer that was unplugged and plugged back in works on the next job.
pub struct SerialPrinter {
    config: SerialPrinterConfig,
    link: Option<SerialLink>,
}

impl SerialPrinter {
    pub fn new(config: SerialPrinterConfig) -> Self {
        Self { config, link: None }
    }

    pub fn config(&self) -> &SerialPrinterConfig {
        &self.config
    }

    fn link(&mut self) -> Result<&mut SerialLink, PrinterError> {
        if self.link.is_none() {
            let link = SerialLink::open(
                &self.config.path,
                self.config.baud,
                self.config.status_timeout,
            )
            .map_err(|e| PrinterError::Open {
                path: self.config.path.display().to_string(),
                message: e.to_string(),
            })?;
            self.link = Some(link);
        }
        self.link
            .as_mut()
            .ok_or_else(|| PrinterError::Io("port not open".into()))
    }

    /// Drops the port after an I/O error so the next call reopens it.
    fn io_error(&mut self, e: impl std::fmt::Display) -> PrinterError {
        self.link = None;
        PrinterError::Io(e.to_string())
    }

    /// Sends DLE EOT `n` and waits for a status byte.
    fn query(&mut self, n: u8) -> Result<u8, PrinterError> {
        let timeout = self.config.status_timeout;
        let link = self.link()?;
        // Stale bytes (e.g. a late answer to an earlier query) would be
        // mistaken for this answer.
        let _ = link.clear_input();
        let sent = link
            .set_timeout(timeout)
            .map_err(|e| e.to_string())
            .and_then(|()| link.write_all(&[0x10, 0x04, n]).map_err(|e| e.to_string()));
        if let Err(e) = sent {
            return Err(self.io_error(e));
        }
        let deadline = Instant::now() + timeout;
        let mut byte = [0u8; 1];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PrinterError::NoAnswer);
            }
            let link = self.link()?;
            let _ = link.set_timeout(left);
            match link.read(&mut byte) {
                Ok(1) if is_status_byte(byte[0]) => return Ok(byte[0]),
                Ok(1) => {} // not a status answer; keep waiting
                Ok(_) => return Err(self.io_error("port closed")),
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    return Err(PrinterError::NoAnswer)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(e)),
            }
        }
    }
}

impl Printer for SerialPrinter {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let printer = self.query(1)?;
        let offline_cause = self.query(2)?;
        let paper = self.query(4)?;
        Ok(PrinterStatus::from_bytes(printer, offline_cause, paper))
    }

    fn print(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        let status = self.status()?;
        if let Some(fault) = status.fault() {
            return Err(PrinterError::Fault(fault));
        }
        let timeout = self.config.write_timeout;
        let link = self.link()?;
        let _ = link.set_timeout(timeout);
        let written = link.write_all(bytes).and_then(|()| link.flush());
        written.map_err(|e| self.io_error(e))
    }
}

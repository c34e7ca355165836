//! Barcode/QR scanners on a serial port (or a simulation of one).
//!
//! Bytes go through [`Framer`] (frame boundaries), [`ScanDecoder`]
//! (prefix/suffix/AIM id, garbage checks) and [`classify`] (what the code is).

mod aim;
mod classify;
mod decode;
mod framer;
mod reader;
mod sim;

use std::path::PathBuf;
use std::sync::mpsc::Sender;

pub use aim::{strip_aim, Symbology};
pub use classify::{
    classify, classify_with, is_ticket_id, ticket_payload, AppointmentPattern, ClassifyConfig,
    CodeFamily, InvalidReason, Scan, ScanKind, ScanRecord, DOCUMENT_PREFIX, TICKET_PREFIX,
};
pub use decode::{DecodeConfig, ScanDecoder, ScanWarning};
pub use framer::{FrameEvent, Framer, FramerConfig};
pub use reader::{DisconnectReason, ScannerConfig, ScannerReader};
pub use sim::{SimScanner, VirtualScanner};

/// What a scanner reports to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    Connected {
        path: PathBuf,
    },
    Scan(Scan),
    /// A frame was rejected; the scanner keeps running.
    Warning(ScanWarning),
    Disconnected {
        reason: DisconnectReason,
    },
}

/// A source of scanner events, real or simulated.
pub trait Scanner: Send {
    /// Starts delivering events to `events` until the handle is dropped.
    fn start(&mut self, events: Sender<ScannerEvent>) -> std::io::Result<ScannerHandle>;
}

/// Keeps a started scanner running; dropping it stops delivery.
pub struct ScannerHandle {
    inner: HandleInner,
}

enum HandleInner {
    Reader(ScannerReader),
    Sim(SimScanner),
}

impl Drop for ScannerHandle {
    fn drop(&mut self) {
        if let HandleInner::Sim(sim) = &self.inner {
            sim.detach();
        }
        // A ScannerReader stops itself on drop.
    }
}

impl ScannerHandle {
    /// False once the underlying reader thread has ended.
    pub fn is_running(&self) -> bool {
        match &self.inner {
            HandleInner::Reader(r) => r.is_running(),
            HandleInner::Sim(s) => s.is_attached(),
        }
    }
}

/// The real scanner: a serial port read by a [`ScannerReader`] thread.
#[derive(Debug, Clone)]
pub struct SerialScanner {
    pub config: ScannerConfig,
}

impl SerialScanner {
    pub fn new(config: ScannerConfig) -> Self {
        Self { config }
    }
}

impl Scanner for SerialScanner {
    fn start(&mut self, events: Sender<ScannerEvent>) -> std::io::Result<ScannerHandle> {
        let reader = ScannerReader::spawn(self.config.clone(), events)?;
        Ok(ScannerHandle {
            inner: HandleInner::Reader(reader),
        })
    }
}

impl Scanner for SimScanner {
    fn start(&mut self, events: Sender<ScannerEvent>) -> std::io::Result<ScannerHandle> {
        self.attach(events);
        Ok(ScannerHandle {
            inner: HandleInner::Sim(self.clone()),
        })
    }
}

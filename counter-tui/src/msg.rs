//! What flows into `update()` and what comes out of it (the Elm architecture): messages in,
//! effects out. Effects are carried out by the run loop, never by `update()` itself.

use chrono::{DateTime, FixedOffset};
use crossterm::event::KeyEvent;
use dashboard::client::Incoming;
use device::idcard::IdReaderEvent;
use device::printer::PrinterError;
use device::scanner::ScannerEvent;
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Hall(Incoming),
    Scanner(ScannerEvent),
    Printer(PrinterReport),
    /// The resident ID card reader.
    IdCard(IdReaderEvent),
    /// The hall clock, about twice a second.
    Tick(DateTime<FixedOffset>),
    /// The terminal was resized: just draw again.
    Redraw,
}

/// What the printer thread tells the application.
#[derive(Debug, Clone, PartialEq)]
pub enum PrinterReport {
    Printed {
        label: String,
        text: String,
        pending: usize,
    },
    Failed {
        label: String,
        error: PrinterError,
        pending: usize,
    },
    /// The periodic status check: `Ok` when the printer can print.
    Status(Result<(), PrinterError>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A protocol command, queued by the reconnecting client under `id`.
    Send {
        id: String,
        command: Value,
    },
    /// Print this job (kept in the print queue until it prints).
    Print {
        label: String,
        bytes: Vec<u8>,
    },
    /// Try the kept jobs again.
    RetryPrint,
    /// Simulated printer only: paper out (true) or back to normal.
    SimPaperOut(bool),
    /// Simulated scanner only: feed this text as a scan.
    SimScan(String),
    /// Simulated ID card reader only: take the card away and place sample card N (cycling).
    SimCard(usize),
    /// Ask the hall for a fresh snapshot.
    Resync,
    Quit,
}

/// Where print jobs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterKind {
    /// In-process simulator; its output is also written to a text file.
    Simulated {
        file: String,
    },
    Serial {
        path: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrinterState {
    Unknown,
    Ready,
    Fault(PrinterError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrinterInfo {
    pub kind: PrinterKind,
    pub state: PrinterState,
    /// Jobs kept because they have not printed yet.
    pub pending: usize,
    /// The last job printed, rendered as text.
    pub last: Option<(String, String)>,
    /// The simulated printer is set to paper-out.
    pub sim_paper_out: bool,
}

impl PrinterInfo {
    #[must_use]
    pub fn new(kind: PrinterKind) -> Self {
        Self {
            kind,
            state: PrinterState::Unknown,
            pending: 0,
            last: None,
            sim_paper_out: false,
        }
    }

    #[must_use]
    pub fn simulated(&self) -> bool {
        matches!(self.kind, PrinterKind::Simulated { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerKind {
    Simulated,
    Serial { path: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerState {
    Unknown,
    Connected,
    Disconnected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerInfo {
    pub kind: ScannerKind,
    pub state: ScannerState,
}

/// A line for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

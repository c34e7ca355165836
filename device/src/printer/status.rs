//! Printer state from DLE EOT status bytes.

use std::fmt;

/// Paper sensor state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperState {
    #[default]
    Ok,
    NearEnd,
    Out,
}

/// A condition that stops printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterFault {
    CoverOpen,
    PaperOut,
    /// Cutter jam, overheating or another mechanical error.
    Error,
    Offline,
}

impl fmt::Display for PrinterFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CoverOpen => "cover open",
            Self::PaperOut => "paper out",
            Self::Error => "an error (cutter or mechanism)",
            Self::Offline => "offline",
        })
    }
}

/// What the printer said about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    pub online: bool,
    pub cover_open: bool,
    pub paper: PaperState,
    pub error: bool,
}

/// Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear; this is
/// how an answer is told apart from stray bytes.
pub(crate) fn is_status_byte(b: u8) -> bool {
    b & 0x93 == 0x12
}

impl PrinterStatus {
    pub fn ready() -> Self {
        Self {
            online: true,
            ..Self::default()
        }
    }

    /// Builds the state from the answers to DLE EOT 1, 2 and 4.
    pub fn from_bytes(printer: u8, offline_cause: u8, paper: u8) -> Self {
        Self {
            online: printer & 0x08 == 0,
            cover_open: offline_cause & 0x04 != 0,
            error: offline_cause & 0x40 != 0,
            paper: if paper & 0x60 != 0 {
                PaperState::Out
            } else if paper & 0x0C != 0 {
                PaperState::NearEnd
            } else {
                PaperState::Ok
            },
        }
    }

    /// The most important reason the printer cannot print, if any. A cover
    /// or paper problem also takes the printer offline, so it is named first.
    pub fn fault(&self) -> Option<PrinterFault> {
        if self.cover_open {
            Some(PrinterFault::CoverOpen)
        } else if self.paper == PaperState::Out {
            Some(PrinterFault::PaperOut)
        } else if self.error {
            Some(PrinterFault::Error)
        } else if !self.online {
            Some(PrinterFault::Offline)
        } else {
            None
        }
    }
}

impl fmt::Display for PrinterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.fault(), self.paper) {
            (Some(fault), _) => write!(f, "{fault}"),
            (None, PaperState::NearEnd) => f.write_str("ready (paper near end)"),
            (None, _) => f.write_str("ready"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_answers() {
        assert_eq!(
            PrinterStatus::from_bytes(0x12, 0x12, 0x12),
            PrinterStatus::ready()
        );
        assert_eq!(
            PrinterStatus::from_bytes(0x1A, 0x32, 0x72).fault(),
            Some(PrinterFault::PaperOut)
        );
        assert_eq!(
            PrinterStatus::from_bytes(0x1A, 0x16, 0x12).fault(),
            Some(PrinterFault::CoverOpen)
        );
        assert_eq!(
            PrinterStatus::from_bytes(0x12, 0x12, 0x1E).to_string(),
            "ready (paper near end)"
        );
    }

    #[test]
    fn status_bytes_are_recognised() {
        for b in [0x12, 0x16, 0x1A, 0x32, 0x72, 0x1E] {
            assert!(is_status_byte(b), "{b:#x}");
        }
        for b in [0x00, 0xFF, b'A', 0x13] {
            assert!(!is_status_byte(b), "{b:#x}");
        }
    }
}

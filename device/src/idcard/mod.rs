//! Resident ID card readers (二代证阅读器) on a serial port, speaking the SAM
//! interface protocol, and simulations of one.
//!
//! [`frame`] is the codec, [`card`] decodes the card's text (never its
//! photo), [`IdCardReader`] polls a real reader in a thread, [`SimIdReader`]
//! is an in-process reader for the counter's demo mode, and
//! [`VirtualIdReader`] answers the protocol on a pseudo-terminal.

pub mod card;
pub mod codes;
pub mod frame;
mod reader;
mod sim;
pub mod status;

use std::path::PathBuf;

pub use card::{decode_basic, mask, CardError, IdCard, Validity};
pub use codes::{nation_name, Sex};
pub use reader::{IdCardReader, IdReaderConfig};
pub use sim::{sample_cards, SimCard, SimIdReader, VirtualIdReader};
pub use status::Status;

use crate::scanner::DisconnectReason;

/// What a reader reports to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdReaderEvent {
    /// The reader is there and working (also sent when a fault clears).
    Connected {
        path: PathBuf,
    },
    /// A card was placed and read; sent once per placement.
    Card(IdCard),
    /// The card read last was taken away.
    Removed,
    /// Something went wrong with one read; the reader keeps polling.
    Warning(IdReaderWarning),
    /// The reader cannot read cards until serviced (SAM fault).
    Fault(Status),
    Disconnected {
        reason: DisconnectReason,
    },
}

/// A problem with one exchange; the reader goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdReaderWarning {
    #[error("corrupt frame from the reader: {0}")]
    Frame(frame::FrameError),
    #[error("the reader did not answer")]
    NoReply,
    #[error("{0}")]
    Status(Status),
    #[error("card data refused: {0}")]
    Card(CardError),
}

impl IdReaderWarning {
    /// For the status line in Chinese.
    #[must_use]
    pub fn zh(&self) -> String {
        match self {
            Self::Frame(_) => "阅读器数据校验错误，请重新放置身份证".into(),
            Self::NoReply => "阅读器无应答".into(),
            Self::Status(s) => s.zh(),
            Self::Card(CardError::Foreigner) => "外国人永久居留身份证，本窗口暂不支持读取".into(),
            Self::Card(_) => "身份证信息无效，请人工核验".into(),
        }
    }
}

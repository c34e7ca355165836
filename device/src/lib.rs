//! Serial barcode scanners, resident ID card readers and ESC/POS receipt
//! printers for the counter and kiosk apps, with simulators of each and the `device` field tool.
//!
//! * [`scanner`]: framing, classification and a reconnecting serial reader.
//! * [`printer`]: ESC/POS encoding, ticket/document layouts, the serial
//!   printer, a print queue that keeps failed jobs, and virtual printers.
//! * [`idcard`]: resident ID card readers (SAM protocol): codec, a polling
//!   reader that never keeps the photo, and simulators.
//! * [`ids`]: resident ID and unified social credit code validation.

// Unit tests may unwrap: a panic is how they report failure.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod idcard;
pub mod ids;
mod port;
pub mod printer;
pub mod scanner;

pub use port::replace_symlink;

//! Scanner glue: the device crate's reader (or the in-process simulator) delivers on a std
//! channel; a small thread forwards to the application's message channel.

use std::path::PathBuf;
use std::sync::mpsc;

use device::scanner::{Scanner, ScannerConfig, ScannerHandle, SerialScanner, SimScanner};
use tokio::sync::mpsc::UnboundedSender;

use crate::msg::Msg;

pub enum ScannerSetup {
    Simulated(SimScanner),
    Serial(PathBuf),
}

/// Starts delivering scans as [`Msg::Scanner`]. Keep the handle: dropping it stops the scanner.
///
/// # Errors
/// If the reader or the forwarding thread cannot start.
pub fn start(setup: ScannerSetup, out: UnboundedSender<Msg>) -> std::io::Result<ScannerHandle> {
    let (tx, rx) = mpsc::channel();
    let handle = match setup {
        ScannerSetup::Simulated(mut sim) => sim.start(tx)?,
        ScannerSetup::Serial(path) => SerialScanner::new(ScannerConfig::new(path)).start(tx)?,
    };
    std::thread::Builder::new()
        .name("scanner-forward".into())
        .spawn(move || {
            for ev in rx {
                if out.send(Msg::Scanner(ev)).is_err() {
                    return;
                }
            }
        })?;
    Ok(handle)
}

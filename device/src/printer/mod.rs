//! ESC/POS receipt printers: encoding, layouts, the serial printer, a print
//! queue that never drops jobs, and simulators.

mod decode;
mod escpos;
mod layout;
mod queue;
mod serial;
mod sim;
mod status;
mod text;

pub use decode::{decode, decode_one, qr_payloads, render, render_bytes, text_of, Op, Step};
pub use escpos::{
    check_qr, fit_module_size, Align, Cut, EncodeError, EscPos, PaperWidth, PrintJob, QrEc,
    QrOptions,
};
pub use layout::{
    acknowledgement, document, sample_document, sample_ticket, ticket, AckSlip, DocumentSlip,
    TicketSlip,
};
pub use queue::{JobFailed, JobId, PrintQueue, QueuedJob};
pub use serial::{SerialPrinter, SerialPrinterConfig};
pub use sim::{PtyPrinterSim, SimJob, SimPrinter, SimPrinterState};
pub use status::{PaperState, PrinterFault, PrinterStatus};
pub use text::{encode_char, encode_text, text_columns, wrap, EncodedText};

/// Why a printer could not print (or report its state).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrinterError {
    #[error("printer reports {0}")]
    Fault(PrinterFault),
    #[error("printer does not answer")]
    NoAnswer,
    #[error("cannot open printer port {path}: {message}")]
    Open { path: String, message: String },
    #[error("printer I/O error: {0}")]
    Io(String),
}

/// Something that prints ESC/POS bytes.
pub trait Printer: Send {
    /// Asks the printer for its state.
    fn status(&mut self) -> Result<PrinterStatus, PrinterError>;

    /// Checks the state and, if the printer can print, sends `bytes`.
    fn print(&mut self, bytes: &[u8]) -> Result<(), PrinterError>;
}

impl<P: Printer + ?Sized> Printer for Box<P> {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        (**self).status()
    }

    fn print(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        (**self).print(bytes)
    }
}

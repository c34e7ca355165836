//! The real SerialPrinter and PrintQueue against the pty printer simulator.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::time::{Duration, Instant};

use device::printer::{
    decode, document, qr_payloads, sample_document, sample_ticket, text_of, ticket, Op, PaperWidth,
    PrintQueue, Printer, PrinterError, PrinterFault, PtyPrinterSim, SerialPrinter,
    SerialPrinterConfig, SimPrinter, SimPrinterState,
};

const WAIT: Duration = Duration::from_secs(3);

fn printer_for(sim: &PtyPrinterSim) -> SerialPrinter {
    let mut config = SerialPrinterConfig::new(sim.path());
    config.status_timeout = Duration::from_millis(300);
    SerialPrinter::new(config)
}

#[test]
fn ticket_arrives_byte_for_byte_and_decodes() {
    let sim = PtyPrinterSim::start(SimPrinterState::Normal, 32).unwrap();
    let mut printer = printer_for(&sim);
    let job = ticket(&sample_ticket(), PaperWidth::Mm58).unwrap();
    printer.print(&job.bytes).unwrap();

    let jobs = sim.wait_for_jobs(1, WAIT);
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].bytes, job.bytes,
        "status queries must not leak into the job"
    );
    let ops = decode(&jobs[0].bytes);
    assert_eq!(&ops[..2], &[Op::Init, Op::ChineseMode(true)]);
    assert!(text_of(&ops).contains("社保医保业务"));
    assert_eq!(qr_payloads(&ops), vec![b"TK:20261122-A023".to_vec()]);
    assert!(
        jobs[0].text.contains("[QR: TK:20261122-A023]"),
        "{}",
        jobs[0].text
    );
    assert!(jobs[0].text.contains("前面还有 5 人"), "{}", jobs[0].text);
}

#[test]
fn status_reports_each_simulated_state() {
    let sim = PtyPrinterSim::start(SimPrinterState::Normal, 48).unwrap();
    let mut printer = printer_for(&sim);
    assert_eq!(printer.status().unwrap().fault(), None);
    sim.set_state(SimPrinterState::PaperOut);
    assert_eq!(
        printer.status().unwrap().fault(),
        Some(PrinterFault::PaperOut)
    );
    sim.set_state(SimPrinterState::CoverOpen);
    assert_eq!(
        printer.status().unwrap().fault(),
        Some(PrinterFault::CoverOpen)
    );
}

#[test]
fn paper_out_and_cover_open_refuse_the_job() {
    let sim = PtyPrinterSim::start(SimPrinterState::PaperOut, 48).unwrap();
    let mut printer = printer_for(&sim);
    let job = ticket(&sample_ticket(), PaperWidth::Mm80).unwrap();
    let err = printer.print(&job.bytes).unwrap_err();
    assert_eq!(err, PrinterError::Fault(PrinterFault::PaperOut));
    assert_eq!(err.to_string(), "printer reports paper out");
    sim.set_state(SimPrinterState::CoverOpen);
    assert_eq!(
        printer.print(&job.bytes).unwrap_err().to_string(),
        "printer reports cover open"
    );
    assert!(sim.wait_for_jobs(1, Duration::from_millis(500)).is_empty());
}

#[test]
fn silent_printer_is_reported_within_the_timeout() {
    let sim = PtyPrinterSim::start(SimPrinterState::Silent, 48).unwrap();
    let mut printer = printer_for(&sim);
    let t = Instant::now();
    let err = printer.print(b"\x1b@hello\n").unwrap_err();
    assert_eq!(err, PrinterError::NoAnswer);
    assert_eq!(err.to_string(), "printer does not answer");
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[test]
fn missing_port_is_an_open_error() {
    let mut printer = SerialPrinter::new(SerialPrinterConfig::new("/nonexistent/ttyUSB9"));
    assert!(matches!(printer.status(), Err(PrinterError::Open { .. })));
}

#[test]
fn queue_keeps_failed_jobs_and_reprints_them_in_order() {
    let sim = PtyPrinterSim::start(SimPrinterState::PaperOut, 48).unwrap();
    let mut queue = PrintQueue::new(printer_for(&sim));
    let first = ticket(&sample_ticket(), PaperWidth::Mm80).unwrap();
    let second = document(&sample_document(), PaperWidth::Mm80).unwrap();

    let err = queue
        .submit("ticket A023", first.bytes.clone())
        .unwrap_err();
    assert_eq!(err.error, PrinterError::Fault(PrinterFault::PaperOut));
    let err = queue
        .submit("受理通知书", second.bytes.clone())
        .unwrap_err();
    assert_eq!(err.pending, 2);
    let pending: Vec<_> = queue.pending().map(|j| j.label.clone()).collect();
    assert_eq!(pending, vec!["ticket A023", "受理通知书"]);
    assert_eq!(queue.pending().next().unwrap().attempts, 2);

    // Still out of paper: retry fails and nothing is lost.
    assert!(queue.retry().is_err());
    assert_eq!(queue.pending().len(), 2);

    sim.set_state(SimPrinterState::Normal);
    let printed = queue.retry().unwrap();
    assert_eq!(printed.len(), 2);
    assert_eq!(queue.pending().len(), 0);
    let jobs = sim.wait_for_jobs(2, WAIT);
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0].bytes, first.bytes);
    assert_eq!(jobs[1].bytes, second.bytes);
}

#[test]
fn queue_discards_only_on_request() {
    let printer = SimPrinter::new(SimPrinterState::CoverOpen, 48);
    let mut queue = PrintQueue::new(printer.clone());
    let id = queue.submit("a", b"\x1b@a\n".to_vec()).unwrap_err().id;
    queue.submit("b", b"\x1b@b\n".to_vec()).unwrap_err();
    assert_eq!(queue.discard(id).map(|j| j.label), Some("a".to_string()));
    printer.set_state(SimPrinterState::Normal);
    assert_eq!(queue.retry().unwrap().len(), 1);
    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].text.trim(), "b");
}

#[test]
fn in_process_sim_matches_the_pty_sim() {
    let mut printer = SimPrinter::new(SimPrinterState::Silent, 48);
    assert_eq!(printer.status(), Err(PrinterError::NoAnswer));
    printer.set_state(SimPrinterState::PaperOut);
    assert_eq!(
        printer.print(b"x"),
        Err(PrinterError::Fault(PrinterFault::PaperOut))
    );
    printer.set_state(SimPrinterState::Normal);
    let job = ticket(&sample_ticket(), PaperWidth::Mm80).unwrap();
    printer.print(&job.bytes).unwrap();
    assert!(printer.jobs()[0].text.contains("[QR: TK:20261122-A023]"));
}

//! The device glue: the printer thread keeps failed jobs and reprints them, writes the
//! simulated printer's output file; the scanner thread forwards real serial scans.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use counter_tui::msg::{Msg, PrinterReport};
use counter_tui::printing::{self, PrintCmd};
use counter_tui::scanning::{self, ScannerSetup};
use device::printer::{
    PrinterError, PrinterFault, PtyPrinterSim, SerialPrinter, SerialPrinterConfig, SimPrinter,
    SimPrinterState,
};
use device::scanner::{ScanKind, ScannerEvent, VirtualScanner};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

fn next_report(
    rx: &mut UnboundedReceiver<Msg>,
    want: impl Fn(&PrinterReport) -> bool,
) -> PrinterReport {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(Msg::Printer(r)) if want(&r) => return r,
            Ok(_) => {}
            Err(_) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no matching printer report"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

fn job() -> (String, Vec<u8>) {
    let slip = device::printer::sample_ticket();
    let bytes = device::printer::ticket(&slip, device::printer::PaperWidth::Mm80)
        .unwrap()
        .bytes;
    ("号 ticket A023".to_string(), bytes)
}

#[test]
fn paper_out_keeps_the_job_and_f10_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("printer-window-1.txt");
    let sim = SimPrinter::new(SimPrinterState::Normal, 48);
    let (tx, mut rx) = unbounded_channel();
    let p = printing::spawn(Box::new(sim.clone()), Some(file.clone()), tx).unwrap();
    assert_eq!(
        next_report(&mut rx, |r| matches!(r, PrinterReport::Status(_))),
        PrinterReport::Status(Ok(()))
    );

    sim.set_state(SimPrinterState::PaperOut);
    let (label, bytes) = job();
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let local_hour = || {
        chrono::Utc::now()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H")
            .to_string()
    };
    let before = local_hour();
    p.send(PrintCmd::Submit {
        label: label.clone(),
        bytes,
        tz,
    })
    .unwrap();
    let r = next_report(&mut rx, |r| matches!(r, PrinterReport::Failed { .. }));
    assert_eq!(
        r,
        PrinterReport::Failed {
            label: label.clone(),
            error: PrinterError::Fault(PrinterFault::PaperOut),
            pending: 1
        }
    );
    assert!(sim.jobs().is_empty());
    assert!(!file.exists(), "nothing printed yet");

    sim.set_state(SimPrinterState::Normal);
    p.send(PrintCmd::Retry).unwrap();
    let PrinterReport::Printed {
        label: l,
        text,
        pending,
    } = next_report(&mut rx, |r| matches!(r, PrinterReport::Printed { .. }))
    else {
        unreachable!()
    };
    assert_eq!((l.as_str(), pending), (label.as_str(), 0));
    assert!(text.contains("前面还有 5 人"), "{text}");
    assert_eq!(sim.jobs().len(), 1, "printed once");
    let out = std::fs::read_to_string(&file).unwrap();
    assert!(out.contains("A023") && out.contains(&label), "{out}");
    // The printout is stamped in the centre's local time, not the machine's.
    let after = local_hour();
    assert!(out.contains(&before) || out.contains(&after), "{out}");
}

#[test]
fn status_changes_are_reported_once() {
    let sim = SimPrinter::new(SimPrinterState::Normal, 48);
    let (tx, mut rx) = unbounded_channel();
    let _p = printing::spawn(Box::new(sim.clone()), None, tx).unwrap();
    next_report(&mut rx, |r| *r == PrinterReport::Status(Ok(())));
    sim.set_state(SimPrinterState::CoverOpen);
    let r = next_report(&mut rx, |r| matches!(r, PrinterReport::Status(Err(_))));
    assert_eq!(
        r,
        PrinterReport::Status(Err(PrinterError::Fault(PrinterFault::CoverOpen)))
    );
}

#[test]
fn a_real_serial_printer_on_a_pty_prints() {
    let Ok(pty) = PtyPrinterSim::start(SimPrinterState::Normal, 48) else {
        eprintln!("skipping: no pseudo-terminals here");
        return;
    };
    let (tx, mut rx) = unbounded_channel();
    let printer = SerialPrinter::new(SerialPrinterConfig::new(pty.path()));
    let p = printing::spawn(Box::new(printer), None, tx).unwrap();
    let (label, bytes) = job();
    p.send(PrintCmd::Submit {
        label,
        bytes,
        tz: queue_core::config::UTC8,
    })
    .unwrap();
    next_report(&mut rx, |r| matches!(r, PrinterReport::Printed { .. }));
    let jobs = pty.wait_for_jobs(1, Duration::from_secs(5));
    assert!(jobs[0].text.contains("A023"), "{}", jobs[0].text);
}

#[test]
fn serial_scans_reach_the_app() {
    let Ok(mut vs) = VirtualScanner::new() else {
        eprintln!("skipping: no pseudo-terminals here");
        return;
    };
    let (tx, mut rx) = unbounded_channel();
    let _h = scanning::start(ScannerSetup::Serial(vs.path().to_path_buf()), tx).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    vs.send_frame("440524188001010014").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(Msg::Scanner(ScannerEvent::Scan(s))) => {
                assert!(matches!(s.kind, ScanKind::ResidentId(_)), "{s:?}");
                return;
            }
            Ok(_) => {}
            Err(_) => {
                assert!(std::time::Instant::now() < deadline, "no scan arrived");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

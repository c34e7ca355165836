//! The serial scanner reader against real pseudo-terminals.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use device::scanner::{
    CodeFamily, DisconnectReason, ScanKind, ScanWarning, Scanner, ScannerConfig, ScannerEvent,
    ScannerReader, SerialScanner, SimScanner, Symbology, VirtualScanner,
};

const WAIT: Duration = Duration::from_secs(3);

/// Next event that isn't Connected (those are checked separately).
fn next(rx: &Receiver<ScannerEvent>) -> ScannerEvent {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ScannerEvent::Connected { .. }) => continue,
            Ok(e) => return e,
            Err(e) => panic!("no scanner event: {e}"),
        }
    }
}

fn next_scan(rx: &Receiver<ScannerEvent>) -> (ScanKind, Option<Symbology>) {
    match next(rx) {
        ScannerEvent::Scan(s) => (s.kind, s.symbology),
        other => panic!("expected a scan, got {other:?}"),
    }
}

fn start(sim: &VirtualScanner) -> (ScannerReader, Receiver<ScannerEvent>) {
    start_with(ScannerConfig::new(sim.path()))
}

fn start_with(config: ScannerConfig) -> (ScannerReader, Receiver<ScannerEvent>) {
    let (tx, rx) = mpsc::channel();
    let reader = ScannerReader::spawn(config, tx).unwrap();
    (reader, rx)
}

#[test]
fn frame_split_across_writes_is_one_scan() {
    let mut sim = VirtualScanner::new().unwrap();
    let mut config = ScannerConfig::new(sim.path());
    // Generous gap so a slow CI machine can't turn the pause into a frame end.
    config.framing.gap = Duration::from_millis(300);
    let (_reader, rx) = start_with(config);
    sim.write_raw(b"TK:2026").unwrap();
    std::thread::sleep(Duration::from_millis(15));
    sim.write_raw(b"1122-A023\r").unwrap();
    assert_eq!(next_scan(&rx).0, ScanKind::Ticket("20261122-A023".into()));
}

#[test]
fn joined_frames_and_all_terminators_give_separate_scans() {
    let mut sim = VirtualScanner::new().unwrap();
    let (_reader, rx) = start(&sim);
    sim.write_raw(b"11010519491231002X\r\n91350100M000100Y43\rYY2026112201\nhello\r\n")
        .unwrap();
    assert!(
        matches!(next_scan(&rx).0, ScanKind::ResidentId(id) if id.number == "11010519491231002X")
    );
    assert_eq!(
        next_scan(&rx).0,
        ScanKind::CreditCode("91350100M000100Y43".into())
    );
    assert_eq!(
        next_scan(&rx).0,
        ScanKind::Appointment("YY2026112201".into())
    );
    assert_eq!(next_scan(&rx).0, ScanKind::Text("hello".into()));
    assert!(
        rx.recv_timeout(Duration::from_millis(150)).is_err(),
        "no empty frames"
    );
}

#[test]
fn aim_ids_give_the_symbology() {
    let mut sim = VirtualScanner::new().unwrap();
    let (_reader, rx) = start(&sim);
    sim.write_raw(b"]Q1TK:20261122-A023\r]C0YY2026112201\r]E06901234567892\r")
        .unwrap();
    assert_eq!(
        next_scan(&rx),
        (
            ScanKind::Ticket("20261122-A023".into()),
            Some(Symbology::Qr)
        )
    );
    assert_eq!(
        next_scan(&rx),
        (
            ScanKind::Appointment("YY2026112201".into()),
            Some(Symbology::Code128)
        )
    );
    assert_eq!(
        next_scan(&rx),
        (
            ScanKind::Text("6901234567892".into()),
            Some(Symbology::Ean13)
        )
    );
}

#[test]
fn configured_prefix_and_suffix_are_stripped() {
    let mut sim = VirtualScanner::new().unwrap();
    let mut config = ScannerConfig::new(sim.path());
    config.decode.prefix = b"STX".to_vec();
    config.decode.suffix = b"#".to_vec();
    let (_reader, rx) = start_with(config);
    sim.write_raw(b"STX]d2DV1.eyJr....abc#\r\n").unwrap();
    assert_eq!(
        next_scan(&rx),
        (
            ScanKind::Document("DV1.eyJr....abc".into()),
            Some(Symbology::DataMatrix)
        )
    );
}

#[test]
fn silence_ends_a_frame_without_terminator() {
    let mut sim = VirtualScanner::new().unwrap();
    let (_reader, rx) = start(&sim);
    sim.write_raw(b"YY2026112201").unwrap();
    let sent = Instant::now();
    assert_eq!(
        next_scan(&rx).0,
        ScanKind::Appointment("YY2026112201".into())
    );
    assert!(
        sent.elapsed() >= Duration::from_millis(40),
        "ended before the gap"
    );
    sim.write_raw(b"YY2026112202").unwrap();
    assert_eq!(
        next_scan(&rx).0,
        ScanKind::Appointment("YY2026112202".into())
    );
}

#[test]
fn bad_checksum_is_reported_as_invalid() {
    let mut sim = VirtualScanner::new().unwrap();
    let (_reader, rx) = start(&sim);
    sim.send_frame("110105194912310021").unwrap();
    match next_scan(&rx).0 {
        ScanKind::Invalid { family, reason, .. } => {
            assert_eq!(family, CodeFamily::ResidentId);
            assert!(reason.to_string().contains("expected X"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_is_reported_and_the_reader_keeps_going() {
    let mut sim = VirtualScanner::new().unwrap();
    let mut config = ScannerConfig::new(sim.path());
    config.framing.max_len = 64;
    let (reader, rx) = start_with(config);
    sim.write_raw(b"ab\x1b[2Jcd\r").unwrap();
    sim.write_raw(b"\xff\xfe\xfd\r").unwrap();
    let mut long = vec![b'9'; 500];
    long.push(b'\r');
    sim.write_raw(&long).unwrap();
    sim.send_frame("TK:20261122-A023").unwrap();
    assert!(matches!(
        next(&rx),
        ScannerEvent::Warning(ScanWarning::ControlByte { byte: 0x1b, .. })
    ));
    assert!(matches!(
        next(&rx),
        ScannerEvent::Warning(ScanWarning::InvalidUtf8 { offset: 0, .. })
    ));
    assert_eq!(
        next(&rx),
        ScannerEvent::Warning(ScanWarning::TooLong { len: 500, max: 64 })
    );
    assert_eq!(next_scan(&rx).0, ScanKind::Ticket("20261122-A023".into()));
    assert!(reader.is_running());
}

#[test]
fn unplug_is_reported_and_scans_after_replug_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let mut sim = VirtualScanner::new().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    let mut config = ScannerConfig::new(&link);
    config.reconnect_poll = Duration::from_millis(50);
    let (tx, rx) = mpsc::channel();
    let _reader = ScannerReader::spawn(config, tx).unwrap();

    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Connected { .. })
    ));
    sim.send_frame("TK:20261122-A001").unwrap();
    assert_eq!(next_scan(&rx).0, ScanKind::Ticket("20261122-A001".into()));

    // Unplug mid-frame: the partial frame is reported lost, then the link.
    sim.write_raw(b"TK:2026").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    drop(sim);
    let mut saw_partial = false;
    loop {
        match rx.recv_timeout(WAIT).expect("disconnect not reported") {
            ScannerEvent::Warning(ScanWarning::PartialFrameLost { len: 7 }) => saw_partial = true,
            ScannerEvent::Disconnected { reason } => {
                assert!(
                    matches!(
                        reason,
                        DisconnectReason::BrokenPipe
                            | DisconnectReason::Eof
                            | DisconnectReason::Io(_)
                    ),
                    "{reason:?}"
                );
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(saw_partial);

    // Stays down quietly while the device is gone.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());

    // Replug at the same path and scan immediately, before the reader has
    // even reopened the port: nothing may be lost.
    let mut sim = VirtualScanner::new().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    sim.send_frame("TK:20261122-A002").unwrap();
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Connected { .. })
    ));
    assert_eq!(next_scan(&rx).0, ScanKind::Ticket("20261122-A002".into()));
    sim.send_frame("TK:20261122-A003").unwrap();
    assert_eq!(next_scan(&rx).0, ScanKind::Ticket("20261122-A003".into()));
}

#[test]
fn missing_port_at_start_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let mut config = ScannerConfig::new(&link);
    config.reconnect_poll = Duration::from_millis(50);
    let (tx, rx) = mpsc::channel();
    let _reader = ScannerReader::spawn(config, tx).unwrap();
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Disconnected {
            reason: DisconnectReason::Open(_)
        })
    ));
    let mut sim = VirtualScanner::new().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Connected { .. })
    ));
    sim.send_frame("440524188001010014").unwrap();
    assert!(matches!(next_scan(&rx).0, ScanKind::ResidentId(_)));
}

#[test]
fn reader_stops_promptly() {
    let sim = VirtualScanner::new().unwrap();
    let (reader, _rx) = start(&sim);
    let t = Instant::now();
    reader.stop();
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[test]
fn scanner_trait_drives_the_serial_and_simulated_scanners() {
    let mut vs = VirtualScanner::new().unwrap();
    let mut scanners: Vec<Box<dyn Scanner>> = vec![
        Box::new(SerialScanner::new(ScannerConfig::new(vs.path()))),
        Box::new(SimScanner::default()),
    ];
    let sim = SimScanner::default();
    scanners[1] = Box::new(sim.clone());
    for (i, scanner) in scanners.iter_mut().enumerate() {
        let (tx, rx) = mpsc::channel();
        let handle = scanner.start(tx).unwrap();
        assert!(matches!(
            rx.recv_timeout(WAIT),
            Ok(ScannerEvent::Connected { .. })
        ));
        if i == 0 {
            vs.send_frame("]Q1TK:20261122-A023").unwrap();
        } else {
            assert!(sim.scan("]Q1TK:20261122-A023"));
        }
        assert_eq!(
            next_scan(&rx),
            (
                ScanKind::Ticket("20261122-A023".into()),
                Some(Symbology::Qr)
            )
        );
        assert!(handle.is_running());
        drop(handle);
    }
    // A stopped simulated scanner delivers nothing.
    assert!(!sim.scan("x"));
}

#[test]
fn simulated_unplug_and_replug_events() {
    let mut sim = SimScanner::default();
    let (tx, rx) = mpsc::channel();
    let _handle = sim.start(tx).unwrap();
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Connected { .. })
    ));
    sim.unplug();
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Disconnected { .. })
    ));
    sim.replug();
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Connected { .. })
    ));
    sim.scan(b"\xff");
    assert!(matches!(
        rx.recv_timeout(WAIT),
        Ok(ScannerEvent::Warning(ScanWarning::InvalidUtf8 { .. }))
    ));
}

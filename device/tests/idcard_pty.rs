//! The ID card reader driver through real pseudo-terminals: against the
//! virtual reader, and against a fake reader in this file that builds its
//! frames independently from the published layout (GA/T 490 text fields,
//! SAM framing), not with the crate's encoder.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use device::idcard::frame::FrameError;
use device::idcard::{
    sample_cards, CardError, IdCardReader, IdReaderConfig, IdReaderEvent, IdReaderWarning, Sex,
    SimCard, Status, Validity, VirtualIdReader,
};
use device::scanner::DisconnectReason;
use serialport::{SerialPort, TTYPort};

const WAIT: Duration = Duration::from_secs(5);

fn config(path: &std::path::Path) -> IdReaderConfig {
    let mut c = IdReaderConfig::new(path);
    c.poll = Duration::from_millis(30);
    c.reply_timeout = Duration::from_millis(400);
    c.reconnect_poll = Duration::from_millis(50);
    c
}

fn start(path: &std::path::Path) -> (IdCardReader, Receiver<IdReaderEvent>) {
    let (tx, rx) = mpsc::channel();
    (IdCardReader::spawn(config(path), tx).unwrap(), rx)
}

/// Next event other than Connected.
fn next(rx: &Receiver<IdReaderEvent>) -> IdReaderEvent {
    let deadline = Instant::now() + WAIT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(IdReaderEvent::Connected { .. }) => {}
            Ok(e) => return e,
            Err(e) => panic!("no reader event: {e}"),
        }
    }
}

fn expect_connected(rx: &Receiver<IdReaderEvent>) {
    match rx.recv_timeout(WAIT) {
        Ok(IdReaderEvent::Connected { .. }) => {}
        other => panic!("expected Connected, got {other:?}"),
    }
}

fn card(n: usize) -> SimCard {
    sample_cards()[n].clone()
}

#[test]
fn placed_card_is_read_once_then_removed_then_read_again() {
    let sim = VirtualIdReader::start().unwrap();
    let (_reader, rx) = start(sim.path());
    expect_connected(&rx);
    sim.place(card(0));
    let IdReaderEvent::Card(c) = next(&rx) else {
        panic!("expected a card")
    };
    assert_eq!(c.name, "陈明华");
    assert_eq!(c.sex, Sex::Male);
    assert_eq!(c.nation(), "汉");
    assert_eq!(c.id_number, "440114198503120031");
    assert_eq!(c.birth, NaiveDate::from_ymd_opt(1985, 3, 12).unwrap());
    assert_eq!(c.authority, "广州市公安局花都分局");
    assert_eq!(
        c.valid_until,
        Validity::Until(NaiveDate::from_ymd_opt(2035, 6, 1).unwrap())
    );
    // Lying on the reader: not read again and again.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    sim.remove();
    assert_eq!(next(&rx), IdReaderEvent::Removed);
    sim.place(card(2));
    let IdReaderEvent::Card(c) = next(&rx) else {
        panic!("expected a card")
    };
    assert_eq!(c.valid_until, Validity::LongTerm);
    let cmds = sim.commands();
    use device::idcard::frame::Command as C;
    assert_eq!(cmds[0], C::SamStatus, "status checked on connect");
    assert!(cmds
        .windows(3)
        .any(|w| w == [C::FindCard, C::SelectCard, C::ReadBasic]));
}

#[test]
fn expired_card_is_reported_expired() {
    let sim = VirtualIdReader::start().unwrap();
    let (_reader, rx) = start(sim.path());
    sim.place(card(1));
    let IdReaderEvent::Card(c) = next(&rx) else {
        panic!("expected a card")
    };
    assert!(c.expired_on(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
    assert!(!c.expired_on(NaiveDate::from_ymd_opt(2021, 12, 31).unwrap()));
}

#[test]
fn corrupt_frame_warns_and_the_next_poll_reads_the_card() {
    let sim = VirtualIdReader::start().unwrap();
    let (reader, rx) = start(sim.path());
    sim.corrupt_next_read();
    sim.place(card(0));
    assert!(matches!(
        next(&rx),
        IdReaderEvent::Warning(IdReaderWarning::Frame(FrameError::Checksum { .. }))
    ));
    assert!(matches!(next(&rx), IdReaderEvent::Card(c) if c.name == "陈明华"));
    assert!(reader.is_running());
}

#[test]
fn sam_fault_is_reported_once_and_clears() {
    let sim = VirtualIdReader::start().unwrap();
    let (_reader, rx) = start(sim.path());
    expect_connected(&rx);
    sim.set_sam_fault(true);
    assert_eq!(next(&rx), IdReaderEvent::Fault(Status::SamFault));
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "fault reported once"
    );
    sim.set_sam_fault(false);
    expect_connected(&rx);
    sim.place(card(3));
    assert!(matches!(next(&rx), IdReaderEvent::Card(c) if c.nation() == "壮"));
}

#[test]
fn silent_reader_warns_no_reply() {
    let sim = VirtualIdReader::start().unwrap();
    sim.set_silent(true);
    let (_reader, rx) = start(sim.path());
    assert_eq!(next(&rx), IdReaderEvent::Warning(IdReaderWarning::NoReply));
    sim.set_silent(false);
    sim.place(card(0));
    loop {
        match next(&rx) {
            IdReaderEvent::Warning(IdReaderWarning::NoReply) => {}
            IdReaderEvent::Card(_) => break,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn unplug_is_reported_and_cards_after_replug_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("idreader");
    let sim = VirtualIdReader::start().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    let (_reader, rx) = start(&link);
    expect_connected(&rx);
    sim.place(card(0));
    assert!(matches!(next(&rx), IdReaderEvent::Card(_)));
    drop(sim);
    match next(&rx) {
        IdReaderEvent::Disconnected { reason } => assert!(
            matches!(
                reason,
                DisconnectReason::Eof | DisconnectReason::BrokenPipe | DisconnectReason::Io(_)
            ),
            "{reason:?}"
        ),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let sim = VirtualIdReader::start().unwrap();
    device::replace_symlink(sim.path(), &link).unwrap();
    expect_connected(&rx);
    sim.place(card(3));
    assert!(matches!(next(&rx), IdReaderEvent::Card(c) if c.name == "韦秀兰"));
}

#[test]
fn reader_stops_promptly() {
    let sim = VirtualIdReader::start().unwrap();
    let (reader, _rx) = start(sim.path());
    let t = Instant::now();
    drop(reader);
    assert!(t.elapsed() < Duration::from_millis(500));
}

// ---------------------------------------------------------------- independent encoder

/// Frame per the published SAM layout: AA AA AA 96 69, LEN (big-endian,
/// counting SW1..CHK), SW1 SW2 SW3, data, XOR of LEN..data.
fn indep_frame(sw3: u8, data: &[u8]) -> Vec<u8> {
    let len = 3 + data.len() + 1;
    let mut v = vec![
        0xAA,
        0xAA,
        0xAA,
        0x96,
        0x69,
        (len >> 8) as u8,
        len as u8,
        0,
        0,
        sw3,
    ];
    v.extend_from_slice(data);
    let chk = v[5..].iter().fold(0u8, |a, b| a ^ b);
    v.push(chk);
    v
}

/// GA/T 490 text: fields of fixed byte widths, UTF-16LE, padded with spaces.
fn indep_text(fields: &[&str; 9]) -> Vec<u8> {
    const WIDTHS: [usize; 10] = [30, 2, 4, 16, 70, 36, 30, 16, 16, 36];
    let mut out = Vec::new();
    for (i, w) in WIDTHS.iter().enumerate() {
        let mut f: Vec<u8> = fields
            .get(i)
            .map(|s| s.encode_utf16().flat_map(u16::to_le_bytes).collect())
            .unwrap_or_default();
        while f.len() < *w {
            f.extend_from_slice(&[0x20, 0x00]);
        }
        out.extend_from_slice(&f);
    }
    assert_eq!(out.len(), 256);
    out
}

struct FakeReader {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _slave: TTYPort,
    path: std::path::PathBuf,
}

impl Drop for FakeReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// A reader with one card on it whose read reply is `read_reply`; records
/// each command frame exactly as received.
fn fake_reader(read_reply: Vec<u8>) -> FakeReader {
    let (mut master, slave) = TTYPort::pair().unwrap();
    let path = std::path::PathBuf::from(slave.name().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (s, seen2) = (Arc::clone(&stop), Arc::clone(&seen));
    let thread = std::thread::spawn(move || {
        master.set_timeout(Duration::from_millis(30)).unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 256];
        while !s.load(Ordering::Relaxed) {
            match master.read(&mut chunk) {
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::TimedOut => {}
                Err(e) => panic!("{e}"),
            }
            // Commands are exactly 10 bytes: preamble, 00 03, CMD, PARA, CHK.
            while buf.len() >= 10 {
                let cmd: Vec<u8> = buf.drain(..10).collect();
                seen2.lock().unwrap().push(cmd.clone());
                let answer = match (cmd[7], cmd[8]) {
                    (0x11, 0xFF) => indep_frame(0x90, &[]),
                    (0x20, 0x01) => indep_frame(0x9F, &[0, 0, 0, 0]),
                    (0x20, 0x02) => indep_frame(0x90, &[0; 8]),
                    (0x30, 0x01) => read_reply.clone(),
                    _ => indep_frame(0x21, &[]),
                };
                master.write_all(&answer).unwrap();
            }
        }
    });
    FakeReader {
        stop,
        seen,
        thread: Some(thread),
        _slave: slave,
        path,
    }
}

fn read_reply(text: &[u8], photo: &[u8]) -> Vec<u8> {
    let mut data = vec![0x01, 0x00, 0x04, 0x00]; // 256 text, 1024 photo
    data.extend_from_slice(text);
    data.extend_from_slice(photo);
    indep_frame(0x90, &data)
}

#[test]
fn independently_encoded_card_is_decoded_and_commands_match_the_layout() {
    let text = indep_text(&[
        "冼文杰",
        "1",
        "01",
        "19491231",
        "北京市东城区东华门街道",
        "11010519491231002X",
        "北京市公安局东城分局",
        "20060101",
        "20260101",
    ]);
    let photo: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    let reply = read_reply(&text, &photo);
    assert_eq!(reply.len(), 7 + 0x0508, "LEN 0x0508 as in vendor dumps");
    let fake = fake_reader(reply);
    let (_reader, rx) = start(&fake.path);
    let IdReaderEvent::Card(c) = next(&rx) else {
        panic!("expected a card")
    };
    assert_eq!(c.name, "冼文杰");
    assert_eq!(c.id_number, "11010519491231002X");
    assert_eq!(c.address, "北京市东城区东华门街道");
    assert!(c.expired_on(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()));
    let seen = fake.seen.lock().unwrap().clone();
    let hex = |v: &[u8]| {
        v.iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let seen: Vec<String> = seen.iter().map(|v| hex(v)).collect();
    assert_eq!(seen[0], "AA AA AA 96 69 00 03 11 FF ED");
    assert_eq!(seen[1], "AA AA AA 96 69 00 03 20 01 22");
    assert_eq!(seen[2], "AA AA AA 96 69 00 03 20 02 21");
    assert_eq!(seen[3], "AA AA AA 96 69 00 03 30 01 32");
    // Nothing of the photo is in what the application gets.
    let dbg = format!("{c:?} {}", c.to_masked_json());
    assert!(!dbg.contains("11010519491231002X"), "{dbg}");
}

#[test]
fn independently_encoded_bad_check_digit_is_refused() {
    let text = indep_text(&[
        "冼文杰",
        "1",
        "01",
        "19491231",
        "北京市东城区",
        "110105194912310021",
        "北京市公安局",
        "20060101",
        "长期",
    ]);
    let fake = fake_reader(read_reply(&text, &[0; 1024]));
    let (_reader, rx) = start(&fake.path);
    match next(&rx) {
        IdReaderEvent::Warning(IdReaderWarning::Card(CardError::IdNumber(e))) => {
            assert!(e.to_string().contains("expected X"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

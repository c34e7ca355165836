//! Simulated readers: an in-process one (the counter's demo mode) that runs
//! cards through the same codec as the serial driver, and one on a
//! pseudo-terminal that answers the SAM protocol like a real reader.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;
use serialport::TTYPort;

use super::card::{decode_basic, encode_text, Field, PHOTO_LEN, TEXT_LEN};
use super::frame::{reply_from_body, Command, FrameParser, Reply};
use super::status::Status;
use super::{IdReaderEvent, IdReaderWarning};
use crate::port::pty_pair;
use crate::scanner::DisconnectReason;

/// A card as the simulators hold it: the text fields as printed, codes as
/// on the chip (sex "1", nation "01", dates YYYYMMDD, validity end a date
/// or "长期").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct SimCard {
    pub name: String,
    pub sex: String,
    pub nation: String,
    pub birth: String,
    pub address: String,
    pub id_number: String,
    pub authority: String,
    pub valid_from: String,
    pub valid_until: String,
}

const SAMPLE_CARDS: &str = include_str!("../../data/idcards.json");

/// The cards shipped in `device/data/idcards.json` (fictitious people).
#[must_use]
pub fn sample_cards() -> Vec<SimCard> {
    serde_json::from_str(SAMPLE_CARDS).unwrap_or_default()
}

impl SimCard {
    /// Reads a JSON array of cards.
    ///
    /// # Errors
    /// A file that cannot be read or is not such an array.
    pub fn load(path: &Path) -> std::io::Result<Vec<Self>> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e))
    }

    #[must_use]
    pub fn text(&self) -> [u8; TEXT_LEN] {
        encode_text(&[
            (Field::Name, &self.name),
            (Field::Sex, &self.sex),
            (Field::Nation, &self.nation),
            (Field::Birth, &self.birth),
            (Field::Address, &self.address),
            (Field::IdNumber, &self.id_number),
            (Field::Authority, &self.authority),
            (Field::ValidFrom, &self.valid_from),
            (Field::ValidUntil, &self.valid_until),
        ])
    }

    /// A stand-in for the card's WLT photo: 1,024 bytes derived from the ID
    /// number, so tests can look for them where they must never be.
    #[must_use]
    pub fn photo(&self) -> Vec<u8> {
        let mut x: u64 = self.id_number.bytes().fold(0x9E37_79B9_7F4A_7C15, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
        let mut out = Vec::with_capacity(PHOTO_LEN);
        out.extend_from_slice(b"WLT\x01");
        while out.len() < PHOTO_LEN {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.truncate(PHOTO_LEN);
        out
    }

    /// The reply to `30 01` for this card: status, lengths, text, photo.
    #[must_use]
    pub fn read_reply(&self) -> Reply {
        let mut data = Vec::with_capacity(4 + TEXT_LEN + PHOTO_LEN);
        data.extend_from_slice(&u16::try_from(TEXT_LEN).unwrap_or(0).to_be_bytes());
        data.extend_from_slice(&u16::try_from(PHOTO_LEN).unwrap_or(0).to_be_bytes());
        data.extend_from_slice(&self.text());
        data.extend_from_slice(&self.photo());
        Reply {
            sw: [0, 0, Status::Ok.byte()],
            data,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// In-process reader: placing a card encodes it into the reader's reply
/// frame and decodes that with the serial driver's codec. Clones share the
/// same channel.
#[derive(Debug, Clone, Default)]
pub struct SimIdReader {
    events: Arc<Mutex<Option<Sender<IdReaderEvent>>>>,
    corrupt_next: Arc<AtomicBool>,
}

impl SimIdReader {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn send(&self, event: IdReaderEvent) -> bool {
        lock(&self.events)
            .as_ref()
            .is_some_and(|tx| tx.send(event).is_ok())
    }

    /// Starts delivering to `tx` (and says it is connected).
    pub fn attach(&self, tx: Sender<IdReaderEvent>) {
        let _ = tx.send(IdReaderEvent::Connected {
            path: PathBuf::from("sim"),
        });
        *lock(&self.events) = Some(tx);
    }

    pub fn detach(&self) {
        *lock(&self.events) = None;
    }

    /// Places a card on the reader. False if nobody is listening.
    pub fn place(&self, card: &SimCard) -> bool {
        let mut bytes = card.read_reply().encode();
        if self.corrupt_next.swap(false, Ordering::Relaxed) {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x5A;
        }
        let mut parser = FrameParser::new();
        parser.push(&bytes);
        bytes.iter_mut().for_each(|b| *b = 0);
        let event = match parser.next_frame() {
            Some(Ok(body)) => match reply_from_body(body) {
                Ok(mut reply) => {
                    let decoded = decode_basic(&reply.data);
                    reply.wipe();
                    match decoded {
                        Ok(card) => IdReaderEvent::Card(card),
                        Err(e) => IdReaderEvent::Warning(IdReaderWarning::Card(e)),
                    }
                }
                Err(e) => IdReaderEvent::Warning(IdReaderWarning::Frame(e)),
            },
            Some(Err(e)) => IdReaderEvent::Warning(IdReaderWarning::Frame(e)),
            None => IdReaderEvent::Warning(IdReaderWarning::NoReply),
        };
        self.send(event)
    }

    /// Takes the card away.
    pub fn remove(&self) -> bool {
        self.send(IdReaderEvent::Removed)
    }

    /// The next card placed arrives with a corrupted frame.
    pub fn corrupt_next(&self) {
        self.corrupt_next.store(true, Ordering::Relaxed);
    }

    /// Pretends the SAM failed its self-check.
    pub fn sam_fault(&self) -> bool {
        self.send(IdReaderEvent::Fault(Status::SamFault))
    }

    /// Pretends the cable was pulled.
    pub fn unplug(&self) -> bool {
        self.send(IdReaderEvent::Disconnected {
            reason: DisconnectReason::Eof,
        })
    }

    /// Pretends the cable came back (or the fault cleared).
    pub fn replug(&self) -> bool {
        self.send(IdReaderEvent::Connected {
            path: PathBuf::from("sim"),
        })
    }
}

/// How the virtual reader behaves.
#[derive(Debug, Default)]
struct SimState {
    card: Option<SimCard>,
    selected: bool,
    sam_fault: bool,
    corrupt_next_read: bool,
    silent: bool,
    /// Every command received, for tests.
    commands: Vec<Command>,
}

/// A reader on a pseudo-terminal: a thread answers the SAM protocol on
/// [`VirtualIdReader::path`] from its state. Dropping it looks like an unplug.
pub struct VirtualIdReader {
    state: Arc<Mutex<SimState>>,
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    _slave: TTYPort,
}

impl VirtualIdReader {
    /// # Errors
    /// When no pseudo-terminal can be made or the thread cannot start.
    pub fn start() -> std::io::Result<Self> {
        let (master, slave, path) = pty_pair().map_err(std::io::Error::other)?;
        let state = Arc::new(Mutex::new(SimState::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("idreader-sim".into())
            .spawn(move || answer_loop(master, &st, &sp))?;
        Ok(Self {
            state,
            path,
            stop,
            thread: Some(thread),
            _slave: slave,
        })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn place(&self, card: SimCard) {
        let mut s = lock(&self.state);
        s.card = Some(card);
        s.selected = false;
    }

    pub fn remove(&self) {
        let mut s = lock(&self.state);
        s.card = None;
        s.selected = false;
    }

    /// The next `30 01` reply goes out with a wrong checksum byte.
    pub fn corrupt_next_read(&self) {
        lock(&self.state).corrupt_next_read = true;
    }

    /// SAM self-check failure: every command answers `00 00 60`.
    pub fn set_sam_fault(&self, fault: bool) {
        lock(&self.state).sam_fault = fault;
    }

    /// Stops answering at all (a hung reader).
    pub fn set_silent(&self, silent: bool) {
        lock(&self.state).silent = silent;
    }

    /// Commands received so far.
    #[must_use]
    pub fn commands(&self) -> Vec<Command> {
        lock(&self.state).commands.clone()
    }
}

impl Drop for VirtualIdReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer_loop(mut master: TTYPort, state: &Mutex<SimState>, stop: &AtomicBool) {
    let _ = serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(50));
    let mut parser = FrameParser::new();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        match master.read(&mut buf) {
            Ok(n) if n > 0 => parser.push(&buf[..n]),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                ) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
        while let Some(parsed) = parser.next_frame() {
            let reply = match parsed {
                Ok(body) if body.len() >= 2 => match Command::from_code(body[0], body[1]) {
                    Some(cmd) => answer(&mut lock(state), cmd),
                    None => Some(status_only(Status::HostCommand)),
                },
                Ok(_) => Some(status_only(Status::HostLength)),
                Err(super::frame::FrameError::Checksum { .. }) => {
                    Some(status_only(Status::HostChecksum))
                }
                Err(_) => None,
            };
            if let Some(bytes) = reply {
                let _ = master.write_all(&bytes);
            }
        }
    }
}

fn status_only(s: Status) -> Vec<u8> {
    Reply {
        sw: [0, 0, s.byte()],
        data: vec![],
    }
    .encode()
}

/// The reader's answer to one command, as bytes on the line.
fn answer(s: &mut SimState, cmd: Command) -> Option<Vec<u8>> {
    s.commands.push(cmd);
    if s.silent {
        return None;
    }
    if s.sam_fault && cmd != Command::Reset {
        return Some(status_only(Status::SamFault));
    }
    Some(match cmd {
        Command::Reset | Command::SamStatus => status_only(Status::Ok),
        Command::FindCard if s.card.is_some() => Reply {
            sw: [0, 0, Status::CardFound.byte()],
            data: vec![0; 4],
        }
        .encode(),
        Command::FindCard => status_only(Status::NoCard),
        Command::SelectCard if s.card.is_some() => {
            s.selected = true;
            Reply {
                sw: [0, 0, Status::Ok.byte()],
                data: vec![0; 8],
            }
            .encode()
        }
        Command::SelectCard => status_only(Status::SelectFailed),
        Command::ReadBasic => match (&s.card, s.selected) {
            (Some(card), true) => {
                let mut bytes = card.read_reply().encode();
                if std::mem::take(&mut s.corrupt_next_read) {
                    if let Some(last) = bytes.last_mut() {
                        *last ^= 0xFF;
                    }
                }
                bytes
            }
            _ => status_only(Status::ReadFailed),
        },
    })
}

//! The ID card reader driver: a std thread that polls the reader (find →
//! select → read), decodes the card, survives corrupt frames and unplugging,
//! and reports over an mpsc channel, so the counter never waits on it.

use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::card::decode_basic;
use super::frame::{reply_from_body, Command, FrameError, FrameParser, Reply};
use super::status::Status;
use super::{IdReaderEvent, IdReaderWarning};
use crate::port::SerialLink;
use crate::scanner::DisconnectReason;

/// Everything needed to run a reader.
#[derive(Debug, Clone)]
pub struct IdReaderConfig {
    pub path: PathBuf,
    /// 115200 is the SAM module's default rate.
    pub baud: u32,
    /// Pause between looks for a card.
    pub poll: Duration,
    /// Longest wait for one reply (reading a card takes up to about a second).
    pub reply_timeout: Duration,
    /// How often to look for the port to come back after an unplug.
    pub reconnect_poll: Duration,
}

impl IdReaderConfig {
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 115_200,
            poll: Duration::from_millis(300),
            reply_timeout: Duration::from_millis(2000),
            reconnect_poll: Duration::from_millis(200),
        }
    }
}

/// A running reader thread. Dropping it stops the thread.
pub struct IdCardReader {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl IdCardReader {
    /// Starts polling `config.path` in a new thread; events go to `events`.
    /// A port missing at start is waited for, like an unplugged one.
    pub fn spawn(config: IdReaderConfig, events: Sender<IdReaderEvent>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("idcard-reader".into())
            .spawn(move || Worker::new(config, events, flag).run())?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// False once the thread has ended (stopped, or the receiver was dropped).
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for IdCardReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Longest single blocking read, so `stop` is noticed promptly.
const IDLE_READ: Duration = Duration::from_millis(100);

enum LinkEnd {
    Stopped,
    Lost(DisconnectReason),
}

/// Why one command got no usable reply.
enum TxError {
    End(LinkEnd),
    Timeout,
    Frame(FrameError),
}

struct Worker {
    config: IdReaderConfig,
    events: Sender<IdReaderEvent>,
    stop: Arc<AtomicBool>,
    parser: FrameParser,
    /// A card was read and has not been taken away since.
    card_present: bool,
    /// The SAM reported a fault; only status checks are sent until it clears.
    fault: Option<Status>,
    /// Last odd find-card answer, so a stuck state warns once, not per poll.
    last_find: Option<Status>,
}

impl Worker {
    fn new(config: IdReaderConfig, events: Sender<IdReaderEvent>, stop: Arc<AtomicBool>) -> Self {
        Self {
            config,
            events,
            stop,
            parser: FrameParser::new(),
            card_present: false,
            fault: None,
            last_find: None,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn send(&self, event: IdReaderEvent) {
        if self.events.send(event).is_err() {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    fn warn(&self, w: IdReaderWarning) {
        tracing::warn!(warning = %w, "ID card reader");
        self.send(IdReaderEvent::Warning(w));
    }

    fn sleep(&self, total: Duration) {
        let until = Instant::now() + total;
        while !self.stopped() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }

    fn run(mut self) {
        let mut down_reported = false;
        while !self.stopped() {
            let link = if self.config.path.exists() {
                SerialLink::open(&self.config.path, self.config.baud, IDLE_READ)
            } else {
                Err(serialport::Error::new(
                    serialport::ErrorKind::NoDevice,
                    format!("{} does not exist", self.config.path.display()),
                ))
            };
            let link = match link {
                Ok(link) => link,
                Err(e) => {
                    if !down_reported {
                        down_reported = true;
                        let reason = DisconnectReason::Open(e.to_string());
                        self.send(IdReaderEvent::Disconnected { reason });
                    }
                    self.sleep(self.config.reconnect_poll);
                    continue;
                }
            };
            tracing::info!(path = %self.config.path.display(), "ID card reader connected");
            self.send(IdReaderEvent::Connected {
                path: self.config.path.clone(),
            });
            match self.serve(link) {
                LinkEnd::Stopped => return,
                LinkEnd::Lost(reason) => {
                    tracing::warn!(%reason, "ID card reader disconnected");
                    self.parser.reset();
                    self.card_present = false;
                    self.fault = None;
                    self.last_find = None;
                    down_reported = true;
                    self.send(IdReaderEvent::Disconnected { reason });
                    // A vanishing USB device can linger; don't flap.
                    self.sleep(self.config.reconnect_poll);
                }
            }
        }
    }

    /// Polls one open link until it goes away or we are stopped.
    fn serve(&mut self, mut link: SerialLink) -> LinkEnd {
        match self.transact(&mut link, Command::SamStatus) {
            Ok(r) => self.on_sam_status(Status::from_byte(r.status())),
            Err(TxError::End(end)) => return end,
            // Some readers skip the status command; finding cards will tell.
            Err(TxError::Timeout | TxError::Frame(_)) => {}
        }
        loop {
            if self.stopped() {
                return LinkEnd::Stopped;
            }
            let step = if self.fault.is_some() {
                self.transact(&mut link, Command::SamStatus)
                    .map(|r| self.on_sam_status(Status::from_byte(r.status())))
            } else {
                self.poll_card(&mut link)
            };
            match step {
                Ok(()) => {}
                Err(TxError::End(end)) => return end,
                Err(TxError::Timeout) => self.warn(IdReaderWarning::NoReply),
                Err(TxError::Frame(e)) => self.warn(IdReaderWarning::Frame(e)),
            }
            self.sleep(self.config.poll);
        }
    }

    fn on_sam_status(&mut self, s: Status) {
        if s.is_reader_fault() {
            if self.fault != Some(s) {
                self.fault = Some(s);
                tracing::error!(status = %s, "ID card reader fault");
                self.send(IdReaderEvent::Fault(s));
            }
        } else if self.fault.take().is_some() {
            tracing::info!("ID card reader fault cleared");
            self.send(IdReaderEvent::Connected {
                path: self.config.path.clone(),
            });
        }
    }

    fn poll_card(&mut self, link: &mut SerialLink) -> Result<(), TxError> {
        let find = Status::from_byte(self.transact(link, Command::FindCard)?.status());
        match find {
            Status::CardFound => {
                self.last_find = None;
                if self.card_present {
                    // Still lying there: read once per placement, not per poll.
                    return Ok(());
                }
            }
            Status::NoCard => {
                self.last_find = None;
                if std::mem::take(&mut self.card_present) {
                    self.send(IdReaderEvent::Removed);
                }
                return Ok(());
            }
            s if s.is_reader_fault() => {
                self.on_sam_status(s);
                return Ok(());
            }
            s => {
                if self.last_find != Some(s) {
                    self.last_find = Some(s);
                    self.warn(IdReaderWarning::Status(s));
                }
                return Ok(());
            }
        }
        let select = Status::from_byte(self.transact(link, Command::SelectCard)?.status());
        if select != Status::Ok {
            self.warn(IdReaderWarning::Status(select));
            return Ok(());
        }
        let mut reply = self.transact(link, Command::ReadBasic)?;
        let status = Status::from_byte(reply.status());
        if status != Status::Ok {
            if status.is_reader_fault() {
                self.on_sam_status(status);
            } else {
                self.warn(IdReaderWarning::Status(status));
            }
            return Ok(());
        }
        let decoded = decode_basic(&reply.data);
        // The photo came with the text: wipe it now, it is never used.
        reply.wipe();
        match decoded {
            Ok(card) => {
                self.card_present = true;
                tracing::info!(card = ?card, "ID card read");
                self.send(IdReaderEvent::Card(card));
            }
            Err(e) => {
                // Counted as present: a bad card lying there warns once.
                self.card_present = true;
                self.warn(IdReaderWarning::Card(e));
            }
        }
        Ok(())
    }

    /// Sends one command and waits for its reply.
    fn transact(&mut self, link: &mut SerialLink, cmd: Command) -> Result<Reply, TxError> {
        // Whatever is left over (a late reply, line noise) is not the answer
        // to this command.
        self.parser.reset();
        let _ = link.clear_input();
        if let Err(e) = link.write_all(&cmd.encode()).and_then(|()| link.flush()) {
            return Err(TxError::End(LinkEnd::Lost(lost(&e))));
        }
        let deadline = Instant::now() + self.config.reply_timeout;
        let mut buf = [0u8; 2048];
        loop {
            while let Some(parsed) = self.parser.next_frame() {
                match parsed {
                    Ok(body) => {
                        return reply_from_body(body).map_err(TxError::Frame);
                    }
                    Err(FrameError::Garbage(n)) => {
                        tracing::debug!(bytes = n, "ID card reader: noise skipped");
                    }
                    Err(e) => {
                        self.parser.reset();
                        return Err(TxError::Frame(e));
                    }
                }
            }
            if self.stopped() {
                return Err(TxError::End(LinkEnd::Stopped));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.parser.reset();
                return Err(TxError::Timeout);
            }
            let _ = link.set_timeout(left.min(IDLE_READ));
            match link.read(&mut buf) {
                Ok(0) => return Err(TxError::End(LinkEnd::Lost(DisconnectReason::Eof))),
                Ok(n) => {
                    self.parser.push(&buf[..n]);
                    buf[..n].iter_mut().for_each(|b| *b = 0);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(TxError::End(LinkEnd::Lost(lost(&e)))),
            }
        }
    }
}

fn lost(e: &std::io::Error) -> DisconnectReason {
    if e.kind() == ErrorKind::BrokenPipe {
        DisconnectReason::BrokenPipe
    } else {
        DisconnectReason::Io(e.to_string())
    }
}

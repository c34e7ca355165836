//! `counter kiosk`: the reception/entrance ticket machine. Pick a queue, pick a channel
//! (walk-in, green channel, urgent), optionally scan or type an ID; appointments check in by
//! scan or typed code. The ticket prints once the hall has committed it.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use dashboard::client::{Incoming, Link};
use device::idcard::IdReaderEvent;
use device::scanner::{ScanKind, ScannerEvent};
use queue_core::ids;
use queue_core::queue::{Channel, Ticket};
use serde_json::{json, Value};

use crate::hall_view::HallView;
use crate::i18n::{self, Lang};
use crate::msg::{
    Effect, Level, Msg, Notice, PrinterInfo, PrinterKind, PrinterReport, PrinterState, ScannerInfo,
    ScannerKind, ScannerState,
};
use crate::slips;

#[derive(Debug, Clone)]
pub struct KioskConfig {
    pub lang: Lang,
    pub id_prefix: String,
    pub printer: PrinterKind,
    pub scanner: ScannerKind,
    pub hall_label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KioskInput {
    IdNumber,
    Appointment,
    /// The last 4 characters of the booking's ID number: proof of holding the code.
    IdLast4,
    /// An optional mobile number for "your turn is near".
    Mobile,
}

#[derive(Debug, Clone, PartialEq)]
pub enum KioskStage {
    Queue,
    Channel {
        queue: String,
    },
    Typing {
        what: KioskInput,
        text: String,
    },
    /// Sent; waiting for the hall.
    Waiting,
    Issued {
        ticket: Box<Ticket>,
        slip: String,
    },
}

/// Age from which the card opens the green channel (老年人权益保障法 Art 2: 60 and over).
pub const GREEN_CHANNEL_AGE: u32 = 60;

/// The channels offered at the kiosk, in key order 1–3.
pub const CHANNELS: [Channel; 3] = [Channel::WalkIn, Channel::Green, Channel::Urgent];

/// Seconds an issued ticket stays on screen before the kiosk is ready for the next person.
const SHOW_SECONDS: i64 = 30;

pub struct Kiosk {
    pub cfg: KioskConfig,
    pub lang: Lang,
    pub now: DateTime<FixedOffset>,
    pub link: Link,
    pub hall: HallView,
    pub stage: KioskStage,
    /// ID to put on the next ticket (one live ticket per ID).
    pub id_number: Option<String>,
    /// Mobile number to put on the next ticket (shown masked, forgotten once it is issued).
    pub mobile: Option<String>,
    pub printer: PrinterInfo,
    pub scanner: ScannerInfo,
    pub notice: Option<Notice>,
    pending: BTreeSet<String>,
    next_id: u64,
    shown_since: Option<DateTime<FixedOffset>>,
    /// Simulated ID card reader: the sample card Ctrl+K places next.
    sim_card_next: usize,
    /// An appointment code waiting for its ID characters.
    pending_code: Option<String>,
}

impl Kiosk {
    #[must_use]
    pub fn new(cfg: KioskConfig, now: DateTime<FixedOffset>) -> Self {
        Self {
            lang: cfg.lang,
            printer: PrinterInfo::new(cfg.printer.clone()),
            scanner: ScannerInfo {
                kind: cfg.scanner.clone(),
                state: ScannerState::Unknown,
            },
            cfg,
            now,
            link: Link::Connecting,
            hall: HallView::default(),
            stage: KioskStage::Queue,
            id_number: None,
            mobile: None,
            notice: None,
            pending: BTreeSet::new(),
            sim_card_next: 0,
            next_id: 0,
            shown_since: None,
            pending_code: None,
        }
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        let text: String = text.into();
        self.notice = Some(Notice {
            level,
            text: queue_core::hygiene::printable(&text).into_owned(),
        });
    }

    fn send(&mut self, command: Value) -> Effect {
        self.next_id += 1;
        let id = format!("{}-{}", self.cfg.id_prefix, self.next_id);
        self.pending.insert(id.clone());
        self.stage = KioskStage::Waiting;
        Effect::Send { id, command }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                self.hall.recount(now);
                if let Some(t) = self.shown_since {
                    if (now - t).num_seconds() >= SHOW_SECONDS {
                        self.shown_since = None;
                        self.stage = KioskStage::Queue;
                    }
                }
                vec![]
            }
            Msg::Key(k) => self.on_key(k),
            Msg::Hall(i) => self.on_hall(i),
            Msg::Scanner(e) => self.on_scanner(e),
            Msg::Printer(r) => {
                self.on_printer(r);
                vec![]
            }
            Msg::Redraw => vec![],
            Msg::IdCard(e) => self.on_idcard(e),
        }
    }

    fn on_hall(&mut self, i: Incoming) -> Vec<Effect> {
        match dashboard::printable::incoming(i) {
            Incoming::Link(l) => self.link = l,
            Incoming::Welcome { role, .. } => {
                if role != "kiosk" && role != "counter" {
                    self.say(
                        Level::Error,
                        format!(
                            "{} {role}",
                            self.lang
                                .pick("令牌不能取号：", "this token cannot issue tickets:")
                        ),
                    );
                }
            }
            Incoming::Snapshot { state, .. } => {
                self.hall = HallView::from_snapshot(&state);
                self.hall.recount(self.now);
            }
            Incoming::Summary { at, queues, .. } => {
                let at = DateTime::parse_from_rfc3339(&at).ok();
                self.hall.apply_summary(&queues, at);
                self.hall.recount(self.now);
            }
            Incoming::Event { at, event, .. } => {
                self.hall
                    .apply(&event, DateTime::parse_from_rfc3339(&at).ok());
            }
            Incoming::Reply {
                id,
                ok,
                result,
                error,
                ..
            } => {
                if !self.pending.remove(&id) {
                    return vec![];
                }
                if !ok {
                    let (code, message) = error.unwrap_or_default();
                    self.say(Level::Error, format!("{message} [{code}]"));
                    self.stage = KioskStage::Queue;
                    return vec![];
                }
                let Ok(t) = serde_json::from_value::<Ticket>(result["ticket"].clone()) else {
                    self.stage = KioskStage::Queue;
                    return vec![];
                };
                self.id_number = None;
                self.mobile = None;
                let queue = self
                    .hall
                    .queue(&t.queue)
                    .map_or(t.queue.clone(), |q| q.name.clone());
                let rating_url = result["rating_url"].as_str();
                match slips::ticket_job(&t, &self.hall.centre_name, &queue, rating_url) {
                    Ok(job) => {
                        self.stage = KioskStage::Issued {
                            ticket: Box::new(t),
                            slip: job.text,
                        };
                        self.shown_since = Some(self.now);
                        return vec![Effect::Print {
                            label: job.label,
                            bytes: job.bytes,
                        }];
                    }
                    Err(e) => self.say(Level::Error, e),
                }
            }
            Incoming::Error { code, message } => {
                self.say(Level::Error, format!("{message} [{code}]"))
            }
        }
        vec![]
    }

    fn on_scanner(&mut self, e: ScannerEvent) -> Vec<Effect> {
        match e {
            ScannerEvent::Connected { .. } => self.scanner.state = ScannerState::Connected,
            ScannerEvent::Disconnected { reason } => {
                self.scanner.state = ScannerState::Disconnected(reason.to_string());
            }
            ScannerEvent::Warning(w) => self.say(Level::Warning, w.to_string()),
            ScannerEvent::Scan(s) => match s.kind {
                ScanKind::Appointment(code) => return self.check_in(&code),
                ScanKind::ResidentId(id) => self.set_id(&id.number),
                ScanKind::Invalid { reason, .. } => {
                    self.say(
                        Level::Error,
                        format!("{} {reason}", self.lang.pick("无法识别：", "not valid:")),
                    );
                }
                _ => self.say(
                    Level::Warning,
                    self.lang
                        .pick(
                            "请扫描身份证或预约码",
                            "scan an ID card or an appointment code",
                        )
                        .to_string(),
                ),
            },
        }
        vec![]
    }

    /// A card on the kiosk's reader gives the number (never the name: the kiosk keeps no
    /// names) and, from the birth date, whether the green channel is open to the person.
    fn on_idcard(&mut self, e: IdReaderEvent) -> Vec<Effect> {
        match e {
            IdReaderEvent::Card(card) => {
                self.set_id(&card.id_number);
                if card.age_on(self.now.date_naive()) >= GREEN_CHANNEL_AGE {
                    self.say(
                        Level::Success,
                        self.lang.pick(
                            "您已年满60周岁，可选择绿色通道（选择办理事项后按 2）",
                            "aged 60 or over: the green channel is open to you (choose the queue, then 2)",
                        ),
                    );
                }
            }
            IdReaderEvent::Warning(w) => self.say(Level::Warning, w.zh()),
            IdReaderEvent::Fault(s) => self.say(Level::Error, s.zh()),
            IdReaderEvent::Connected { .. }
            | IdReaderEvent::Removed
            | IdReaderEvent::Disconnected { .. } => {}
        }
        vec![]
    }

    fn set_id(&mut self, number: &str) {
        self.id_number = Some(number.to_string());
        self.say(
            Level::Info,
            format!(
                "{} {}",
                self.lang.pick("已读取证件", "ID read"),
                ids::mask(number)
            ),
        );
    }

    fn on_printer(&mut self, r: PrinterReport) {
        match r {
            PrinterReport::Printed { pending, .. } => {
                self.printer.pending = pending;
                self.printer.state = PrinterState::Ready;
            }
            PrinterReport::Failed { error, pending, .. } => {
                self.printer.pending = pending;
                let t = format!(
                    "{}：{}",
                    i18n::printer_error(self.lang, &error),
                    self.lang.pick("号码已保留，请工作人员处理后按 F10 重打；号码以屏幕显示为准", "the ticket is kept; staff press F10 to print it; the screen shows your number")
                );
                self.say(Level::Error, t);
                self.printer.state = PrinterState::Fault(error);
            }
            PrinterReport::Status(Ok(())) => self.printer.state = PrinterState::Ready,
            PrinterReport::Status(Err(e)) => self.printer.state = PrinterState::Fault(e),
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('q' | 'c') if ctrl => return vec![Effect::Quit],
            KeyCode::F(12) => {
                self.lang = self.lang.toggle();
                return vec![];
            }
            KeyCode::F(10) => return vec![Effect::RetryPrint],
            // Only the simulated reader acts on it (the run loop ignores it otherwise).
            KeyCode::Char('k') if ctrl => {
                self.sim_card_next += 1;
                return vec![Effect::SimCard(self.sim_card_next - 1)];
            }
            KeyCode::Char('p') if ctrl && self.printer.simulated() => {
                self.printer.sim_paper_out = !self.printer.sim_paper_out;
                return vec![Effect::SimPaperOut(self.printer.sim_paper_out)];
            }
            KeyCode::Char('s') if ctrl && self.scanner.kind == ScannerKind::Simulated => {
                self.stage = KioskStage::Typing {
                    what: KioskInput::Appointment,
                    text: String::new(),
                };
                return vec![];
            }
            _ => {}
        }
        match self.stage.clone() {
            KioskStage::Queue => match key.code {
                KeyCode::Char(c @ '1'..='9') => {
                    let i = (c as usize) - ('1' as usize);
                    if let Some(q) = self.hall.queues.get(i) {
                        self.stage = KioskStage::Channel {
                            queue: q.code.clone(),
                        };
                    }
                }
                KeyCode::Char('i' | 'I') | KeyCode::F(2) => {
                    self.stage = KioskStage::Typing {
                        what: KioskInput::IdNumber,
                        text: String::new(),
                    };
                }
                KeyCode::Char('y' | 'Y') | KeyCode::F(3) => {
                    self.stage = KioskStage::Typing {
                        what: KioskInput::Appointment,
                        text: String::new(),
                    };
                }
                KeyCode::Char('m' | 'M') | KeyCode::F(4) => {
                    self.stage = KioskStage::Typing {
                        what: KioskInput::Mobile,
                        text: String::new(),
                    };
                }
                KeyCode::Esc => {
                    self.id_number = None;
                    self.mobile = None;
                }
                _ => {}
            },
            KioskStage::Channel { queue } => match key.code {
                KeyCode::Char(c @ '1'..='3') => {
                    let channel = CHANNELS[(c as usize) - ('1' as usize)];
                    let mut cmd = json!({"kind": "issue_ticket", "queue": queue, "channel": channel.as_str()});
                    if let Some(id) = &self.id_number {
                        cmd["id_number"] = json!(id);
                    }
                    if let Some(m) = &self.mobile {
                        cmd["mobile"] = json!(m);
                    }
                    return vec![self.send(cmd)];
                }
                KeyCode::Esc | KeyCode::Backspace => self.stage = KioskStage::Queue,
                _ => {}
            },
            KioskStage::Typing { what, mut text } => match key.code {
                KeyCode::Esc => self.stage = KioskStage::Queue,
                KeyCode::Backspace => {
                    text.pop();
                    self.stage = KioskStage::Typing { what, text };
                }
                KeyCode::Enter => return self.typed(what, text.trim()),
                KeyCode::Char(c) if !ctrl => {
                    text.push(c);
                    self.stage = KioskStage::Typing { what, text };
                }
                _ => {}
            },
            KioskStage::Waiting => {
                if key.code == KeyCode::Esc {
                    self.stage = KioskStage::Queue;
                }
            }
            KioskStage::Issued { .. } => {
                self.shown_since = None;
                self.stage = KioskStage::Queue;
            }
        }
        vec![]
    }

    fn typed(&mut self, what: KioskInput, text: &str) -> Vec<Effect> {
        match what {
            KioskInput::IdNumber => {
                match ids::parse_resident_id(text) {
                    Ok(v) => self.set_id(&v.normalized),
                    Err(e) => self.say(Level::Error, e.to_string()),
                }
                self.stage = KioskStage::Queue;
                vec![]
            }
            KioskInput::Appointment => {
                // The same classification as a scanner: a typed ID or ticket code works too.
                match device::scanner::classify(text).kind {
                    ScanKind::ResidentId(id) => {
                        self.set_id(&id.number);
                        self.stage = KioskStage::Queue;
                        vec![]
                    }
                    _ if text.is_empty() => {
                        self.stage = KioskStage::Queue;
                        vec![]
                    }
                    _ => self.check_in(text),
                }
            }
            KioskInput::Mobile => {
                match ids::parse_optional_mobile(Some(text)) {
                    Ok(m) => self.mobile = m,
                    Err(e) => self.say(Level::Error, e.to_string()),
                }
                self.stage = KioskStage::Queue;
                vec![]
            }
            KioskInput::IdLast4 => match self.pending_code.take() {
                Some(code) if !text.is_empty() => {
                    let mut cmd = json!({
                        "kind": "check_in", "appointment_code": code, "id_last4": text,
                    });
                    if let Some(m) = &self.mobile {
                        cmd["mobile"] = json!(m);
                    }
                    vec![self.send(cmd)]
                }
                _ => {
                    self.stage = KioskStage::Queue;
                    vec![]
                }
            },
        }
    }

    /// Check-in needs the code plus the last 4 ID characters: from the ID card already read,
    /// or typed by the holder.
    fn check_in(&mut self, code: &str) -> Vec<Effect> {
        let last4 = self.id_number.as_deref().map(|id| {
            let chars: Vec<char> = id.chars().collect();
            chars[chars.len().saturating_sub(4)..]
                .iter()
                .collect::<String>()
        });
        match last4 {
            Some(l4) => {
                let mut cmd = json!({
                    "kind": "check_in", "appointment_code": code, "id_last4": l4,
                });
                if let Some(m) = &self.mobile {
                    cmd["mobile"] = json!(m);
                }
                vec![self.send(cmd)]
            }
            None => {
                self.pending_code = Some(code.to_string());
                self.stage = KioskStage::Typing {
                    what: KioskInput::IdLast4,
                    text: String::new(),
                };
                vec![]
            }
        }
    }
}

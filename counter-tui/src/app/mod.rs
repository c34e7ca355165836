//! The counter's state and `update()`: messages in, effects out. No I/O here: commands,
//! print jobs and simulator pokes leave as [`Effect`]s for the run loop.

mod devices;
mod hall;
mod idcard;
mod keyboard;
mod popups;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use dashboard::client::Link;
use queue_core::intake::{Case, CaseState, Decision};
use queue_core::queue::{Ticket, TicketState, WindowState};
use serde_json::Value;

use crate::hall_view::HallView;
use crate::i18n::Lang;
use crate::intake::Intake;
use crate::msg::{
    Effect, Level, Msg, Notice, PrinterInfo, PrinterKind, ScannerInfo, ScannerKind, ScannerState,
};
use crate::slips::Job;

/// Fixed at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    pub window: u32,
    pub lang: Lang,
    /// Prefix of command ids: unique per process (see `dashboard::client::id_prefix`).
    pub id_prefix: String,
    pub printer: PrinterKind,
    pub scanner: ScannerKind,
    /// Where the hall is, for the header.
    pub hall_label: String,
    /// Who is at the window (the login name unless told).
    pub staff: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Counter,
    Intake,
}

/// Acts that need a second keypress (and some a reason) before they happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Non-acceptance: the reason text starts with the ground's number (1–3).
    Reject {
        case: String,
    },
    /// Refusal after review (不予许可), with reasons.
    Refuse {
        case: String,
    },
    CancelTicket {
        ticket: String,
        number: String,
    },
    CallOutOfOrder {
        ticket: String,
        number: String,
    },
    IdOverride,
    Quit,
}

impl Confirm {
    #[must_use]
    pub fn needs_reason(&self) -> bool {
        matches!(
            self,
            Self::Reject { .. } | Self::Refuse { .. } | Self::CallOutOfOrder { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFor {
    TicketLookup,
    SimScan,
    Note {
        material: String,
    },
    Extend,
    /// A special procedure: `1–4 reason`.
    Pause,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help,
    Confirm {
        act: Confirm,
        reason: String,
    },
    Input {
        purpose: InputFor,
        text: String,
    },
    Transfer {
        ticket: String,
        selected: usize,
    },
    TicketMenu {
        ticket: String,
    },
    /// A document: a draft awaiting confirmation (`draft`), or what was printed.
    Preview {
        title: String,
        text: String,
        draft: Option<Decision>,
        scroll: u16,
    },
    /// Ctrl+R: recording a 办不成事 request or complaint.
    Request(crate::redress::RequestForm),
}

/// What an unanswered command was for.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Queue(&'static str),
    CheckIn,
    Open,
    Materials {
        /// The decision and its extra fields (`reasons`, `reason_code`).
        then: Option<(Decision, Value)>,
    },
    Decide(Decision),
    Supplement,
    Extend,
    /// `case_pause`, `case_resume` or `case_collect`.
    CaseStep(&'static str),
    Report,
    /// `request_record`: print the acknowledgement slip on the reply.
    Request,
}

pub struct App {
    pub cfg: Config,
    pub lang: Lang,
    /// Hall time, from the run loop's ticks (fixed in tests).
    pub now: DateTime<FixedOffset>,
    pub link: Link,
    pub role: Option<String>,
    pub hall: HallView,
    pub focus: Focus,
    pub intake: Intake,
    pub popup: Option<Popup>,
    pub printer: PrinterInfo,
    pub scanner: ScannerInfo,
    /// The ID card reader, and which form entries came from a card.
    pub idcard: crate::idcard::IdCardState,
    pub notice: Option<Notice>,
    /// The last document issued here, for F10 reprint.
    pub last_job: Option<Job>,
    /// The ticket last finished here: the one a rating (好差评) is for.
    pub last_finished: Option<String>,
    pending: BTreeMap<String, Pending>,
    next_id: u64,
    last_resync: Option<DateTime<FixedOffset>>,
}

/// Safety-net resync: queue figures arrive in `summary` frames, so this only bounds how long
/// an unnoticed divergence could last.
const RESYNC_SECONDS: i64 = 300;

impl App {
    #[must_use]
    pub fn new(cfg: Config, now: DateTime<FixedOffset>) -> Self {
        // Where things are, for a newcomer: the hall, and where simulated printouts go.
        let mut hello = format!("{} {}", cfg.lang.pick("大厅", "hall"), cfg.hall_label);
        if let PrinterKind::Simulated { file } = &cfg.printer {
            hello.push_str(&format!(
                " · {} {file}",
                cfg.lang.pick("模拟打印输出", "simulated printouts in")
            ));
        }
        hello.push_str(cfg.lang.pick(" · F1 帮助", " · F1 help"));
        Self {
            lang: cfg.lang,
            printer: PrinterInfo::new(cfg.printer.clone()),
            scanner: ScannerInfo {
                kind: cfg.scanner.clone(),
                state: ScannerState::Unknown,
            },
            idcard: crate::idcard::IdCardState::default(),
            cfg,
            now,
            link: Link::Connecting,
            role: None,
            hall: HallView::default(),
            focus: Focus::Counter,
            intake: Intake::default(),
            popup: None,
            notice: Some(Notice {
                level: Level::Info,
                text: hello,
            }),
            last_job: None,
            last_finished: None,
            pending: BTreeMap::new(),
            next_id: 0,
            last_resync: None,
        }
    }

    #[must_use]
    pub fn current_ticket(&self) -> Option<&Ticket> {
        self.hall.current_ticket(self.cfg.window)
    }

    #[must_use]
    pub fn window_state(&self) -> Option<WindowState> {
        self.hall.windows.get(&self.cfg.window).map(|w| w.state)
    }

    /// Queue codes this window serves.
    #[must_use]
    pub fn my_queues(&self) -> Vec<String> {
        self.hall
            .windows
            .get(&self.cfg.window)
            .map(|w| w.queues.clone())
            .unwrap_or_default()
    }

    #[must_use]
    pub fn case(&self) -> Option<&Case> {
        self.intake.case_id().and_then(|id| self.hall.cases.get(id))
    }

    /// Commands sent and not yet answered.
    #[must_use]
    pub fn unanswered(&self) -> usize {
        self.pending.len()
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        // Scanned or received text may carry escape sequences: never onto the terminal.
        let text: String = text.into();
        self.notice = Some(Notice {
            level,
            text: queue_core::hygiene::printable(&text).into_owned(),
        });
    }

    fn say2(&mut self, level: Level, zh: &str, en: &str) {
        let t = self.lang.pick(zh, en).to_string();
        self.say(level, t);
    }

    fn send(&mut self, pending: Pending, mut command: Value) -> Effect {
        if pending == Pending::Open {
            self.idcard.mark(&mut command);
        }
        self.next_id += 1;
        let id = format!("{}-{}", self.cfg.id_prefix, self.next_id);
        self.pending.insert(id.clone(), pending);
        if self.link != Link::Online {
            self.say2(
                Level::Warning,
                "离线：指令已排队，恢复连接后自动发送（只执行一次）",
                "offline: queued, sent once the hall is back (applied once)",
            );
        }
        Effect::Send { id, command }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Tick(now) => self.tick(now),
            Msg::Key(k) => self.on_key(k),
            Msg::Hall(i) => self.on_hall(i),
            Msg::Scanner(e) => self.on_scanner(e),
            Msg::Printer(r) => self.on_printer(r),
            Msg::IdCard(e) => self.on_idreader(e),
            Msg::Redraw => vec![],
        }
    }

    fn tick(&mut self, now: DateTime<FixedOffset>) -> Vec<Effect> {
        self.now = now;
        self.hall.recount(now);
        if self.link != Link::Online {
            return vec![];
        }
        match self.last_resync {
            Some(t) if (now - t).num_seconds() < RESYNC_SECONDS => vec![],
            _ => {
                self.last_resync = Some(now);
                // The first snapshot came with the welcome; refresh only later ones.
                if self.hall.loaded {
                    vec![Effect::Resync]
                } else {
                    vec![]
                }
            }
        }
    }

    /// Is the case at this window in a state where intake is over?
    #[must_use]
    pub fn case_done(&self) -> bool {
        self.case().is_some_and(|c| {
            matches!(
                c.state,
                CaseState::Rejected
                    | CaseState::Completed
                    | CaseState::Accepted
                    | CaseState::DeemedAccepted
            )
        })
    }

    /// Tickets of this window's queues waiting, oldest first (for the "next up" list).
    #[must_use]
    pub fn waiting_here(&self) -> Vec<&Ticket> {
        let mine = self.my_queues();
        let mut v: Vec<&Ticket> = self
            .hall
            .tickets
            .values()
            .filter(|t| t.state == TicketState::Waiting && mine.contains(&t.queue))
            .collect();
        v.sort_by_key(|t| t.credit_since);
        v
    }
}

//! The counter's state and `update()`: messages in, effects out. No I/O here: commands,
//! print jobs and simulator pokes leave as [`Effect`]s for the run loop.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use dashboard::client::{Incoming, Link};
use device::printer::PrinterError;
use device::scanner::{CodeFamily, ScanKind, ScannerEvent};
use queue_core::document::{Document, DocumentKind};
use queue_core::intake::{Case, CaseState, Decision};
use queue_core::queue::{Ticket, TicketState, WindowState};
use serde_json::{json, Value};

use crate::hall_view::HallView;
use crate::i18n::{self, Lang};
use crate::intake::{Intake, Request, Stage};
use crate::keys::{self, Action};
use crate::msg::{
    Effect, Level, Msg, Notice, PrinterInfo, PrinterKind, PrinterReport, PrinterState, ScannerInfo,
    ScannerKind, ScannerState,
};
use crate::slips::{self, Job};

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
    Reject { case: String },
    CancelTicket { ticket: String, number: String },
    CallOutOfOrder { ticket: String, number: String },
    IdOverride,
    Quit,
}

impl Confirm {
    #[must_use]
    pub fn needs_reason(&self) -> bool {
        matches!(self, Self::Reject { .. } | Self::CallOutOfOrder { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFor {
    TicketLookup,
    SimScan,
    Note { material: String },
    Extend,
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
}

/// What an unanswered command was for.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Queue(&'static str),
    CheckIn,
    Open,
    Materials {
        then: Option<(Decision, Option<Vec<String>>)>,
    },
    Decide(Decision),
    Supplement,
    Extend,
    Report,
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
    pub notice: Option<Notice>,
    /// The last document issued here, for F10 reprint.
    pub last_job: Option<Job>,
    pending: BTreeMap<String, Pending>,
    next_id: u64,
    last_resync: Option<DateTime<FixedOffset>>,
}

/// How often to refresh the hall's own figures (estimated waits) with a fresh snapshot.
const RESYNC_SECONDS: i64 = 60;

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
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }

    fn say2(&mut self, level: Level, zh: &str, en: &str) {
        let t = self.lang.pick(zh, en).to_string();
        self.say(level, t);
    }

    fn send(&mut self, pending: Pending, command: Value) -> Effect {
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

    // ------------------------------------------------------------------ hall

    fn on_hall(&mut self, i: Incoming) -> Vec<Effect> {
        match i {
            Incoming::Link(l) => {
                self.link = l;
                if let Link::Refused(m) = &self.link {
                    let m = m.clone();
                    self.say(
                        Level::Error,
                        format!(
                            "{} {m}",
                            self.lang
                                .pick("大厅拒绝令牌：", "the hall refused the token:")
                        ),
                    );
                }
            }
            Incoming::Welcome { role, window, .. } => {
                if role != "counter" || window != Some(self.cfg.window) {
                    let t = format!(
                        "{} role={role} window={window:?}",
                        self.lang.pick(
                            "令牌不是本窗口的窗口令牌",
                            "this token is not a counter token for this window"
                        )
                    );
                    self.say(Level::Error, t);
                }
                self.role = Some(role);
            }
            Incoming::Snapshot { state, .. } => {
                self.hall = HallView::from_snapshot(&state);
                self.hall.recount(self.now);
            }
            Incoming::Event { at, event, .. } => {
                let at = DateTime::parse_from_rfc3339(&at).ok();
                self.hall.apply(&event, at);
            }
            Incoming::Reply {
                id,
                ok,
                result,
                error,
                ..
            } => return self.on_reply(&id, ok, &result, error),
            Incoming::Error { code, message } => {
                self.say(Level::Error, format!("{message} [{code}]"))
            }
        }
        vec![]
    }

    fn on_reply(
        &mut self,
        id: &str,
        ok: bool,
        result: &Value,
        error: Option<(String, String)>,
    ) -> Vec<Effect> {
        let Some(p) = self.pending.remove(id) else {
            return vec![];
        };
        if !ok {
            let (code, message) = error.unwrap_or_default();
            if p == Pending::Open {
                self.intake.stage = Stage::Applicant;
            }
            let text = match code.as_str() {
                "queue_empty" => format!(
                    "{} — {message}",
                    self.lang.pick("无人等候", "no one is waiting")
                ),
                _ => format!("{message} [{code}]"),
            };
            self.say(Level::Error, text);
            return vec![];
        }
        if let Ok(case) = serde_json::from_value::<Case>(result["case"].clone()) {
            self.hall.cases.insert(case.id.clone(), case);
        }
        let ticket = serde_json::from_value::<Ticket>(result["ticket"].clone()).ok();
        if let Some(t) = &ticket {
            self.hall.tickets.insert(t.id.clone(), t.clone());
            self.hall.recount(self.now);
        }
        match p {
            Pending::Queue(kind) => {
                let number = ticket.as_ref().map_or(String::new(), |t| t.number.clone());
                let (zh, en) = match kind {
                    "call_next" => ("已叫号", "called"),
                    "recall" => ("已重呼", "recalled"),
                    "no_show" => ("已过号", "marked no-show"),
                    "start_service" => ("开始办理", "service started"),
                    "finish" => ("已办结", "finished"),
                    "transfer" => ("已转移", "transferred"),
                    "reinstate" => ("已恢复排队", "reinstated"),
                    "pause" => ("窗口已暂停", "window paused"),
                    "resume" => ("窗口已恢复", "window resumed"),
                    "cancel_ticket" => ("已取消", "cancelled"),
                    _ => ("完成", "done"),
                };
                self.say(
                    Level::Success,
                    format!("{} {number}", self.lang.pick(zh, en)),
                );
                vec![]
            }
            Pending::CheckIn => {
                let Some(t) = ticket else { return vec![] };
                self.say(
                    Level::Success,
                    format!(
                        "{} {}",
                        self.lang
                            .pick("预约已签到，号码", "appointment checked in:"),
                        t.number
                    ),
                );
                let queue = self
                    .hall
                    .queue(&t.queue)
                    .map_or(t.queue.clone(), |q| q.name.clone());
                match slips::ticket_job(&t, &self.hall.centre_name, &queue) {
                    Ok(job) => vec![Effect::Print {
                        label: job.label,
                        bytes: job.bytes,
                    }],
                    Err(e) => {
                        self.say(Level::Error, e);
                        vec![]
                    }
                }
            }
            Pending::Open => {
                let case = result["case"]["id"].as_str().unwrap_or("").to_string();
                self.say(
                    Level::Success,
                    format!(
                        "{} {case}",
                        self.lang.pick("已收件，申请流水号", "case opened, serial")
                    ),
                );
                self.intake.edits.clear();
                self.intake.stage = Stage::Case { case, selected: 0 };
                vec![]
            }
            Pending::Materials { then } => {
                self.intake.edits.clear();
                match then {
                    Some((d, reasons)) => self.send_decision(d, reasons),
                    None => vec![],
                }
            }
            Pending::Decide(_) | Pending::Supplement => {
                self.intake.edits.clear();
                let doc = serde_json::from_value::<Document>(result["document"].clone()).ok();
                match doc {
                    Some(d) => self.issue_document(&d),
                    None => {
                        let state = self.case().map(|c| i18n::case_state(self.lang, c.state));
                        self.say(Level::Success, state.unwrap_or("").to_string());
                        vec![]
                    }
                }
            }
            Pending::Extend => {
                self.say2(
                    Level::Success,
                    "已延期并告知申请人",
                    "extended; tell the applicant",
                );
                vec![]
            }
            Pending::Report => vec![],
        }
    }

    /// The hall committed a document: print it and show what was printed.
    fn issue_document(&mut self, d: &Document) -> Vec<Effect> {
        match slips::document_job(d) {
            Ok(job) => {
                self.say(
                    Level::Success,
                    format!(
                        "{} {} {}",
                        self.lang.pick("已出具", "issued"),
                        d.kind.title_zh(),
                        d.serial
                    ),
                );
                self.popup = Some(Popup::Preview {
                    title: format!("{} {}", d.kind.title_zh(), d.serial),
                    text: job.text.clone(),
                    draft: None,
                    scroll: 0,
                });
                let effect = Effect::Print {
                    label: job.label.clone(),
                    bytes: job.bytes.clone(),
                };
                self.last_job = Some(job);
                vec![effect]
            }
            Err(e) => {
                self.say(Level::Error, e);
                vec![]
            }
        }
    }

    // ------------------------------------------------------------------ devices

    fn report(&mut self, device: &str, ok: bool, message: Option<String>) -> Effect {
        let mut cmd = json!({"kind": "report_device", "device": device, "ok": ok});
        if let Some(m) = message {
            cmd["message"] = json!(m);
        }
        self.send(Pending::Report, cmd)
    }

    fn printer_problem(e: &PrinterError) -> String {
        format!(
            "{} / {}",
            i18n::printer_error(Lang::Zh, e),
            i18n::printer_error(Lang::En, e)
        )
    }

    fn on_printer(&mut self, r: PrinterReport) -> Vec<Effect> {
        let was_fault = matches!(self.printer.state, PrinterState::Fault(_));
        let mut out = Vec::new();
        match r {
            PrinterReport::Printed {
                label,
                text,
                pending,
            } => {
                self.printer.state = PrinterState::Ready;
                self.printer.pending = pending;
                self.say(
                    Level::Success,
                    format!("{} {label}", self.lang.pick("已打印", "printed")),
                );
                self.printer.last = Some((label, text));
                if was_fault {
                    out.push(self.report("printer", true, None));
                }
            }
            PrinterReport::Failed {
                label,
                error,
                pending,
            } => {
                self.printer.pending = pending;
                let t = format!(
                    "{}：{label} {}",
                    i18n::printer_error(self.lang, &error),
                    self.lang.pick(
                        "已保留，排除故障后按 F10 重打",
                        "is kept; fix it and press F10 to print"
                    )
                );
                self.say(Level::Error, t);
                if !was_fault {
                    out.push(self.report("printer", false, Some(Self::printer_problem(&error))));
                }
                self.printer.state = PrinterState::Fault(error);
            }
            PrinterReport::Status(Ok(())) => {
                if was_fault {
                    out.push(self.report("printer", true, None));
                    if self.printer.pending > 0 {
                        self.say2(
                            Level::Info,
                            "打印机已恢复，按 F10 打印保留的单据",
                            "printer back: press F10 to print the kept jobs",
                        );
                    }
                }
                self.printer.state = PrinterState::Ready;
            }
            PrinterReport::Status(Err(e)) => {
                if self.printer.state != PrinterState::Fault(e.clone()) {
                    if !was_fault {
                        out.push(self.report("printer", false, Some(Self::printer_problem(&e))));
                    }
                    self.printer.state = PrinterState::Fault(e);
                }
            }
        }
        out
    }

    fn on_scanner(&mut self, e: ScannerEvent) -> Vec<Effect> {
        match e {
            ScannerEvent::Connected { .. } => {
                let was_down = matches!(self.scanner.state, ScannerState::Disconnected(_));
                self.scanner.state = ScannerState::Connected;
                if was_down {
                    return vec![self.report("scanner", true, None)];
                }
                vec![]
            }
            ScannerEvent::Disconnected { reason } => {
                let r = reason.to_string();
                self.scanner.state = ScannerState::Disconnected(r.clone());
                self.say(
                    Level::Error,
                    format!(
                        "{} {r}",
                        self.lang.pick("扫码枪断开：", "scanner disconnected:")
                    ),
                );
                vec![self.report(
                    "scanner",
                    false,
                    Some(format!("扫码枪断开 scanner disconnected: {r}")),
                )]
            }
            ScannerEvent::Warning(w) => {
                self.say(
                    Level::Warning,
                    format!(
                        "{} {w}",
                        self.lang.pick("扫码未识别：", "scan not understood:")
                    ),
                );
                vec![]
            }
            ScannerEvent::Scan(s) => self.on_scan(s.kind),
        }
    }

    /// A scan lands where it belongs: tickets open the ticket menu, IDs fill the applicant,
    /// appointment codes check in.
    pub fn on_scan(&mut self, kind: ScanKind) -> Vec<Effect> {
        match kind {
            ScanKind::Ticket(id) => {
                self.popup = Some(Popup::TicketMenu { ticket: id });
                vec![]
            }
            ScanKind::ResidentId(v) => {
                self.fill_id(&v.number);
                vec![]
            }
            ScanKind::CreditCode(v) => {
                self.fill_id(&v);
                vec![]
            }
            ScanKind::Invalid {
                family: CodeFamily::Uscc,
                value,
                ..
            } => {
                // Some issued credit codes fail their own check: the form offers the override.
                self.fill_id(&value);
                vec![]
            }
            ScanKind::Appointment(code) => {
                vec![self.send(
                    Pending::CheckIn,
                    json!({"kind": "check_in", "appointment_code": code}),
                )]
            }
            ScanKind::Document(v) => {
                let short: String = v.chars().take(24).collect();
                self.say(
                    Level::Info,
                    format!(
                        "{} {short}…",
                        self.lang.pick(
                            "文书核验码（用 dashboard verify-receipt 核验）",
                            "document code (check with dashboard verify-receipt)"
                        )
                    ),
                );
                vec![]
            }
            ScanKind::Invalid { reason, .. } => {
                self.say(
                    Level::Error,
                    format!("{} {reason}", self.lang.pick("扫码无效：", "invalid code:")),
                );
                vec![]
            }
            ScanKind::Text(t) => {
                self.say(
                    Level::Warning,
                    format!("{} {t}", self.lang.pick("未识别的条码：", "unknown code:")),
                );
                vec![]
            }
        }
    }

    fn fill_id(&mut self, value: &str) {
        self.intake.fill_id(value);
        let masked = queue_core::ids::mask(value);
        if matches!(self.intake.stage, Stage::Idle | Stage::Item { .. }) {
            self.say(
                Level::Info,
                format!(
                    "{} {masked}",
                    self.lang.pick(
                        "已读取证件，选择事项后继续：",
                        "ID read; choose the item next:"
                    )
                ),
            );
        } else {
            self.say(
                Level::Info,
                format!("{} {masked}", self.lang.pick("已读取证件", "ID read")),
            );
        }
    }

    // ------------------------------------------------------------------ keys

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        if let Some(p) = self.popup.take() {
            return self.popup_key(p, key);
        }
        let typing = self.focus == Focus::Intake && self.intake.typing();
        if let Some(a) = keys::action(&key, typing) {
            return self.act(a);
        }
        match self.focus {
            Focus::Intake => {
                let ticket = self.current_ticket().map(|t| t.id.clone());
                let req = self.intake.key(key, &self.hall, ticket.as_deref());
                self.request(req)
            }
            Focus::Counter => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Tab) {
                    return self.act(Action::Intake);
                }
                vec![]
            }
        }
    }

    fn act(&mut self, a: Action) -> Vec<Effect> {
        let current = self.current_ticket().cloned();
        let need_ticket = |app: &mut Self| {
            app.say2(
                Level::Warning,
                "窗口没有当前号，先按 F2 叫号",
                "no ticket at this window: press F2 to call",
            );
            vec![]
        };
        match a {
            Action::Help => self.popup = Some(Popup::Help),
            Action::CallNext => {
                if let Some(t) = &current {
                    let t = format!(
                        "{} {}（F6 {} / F4 {}）",
                        self.lang.pick("窗口已有号", "the window already has"),
                        t.number,
                        self.lang.pick("办结", "finish"),
                        self.lang.pick("过号", "no-show")
                    );
                    self.say(Level::Warning, t);
                    return vec![];
                }
                return vec![self.send(Pending::Queue("call_next"), json!({"kind": "call_next"}))];
            }
            Action::Recall | Action::NoShow | Action::Start => {
                if current.is_none() {
                    return need_ticket(self);
                }
                let kind = match a {
                    Action::Recall => "recall",
                    Action::NoShow => "no_show",
                    _ => "start_service",
                };
                return vec![self.send(Pending::Queue(kind), json!({ "kind": kind }))];
            }
            Action::Finish => {
                let Some(t) = current else {
                    return need_ticket(self);
                };
                let mut cmd = json!({"kind": "finish"});
                if let Some(c) = self
                    .case()
                    .filter(|c| c.ticket.as_deref() == Some(t.id.as_str()))
                {
                    cmd["outcome"] = json!(c.state.as_str());
                }
                return vec![self.send(Pending::Queue("finish"), cmd)];
            }
            Action::Transfer => {
                let Some(t) = current else {
                    return need_ticket(self);
                };
                self.popup = Some(Popup::Transfer {
                    ticket: t.id,
                    selected: 0,
                });
            }
            Action::PauseResume => {
                let kind = if self.window_state() == Some(WindowState::Paused) {
                    "resume"
                } else {
                    "pause"
                };
                return vec![self.send(Pending::Queue(kind), json!({ "kind": kind }))];
            }
            Action::Intake => {
                if self.focus == Focus::Intake {
                    self.focus = Focus::Counter;
                } else {
                    self.focus = Focus::Intake;
                    if self.intake.stage == Stage::Idle {
                        self.intake.start();
                    }
                }
            }
            Action::NewIntake => {
                self.intake.start();
                self.focus = Focus::Intake;
            }
            Action::Print => {
                if self.printer.pending > 0 {
                    return vec![Effect::RetryPrint];
                }
                if let Some(job) = &self.last_job {
                    return vec![Effect::Print {
                        label: format!("{} {}", self.lang.pick("重打", "reprint"), job.label),
                        bytes: job.bytes.clone(),
                    }];
                }
                self.say2(Level::Info, "没有可打印的单据", "nothing to print");
            }
            Action::TicketLookup => {
                self.popup = Some(Popup::Input {
                    purpose: InputFor::TicketLookup,
                    text: String::new(),
                });
            }
            Action::Language => self.lang = self.lang.toggle(),
            Action::Quit => {
                self.popup = Some(Popup::Confirm {
                    act: Confirm::Quit,
                    reason: String::new(),
                });
            }
            Action::SimPaper => {
                if !self.printer.simulated() {
                    self.say2(
                        Level::Warning,
                        "仅模拟打印机可切换缺纸",
                        "only the simulated printer can run out of paper on request",
                    );
                    return vec![];
                }
                self.printer.sim_paper_out = !self.printer.sim_paper_out;
                let out = self.printer.sim_paper_out;
                if out {
                    self.say2(
                        Level::Info,
                        "模拟打印机：缺纸",
                        "simulated printer: paper out",
                    );
                } else {
                    self.say2(
                        Level::Info,
                        "模拟打印机：已装纸",
                        "simulated printer: paper loaded",
                    );
                }
                return vec![Effect::SimPaperOut(out)];
            }
            Action::SimScan => {
                if self.scanner.kind != ScannerKind::Simulated {
                    self.say2(
                        Level::Warning,
                        "已接真实扫码枪",
                        "a real scanner is attached",
                    );
                    return vec![];
                }
                self.popup = Some(Popup::Input {
                    purpose: InputFor::SimScan,
                    text: String::new(),
                });
            }
            Action::ShowPrintout => match self.printer.last.clone() {
                Some((label, text)) => {
                    self.popup = Some(Popup::Preview {
                        title: label,
                        text,
                        draft: None,
                        scroll: 0,
                    });
                }
                None => self.say2(Level::Info, "尚未打印任何单据", "nothing printed yet"),
            },
        }
        vec![]
    }

    fn request(&mut self, r: Request) -> Vec<Effect> {
        match r {
            Request::None => {}
            Request::Leave => self.focus = Focus::Counter,
            Request::Open(cmd) => return vec![self.send(Pending::Open, cmd)],
            Request::ConfirmOverride => {
                self.popup = Some(Popup::Confirm {
                    act: Confirm::IdOverride,
                    reason: String::new(),
                });
            }
            Request::Decide(Decision::DeferNotice) => {
                return self.decide(Decision::DeferNotice, None)
            }
            Request::Decide(d) => {
                let kind = match d {
                    Decision::Accept => DocumentKind::Acceptance,
                    Decision::Complete => DocumentKind::Completion,
                    _ => DocumentKind::CorrectionNotice,
                };
                let Some(case) = self.case() else {
                    return vec![];
                };
                let statuses = self.intake.effective(case);
                let text =
                    slips::draft_text(kind, case, &statuses, self.now, &self.hall.centre_name);
                self.popup = Some(Popup::Preview {
                    title: format!(
                        "{}（{}）",
                        kind.title_zh(),
                        self.lang
                            .pick("预览，Enter 确认出具", "draft: Enter to issue")
                    ),
                    text,
                    draft: Some(d),
                    scroll: 0,
                });
            }
            Request::Reject => {
                if let Some(case) = self.intake.case_id() {
                    self.popup = Some(Popup::Confirm {
                        act: Confirm::Reject {
                            case: case.to_string(),
                        },
                        reason: String::new(),
                    });
                }
            }
            Request::Supplement => {
                let Some(case) = self.intake.case_id().map(str::to_string) else {
                    return vec![];
                };
                let materials = self.intake.edits_json();
                if materials.is_empty() {
                    self.say2(
                        Level::Warning,
                        "请先用 1–6 标记补正的材料",
                        "mark the supplemented materials with 1–6 first",
                    );
                    return vec![];
                }
                return vec![self.send(
                    Pending::Supplement,
                    json!({"kind": "case_supplement", "case": case, "materials": materials}),
                )];
            }
            Request::Extend => {
                self.popup = Some(Popup::Input {
                    purpose: InputFor::Extend,
                    text: String::new(),
                });
            }
            Request::Note(material) => {
                self.popup = Some(Popup::Input {
                    purpose: InputFor::Note { material },
                    text: String::new(),
                });
            }
            Request::Say(zh, en) => self.say2(Level::Warning, zh, en),
            Request::SayText(t) => self.say(Level::Error, t),
        }
        vec![]
    }

    /// Records unsent material changes first, then decides.
    fn decide(&mut self, d: Decision, reasons: Option<Vec<String>>) -> Vec<Effect> {
        let Some(case) = self.intake.case_id().map(str::to_string) else {
            return vec![];
        };
        let edits = self.intake.edits_json();
        if edits.is_empty() {
            return self.send_decision(d, reasons);
        }
        vec![self.send(
            Pending::Materials {
                then: Some((d, reasons)),
            },
            json!({"kind": "case_materials", "case": case, "materials": edits}),
        )]
    }

    fn send_decision(&mut self, d: Decision, reasons: Option<Vec<String>>) -> Vec<Effect> {
        let Some(case) = self.intake.case_id().map(str::to_string) else {
            return vec![];
        };
        let mut cmd = json!({"kind": "case_decide", "case": case, "decision": d});
        if let Some(r) = reasons {
            cmd["reasons"] = json!(r);
        }
        vec![self.send(Pending::Decide(d), cmd)]
    }

    fn popup_key(&mut self, p: Popup, key: KeyEvent) -> Vec<Effect> {
        match p {
            Popup::Help => vec![],
            Popup::Confirm { act, mut reason } => match key.code {
                KeyCode::Esc => vec![],
                KeyCode::Char('n' | 'N') if !act.needs_reason() => vec![],
                KeyCode::Enter | KeyCode::Char('y' | 'Y')
                    if !act.needs_reason() || key.code == KeyCode::Enter =>
                {
                    if act.needs_reason() && reason.trim().is_empty() {
                        self.say2(Level::Warning, "请填写理由", "a reason is required");
                        self.popup = Some(Popup::Confirm { act, reason });
                        return vec![];
                    }
                    self.confirmed(act, reason.trim().to_string())
                }
                KeyCode::Backspace => {
                    reason.pop();
                    self.popup = Some(Popup::Confirm { act, reason });
                    vec![]
                }
                KeyCode::Char(c) if act.needs_reason() => {
                    reason.push(c);
                    self.popup = Some(Popup::Confirm { act, reason });
                    vec![]
                }
                _ => {
                    self.popup = Some(Popup::Confirm { act, reason });
                    vec![]
                }
            },
            Popup::Input { purpose, mut text } => match key.code {
                KeyCode::Esc => vec![],
                KeyCode::Enter => self.input_done(purpose, text.trim().to_string()),
                KeyCode::Backspace => {
                    text.pop();
                    self.popup = Some(Popup::Input { purpose, text });
                    vec![]
                }
                KeyCode::Char(c) => {
                    text.push(c);
                    self.popup = Some(Popup::Input { purpose, text });
                    vec![]
                }
                _ => {
                    self.popup = Some(Popup::Input { purpose, text });
                    vec![]
                }
            },
            Popup::Transfer {
                ticket,
                mut selected,
            } => {
                let from = self.hall.tickets.get(&ticket).map(|t| t.queue.clone());
                let targets: Vec<String> = self
                    .hall
                    .queues
                    .iter()
                    .filter(|q| Some(&q.code) != from.as_ref())
                    .map(|q| q.code.clone())
                    .collect();
                match key.code {
                    KeyCode::Esc => return vec![],
                    KeyCode::Up => selected = selected.saturating_sub(1),
                    KeyCode::Down => selected = (selected + 1).min(targets.len().saturating_sub(1)),
                    KeyCode::Enter => {
                        let Some(queue) = targets.get(selected) else {
                            return vec![];
                        };
                        return vec![self.send(
                            Pending::Queue("transfer"),
                            json!({"kind": "transfer", "ticket": ticket, "queue": queue}),
                        )];
                    }
                    _ => {}
                }
                self.popup = Some(Popup::Transfer { ticket, selected });
                vec![]
            }
            Popup::TicketMenu { ticket } => {
                let number = self
                    .hall
                    .tickets
                    .get(&ticket)
                    .map_or(ticket.clone(), |t| t.number.clone());
                match key.code {
                    KeyCode::Char('1') => {
                        self.popup = Some(Popup::Confirm {
                            act: Confirm::CallOutOfOrder { ticket, number },
                            reason: String::new(),
                        });
                        vec![]
                    }
                    KeyCode::Char('2') => vec![self.send(
                        Pending::Queue("reinstate"),
                        json!({"kind": "reinstate", "ticket": ticket}),
                    )],
                    KeyCode::Char('3') => {
                        self.popup = Some(Popup::Confirm {
                            act: Confirm::CancelTicket { ticket, number },
                            reason: String::new(),
                        });
                        vec![]
                    }
                    KeyCode::Esc => vec![],
                    _ => {
                        self.popup = Some(Popup::TicketMenu { ticket });
                        vec![]
                    }
                }
            }
            Popup::Preview {
                title,
                text,
                draft,
                mut scroll,
            } => match (key.code, draft) {
                (KeyCode::Esc, _) => vec![],
                (KeyCode::Enter, Some(d)) => self.decide(d, None),
                (KeyCode::F(10), None) => self.act(Action::Print),
                (KeyCode::Enter, None) => vec![],
                (code, draft) => {
                    match code {
                        KeyCode::Up => scroll = scroll.saturating_sub(1),
                        KeyCode::Down => scroll = scroll.saturating_add(1),
                        KeyCode::PageUp => scroll = scroll.saturating_sub(10),
                        KeyCode::PageDown => scroll = scroll.saturating_add(10),
                        _ => {}
                    }
                    self.popup = Some(Popup::Preview {
                        title,
                        text,
                        draft,
                        scroll,
                    });
                    vec![]
                }
            },
        }
    }

    fn confirmed(&mut self, act: Confirm, reason: String) -> Vec<Effect> {
        match act {
            Confirm::Quit => vec![Effect::Quit],
            Confirm::Reject { .. } => self.decide(Decision::Reject, Some(vec![reason])),
            Confirm::CancelTicket { ticket, .. } => {
                let mut cmd = json!({"kind": "cancel_ticket", "ticket": ticket});
                if !reason.is_empty() {
                    cmd["reason"] = json!(reason);
                }
                vec![self.send(Pending::Queue("cancel_ticket"), cmd)]
            }
            Confirm::CallOutOfOrder { ticket, .. } => vec![self.send(
                Pending::Queue("call_next"),
                json!({"kind": "call_next", "ticket": ticket, "reason": reason}),
            )],
            Confirm::IdOverride => {
                self.intake.form.id_override = true;
                let ticket = self.current_ticket().map(|t| t.id.clone());
                let r = self.intake.submit(ticket.as_deref());
                self.request(r)
            }
        }
    }

    fn input_done(&mut self, purpose: InputFor, text: String) -> Vec<Effect> {
        match purpose {
            InputFor::TicketLookup => match self.hall.find_ticket(&text) {
                Some(t) => {
                    self.popup = Some(Popup::TicketMenu {
                        ticket: t.id.clone(),
                    });
                    vec![]
                }
                None => {
                    self.say(
                        Level::Warning,
                        format!("{} {text}", self.lang.pick("未找到号", "no ticket")),
                    );
                    vec![]
                }
            },
            InputFor::SimScan => vec![Effect::SimScan(text)],
            InputFor::Note { material } => {
                if let Some(case) = self.case().cloned() {
                    self.intake.set_note(&case, &material, text);
                }
                vec![]
            }
            InputFor::Extend => {
                let mut parts = text.splitn(2, char::is_whitespace);
                let days = parts.next().and_then(|d| d.parse::<u32>().ok());
                let reason = parts.next().unwrap_or("").trim().to_string();
                match (days, self.intake.case_id().map(str::to_string)) {
                    (Some(days), Some(case)) if !reason.is_empty() => vec![self.send(
                        Pending::Extend,
                        json!({"kind": "case_extend", "case": case, "days": days, "reason": reason}),
                    )],
                    _ => {
                        self.say2(Level::Warning, "格式：天数 理由，例如「3 需现场核查」", "format: days reason, e.g. \"3 site inspection\"");
                        vec![]
                    }
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

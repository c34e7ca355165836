//! Keys outside popups: the counter's F-keys and the intake panel.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use queue_core::document::DocumentKind;
use queue_core::intake::Decision;
use queue_core::queue::WindowState;
use serde_json::{json, Value};

use super::{App, Confirm, Focus, InputFor, Pending, Popup};
use crate::intake::{Request, Stage};
use crate::keys::{self, Action};
use crate::msg::{Effect, Level, ScannerKind};
use crate::slips;

impl App {
    // ------------------------------------------------------------------ keys

    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
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

    pub(super) fn act(&mut self, a: Action) -> Vec<Effect> {
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
            Action::Redress => {
                self.popup = Some(Popup::Request(crate::redress::RequestForm::default()));
            }
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
            Action::SimCard => return self.sim_card(),
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

    pub(super) fn request(&mut self, r: Request) -> Vec<Effect> {
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
                return self.decide(Decision::DeferNotice, json!({}))
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
            Request::Refuse => {
                if let Some(case) = self.intake.case_id() {
                    self.popup = Some(Popup::Confirm {
                        act: Confirm::Refuse {
                            case: case.to_string(),
                        },
                        reason: String::new(),
                    });
                }
            }
            Request::PauseResume => {
                let Some(case) = self.case().cloned() else {
                    return vec![];
                };
                if case.open_pause().is_some() {
                    return vec![self.send(
                        Pending::CaseStep("case_resume"),
                        json!({"kind": "case_resume", "case": case.id}),
                    )];
                }
                self.popup = Some(Popup::Input {
                    purpose: InputFor::Pause,
                    text: String::new(),
                });
            }
            Request::Collect => {
                if let Some(case) = self.intake.case_id().map(str::to_string) {
                    return vec![self.send(
                        Pending::CaseStep("case_collect"),
                        json!({"kind": "case_collect", "case": case}),
                    )];
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
    /// `extra` holds the decision's other fields (`reasons`, `reason_code`).
    pub(super) fn decide(&mut self, d: Decision, extra: Value) -> Vec<Effect> {
        let Some(case) = self.intake.case_id().map(str::to_string) else {
            return vec![];
        };
        let edits = self.intake.edits_json();
        if edits.is_empty() {
            return self.send_decision(d, extra);
        }
        vec![self.send(
            Pending::Materials {
                then: Some((d, extra)),
            },
            json!({"kind": "case_materials", "case": case, "materials": edits}),
        )]
    }

    pub(super) fn send_decision(&mut self, d: Decision, extra: Value) -> Vec<Effect> {
        let Some(case) = self.intake.case_id().map(str::to_string) else {
            return vec![];
        };
        let mut cmd = json!({"kind": "case_decide", "case": case, "decision": d});
        if let (Some(obj), Some(more)) = (cmd.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        vec![self.send(Pending::Decide(d), cmd)]
    }
}

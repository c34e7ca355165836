//! The hall's side: link state, snapshot and events, replies to our commands.

use chrono::DateTime;
use dashboard::client::{Incoming, Link};
use queue_core::document::Document;
use queue_core::intake::Case;
use queue_core::queue::Ticket;
use serde_json::Value;

use super::{App, Pending, Popup};
use crate::hall_view::HallView;
use crate::i18n;
use crate::intake::Stage;
use crate::msg::{Effect, Level};
use crate::slips;

impl App {
    // ------------------------------------------------------------------ hall

    pub(super) fn on_hall(&mut self, i: Incoming) -> Vec<Effect> {
        match dashboard::printable::incoming(i) {
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
                if role != "counter" {
                    let t = format!(
                        "{} role={role}",
                        self.lang
                            .pick("令牌不是窗口令牌", "this token is not a counter token")
                    );
                    self.say(Level::Error, t);
                } else if let Some(w) = window.filter(|w| *w != self.cfg.window) {
                    // The hall acts for the token's window whatever --window said: show that one.
                    let t = format!(
                        "{} {w}（--window {}）",
                        self.lang
                            .pick("令牌属于窗口", "the token belongs to window"),
                        self.cfg.window
                    );
                    self.say(Level::Warning, t);
                    self.cfg.window = w;
                }
                self.role = Some(role);
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
                let at = DateTime::parse_from_rfc3339(&at).ok();
                self.hall.apply(&event, at);
                self.on_taken_over(&event);
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

    /// Another window took over the case open here: close it, say who has it now.
    fn on_taken_over(&mut self, event: &Value) {
        if event["kind"] != "case_taken_over"
            || event["from"].as_u64() != Some(u64::from(self.cfg.window))
        {
            return;
        }
        let Some(id) = event["case"]["id"].as_str() else {
            return;
        };
        if self.intake.case_id() != Some(id) {
            return;
        }
        let id = id.to_string();
        let to = event["case"]["window"]
            .as_u64()
            .map_or_else(String::new, |w| w.to_string());
        self.intake.edits.clear();
        self.intake.stage = Stage::Idle;
        let text = match self.lang {
            i18n::Lang::Zh => format!("办件 {id} 已由窗口 {to} 接办"),
            i18n::Lang::En => format!("case {id} was taken over by window {to}"),
        };
        self.say(Level::Warning, text);
    }

    pub(super) fn on_reply(
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
                if kind == "finish" {
                    self.last_finished = ticket.as_ref().map(|t| t.id.clone());
                }
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
                    "evaluate" => ("评价已记录", "rating recorded"),
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
                let rating_url = result["rating_url"].as_str();
                match slips::ticket_job(&t, &self.hall.centre_name, &queue, rating_url) {
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
                    Some((d, extra)) => self.send_decision(d, extra),
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
            Pending::CaseStep(kind) => {
                let (zh, en) = match kind {
                    "case_pause" => (
                        "已暂停计时并出具特别程序告知书",
                        "clock stopped; special procedure notice issued",
                    ),
                    "case_resume" => (
                        "特别程序结束，办结时限已顺延",
                        "procedure over; due date moved on",
                    ),
                    _ => ("已记录出件", "collection recorded"),
                };
                self.say2(Level::Success, zh, en);
                vec![]
            }
            Pending::Report => vec![],
            Pending::Request => self.acknowledge(result),
        }
    }

    /// The hall recorded a request: print the acknowledgement slip and show it.
    fn acknowledge(&mut self, result: &Value) -> Vec<Effect> {
        let Ok(r) =
            serde_json::from_value::<queue_core::redress::Request>(result["request"].clone())
        else {
            return vec![];
        };
        match slips::request_job(&r, &self.hall.centre_name, &self.cfg.staff) {
            Ok(job) => {
                let said = format!(
                    "{} {}",
                    self.lang.pick("已登记并打印回执", "recorded; slip printed"),
                    r.id
                );
                let title = job.label.clone();
                self.print_and_show(job, said, title)
            }
            Err(e) => {
                self.say(Level::Error, e);
                vec![]
            }
        }
    }

    /// Prints `job`, says `said`, shows what was printed under `title`, and keeps it for a
    /// reprint.
    fn print_and_show(&mut self, job: slips::Job, said: String, title: String) -> Vec<Effect> {
        self.say(Level::Success, said);
        self.popup = Some(Popup::Preview {
            title,
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

    /// The hall committed a document: print it and show what was printed.
    pub(super) fn issue_document(&mut self, d: &Document) -> Vec<Effect> {
        match slips::document_job(d) {
            Ok(job) => {
                let said = format!(
                    "{} {} {}",
                    self.lang.pick("已出具", "issued"),
                    d.kind.title_zh(),
                    d.serial
                );
                let title = format!("{} {}", d.kind.title_zh(), d.serial);
                self.print_and_show(job, said, title)
            }
            Err(e) => {
                self.say(Level::Error, e);
                vec![]
            }
        }
    }
}

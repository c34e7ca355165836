//! Keys inside popups: confirmations, inputs, menus, the document preview.

use crossterm::event::{KeyCode, KeyEvent};
use queue_core::intake::Decision;
use serde_json::json;

use super::{App, Confirm, InputFor, Pending, Popup};
use crate::keys::{self, Action};
use crate::msg::{Effect, Level};
use crate::redress::FormKey;

impl App {
    pub(super) fn popup_key(&mut self, p: Popup, key: KeyEvent) -> Vec<Effect> {
        match p {
            Popup::Help => vec![],
            Popup::Request(mut form) => {
                let ticket = self.current_ticket().map(|t| t.id.clone());
                match form.key(key, ticket.as_deref()) {
                    FormKey::Cancel => vec![],
                    FormKey::Stay => {
                        self.popup = Some(Popup::Request(form));
                        vec![]
                    }
                    FormKey::Problem(zh, en) => {
                        self.say2(Level::Warning, zh, en);
                        self.popup = Some(Popup::Request(form));
                        vec![]
                    }
                    FormKey::Submit(cmd) => vec![self.send(Pending::Request, cmd)],
                }
            }
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
                (KeyCode::Enter, Some(d)) => self.decide(d, json!({})),
                (KeyCode::F(10), None) => self.act(Action::Print),
                (KeyCode::Enter, None) => vec![],
                // Any other F-key closes what was printed and does its job (F6 finish…).
                (_, None) if keys::action(&key, false).is_some() => match keys::action(&key, false)
                {
                    Some(a) => self.act(a),
                    None => vec![],
                },
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

    pub(super) fn confirmed(&mut self, act: Confirm, reason: String) -> Vec<Effect> {
        match act {
            Confirm::Quit => vec![Effect::Quit],
            Confirm::Reject { .. } => {
                // "1 …" not required, "2 …" outside competence, "3 …" other statutory ground.
                let mut parts = reason.trim().splitn(2, char::is_whitespace);
                let code = match parts.next() {
                    Some("1") => "not_required",
                    Some("2") => "outside_competence",
                    Some("3") => "other_statutory",
                    _ => {
                        self.say2(
                            Level::Warning,
                            "理由以 1/2/3 开头：1 无需许可 2 非本机关职权 3 其他法定情形；缺材料请按 t 一次性告知",
                            "start with 1/2/3: 1 not required, 2 outside competence, 3 other statutory ground; missing materials: press t",
                        );
                        return vec![];
                    }
                };
                let text = parts.next().unwrap_or("").trim();
                let mut extra = json!({ "reason_code": code });
                if !text.is_empty() {
                    extra["reasons"] = json!([text]);
                }
                self.decide(Decision::Reject, extra)
            }
            Confirm::Refuse { .. } => self.decide(Decision::Refuse, json!({ "reasons": [reason] })),
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

    pub(super) fn input_done(&mut self, purpose: InputFor, text: String) -> Vec<Effect> {
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
                // "10! reason": a statutory extension beyond the legal limit.
                let first = parts.next().unwrap_or("");
                let statutory = first.ends_with('!') || first.ends_with('！');
                let days = first.trim_end_matches(['!', '！']).parse::<u32>().ok();
                let reason = parts.next().unwrap_or("").trim().to_string();
                match (days, self.intake.case_id().map(str::to_string)) {
                    (Some(days), Some(case)) if !reason.is_empty() => vec![self.send(
                        Pending::Extend,
                        json!({"kind": "case_extend", "case": case, "days": days, "reason": reason, "statutory": statutory}),
                    )],
                    _ => {
                        self.say2(Level::Warning, "格式：天数 理由，例如「3 需现场核查」；法定延期「10! 理由」", "format: days reason, e.g. \"3 site inspection\"; statutory: \"10! reason\"");
                        vec![]
                    }
                }
            }
            InputFor::Pause => {
                let mut parts = text.trim().splitn(2, char::is_whitespace);
                let procedure = match parts.next() {
                    Some("1") => Some("inspection"),
                    Some("2") => Some("testing"),
                    Some("3") => Some("hearing"),
                    Some("4") => Some("expert_review"),
                    _ => None,
                };
                let reason = parts.next().unwrap_or("").trim().to_string();
                match (procedure, self.intake.case_id().map(str::to_string)) {
                    (Some(p), Some(case)) if !reason.is_empty() => vec![self.send(
                        Pending::CaseStep("case_pause"),
                        json!({"kind": "case_pause", "case": case, "procedure": p, "reason": reason}),
                    )],
                    _ => {
                        self.say2(Level::Warning, "格式：程序 事由（1 现场勘验 2 检验检测 3 听证 4 专家评审），例如「1 需现场查看」", "format: procedure reason (1 inspection 2 testing 3 hearing 4 expert review), e.g. \"1 site visit\"");
                        vec![]
                    }
                }
            }
        }
    }
}

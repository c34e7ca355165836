//! A card read at the window: it fills the applicant (or the agent, when the agent's fields
//! have the focus), is remembered as checked by card, warns when expired; at an idle window it
//! starts an intake and names the person's cases still under way here.

use device::idcard::{IdCard, IdReaderEvent};
use queue_core::intake::CaseState;

use super::{App, Focus};
use crate::idcard::{ReaderKind, ReaderState};
use crate::intake::{Field, Stage};
use crate::msg::{Effect, Level};

impl App {
    pub(super) fn on_idreader(&mut self, e: IdReaderEvent) -> Vec<Effect> {
        let was_down = matches!(
            self.idcard.state,
            ReaderState::Fault(_) | ReaderState::Disconnected(_)
        );
        if crate::idcard::is_up(&e) {
            self.idcard.state = ReaderState::Connected;
        }
        match e {
            IdReaderEvent::Connected { .. } | IdReaderEvent::Removed => {
                if was_down {
                    self.say2(Level::Info, "身份证阅读器已恢复", "ID card reader is back");
                    return vec![self.report("id_reader", true, None)];
                }
                vec![]
            }
            IdReaderEvent::Card(card) => {
                let mut out = self.on_card(&card);
                if was_down {
                    out.push(self.report("id_reader", true, None));
                }
                out
            }
            IdReaderEvent::Warning(w) => {
                let t = format!(
                    "{}{}",
                    self.lang.pick("读卡：", "card reader: "),
                    match self.lang {
                        crate::i18n::Lang::Zh => w.zh(),
                        crate::i18n::Lang::En => w.to_string(),
                    }
                );
                self.say(Level::Warning, t);
                vec![]
            }
            IdReaderEvent::Fault(s) => {
                let why = format!("{} / {s}", s.zh());
                self.idcard.state = ReaderState::Fault(why.clone());
                self.say(
                    Level::Error,
                    format!(
                        "{} {why}",
                        self.lang.pick(
                            "身份证阅读器故障，请人工核验证件：",
                            "ID card reader fault; check IDs by eye:"
                        )
                    ),
                );
                vec![self.report("id_reader", false, Some(format!("身份证阅读器故障 {why}")))]
            }
            IdReaderEvent::Disconnected { reason } => {
                let r = reason.to_string();
                self.idcard.state = ReaderState::Disconnected(r.clone());
                if was_down {
                    return vec![];
                }
                self.say(
                    Level::Error,
                    format!(
                        "{} {r}",
                        self.lang
                            .pick("身份证阅读器断开：", "ID card reader disconnected:")
                    ),
                );
                vec![self.report(
                    "id_reader",
                    false,
                    Some(format!("身份证阅读器断开 ID card reader disconnected: {r}")),
                )]
            }
        }
    }

    fn on_card(&mut self, card: &IdCard) -> Vec<Effect> {
        let masked = queue_core::ids::mask(&card.id_number);
        let expired = card.expired_on(self.now.date_naive());
        let under_way = self.cases_of(&card.id_number, &card.name);
        match self.intake.stage {
            // A case is open here: the card is not for this form.
            Stage::Opening | Stage::Case { .. } => {
                let t = format!(
                    "{} {} {masked}{}",
                    self.lang.pick(
                        "当前办件未结束，未填入；读到",
                        "a case is open here, not filled in; card of"
                    ),
                    card.name,
                    under_way
                );
                self.say(Level::Warning, t);
                return vec![];
            }
            Stage::Idle => {
                self.intake.start();
                self.idcard.forget();
                self.focus = Focus::Intake;
            }
            Stage::Item { .. } | Stage::Applicant => {}
        }
        let form = &mut self.intake.form;
        let to_agent = self.intake.stage == Stage::Applicant
            && matches!(
                form.focus,
                Field::AgentName | Field::AgentId | Field::AgentAuth
            );
        let who = if to_agent {
            form.agent_name.clone_from(&card.name);
            form.agent_id.clone_from(&card.id_number);
            form.focus = Field::AgentAuth;
            self.idcard.agent = (!expired).then(|| (card.name.clone(), card.id_number.clone()));
            self.lang.pick("代理人", "agent")
        } else {
            form.name.clone_from(&card.name);
            form.id_number.clone_from(&card.id_number);
            form.id_override = false;
            form.id_kind = None;
            if self.intake.stage == Stage::Applicant
                && matches!(form.focus, Field::Name | Field::IdNumber)
            {
                form.focus = Field::AgentName;
            }
            self.idcard.applicant = (!expired).then(|| (card.name.clone(), card.id_number.clone()));
            self.lang.pick("申请人", "applicant")
        };
        if expired {
            let until = match card.valid_until {
                device::idcard::Validity::Until(d) => d.format("%Y-%m-%d").to_string(),
                device::idcard::Validity::LongTerm => String::new(),
            };
            let t = format!(
                "{} {} {masked} {}{until}{}",
                who,
                card.name,
                self.lang
                    .pick("的身份证已过有效期：", "ID card expired on "),
                self.lang.pick(
                    "，不能作为有效证件核验，请核实其他有效证件",
                    "; not valid for the identity check: ask for another valid ID"
                ),
            );
            self.say(Level::Warning, t);
            return vec![];
        }
        let next = if matches!(self.intake.stage, Stage::Item { .. }) {
            self.lang.pick("，选择事项后继续", "; choose the item next")
        } else {
            ""
        };
        let t = format!(
            "{} {who} {} {masked}{next}{under_way}",
            self.lang
                .pick("已读身份证并核验：", "ID card read and checked:"),
            card.name
        );
        self.say(Level::Success, t);
        vec![]
    }

    /// ` · 在办 N 件：…` for the person's cases still under way in the hall view (matched by
    /// number, or by masked number and name where this counter sees numbers masked).
    fn cases_of(&self, id: &str, name: &str) -> String {
        let masked = queue_core::ids::mask(id);
        let serials: Vec<&str> = self
            .hall
            .cases
            .values()
            .filter(|c| {
                !matches!(c.state, CaseState::Rejected | CaseState::Completed)
                    && [
                        Some((&c.applicant.name, &c.applicant.id_number)),
                        c.agent.as_ref().map(|a| (&a.name, &a.id_number)),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|(n, i)| i == id || (*i == masked && n == name))
            })
            .map(|c| c.serial.as_str())
            .collect();
        if serials.is_empty() {
            return String::new();
        }
        format!(
            " · {} {}：{}",
            self.lang.pick("在办", "under way:"),
            serials.len(),
            serials.join(" ")
        )
    }

    /// Simulated reader: Ctrl+K takes the card away and places the next sample card.
    pub(super) fn sim_card(&mut self) -> Vec<Effect> {
        if self.idcard.kind != ReaderKind::Simulated {
            self.say2(
                Level::Warning,
                "已接真实身份证阅读器",
                "a real ID card reader is attached",
            );
            return vec![];
        }
        let n = self.idcard.sim_next;
        self.idcard.sim_next = n + 1;
        vec![Effect::SimCard(n)]
    }
}

//! The applicant part of the intake form: who applies, with which document, how the result
//! reaches them, and the agent; checked here before `case_open` is sent.

use crossterm::event::{KeyCode, KeyEvent};
use queue_core::ids::{self, IdError, IdKind, PersonIdKind};
use queue_core::intake::{Authorisation, Delivery};
use serde_json::json;

use super::{is_text, Intake, Request, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    /// The applicant's document: resident ID / credit code (recognised from the number) or
    /// one of the other documents a person may apply with (PY 7).
    IdKind,
    IdNumber,
    /// How the result reaches the applicant (GD 22), and the address for post.
    Delivery,
    Address,
    /// Optional mobile number for notices (result ready): masked once typed.
    Mobile,
    AgentName,
    AgentId,
    AgentAuth,
}

impl Field {
    const ORDER: [Self; 9] = [
        Self::Name,
        Self::IdKind,
        Self::IdNumber,
        Self::Delivery,
        Self::Address,
        Self::Mobile,
        Self::AgentName,
        Self::AgentId,
        Self::AgentAuth,
    ];

    fn next(self) -> Self {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[(i + 1).min(Self::ORDER.len() - 1)]
    }

    fn prev(self) -> Self {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[i.saturating_sub(1)]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantForm {
    pub name: String,
    pub id_number: String,
    pub agent_name: String,
    pub agent_id: String,
    pub authorisation: Authorisation,
    /// `None`: a resident ID or a credit code, told apart by the number.
    pub id_kind: Option<PersonIdKind>,
    pub delivery: Delivery,
    /// Where to post the result (`Delivery::Post` only).
    pub address: String,
    /// Optional mainland mobile number for notices.
    pub mobile: String,
    pub focus: Field,
    /// Staff accepted a credit code whose check character does not match.
    pub id_override: bool,
}

impl Default for ApplicantForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            id_number: String::new(),
            agent_name: String::new(),
            agent_id: String::new(),
            authorisation: Authorisation::Written,
            id_kind: None,
            delivery: Delivery::Collection,
            address: String::new(),
            mobile: String::new(),
            focus: Field::Name,
            id_override: false,
        }
    }
}

/// Live validation of an ID or credit code as it is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdCheck {
    Empty,
    /// Still typing: characters so far.
    Typing(usize),
    Valid(IdKind),
    /// A valid number of another document (passport, permits).
    Document(PersonIdKind),
    /// A credit code failing only its check character: staff may override.
    Overridable(String),
    Invalid(String),
}

/// [`check_id`] for the document chosen in the form (`None`: resident ID or credit code).
#[must_use]
pub fn check_id_as(kind: Option<PersonIdKind>, text: &str) -> IdCheck {
    match kind {
        None | Some(PersonIdKind::Resident) => check_id(text),
        Some(_) if text.trim().is_empty() => IdCheck::Empty,
        Some(k) => match ids::parse_person_id(k, text) {
            Ok(_) => IdCheck::Document(k),
            Err(e) => IdCheck::Invalid(e.to_string()),
        },
    }
}

/// The next document in the form's choice (←→): resident ID / credit code, then the others.
#[must_use]
pub fn next_id_kind(k: Option<PersonIdKind>, back: bool) -> Option<PersonIdKind> {
    let mut all: Vec<Option<PersonIdKind>> = vec![None];
    all.extend(
        PersonIdKind::ALL
            .into_iter()
            .filter(|k| *k != PersonIdKind::Resident)
            .map(Some),
    );
    let i = all.iter().position(|x| *x == k).unwrap_or(0);
    let n = all.len();
    all[if back { (i + n - 1) % n } else { (i + 1) % n }]
}

#[must_use]
pub fn check_id(text: &str) -> IdCheck {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 {
        return IdCheck::Empty;
    }
    if n < 15 || (n > 15 && n < 18) {
        return IdCheck::Typing(n);
    }
    match ids::parse_any(t) {
        Ok(v) => IdCheck::Valid(v.kind),
        Err(e) if e.is_overridable() => IdCheck::Overridable(e.to_string()),
        // 15 characters may be the start of an 18-character number.
        Err(IdError::InvalidChar { .. } | IdError::ChecksumMismatch { .. }) if n == 15 => {
            IdCheck::Typing(n)
        }
        Err(e) => IdCheck::Invalid(e.to_string()),
    }
}

impl Intake {
    pub(super) fn key_applicant(&mut self, key: KeyEvent, ticket: Option<&str>) -> Request {
        let f = &mut self.form;
        match key.code {
            KeyCode::Esc => {
                self.stage = Stage::Item {
                    query: String::new(),
                    selected: 0,
                };
            }
            KeyCode::Tab | KeyCode::Down => {
                f.focus = f.focus.next();
                if f.focus == Field::Address && f.delivery != Delivery::Post {
                    f.focus = f.focus.next();
                }
            }
            KeyCode::BackTab | KeyCode::Up => {
                f.focus = f.focus.prev();
                if f.focus == Field::Address && f.delivery != Delivery::Post {
                    f.focus = f.focus.prev();
                }
            }
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if f.focus == Field::Delivery => {
                let all = [Delivery::Collection, Delivery::Post, Delivery::Electronic];
                let i = all.iter().position(|d| *d == f.delivery).unwrap_or(0);
                let n = all.len();
                f.delivery = all[if key.code == KeyCode::Left {
                    (i + n - 1) % n
                } else {
                    (i + 1) % n
                }];
            }
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if f.focus == Field::IdKind => {
                f.id_kind = next_id_kind(f.id_kind, key.code == KeyCode::Left);
                f.id_override = false;
            }
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if f.focus == Field::AgentAuth => {
                f.authorisation = match (f.authorisation, key.code) {
                    (Authorisation::Written, KeyCode::Left) => Authorisation::Phone,
                    (Authorisation::Written, _) => Authorisation::Online,
                    (Authorisation::Online, KeyCode::Left) => Authorisation::Written,
                    (Authorisation::Online, _) => Authorisation::Phone,
                    (Authorisation::Phone, KeyCode::Left) => Authorisation::Online,
                    (Authorisation::Phone, _) => Authorisation::Written,
                };
            }
            KeyCode::Backspace => {
                if let Some(s) = self.field_mut() {
                    s.pop();
                }
                if self.form.focus == Field::IdNumber {
                    self.form.id_override = false;
                }
            }
            KeyCode::Enter => {
                // No agent: the agent's other fields are skipped.
                let last = f.focus == Field::AgentAuth
                    || (f.focus == Field::AgentName && f.agent_name.trim().is_empty());
                if last {
                    return self.submit(ticket);
                }
                // Most applicants bring a resident ID: Enter goes from the name to the number;
                // the document type is one Tab (or ↑ from the number) away.
                f.focus = match f.focus {
                    Field::Name => Field::IdNumber,
                    // The mobile number is optional: Tab reaches it; Enter goes past it.
                    Field::IdNumber | Field::Address | Field::Mobile => Field::AgentName,
                    Field::Delivery if f.delivery == Delivery::Post => Field::Address,
                    Field::Delivery => Field::AgentName,
                    other => other.next(),
                };
            }
            _ => {
                if let Some(c) = is_text(&key) {
                    if self.form.focus == Field::IdNumber {
                        self.form.id_override = false;
                    }
                    if let Some(s) = self.field_mut() {
                        s.push(c);
                    }
                }
            }
        }
        Request::None
    }

    fn field_mut(&mut self) -> Option<&mut String> {
        let f = &mut self.form;
        match f.focus {
            Field::Name => Some(&mut f.name),
            Field::IdNumber => Some(&mut f.id_number),
            Field::AgentName => Some(&mut f.agent_name),
            Field::AgentId => Some(&mut f.agent_id),
            Field::Address => Some(&mut f.address),
            Field::Mobile => Some(&mut f.mobile),
            Field::AgentAuth | Field::IdKind | Field::Delivery => None,
        }
    }

    /// Checks the form and builds `case_open`.
    pub fn submit(&mut self, ticket: Option<&str>) -> Request {
        let f = &mut self.form;
        let Some(item) = self.item.clone() else {
            return Request::Say("请先选择事项", "choose an item first");
        };
        if f.name.trim().is_empty() {
            f.focus = Field::Name;
            return Request::Say("请填写申请人姓名或名称", "enter the applicant's name");
        }
        let kind = match check_id_as(f.id_kind, &f.id_number) {
            IdCheck::Valid(k) => k,
            IdCheck::Document(_) => IdKind::Resident,
            IdCheck::Overridable(_) if f.id_override => IdKind::Uscc,
            IdCheck::Overridable(_) => return Request::ConfirmOverride,
            IdCheck::Invalid(m) => {
                f.focus = Field::IdNumber;
                return Request::SayText(m);
            }
            IdCheck::Empty | IdCheck::Typing(_) => {
                f.focus = Field::IdNumber;
                return Request::Say("证件号码不完整", "the ID number is incomplete");
            }
        };
        let mut cmd = json!({
            "kind": "case_open",
            "item": item,
            "applicant": {
                "kind": if kind == IdKind::Uscc { "organisation" } else { "person" },
                "name": f.name.trim(),
                "id_number": f.id_number.trim().to_uppercase(),
            },
        });
        if let Some(k) = f.id_kind.filter(|k| *k != PersonIdKind::Resident) {
            cmd["applicant"]["id_kind"] = json!(k.as_str());
        }
        match f.delivery {
            Delivery::Collection => {}
            Delivery::Post => {
                if f.address.trim().is_empty() {
                    f.focus = Field::Address;
                    return Request::Say("请填写邮寄地址", "enter the postal address");
                }
                cmd["delivery"] = json!("post");
                cmd["delivery_address"] = json!(f.address.trim());
            }
            Delivery::Electronic => cmd["delivery"] = json!("electronic"),
        }
        match ids::parse_optional_mobile(Some(&f.mobile)) {
            Ok(Some(m)) => cmd["mobile"] = json!(m),
            Ok(None) => {}
            Err(e) => {
                f.focus = Field::Mobile;
                return Request::SayText(e.to_string());
            }
        }
        if f.id_override {
            cmd["id_override"] = json!(true);
        }
        if !f.agent_name.trim().is_empty() {
            match ids::parse_resident_id(&f.agent_id) {
                Ok(_) => {
                    cmd["agent"] = json!({
                        "name": f.agent_name.trim(),
                        "id_number": f.agent_id.trim().to_uppercase(),
                        "authorisation": match f.authorisation {
                            Authorisation::Written => "written",
                            Authorisation::Online => "online",
                            Authorisation::Phone => "phone",
                        },
                    });
                }
                Err(e) => {
                    f.focus = Field::AgentId;
                    return Request::SayText(format!("代理人 agent: {e}"));
                }
            }
        }
        if let Some(t) = ticket {
            cmd["ticket"] = json!(t);
        }
        self.stage = Stage::Opening;
        Request::Open(cmd)
    }
}

//! The intake (受理) form: choose an item, enter the applicant (and agent), check the
//! materials, decide. The form keeps everything typed while the hall is away: only the hall's
//! reply moves it on.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use queue_core::ids::{self, IdError, IdKind, PersonIdKind};
use queue_core::intake::{
    Authorisation, Case, CaseState, Decision, Delivery, MaterialStatus, ReportedStatus,
};
use serde_json::{json, Value};

use crate::hall_view::{HallView, Item};

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
    AgentName,
    AgentId,
    AgentAuth,
}

impl Field {
    const ORDER: [Self; 8] = [
        Self::Name,
        Self::IdKind,
        Self::IdNumber,
        Self::Delivery,
        Self::Address,
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

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Nothing under way.
    Idle,
    /// Searching the catalogue.
    Item { query: String, selected: usize },
    /// Item chosen; entering the applicant.
    Applicant,
    /// `case_open` sent; waiting for the hall.
    Opening,
    /// The case is open at this window.
    Case { case: String, selected: usize },
}

/// A material status change not yet sent to the hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub status: ReportedStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    pub stage: Stage,
    pub item: Option<String>,
    pub form: ApplicantForm,
    /// Material id → change, until the hall has recorded it.
    pub edits: BTreeMap<String, Edit>,
}

impl Default for Intake {
    fn default() -> Self {
        Self {
            stage: Stage::Idle,
            item: None,
            form: ApplicantForm::default(),
            edits: BTreeMap::new(),
        }
    }
}

/// What a key in the intake panel asks the application to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    None,
    /// Leave the panel (focus back to the ticket).
    Leave,
    /// Send `case_open` with this command.
    Open(Value),
    /// The credit code fails its check: ask staff to confirm an override.
    ConfirmOverride,
    Decide(Decision),
    Reject,
    /// Refusal after review of an accepted case.
    Refuse,
    /// Start a special procedure, or end the running one.
    PauseResume,
    /// The applicant collected the result (出件).
    Collect,
    Supplement,
    Extend,
    Note(String),
    /// Explain something on the status line (Chinese, English).
    Say(&'static str, &'static str),
    SayText(String),
}

/// Items matching `query` by code or name (substring; codes case-insensitively).
#[must_use]
pub fn search<'a>(catalogue: &'a [Item], query: &str) -> Vec<&'a Item> {
    let q = query.trim().to_lowercase();
    catalogue
        .iter()
        .filter(|i| {
            q.is_empty() || i.code.to_lowercase().contains(&q) || i.name.to_lowercase().contains(&q)
        })
        .collect()
}

fn is_text(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

impl Intake {
    /// Starts a new intake, keeping an ID already scanned for it.
    pub fn start(&mut self) {
        let scanned = if matches!(self.stage, Stage::Idle | Stage::Item { .. }) {
            std::mem::take(&mut self.form.id_number)
        } else {
            String::new()
        };
        *self = Self {
            stage: Stage::Item {
                query: String::new(),
                selected: 0,
            },
            ..Self::default()
        };
        self.form.id_number = scanned;
    }

    #[must_use]
    pub fn case_id(&self) -> Option<&str> {
        match &self.stage {
            Stage::Case { case, .. } => Some(case),
            _ => None,
        }
    }

    /// Is the keyboard typing into a text field right now?
    #[must_use]
    pub fn typing(&self) -> bool {
        match self.stage {
            Stage::Item { .. } => true,
            Stage::Applicant => !matches!(
                self.form.focus,
                Field::AgentAuth | Field::IdKind | Field::Delivery
            ),
            _ => false,
        }
    }

    /// A scanned (or typed) ID goes to the agent when the agent's ID field is focused,
    /// otherwise to the applicant.
    pub fn fill_id(&mut self, value: &str) {
        if self.stage == Stage::Applicant && self.form.focus == Field::AgentId {
            self.form.agent_id = value.to_string();
        } else {
            self.form.id_number = value.to_string();
            self.form.id_override = false;
            // Scanners and the card reader give resident IDs and credit codes.
            self.form.id_kind = None;
            if self.stage == Stage::Applicant && self.form.focus == Field::IdNumber {
                self.form.focus = Field::AgentName;
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent, hall: &HallView, ticket: Option<&str>) -> Request {
        match self.stage.clone() {
            Stage::Idle => {
                self.start();
                Request::None
            }
            Stage::Item { query, selected } => self.key_item(key, hall, query, selected),
            Stage::Applicant => self.key_applicant(key, ticket),
            Stage::Opening => match key.code {
                KeyCode::Esc => Request::Leave,
                _ => Request::Say("正在等待大厅确认…", "waiting for the hall…"),
            },
            Stage::Case { case, selected } => self.key_case(key, hall, &case, selected),
        }
    }

    fn key_item(
        &mut self,
        key: KeyEvent,
        hall: &HallView,
        mut query: String,
        mut selected: usize,
    ) -> Request {
        let n = search(&hall.catalogue, &query).len();
        match key.code {
            KeyCode::Esc => {
                self.stage = Stage::Idle;
                return Request::Leave;
            }
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Down => selected = (selected + 1).min(n.saturating_sub(1)),
            KeyCode::Backspace => {
                query.pop();
                selected = 0;
            }
            KeyCode::Enter => {
                let Some(item) = search(&hall.catalogue, &query)
                    .get(selected)
                    .map(|i| i.code.clone())
                else {
                    return Request::Say("没有匹配的事项", "no matching item");
                };
                self.item = Some(item);
                self.form.focus = Field::Name;
                self.stage = Stage::Applicant;
                return Request::None;
            }
            _ => {
                if let Some(c) = is_text(&key) {
                    query.push(c);
                    selected = 0;
                }
            }
        }
        self.stage = Stage::Item { query, selected };
        Request::None
    }

    fn key_applicant(&mut self, key: KeyEvent, ticket: Option<&str>) -> Request {
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
                    Field::IdNumber | Field::Address => Field::AgentName,
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

    fn key_case(
        &mut self,
        key: KeyEvent,
        hall: &HallView,
        case_id: &str,
        mut selected: usize,
    ) -> Request {
        let Some(case) = hall.cases.get(case_id) else {
            return match key.code {
                KeyCode::Esc => Request::Leave,
                _ => Request::Say("办件尚未同步，请稍候", "case not synchronised yet"),
            };
        };
        let n = case.materials.len();
        let status = match key.code {
            KeyCode::Esc => return Request::Leave,
            KeyCode::Up => {
                selected = selected.saturating_sub(1);
                None
            }
            KeyCode::Down => {
                selected = (selected + 1).min(n.saturating_sub(1));
                None
            }
            KeyCode::Char('1') => Some(ReportedStatus::Submitted),
            KeyCode::Char('2') => Some(ReportedStatus::Missing),
            KeyCode::Char('3') => Some(ReportedStatus::Nonconforming),
            KeyCode::Char('4') => Some(ReportedStatus::CorrectedOnSpot),
            KeyCode::Char('5') => Some(ReportedStatus::Tolerated),
            KeyCode::Char('6') => Some(ReportedStatus::Committed),
            KeyCode::Char('n' | 'N') => {
                return case
                    .materials
                    .get(selected)
                    .map_or(Request::None, |m| Request::Note(m.id.clone()));
            }
            KeyCode::Char('a' | 'A') => return Request::Decide(Decision::Accept),
            KeyCode::Char('t' | 'T') => return Request::Decide(Decision::Notice),
            KeyCode::Char('d' | 'D') => return Request::Decide(Decision::DeferNotice),
            KeyCode::Char('c' | 'C') => return Request::Decide(Decision::Complete),
            KeyCode::Char('r' | 'R') => return Request::Reject,
            KeyCode::Char('s' | 'S') => return Request::Supplement,
            KeyCode::Char('e' | 'E') => return Request::Extend,
            KeyCode::Char('f' | 'F') => return Request::Refuse,
            KeyCode::Char('p' | 'P') => return Request::PauseResume,
            KeyCode::Char('o' | 'O') => return Request::Collect,
            _ => None,
        };
        self.stage = Stage::Case {
            case: case_id.to_string(),
            selected,
        };
        let (Some(status), Some(m)) = (status, case.materials.get(selected)) else {
            return Request::None;
        };
        if m.shared_data {
            return Request::Say(
                "该材料可通过数据共享获取，不得要求申请人提供",
                "obtainable by data sharing: may not be demanded",
            );
        }
        if status == ReportedStatus::Tolerated && !m.tolerable {
            return Request::Say(
                "该材料不在容缺受理清单内",
                "this material may not be tolerated",
            );
        }
        if status == ReportedStatus::Committed && !m.commitment {
            return Request::Say(
                "该材料不适用告知承诺",
                "no commitment allowed for this material",
            );
        }
        let note = self
            .edits
            .get(&m.id)
            .and_then(|e| e.note.clone())
            .or_else(|| m.note.clone());
        self.edits.insert(m.id.clone(), Edit { status, note });
        // Next material: marking a checklist goes top to bottom.
        self.stage = Stage::Case {
            case: case_id.to_string(),
            selected: (selected + 1).min(n.saturating_sub(1)),
        };
        Request::None
    }

    /// Material statuses as they will be after the unsent edits: (name, status, note).
    #[must_use]
    pub fn effective(&self, case: &Case) -> Vec<(String, MaterialStatus, Option<String>)> {
        case.materials
            .iter()
            .map(|m| match self.edits.get(&m.id) {
                Some(e) => (m.name.clone(), e.status.into(), e.note.clone()),
                None => (m.name.clone(), m.status, m.note.clone()),
            })
            .collect()
    }

    /// The unsent edits as the protocol's `materials` list.
    #[must_use]
    pub fn edits_json(&self) -> Vec<Value> {
        self.edits
            .iter()
            .map(|(id, e)| {
                let mut v = json!({"material": id, "status": e.status});
                if let Some(n) = e.note.as_ref().filter(|n| !n.is_empty()) {
                    v["note"] = json!(n);
                }
                v
            })
            .collect()
    }

    /// Sets a note on a material, keeping its status; a note on a material not yet marked
    /// usually says what is wrong with it, so it becomes `nonconforming`.
    pub fn set_note(&mut self, case: &Case, material: &str, note: String) {
        let current = case.material(material).map(|m| m.status);
        let status = self.edits.get(material).map_or_else(
            || match current {
                Some(MaterialStatus::Missing) => ReportedStatus::Missing,
                Some(MaterialStatus::Submitted) => ReportedStatus::Submitted,
                Some(MaterialStatus::CorrectedOnSpot) => ReportedStatus::CorrectedOnSpot,
                Some(MaterialStatus::Tolerated) => ReportedStatus::Tolerated,
                Some(MaterialStatus::Committed) => ReportedStatus::Committed,
                _ => ReportedStatus::Nonconforming,
            },
            |e| e.status,
        );
        self.edits.insert(
            material.to_string(),
            Edit {
                status,
                note: Some(note),
            },
        );
    }
}

/// Decisions that make sense in a case state (for the hints; the hall has the last word).
#[must_use]
pub fn actions_for(state: CaseState) -> &'static [char] {
    match state {
        CaseState::Open => &['a', 't', 'd', 'r', 'c'],
        CaseState::NoticeDue => &['t', 'a', 'r'],
        CaseState::NoticeIssued => &['s', 'r'],
        CaseState::Accepted | CaseState::DeemedAccepted => &['c', 'f', 'e', 'p'],
        CaseState::Completed => &['o'],
        CaseState::Rejected | CaseState::Refused => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_id_check() {
        assert_eq!(check_id(""), IdCheck::Empty);
        assert_eq!(check_id("44052418"), IdCheck::Typing(8));
        assert_eq!(
            check_id("440524188001010014"),
            IdCheck::Valid(IdKind::Resident)
        );
        assert_eq!(check_id("91350100M000100Y43"), IdCheck::Valid(IdKind::Uscc));
        assert!(matches!(
            check_id("91350100M000100Y4Z"),
            IdCheck::Invalid(_) | IdCheck::Overridable(_)
        ));
        assert!(matches!(
            check_id("440524188001010015"),
            IdCheck::Invalid(_)
        ));
    }
}

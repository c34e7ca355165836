//! The intake (受理) form: choose an item, enter the applicant (and agent), check the
//! materials, decide. The form keeps everything typed while the hall is away: only the hall's
//! reply moves it on.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use queue_core::intake::{Case, CaseState, Decision, MaterialStatus, ReportedStatus};
use serde_json::{json, Value};

use crate::hall_view::{HallView, Item};

mod form;
pub use form::{check_id, check_id_as, next_id_kind, ApplicantForm, Field, IdCheck};

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
    use queue_core::ids::IdKind;

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

//! The 办不成事 / complaint form (Ctrl+R): any window records what the applicant could not get
//! done or complains about, as first responder (首问负责), and prints the acknowledgement slip.
//! Pure state: keys in, a command out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use queue_core::redress::RequestCategory;
use serde_json::{json, Value};

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    IdNumber,
    Matter,
    Item,
}

impl Field {
    const ORDER: [Self; 4] = [Self::Name, Self::IdNumber, Self::Matter, Self::Item];

    #[must_use]
    pub fn label(self, l: Lang) -> &'static str {
        match self {
            Self::Name => l.pick("申请人姓名", "Applicant"),
            Self::IdNumber => l.pick("证件号码（可不填）", "ID number (optional)"),
            Self::Matter => l.pick("反映事项", "Matter"),
            Self::Item => l.pick("事项编码（可不填）", "Item code (optional)"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestForm {
    pub category: RequestCategory,
    pub field: Field,
    pub name: String,
    pub id_number: String,
    pub matter: String,
    pub item: String,
}

impl Default for RequestForm {
    fn default() -> Self {
        Self {
            category: RequestCategory::CannotDo,
            field: Field::Name,
            name: String::new(),
            id_number: String::new(),
            matter: String::new(),
            item: String::new(),
        }
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormKey {
    Stay,
    Cancel,
    /// Something is missing: (zh, en).
    Problem(&'static str, &'static str),
    Submit(Value),
}

/// A field's text as shown: the ID number masked once it is complete (the applicant's data
/// stays minimal on a screen others may see).
#[must_use]
pub fn shown(form: &RequestForm, f: Field) -> String {
    match f {
        Field::Name => form.name.clone(),
        Field::IdNumber if form.field != Field::IdNumber && form.id_number.len() >= 15 => {
            queue_core::ids::mask(&form.id_number)
        }
        Field::IdNumber => form.id_number.clone(),
        Field::Matter => form.matter.clone(),
        Field::Item => form.item.clone(),
    }
}

impl RequestForm {
    fn text(&mut self) -> &mut String {
        match self.field {
            Field::Name => &mut self.name,
            Field::IdNumber => &mut self.id_number,
            Field::Matter => &mut self.matter,
            Field::Item => &mut self.item,
        }
    }

    fn move_by(&mut self, step: isize) {
        let i = Field::ORDER
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let n = Field::ORDER.len() as isize;
        let j = (i as isize + step).rem_euclid(n);
        self.field = Field::ORDER[usize::try_from(j).unwrap_or(0)];
    }

    fn cycle_category(&mut self, step: isize) {
        let all = RequestCategory::ALL;
        let i = all.iter().position(|c| *c == self.category).unwrap_or(0);
        let n = all.len() as isize;
        let j = (i as isize + step).rem_euclid(n);
        self.category = all[usize::try_from(j).unwrap_or(0)];
    }

    /// Handles one key; `ticket` is the ticket being served here, recorded with the request.
    pub fn key(&mut self, key: KeyEvent, ticket: Option<&str>) -> FormKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return FormKey::Cancel,
            KeyCode::Tab | KeyCode::Down => self.move_by(1),
            KeyCode::BackTab | KeyCode::Up => self.move_by(-1),
            KeyCode::Left => self.cycle_category(-1),
            KeyCode::Right => self.cycle_category(1),
            KeyCode::Backspace => {
                self.text().pop();
            }
            KeyCode::Enter => return self.submit(ticket),
            KeyCode::Char(c) if !ctrl => {
                let c = if self.field == Field::IdNumber {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                if !c.is_control() {
                    self.text().push(c);
                }
            }
            _ => {}
        }
        FormKey::Stay
    }

    fn submit(&self, ticket: Option<&str>) -> FormKey {
        if self.name.trim().is_empty() {
            return FormKey::Problem("请填写申请人姓名", "the applicant's name is needed");
        }
        if self.matter.trim().is_empty() {
            return FormKey::Problem("请填写反映事项", "say what the matter is");
        }
        let mut applicant = json!({ "name": self.name.trim() });
        if !self.id_number.trim().is_empty() {
            applicant["id_number"] = json!(self.id_number.trim());
        }
        let mut cmd = json!({
            "kind": "request_record",
            "category": self.category.as_str(),
            "applicant": applicant,
            "matter": self.matter.trim(),
        });
        if !self.item.trim().is_empty() {
            cmd["item"] = json!(self.item.trim().to_uppercase());
        }
        if let Some(t) = ticket {
            cmd["ticket"] = json!(t);
        }
        FormKey::Submit(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(f: &mut RequestForm, s: &str) {
        for c in s.chars() {
            f.key(k(KeyCode::Char(c)), None);
        }
    }

    #[test]
    fn fills_and_submits_a_complaint() {
        let mut f = RequestForm::default();
        f.key(k(KeyCode::Right), None);
        assert_eq!(f.category, RequestCategory::Complaint);
        assert_eq!(
            f.key(k(KeyCode::Enter), None),
            FormKey::Problem("请填写申请人姓名", "the applicant's name is needed")
        );
        typed(&mut f, "张三");
        f.key(k(KeyCode::Tab), None);
        typed(&mut f, "11010519491231002x");
        f.key(k(KeyCode::Tab), None);
        assert_eq!(shown(&f, Field::IdNumber), "1101**********002X");
        typed(&mut f, "多次往返");
        f.key(k(KeyCode::Tab), None);
        typed(&mut f, "qy001");
        let FormKey::Submit(cmd) = f.key(k(KeyCode::Enter), Some("20260302-A001")) else {
            panic!("submits");
        };
        assert_eq!(cmd["category"], "complaint");
        assert_eq!(cmd["applicant"]["id_number"], "11010519491231002X");
        assert_eq!(cmd["item"], "QY001");
        assert_eq!(cmd["ticket"], "20260302-A001");
        assert_eq!(f.key(k(KeyCode::Esc), None), FormKey::Cancel);
    }
}

//! The card's machine-readable text (GA/T 490): 256 bytes of UCS-2
//! little-endian in fixed fields, space-padded. The photo that follows it in
//! the reader's reply is never decoded or kept.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use super::codes::{nation_name, Sex};
use crate::ids::{validate_resident_id, IdError};

/// Text length in bytes.
pub const TEXT_LEN: usize = 256;
/// Photo (WLT) length in bytes.
pub const PHOTO_LEN: usize = 1024;

/// (field, byte length) in card order.
pub const FIELDS: [(Field, usize); 10] = [
    (Field::Name, 30),
    (Field::Sex, 2),
    (Field::Nation, 4),
    (Field::Birth, 16),
    (Field::Address, 70),
    (Field::IdNumber, 36),
    (Field::Authority, 30),
    (Field::ValidFrom, 16),
    (Field::ValidUntil, 16),
    (Field::Reserved, 36),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Sex,
    Nation,
    Birth,
    Address,
    IdNumber,
    Authority,
    ValidFrom,
    ValidUntil,
    Reserved,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Name => "name",
            Self::Sex => "sex",
            Self::Nation => "nation",
            Self::Birth => "birth date",
            Self::Address => "address",
            Self::IdNumber => "ID number",
            Self::Authority => "issuing authority",
            Self::ValidFrom => "validity start",
            Self::ValidUntil => "validity end",
            Self::Reserved => "reserved",
        })
    }
}

/// Why a card's data was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardError {
    #[error("reply too short: {found} bytes, need {need}")]
    Short { found: usize, need: usize },
    #[error("text length {0} (expected 256)")]
    TextLength(usize),
    #[error("{0} is not valid UCS-2 text")]
    Text(Field),
    #[error("{field} {value:?} is not a code we know")]
    Code { field: Field, value: String },
    #[error("{field} {value:?} is not a date")]
    Date { field: Field, value: String },
    #[error("ID number on the card fails its check: {0}")]
    IdNumber(IdError),
    #[error("birth date on the card does not match the ID number")]
    BirthMismatch,
    #[error("foreigner's permanent residence card: not supported at this counter")]
    Foreigner,
}

/// Validity end: a date, or 长期 (long-term, for people over 46 at issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Until(NaiveDate),
    LongTerm,
}

/// A decoded card: only the text fields. There is deliberately no photo here.
#[derive(Clone, PartialEq, Eq)]
pub struct IdCard {
    pub name: String,
    pub sex: Sex,
    /// GB/T 3304 code, e.g. "01".
    pub nation_code: String,
    pub birth: NaiveDate,
    pub address: String,
    /// Full 18-character number, check digit verified.
    pub id_number: String,
    pub authority: String,
    pub valid_from: NaiveDate,
    pub valid_until: Validity,
}

impl std::fmt::Debug for IdCard {
    // Debug output ends up in logs: mask the number, leave out the address.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdCard")
            .field("id_number", &mask(&self.id_number))
            .field("valid_until", &self.valid_until)
            .finish_non_exhaustive()
    }
}

/// `4405**********0014`: first four and last four kept.
#[must_use]
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 4 { *c } else { '*' })
        .collect()
}

impl IdCard {
    #[must_use]
    pub fn nation(&self) -> &'static str {
        nation_name(&self.nation_code).unwrap_or("")
    }

    /// The card is past its validity end on `today` (the last day is valid).
    #[must_use]
    pub fn expired_on(&self, today: NaiveDate) -> bool {
        match self.valid_until {
            Validity::Until(d) => today > d,
            Validity::LongTerm => false,
        }
    }

    /// Whole years of age on `today`.
    #[must_use]
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        let mut age = today.year() - self.birth.year();
        if (today.month(), today.day()) < (self.birth.month(), self.birth.day()) {
            age -= 1;
        }
        u32::try_from(age).unwrap_or(0)
    }

    /// Fields for installers and logs: the number masked, no address.
    #[must_use]
    pub fn to_masked_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "sex": self.sex.zh(),
            "nation": self.nation(),
            "birth": self.birth.format("%Y-%m-%d").to_string(),
            "id_number": mask(&self.id_number),
            "authority": self.authority,
            "valid_from": self.valid_from.format("%Y-%m-%d").to_string(),
            "valid_until": match self.valid_until {
                Validity::Until(d) => d.format("%Y-%m-%d").to_string(),
                Validity::LongTerm => "长期".into(),
            },
        })
    }
}

/// Decodes the data of a `30 01` reply: text length (2, BE), photo length
/// (2, BE), text, photo. The photo is skipped, never copied.
pub fn decode_basic(data: &[u8]) -> Result<IdCard, CardError> {
    if data.len() < 4 {
        return Err(CardError::Short {
            found: data.len(),
            need: 4,
        });
    }
    let text_len = usize::from(u16::from_be_bytes([data[0], data[1]]));
    let photo_len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    if text_len != TEXT_LEN {
        return Err(CardError::TextLength(text_len));
    }
    let need = 4 + text_len + photo_len;
    if data.len() < need {
        return Err(CardError::Short {
            found: data.len(),
            need,
        });
    }
    decode_text(&data[4..4 + TEXT_LEN])
}

/// Decodes the 256-byte text.
pub fn decode_text(text: &[u8]) -> Result<IdCard, CardError> {
    if text.len() != TEXT_LEN {
        return Err(CardError::TextLength(text.len()));
    }
    let mut values = Vec::with_capacity(FIELDS.len());
    let mut at = 0;
    for (field, len) in FIELDS {
        let raw = &text[at..at + len];
        at += len;
        values.push(ucs2(raw).ok_or(CardError::Text(field))?);
    }
    // A foreigner's permanent residence card marks its kind with 'I' at
    // byte 248 (in the reserved area); its fields are laid out differently.
    if text[248..250] == [b'I', 0] {
        return Err(CardError::Foreigner);
    }
    let sex = Sex::from_code(&values[1]).ok_or_else(|| CardError::Code {
        field: Field::Sex,
        value: values[1].clone(),
    })?;
    let nation_code = values[2].clone();
    if nation_name(&nation_code).is_none() {
        return Err(CardError::Code {
            field: Field::Nation,
            value: nation_code,
        });
    }
    let birth = date(Field::Birth, &values[3])?;
    let id = validate_resident_id(&values[5]).map_err(CardError::IdNumber)?;
    if id.legacy {
        return Err(CardError::IdNumber(IdError::Length {
            expected: 18,
            found: 15,
        }));
    }
    if id.number[6..14] != values[3] {
        return Err(CardError::BirthMismatch);
    }
    let valid_from = date(Field::ValidFrom, &values[7])?;
    let valid_until = if values[8] == "长期" {
        Validity::LongTerm
    } else {
        Validity::Until(date(Field::ValidUntil, &values[8])?)
    };
    Ok(IdCard {
        name: values[0].clone(),
        sex,
        nation_code: values[2].clone(),
        birth,
        address: values[4].clone(),
        id_number: id.number,
        authority: values[6].clone(),
        valid_from,
        valid_until,
    })
}

fn date(field: Field, s: &str) -> Result<NaiveDate, CardError> {
    NaiveDate::parse_from_str(s, "%Y%m%d")
        .ok()
        .filter(|_| s.len() == 8)
        .ok_or_else(|| CardError::Date {
            field,
            value: s.to_string(),
        })
}

/// UCS-2 LE, trailing spaces/NULs removed; `None` on a surrogate or odd length.
fn ucs2(raw: &[u8]) -> Option<String> {
    if !raw.len().is_multiple_of(2) {
        return None;
    }
    let units = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let s: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    Some(s.trim_end_matches([' ', '\0']).to_string())
}

/// Encodes text fields back into the 256-byte layout (for simulators).
/// Values too long for their field are cut at the field's length.
#[must_use]
pub fn encode_text(values: &[(Field, &str)]) -> [u8; TEXT_LEN] {
    let mut out = [0u8; TEXT_LEN];
    let mut at = 0;
    for (field, len) in FIELDS {
        let value = values
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| *v);
        let mut units: Vec<u16> = value.encode_utf16().take(len / 2).collect();
        units.resize(len / 2, u16::from(b' '));
        for (i, u) in units.iter().enumerate() {
            out[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        at += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; TEXT_LEN] {
        encode_text(&[
            (Field::Name, "张三"),
            (Field::Sex, "1"),
            (Field::Nation, "01"),
            (Field::Birth, "19491231"),
            (Field::Address, "北京市东城区"),
            (Field::IdNumber, "11010519491231002X"),
            (Field::Authority, "北京市公安局东城分局"),
            (Field::ValidFrom, "20100101"),
            (Field::ValidUntil, "长期"),
        ])
    }

    #[test]
    fn decodes_fields() {
        let c = decode_text(&sample()).unwrap();
        assert_eq!(c.name, "张三");
        assert_eq!(c.sex, Sex::Male);
        assert_eq!(c.nation(), "汉");
        assert_eq!(c.id_number, "11010519491231002X");
        assert_eq!(c.valid_until, Validity::LongTerm);
        assert_eq!(c.age_on(NaiveDate::from_ymd_opt(2026, 12, 30).unwrap()), 76);
        assert_eq!(c.age_on(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()), 77);
        assert!(!format!("{c:?}").contains("11010519491231002X"));
    }

    #[test]
    fn bad_check_digit_and_birth_mismatch_are_refused() {
        let mut t = sample();
        // Last character of the ID number: X → 1.
        let at = 30 + 2 + 4 + 16 + 70 + 17 * 2;
        t[at] = b'1';
        assert!(matches!(decode_text(&t), Err(CardError::IdNumber(_))));
        let mut t = sample();
        t[36] = b'2'; // birth 1949… → 2949…
        assert!(matches!(
            decode_text(&t),
            Err(CardError::BirthMismatch | CardError::Date { .. })
        ));
    }

    #[test]
    fn expiry_includes_the_last_day() {
        let mut c = decode_text(&sample()).unwrap();
        let end = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        c.valid_until = Validity::Until(end);
        assert!(!c.expired_on(end));
        assert!(c.expired_on(end.succ_opt().unwrap()));
    }
}

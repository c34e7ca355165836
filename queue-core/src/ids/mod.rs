//! Identifiers: resident ID (居民身份证号码, GB 11643-1999) and unified social credit code
//! (统一社会信用代码, GB 32100-2015); other identity documents of a person in [`person`].
//!
//! Input is trimmed and upper-cased (a lower-case `x` check character is common on forms).
//! Some really issued credit codes fail their check character, so a USCC checksum mismatch is
//! reported as overridable by staff ([`IdError::is_overridable`]); structural errors never are.

mod mobile;
mod person;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

pub use mobile::{mask_mobile, parse_mobile, parse_optional as parse_optional_mobile, MobileError};
pub use person::{mask_person_id, parse_person_id, PersonIdKind};

/// Weights of the 17 body digits of a resident ID (GB 11643-1999).
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The 31 characters of a credit code, in value order (no I, O, Z, S, V).
const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the 17 body characters of a credit code (3^i mod 31).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Earliest birth year accepted; older IDs are implausible.
const MIN_BIRTH_YEAR: i32 = 1850;
/// Masking reveals at most this many characters at each end.
const MASK_KEEP: usize = 4;
/// Shorter inputs are masked entirely: revealing 4 + 4 would give most of them away.
const MASK_MIN_LEN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 18-character resident ID.
    Resident,
    /// 15-digit resident ID issued before 1999 (birth year 19YY, no check character).
    ResidentLegacy,
    /// Unified social credit code of an organisation.
    Uscc,
}

impl IdKind {
    /// Short name for output: `resident` (both resident forms) or `uscc`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Resident | Self::ResidentLegacy => "resident",
            Self::Uscc => "uscc",
        }
    }

    /// Human name, Chinese and English.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Resident => "居民身份证号码 resident ID",
            Self::ResidentLegacy => "15位居民身份证号码 legacy 15-digit resident ID",
            Self::Uscc => "统一社会信用代码 unified social credit code",
        }
    }
}

impl std::fmt::Display for IdKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// A validated identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidId {
    pub kind: IdKind,
    /// Trimmed, upper-case form.
    pub normalized: String,
    /// Resident IDs only.
    pub birth_date: Option<NaiveDate>,
    /// Resident IDs only: the sequence number is odd for men.
    pub male: Option<bool>,
}

impl ValidId {
    /// The 18-character form of a resident ID (legacy IDs gain `19` and a check character).
    #[must_use]
    pub fn resident_18(&self) -> Option<String> {
        match self.kind {
            IdKind::Resident => Some(self.normalized.clone()),
            IdKind::ResidentLegacy => {
                // `get` rather than indexing: the fields are public, so this may not be ASCII.
                let body = format!(
                    "{}19{}",
                    self.normalized.get(..6)?,
                    self.normalized.get(6..)?
                );
                let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
                let check = resident_check(&digits)?;
                Some(format!("{body}{check}"))
            }
            IdKind::Uscc => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("长度错误 wrong length: expected {expected} characters, got {found}")]
    WrongLength {
        expected: &'static str,
        found: usize,
    },
    /// `position` counts from 1.
    #[error("第 {position} 位字符无效 invalid character {found:?} at position {position}")]
    InvalidChar { position: usize, found: char },
    #[error("出生日期无效 invalid birth date {text}")]
    InvalidBirthDate { text: String },
    #[error("地区码无效 invalid area code {code}")]
    InvalidArea { code: String },
    #[error("校验位不符 checksum mismatch for {kind}: expected {expected}, got {found}")]
    ChecksumMismatch {
        kind: IdKind,
        expected: char,
        found: char,
        /// The normalised input, so an overridden code can be accepted as typed.
        normalized: String,
    },
    #[error("格式错误 bad format: expected {expected}")]
    BadFormat { expected: &'static str },
}

impl IdError {
    /// Whether staff may accept the code anyway: only a credit-code checksum mismatch (some
    /// issued codes fail their own check). Structural errors and resident IDs are never
    /// overridable.
    #[must_use]
    pub fn is_overridable(&self) -> bool {
        matches!(
            self,
            Self::ChecksumMismatch {
                kind: IdKind::Uscc,
                ..
            }
        )
    }

    /// The code as accepted by a staff override, if [`IdError::is_overridable`].
    #[must_use]
    pub fn into_overridden(self) -> Option<ValidId> {
        match self {
            Self::ChecksumMismatch {
                kind: IdKind::Uscc,
                normalized,
                ..
            } => Some(ValidId {
                kind: IdKind::Uscc,
                normalized,
                birth_date: None,
                male: None,
            }),
            _ => None,
        }
    }
}

fn normalize(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Check character for the 17 body digits of a resident ID, `None` unless exactly 17 digits.
fn resident_check(digits: &[u32]) -> Option<char> {
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits
        .iter()
        .zip(RESIDENT_WEIGHTS)
        .map(|(d, w)| d * w)
        .sum();
    match (12 - sum % 11) % 11 {
        10 => Some('X'),
        v => char::from_digit(v, 10),
    }
}

fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET
        .chars()
        .position(|a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

fn uscc_char(v: u32) -> Option<char> {
    USCC_ALPHABET.chars().nth(usize::try_from(v).ok()?)
}

/// Digits of `chars`, or the first non-digit (1-based position, offset by `start`).
fn digits_of(chars: &[char], start: usize) -> Result<Vec<u32>, IdError> {
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.to_digit(10).ok_or(IdError::InvalidChar {
                position: start + i + 1,
                found: *c,
            })
        })
        .collect()
}

fn check_area(chars: &[char]) -> Result<(), IdError> {
    // Province codes start at 11; a leading 0 is never issued.
    if chars.first() == Some(&'0') {
        return Err(IdError::InvalidArea {
            code: chars.iter().take(6).collect(),
        });
    }
    Ok(())
}

fn birth_date(year: i32, mmdd: &str, text: &str) -> Result<NaiveDate, IdError> {
    let bad = || IdError::InvalidBirthDate {
        text: text.to_owned(),
    };
    let month: u32 = mmdd.get(..2).and_then(|m| m.parse().ok()).ok_or_else(bad)?;
    let day: u32 = mmdd
        .get(2..4)
        .and_then(|d| d.parse().ok())
        .ok_or_else(bad)?;
    NaiveDate::from_ymd_opt(year, month, day)
        .filter(|d| d.year() >= MIN_BIRTH_YEAR)
        .ok_or_else(bad)
}

/// Parses an 18-character or legacy 15-digit resident ID.
pub fn parse_resident_id(s: &str) -> Result<ValidId, IdError> {
    let normalized = normalize(s);
    let chars: Vec<char> = normalized.chars().collect();
    match chars.len() {
        18 => {
            let digits = digits_of(&chars[..17], 0)?;
            let last = chars[17];
            if !(last.is_ascii_digit() || last == 'X') {
                return Err(IdError::InvalidChar {
                    position: 18,
                    found: last,
                });
            }
            check_area(&chars)?;
            let year: String = chars[6..10].iter().collect();
            let mmdd: String = chars[10..14].iter().collect();
            let text: String = chars[6..14].iter().collect();
            let year: i32 = year
                .parse()
                .map_err(|_| IdError::InvalidBirthDate { text: text.clone() })?;
            let born = birth_date(year, &mmdd, &text)?;
            let expected = resident_check(&digits).ok_or(IdError::WrongLength {
                expected: "18",
                found: chars.len(),
            })?;
            if expected != last {
                return Err(IdError::ChecksumMismatch {
                    kind: IdKind::Resident,
                    expected,
                    found: last,
                    normalized,
                });
            }
            Ok(ValidId {
                kind: IdKind::Resident,
                male: Some(digits[16] % 2 == 1),
                birth_date: Some(born),
                normalized,
            })
        }
        15 => {
            let digits = digits_of(&chars, 0)?;
            check_area(&chars)?;
            let yy: i32 = digits[6..8]
                .iter()
                .fold(0, |acc, d| acc * 10 + i32::try_from(*d).unwrap_or(0));
            let mmdd: String = chars[8..12].iter().collect();
            let text: String = chars[6..12].iter().collect();
            let born = birth_date(1900 + yy, &mmdd, &text)?;
            Ok(ValidId {
                kind: IdKind::ResidentLegacy,
                male: Some(digits[14] % 2 == 1),
                birth_date: Some(born),
                normalized,
            })
        }
        n => Err(IdError::WrongLength {
            expected: "18 (or 15)",
            found: n,
        }),
    }
}

/// Parses a unified social credit code.
pub fn parse_uscc(s: &str) -> Result<ValidId, IdError> {
    let normalized = normalize(s);
    let chars: Vec<char> = normalized.chars().collect();
    if chars.len() != 18 {
        return Err(IdError::WrongLength {
            expected: "18",
            found: chars.len(),
        });
    }
    let values = chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            uscc_value(*c).ok_or(IdError::InvalidChar {
                position: i + 1,
                found: *c,
            })
        })
        .collect::<Result<Vec<u32>, IdError>>()?;
    let sum: u32 = values[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let expected = uscc_char((31 - sum % 31) % 31).ok_or(IdError::InvalidChar {
        position: 18,
        found: chars[17],
    })?;
    if expected != chars[17] {
        return Err(IdError::ChecksumMismatch {
            kind: IdKind::Uscc,
            expected,
            found: chars[17],
            normalized,
        });
    }
    Ok(ValidId {
        kind: IdKind::Uscc,
        normalized,
        birth_date: None,
        male: None,
    })
}

/// Parses either kind, choosing by shape. An 18-character value whose first 17 characters are
/// digits is taken as a resident ID unless it is a valid credit code: reporting a mistyped
/// resident ID as an (overridable) credit-code checksum mismatch would invite a wrong override.
/// Use [`parse_uscc`] directly when the form asks for a credit code.
pub fn parse_any(s: &str) -> Result<ValidId, IdError> {
    let normalized = normalize(s);
    let chars: Vec<char> = normalized.chars().collect();
    match chars.len() {
        15 => parse_resident_id(&normalized),
        18 => {
            let resident_shaped = chars[..17].iter().all(char::is_ascii_digit);
            if resident_shaped {
                parse_resident_id(&normalized).or_else(|e| parse_uscc(&normalized).map_err(|_| e))
            } else {
                parse_uscc(&normalized)
            }
        }
        n => Err(IdError::WrongLength {
            expected: "18 (or 15)",
            found: n,
        }),
    }
}

/// Masks an identifier for display and logs: keeps the first 4 and last 4 characters of the
/// trimmed input (`4405**********0014`); inputs shorter than 12 characters are masked entirely.
#[must_use]
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let n = chars.len();
    if n < MASK_MIN_LEN {
        return "*".repeat(n);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < MASK_KEEP || i >= n - MASK_KEEP {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

//! Check-character validators for the two national identifiers a counter
//! scans: the resident ID number (GB 11643-1999) and the unified social credit
//! code (GB 32100-2015). Kept here rather than shared with queue-core so the
//! device crate stays independent.

use thiserror::Error;

/// Why a string shaped like a national identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("expected {expected} characters, found {found}")]
    Length { expected: usize, found: usize },
    #[error("character {ch:?} at position {position} is not allowed")]
    BadChar { position: usize, ch: char },
    #[error("check character is {found}, expected {expected}")]
    BadCheck { expected: char, found: char },
    #[error("birth date {0} is not a real date")]
    BadBirthDate(String),
}

/// A resident ID number that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId {
    /// Normalised number (a lower-case `x` check character becomes `X`).
    pub number: String,
    /// True for the 15-digit first-generation form, which has no check character.
    pub legacy: bool,
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// 17 digits followed by a digit or `X`/`x`: worth checksum-validating.
pub fn looks_like_resident_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
}

/// 15 digits whose YYMMDD part is a real date: the legacy ID form.
pub fn looks_like_legacy_resident_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 15 && b.iter().all(u8::is_ascii_digit) && legacy_birth_date_ok(s)
}

/// 18 characters from the credit-code alphabet with a numeric administrative
/// division code in positions 3–8. Requiring the digits keeps arbitrary
/// 18-letter text from being reported as a broken credit code.
pub fn looks_like_credit_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b.iter()
            .all(|c| uscc_value(c.to_ascii_uppercase()).is_some())
        && b[2..8].iter().all(u8::is_ascii_digit)
}

/// Computes the check character for the first 17 digits of a resident ID.
pub fn resident_id_check_char(first17: &str) -> Result<char, IdError> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return Err(IdError::Length {
            expected: 17,
            found: first17.chars().count(),
        });
    }
    let mut sum = 0;
    for (i, (c, w)) in first17.chars().zip(ID_WEIGHTS).enumerate() {
        let d = c.to_digit(10).ok_or(IdError::BadChar {
            position: i + 1,
            ch: c,
        })?;
        sum += d * w;
    }
    let check = (12 - sum % 11) % 11;
    Ok(if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap_or('?')
    })
}

/// Validates an 18-digit resident ID (check character and birth date) or a
/// 15-digit legacy one (birth date only).
pub fn validate_resident_id(s: &str) -> Result<ResidentId, IdError> {
    let len = s.chars().count();
    if len == 15 {
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::BadChar {
                position: i + 1,
                ch,
            });
        }
        if !legacy_birth_date_ok(s) {
            return Err(IdError::BadBirthDate(format!("19{}", &s[6..12])));
        }
        return Ok(ResidentId {
            number: s.to_string(),
            legacy: true,
        });
    }
    if len != 18 {
        return Err(IdError::Length {
            expected: 18,
            found: len,
        });
    }
    let upper = s.to_ascii_uppercase();
    let expected = resident_id_check_char(&upper[..17])?;
    let found = upper.chars().nth(17).unwrap_or('?');
    if found != expected {
        return Err(IdError::BadCheck { expected, found });
    }
    let birth = &upper[6..14];
    if !date_ok(birth, 1800) {
        return Err(IdError::BadBirthDate(birth.to_string()));
    }
    Ok(ResidentId {
        number: upper,
        legacy: false,
    })
}

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Validates a unified social credit code; returns it upper-cased.
pub fn validate_credit_code(s: &str) -> Result<String, IdError> {
    let len = s.chars().count();
    if len != 18 {
        return Err(IdError::Length {
            expected: 18,
            found: len,
        });
    }
    let upper = s.to_ascii_uppercase();
    let mut values = [0u32; 18];
    for (i, ch) in upper.chars().enumerate() {
        let v = u8::try_from(ch)
            .ok()
            .and_then(uscc_value)
            .ok_or(IdError::BadChar {
                position: i + 1,
                ch,
            })?;
        values[i] = v;
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    let expected = char::from(USCC_ALPHABET[check as usize]);
    let found = char::from(USCC_ALPHABET[values[17] as usize]);
    if expected != found {
        return Err(IdError::BadCheck { expected, found });
    }
    Ok(upper)
}

fn legacy_birth_date_ok(s: &str) -> bool {
    // Legacy IDs were issued to people born in the 1900s.
    s.get(6..12)
        .is_some_and(|d| date_ok(&format!("19{d}"), 1900))
}

/// `YYYYMMDD` is a real calendar date with a year from `min_year` to 2099.
pub(crate) fn date_ok(yyyymmdd: &str, min_year: u32) -> bool {
    if yyyymmdd.len() != 8 || !yyyymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| yyyymmdd[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (num(0..4), num(4..6), num(6..8));
    if !(min_year..=2099).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_resident_ids_are_valid() {
        let id = validate_resident_id("11010519491231002X").unwrap();
        assert_eq!(id.number, "11010519491231002X");
        assert!(!id.legacy);
        assert!(validate_resident_id("440524188001010014").is_ok());
    }

    #[test]
    fn lower_case_x_is_accepted_and_normalised() {
        let id = validate_resident_id("11010519491231002x").unwrap();
        assert_eq!(id.number, "11010519491231002X");
    }

    #[test]
    fn wrong_check_char_names_the_expected_one() {
        assert_eq!(
            validate_resident_id("110105194912310021"),
            Err(IdError::BadCheck {
                expected: 'X',
                found: '1'
            })
        );
    }

    #[test]
    fn impossible_birth_date_is_rejected_even_with_good_checksum() {
        let first17 = "11010519490230002";
        let check = resident_id_check_char(first17).unwrap();
        let id = format!("{first17}{check}");
        assert_eq!(
            validate_resident_id(&id),
            Err(IdError::BadBirthDate("19490230".into()))
        );
    }

    #[test]
    fn legacy_fifteen_digit_form() {
        let id = validate_resident_id("110105491231002").unwrap();
        assert!(id.legacy);
        assert!(looks_like_legacy_resident_id("110105491231002"));
        assert!(!looks_like_legacy_resident_id("110105491331002"));
    }

    #[test]
    fn documented_credit_codes() {
        assert_eq!(
            validate_credit_code("91350100M000100Y43").unwrap(),
            "91350100M000100Y43"
        );
        assert_eq!(
            validate_credit_code("91350100M000100Y4Z"),
            Err(IdError::BadChar {
                position: 18,
                ch: 'Z'
            })
        );
        assert!(matches!(
            validate_credit_code("91350100M000100Y44"),
            Err(IdError::BadCheck { expected: '3', .. })
        ));
    }

    #[test]
    fn shapes() {
        assert!(looks_like_resident_id("11010519491231002X"));
        assert!(!looks_like_resident_id("1101051949123100XX"));
        assert!(looks_like_credit_code("91350100M000100Y43"));
        assert!(!looks_like_credit_code("ABCDEFGHJKLMNPQRTU"));
    }

    #[test]
    fn leap_years() {
        assert!(date_ok("20000229", 1800));
        assert!(!date_ok("19000229", 1800));
        assert!(date_ok("20240229", 1800));
        assert!(!date_ok("20250229", 1800));
    }
}

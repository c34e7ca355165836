//! Identity documents of a natural person besides the mainland resident ID (DOMAIN 13, PY Art 7):
//! passports, the 港澳/台湾 travel permits, the 港澳台居民居住证 and the 2023 foreigner's permanent
//! residence ID card. Staff choose the kind at intake; each has its own format check and mask.

use serde::{Deserialize, Serialize};

use super::{mask, parse_resident_id, IdError};

/// The `id_kind` beside an `id_number` in the protocol's applicant and agent objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonIdKind {
    /// 居民身份证 (18 or legacy 15 digits, GB 11643).
    #[default]
    Resident,
    /// 护照: format check only (issuing states differ).
    Passport,
    /// 港澳居民来往内地通行证: `H`/`M` and 8 digits (older cards 10).
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证: 8 digits (older cards 10).
    TaiwanPermit,
    /// 港澳台居民居住证: 18 characters, area 810000/820000/830000, GB 11643 check character.
    ResidencePermit,
    /// 外国人永久居留身份证 (2023 edition): 18 characters starting with 9, GB 11643 check.
    PermanentResidence,
}

impl PersonIdKind {
    pub const ALL: [Self; 6] = [
        Self::Resident,
        Self::Passport,
        Self::HkMacaoPermit,
        Self::TaiwanPermit,
        Self::ResidencePermit,
        Self::PermanentResidence,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Passport => "passport",
            Self::HkMacaoPermit => "hk_macao_permit",
            Self::TaiwanPermit => "taiwan_permit",
            Self::ResidencePermit => "residence_permit",
            Self::PermanentResidence => "permanent_residence",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Resident => "居民身份证",
            Self::Passport => "护照",
            Self::HkMacaoPermit => "港澳居民来往内地通行证",
            Self::TaiwanPermit => "台湾居民来往大陆通行证",
            Self::ResidencePermit => "港澳台居民居住证",
            Self::PermanentResidence => "外国人永久居留身份证",
        }
    }

    #[must_use]
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Resident => "resident ID",
            Self::Passport => "passport",
            Self::HkMacaoPermit => "Mainland travel permit (HK/Macao)",
            Self::TaiwanPermit => "Mainland travel permit (Taiwan)",
            Self::ResidencePermit => "residence permit (HK/Macao/Taiwan)",
            Self::PermanentResidence => "permanent residence ID card",
        }
    }
}

fn bad(expected: &'static str) -> IdError {
    IdError::BadFormat { expected }
}

/// Checks `s` as a document of `kind`; returns the normalised (trimmed, upper-case) number.
///
/// # Errors
/// The format rule it breaks, or the GB 11643 error for the 18-character kinds.
pub fn parse_person_id(kind: PersonIdKind, s: &str) -> Result<String, IdError> {
    let n = s.trim().to_uppercase();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match kind {
        PersonIdKind::Resident => parse_resident_id(&n).map(|v| v.normalized),
        PersonIdKind::Passport => {
            let ok = (5..=17).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_alphanumeric())
                && n.bytes().any(|b| b.is_ascii_digit());
            if ok {
                Ok(n)
            } else {
                Err(bad("5–17 letters and digits, with at least one digit"))
            }
        }
        PersonIdKind::HkMacaoPermit => {
            let ok = (n.starts_with('H') || n.starts_with('M'))
                && matches!(n.len(), 9 | 11)
                && digits(&n[1..]);
            if ok {
                Ok(n)
            } else {
                Err(bad("H or M followed by 8 digits (older permits 10)"))
            }
        }
        PersonIdKind::TaiwanPermit => {
            if matches!(n.len(), 8 | 10) && digits(&n) {
                Ok(n)
            } else {
                Err(bad("8 digits (older permits 10)"))
            }
        }
        PersonIdKind::ResidencePermit => {
            let v = parse_resident_id(&n)?;
            let area = v.normalized.get(..6).unwrap_or_default();
            if v.normalized.len() == 18 && matches!(area, "810000" | "820000" | "830000") {
                Ok(v.normalized)
            } else {
                Err(bad(
                    "18 characters starting 810000 (HK), 820000 (Macao) or 830000 (Taiwan)",
                ))
            }
        }
        PersonIdKind::PermanentResidence => {
            if !n.starts_with('9') {
                return Err(bad("18 characters starting with 9 (2023 edition)"));
            }
            let v = parse_resident_id(&n)?;
            if v.normalized.len() == 18 {
                Ok(v.normalized)
            } else {
                Err(bad("18 characters starting with 9 (2023 edition)"))
            }
        }
    }
}

/// Masks a number of `kind` for display and documents: the 18-character kinds keep 4 + 4
/// characters; the short permits and passports keep only what does not identify (a letter
/// prefix and the last two digits).
#[must_use]
pub fn mask_person_id(kind: PersonIdKind, s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let n = chars.len();
    let keep = |head: usize, tail: usize| -> String {
        if n < head + tail + 4 {
            return "*".repeat(n);
        }
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
            .collect()
    };
    match kind {
        PersonIdKind::Resident
        | PersonIdKind::ResidencePermit
        | PersonIdKind::PermanentResidence => mask(s),
        PersonIdKind::Passport | PersonIdKind::HkMacaoPermit => keep(1, 2),
        PersonIdKind::TaiwanPermit => keep(0, 2),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// GB 11643 check character, restated independently.
    fn check(body: &str) -> char {
        let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let s: u32 = body
            .bytes()
            .zip(w)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        b"10X98765432"[(s % 11) as usize] as char
    }

    fn with_check(body: &str) -> String {
        format!("{body}{}", check(body))
    }

    #[test]
    fn each_kind_accepts_its_format_and_refuses_others() {
        use PersonIdKind as K;
        let hk_permit = with_check("81000019900101001");
        let pr = with_check("93115619850512001");
        let ok = [
            (K::Resident, "440524188001010014"),
            (K::Passport, "E12345678"),
            (K::Passport, "x1234567"),
            (K::HkMacaoPermit, "H12345678"),
            (K::HkMacaoPermit, "m1234567801"),
            (K::TaiwanPermit, "12345678"),
            (K::ResidencePermit, hk_permit.as_str()),
            (K::PermanentResidence, pr.as_str()),
        ];
        for (k, s) in ok {
            assert_eq!(
                parse_person_id(k, s).unwrap(),
                s.to_uppercase(),
                "{k:?} {s}"
            );
        }
        let refused = [
            (K::Passport, "ABCDEFG"),
            (K::Passport, "E1"),
            (K::Passport, "E123-4567"),
            (K::HkMacaoPermit, "X12345678"),
            (K::HkMacaoPermit, "H1234567"),
            (K::TaiwanPermit, "1234567A"),
            // A mainland resident ID is not a residence permit.
            (K::ResidencePermit, "440524188001010014"),
            (K::PermanentResidence, "440524188001010014"),
        ];
        for (k, s) in refused {
            assert!(parse_person_id(k, s).is_err(), "{k:?} {s}");
        }
    }

    #[test]
    fn the_18_character_permits_have_their_check_character_verified() {
        let good = with_check("82000019900101002");
        let mut bad = good.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        assert!(parse_person_id(PersonIdKind::ResidencePermit, &good).is_ok());
        assert!(matches!(
            parse_person_id(PersonIdKind::ResidencePermit, &bad),
            Err(IdError::ChecksumMismatch { .. })
        ));
        let pr = with_check("93115619850512001");
        let mut bad = pr.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        assert!(matches!(
            parse_person_id(PersonIdKind::PermanentResidence, &bad),
            Err(IdError::ChecksumMismatch { .. })
        ));
        // Bad birth date in a permanent residence ID.
        let pr = with_check("93115619851312001");
        assert!(parse_person_id(PersonIdKind::PermanentResidence, &pr).is_err());
    }

    #[test]
    fn masks_reveal_little_for_every_kind() {
        use PersonIdKind as K;
        assert_eq!(
            mask_person_id(K::Resident, "440524188001010014"),
            "4405**********0014"
        );
        assert_eq!(mask_person_id(K::Passport, "E12345678"), "E******78");
        assert_eq!(mask_person_id(K::HkMacaoPermit, "H12345678"), "H******78");
        assert_eq!(mask_person_id(K::TaiwanPermit, "12345678"), "******78");
        assert_eq!(mask_person_id(K::Passport, "E1234"), "*****");
        for k in K::ALL {
            for s in ["E12345678", "12345678", "H1234567801", "93115619850512001X"] {
                let m = mask_person_id(k, s);
                assert_eq!(m.chars().count(), s.len());
                assert!(
                    m.chars().filter(|c| *c != '*').count() * 2 < s.len(),
                    "{k:?} {m}"
                );
            }
        }
    }
}

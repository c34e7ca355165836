//! Mainland mobile numbers (手机号码), left optionally for notices to the applicant.
//!
//! Eleven digits starting `13`–`19` (all mainland operators' ranges). Spaces, hyphens and a
//! `+86`/`0086` prefix are accepted on input and dropped.

/// Why a mobile number was refused (bilingual, shown as is at kiosk and counter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("手机号码无效：应为11位数字，以13–19开头 invalid mobile number: 11 digits starting 13–19 (mainland China)")]
pub struct MobileError;

/// The normalised 11-digit number, or why not.
///
/// # Errors
/// [`MobileError`] for anything but a mainland mobile number.
pub fn parse_mobile(raw: &str) -> Result<String, MobileError> {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
        .collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .unwrap_or(&compact);
    let b = digits.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    if ok {
        Ok(digits.to_string())
    } else {
        Err(MobileError)
    }
}

/// Parses an optional field: absent or blank is `None`.
///
/// # Errors
/// [`MobileError`] for a non-blank value that is not a mainland mobile number.
pub fn parse_optional(raw: Option<&str>) -> Result<Option<String>, MobileError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_mobile(s).map(Some),
    }
}

/// `13812345678` → `138****5678`: the first three and last four digits. Anything else
/// (including an already masked or purged value) is starred out whole but for its length.
#[must_use]
pub fn mask_mobile(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == 11 && chars.iter().all(char::is_ascii_digit) {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[7..].iter().collect();
        format!("{head}****{tail}")
    } else if s.contains('*') || s.starts_with('已') {
        s.to_string()
    } else {
        "*".repeat(chars.len().min(11))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_numbers_only() {
        assert_eq!(parse_mobile("13812345678").unwrap(), "13812345678");
        assert_eq!(parse_mobile(" 138-1234-5678 ").unwrap(), "13812345678");
        assert_eq!(parse_mobile("+86 199 1234 5678").unwrap(), "19912345678");
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "1381234567a",
            "",
            "02087654321",
        ] {
            assert_eq!(parse_mobile(bad), Err(MobileError), "{bad}");
        }
        assert_eq!(parse_optional(Some("  ")).unwrap(), None);
        assert!(MobileError.to_string().contains("手机号码"));
    }

    #[test]
    fn masking_keeps_three_and_four() {
        assert_eq!(mask_mobile("13812345678"), "138****5678");
        assert_eq!(mask_mobile("138****5678"), "138****5678");
        assert_eq!(mask_mobile("12345"), "*****");
    }
}

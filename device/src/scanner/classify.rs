//! Decides what a scanned string is. Pure, so the counter can also classify
//! manually typed input the same way.

use serde::Serialize;

use super::aim::Symbology;
use crate::ids::{self, IdError};

/// Prefix of the project's ticket QR/barcode payloads.
pub const TICKET_PREFIX: &str = "TK:";
/// Prefix of document verification strings.
pub const DOCUMENT_PREFIX: &str = "DV1.";

/// Appointment codes are a fixed prefix, an exact number of digits, and (for codes from
/// the hall) a tag of `tag` upper-case letters or digits that makes them unguessable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentPattern {
    pub prefix: String,
    pub digits: usize,
    pub tag: usize,
}

impl Default for AppointmentPattern {
    fn default() -> Self {
        Self {
            prefix: "YY".into(),
            digits: 10,
            tag: 6,
        }
    }
}

/// Site-specific classification settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassifyConfig {
    pub appointment: AppointmentPattern,
}

/// One classified scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub kind: ScanKind,
    /// From the AIM id, when the scanner sent one.
    pub symbology: Option<Symbology>,
}

/// Which code family a rejected scan looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFamily {
    ResidentId,
    Uscc,
    Ticket,
    Document,
    Appointment,
}

/// Why a scan that looked like a known code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReason {
    #[error(transparent)]
    Id(#[from] IdError),
    #[error("ticket id {0:?} is not YYYYMMDD-<letter><3+ digits>")]
    TicketId(String),
    #[error("verification string has nothing after the DV1. prefix or contains {0:?}")]
    Document(String),
    #[error("expected {expected} digits after {prefix:?}, found {found}")]
    AppointmentDigits {
        prefix: String,
        expected: usize,
        found: usize,
    },
}

/// What a scan turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanKind {
    ResidentId(ids::ResidentId),
    /// Unified social credit code, upper-cased.
    CreditCode(String),
    /// The ticket id from a `TK:` payload, e.g. `20261122-A023`.
    Ticket(String),
    /// The whole verification string, `DV1.` included.
    Document(String),
    Appointment(String),
    Text(String),
    /// Shaped like a known code but failed its check; never silently text.
    Invalid {
        family: CodeFamily,
        value: String,
        reason: InvalidReason,
    },
}

/// Flat form for logs and the field tool's JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanRecord {
    pub kind: &'static str,
    pub value: String,
    pub symbology: Option<Symbology>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looks_like: Option<CodeFamily>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Scan {
    /// The main value of the scan (see [`ScanKind`] for what each holds).
    pub fn value(&self) -> &str {
        match &self.kind {
            ScanKind::ResidentId(id) => &id.number,
            ScanKind::CreditCode(v)
            | ScanKind::Ticket(v)
            | ScanKind::Document(v)
            | ScanKind::Appointment(v)
            | ScanKind::Text(v) => v,
            ScanKind::Invalid { value, .. } => value,
        }
    }

    pub fn record(&self) -> ScanRecord {
        let (kind, looks_like, reason) = match &self.kind {
            ScanKind::ResidentId(_) => ("resident_id", None, None),
            ScanKind::CreditCode(_) => ("uscc", None, None),
            ScanKind::Ticket(_) => ("ticket", None, None),
            ScanKind::Document(_) => ("document", None, None),
            ScanKind::Appointment(_) => ("appointment", None, None),
            ScanKind::Text(_) => ("text", None, None),
            ScanKind::Invalid { family, reason, .. } => {
                ("invalid", Some(*family), Some(reason.to_string()))
            }
        };
        ScanRecord {
            kind,
            value: self.value().to_string(),
            symbology: self.symbology.clone(),
            looks_like,
            reason,
        }
    }

    /// One-line JSON, as printed by `device scan`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.record()).unwrap_or_default()
    }
}

/// Classifies with the default appointment pattern.
pub fn classify(text: &str) -> Scan {
    classify_with(text, &ClassifyConfig::default())
}

/// Classifies a scanned string. Surrounding whitespace is ignored.
pub fn classify_with(text: &str, config: &ClassifyConfig) -> Scan {
    Scan {
        kind: classify_kind(text.trim(), config),
        symbology: None,
    }
}

fn invalid(family: CodeFamily, value: &str, reason: impl Into<InvalidReason>) -> ScanKind {
    ScanKind::Invalid {
        family,
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn classify_kind(text: &str, config: &ClassifyConfig) -> ScanKind {
    if let Some(id) = text.strip_prefix(TICKET_PREFIX) {
        return if is_ticket_id(id) {
            ScanKind::Ticket(id.to_string())
        } else {
            invalid(CodeFamily::Ticket, text, InvalidReason::TicketId(id.into()))
        };
    }
    if let Some(body) = text.strip_prefix(DOCUMENT_PREFIX) {
        let bad = body
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
        return match bad {
            None if body.chars().any(|c| c != '.') => ScanKind::Document(text.to_string()),
            _ => invalid(
                CodeFamily::Document,
                text,
                InvalidReason::Document(bad.map(String::from).unwrap_or_default()),
            ),
        };
    }
    let appt = &config.appointment;
    if !appt.prefix.is_empty() {
        if let Some(digits) = text.strip_prefix(appt.prefix.as_str()) {
            let tagged = appt.tag > 0
                && digits.len() == appt.digits + appt.tag
                && digits.bytes().take(appt.digits).all(|b| b.is_ascii_digit())
                && digits
                    .bytes()
                    .skip(appt.digits)
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if tagged {
                return ScanKind::Appointment(text.to_string());
            }
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return if digits.len() == appt.digits {
                    ScanKind::Appointment(text.to_string())
                } else {
                    invalid(
                        CodeFamily::Appointment,
                        text,
                        InvalidReason::AppointmentDigits {
                            prefix: appt.prefix.clone(),
                            expected: appt.digits,
                            found: digits.len(),
                        },
                    )
                };
            }
        }
    } else if text.len() == appt.digits && text.bytes().all(|b| b.is_ascii_digit()) {
        return ScanKind::Appointment(text.to_string());
    }
    classify_national_id(text)
}

fn classify_national_id(text: &str) -> ScanKind {
    let id_shape = ids::looks_like_resident_id(text);
    let id_result = id_shape.then(|| ids::validate_resident_id(text));
    if let Some(Ok(id)) = id_result {
        return ScanKind::ResidentId(id);
    }
    // An all-digit credit code is possible, so a failed ID check falls
    // through to the credit-code check before being reported.
    if ids::looks_like_credit_code(text) {
        match ids::validate_credit_code(text) {
            Ok(code) => return ScanKind::CreditCode(code),
            Err(e) if !id_shape => return invalid(CodeFamily::Uscc, text, e),
            Err(_) => {}
        }
    }
    if let Some(Err(e)) = id_result {
        return invalid(CodeFamily::ResidentId, text, e);
    }
    if ids::looks_like_legacy_resident_id(text) {
        if let Ok(id) = ids::validate_resident_id(text) {
            return ScanKind::ResidentId(id);
        }
    }
    ScanKind::Text(text.to_string())
}

/// `YYYYMMDD-` + an upper-case queue letter + at least three digits.
pub fn is_ticket_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() >= 13
        && crate::ids::date_ok(&id[..8], 2000)
        && b[8] == b'-'
        && b[9].is_ascii_uppercase()
        && b[10..].iter().all(u8::is_ascii_digit)
}

/// The QR/barcode payload printed on a ticket.
pub fn ticket_payload(ticket_id: &str) -> String {
    format!("{TICKET_PREFIX}{ticket_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> ScanKind {
        classify(s).kind
    }

    #[test]
    fn resident_ids() {
        assert!(matches!(kind("11010519491231002X"), ScanKind::ResidentId(id) if !id.legacy));
        assert!(matches!(
            kind("440524188001010014"),
            ScanKind::ResidentId(_)
        ));
        assert!(matches!(kind("110105491231002"), ScanKind::ResidentId(id) if id.legacy));
    }

    #[test]
    fn id_with_bad_checksum_is_invalid_not_text() {
        match kind("110105194912310021") {
            ScanKind::Invalid {
                family: CodeFamily::ResidentId,
                reason,
                ..
            } => assert_eq!(reason.to_string(), "check character is 1, expected X"),
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn credit_codes() {
        assert_eq!(
            kind("91350100M000100Y43"),
            ScanKind::CreditCode("91350100M000100Y43".into())
        );
        assert!(matches!(
            kind("91350100M000100Y44"),
            ScanKind::Invalid {
                family: CodeFamily::Uscc,
                ..
            }
        ));
    }

    #[test]
    fn project_codes() {
        assert_eq!(
            kind("TK:20261122-A023"),
            ScanKind::Ticket("20261122-A023".into())
        );
        assert_eq!(
            kind("TK:20261122-B12345"),
            ScanKind::Ticket("20261122-B12345".into())
        );
        for bad in [
            "TK:20261122-A02",
            "TK:20261322-A023",
            "TK:20261122-a023",
            "TK:",
        ] {
            assert!(
                matches!(
                    kind(bad),
                    ScanKind::Invalid {
                        family: CodeFamily::Ticket,
                        ..
                    }
                ),
                "{bad}"
            );
        }
        assert_eq!(
            kind("DV1.eyJr....abc"),
            ScanKind::Document("DV1.eyJr....abc".into())
        );
        assert!(matches!(
            kind("DV1.ab+c"),
            ScanKind::Invalid {
                family: CodeFamily::Document,
                ..
            }
        ));
        assert!(matches!(
            kind("DV1."),
            ScanKind::Invalid {
                family: CodeFamily::Document,
                ..
            }
        ));
    }

    #[test]
    fn appointments_follow_the_configured_pattern() {
        assert_eq!(
            kind("YY2026112201"),
            ScanKind::Appointment("YY2026112201".into())
        );
        // The hall's codes carry a 6-character tag after the digits.
        assert_eq!(
            kind("YY2611230001K7QF9M"),
            ScanKind::Appointment("YY2611230001K7QF9M".into())
        );
        assert!(matches!(
            kind("YY20261122"),
            ScanKind::Invalid {
                family: CodeFamily::Appointment,
                ..
            }
        ));
        let cfg = ClassifyConfig {
            appointment: AppointmentPattern {
                prefix: "GZ".into(),
                digits: 6,
                tag: 0,
            },
        };
        assert_eq!(
            classify_with("GZ123456", &cfg).kind,
            ScanKind::Appointment("GZ123456".into())
        );
        assert_eq!(
            classify_with("YY2026112201", &cfg).kind,
            ScanKind::Text("YY2026112201".into())
        );
    }

    #[test]
    fn everything_else_is_text_and_whitespace_is_trimmed() {
        assert_eq!(kind(" hello 你好 "), ScanKind::Text("hello 你好".into()));
        assert_eq!(
            kind("6901234567892"),
            ScanKind::Text("6901234567892".into())
        );
    }

    #[test]
    fn json_record() {
        let mut scan = classify("TK:20261122-A023");
        scan.symbology = Some(Symbology::Qr);
        assert_eq!(
            scan.to_json(),
            r#"{"kind":"ticket","value":"20261122-A023","symbology":"qr"}"#
        );
        let bad = classify("110105194912310021").to_json();
        assert!(bad.contains(r#""kind":"invalid""#), "{bad}");
        assert!(bad.contains(r#""looks_like":"resident_id""#), "{bad}");
        assert!(bad.contains(r#""symbology":null"#), "{bad}");
    }
}

//! Input hygiene: one check over a whole command before it is parsed, and the stripping every
//! screen applies to text it draws. Control characters (C0, DEL, C1) never enter the log, so
//! an escape sequence typed at one terminal cannot reach another terminal's screen.

use std::borrow::Cow;

use serde_json::Value;

/// Longest names (applicant, agent), in characters.
pub const MAX_NAME: usize = 100;
/// Longest free text (notes, reasons, outcomes, messages), in characters.
pub const MAX_TEXT: usize = 500;
/// Longest command id, in bytes.
pub const MAX_COMMAND_ID: usize = 128;
/// Longest of any other string (codes, serials, ID numbers, queue names), in characters.
pub const MAX_OTHER: usize = 64;
/// Most elements in an array (materials, reasons, queues).
pub const MAX_ITEMS: usize = 100;

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HygieneError {
    #[error("字段 {field} 含控制字符 field `{field}` contains a control character")]
    Control { field: String },
    #[error("字段 {field} 超过 {max} 字符 field `{field}` is longer than {max} characters")]
    TooLong { field: String, max: usize },
    #[error("字段 {field} 超过 {max} 项 field `{field}` has more than {max} items")]
    TooMany { field: String, max: usize },
}

/// C0 (including tab and newline), DEL and C1.
#[must_use]
pub fn is_control(c: char) -> bool {
    c.is_control()
}

fn limit_for(field: &str) -> usize {
    match field {
        "name" => MAX_NAME,
        "note" | "reason" | "reasons" | "outcome" | "message" => MAX_TEXT,
        _ => MAX_OTHER,
    }
}

/// Checks every string (and key) in a command: no control characters, within its length.
///
/// # Errors
/// The first offending field.
pub fn check_command(v: &Value) -> Result<(), HygieneError> {
    walk(v, "command")
}

fn walk(v: &Value, field: &str) -> Result<(), HygieneError> {
    match v {
        Value::String(s) => check_text(s, field, limit_for(field)),
        Value::Array(a) => {
            if a.len() > MAX_ITEMS {
                return Err(HygieneError::TooMany {
                    field: field.into(),
                    max: MAX_ITEMS,
                });
            }
            a.iter().try_for_each(|x| walk(x, field))
        }
        Value::Object(m) => m.iter().try_for_each(|(k, x)| {
            check_text(k, "key", MAX_OTHER)?;
            walk(x, k)
        }),
        _ => Ok(()),
    }
}

/// One text field.
///
/// # Errors
/// A control character, or more than `max` characters.
pub fn check_text(s: &str, field: &str, max: usize) -> Result<(), HygieneError> {
    if s.chars().any(is_control) {
        return Err(HygieneError::Control {
            field: field.into(),
        });
    }
    if s.chars().count() > max {
        return Err(HygieneError::TooLong {
            field: field.into(),
            max,
        });
    }
    Ok(())
}

/// `s` without control characters, for drawing on a terminal.
#[must_use]
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_control) {
        Cow::Owned(s.chars().filter(|c| !is_control(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Strips control characters from every string in a received frame, in place, so nothing a
/// screen draws from it can carry a terminal escape sequence.
pub fn strip_frame(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(clean) = printable(s) {
                *s = clean;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_frame),
        Value::Object(m) => m.values_mut().for_each(strip_frame),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn controls_and_lengths_are_refused_anywhere() {
        assert!(
            check_command(&json!({"kind":"refuse_urgent","queue":"A","reason":"ok 好"})).is_ok()
        );
        let esc = json!({"kind":"refuse_urgent","queue":"A","reason":"\u{1b}[2J"});
        assert!(matches!(
            check_command(&esc),
            Err(HygieneError::Control { .. })
        ));
        let c1 = json!({"kind":"case_materials","case":"x","materials":[{"material":"M1","status":"missing","note":"a\u{9b}b"}]});
        assert!(matches!(
            check_command(&c1),
            Err(HygieneError::Control { .. })
        ));
        let long_name = json!({"applicant":{"name":"张".repeat(101)}});
        assert!(matches!(
            check_command(&long_name),
            Err(HygieneError::TooLong { max: 100, .. })
        ));
        assert!(check_command(&json!({"applicant":{"name":"张".repeat(100)}})).is_ok());
        assert!(check_command(&json!({"reason":"x".repeat(500)})).is_ok());
        assert!(check_command(&json!({"reason":"x".repeat(501)})).is_err());
        assert!(check_command(&json!({"reasons":["x".repeat(501)]})).is_err());
    }

    #[test]
    fn printable_strips_every_control() {
        assert_eq!(printable("A\u{1b}[31mB\u{7f}\u{9b}C\n"), "A[31mBC");
        let mut v = json!({"a":["x\u{1b}y"],"b":{"c":"\u{7}"}});
        strip_frame(&mut v);
        assert_eq!(v, json!({"a":["xy"],"b":{"c":""}}));
    }
}

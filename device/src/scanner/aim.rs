//! AIM symbology identifiers (`]` + code character + modifier), which many
//! scanners can prepend to each scan.

use serde::Serialize;

/// The barcode type a scan came from, when the scanner sent an AIM id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Symbology {
    Qr,
    Code128,
    Ean13,
    Ean8,
    DataMatrix,
    Code39,
    Code93,
    Codabar,
    Itf,
    Pdf417,
    Aztec,
    /// Any other AIM id, kept verbatim without the `]` (e.g. `X0`).
    Other(String),
}

impl Symbology {
    /// Stable lower-case name used in JSON output.
    pub fn name(&self) -> String {
        match self {
            Self::Qr => "qr".into(),
            Self::Code128 => "code128".into(),
            Self::Ean13 => "ean13".into(),
            Self::Ean8 => "ean8".into(),
            Self::DataMatrix => "datamatrix".into(),
            Self::Code39 => "code39".into(),
            Self::Code93 => "code93".into(),
            Self::Codabar => "codabar".into(),
            Self::Itf => "itf".into(),
            Self::Pdf417 => "pdf417".into(),
            Self::Aztec => "aztec".into(),
            Self::Other(id) => format!("aim:{id}"),
        }
    }

    fn from_aim(code: u8, modifier: u8) -> Self {
        match (code, modifier) {
            (b'Q', _) => Self::Qr,
            (b'C', _) => Self::Code128,
            (b'E', b'4') => Self::Ean8,
            (b'E', _) => Self::Ean13,
            (b'd', _) => Self::DataMatrix,
            (b'A', _) => Self::Code39,
            (b'G', _) => Self::Code93,
            (b'F', _) => Self::Codabar,
            (b'I', _) => Self::Itf,
            (b'L', _) => Self::Pdf417,
            (b'z', _) => Self::Aztec,
            _ => Self::Other(format!("{}{}", char::from(code), char::from(modifier))),
        }
    }
}

impl From<Symbology> for String {
    fn from(s: Symbology) -> Self {
        s.name()
    }
}

/// Splits a leading AIM id off `data`, if there is one.
pub fn strip_aim(data: &[u8]) -> (Option<Symbology>, &[u8]) {
    match data {
        [b']', code, modifier, rest @ ..]
            if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
        {
            (Some(Symbology::from_aim(*code, *modifier)), rest)
        }
        _ => (None, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_are_recognised_and_removed() {
        assert_eq!(strip_aim(b"]Q1TK:x"), (Some(Symbology::Qr), &b"TK:x"[..]));
        assert_eq!(
            strip_aim(b"]C0abc"),
            (Some(Symbology::Code128), &b"abc"[..])
        );
        assert_eq!(strip_aim(b"]E0123"), (Some(Symbology::Ean13), &b"123"[..]));
        assert_eq!(strip_aim(b"]d2x"), (Some(Symbology::DataMatrix), &b"x"[..]));
        assert_eq!(
            strip_aim(b"]X0x"),
            (Some(Symbology::Other("X0".into())), &b"x"[..])
        );
    }

    #[test]
    fn text_that_merely_starts_with_a_bracket_is_left_alone() {
        assert_eq!(strip_aim(b"]1"), (None, &b"]1"[..]));
        assert_eq!(strip_aim(b"]]Q1"), (None, &b"]]Q1"[..]));
        assert_eq!(strip_aim(b"abc"), (None, &b"abc"[..]));
    }

    #[test]
    fn json_names() {
        assert_eq!(serde_json::to_string(&Symbology::Qr).unwrap(), "\"qr\"");
        assert_eq!(Symbology::Code128.name(), "code128");
    }
}

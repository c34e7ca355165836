//! Text for printers that only know GBK: encoding with a fallback for
//! characters outside it, column widths, and wrapping.

use encoding_rs::GB18030;

/// Text encoded for the printer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncodedText {
    pub bytes: Vec<u8>,
    /// Printed width in columns at normal size.
    pub columns: usize,
    /// Characters replaced by the fallback (outside GBK, or control characters).
    pub replaced: Vec<char>,
}

/// Encodes one character as GBK bytes, or `None` if the printer can't print
/// it: controls (which could inject printer commands) and anything that
/// GB18030 can only express as a 4-byte sequence.
pub fn encode_char(c: char) -> Option<Vec<u8>> {
    if c.is_control() {
        return None;
    }
    let mut utf8 = [0u8; 4];
    let (bytes, _, _) = GB18030.encode(c.encode_utf8(&mut utf8));
    (bytes.len() <= 2).then(|| bytes.into_owned())
}

/// Columns a character takes: 1 for single-byte, 2 for double-byte (the
/// printer prints all GBK double-byte characters full width).
pub fn char_columns(c: char, fallback: &str) -> usize {
    match encode_char(c) {
        Some(b) => b.len(),
        None => fallback.chars().map(|f| char_columns(f, "?")).sum(),
    }
}

pub fn text_columns(s: &str, fallback: &str) -> usize {
    s.chars().map(|c| char_columns(c, fallback)).sum()
}

/// Encodes `s` (no line breaks expected), replacing unprintable characters
/// with `fallback`.
pub fn encode_text(s: &str, fallback: &str) -> EncodedText {
    let mut out = EncodedText::default();
    for c in s.chars() {
        match encode_char(c) {
            Some(b) => {
                out.columns += b.len();
                out.bytes.extend(b);
            }
            None => {
                out.replaced.push(c);
                for f in fallback.chars() {
                    // A fallback that is itself unprintable degrades to '?'.
                    let b = encode_char(f).unwrap_or_else(|| b"?".to_vec());
                    out.columns += b.len();
                    out.bytes.extend(b);
                }
            }
        }
    }
    out
}

const NO_LINE_START: &str = "，。、；：！？）」』》〉】”’…,.;:!?)]";

/// Greedy wrap by columns. Breaks anywhere (Chinese has no spaces), but
/// never inside a character; a line never exceeds `width` unless a single
/// character is wider than it.
pub fn wrap(s: &str, width: usize, fallback: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_columns(c, fallback);
        if used + w > width && !line.is_empty() {
            // Chinese typesetting never starts a line with closing
            // punctuation; carry the previous character down with it.
            let carry = line
                .chars()
                .last()
                .filter(|&p| char_columns(p, fallback) + w <= width);
            let carried =
                if NO_LINE_START.contains(c) && line.chars().count() > 1 && carry.is_some() {
                    line.pop()
                } else {
                    None
                };
            lines.push(std::mem::take(&mut line));
            used = 0;
            if let Some(p) = carried {
                line.push(p);
                used = char_columns(p, fallback);
            }
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_is_two_bytes_two_columns() {
        let e = encode_text("受理A", "?");
        assert_eq!(e.bytes, vec![0xCA, 0xDC, 0xC0, 0xED, b'A']);
        assert_eq!(e.columns, 5);
        assert!(e.replaced.is_empty());
    }

    #[test]
    fn four_byte_characters_get_the_fallback_and_are_reported() {
        // U+20BB7 (𠮷) is only reachable through a 4-byte GB18030 sequence.
        let e = encode_text("吉𠮷", "?");
        assert_eq!(e.bytes, vec![0xBC, 0xAA, b'?']);
        assert_eq!(e.replaced, vec!['𠮷']);
        let e = encode_text("𠮷", "〓");
        assert_eq!(e.bytes, vec![0xA1, 0xFE]);
        assert_eq!(e.columns, 2);
    }

    #[test]
    fn control_characters_cannot_inject_commands() {
        let e = encode_text("a\x1b@b", "?");
        assert_eq!(e.bytes, b"a?@b".to_vec());
        assert_eq!(e.replaced, vec!['\x1b']);
    }

    #[test]
    fn wrap_respects_double_width() {
        assert_eq!(
            wrap("广州市政务服务中心", 8, "?"),
            vec!["广州市政", "务服务中", "心"]
        );
        assert_eq!(wrap("ab广州", 3, "?"), vec!["ab", "广", "州"]);
        assert_eq!(wrap("", 8, "?"), vec![""]);
        assert_eq!(wrap("有限公司）", 8, "?"), vec!["有限公", "司）"]);
    }

    proptest! {
        #[test]
        fn wrapped_lines_fit_and_lose_nothing(s in "(\\PC|[，。）]){0,60}", width in 2usize..48) {
            let lines = wrap(&s, width, "?");
            prop_assert_eq!(lines.concat(), s);
            for l in &lines {
                prop_assert!(text_columns(l, "?") <= width);
            }
        }

        #[test]
        fn encoded_text_is_never_a_control_byte_or_four_byte_sequence(s in "\\PC{0,40}|[\\x00-\\x1f]{0,5}") {
            let e = encode_text(&s, "?");
            prop_assert!(e.bytes.iter().all(|&b| b >= 0x20));
            let (decoded, _, errors) = GB18030.decode(&e.bytes);
            prop_assert!(!errors);
            prop_assert_eq!(decoded.chars().count(), s.chars().count());
        }
    }
}

//! Turns a raw frame into a classified scan or a warning: strips the
//! configured prefix/suffix and the AIM id, rejects garbage, classifies.

use super::aim::strip_aim;
use super::classify::{classify_with, ClassifyConfig, Scan};
use super::framer::FrameEvent;

/// How the scanner is configured to wrap its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeConfig {
    /// Bytes the scanner puts before every scan (removed when present).
    pub prefix: Vec<u8>,
    /// Bytes the scanner puts after every scan, before the terminator.
    pub suffix: Vec<u8>,
    /// Remove a leading AIM symbology id such as `]Q1`.
    pub strip_aim: bool,
    pub classify: ClassifyConfig,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        Self {
            prefix: Vec::new(),
            suffix: Vec::new(),
            strip_aim: true,
            classify: ClassifyConfig::default(),
        }
    }
}

/// A frame that could not become a scan. The reader keeps going.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanWarning {
    #[error("frame of {len} bytes exceeds the {max}-byte limit; discarded")]
    TooLong { len: usize, max: usize },
    #[error("frame contains control byte 0x{byte:02X} at offset {offset}: {preview}")]
    ControlByte {
        byte: u8,
        offset: usize,
        preview: String,
    },
    #[error("frame is not valid UTF-8 (bad byte at offset {offset}): {preview}")]
    InvalidUtf8 { offset: usize, preview: String },
    #[error("frame is empty after removing prefix, suffix and symbology id")]
    Empty,
    #[error("partial frame of {len} bytes lost when the scanner disconnected")]
    PartialFrameLost { len: usize },
}

/// Escaped, length-limited rendering of raw bytes for warnings.
fn preview(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(64)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if bytes.len() > 64 {
        format!("\"{shown}\"…")
    } else {
        format!("\"{shown}\"")
    }
}

/// Stateless frame → scan conversion shared by the serial and simulated scanners.
#[derive(Debug, Clone, Default)]
pub struct ScanDecoder {
    config: DecodeConfig,
    max_len: usize,
}

impl ScanDecoder {
    pub fn new(config: DecodeConfig, max_len: usize) -> Self {
        Self { config, max_len }
    }

    pub fn decode_event(&self, event: FrameEvent) -> Result<Scan, ScanWarning> {
        match event {
            FrameEvent::Frame(bytes) => self.decode(&bytes),
            FrameEvent::TooLong { len } => Err(ScanWarning::TooLong {
                len,
                max: self.max_len,
            }),
        }
    }

    pub fn decode(&self, frame: &[u8]) -> Result<Scan, ScanWarning> {
        let mut data = frame;
        if let Some(rest) = data.strip_prefix(self.config.prefix.as_slice()) {
            data = rest;
        }
        let (symbology, rest) = if self.config.strip_aim {
            strip_aim(data)
        } else {
            (None, data)
        };
        data = rest;
        if let Some(rest) = data.strip_suffix(self.config.suffix.as_slice()) {
            data = rest;
        }
        if let Some(offset) = data.iter().position(|&b| b < 0x20 || b == 0x7F) {
            return Err(ScanWarning::ControlByte {
                byte: data[offset],
                offset,
                preview: preview(frame),
            });
        }
        let text = std::str::from_utf8(data).map_err(|e| ScanWarning::InvalidUtf8 {
            offset: e.valid_up_to(),
            preview: preview(frame),
        })?;
        if text.trim().is_empty() {
            return Err(ScanWarning::Empty);
        }
        let mut scan = classify_with(text, &self.config.classify);
        scan.symbology = symbology;
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanner::{ScanKind, Symbology};

    fn decoder(prefix: &str, suffix: &str) -> ScanDecoder {
        ScanDecoder::new(
            DecodeConfig {
                prefix: prefix.into(),
                suffix: suffix.into(),
                ..DecodeConfig::default()
            },
            4096,
        )
    }

    #[test]
    fn prefix_aim_and_suffix_are_removed() {
        let scan = decoder("@@", "#")
            .decode(b"@@]Q1TK:20261122-A023#")
            .unwrap();
        assert_eq!(scan.kind, ScanKind::Ticket("20261122-A023".into()));
        assert_eq!(scan.symbology, Some(Symbology::Qr));
    }

    #[test]
    fn missing_prefix_is_tolerated() {
        let scan = decoder("@@", "").decode(b"91350100M000100Y43").unwrap();
        assert_eq!(scan.kind, ScanKind::CreditCode("91350100M000100Y43".into()));
    }

    #[test]
    fn control_bytes_are_reported_with_position() {
        let w = decoder("", "").decode(b"ab\x07cd").unwrap_err();
        assert!(matches!(
            w,
            ScanWarning::ControlByte {
                byte: 7,
                offset: 2,
                ..
            }
        ));
        assert!(w.to_string().contains("\\x07"), "{w}");
    }

    #[test]
    fn invalid_utf8_is_reported() {
        let w = decoder("", "").decode(b"ab\xff\xfe").unwrap_err();
        assert!(matches!(w, ScanWarning::InvalidUtf8 { offset: 2, .. }));
    }

    #[test]
    fn utf8_chinese_text_is_text() {
        let scan = decoder("", "")
            .decode("广州市政务服务中心".as_bytes())
            .unwrap();
        assert_eq!(scan.kind, ScanKind::Text("广州市政务服务中心".into()));
    }

    #[test]
    fn aim_only_frame_is_empty() {
        assert_eq!(decoder("", "").decode(b"]C0"), Err(ScanWarning::Empty));
    }
}

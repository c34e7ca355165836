//! The SAM frame codec of resident ID card readers (公安部 SAM 通讯协议):
//!
//! ```text
//! command: AA AA AA 96 69 | LEN (2, big-endian) | CMD | PARA | DATA… | CHK
//! reply:   AA AA AA 96 69 | LEN (2, big-endian) | SW1 | SW2 | SW3 | DATA… | CHK
//! ```
//!
//! LEN counts everything after itself (including CHK); CHK is the XOR of every
//! byte after the preamble (LEN through DATA).

use thiserror::Error;

/// Frame start: three sync bytes, then 96 69.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];

/// Longest LEN a reply may carry. The largest standard reply (basic
/// information with fingerprints) is 3 + 4 + 256 + 1024 + 1024 + 1 bytes;
/// anything longer is corruption, not a card.
pub const MAX_LEN: usize = 4096;

/// A host→reader command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `10 FF`: reset the SAM.
    Reset,
    /// `11 FF`: SAM status check.
    SamStatus,
    /// `20 01`: look for a card in the field.
    FindCard,
    /// `20 02`: select the card found.
    SelectCard,
    /// `30 01`: read the basic information (text + photo).
    ReadBasic,
}

impl Command {
    #[must_use]
    pub fn code(self) -> (u8, u8) {
        match self {
            Self::Reset => (0x10, 0xFF),
            Self::SamStatus => (0x11, 0xFF),
            Self::FindCard => (0x20, 0x01),
            Self::SelectCard => (0x20, 0x02),
            Self::ReadBasic => (0x30, 0x01),
        }
    }

    #[must_use]
    pub fn from_code(cmd: u8, para: u8) -> Option<Self> {
        [
            Self::Reset,
            Self::SamStatus,
            Self::FindCard,
            Self::SelectCard,
            Self::ReadBasic,
        ]
        .into_iter()
        .find(|c| c.code() == (cmd, para))
    }

    /// The full frame for this command (no data).
    #[must_use]
    pub fn encode(self) -> Vec<u8> {
        let (c, p) = self.code();
        encode_frame(&[c, p])
    }
}

/// XOR of `bytes`.
#[must_use]
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// Wraps a body (CMD PARA DATA, or SW1 SW2 SW3 DATA) in preamble, LEN and CHK.
///
/// # Panics
/// Never for bodies up to [`MAX_LEN`]; longer ones are a programming error
/// and are truncated in LEN (callers only build standard frames).
#[must_use]
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 1).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&PREAMBLE);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    let chk = checksum(&out[PREAMBLE.len()..]);
    out.push(chk);
    out
}

/// A reply frame: three status bytes and the data.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    pub sw: [u8; 3],
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    // Data may hold a card's text and photo: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("sw", &format_args!("{:02X?}", self.sw))
            .field("data_len", &self.data.len())
            .finish()
    }
}

impl Reply {
    /// The reader's own status byte (SW3).
    #[must_use]
    pub fn status(&self) -> u8 {
        self.sw[2]
    }

    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut body = self.sw.to_vec();
        body.extend_from_slice(&self.data);
        encode_frame(&body)
    }

    /// Overwrites the data (it may hold a photo) before it is dropped.
    pub fn wipe(&mut self) {
        self.data.iter_mut().for_each(|b| *b = 0);
        self.data.clear();
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        // Photo bytes must not linger in freed memory (PIPL: biometrics).
        self.data.iter_mut().for_each(|b| *b = 0);
    }
}

/// Why bytes on the line were not a frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("checksum mismatch: frame says {found:02X}, computed {expected:02X}")]
    Checksum { expected: u8, found: u8 },
    #[error("frame length {0} out of range")]
    Length(usize),
    #[error("{0} bytes before a frame start were skipped")]
    Garbage(usize),
}

/// Streaming parser: feed bytes as they arrive, take complete frames.
/// Bytes before a preamble are skipped (and reported); a frame whose
/// checksum fails is reported and the search for the next preamble resumes
/// one byte after the bad frame's start, so one corrupt frame never
/// swallows a good one behind it.
#[derive(Debug, Default)]
pub struct FrameParser {
    buf: Vec<u8>,
}

/// One result from [`FrameParser::next_frame`]: a frame body (without
/// preamble, LEN and CHK) or what was wrong.
pub type Parsed = Result<Vec<u8>, FrameError>;

impl FrameParser {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held waiting for the rest of a frame.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Forgets everything buffered (after a timeout or a reconnect); returns
    /// how many bytes were dropped.
    pub fn reset(&mut self) -> usize {
        let n = self.buf.len();
        self.buf.iter_mut().for_each(|b| *b = 0);
        self.buf.clear();
        n
    }

    /// The next complete frame or error, or `None` until more bytes come.
    pub fn next_frame(&mut self) -> Option<Parsed> {
        let start = find(&self.buf, &PREAMBLE);
        match start {
            None => {
                // Keep a tail that may be the start of a preamble.
                let keep = (0..PREAMBLE.len())
                    .rev()
                    .find(|&k| k <= self.buf.len() && self.buf.ends_with(&PREAMBLE[..k]))
                    .unwrap_or(0);
                let skip = self.buf.len() - keep;
                if skip > 0 {
                    self.drain(skip);
                    return Some(Err(FrameError::Garbage(skip)));
                }
                None
            }
            Some(s) if s > 0 => {
                self.drain(s);
                Some(Err(FrameError::Garbage(s)))
            }
            Some(_) => {
                let p = PREAMBLE.len();
                if self.buf.len() < p + 2 {
                    return None;
                }
                let len = usize::from(u16::from_be_bytes([self.buf[p], self.buf[p + 1]]));
                if !(2..=MAX_LEN).contains(&len) {
                    // Not a real frame start: skip the preamble's first byte.
                    self.drain(1);
                    return Some(Err(FrameError::Length(len)));
                }
                let total = p + 2 + len;
                if self.buf.len() < total {
                    return None;
                }
                let expected = checksum(&self.buf[p..total - 1]);
                let found = self.buf[total - 1];
                if expected != found {
                    self.drain(1);
                    return Some(Err(FrameError::Checksum { expected, found }));
                }
                let body = self.buf[p + 2..total - 1].to_vec();
                self.drain(total);
                Some(Ok(body))
            }
        }
    }

    fn drain(&mut self, n: usize) {
        self.buf[..n].iter_mut().for_each(|b| *b = 0);
        self.buf.drain(..n);
    }
}

impl Drop for FrameParser {
    fn drop(&mut self) {
        self.reset();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits a reply body into status and data.
pub fn reply_from_body(body: Vec<u8>) -> Result<Reply, FrameError> {
    if body.len() < 3 {
        return Err(FrameError::Length(body.len() + 1));
    }
    let sw = [body[0], body[1], body[2]];
    let mut body = body;
    let data = body.split_off(3);
    Ok(Reply { sw, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples() {
        // "aa aa aa 96 69 00 04 00 00 41 45": read failure, as printed in
        // vendor notes; and the find-card command everyone logs.
        let r = Reply {
            sw: [0, 0, 0x41],
            data: vec![],
        };
        assert_eq!(
            r.encode(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x41, 0x45]
        );
        assert_eq!(
            Command::FindCard.encode(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]
        );
    }

    #[test]
    fn garbage_then_frame_then_corrupt_then_frame() {
        let good = Reply {
            sw: [0, 0, 0x90],
            data: vec![1, 2, 3],
        }
        .encode();
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xFF;
        let mut p = FrameParser::new();
        p.push(b"xyz");
        p.push(&good);
        p.push(&bad);
        p.push(&good[..4]);
        assert_eq!(p.next_frame(), Some(Err(FrameError::Garbage(3))));
        assert_eq!(p.next_frame(), Some(Ok(vec![0, 0, 0x90, 1, 2, 3])));
        assert!(matches!(
            p.next_frame(),
            Some(Err(FrameError::Checksum { .. }))
        ));
        // The rest of the bad frame is skipped as garbage; the good frame's
        // partial preamble is kept.
        while let Some(Err(FrameError::Garbage(_))) = p.next_frame() {}
        p.push(&good[4..]);
        assert_eq!(p.next_frame(), Some(Ok(vec![0, 0, 0x90, 1, 2, 3])));
        assert_eq!(p.next_frame(), None);
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn byte_by_byte_delivery() {
        let good = Reply {
            sw: [0, 0, 0x9F],
            data: vec![0; 4],
        }
        .encode();
        let mut p = FrameParser::new();
        for b in &good[..good.len() - 1] {
            p.push(&[*b]);
            assert_eq!(p.next_frame(), None);
        }
        p.push(&good[good.len() - 1..]);
        assert_eq!(p.next_frame(), Some(Ok(vec![0, 0, 0x9F, 0, 0, 0, 0])));
    }

    proptest::proptest! {
        #[test]
        fn any_reply_round_trips_through_any_split(
            sw3 in proptest::prelude::any::<u8>(),
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1400),
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..20),
            cut in 0usize..1500,
        ) {
            let frame = Reply { sw: [0, 0, sw3], data: data.clone() }.encode();
            let mut stream: Vec<u8> = noise.iter().map(|b| b & 0x7F).collect();
            stream.extend_from_slice(&frame);
            let cut = cut.min(stream.len());
            let mut p = FrameParser::new();
            let mut got = Vec::new();
            for part in [&stream[..cut], &stream[cut..]] {
                p.push(part);
                while let Some(r) = p.next_frame() {
                    if let Ok(body) = r { got.push(body); }
                }
            }
            let mut want = vec![0, 0, sw3];
            want.extend_from_slice(&data);
            proptest::prop_assert_eq!(got, vec![want]);
        }
    }
}

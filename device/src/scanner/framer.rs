//! Splits the scanner's byte stream into frames. Pure: bytes and timestamps
//! in, frames out, so every rule can be tested without a port.

use std::time::{Duration, Instant};

/// Framing limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramerConfig {
    /// Silence after which buffered bytes count as a complete frame (for
    /// scanners configured without a terminator).
    pub gap: Duration,
    /// Longest frame accepted; longer ones are dropped and reported.
    pub max_len: usize,
}

impl Default for FramerConfig {
    fn default() -> Self {
        Self {
            gap: Duration::from_millis(50),
            max_len: 4096,
        }
    }
}

/// What the framer produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A complete frame without its terminator. Never empty.
    Frame(Vec<u8>),
    /// A frame longer than the limit; its bytes were discarded.
    TooLong { len: usize },
}

/// Buffers bytes until CR, LF (so CRLF too) or an inter-byte gap ends a frame.
#[derive(Debug, Clone)]
pub struct Framer {
    config: FramerConfig,
    buf: Vec<u8>,
    /// `Some(n)` while skipping the rest of an over-long frame.
    discarding: Option<usize>,
    last_byte: Option<Instant>,
}

impl Framer {
    pub fn new(config: FramerConfig) -> Self {
        Self {
            config,
            buf: Vec::new(),
            discarding: None,
            last_byte: None,
        }
    }

    /// Feeds bytes that arrived at `now`.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<FrameEvent> {
        let mut out = Vec::new();
        if bytes.is_empty() {
            return out;
        }
        // A gap before these bytes ends the previous frame even if the caller
        // never polled in between.
        out.extend(self.poll(now));
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                // CRLF yields an empty frame for the LF, which is skipped.
                out.extend(self.end_frame());
            } else if let Some(n) = self.discarding.as_mut() {
                *n += 1;
            } else {
                self.buf.push(b);
                if self.buf.len() > self.config.max_len {
                    self.discarding = Some(self.buf.len());
                    self.buf = Vec::new();
                }
            }
        }
        self.last_byte = Some(now);
        out
    }

    /// Ends the pending frame if the line has been silent for the gap.
    pub fn poll(&mut self, now: Instant) -> Option<FrameEvent> {
        let last = self.last_byte?;
        if now.saturating_duration_since(last) >= self.config.gap {
            self.last_byte = None;
            self.end_frame()
        } else {
            None
        }
    }

    /// When `poll` should next be called, if anything is pending.
    pub fn deadline(&self) -> Option<Instant> {
        if self.buf.is_empty() && self.discarding.is_none() {
            return None;
        }
        self.last_byte.map(|t| t + self.config.gap)
    }

    /// Drops any partial frame (e.g. on unplug); returns how many bytes were lost.
    pub fn reset(&mut self) -> usize {
        let lost = self.discarding.take().unwrap_or(0) + self.buf.len();
        self.buf.clear();
        self.last_byte = None;
        lost
    }

    fn end_frame(&mut self) -> Option<FrameEvent> {
        if let Some(len) = self.discarding.take() {
            return Some(FrameEvent::TooLong { len });
        }
        if self.buf.is_empty() {
            None
        } else {
            Some(FrameEvent::Frame(std::mem::take(&mut self.buf)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frames(events: &[FrameEvent]) -> Vec<&[u8]> {
        events
            .iter()
            .filter_map(|e| match e {
                FrameEvent::Frame(f) => Some(f.as_slice()),
                FrameEvent::TooLong { .. } => None,
            })
            .collect()
    }

    #[test]
    fn cr_crlf_and_lf_all_end_frames_without_empty_frames() {
        let mut f = Framer::new(FramerConfig::default());
        let t = Instant::now();
        let ev = f.push(b"one\rtwo\r\nthree\n\n\r\nfour", t);
        assert_eq!(frames(&ev), vec![&b"one"[..], b"two", b"three"]);
        assert_eq!(f.poll(t + Duration::from_millis(10)), None);
        assert_eq!(
            f.poll(t + Duration::from_millis(50)),
            Some(FrameEvent::Frame(b"four".to_vec()))
        );
        assert_eq!(f.deadline(), None);
    }

    #[test]
    fn crlf_split_across_reads_gives_one_frame() {
        let mut f = Framer::new(FramerConfig::default());
        let t = Instant::now();
        assert_eq!(frames(&f.push(b"abc\r", t)), vec![&b"abc"[..]]);
        assert!(f.push(b"\n", t).is_empty());
    }

    #[test]
    fn gap_between_pushes_splits_frames() {
        let mut f = Framer::new(FramerConfig::default());
        let t = Instant::now();
        assert!(f.push(b"first", t).is_empty());
        assert_eq!(f.deadline(), Some(t + Duration::from_millis(50)));
        let ev = f.push(b"second", t + Duration::from_millis(80));
        assert_eq!(frames(&ev), vec![&b"first"[..]]);
        let ev = f.push(b"\r", t + Duration::from_millis(81));
        assert_eq!(frames(&ev), vec![&b"second"[..]]);
    }

    #[test]
    fn over_long_frame_is_reported_once_and_the_next_frame_survives() {
        let mut f = Framer::new(FramerConfig {
            gap: Duration::from_millis(50),
            max_len: 8,
        });
        let t = Instant::now();
        let ev = f.push(b"0123456789abcdef\rok\r", t);
        assert_eq!(
            ev,
            vec![
                FrameEvent::TooLong { len: 16 },
                FrameEvent::Frame(b"ok".to_vec())
            ]
        );
        assert_eq!(frames(&f.push(b"12345678\r", t)), vec![&b"12345678"[..]]);
    }

    #[test]
    fn over_long_frame_ended_by_gap_is_reported() {
        let mut f = Framer::new(FramerConfig {
            gap: Duration::from_millis(50),
            max_len: 4,
        });
        let t = Instant::now();
        assert!(f.push(b"toolong", t).is_empty());
        assert_eq!(
            f.poll(t + Duration::from_millis(60)),
            Some(FrameEvent::TooLong { len: 7 })
        );
    }

    #[test]
    fn reset_reports_lost_bytes() {
        let mut f = Framer::new(FramerConfig::default());
        f.push(b"half", Instant::now());
        assert_eq!(f.reset(), 4);
        assert_eq!(f.deadline(), None);
    }

    fn chunked(stream: &[u8], cuts: &[usize]) -> Vec<FrameEvent> {
        let mut f = Framer::new(FramerConfig {
            gap: Duration::from_millis(50),
            max_len: 16,
        });
        let t = Instant::now();
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        points.sort_unstable();
        let mut out = Vec::new();
        let mut start = 0;
        for p in points.into_iter().chain([stream.len()]) {
            out.extend(f.push(&stream[start..p], t));
            start = p;
        }
        out.extend(f.poll(t + Duration::from_secs(1)));
        out
    }

    proptest! {
        #[test]
        fn any_split_into_chunks_yields_the_same_frames(
            stream in proptest::collection::vec(
                prop_oneof![Just(b'\r'), Just(b'\n'), b'a'..=b'e', any::<u8>()], 0..200),
            cuts in proptest::collection::vec(any::<usize>(), 0..20),
        ) {
            prop_assert_eq!(chunked(&stream, &cuts), chunked(&stream, &[]));
        }

        #[test]
        fn joined_frames_come_back_out(
            parts in proptest::collection::vec("[A-Za-z0-9:.\\-]{1,16}", 0..10),
            term in prop_oneof![Just("\r"), Just("\n"), Just("\r\n")],
            cuts in proptest::collection::vec(any::<usize>(), 0..10),
        ) {
            let stream: String = parts.iter().map(|p| format!("{p}{term}")).collect();
            let events = chunked(stream.as_bytes(), &cuts);
            let expected: Vec<FrameEvent> =
                parts.iter().map(|p| FrameEvent::Frame(p.as_bytes().to_vec())).collect();
            prop_assert_eq!(events, expected);
        }

        #[test]
        fn frames_never_hold_terminators_or_exceed_the_limit(
            stream in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            for e in chunked(&stream, &[]) {
                if let FrameEvent::Frame(f) = e {
                    prop_assert!(!f.is_empty() && f.len() <= 16);
                    prop_assert!(!f.contains(&b'\r') && !f.contains(&b'\n'));
                }
            }
        }
    }
}

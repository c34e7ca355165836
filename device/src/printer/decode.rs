//! A small ESC/POS decoder and text renderer: used by the printer
//! simulator, by `device preview`, and by tests that check what was sent.

use encoding_rs::GB18030;

use super::escpos::Align;
use super::text::char_columns;

/// One decoded command or piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Init,
    ChineseMode(bool),
    /// Text decoded from GB18030.
    Text(String),
    LineFeed,
    CarriageReturn,
    Tab,
    /// ESC d n.
    Feed(u8),
    Size {
        width: u8,
        height: u8,
    },
    Bold(bool),
    Align(Align),
    QrModel(u8),
    QrModuleSize(u8),
    /// GS ( k fn 169 `n` (48 = L … 51 = H).
    QrErrorCorrection(u8),
    QrStore(Vec<u8>),
    QrPrint,
    /// GS k: barcode system `m` and its data (Code 128 keeps its `{B`).
    Barcode {
        system: u8,
        data: Vec<u8>,
    },
    /// GS v 0 raster image.
    Raster {
        width_bytes: usize,
        height: usize,
        data: Vec<u8>,
    },
    Cut {
        partial: bool,
    },
    /// DLE EOT n: real-time status request.
    StatusQuery(u8),
    /// A command we know the length of but don't interpret.
    Other(Vec<u8>),
    /// Bytes that don't start a known command.
    Unknown(u8),
    /// The stream ended inside a command.
    Truncated(Vec<u8>),
}

/// Result of decoding from the front of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An op and how many bytes it used.
    Op(Op, usize),
    /// More bytes are needed (only when not at end of stream).
    Incomplete,
}

fn need(buf: &[u8], len: usize, eof: bool, op: impl FnOnce() -> Op) -> Step {
    if buf.len() >= len {
        Step::Op(op(), len)
    } else if eof {
        Step::Op(Op::Truncated(buf.to_vec()), buf.len())
    } else {
        Step::Incomplete
    }
}

fn at(buf: &[u8], i: usize) -> u8 {
    buf.get(i).copied().unwrap_or(0)
}

fn other(buf: &[u8], len: usize) -> Op {
    Op::Other(buf[..len].to_vec())
}

/// Decodes one op from the front of `buf`. With `eof` false, a command or
/// text run that may continue in later bytes yields [`Step::Incomplete`].
pub fn decode_one(buf: &[u8], eof: bool) -> Step {
    let Some(&first) = buf.first() else {
        return Step::Incomplete;
    };
    match first {
        0x0A => Step::Op(Op::LineFeed, 1),
        0x0D => Step::Op(Op::CarriageReturn, 1),
        0x09 => Step::Op(Op::Tab, 1),
        0x10 => decode_dle(buf, eof),
        0x1B => decode_esc(buf, eof),
        0x1C => decode_fs(buf, eof),
        0x1D => decode_gs(buf, eof),
        b if b < 0x20 => Step::Op(Op::Unknown(b), 1),
        _ => {
            // Text runs to the next control byte; GB18030 multi-byte
            // sequences never contain bytes below 0x30.
            let end = buf.iter().position(|&b| b < 0x20);
            match end {
                None if !eof => Step::Incomplete,
                _ => {
                    let end = end.unwrap_or(buf.len());
                    let (text, _) = GB18030.decode_without_bom_handling(&buf[..end]);
                    Step::Op(Op::Text(text.into_owned()), end)
                }
            }
        }
    }
}

fn decode_dle(buf: &[u8], eof: bool) -> Step {
    match at(buf, 1) {
        0x04 => need(buf, 3, eof, || Op::StatusQuery(at(buf, 2))),
        0x05 => need(buf, 3, eof, || other(buf, 3)),
        0x14 => need(buf, 5, eof, || other(buf, 5)),
        _ if buf.len() < 2 && !eof => Step::Incomplete,
        _ => Step::Op(Op::Unknown(0x10), 1),
    }
}

fn decode_esc(buf: &[u8], eof: bool) -> Step {
    if buf.len() < 2 {
        return need(buf, 2, eof, || Op::Unknown(0x1B));
    }
    match buf[1] {
        0x40 => Step::Op(Op::Init, 2),
        0x45 => need(buf, 3, eof, || Op::Bold(at(buf, 2) & 1 == 1)),
        0x61 => need(buf, 3, eof, || {
            Op::Align(match at(buf, 2) {
                1 | 49 => Align::Center,
                2 | 50 => Align::Right,
                _ => Align::Left,
            })
        }),
        0x64 => need(buf, 3, eof, || Op::Feed(at(buf, 2))),
        0x32 | 0x3C => Step::Op(other(buf, 2), 2),
        0x21 | 0x2D | 0x33 | 0x4D | 0x74 | 0x7B | 0x20 | 0x4A | 0x47 | 0x3D | 0x52 | 0x56
        | 0x63 => need(buf, 3, eof, || other(buf, 3)),
        0x24 | 0x5C => need(buf, 4, eof, || other(buf, 4)),
        0x70 => need(buf, 5, eof, || other(buf, 5)),
        0x2A => {
            if buf.len() < 5 {
                return need(buf, 5, eof, || Op::Unknown(0x1B));
            }
            let n = usize::from(buf[3]) + 256 * usize::from(buf[4]);
            let per = if buf[2] <= 1 { 1 } else { 3 };
            need(buf, 5 + n * per, eof, || other(buf, 5 + n * per))
        }
        _ => Step::Op(other(buf, 2), 2),
    }
}

fn decode_fs(buf: &[u8], eof: bool) -> Step {
    if buf.len() < 2 {
        return need(buf, 2, eof, || Op::Unknown(0x1C));
    }
    match buf[1] {
        0x26 => Step::Op(Op::ChineseMode(true), 2),
        0x2E => Step::Op(Op::ChineseMode(false), 2),
        0x21 | 0x2D | 0x57 | 0x43 => need(buf, 3, eof, || other(buf, 3)),
        0x53 => need(buf, 4, eof, || other(buf, 4)),
        _ => Step::Op(other(buf, 2), 2),
    }
}

fn decode_gs(buf: &[u8], eof: bool) -> Step {
    if buf.len() < 2 {
        return need(buf, 2, eof, || Op::Unknown(0x1D));
    }
    match buf[1] {
        0x21 => need(buf, 3, eof, || {
            let n = at(buf, 2);
            Op::Size {
                width: (n >> 4) + 1,
                height: (n & 0x0F) + 1,
            }
        }),
        0x42 | 0x48 | 0x66 | 0x68 | 0x77 | 0x61 | 0x72 | 0x49 => {
            need(buf, 3, eof, || other(buf, 3))
        }
        0x4C | 0x57 => need(buf, 4, eof, || other(buf, 4)),
        0x56 => {
            if buf.len() < 3 {
                return need(buf, 3, eof, || Op::Unknown(0x1D));
            }
            match buf[2] {
                0 | 48 => Step::Op(Op::Cut { partial: false }, 3),
                1 | 49 => Step::Op(Op::Cut { partial: true }, 3),
                m @ (65 | 97 | 103) => need(buf, 4, eof, || Op::Cut { partial: m == 0 }),
                66 | 98 | 104 => need(buf, 4, eof, || Op::Cut { partial: true }),
                _ => Step::Op(other(buf, 3), 3),
            }
        }
        0x28 => {
            if buf.len() < 5 {
                return need(buf, 5, eof, || Op::Unknown(0x1D));
            }
            let len = 5 + usize::from(buf[3]) + 256 * usize::from(buf[4]);
            need(buf, len, eof, || decode_gs_paren(&buf[..len]))
        }
        0x6B => decode_barcode(buf, eof),
        0x76 => {
            if buf.len() < 8 {
                return need(buf, 8, eof, || Op::Unknown(0x1D));
            }
            let width_bytes = usize::from(buf[4]) + 256 * usize::from(buf[5]);
            let height = usize::from(buf[6]) + 256 * usize::from(buf[7]);
            let len = 8 + width_bytes * height;
            need(buf, len, eof, || Op::Raster {
                width_bytes,
                height,
                data: buf[8..len].to_vec(),
            })
        }
        _ => Step::Op(other(buf, 2), 2),
    }
}

/// GS ( <fn> pL pH ...; only GS ( k (symbols) with cn 49 (QR) is interpreted.
fn decode_gs_paren(cmd: &[u8]) -> Op {
    if cmd[2] != 0x6B || cmd.len() < 7 || cmd[5] != 0x31 {
        return Op::Other(cmd.to_vec());
    }
    match (cmd[6], cmd.get(7).copied()) {
        (0x41, Some(n)) => Op::QrModel(n.saturating_sub(0x30)),
        (0x43, Some(n)) => Op::QrModuleSize(n),
        (0x45, Some(n)) => Op::QrErrorCorrection(n),
        (0x50, Some(_)) => Op::QrStore(cmd[8..].to_vec()),
        (0x51, _) => Op::QrPrint,
        _ => Op::Other(cmd.to_vec()),
    }
}

fn decode_barcode(buf: &[u8], eof: bool) -> Step {
    if buf.len() < 4 {
        return need(buf, 4, eof, || Op::Unknown(0x1D));
    }
    let system = buf[2];
    if system <= 6 {
        // Function A: NUL-terminated data.
        return match buf[3..].iter().position(|&b| b == 0) {
            Some(p) => Step::Op(
                Op::Barcode {
                    system,
                    data: buf[3..3 + p].to_vec(),
                },
                4 + p,
            ),
            None if eof => Step::Op(Op::Truncated(buf.to_vec()), buf.len()),
            None => Step::Incomplete,
        };
    }
    let len = 4 + usize::from(buf[3]);
    need(buf, len, eof, || Op::Barcode {
        system,
        data: buf[4..len].to_vec(),
    })
}

/// Decodes a complete byte stream.
pub fn decode(bytes: &[u8]) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match decode_one(rest, true) {
            Step::Op(op, n) => {
                ops.push(op);
                rest = &rest[n.max(1).min(rest.len())..];
            }
            Step::Incomplete => break,
        }
    }
    ops
}

/// The text from every Text op, concatenated (handy in tests).
pub fn text_of(ops: &[Op]) -> String {
    ops.iter()
        .filter_map(|op| match op {
            Op::Text(t) => Some(t.as_str()),
            Op::LineFeed => Some("\n"),
            _ => None,
        })
        .collect()
}

/// Payloads of the QR codes that were actually printed (store then print).
pub fn qr_payloads(ops: &[Op]) -> Vec<Vec<u8>> {
    let mut stored: Option<&Vec<u8>> = None;
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::QrStore(d) => stored = Some(d),
            Op::QrPrint => out.extend(stored.cloned()),
            _ => {}
        }
    }
    out
}

/// Renders decoded ops as plain text, `columns` wide: alignment applied,
/// sizes widen text, QR codes appear as `[QR: payload]`, cuts as a line.
pub fn render(ops: &[Op], columns: usize) -> String {
    Renderer::new(columns).run(ops)
}

/// Decodes and renders a byte stream.
pub fn render_bytes(bytes: &[u8], columns: usize) -> String {
    render(&decode(bytes), columns)
}

struct Renderer {
    columns: usize,
    out: String,
    line: String,
    used: usize,
    align: Align,
    width: usize,
    qr: Option<Vec<u8>>,
}

impl Renderer {
    fn new(columns: usize) -> Self {
        Self {
            columns,
            out: String::new(),
            line: String::new(),
            used: 0,
            align: Align::Left,
            width: 1,
            qr: None,
        }
    }

    fn run(mut self, ops: &[Op]) -> String {
        for op in ops {
            self.op(op);
        }
        if !self.line.is_empty() {
            self.flush_line();
        }
        self.out
    }

    fn put(&mut self, text: &str) {
        for c in text.chars() {
            let w = char_columns(c, "?") * self.width;
            if self.used + w > self.columns && !self.line.is_empty() {
                self.flush_line();
            }
            self.line.push(c);
            self.used += w;
        }
    }

    fn flush_line(&mut self) {
        let pad = self.columns.saturating_sub(self.used);
        let left = match self.align {
            Align::Left => 0,
            Align::Center => pad / 2,
            Align::Right => pad,
        };
        let line = format!("{}{}", " ".repeat(left), self.line);
        self.out.push_str(line.trim_end());
        self.out.push('\n');
        self.line.clear();
        self.used = 0;
    }

    /// A marker on a line of its own, never wrapped (so payloads stay whole).
    fn block(&mut self, text: &str) {
        if !self.line.is_empty() {
            self.flush_line();
        }
        self.line.push_str(text);
        self.used = text.chars().map(|c| char_columns(c, "?")).sum();
        self.flush_line();
    }

    fn op(&mut self, op: &Op) {
        match op {
            Op::Init => {
                self.align = Align::Left;
                self.width = 1;
            }
            Op::Text(t) => self.put(t),
            Op::Tab => self.put("    "),
            Op::LineFeed => self.flush_line(),
            Op::Feed(n) => {
                if !self.line.is_empty() {
                    self.flush_line();
                }
                for _ in 0..(*n).min(1) {
                    self.out.push('\n');
                }
            }
            Op::Size { width, .. } => self.width = usize::from(*width),
            Op::Align(a) => self.align = *a,
            Op::QrStore(d) => self.qr = Some(d.clone()),
            Op::QrPrint => {
                let payload = self.qr.clone().unwrap_or_default();
                self.block(&format!("[QR: {}]", String::from_utf8_lossy(&payload)));
            }
            Op::Barcode { system, data } => {
                let text = String::from_utf8_lossy(data);
                let label = if *system == 73 || *system == 8 {
                    format!(
                        "[CODE128: {}]",
                        text.trim_start_matches("{B").replace("{{", "{")
                    )
                } else {
                    format!("[BARCODE {system}: {text}]")
                };
                self.block(&label);
            }
            Op::Raster {
                width_bytes,
                height,
                ..
            } => self.block(&format!("[IMAGE {}x{}]", width_bytes * 8, height)),
            Op::Cut { partial } => {
                if !self.line.is_empty() {
                    self.flush_line();
                }
                let label = if *partial { " partial cut " } else { " cut " };
                let side = self.columns.saturating_sub(label.len()) / 2;
                self.out.push_str(&format!(
                    "{}{label}{}\n",
                    "~".repeat(side),
                    "~".repeat(side)
                ));
            }
            Op::Truncated(_) => self.block("[truncated command]"),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::escpos::{Cut, EscPos, PaperWidth, QrOptions};
    use proptest::prelude::*;

    #[test]
    fn decodes_what_the_builder_writes() {
        let mut e = EscPos::new(PaperWidth::Mm58);
        e.align(Align::Center).bold(true).size(2, 2).unwrap();
        e.line("受理").bold(false);
        e.qr("TK:20261122-A023", QrOptions::default()).unwrap();
        e.code128("A{1").unwrap();
        e.cut(Cut::Partial);
        let ops = decode(&e.finish().bytes);
        assert_eq!(ops[0], Op::Init);
        assert_eq!(ops[1], Op::ChineseMode(true));
        assert!(ops.contains(&Op::Align(Align::Center)));
        assert!(ops.contains(&Op::Size {
            width: 2,
            height: 2
        }));
        assert!(ops.contains(&Op::Bold(true)));
        assert!(ops.contains(&Op::Text("受理".into())));
        assert!(ops.contains(&Op::QrModel(2)));
        assert!(ops.contains(&Op::QrModuleSize(6)));
        assert!(ops.contains(&Op::QrErrorCorrection(49)));
        assert_eq!(qr_payloads(&ops), vec![b"TK:20261122-A023".to_vec()]);
        assert!(ops.contains(&Op::Barcode {
            system: 73,
            data: b"{BA{{1".to_vec()
        }));
        assert_eq!(ops.last(), Some(&Op::Cut { partial: true }));
        assert!(!ops
            .iter()
            .any(|o| matches!(o, Op::Unknown(_) | Op::Truncated(_))));
    }

    #[test]
    fn render_centres_and_marks_qr_and_cut() {
        let mut e = EscPos::new(PaperWidth::Mm58);
        e.align(Align::Center).line("取号");
        e.qr("TK:1", QrOptions::default()).unwrap();
        e.code128("AB").unwrap();
        e.cut(Cut::Full);
        let text = render_bytes(&e.finish().bytes, 32);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("{}取号", " ".repeat(14)));
        assert!(text.contains("[QR: TK:1]"), "{text}");
        assert!(text.contains("[CODE128: AB]"), "{text}");
        assert!(text.contains("~ cut ~"), "{text}");
    }

    #[test]
    fn incremental_decoding_waits_for_the_rest_of_a_command() {
        assert_eq!(decode_one(&[0x10, 0x04], false), Step::Incomplete);
        assert_eq!(
            decode_one(&[0x10, 0x04, 0x01], false),
            Step::Op(Op::StatusQuery(1), 3)
        );
        assert_eq!(
            decode_one(&[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31], false),
            Step::Incomplete
        );
        assert_eq!(decode_one(b"abc", false), Step::Incomplete);
        assert_eq!(
            decode_one(b"abc", true),
            Step::Op(Op::Text("abc".into()), 3)
        );
    }

    #[test]
    fn status_query_bytes_inside_qr_data_are_not_queries() {
        let mut cmd = vec![
            0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, 0x10, 0x04, 0x01,
        ];
        cmd.extend([0x0A]);
        let ops = decode(&cmd);
        assert_eq!(ops[0], Op::QrStore(vec![0x10, 0x04, 0x01]));
        assert!(!ops.contains(&Op::StatusQuery(1)));
    }

    proptest! {
        #[test]
        fn decoder_never_panics_and_always_makes_progress(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let ops = decode(&bytes);
            // Every op consumes at least one byte, so garbage can't loop forever.
            prop_assert!(ops.len() <= bytes.len());
            prop_assert_eq!(ops.is_empty(), bytes.is_empty());
            let _ = render(&ops, 32);
        }

        #[test]
        fn incremental_and_whole_decoding_agree(
            bytes in proptest::collection::vec(prop_oneof![any::<u8>(), Just(0x1D), Just(0x1B), Just(0x0A)], 0..200),
            cut in any::<usize>(),
        ) {
            // Feed in two parts as a serial stream would arrive.
            let split = cut % (bytes.len() + 1);
            let mut buf = bytes[..split].to_vec();
            let mut ops = Vec::new();
            while let Step::Op(op, n) = decode_one(&buf, false) {
                ops.push(op);
                buf.drain(..n);
            }
            buf.extend_from_slice(&bytes[split..]);
            ops.extend(decode(&buf));
            prop_assert_eq!(ops, decode(&bytes));
        }
    }
}

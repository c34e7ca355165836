//! ESC/POS command builder for 58 mm and 80 mm receipt printers.

use qrcode::{EcLevel, QrCode};

use super::text::{encode_text, text_columns, wrap};

/// Paper width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperWidth {
    Mm58,
    #[default]
    Mm80,
}

impl PaperWidth {
    /// Characters per line at normal size (a CJK character takes two).
    pub fn columns(self) -> usize {
        match self {
            Self::Mm58 => 32,
            Self::Mm80 => 48,
        }
    }

    /// Printable dots per line (203 dpi heads).
    pub fn dots(self) -> usize {
        match self {
            Self::Mm58 => 384,
            Self::Mm80 => 576,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// QR error correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QrEc {
    L,
    #[default]
    M,
    Q,
    H,
}

impl QrEc {
    fn level(self) -> EcLevel {
        match self {
            Self::L => EcLevel::L,
            Self::M => EcLevel::M,
            Self::Q => EcLevel::Q,
            Self::H => EcLevel::H,
        }
    }

    /// The `n` of GS ( k function 169.
    pub fn escpos(self) -> u8 {
        match self {
            Self::L => 48,
            Self::M => 49,
            Self::Q => 50,
            Self::H => 51,
        }
    }
}

/// QR code appearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrOptions {
    /// Module size in dots, 1–16.
    pub module_size: u8,
    pub ec: QrEc,
}

impl Default for QrOptions {
    fn default() -> Self {
        Self {
            module_size: 6,
            ec: QrEc::M,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    Full,
    Partial,
}

/// Content the encoder refuses to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("QR payload must be printable ASCII")]
    QrNotAscii,
    #[error("QR payload is empty")]
    QrEmpty,
    #[error("QR payload of {0} bytes does not fit in a QR code")]
    QrTooLong(usize),
    #[error("QR code needs {needed} dots but the paper has {available}")]
    QrTooWide { needed: usize, available: usize },
    #[error("QR module size {0} is outside 1–16")]
    QrModuleSize(u8),
    #[error("Code 128 data must be 1–253 printable ASCII characters")]
    BarcodeData,
    #[error("character size {0}×{1} is outside 1–8")]
    Size(u8, u8),
}

/// An encoded print job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintJob {
    pub bytes: Vec<u8>,
    /// Characters that were printed as the fallback because the printer's
    /// GBK font lacks them; show the operator so names can be checked.
    pub replaced: Vec<char>,
}

impl PrintJob {
    pub fn fallback_used(&self) -> bool {
        !self.replaced.is_empty()
    }
}

/// Builds an ESC/POS byte stream. Starts with init and Chinese mode on.
#[derive(Debug, Clone)]
pub struct EscPos {
    buf: Vec<u8>,
    paper: PaperWidth,
    fallback: String,
    replaced: Vec<char>,
    width_mul: u8,
}

impl EscPos {
    pub fn new(paper: PaperWidth) -> Self {
        let mut e = Self {
            buf: Vec::new(),
            paper,
            fallback: "?".into(),
            replaced: Vec::new(),
            width_mul: 1,
        };
        e.init().chinese(true);
        e
    }

    /// Replacement text for characters outside GBK (default `?`).
    pub fn fallback(&mut self, fallback: &str) -> &mut Self {
        self.fallback = fallback.into();
        self
    }

    pub fn paper(&self) -> PaperWidth {
        self.paper
    }

    /// Columns available at the current character width.
    pub fn columns(&self) -> usize {
        self.paper.columns() / usize::from(self.width_mul.max(1))
    }

    /// Appends raw bytes (escape hatch for printer-specific commands).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// ESC @: reset the printer's modes.
    pub fn init(&mut self) -> &mut Self {
        self.width_mul = 1;
        self.raw(&[0x1B, 0x40])
    }

    /// FS & / FS .: double-byte (GBK) character mode on or off.
    pub fn chinese(&mut self, on: bool) -> &mut Self {
        self.raw(&[0x1C, if on { 0x26 } else { 0x2E }])
    }

    /// Text without a line break; `\n` in `s` becomes a line feed.
    pub fn text(&mut self, s: &str) -> &mut Self {
        for (i, part) in s.split('\n').enumerate() {
            if i > 0 {
                self.buf.push(0x0A);
            }
            let enc = encode_text(part, &self.fallback);
            self.buf.extend(enc.bytes);
            self.replaced.extend(enc.replaced);
        }
        self
    }

    /// Text followed by a line feed.
    pub fn line(&mut self, s: &str) -> &mut Self {
        self.text(s).newline()
    }

    /// Text wrapped to the current width, one line feed per line.
    pub fn wrapped(&mut self, s: &str) -> &mut Self {
        for l in wrap(s, self.columns(), &self.fallback) {
            self.line(&l);
        }
        self
    }

    /// `key：value`, wrapped with continuation lines indented under the value.
    pub fn field(&mut self, key: &str, value: &str) -> &mut Self {
        self.hanging(&format!("{key}："), value)
    }

    /// `head` then `text`, wrapped so continuation lines start under `text`.
    pub fn hanging(&mut self, head: &str, text: &str) -> &mut Self {
        let indent = text_columns(head, &self.fallback);
        let cols = self.columns();
        if indent + 4 > cols {
            return self.wrapped(&format!("{head}{text}"));
        }
        let lines = wrap(text, cols - indent, &self.fallback);
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                self.text(head);
            } else {
                self.text(&" ".repeat(indent));
            }
            self.line(l);
        }
        self
    }

    pub fn newline(&mut self) -> &mut Self {
        self.raw(&[0x0A])
    }

    /// ESC d n: print and feed `n` lines.
    pub fn feed(&mut self, n: u8) -> &mut Self {
        self.raw(&[0x1B, 0x64, n])
    }

    /// GS ! n: character width and height multipliers, 1–8.
    pub fn size(&mut self, width: u8, height: u8) -> Result<&mut Self, EncodeError> {
        if !(1..=8).contains(&width) || !(1..=8).contains(&height) {
            return Err(EncodeError::Size(width, height));
        }
        self.width_mul = width;
        Ok(self.raw(&[0x1D, 0x21, ((width - 1) << 4) | (height - 1)]))
    }

    /// ESC E n.
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.raw(&[0x1B, 0x45, u8::from(on)])
    }

    /// ESC a n.
    pub fn align(&mut self, align: Align) -> &mut Self {
        let n = match align {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        };
        self.raw(&[0x1B, 0x61, n])
    }

    /// A full-width line of `-`.
    pub fn rule(&mut self) -> &mut Self {
        let dashes = "-".repeat(self.columns());
        self.line(&dashes)
    }

    /// Native QR code (GS ( k, model 2). The payload must be printable ASCII
    /// (scanners and printers disagree about anything else).
    pub fn qr(&mut self, payload: &str, opts: QrOptions) -> Result<&mut Self, EncodeError> {
        check_qr(payload, opts, self.paper)?;
        let data = payload.as_bytes();
        let store_len = data.len() + 3;
        let [pl, ph] = u16::try_from(store_len)
            .map_err(|_| EncodeError::QrTooLong(data.len()))?
            .to_le_bytes();
        // fn 165: model 2.
        self.raw(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
        // fn 167: module size.
        self.raw(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, opts.module_size]);
        // fn 169: error correction.
        self.raw(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, opts.ec.escpos()]);
        // fn 180: store data.
        self.raw(&[0x1D, 0x28, 0x6B, pl, ph, 0x31, 0x50, 0x30]);
        self.raw(data);
        // fn 181: print.
        Ok(self.raw(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]))
    }

    /// QR code sent as a raster image (GS v 0), for printers without native
    /// QR support. Same payload rules as [`EscPos::qr`]; 4-module quiet zone.
    pub fn qr_raster(&mut self, payload: &str, opts: QrOptions) -> Result<&mut Self, EncodeError> {
        let code = check_qr(payload, opts, self.paper)?;
        let m = usize::from(opts.module_size);
        let quiet = 4;
        let modules = code.width() + 2 * quiet;
        let dots = modules * m;
        let width_bytes = dots.div_ceil(8);
        let colors = code.to_colors();
        let mut image = vec![0u8; width_bytes * dots];
        for y in 0..dots {
            for x in 0..dots {
                let (mx, my) = (x / m, y / m);
                let dark = mx >= quiet
                    && my >= quiet
                    && mx < quiet + code.width()
                    && my < quiet + code.width()
                    && colors[(my - quiet) * code.width() + (mx - quiet)] == qrcode::Color::Dark;
                if dark {
                    image[y * width_bytes + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        let too_big = |_| EncodeError::QrTooLong(payload.len());
        let [xl, xh] = u16::try_from(width_bytes).map_err(too_big)?.to_le_bytes();
        let [yl, yh] = u16::try_from(dots).map_err(too_big)?.to_le_bytes();
        self.raw(&[0x1D, 0x76, 0x30, 0x00, xl, xh, yl, yh]);
        Ok(self.raw(&image))
    }

    /// Code 128 (GS k 73) using code set B, with the text printed below.
    pub fn code128(&mut self, data: &str) -> Result<&mut Self, EncodeError> {
        if data.is_empty() || !data.bytes().all(|b| (0x20..0x7F).contains(&b)) {
            return Err(EncodeError::BarcodeData);
        }
        let mut body = b"{B".to_vec();
        for b in data.bytes() {
            // '{' introduces a code-set switch, so a literal one is doubled.
            if b == b'{' {
                body.push(b'{');
            }
            body.push(b);
        }
        let n = u8::try_from(body.len()).map_err(|_| EncodeError::BarcodeData)?;
        self.raw(&[0x1D, 0x48, 0x02]); // HRI below
        self.raw(&[0x1D, 0x68, 80]); // height in dots
        self.raw(&[0x1D, 0x77, 2]); // module width
        self.raw(&[0x1D, 0x6B, 0x49, n]);
        Ok(self.raw(&body))
    }

    /// Feeds past the tear bar and cuts.
    pub fn cut(&mut self, cut: Cut) -> &mut Self {
        self.feed(4);
        self.raw(&[
            0x1D,
            0x56,
            match cut {
                Cut::Full => 0x00,
                Cut::Partial => 0x01,
            },
        ])
    }

    pub fn finish(self) -> PrintJob {
        PrintJob {
            bytes: self.buf,
            replaced: self.replaced,
        }
    }
}

/// Builds the QR matrix for `payload`, checking what the printer needs.
pub fn check_qr(payload: &str, opts: QrOptions, paper: PaperWidth) -> Result<QrCode, EncodeError> {
    if payload.is_empty() {
        return Err(EncodeError::QrEmpty);
    }
    if !payload.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return Err(EncodeError::QrNotAscii);
    }
    if !(1..=16).contains(&opts.module_size) {
        return Err(EncodeError::QrModuleSize(opts.module_size));
    }
    let code = QrCode::with_error_correction_level(payload.as_bytes(), opts.ec.level())
        .map_err(|_| EncodeError::QrTooLong(payload.len()))?;
    let needed = code.width() * usize::from(opts.module_size);
    if needed > paper.dots() {
        return Err(EncodeError::QrTooWide {
            needed,
            available: paper.dots(),
        });
    }
    Ok(code)
}

/// The largest module size up to `preferred` at which `payload` fits the paper.
pub fn fit_module_size(payload: &str, ec: QrEc, paper: PaperWidth, preferred: u8) -> u8 {
    let Ok(code) = QrCode::with_error_correction_level(payload.as_bytes(), ec.level()) else {
        return preferred;
    };
    // Leave room for the quiet zone as well.
    let per_module = paper.dots() / (code.width() + 8);
    u8::try_from(per_module)
        .unwrap_or(u8::MAX)
        .clamp(1, preferred.max(1))
}

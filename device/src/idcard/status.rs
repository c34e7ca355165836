//! The reader's own status byte (SW3) of every reply, as listed in the SAM
//! interface description.

/// SW3 values a reader sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `90`: done.
    Ok,
    /// `9F`: a card was found (reply to find card).
    CardFound,
    /// `80`: no card in the field.
    NoCard,
    /// `81`: the card found could not be selected.
    SelectFailed,
    /// `41`: reading the card failed (moved away mid-read, usually).
    ReadFailed,
    /// `10`: the reader got a frame with a bad checksum from us.
    HostChecksum,
    /// `11`: the reader got a frame with a bad length from us.
    HostLength,
    /// `21`: the reader did not understand the command.
    HostCommand,
    /// `31`/`32`: card and SAM failed to authenticate each other.
    AuthFailed,
    /// `33`: the card's data failed verification.
    VerifyFailed,
    /// `40`: not a resident ID card.
    WrongCard,
    /// `60`: the SAM failed its self-check; it accepts no commands.
    SamFault,
    /// `66`: the SAM is not authorised.
    SamUnauthorised,
    /// Anything else.
    Other(u8),
}

impl Status {
    #[must_use]
    pub fn from_byte(b: u8) -> Self {
        match b {
            0x90 => Self::Ok,
            0x9F => Self::CardFound,
            0x80 => Self::NoCard,
            0x81 => Self::SelectFailed,
            0x41 => Self::ReadFailed,
            0x10 => Self::HostChecksum,
            0x11 => Self::HostLength,
            0x21 => Self::HostCommand,
            0x31 | 0x32 => Self::AuthFailed,
            0x33 => Self::VerifyFailed,
            0x40 => Self::WrongCard,
            0x60 => Self::SamFault,
            0x66 => Self::SamUnauthorised,
            other => Self::Other(other),
        }
    }

    #[must_use]
    pub fn byte(self) -> u8 {
        match self {
            Self::Ok => 0x90,
            Self::CardFound => 0x9F,
            Self::NoCard => 0x80,
            Self::SelectFailed => 0x81,
            Self::ReadFailed => 0x41,
            Self::HostChecksum => 0x10,
            Self::HostLength => 0x11,
            Self::HostCommand => 0x21,
            Self::AuthFailed => 0x31,
            Self::VerifyFailed => 0x33,
            Self::WrongCard => 0x40,
            Self::SamFault => 0x60,
            Self::SamUnauthorised => 0x66,
            Self::Other(b) => b,
        }
    }

    /// The reader itself is unusable until serviced (not a card problem).
    #[must_use]
    pub fn is_reader_fault(self) -> bool {
        matches!(self, Self::SamFault | Self::SamUnauthorised)
    }

    #[must_use]
    pub fn zh(self) -> String {
        match self {
            Self::Ok => "操作成功".into(),
            Self::CardFound => "找到身份证".into(),
            Self::NoCard => "未放置身份证".into(),
            Self::SelectFailed => "选取身份证失败".into(),
            Self::ReadFailed => "读身份证失败，请重新放置".into(),
            Self::HostChecksum => "阅读器收到的数据校验错误".into(),
            Self::HostLength => "阅读器收到的数据长度错误".into(),
            Self::HostCommand => "阅读器不识别该命令".into(),
            Self::AuthFailed => "身份证与阅读器认证失败".into(),
            Self::VerifyFailed => "证件信息验证错误".into(),
            Self::WrongCard => "不是居民身份证".into(),
            Self::SamFault => "阅读器安全模块自检失败".into(),
            Self::SamUnauthorised => "阅读器未经授权".into(),
            Self::Other(b) => format!("阅读器状态码 {b:02X}"),
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let en = match self {
            Self::Ok => "ok",
            Self::CardFound => "card found",
            Self::NoCard => "no card",
            Self::SelectFailed => "card could not be selected",
            Self::ReadFailed => "card read failed; place it again",
            Self::HostChecksum => "reader got a bad checksum",
            Self::HostLength => "reader got a bad length",
            Self::HostCommand => "reader does not know the command",
            Self::AuthFailed => "card/SAM authentication failed",
            Self::VerifyFailed => "card data failed verification",
            Self::WrongCard => "not a resident ID card",
            Self::SamFault => "SAM self-check failed",
            Self::SamUnauthorised => "SAM not authorised",
            Self::Other(b) => return write!(f, "reader status {b:02X}"),
        };
        write!(f, "{en} ({:02X})", self.byte())
    }
}

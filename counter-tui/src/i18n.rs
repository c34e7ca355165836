//! Screen language (zh-CN by default, English on request) and the labels shared by the views.

use device::printer::{PrinterError, PrinterFault};
use queue_core::intake::{CaseState, MaterialStatus};
use queue_core::queue::{Channel, TicketState, WindowState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    #[must_use]
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }

    #[must_use]
    pub fn toggle(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }
}

#[must_use]
pub fn channel(lang: Lang, c: Channel) -> &'static str {
    match c {
        Channel::WalkIn => lang.pick("普通", "walk-in"),
        Channel::Green => lang.pick("绿色通道", "green channel"),
        Channel::Urgent => lang.pick("急事急办", "urgent"),
        Channel::Appointment => lang.pick("预约", "appointment"),
    }
}

#[must_use]
pub fn ticket_state(lang: Lang, s: TicketState) -> &'static str {
    match s {
        TicketState::Waiting => lang.pick("等候中", "waiting"),
        TicketState::Called => lang.pick("已叫号", "called"),
        TicketState::Serving => lang.pick("办理中", "serving"),
        TicketState::Done => lang.pick("已办结", "done"),
        TicketState::NoShow => lang.pick("过号", "no-show"),
        TicketState::Cancelled => lang.pick("已取消", "cancelled"),
        TicketState::Transferred => lang.pick("已转移", "transferred"),
    }
}

#[must_use]
pub fn window_state(lang: Lang, s: WindowState) -> &'static str {
    match s {
        WindowState::Open => lang.pick("开放", "open"),
        WindowState::Paused => lang.pick("暂停", "paused"),
        WindowState::Closed => lang.pick("关闭", "closed"),
    }
}

#[must_use]
pub fn material_status(lang: Lang, s: MaterialStatus) -> &'static str {
    match s {
        MaterialStatus::Pending => lang.pick("待核验", "pending"),
        MaterialStatus::Submitted => lang.pick("已提交", "submitted"),
        MaterialStatus::Missing => lang.pick("缺少", "missing"),
        MaterialStatus::Nonconforming => lang.pick("不符合要求", "nonconforming"),
        MaterialStatus::CorrectedOnSpot => lang.pick("当场更正", "corrected"),
        MaterialStatus::Tolerated => lang.pick("容缺后补", "tolerated"),
        MaterialStatus::Committed => lang.pick("告知承诺", "commitment"),
        MaterialStatus::Shared => lang.pick("数据共享免交", "shared data"),
    }
}

#[must_use]
pub fn case_state(lang: Lang, s: CaseState) -> &'static str {
    match s {
        CaseState::Open => lang.pick("收件审查中", "checking materials"),
        CaseState::NoticeIssued => lang.pick("已一次性告知补正", "correction notice issued"),
        CaseState::NoticeDue => lang.pick(
            "收件审查中（已出收件回执）",
            "taken in for review (receipt issued)",
        ),
        CaseState::Accepted => lang.pick("已受理", "accepted"),
        CaseState::DeemedAccepted => lang.pick("视为受理", "deemed accepted"),
        CaseState::Rejected => lang.pick("不予受理", "rejected"),
        CaseState::Refused => lang.pick("不予许可", "refused after review"),
        CaseState::Completed => lang.pick("已办结", "completed"),
    }
}

/// A printer problem as staff should read it.
#[must_use]
pub fn printer_error(lang: Lang, e: &PrinterError) -> String {
    match e {
        PrinterError::Fault(f) => printer_fault(lang, *f).to_string(),
        PrinterError::NoAnswer => lang.pick("打印机无响应", "printer not answering").into(),
        PrinterError::Open { path, .. } => match lang {
            Lang::Zh => format!("打印机端口 {path} 无法打开"),
            Lang::En => format!("cannot open printer port {path}"),
        },
        PrinterError::Io(m) => match lang {
            Lang::Zh => format!("打印机通信错误 {m}"),
            Lang::En => format!("printer I/O error {m}"),
        },
    }
}

#[must_use]
pub fn printer_fault(lang: Lang, f: PrinterFault) -> &'static str {
    match f {
        PrinterFault::PaperOut => lang.pick("打印机缺纸", "printer out of paper"),
        PrinterFault::CoverOpen => lang.pick("打印机盖未合上", "printer cover open"),
        PrinterFault::Error => lang.pick("打印机故障（切刀/机构）", "printer error (cutter)"),
        PrinterFault::Offline => lang.pick("打印机离线", "printer offline"),
    }
}

/// "12分" / "12 min"; hours when long.
#[must_use]
pub fn duration(lang: Lang, seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    match (lang, h) {
        (Lang::Zh, 0) if m == 0 => format!("{sec}秒"),
        (Lang::Zh, 0) => format!("{m}分"),
        (Lang::Zh, _) => format!("{h}时{m:02}分"),
        (Lang::En, 0) if m == 0 => format!("{sec} s"),
        (Lang::En, 0) => format!("{m} min"),
        (Lang::En, _) => format!("{h} h {m:02} min"),
    }
}

/// "约 10–20 分钟" / "about 10–20 min".
#[must_use]
pub fn wait_range(lang: Lang, low: u32, high: u32) -> String {
    let (lo, hi) = (low.min(high), low.max(high));
    match (lang, lo == hi) {
        (Lang::Zh, true) => format!("约 {lo} 分钟"),
        (Lang::Zh, false) => format!("约 {lo}–{hi} 分钟"),
        (Lang::En, true) => format!("about {lo} min"),
        (Lang::En, false) => format!("about {lo}–{hi} min"),
    }
}

/// Compact "9–26分" / "9–26 min" for narrow panels.
#[must_use]
pub fn wait_short(lang: Lang, low: u32, high: u32) -> String {
    let (lo, hi) = (low.min(high), low.max(high));
    match (lang, lo == hi) {
        (Lang::Zh, true) => format!("{lo}分"),
        (Lang::Zh, false) => format!("{lo}–{hi}分"),
        (Lang::En, true) => format!("{lo} min"),
        (Lang::En, false) => format!("{lo}–{hi} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Lang::Zh, 45), "45秒");
        assert_eq!(duration(Lang::Zh, 754), "12分");
        assert_eq!(duration(Lang::En, 3_900), "1 h 05 min");
        assert_eq!(wait_range(Lang::Zh, 20, 10), "约 10–20 分钟");
    }
}

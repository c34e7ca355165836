//! F1 / `?`: every key, in the order of the work.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, key_style};
use crate::i18n::Lang;
use crate::keys::{BINDINGS, CASE_KEYS};

pub fn render(lang: Lang, f: &mut Frame, area: Rect) {
    let r = centered(area, 78, 22);
    let mut lines = vec![Line::from(Span::styled(
        lang.pick("窗口按键（任意键关闭）", "Counter keys (any key closes)"),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    // Two bindings a line: the whole map fits an 80×24 screen.
    for pair in BINDINGS.chunks(2) {
        let mut row = Vec::new();
        for (i, b) in pair.iter().enumerate() {
            let label = lang.pick(b.zh, b.en);
            let pad = if i == 0 {
                28usize.saturating_sub(unicode_width::UnicodeWidthStr::width(label))
            } else {
                0
            };
            row.push(Span::styled(format!(" {:<7}", b.key), key_style()));
            row.push(Span::raw(format!(" {label}{}", " ".repeat(pad))));
        }
        lines.push(Line::from(row));
    }
    lines.push(Line::from(Span::styled(
        lang.pick(
            "受理面板（核对材料时）",
            "Intake panel (checking materials)",
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )));
    let mut row = Vec::new();
    for (k, zh, en) in CASE_KEYS {
        row.push(Span::styled(format!(" {k} "), key_style()));
        row.push(Span::raw(format!(" {} ", lang.pick(zh, en))));
    }
    lines.push(Line::from(row));
    lines.push(Line::from(Span::styled(
        lang.pick(
            "扫码：号票 TK: 打开号码菜单；身份证/信用代码填入申请人；预约码自动签到。",
            "Scans: a TK: ticket opens its menu; an ID or credit code fills the applicant; an appointment code checks in.",
        ),
        Style::default().fg(Color::Gray),
    )));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(lang.pick(" 帮助 F1 ", " Help F1 "))),
        r,
    );
}

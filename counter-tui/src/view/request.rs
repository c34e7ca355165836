//! The 办不成事 / complaint form (Ctrl+R): category, applicant, matter, item; Chinese first.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, key_style};
use crate::i18n::Lang;
use crate::redress::{shown, Field, RequestForm};
use queue_core::redress::RequestCategory;

pub fn render(l: Lang, form: &RequestForm, window: u32, f: &mut Frame, area: Rect) {
    let mut cats = vec![Span::raw(l.pick("类别：", "Kind: ").to_string())];
    for c in RequestCategory::ALL {
        let label = l.pick(c.label_zh(), c.label_en());
        let style = if c == form.category {
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        cats.push(Span::styled(format!(" {label} "), style));
        cats.push(Span::raw(" "));
    }
    let mut lines = vec![
        Line::from(format!(
            "{} {window} {}",
            l.pick("首问窗口：", "First responder: window"),
            l.pick("号（本窗口负责跟踪并答复）", "(this window answers for it)")
        )),
        Line::from(cats),
        Line::from(""),
    ];
    for field in [Field::Name, Field::IdNumber, Field::Matter, Field::Item] {
        let active = form.field == field;
        let text = shown(form, field);
        let value = if active {
            Span::styled(
                format!("{text}▏"),
                Style::default().fg(Color::Black).bg(Color::Yellow),
            )
        } else {
            Span::raw(text)
        };
        let marker = if active { "▶ " } else { "  " };
        lines.push(Line::from(vec![
            Span::raw(format!("{marker}{}：", field.label(l))),
            value,
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(" ←→ ", key_style()),
        Span::raw(l.pick(" 类别  ", " kind  ").to_string()),
        Span::styled(" Tab ↑↓ ", key_style()),
        Span::raw(l.pick(" 换栏  ", " field  ").to_string()),
        Span::styled(" Enter ", key_style()),
        Span::raw(
            l.pick(" 登记并打印回执  ", " record + print slip  ")
                .to_string(),
        ),
        Span::styled(" Esc ", key_style()),
        Span::raw(l.pick(" 取消", " cancel").to_string()),
    ]));
    let r = centered(area, 76, 14);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_type(BorderType::Double)
                .border_style(Style::default().fg(Color::Cyan))
                .title(Span::styled(
                    l.pick(
                        " 办不成事/投诉登记 Ctrl+R ",
                        " Cannot-do / complaint Ctrl+R ",
                    ),
                    Style::default().add_modifier(Modifier::BOLD),
                )),
        ),
        r,
    );
}

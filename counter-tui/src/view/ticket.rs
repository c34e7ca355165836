//! The ticket at this window: number, channel badge, state, waited, calls.

use queue_core::queue::{Channel, WindowState};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::panel;
use crate::app::{App, Focus};
use crate::i18n;

pub fn badge_style(c: Channel) -> Style {
    let bg = match c {
        Channel::WalkIn => Color::Gray,
        Channel::Green => Color::Green,
        Channel::Urgent => Color::Red,
        Channel::Appointment => Color::Blue,
    };
    Style::default()
        .fg(Color::Black)
        .bg(bg)
        .add_modifier(Modifier::BOLD)
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let block = panel(
        l.pick("当前号", "Current ticket"),
        app.focus == Focus::Counter,
    );
    let mut lines = Vec::new();
    match app.current_ticket() {
        Some(t) => {
            let spaced: String = t.number.chars().flat_map(|c| [c, ' ']).collect();
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", spaced.trim_end()),
                    Style::default()
                        .fg(Color::Yellow)
                        .add_modifier(Modifier::BOLD | Modifier::REVERSED),
                ),
                Span::raw(" "),
                Span::styled(
                    format!(" {} ", i18n::channel(l, t.channel)),
                    badge_style(t.channel),
                ),
                Span::raw(if t.returning {
                    l.pick(" 补正回访", " returning")
                } else {
                    ""
                }),
            ]));
            lines.push(Line::from(format!(
                "{} {} · {} {}",
                l.pick("状态", "state"),
                i18n::ticket_state(l, t.state),
                l.pick("呼叫", "calls"),
                t.calls
            )));
            lines.push(Line::from(format!(
                "{} {} · {} {}",
                l.pick("等候", "waited"),
                i18n::duration(l, t.waited_seconds(app.now)),
                l.pick("取号", "issued"),
                t.issued_at.format("%H:%M")
            )));
        }
        None => {
            lines.push(Line::from(Span::styled(
                l.pick("空闲 — 按 F2 叫号", "idle — press F2 to call"),
                Style::default().fg(Color::DarkGray),
            )));
        }
    }
    let ws = app.window_state();
    let (txt, color) = match ws {
        Some(WindowState::Paused) => (
            l.pick("窗口暂停（F8 恢复）", "window paused (F8 resumes)"),
            Color::Red,
        ),
        Some(s) => (i18n::window_state(l, s), Color::Green),
        None => (
            l.pick("等待大厅数据…", "waiting for the hall…"),
            Color::DarkGray,
        ),
    };
    lines.push(Line::from(vec![
        Span::raw(format!("{} ", l.pick("窗口", "window"))),
        Span::styled(txt, Style::default().fg(color)),
    ]));
    f.render_widget(Paragraph::new(lines).block(block), area);
}

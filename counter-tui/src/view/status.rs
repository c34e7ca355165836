//! The bottom two lines: the latest message (or the offline banner) and the key hints.

use dashboard::client::Link;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::key_style;
use crate::app::App;
use crate::msg::Level;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let [msg, hints] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let offline = match &app.link {
        Link::Offline(why) => Some(format!(
            "{} ({why})",
            l.pick(
                "与大厅的连接已断开，正在自动重连；已输入的内容不会丢失",
                "hall connection lost, reconnecting; nothing typed is lost"
            )
        )),
        Link::Refused(why) => Some(format!(
            "{} {why}",
            l.pick(
                "大厅拒绝了令牌，请检查 --token：",
                "the hall refused the token; check --token:"
            )
        )),
        // Said until it is over: nothing typed now can be saved by the hall.
        _ => app
            .hall
            .storage
            .as_ref()
            .filter(|t| t.failing)
            .map(|t| l.pick(&t.message, &t.message_en).to_string()),
    };
    let line = match (&app.notice, offline) {
        (_, Some(o)) => Line::from(Span::styled(
            o,
            Style::default().fg(Color::White).bg(Color::Red),
        )),
        (Some(n), None) => {
            let style = match n.level {
                Level::Info => Style::default().fg(Color::Cyan),
                Level::Success => Style::default().fg(Color::Green),
                Level::Warning => Style::default().fg(Color::Yellow),
                Level::Error => Style::default().fg(Color::White).bg(Color::Red),
            };
            Line::from(Span::styled(n.text.clone(), style))
        }
        (None, None) => Line::from(Span::styled(
            l.pick("就绪", "ready"),
            Style::default().fg(Color::DarkGray),
        )),
    };
    f.render_widget(Paragraph::new(line), msg);
    let gap = if hints.width >= 100 { " " } else { "" };
    let mut spans = Vec::new();
    for (key, zh, en) in HINTS {
        spans.push(Span::styled(key.to_string(), key_style()));
        spans.push(Span::raw(format!("{}{gap}", l.pick(zh, en))));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), hints);
}

/// The hint line: every F-key with a one-word label (F1 lists everything).
const HINTS: &[(&str, &str, &str)] = &[
    ("F1", "帮助", "help"),
    ("F2", "叫号", "call"),
    ("F3", "重呼", "recall"),
    ("F4", "过号", "no-show"),
    ("F5", "开始", "start"),
    ("F6", "办结", "finish"),
    ("F7", "转移", "move"),
    ("F8", "暂停", "pause"),
    ("F9", "受理", "intake"),
    ("F10", "打印", "print"),
    ("F11", "查号", "ticket"),
    ("F12", "EN", "中文"),
];

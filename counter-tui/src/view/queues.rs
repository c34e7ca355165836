//! The queues this window serves, who is next, and what the printer printed last.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::panel;
use super::ticket::badge_style;
use crate::app::App;
use crate::i18n::{self, Lang};

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let block = panel(l.pick("本窗口队列", "Queues here"), false);
    let wide = area.width >= 62;
    let mut lines = Vec::new();
    for code in app.my_queues() {
        let Some(q) = app.hall.queue(&code) else {
            continue;
        };
        let name = match l {
            Lang::Zh => q.name.as_str(),
            Lang::En if !q.name_en.is_empty() => q.name_en.as_str(),
            Lang::En => q.name.as_str(),
        };
        let head = vec![
            Span::styled(
                format!("{} ", q.code),
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("{name} ")),
            Span::styled(
                match l {
                    Lang::Zh => format!("{} 人等候", q.waiting),
                    Lang::En => format!("{} waiting", q.waiting),
                },
                Style::default().add_modifier(Modifier::BOLD),
            ),
        ];
        let est = q.estimated_wait.map_or_else(
            || l.pick("预计 —", "est. —").to_string(),
            |w| {
                format!(
                    "{} {}",
                    l.pick("预计", "est."),
                    i18n::wait_short(l, w.low_minutes, w.high_minutes)
                )
            },
        );
        let detail = format!(
            "{}{} · {est}",
            l.pick("最长", "longest "),
            i18n::duration(l, q.longest_wait_seconds)
        );
        if wide {
            let mut s = head;
            s.push(Span::styled(
                format!(" · {detail}"),
                Style::default().fg(Color::Gray),
            ));
            lines.push(Line::from(s));
        } else {
            lines.push(Line::from(head));
            lines.push(Line::from(Span::styled(
                format!("  {detail}"),
                Style::default().fg(Color::Gray),
            )));
        }
    }
    let waiting = app.waiting_here();
    if !waiting.is_empty() {
        lines.push(Line::from(Span::styled(
            l.pick("即将叫到：", "next up:"),
            Style::default().fg(Color::DarkGray),
        )));
        for t in waiting
            .iter()
            .take(usize::from(area.height.saturating_sub(2)))
        {
            lines.push(Line::from(vec![
                Span::raw(format!(" {:<6}", t.number)),
                Span::styled(
                    format!(" {} ", i18n::channel(l, t.channel)),
                    badge_style(t.channel),
                ),
                Span::raw(format!(" {}", i18n::duration(l, t.waited_seconds(app.now)))),
            ]));
        }
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// The last printed slip, as text (what the simulated printer put on paper).
pub fn render_printout(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let (title, text) = match &app.printer.last {
        Some((label, text)) => (
            format!("{} {label}", l.pick("最近打印", "last printed")),
            text.as_str(),
        ),
        None => (l.pick("最近打印", "last printed").to_string(), ""),
    };
    let block = panel(&title, false);
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(block),
        area,
    );
}

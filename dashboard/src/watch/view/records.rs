//! The follow-ups and requests panel: bad ratings and 办不成事/complaints still open.

use queue_core::redress::Urgency;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::watch::app::{App, Panel};

/// Bad-rating follow-ups and 办不成事/complaint records still open: overdue first.
pub fn render_records(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let title = l.pick("差评回访与诉求", "Follow-ups & requests");
    let block = super::panel_block(app, Panel::Records, title);
    let records = app
        .hall
        .as_ref()
        .map(|h| h.records_by_urgency())
        .unwrap_or_default();
    if records.is_empty() {
        f.render_widget(
            Paragraph::new(l.pick("无待办记录", "nothing open")).block(block),
            area,
        );
        return;
    }
    let rows: Vec<Row> = records
        .iter()
        .map(|(r, u)| {
            let (mark, style) = match u {
                Urgency::Overdue => (l.pick("超期", "late"), Style::default().fg(Color::Red)),
                Urgency::DueSoon => (l.pick("将到期", "due"), Style::default().fg(Color::Yellow)),
                Urgency::Open => ("", Style::default()),
            };
            let kind = r.category.map_or(l.pick("差评回访", "follow-up"), |c| {
                l.pick(c.label_zh(), c.label_en())
            });
            // The serial without the centre code: unique within the centre.
            let id = r.id.split_once('-').map_or(r.id.as_str(), |(_, rest)| rest);
            Row::new(vec![
                Cell::from(mark),
                Cell::from(id.to_string()),
                Cell::from(kind),
                Cell::from(l.record_state(&r.state)),
                Cell::from(r.deadline.due_on.format("%m-%d").to_string()),
                Cell::from(r.who.clone()),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(6),
        Constraint::Length(13),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Fill(1),
    ];
    f.render_widget(Table::new(rows, widths).block(block), area);
}

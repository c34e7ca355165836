//! Drawing: `draw(&App, …)` only reads the state; each screen region has its own `render`.

mod overlay;
mod panels;
mod records;

use chrono::{DateTime, FixedOffset};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use queue_core::auth::Role;

use super::app::{App, Panel, Popup, StatusKind};
use super::i18n::Lang;
use crate::client::Link;

/// Below this the layout gives up and says so rather than drawing garbage.
const MIN_WIDTH: u16 = 40;
const MIN_HEIGHT: u16 = 10;
/// From here on, queues and windows sit left of alerts and advice.
const WIDE_WIDTH: u16 = 120;
const WIDE_HEIGHT: u16 = 30;

/// Draws the whole screen.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(app, f, area);
        return;
    }
    let [header, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, f, header);
    if app.hall.is_some() {
        render_body(app, f, body);
    } else {
        let t = app.lang.text();
        f.render_widget(
            Paragraph::new(t.waiting_for_hall).block(Block::default().borders(Borders::ALL)),
            body,
        );
    }
    render_status(app, f, status);
    render_keys(app, f, keys);
    if let Some(Popup::ConfirmOpen(plan)) = &app.popup {
        overlay::render_confirm(app, plan, f, area);
    }
    if app.help {
        overlay::render_help(app, f, area);
    }
}

fn render_body(app: &App, f: &mut Frame, body: Rect) {
    let n_queues = app.hall.as_ref().map_or(0, |h| h.queues.len());
    let queue_rows = u16::try_from(n_queues)
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    if body.width >= WIDE_WIDTH && body.height >= WIDE_HEIGHT {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        let [queues, windows] =
            Layout::vertical([Constraint::Length(queue_rows), Constraint::Fill(1)]).areas(left);
        let [alerts, records, recs] = Layout::vertical([
            Constraint::Percentage(35),
            Constraint::Percentage(30),
            Constraint::Percentage(35),
        ])
        .areas(right);
        panels::render_queues(app, f, queues);
        panels::render_windows(app, f, windows);
        panels::render_alerts(app, f, alerts);
        records::render_records(app, f, records);
        panels::render_recommendations(app, f, recs);
    } else {
        let queue_rows = queue_rows.min(body.height / 2);
        let [queues, rest] =
            Layout::vertical([Constraint::Length(queue_rows), Constraint::Fill(1)]).areas(body);
        let [windows, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(rest);
        let [alerts, records, recs] = Layout::vertical([
            Constraint::Percentage(34),
            Constraint::Percentage(33),
            Constraint::Percentage(33),
        ])
        .areas(right);
        panels::render_queues(app, f, queues);
        panels::render_windows(app, f, windows);
        panels::render_alerts(app, f, alerts);
        records::render_records(app, f, records);
        panels::render_recommendations(app, f, recs);
    }
}

/// Hall time to measure waits and ages against.
fn now_of(app: &App) -> Option<DateTime<FixedOffset>> {
    app.hall_now.or_else(|| app.hall.as_ref().map(|h| h.now))
}

/// A panel's frame; the focused one stands out.
fn panel_block(app: &App, panel: Panel, title: &str) -> Block<'static> {
    let focused = app.focus == panel;
    let style = if focused {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(format!(" {title} "), style))
}

fn render_header(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let wide = area.width >= WIDE_WIDTH;
    let centre = app.hall.as_ref().map_or("", |h| h.centre.as_str());
    let clock = now_of(app).map_or_else(
        || "--:--:--".to_string(),
        |n| n.format("%H:%M:%S").to_string(),
    );
    let (link, colour) = match &app.link {
        Link::Connecting => (t.connecting.to_string(), Color::Yellow),
        Link::Online => (t.online.to_string(), Color::Green),
        Link::Offline(why) => (format!("{}（{why}）", t.offline), Color::Red),
        Link::Refused(why) => (format!("{}（{why}）", t.refused), Color::Red),
    };
    let mut role = app.role.map_or("—", |r| app.lang.role(r)).to_string();
    // Which departments' cases, records and ratings this supervisor is shown (GZ 8).
    if matches!(app.role, Some(Role::Supervisor | Role::Manager)) {
        let [label, all] = t.scope;
        let zh = app.lang == Lang::Zh;
        let scope = if app.departments.is_empty() {
            all.to_string()
        } else {
            format!(
                "{label}{}",
                app.departments.join(if zh { "、" } else { ", " })
            )
        };
        role.push_str(&if zh {
            format!("（{scope}）")
        } else {
            format!(" ({scope})")
        });
    }
    let sep = Span::styled(" │ ", Style::default().fg(Color::DarkGray));
    // At 80 columns the labels give way to what they label.
    let (title, clock, role) = if wide {
        (
            format!("{centre} {}", t.title),
            format!("{} {clock}", t.hall_clock),
            format!("{} {role}", t.role),
        )
    } else {
        (centre.to_string(), clock, role.to_string())
    };
    let title = Span::styled(title, Style::default().add_modifier(Modifier::BOLD));
    let link = Span::styled(format!("● {link}"), Style::default().fg(colour));
    // A bad connection matters most: first, where a narrow screen cannot cut it off.
    let spans = if app.link == Link::Online || wide {
        vec![
            title,
            sep.clone(),
            Span::raw(clock),
            sep.clone(),
            link,
            sep,
            Span::raw(role),
        ]
    } else {
        vec![
            link,
            sep.clone(),
            title,
            sep.clone(),
            Span::raw(clock),
            sep,
            Span::raw(role),
        ]
    };
    let mut spans = spans;
    if let Some(n) = app.hall.as_ref().and_then(|h| h.notify) {
        if n.pending > 0 || n.failed > 0 {
            let [label, waiting, retrying, failed, off] = t.notify;
            let mut text = format!("{label} {waiting} {}", n.pending);
            if n.retrying > 0 {
                text.push_str(&format!(" {retrying} {}", n.retrying));
            }
            if n.failed > 0 {
                text.push_str(&format!(" {failed} {}", n.failed));
            }
            if !n.configured {
                text.push_str(&format!("（{off}）"));
            }
            let colour = if n.retrying > 0 || n.failed > 0 {
                Color::Red
            } else {
                Color::Yellow
            };
            spans.push(Span::styled(" │ ", Style::default().fg(Color::DarkGray)));
            spans.push(Span::styled(text, Style::default().fg(colour)));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_status(app: &App, f: &mut Frame, area: Rect) {
    let Some(s) = &app.status else {
        return;
    };
    let style = match s.kind {
        StatusKind::Info => Style::default(),
        StatusKind::Ok => Style::default().fg(Color::Green),
        StatusKind::Error => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
    };
    f.render_widget(Paragraph::new(Span::styled(s.text.clone(), style)), area);
}

fn render_keys(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let keys = if app.popup.is_some() {
        t.keys_popup
    } else if app.may_open_windows() {
        t.keys_manager
    } else {
        t.keys_other
    };
    f.render_widget(
        Paragraph::new(Span::styled(keys, Style::default().fg(Color::DarkGray))),
        area,
    );
}

fn render_too_small(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    f.render_widget(
        Paragraph::new(format!("{} {}×{}", t.too_small, area.width, area.height))
            .wrap(Wrap { trim: true }),
        area,
    );
}

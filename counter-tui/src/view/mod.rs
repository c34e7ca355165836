//! Drawing: `draw(&App)` cannot change state. One module per screen region.

mod bigtext;
mod header;
mod help;
mod intake;
pub mod kiosk;
mod popup;
mod queues;
mod request;
mod status;
mod ticket;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

use crate::app::App;

/// The whole counter screen.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);
    header::render(app, f, head);
    if body.width >= 60 && body.height >= 10 {
        let left_w = if body.width >= 120 { 48 } else { 30 };
        let [left, right] =
            Layout::horizontal([Constraint::Length(left_w), Constraint::Min(0)]).areas(body);
        let ticket_h = if body.height >= 30 { 9 } else { 7 };
        if body.height >= 36 {
            let [t, q, p] = Layout::vertical([
                Constraint::Length(ticket_h),
                Constraint::Min(8),
                Constraint::Length(14),
            ])
            .areas(left);
            ticket::render(app, f, t);
            queues::render(app, f, q);
            queues::render_printout(app, f, p);
        } else {
            let [t, q] =
                Layout::vertical([Constraint::Length(ticket_h), Constraint::Min(0)]).areas(left);
            ticket::render(app, f, t);
            queues::render(app, f, q);
        }
        intake_or_preview(app, f, right);
    } else {
        // Too small for columns: the ticket first, then whatever of the intake fits.
        let [t, i] = Layout::vertical([Constraint::Length(6.min(body.height)), Constraint::Min(0)])
            .areas(body);
        ticket::render(app, f, t);
        intake_or_preview(app, f, i);
    }
    status::render(app, f, foot);
    if let Some(p) = &app.popup {
        popup::render(app, p, f, area);
    }
}

fn intake_or_preview(app: &App, f: &mut Frame, area: Rect) {
    if matches!(app.popup, Some(crate::app::Popup::Preview { .. })) {
        popup::preview(app, f, area);
    } else {
        intake::render(app, f, area);
    }
}

/// A panel with a title; the focused one stands out.
fn panel(title: &str, focused: bool) -> Block<'_> {
    let style = if focused {
        Style::default().fg(Color::Yellow)
    } else {
        Style::default().fg(Color::DarkGray)
    };
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(style)
        .title(Span::styled(
            format!(" {title} "),
            Style::default().add_modifier(Modifier::BOLD),
        ))
}

/// A `w`×`h` rectangle centred in `area`, clipped to it.
#[must_use]
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn key_style() -> Style {
    Style::default()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

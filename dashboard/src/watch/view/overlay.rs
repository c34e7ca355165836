//! Popups drawn over the panels: the open-window confirmation and the help.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::watch::app::{App, OpenMode, OpenPlan};

/// A `width`×`height` box centred in `area`, never larger than it.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Blanks `rect` for a popup. A wide character just left of it would spill its second half
/// under the popup's border and garble that row on a real terminal, so it goes too.
fn clear(f: &mut Frame, rect: Rect) {
    f.render_widget(Clear, rect);
    if rect.x == 0 {
        return;
    }
    let buf = f.buffer_mut();
    for y in rect.top()..rect.bottom() {
        let cell = &mut buf[(rect.x - 1, y)];
        if Span::raw(cell.symbol()).width() > 1 {
            cell.set_symbol(" ");
        }
    }
}

pub fn render_confirm(app: &App, plan: &OpenPlan, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let question = match &plan.mode {
        OpenMode::Open => app
            .lang
            .confirm_open(plan.window, &plan.queue, &plan.queue_name),
        OpenMode::Switch { from } => {
            app.lang
                .confirm_switch(plan.window, &plan.queue, &plan.queue_name, from)
        }
    };
    let width = u16::try_from(Line::from(question.as_str()).width())
        .unwrap_or(u16::MAX)
        .saturating_add(4)
        .clamp(30, 70);
    let rect = centred(area, width, 6);
    let text = vec![
        Line::from(Span::styled(
            question,
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from(Span::styled(
            t.keys_popup,
            Style::default().fg(Color::DarkGray),
        )),
    ];
    clear(f, rect);
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(Style::default().fg(Color::Yellow))
                .title(format!(" {} ", t.confirm_title)),
        ),
        rect,
    );
}

pub fn render_help(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let widest = t
        .help
        .iter()
        .map(|l| Line::from(*l).width())
        .max()
        .unwrap_or(0);
    let width = u16::try_from(widest).unwrap_or(u16::MAX).saturating_add(4);
    let height = u16::try_from(t.help.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let rect = centred(area, width, height);
    let lines: Vec<Line> = t.help.iter().map(|l| Line::from(*l)).collect();
    clear(f, rect);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(Style::default().fg(Color::Cyan))
                .title(format!(" {} ", t.help_title)),
        ),
        rect,
    );
}

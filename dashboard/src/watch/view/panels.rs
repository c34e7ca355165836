//! The four panels: queues, windows, alerts, staffing advice.

use queue_core::queue::WindowState;
use queue_core::supervision::{AlertKind, Recommendation};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::{now_of, panel_block};
use crate::watch::app::{App, OpenMode, Panel};
use crate::watch::i18n::Lang;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Space ratatui puts between table columns.
const GAP: u16 = 1;

const ALERT_KINDS: [AlertKind; 13] = [
    AlertKind::LongWait,
    AlertKind::TooManyWaiting,
    AlertKind::EstimateOverTarget,
    AlertKind::IdleWindow,
    AlertKind::NoticeDue,
    AlertKind::Deadline,
    AlertKind::MaterialDue,
    AlertKind::DeviceFault,
    AlertKind::UrgentRefused,
    AlertKind::FollowUpDue,
    AlertKind::FollowUpOverdue,
    AlertKind::RequestDue,
    AlertKind::RequestOverdue,
];

/// Columns `s` takes on screen (CJK counts two).
fn text_width(s: &str) -> u16 {
    u16::try_from(Span::raw(s).width()).unwrap_or(u16::MAX)
}

fn header_style() -> Style {
    Style::default()
        .fg(Color::DarkGray)
        .add_modifier(Modifier::BOLD)
}

fn selected_style() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// The last `width` samples as bars. Full height is the queue's alert limit (or the largest
/// sample when above it), so a short bar means "far from the limit", not just "the least today".
#[must_use]
pub fn sparkline(
    samples: impl DoubleEndedIterator<Item = u32> + ExactSizeIterator,
    width: usize,
    limit: u32,
) -> String {
    let skip = samples.len().saturating_sub(width);
    let shown: Vec<u32> = samples.skip(skip).collect();
    let max = shown.iter().copied().max().unwrap_or(0).max(limit);
    shown
        .iter()
        .map(|&v| {
            if max == 0 {
                BARS[0]
            } else {
                let i = (u64::from(v) * 7 + u64::from(max) / 2) / u64::from(max);
                BARS[usize::try_from(i).unwrap_or(7).min(7)]
            }
        })
        .collect()
}

fn minutes_label(lang: Lang, seconds: Option<f64>) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    seconds.map_or_else(
        || "∞".to_string(),
        |s| {
            let m = (s / 60.0).round().max(0.0) as u64;
            match lang {
                Lang::Zh => format!("{m}分"),
                Lang::En => format!("{m}m"),
            }
        },
    )
}

pub fn render_queues(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let block = panel_block(app, Panel::Queues, t.queues);
    let Some(hall) = &app.hall else { return };
    let now = now_of(app).unwrap_or(hall.now);
    // As wide as the longest "A 企业开办" needs, within reason; the sparkline gets the rest.
    let name_width = hall
        .queues
        .iter()
        .map(|q| text_width(&format!("{} {}", q.code, app.queue_name(&q.code))))
        .max()
        .unwrap_or(10)
        .clamp(10, 24);
    let widths = [
        Constraint::Length(name_width),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(4),
        Constraint::Fill(1),
    ];
    let fixed: u16 = name_width + 5 + 9 + 8 + 4 + 5 * GAP + 2;
    let spark_width = usize::from(area.width.saturating_sub(fixed));
    let rows: Vec<Row> = hall
        .queues
        .iter()
        .map(|q| {
            let waiting = hall.waiting(&q.code);
            let longest = hall.longest_wait_seconds(&q.code, now);
            let est = hall.estimated_wait(&q.code);
            let over_limit = (q.max_waiting > 0 && waiting > q.max_waiting)
                || (q.max_wait_minutes > 0 && longest > i64::from(q.max_wait_minutes) * 60);
            let over_target = match est {
                Some(r) => r.high_minutes > q.target_wait_minutes && waiting > 0,
                None => waiting > 0,
            };
            let style = if over_limit {
                Style::default().fg(Color::Red)
            } else if over_target {
                Style::default().fg(Color::Yellow)
            } else {
                Style::default()
            };
            let est_label = est.map_or_else(
                || t.no_window_open.to_string(),
                |r| app.lang.minutes_range(r.low_minutes, r.high_minutes),
            );
            let history = app.history.get(&q.code);
            let spark = history.map_or_else(String::new, |h| {
                sparkline(h.iter().copied(), spark_width, q.max_waiting)
            });
            Row::new(vec![
                Cell::from(format!("{} {}", q.code, app.queue_name(&q.code))),
                Cell::from(format!("{waiting:>4}")),
                Cell::from(if waiting == 0 {
                    "—".to_string()
                } else {
                    app.lang.duration(longest)
                }),
                Cell::from(est_label),
                Cell::from(format!("{:>3}", hall.open_windows_for(&q.code))),
                Cell::from(Span::styled(spark, Style::default().fg(Color::Cyan))),
            ])
            .style(style)
        })
        .collect();
    let header = Row::new(vec![
        t.col_queue,
        t.col_waiting,
        t.col_longest,
        t.col_estimate,
        t.col_open,
        t.col_trend,
    ])
    .style(header_style());
    let focused = app.focus == Panel::Queues;
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(GAP)
        .row_highlight_style(if focused {
            selected_style()
        } else {
            Style::default()
        });
    let mut state = TableState::default().with_selected(focused.then_some(app.queue_row));
    f.render_stateful_widget(table, area, &mut state);
}

pub fn render_windows(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let block = panel_block(app, Panel::Windows, t.windows);
    let Some(hall) = &app.hall else { return };
    let now = now_of(app).unwrap_or(hall.now);
    let rows: Vec<Row> = hall
        .windows
        .values()
        .map(|w| {
            let style = match w.state {
                WindowState::Open => Style::default().fg(Color::Green),
                WindowState::Paused => Style::default().fg(Color::Yellow),
                WindowState::Closed => Style::default().fg(Color::DarkGray),
            };
            let time = match (&w.ticket_number, w.since) {
                (Some(_), Some(s)) => app.lang.short_duration((now - s).num_seconds()),
                _ => String::new(),
            };
            Row::new(vec![
                Cell::from(app.lang.window_no(w.number)),
                Cell::from(app.lang.window_state(w.state)),
                Cell::from(w.ticket_number.clone().unwrap_or_default()),
                Cell::from(time),
                Cell::from(app.lang.window_kind(w.kind)),
                // Queue codes are single letters: "ABCDE" fits where "A,B,C,D,E" would not.
                Cell::from(w.queues.concat()),
            ])
            .style(style)
        })
        .collect();
    let lang = app.lang;
    let state_width = [WindowState::Open, WindowState::Paused, WindowState::Closed]
        .iter()
        .map(|s| text_width(lang.window_state(*s)))
        .max()
        .unwrap_or(4);
    let widths = [
        Constraint::Length(4),
        Constraint::Length(state_width),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    let header = Row::new(vec![
        t.col_window,
        t.col_state,
        t.col_ticket,
        t.col_time,
        t.col_kind,
        t.col_queues,
    ])
    .style(header_style());
    let focused = app.focus == Panel::Windows;
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(GAP)
        .row_highlight_style(if focused {
            selected_style()
        } else {
            Style::default()
        });
    // Unfocused, the cursor still keeps the chosen rows in view.
    let mut state = TableState::default().with_selected(Some(app.window_row));
    f.render_stateful_widget(table, area, &mut state);
}

pub fn render_alerts(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let block = panel_block(app, Panel::Alerts, t.alerts);
    let alerts = app.alerts();
    if alerts.is_empty() {
        f.render_widget(Paragraph::new(t.no_alerts).block(block), area);
        return;
    }
    let now = now_of(app);
    let selected = app.current_alert().map(|a| a.id.clone());
    // The hall's full message only where there is room for it.
    let wide = area.width >= 60;
    let rows: Vec<Row> = alerts
        .iter()
        .map(|a| {
            let age = now.map_or_else(String::new, |n| {
                app.lang.duration((n - a.raised_at).num_seconds())
            });
            let subject = match (&a.queue, a.window, &a.case) {
                (Some(q), _, _) => format!("{q} {}", app.queue_name(q)),
                (None, Some(w), _) => app.lang.window_no(w),
                (None, None, Some(c)) => c.clone(),
                (None, None, None) => String::new(),
            };
            let style = if a.acknowledged {
                Style::default().fg(Color::DarkGray)
            } else {
                Style::default().fg(Color::Red)
            };
            let mut cells = vec![
                Cell::from(if a.acknowledged { "✓" } else { "!" }),
                Cell::from(age),
                Cell::from(app.lang.alert_kind(a.kind)),
                Cell::from(subject),
            ];
            if wide {
                cells.push(Cell::from(
                    app.lang.pick(&a.message, &a.message_en).to_string(),
                ));
            }
            Row::new(cells).style(style)
        })
        .collect();
    let kind_width = ALERT_KINDS
        .iter()
        .map(|k| text_width(app.lang.alert_kind(*k)))
        .max()
        .unwrap_or(12);
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Length(kind_width),
    ];
    let mut header = vec!["", t.col_age, t.col_alert, t.col_queue];
    if wide {
        widths.push(Constraint::Length(14));
        widths.push(Constraint::Fill(1));
        header.push("");
    } else {
        widths.push(Constraint::Fill(1));
    }
    let header = Row::new(header).style(header_style());
    let index = selected.and_then(|id| alerts.iter().position(|a| a.id == id));
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(GAP)
        .row_highlight_style(selected_style());
    let mut state = TableState::default().with_selected(index);
    f.render_stateful_widget(table, area, &mut state);
}

fn candidate(app: &App, r: &Recommendation) -> String {
    if r.recommended_windows <= r.open_windows {
        return "—".into();
    }
    match app.plan_for(r) {
        None => "—".into(),
        Some(p) => match (app.lang, p.mode) {
            (Lang::Zh, OpenMode::Open) => format!("开{}号", p.window),
            (Lang::Zh, OpenMode::Switch { .. }) => format!("改{}号", p.window),
            (Lang::En, OpenMode::Open) => format!("open {}", p.window),
            (Lang::En, OpenMode::Switch { .. }) => format!("swap {}", p.window),
        },
    }
}

pub fn render_recommendations(app: &App, f: &mut Frame, area: Rect) {
    let t = app.lang.text();
    let block = panel_block(app, Panel::Recommendations, t.recommendations);
    let recs = app.recommendations();
    if recs.is_empty() {
        f.render_widget(Paragraph::new(t.no_recommendations).block(block), area);
        return;
    }
    let selected = app.current_recommendation().map(|r| r.queue.clone());
    let rows: Vec<Row> = recs
        .iter()
        .map(|r| {
            let short = r.recommended_windows > r.open_windows;
            let style = if short {
                Style::default().fg(Color::Yellow)
            } else {
                Style::default().fg(Color::DarkGray)
            };
            let predicted = format!(
                "{}→{}",
                minutes_label(app.lang, r.predicted_wait_seconds),
                minutes_label(app.lang, r.predicted_wait_seconds_recommended)
            );
            Row::new(vec![
                Cell::from(format!("{} {}", r.queue, app.queue_name(&r.queue))),
                Cell::from(format!("{}→{}", r.open_windows, r.recommended_windows)),
                Cell::from(predicted),
                Cell::from(candidate(app, r)),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(11),
        Constraint::Length(7),
    ];
    let header = Row::new(vec![
        t.col_queue,
        t.col_windows,
        t.col_predicted,
        t.col_candidate,
    ])
    .style(header_style());
    let index = selected.and_then(|q| recs.iter().position(|r| r.queue == q));
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(GAP)
        .row_highlight_style(selected_style());
    let mut state = TableState::default().with_selected(index);
    f.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    #[test]
    fn sparkline_scales_to_the_limit_and_keeps_the_latest() {
        assert_eq!(sparkline([0, 5, 10, 25].into_iter(), 4, 25), "▁▂▄█");
        // Above the limit the largest sample is full height.
        assert_eq!(sparkline([0, 50].into_iter(), 4, 25), "▁█");
        // Too narrow: the most recent samples win.
        assert_eq!(sparkline([25, 0, 0].into_iter(), 2, 25), "▁▁");
        assert_eq!(sparkline([].into_iter(), 5, 0), "");
    }
}

//! The top line: centre, window, staff, hall link, devices, hall clock.

use dashboard::client::Link;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::app::App;
use crate::i18n;
use crate::msg::{PrinterState, ScannerKind, ScannerState};

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let sep = Span::styled(" │ ", Style::default().fg(Color::DarkGray));
    let (link, link_style) = match &app.link {
        Link::Online => (
            l.pick("● 在线", "● online"),
            Style::default().fg(Color::Green),
        ),
        Link::Connecting => (
            l.pick("◌ 重连中", "◌ connecting"),
            Style::default().fg(Color::Yellow),
        ),
        Link::Offline(_) => (
            l.pick("○ 离线 重连中", "○ offline, retrying"),
            Style::default().fg(Color::White).bg(Color::Red),
        ),
        Link::Refused(_) => (
            l.pick("✕ 令牌被拒", "✕ token refused"),
            Style::default().fg(Color::White).bg(Color::Red),
        ),
    };
    let scanner = match (&app.scanner.kind, &app.scanner.state) {
        (_, ScannerState::Disconnected(_)) => (l.pick("扫码枪 断开", "scanner down"), Color::Red),
        (ScannerKind::Simulated, _) => (l.pick("扫码枪 模拟", "scanner sim"), Color::Cyan),
        (_, ScannerState::Connected) => (l.pick("扫码枪 正常", "scanner ok"), Color::Green),
        (_, ScannerState::Unknown) => (l.pick("扫码枪 —", "scanner —"), Color::DarkGray),
    };
    let printer = match &app.printer.state {
        PrinterState::Fault(e) => (i18n::printer_error(l, e), Color::Red),
        PrinterState::Ready if app.printer.simulated() => (
            l.pick("打印机 模拟", "printer sim").to_string(),
            Color::Cyan,
        ),
        PrinterState::Ready => (
            l.pick("打印机 正常", "printer ok").to_string(),
            Color::Green,
        ),
        PrinterState::Unknown => (l.pick("打印机 —", "printer —").to_string(), Color::DarkGray),
    };
    let centre = if app.hall.centre_name.is_empty() {
        l.pick("政务服务中心", "service centre").to_string()
    } else {
        app.hall.centre_name.clone()
    };
    let staff = match &app.role {
        Some(r) => format!("{} ({r})", app.cfg.staff),
        None => app.cfg.staff.clone(),
    };
    let window = Span::styled(
        match l {
            i18n::Lang::Zh => format!(" {} 号窗口", app.cfg.window),
            i18n::Lang::En => format!(" window {}", app.cfg.window),
        },
        Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD),
    );
    // Right-hand side first: link, devices and clock must always show.
    let mut right = vec![
        Span::styled(link, link_style),
        sep.clone(),
        Span::styled(scanner.0, Style::default().fg(scanner.1)),
        sep.clone(),
        Span::styled(printer.0, Style::default().fg(printer.1)),
    ];
    if app.printer.pending > 0 {
        right.push(Span::styled(
            format!(" ({} {})", app.printer.pending, l.pick("张待打", "kept")),
            Style::default().fg(Color::Red),
        ));
    }
    right.push(sep.clone());
    right.push(Span::styled(
        format!("{} ", app.now.format("%H:%M:%S")),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let right_w: usize = right.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(right_w);
    let mut left = vec![window.clone()];
    let with_staff = window.width() + sep.width() + staff.width() + 1;
    if with_staff <= room {
        left.push(sep.clone());
        left.push(Span::raw(staff));
    }
    let centre_w = centre.width() + 1 + sep.width();
    if left.iter().map(Span::width).sum::<usize>() + centre_w <= room {
        left.insert(0, sep.clone());
        left.insert(
            0,
            Span::styled(
                format!(" {centre}"),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        );
        left[2] = Span::styled(window.content.trim_start().to_string(), window.style);
    }
    let used: usize = left.iter().map(Span::width).sum();
    let pad = usize::from(area.width).saturating_sub(used + right_w);
    let mut spans = left;
    spans.push(Span::raw(" ".repeat(pad)));
    spans.extend(right);
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default().bg(Color::Rgb(20, 30, 50))),
        area,
    );
}

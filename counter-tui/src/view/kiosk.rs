//! The kiosk screen: big, simple choices; the issued ticket shown as printed.

use dashboard::client::Link;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use ratatui::Frame;

use super::key_style;
use super::ticket::badge_style;
use crate::i18n::{self, Lang};
use crate::kiosk::{Kiosk, KioskInput, KioskStage, CHANNELS};
use crate::msg::{Level, PrinterState};

pub fn draw(k: &Kiosk, f: &mut Frame) {
    let l = k.lang;
    let area = f.area();
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let link = match &k.link {
        Link::Online => Span::styled(
            l.pick("● 在线", "● online"),
            Style::default().fg(Color::Green),
        ),
        Link::Connecting => Span::styled(
            l.pick("◌ 连接中", "◌ connecting"),
            Style::default().fg(Color::Yellow),
        ),
        _ => Span::styled(
            l.pick("○ 离线 重连中", "○ offline, retrying"),
            Style::default().fg(Color::White).bg(Color::Red),
        ),
    };
    let printer = match &k.printer.state {
        PrinterState::Fault(e) => Span::styled(
            i18n::printer_error(l, e),
            Style::default().fg(Color::White).bg(Color::Red),
        ),
        _ => Span::raw(""),
    };
    // A public screen: say plainly that tickets cannot be issued now, not why in detail.
    let storage = match &k.hall.storage {
        Some(t) if t.failing => Span::styled(
            l.pick(
                " 暂时无法取号，请稍候或到服务台咨询 ",
                " tickets cannot be issued right now; please wait or ask at the desk ",
            ),
            Style::default().fg(Color::White).bg(Color::Red),
        ),
        _ => Span::raw(""),
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(
                    " {} · {} ",
                    if k.hall.centre_name.is_empty() {
                        l.pick("政务服务中心", "service centre")
                    } else {
                        &k.hall.centre_name
                    },
                    l.pick("取号", "tickets")
                ),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            link,
            Span::raw(" "),
            printer,
            storage,
            Span::raw(format!("  {}", k.now.format("%H:%M:%S"))),
        ]))
        .style(Style::default().bg(Color::Rgb(20, 30, 50))),
        head,
    );
    let block = Block::bordered().border_type(BorderType::Rounded);
    let lines = match &k.stage {
        KioskStage::Queue => queue_lines(k, l),
        KioskStage::Channel { queue } => channel_lines(k, l, queue),
        KioskStage::Typing { what, text } => {
            let label = match what {
                KioskInput::IdNumber => l.pick(
                    "请输入身份证号码（可选），Enter 确定",
                    "type your ID number (optional), Enter",
                ),
                KioskInput::Appointment => l.pick(
                    "请扫描或输入预约码，Enter 签到",
                    "scan or type your appointment code, Enter",
                ),
                KioskInput::IdLast4 => l.pick(
                    "请输入预约证件号码的后四位，Enter 签到",
                    "type the last 4 characters of the booking's ID number, Enter",
                ),
                KioskInput::Mobile => l.pick(
                    "请输入手机号码（可选，快轮到时短信提醒），Enter 确定",
                    "type your mobile number (optional: a text when your turn is near), Enter",
                ),
            };
            vec![
                Line::from(Span::styled(
                    label,
                    Style::default().add_modifier(Modifier::BOLD),
                )),
                Line::from(""),
                Line::from(Span::styled(
                    format!(" {text}▏ "),
                    Style::default().fg(Color::Black).bg(Color::Yellow),
                )),
                Line::from(""),
                Line::from(Span::styled(
                    l.pick("Esc 返回", "Esc back"),
                    Style::default().fg(Color::DarkGray),
                )),
            ]
        }
        KioskStage::Waiting => vec![Line::from(Span::styled(
            l.pick("正在取号，请稍候…", "issuing your ticket…"),
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ))],
        KioskStage::Issued { ticket, slip } => issued_lines(l, ticket, slip, body),
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        body,
    );
    let notice = match &k.notice {
        Some(n) => Span::styled(
            n.text.clone(),
            match n.level {
                Level::Error => Style::default().fg(Color::White).bg(Color::Red),
                Level::Warning => Style::default().fg(Color::Yellow),
                _ => Style::default().fg(Color::Cyan),
            },
        ),
        None => Span::styled(
            l.pick(
                "F12 English · Ctrl+S 模拟扫码 · Ctrl+Q 退出",
                "F12 中文 · Ctrl+S simulated scan · Ctrl+Q quit",
            ),
            Style::default().fg(Color::DarkGray),
        ),
    };
    f.render_widget(Paragraph::new(Line::from(notice)), foot);
}

fn big(s: &str) -> Span<'static> {
    Span::styled(format!(" {s} "), key_style())
}

fn queue_lines(k: &Kiosk, l: Lang) -> Vec<Line<'static>> {
    let mut v = vec![
        Line::from(Span::styled(
            l.pick(
                "请选择办理业务（按数字键）",
                "Choose your service (press a number)",
            ),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
    ];
    for (i, q) in k.hall.queues.iter().enumerate().take(9) {
        let name = match l {
            Lang::En if !q.name_en.is_empty() => q.name_en.clone(),
            _ => q.name.clone(),
        };
        let est = q.estimated_wait.map_or(String::new(), |w| {
            i18n::wait_range(l, w.low_minutes, w.high_minutes)
        });
        v.push(Line::from(vec![
            big(&(i + 1).to_string()),
            Span::styled(
                format!(" {} {name}", q.code),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(match l {
                Lang::Zh => format!("  {} 人等候 {est}", q.waiting),
                Lang::En => format!("  {} waiting {est}", q.waiting),
            }),
        ]));
    }
    v.push(Line::from(""));
    v.push(Line::from(vec![
        big("Y"),
        Span::raw(
            l.pick(
                " 预约签到（或直接扫描预约码）",
                " appointment check-in (or scan the code)",
            )
            .to_string(),
        ),
    ]));
    v.push(Line::from(vec![
        big("I"),
        Span::raw(
            l.pick(
                " 输入身份证号（可选，或刷身份证）",
                " enter your ID number (optional, or scan it)",
            )
            .to_string(),
        ),
    ]));
    if let Some(id) = &k.id_number {
        v.push(Line::from(Span::styled(
            format!("{} {}", l.pick("证件：", "ID:"), queue_core::ids::mask(id)),
            Style::default().fg(Color::Cyan),
        )));
    }
    v.push(Line::from(vec![
        big("M"),
        Span::raw(
            l.pick(
                " 留手机号（可选，快轮到时短信提醒）",
                " leave a mobile number (optional: a text when your turn is near)",
            )
            .to_string(),
        ),
    ]));
    if let Some(m) = &k.mobile {
        v.push(Line::from(Span::styled(
            format!(
                "{} {}",
                l.pick("手机：", "Mobile:"),
                queue_core::ids::mask_mobile(m)
            ),
            Style::default().fg(Color::Cyan),
        )));
    }
    v
}

fn channel_lines(k: &Kiosk, l: Lang, queue: &str) -> Vec<Line<'static>> {
    let name = k
        .hall
        .queue(queue)
        .map_or(queue.to_string(), |q| q.name.clone());
    let mut v = vec![
        Line::from(Span::styled(
            format!("{queue} {name}"),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(l.pick("请选择通道：", "Choose a channel:").to_string()),
        Line::from(""),
    ];
    for (i, c) in CHANNELS.iter().enumerate() {
        let note = match c {
            queue_core::queue::Channel::Green => l.pick(
                "老年人、残疾人、孕妇等优先",
                "elderly, disabled, pregnant: priority",
            ),
            queue_core::queue::Channel::Urgent => l.pick("急事急办", "urgent matters"),
            _ => "",
        };
        v.push(Line::from(vec![
            big(&(i + 1).to_string()),
            Span::raw(" "),
            Span::styled(format!(" {} ", i18n::channel(l, *c)), badge_style(*c)),
            Span::raw(format!(" {note}")),
        ]));
    }
    v.push(Line::from(""));
    v.push(Line::from(Span::styled(
        l.pick("Esc 返回", "Esc back"),
        Style::default().fg(Color::DarkGray),
    )));
    v
}

fn issued_lines(
    l: Lang,
    t: &queue_core::queue::Ticket,
    slip: &str,
    area: Rect,
) -> Vec<Line<'static>> {
    let mut v = vec![
        Line::from(vec![
            Span::raw(l.pick("您的号码 ", "Your number ").to_string()),
            Span::styled(
                format!(" {} ", t.number),
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::raw(" "),
            Span::styled(
                format!(" {} ", i18n::channel(l, t.channel)),
                badge_style(t.channel),
            ),
        ]),
        Line::from(match l {
            Lang::Zh => format!("前面还有 {} 人", t.ahead),
            Lang::En => format!("{} people ahead", t.ahead),
        }),
    ];
    if area.height >= 16 && area.width >= 40 {
        // The number in block letters, with room to read it across the hall.
        let mut big = vec![Line::from("")];
        for row in super::bigtext::lines(&t.number) {
            big.push(Line::from(Span::styled(
                format!("   {row}"),
                Style::default().fg(Color::Yellow),
            )));
        }
        big.push(Line::from(""));
        v.splice(1..1, big);
    }
    if let Some(w) = t.estimated_wait {
        v.push(Line::from(format!(
            "{} {}",
            l.pick("预计等候", "estimated wait"),
            i18n::wait_range(l, w.low_minutes, w.high_minutes)
        )));
    }
    v.push(Line::from(Span::styled(
        l.pick(
            "请取走号票；按任意键继续",
            "take your ticket; press any key",
        ),
        Style::default().fg(Color::DarkGray),
    )));
    if area.height > 30 {
        v.push(Line::from(""));
        v.extend(slip.lines().map(|s| Line::from(s.to_string())));
    }
    v
}

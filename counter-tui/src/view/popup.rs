//! Popups: confirmations (with a reason where the law or the log needs one), single-line
//! inputs, the transfer and ticket menus, and the document preview.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, help, key_style};
use crate::app::{App, Confirm, InputFor, Popup};
use crate::i18n::{self, Lang};

fn frame(title: String, color: Color) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(Style::default().fg(color))
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ))
}

fn hint(l: Lang, zh: &str, en: &str) -> Line<'static> {
    Line::from(Span::styled(
        l.pick(zh, en).to_string(),
        Style::default().fg(Color::DarkGray),
    ))
}

pub fn render(app: &App, p: &Popup, f: &mut Frame, area: Rect) {
    let l = app.lang;
    match p {
        Popup::Help => help::render(l, f, area),
        Popup::Request(form) => super::request::render(l, form, app.cfg.window, f, area),
        Popup::Confirm { act, reason } => {
            let (title, text) = match act {
                Confirm::Reject { case } => (
                    l.pick(" 确认不予受理 ", " Confirm rejection "),
                    format!("{} {case}。{}", l.pick("将出具不予受理决定书（含复议、诉讼途径）：", "a decision of non-acceptance (with appeal routes) will be issued for"), l.pick("理由以编号开头：1 无需许可 2 非本机关职权 3 其他法定情形（须写明）。缺材料不得不予受理，请一次性告知。", "start with the ground: 1 not required, 2 outside competence, 3 other statutory (state it). Missing materials are no ground: give the notice.")),
                ),
                Confirm::Refuse { case } => (
                    l.pick(" 确认不予许可 ", " Confirm refusal after review "),
                    format!("{} {case}", l.pick("将出具不予许可决定书（含理由及复议60日、诉讼6个月途径）：", "a decision of refusal (reasons, reconsideration 60 days, litigation 6 months) will be issued for")),
                ),
                Confirm::CancelTicket { number, .. } => (
                    l.pick(" 确认取消号码 ", " Confirm cancelling "),
                    format!("{} {number}", l.pick("取消等候中的号：", "cancel the waiting ticket")),
                ),
                Confirm::CallOutOfOrder { number, .. } => (
                    l.pick(" 确认越序叫号 ", " Confirm calling out of order "),
                    format!("{} {number}", l.pick("不按顺序叫号（将记录理由）：", "call out of order (the reason is logged):")),
                ),
                Confirm::IdOverride => (
                    l.pick(" 确认信用代码 ", " Confirm the credit code "),
                    l.pick(
                        "该统一社会信用代码校验位不符。部分已发放的代码确实如此：核对营业执照原件后可人工确认。",
                        "The credit code fails its check character; some issued codes do. Confirm after checking the original licence.",
                    )
                    .to_string(),
                ),
                Confirm::Quit => (l.pick(" 退出 ", " Quit "), l.pick("退出窗口程序？", "quit the counter?").to_string()),
            };
            let mut lines = vec![Line::from(text), Line::from("")];
            if act.needs_reason() {
                lines.push(Line::from(vec![
                    Span::raw(l.pick("理由：", "Reason: ").to_string()),
                    Span::styled(
                        format!("{reason}▏"),
                        Style::default().fg(Color::Black).bg(Color::Yellow),
                    ),
                ]));
                lines.push(hint(
                    l,
                    "输入理由后 Enter 确认 · Esc 取消",
                    "type the reason, Enter confirms · Esc cancels",
                ));
            } else {
                lines.push(hint(
                    l,
                    "Enter/Y 确认 · Esc/N 取消",
                    "Enter/Y confirms · Esc/N cancels",
                ));
            }
            let r = centered(area, 64, 8);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(frame(title.to_string(), Color::Red)),
                r,
            );
        }
        Popup::Input { purpose, text } => {
            let (title, help) = match purpose {
                InputFor::TicketLookup => (
                    l.pick(" 查号 ", " Find ticket "),
                    l.pick(
                        "输入号码（如 A003）或扫码",
                        "type a number (e.g. A003) or scan",
                    ),
                ),
                InputFor::SimScan => (
                    l.pick(" 模拟扫码 ", " Simulated scan "),
                    l.pick(
                        "输入条码内容：TK:号票、身份证号、信用代码、预约码 YY…",
                        "type a code: TK:ticket, ID, credit code, appointment YY…",
                    ),
                ),
                InputFor::Note { .. } => (
                    l.pick(" 材料备注 ", " Material note "),
                    l.pick(
                        "写明需补正或更正的内容",
                        "what must be supplied or corrected",
                    ),
                ),
                InputFor::Extend => (
                    l.pick(" 延期 ", " Extend "),
                    l.pick(
                        "天数 理由，例如：3 需现场核查；超法定时限的法定延期：10! 理由",
                        "days reason, e.g. 3 site inspection; statutory: 10! reason",
                    ),
                ),
                InputFor::Pause => (
                    l.pick(" 特别程序 ", " Special procedure "),
                    l.pick(
                        "1 现场勘验 2 检验检测 3 听证 4 专家评审，加事由，例如：1 需现场查看",
                        "1 inspection 2 testing 3 hearing 4 expert review, then the reason",
                    ),
                ),
            };
            let lines = vec![
                Line::from(help.to_string()),
                Line::from(Span::styled(
                    format!("{text}▏"),
                    Style::default().fg(Color::Black).bg(Color::Yellow),
                )),
                hint(l, "Enter 确定 · Esc 取消", "Enter · Esc"),
            ];
            let r = centered(area, 64, 5);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines).block(frame(title.to_string(), Color::Cyan)),
                r,
            );
        }
        Popup::Transfer { ticket, selected } => {
            let from = app.hall.tickets.get(ticket).map(|t| t.queue.clone());
            let number = app
                .hall
                .tickets
                .get(ticket)
                .map_or(ticket.clone(), |t| t.number.clone());
            let mut lines = vec![Line::from(format!(
                "{} {number} {}",
                l.pick("将", "move"),
                l.pick("转到：", "to:")
            ))];
            for (i, q) in app
                .hall
                .queues
                .iter()
                .filter(|q| Some(&q.code) != from.as_ref())
                .enumerate()
            {
                let style = if i == *selected {
                    Style::default().fg(Color::Black).bg(Color::Yellow)
                } else {
                    Style::default()
                };
                lines.push(Line::from(Span::styled(
                    format!(
                        " {} {} ({} {})",
                        q.code,
                        q.name,
                        q.waiting,
                        l.pick("人等候", "waiting")
                    ),
                    style,
                )));
            }
            lines.push(hint(
                l,
                "↑↓ 选择 · Enter 转移 · Esc 取消",
                "↑↓ · Enter transfers · Esc",
            ));
            let r = centered(area, 50, u16::try_from(lines.len() + 2).unwrap_or(12));
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines).block(frame(
                    l.pick(" 转移 F7 ", " Transfer F7 ").into(),
                    Color::Cyan,
                )),
                r,
            );
        }
        Popup::TicketMenu { ticket } => {
            let t = app.hall.tickets.get(ticket);
            let head = t.map_or_else(
                || format!("{} {ticket}", l.pick("号", "ticket")),
                |t| {
                    format!(
                        "{} · {} · {} · {} {}",
                        t.number,
                        i18n::channel(l, t.channel),
                        i18n::ticket_state(l, t.state),
                        l.pick("等候", "waited"),
                        i18n::duration(l, t.waited_seconds(app.now))
                    )
                },
            );
            let lines = vec![
                Line::from(Span::styled(
                    head,
                    Style::default().add_modifier(Modifier::BOLD),
                )),
                Line::from(vec![
                    Span::styled(" 1 ", key_style()),
                    Span::raw(
                        l.pick(
                            " 越序叫此号（需理由）",
                            " call it now, out of order (reason)",
                        )
                        .to_string(),
                    ),
                ]),
                Line::from(vec![
                    Span::styled(" 2 ", key_style()),
                    Span::raw(l.pick(" 过号恢复排队", " reinstate a no-show").to_string()),
                ]),
                Line::from(vec![
                    Span::styled(" 3 ", key_style()),
                    Span::raw(
                        l.pick(" 取消此号（需确认）", " cancel it (confirm)")
                            .to_string(),
                    ),
                ]),
                hint(l, "Esc 关闭", "Esc closes"),
            ];
            let r = centered(area, 56, 7);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .block(frame(l.pick(" 号码 ", " Ticket ").into(), Color::Cyan)),
                r,
            );
        }
        // Drawn in place of the intake panel (see `preview`), not floating.
        Popup::Preview { .. } => {}
    }
}

/// A document as the printer renders it: a draft awaiting confirmation, or what was printed.
/// Shown in place of the intake panel: a floating box over Chinese text cuts characters.
pub fn preview(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let Some(Popup::Preview {
        title,
        text,
        draft,
        scroll,
    }) = &app.popup
    else {
        return;
    };
    let foot = if draft.is_some() {
        l.pick(
            " Enter 确认出具 · Esc 返回修改 · ↑↓ 滚动 ",
            " Enter issues · Esc back · ↑↓ scroll ",
        )
    } else {
        l.pick(
            " F10 重打 · Esc 关闭 · ↑↓ 滚动 ",
            " F10 reprint · Esc close · ↑↓ scroll ",
        )
    };
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(text.as_str()).scroll((*scroll, 0)).block(
            frame(
                format!(" {title} "),
                if draft.is_some() {
                    Color::Yellow
                } else {
                    Color::Green
                },
            )
            .title_bottom(foot),
        ),
        area,
    );
}

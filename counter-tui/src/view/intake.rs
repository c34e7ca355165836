//! The intake panel: item search, applicant form with live ID checks, the materials
//! checklist and the outcomes the case allows.

use queue_core::ids::{self, PersonIdKind};
use queue_core::intake::{Authorisation, CaseState, Delivery, MaterialStatus};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{key_style, panel};
use crate::app::{App, Focus};
use crate::i18n::{self, Lang};
use crate::intake::{actions_for, check_id_as, search, Field, IdCheck, Stage};
use crate::keys::CASE_KEYS;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let l = app.lang;
    let focused = app.focus == Focus::Intake;
    let block = panel(l.pick("受理", "Intake"), focused);
    let lines = match &app.intake.stage {
        Stage::Idle => idle(app),
        Stage::Item { query, selected } => item_search(app, query, *selected, area.height),
        Stage::Applicant | Stage::Opening => applicant(app, focused),
        Stage::Case { case, selected } => case_lines(app, case, *selected, area.height),
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn dim(s: impl Into<String>) -> Span<'static> {
    Span::styled(s.into(), Style::default().fg(Color::DarkGray))
}

fn idle(app: &App) -> Vec<Line<'static>> {
    let l = app.lang;
    let mut v = vec![Line::from(vec![
        Span::styled(" F9 ", key_style()),
        Span::raw(format!(
            " {}",
            l.pick(
                "开始受理：选择事项 → 申请人 → 核对材料 → 出具文书",
                "start intake: item → applicant → materials → document"
            )
        )),
    ])];
    if !app.intake.form.id_number.is_empty() {
        v.push(Line::from(format!(
            "{} {}",
            l.pick("已扫描证件", "ID scanned"),
            ids::mask(&app.intake.form.id_number)
        )));
    }
    v
}

fn item_search(app: &App, query: &str, selected: usize, height: u16) -> Vec<Line<'static>> {
    let l = app.lang;
    let mut v = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", l.pick("事项", "Item")),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{query}▏"), Style::default().fg(Color::Yellow)),
        ]),
        Line::from(dim(l.pick(
            "输入编码或名称筛选 · ↑↓ 选择 · Enter 确定 · Esc 返回",
            "type a code or part of the name · ↑↓ · Enter · Esc",
        ))),
    ];
    let found = search(&app.hall.catalogue, query);
    if found.is_empty() {
        v.push(Line::from(Span::styled(
            l.pick("没有匹配的事项", "no matching item"),
            Style::default().fg(Color::Red),
        )));
    }
    let room = usize::from(height.saturating_sub(5)).max(1);
    let start = selected.saturating_sub(room.saturating_sub(1));
    for (i, item) in found.iter().enumerate().skip(start).take(room) {
        let style = if i == selected {
            Style::default().fg(Color::Black).bg(Color::Yellow)
        } else {
            Style::default()
        };
        let days = match l {
            Lang::Zh => format!("承诺{}/法定{}工作日", item.committed_days, item.legal_days),
            Lang::En => format!("{}/{} working days", item.committed_days, item.legal_days),
        };
        v.push(Line::from(vec![
            Span::styled(
                format!(
                    "{} {:<7}{}",
                    if i == selected { "▸" } else { " " },
                    item.code,
                    item.name
                ),
                style,
            ),
            dim(format!("  {days}")),
        ]));
    }
    v
}

fn field_line(
    label: &str,
    value: String,
    focused: bool,
    extra: Vec<Span<'static>>,
) -> Line<'static> {
    let mut spans = vec![
        Span::raw(format!("{label} ")),
        Span::styled(
            format!("[{value}{}]", if focused { "▏" } else { "" }),
            if focused {
                Style::default().fg(Color::Black).bg(Color::Yellow)
            } else {
                Style::default().fg(Color::White)
            },
        ),
    ];
    spans.extend(extra);
    Line::from(spans)
}

fn id_feedback(
    l: Lang,
    kind: Option<PersonIdKind>,
    text: &str,
    override_ok: bool,
) -> Vec<Span<'static>> {
    match check_id_as(kind, text) {
        IdCheck::Document(k) => vec![Span::styled(
            format!(" ✓ {}", l.pick(k.label_zh(), k.label_en())),
            Style::default().fg(Color::Green),
        )],
        IdCheck::Empty => vec![],
        IdCheck::Typing(n) => vec![dim(format!(" {n}/18"))],
        IdCheck::Valid(k) => vec![Span::styled(
            format!(
                " ✓ {}",
                match l {
                    Lang::Zh => k.describe().split(' ').next().unwrap_or("").to_string(),
                    Lang::En => k.describe().split_once(' ').map_or("", |x| x.1).to_string(),
                }
            ),
            Style::default().fg(Color::Green),
        )],
        IdCheck::Overridable(m) if override_ok => vec![Span::styled(
            format!(" ! {} ({m})", l.pick("已人工确认", "override accepted")),
            Style::default().fg(Color::Yellow),
        )],
        IdCheck::Overridable(m) => vec![Span::styled(
            format!(
                " ? {m} — {}",
                l.pick("提交时可人工确认", "staff may override on submit")
            ),
            Style::default().fg(Color::Yellow),
        )],
        IdCheck::Invalid(m) => vec![Span::styled(
            format!(" ✗ {m}"),
            Style::default().fg(Color::Red),
        )],
    }
}

/// The number as typed while its field has focus; masked once entered and valid.
/// Masked (`138****5678`) once typed and left; whole while it is being typed.
fn shown_mobile(text: &str, focused: bool) -> String {
    match ids::parse_mobile(text) {
        Ok(m) if !focused => ids::mask_mobile(&m),
        _ => text.to_string(),
    }
}

fn mobile_feedback(l: Lang, text: &str) -> Vec<Span<'static>> {
    let n = text.chars().filter(char::is_ascii_digit).count();
    if text.trim().is_empty() {
        vec![dim(l.pick(" 用于办结通知", " for the result-ready notice"))]
    } else if ids::parse_mobile(text).is_ok() {
        vec![Span::styled(" ✓", Style::default().fg(Color::Green))]
    } else if n < 11 {
        vec![dim(format!(" {n}/11"))]
    } else {
        vec![Span::styled(
            l.pick(" 手机号码无效", " not a mainland mobile number"),
            Style::default().fg(Color::Red),
        )]
    }
}

fn shown_id(kind: Option<PersonIdKind>, text: &str, focused: bool) -> String {
    match check_id_as(kind, text) {
        _ if focused => text.to_string(),
        IdCheck::Valid(_) | IdCheck::Overridable(_) => ids::mask(text),
        IdCheck::Document(k) => ids::mask_person_id(k, text),
        _ => text.to_string(),
    }
}

fn item_header(app: &App) -> Vec<Line<'static>> {
    let l = app.lang;
    let Some(code) = &app.intake.item else {
        return vec![];
    };
    let Some(item) = app.hall.item(code) else {
        return vec![Line::from(code.clone())];
    };
    let mut notes = Vec::new();
    if item.on_the_spot {
        notes.push(l.pick("可当场办结", "on the spot"));
    }
    if item.personal_attendance {
        notes.push(l.pick("须本人到场", "in person only"));
    }
    vec![
        Line::from(vec![
            Span::styled(
                format!("{} {}", item.code, item.name),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            dim(format!(" {}", notes.join(" "))),
        ]),
        Line::from(dim(match l {
            Lang::Zh => format!(
                "{} · 承诺{}个工作日 · 法定{}个工作日",
                item.department, item.committed_days, item.legal_days
            ),
            Lang::En => format!(
                "{} · committed {} / legal {} working days",
                item.department, item.committed_days, item.legal_days
            ),
        })),
    ]
}

fn applicant(app: &App, focused: bool) -> Vec<Line<'static>> {
    let l = app.lang;
    let form = &app.intake.form;
    let is = |f: Field| focused && form.focus == f && app.intake.stage == Stage::Applicant;
    let mut v = item_header(app);
    v.push(Line::from(""));
    v.push(field_line(
        l.pick("申请人姓名/名称", "Applicant name "),
        form.name.clone(),
        is(Field::Name),
        vec![],
    ));
    let doc = match form.id_kind {
        None => l
            .pick("身份证/信用代码", "resident ID / credit code")
            .to_string(),
        Some(k) => l.pick(k.label_zh(), k.label_en()).to_string(),
    };
    v.push(field_line(
        l.pick("证件类型 ←→    ", "Document ←→     "),
        format!("‹{doc}›"),
        is(Field::IdKind),
        vec![],
    ));
    v.push(field_line(
        l.pick("证件号码/信用代码", "ID / credit code"),
        shown_id(form.id_kind, &form.id_number, is(Field::IdNumber)),
        is(Field::IdNumber),
        id_feedback(l, form.id_kind, &form.id_number, form.id_override),
    ));
    let delivery = match (l, form.delivery) {
        (Lang::Zh, d) => d.label_zh().to_string(),
        (Lang::En, Delivery::Collection) => "collect at the window".into(),
        (Lang::En, Delivery::Post) => "by post".into(),
        (Lang::En, Delivery::Electronic) => "electronic".into(),
    };
    v.push(field_line(
        l.pick("领取方式 ←→    ", "Result by ←→    "),
        format!("‹{delivery}›"),
        is(Field::Delivery),
        vec![],
    ));
    if form.delivery == Delivery::Post {
        v.push(field_line(
            l.pick("邮寄地址        ", "Postal address  "),
            form.address.clone(),
            is(Field::Address),
            vec![],
        ));
    }
    v.push(field_line(
        l.pick("手机号码（可空）", "Mobile (opt.)   "),
        shown_mobile(&form.mobile, is(Field::Mobile)),
        is(Field::Mobile),
        mobile_feedback(l, &form.mobile),
    ));
    v.push(field_line(
        l.pick("代理人（可空）  ", "Agent (optional)"),
        form.agent_name.clone(),
        is(Field::AgentName),
        vec![],
    ));
    if !form.agent_name.trim().is_empty() || matches!(form.focus, Field::AgentId | Field::AgentAuth)
    {
        v.push(field_line(
            l.pick("代理人证件号码  ", "Agent ID        "),
            shown_id(None, &form.agent_id, is(Field::AgentId)),
            is(Field::AgentId),
            id_feedback(l, None, &form.agent_id, false),
        ));
        let auth = match (l, form.authorisation) {
            (Lang::Zh, a) => a.label_zh().to_string(),
            (Lang::En, Authorisation::Written) => "written".into(),
            (Lang::En, Authorisation::Online) => "online".into(),
            (Lang::En, Authorisation::Phone) => "phone".into(),
        };
        v.push(field_line(
            l.pick("授权方式 ←→     ", "Authorisation ←→"),
            format!("‹{auth}›"),
            is(Field::AgentAuth),
            vec![],
        ));
    }
    v.push(Line::from(""));
    if app.intake.stage == Stage::Opening {
        v.push(Line::from(Span::styled(
            l.pick(
                "已提交，等待大厅确认…（离线时会自动重发）",
                "sent; waiting for the hall… (resent after a reconnect)",
            ),
            Style::default().fg(Color::Yellow),
        )));
    } else {
        v.push(Line::from(dim(l.pick(
            "Enter 下一项 · 代理人留空再按 Enter 提交收件 · Tab/↑↓ 切换（证件类型、领取方式 ←→）· Esc 重选事项",
            "Enter next · Enter on an empty agent submits · Tab/↑↓ move (document, result ←→) · Esc item",
        ))));
    }
    v
}

fn status_style(s: MaterialStatus) -> Style {
    match s {
        MaterialStatus::Missing | MaterialStatus::Nonconforming => Style::default().fg(Color::Red),
        MaterialStatus::Pending => Style::default().fg(Color::DarkGray),
        MaterialStatus::Shared => Style::default().fg(Color::Cyan),
        _ => Style::default().fg(Color::Green),
    }
}

fn case_lines(app: &App, case_id: &str, selected: usize, height: u16) -> Vec<Line<'static>> {
    let l = app.lang;
    let Some(case) = app.hall.cases.get(case_id) else {
        return vec![Line::from(format!(
            "{} {case_id}",
            l.pick("办件同步中", "loading case")
        ))];
    };
    let state_color = match case.state {
        CaseState::Rejected => Color::Red,
        CaseState::NoticeIssued | CaseState::NoticeDue => Color::Yellow,
        CaseState::Open => Color::White,
        _ => Color::Green,
    };
    let mut v = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", l.pick("申请流水号", "Serial")),
                Style::default().fg(Color::DarkGray),
            ),
            Span::styled(
                case.serial.clone(),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw("  "),
            Span::styled(
                format!(" {} ", i18n::case_state(l, case.state)),
                Style::default().fg(Color::Black).bg(state_color),
            ),
        ]),
        Line::from(format!(
            "{}  {} {}{}",
            case.item_name,
            case.applicant.name,
            ids::mask(&case.applicant.id_number),
            case.agent.as_ref().map_or(String::new(), |a| format!(
                " · {} {}",
                l.pick("代理人", "agent"),
                a.name
            )),
        )),
    ];
    if let Some(due) = case.due_on {
        v.push(Line::from(format!(
            "{} {due}",
            l.pick("承诺办结日期", "due on")
        )));
    }
    if let Some(due) = case
        .notice_due_on
        .filter(|_| case.state == CaseState::NoticeDue)
    {
        v.push(Line::from(Span::styled(
            format!(
                "{} {due}",
                l.pick(
                    "须在此日前书面告知，否则视为受理：",
                    "written notice due by (else deemed accepted):"
                )
            ),
            Style::default().fg(Color::Yellow),
        )));
    }
    if let Some(n) = &case.notice {
        let names: Vec<String> = n.deficiencies.iter().map(|d| d.name.clone()).collect();
        v.push(Line::from(Span::styled(
            format!(
                "{} {}",
                l.pick("补正材料通知书已列明：", "correction notice lists:"),
                names.join("、")
            ),
            Style::default().fg(Color::Yellow),
        )));
    }
    v.push(Line::from(dim(l.pick(
        "材料清单（* 未发送的更改）",
        "materials (* = not yet sent)",
    ))));
    let room = usize::from(
        height
            .saturating_sub(u16::try_from(v.len()).unwrap_or(u16::MAX))
            .saturating_sub(5),
    )
    .max(1);
    let start = selected.saturating_sub(room.saturating_sub(1));
    for (i, m) in case.materials.iter().enumerate().skip(start).take(room) {
        let edit = app.intake.edits.get(&m.id);
        let status: MaterialStatus = edit.map_or(m.status, |e| e.status.into());
        let note = edit.and_then(|e| e.note.clone()).or_else(|| m.note.clone());
        let sel = i == selected && app.focus == Focus::Intake;
        let mut flags = String::new();
        if m.required {
            flags.push_str(l.pick("必", "R"));
        }
        if m.tolerable {
            flags.push_str(l.pick("容", "T"));
        }
        if m.commitment {
            flags.push_str(l.pick("诺", "C"));
        }
        v.push(Line::from(vec![
            Span::styled(
                format!(
                    "{}{} {} ",
                    if sel { "▸" } else { " " },
                    if edit.is_some() { "*" } else { " " },
                    m.name
                ),
                if sel {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                },
            ),
            dim(format!("{flags} ")),
            Span::styled(
                format!("[{}]", i18n::material_status(l, status)),
                status_style(status),
            ),
            dim(note.map(|n| format!(" {n}")).unwrap_or_default()),
        ]));
    }
    let allowed = actions_for(case.state);
    let mut hints = Vec::new();
    for (k, zh, en) in CASE_KEYS {
        let c = k.chars().next().unwrap_or(' ');
        let is_action = c.is_ascii_lowercase() && *k != "n";
        if is_action && !allowed.contains(&c) {
            continue;
        }
        if !is_action && allowed.is_empty() {
            continue;
        }
        hints.push(Span::styled(format!(" {k} "), key_style()));
        hints.push(Span::raw(format!("{} ", l.pick(zh, en))));
    }
    if allowed.is_empty()
        || matches!(
            case.state,
            CaseState::Accepted | CaseState::DeemedAccepted | CaseState::Completed
        )
    {
        hints.push(Span::styled(" Ctrl+N ", key_style()));
        hints.push(Span::raw(l.pick("新办件", "new case").to_string()));
    }
    v.push(Line::from(""));
    v.push(Line::from(hints));
    v
}

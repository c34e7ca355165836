//! `dashboard city watch`: every centre in the terminal, live from the city stream; Enter
//! drills into the selected centre, Esc goes back. Reuses the supervisor TUI's terminal guard,
//! key reader and language choice; logs to a file, never onto the screen.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use city::query::{CentreDetail, CentreSummary};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::{SinkExt, StreamExt};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::watch::{spawn_terminal_reader, Lang, Msg, TerminalGuard};

#[derive(Debug, Clone, clap::Args)]
pub struct CityWatchArgs {
    /// The city server (`dashboard city serve`).
    #[arg(long, default_value = "ws://127.0.0.1:7800")]
    pub city: String,
    /// The city token. Prefer the environment variable.
    #[arg(long, env = "CITY_TOKEN", hide_env_values = true)]
    pub token: String,
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
}

/// What the screen shows; fed by stream frames and keys.
#[derive(Debug, Clone, Default)]
pub struct CityWatchView {
    pub lang: Lang,
    pub centres: Vec<CentreSummary>,
    pub selected: usize,
    pub detail: Option<CentreDetail>,
    pub drilled: Option<String>,
    pub status: String,
    pub quit: bool,
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn mmss(s: Option<i64>) -> String {
    s.map_or_else(|| "—".into(), |s| format!("{}:{:02}", s / 60, s % 60))
}

impl CityWatchView {
    #[must_use]
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            status: t(lang, "连接中…", "connecting…").into(),
            ..Self::default()
        }
    }

    /// Takes one frame of the stream.
    pub fn apply(&mut self, frame: &Value) {
        match frame["type"].as_str() {
            Some("city") => {
                if let Ok(c) = serde_json::from_value(frame["centres"].clone()) {
                    self.centres = c;
                    self.selected = self.selected.min(self.centres.len().saturating_sub(1));
                    self.status = t(self.lang, "实时", "live").into();
                }
            }
            Some("centre") => {
                self.detail = serde_json::from_value(frame["centre"].clone()).ok();
            }
            Some("offline") => {
                self.status =
                    t(self.lang, "城市数据库暂不可用", "city database unavailable").into();
            }
            _ => {}
        }
    }

    /// Handles a key; returns a frame to send to the server, if any.
    pub fn key(&mut self, k: KeyEvent) -> Option<Value> {
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => self.quit = true,
            KeyCode::Char('l') => {
                self.lang = match self.lang {
                    Lang::Zh => Lang::En,
                    Lang::En => Lang::Zh,
                };
            }
            KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.centres.len().saturating_sub(1));
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Enter => {
                let code = self.centres.get(self.selected)?.centre.clone();
                self.drilled = Some(code.clone());
                return Some(json!({"type": "drill", "centre": code}));
            }
            KeyCode::Esc => {
                self.drilled = None;
                self.detail = None;
                return Some(json!({"type": "drill", "centre": null}));
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, f: &mut Frame) {
        let l = self.lang;
        let [top, main, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(f.area());
        f.render_widget(
            Paragraph::new(format!(
                "{} · {} {} · {}",
                t(l, "全市政务服务中心", "City service centres"),
                self.centres.len(),
                t(l, "个中心", "centres"),
                self.status
            )),
            top,
        );
        match &self.detail {
            Some(d) if self.drilled.is_some() => self.draw_detail(f, main, d),
            _ => self.draw_overview(f, main),
        }
        f.render_widget(
            Paragraph::new(t(
                l,
                "↑↓ 选择  Enter 进入中心  Esc 返回  l English  q 退出",
                "↑↓ select  Enter drill down  Esc back  l 中文  q quit",
            )),
            bottom,
        );
    }

    fn draw_overview(&self, f: &mut Frame, area: ratatui::layout::Rect) {
        let l = self.lang;
        let header = Row::new(vec![
            t(l, "中心", "Centre"),
            t(l, "等候", "Waiting"),
            t(l, "最长等候", "Longest"),
            t(l, "开放窗口", "Open"),
            t(l, "告警", "Alerts"),
            t(l, "在办", "Cases"),
            t(l, "评价", "Rating"),
        ])
        .style(Style::default().add_modifier(Modifier::BOLD));
        let rows = self.centres.iter().enumerate().map(|(i, c)| {
            let style = if i == self.selected {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            Row::new(vec![
                c.name.clone(),
                c.waiting.to_string(),
                mmss(c.longest_wait_s),
                format!("{}/{}", c.open_windows, c.windows),
                c.open_alerts.to_string(),
                c.cases_in_progress.to_string(),
                c.mean_rating
                    .map_or_else(|| "—".into(), |r| format!("{r:.1}")),
            ])
            .style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Min(20),
                Constraint::Length(8),
                Constraint::Length(9),
                Constraint::Length(9),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(7),
            ],
        )
        .header(header)
        .block(Block::default().borders(Borders::ALL));
        f.render_widget(table, area);
    }

    fn draw_detail(&self, f: &mut Frame, area: ratatui::layout::Rect, d: &CentreDetail) {
        let l = self.lang;
        let mut lines = vec![Line::from(format!(
            "{} ({})  {} {}  {} {}",
            d.summary.name,
            d.summary.centre,
            t(l, "等候", "waiting"),
            d.summary.waiting,
            t(l, "告警", "alerts"),
            d.summary.open_alerts
        ))];
        lines.push(Line::from(t(l, "— 队列 —", "— Queues —")));
        for q in &d.queues {
            lines.push(Line::from(format!(
                "  {:<6} {} {:>4}  {} {}",
                q.queue,
                t(l, "等候", "waiting"),
                q.waiting,
                t(l, "最长", "longest"),
                mmss(q.longest_wait_s)
            )));
        }
        lines.push(Line::from(t(l, "— 窗口 —", "— Windows —")));
        for w in &d.windows {
            lines.push(Line::from(format!(
                "  {:>3}  {:<7} {}",
                w.window,
                w.state,
                w.ticket.clone().unwrap_or_default()
            )));
        }
        lines.push(Line::from(t(l, "— 告警 —", "— Alerts —")));
        for a in &d.alerts {
            lines.push(Line::from(format!("  {} {}", a.kind, a.id)));
        }
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL)),
            area,
        );
    }
}

/// Reads the stream, reconnecting; frames go to `out`, `to_send` goes to the server.
async fn stream_loop(
    url: String,
    out: mpsc::UnboundedSender<Value>,
    mut to_send: mpsc::UnboundedReceiver<Value>,
) {
    let mut last_drill: Option<Value> = None;
    loop {
        if let Ok((mut ws, _)) = tokio_tungstenite::connect_async(url.as_str()).await {
            if let Some(d) = &last_drill {
                let _ = ws.send(Message::Text(d.to_string().into())).await;
            }
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(Message::Text(t))) => {
                            if let Ok(v) = serde_json::from_str::<Value>(&t) {
                                if out.send(v).is_err() { return; }
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                    s = to_send.recv() => match s {
                        Some(v) => {
                            last_drill = Some(v.clone());
                            if ws.send(Message::Text(v.to_string().into())).await.is_err() { break; }
                        }
                        None => return,
                    },
                }
            }
        }
        if out
            .send(json!({"type": "offline", "message": "disconnected"}))
            .is_err()
        {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Runs `dashboard city watch` until the user quits.
///
/// # Errors
/// No token, or a terminal that cannot be drawn on.
pub fn watch(a: &CityWatchArgs) -> anyhow::Result<ExitCode> {
    if a.token.trim().is_empty() {
        anyhow::bail!("需要城市令牌 a city token is needed: --token or CITY_TOKEN");
    }
    let _log = crate::watch::init_file_logging("city-watch.log");
    let base = a.city.trim_end_matches('/');
    let url = format!("{base}/city/ws?token={}", a.token.trim());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async {
        let (frames_tx, mut frames) = mpsc::unbounded_channel();
        let (send_tx, send_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(stream_loop(url, frames_tx, send_rx));
        let mut keys = spawn_terminal_reader();
        let mut view = CityWatchView::new(a.lang);
        let _guard = TerminalGuard::enter().context("terminal")?;
        let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
        let mut terminal = ratatui::Terminal::new(backend).context("terminal")?;
        while !view.quit {
            terminal.draw(|f| view.draw(f)).context("drawing")?;
            tokio::select! {
                Some(v) = frames.recv() => view.apply(&v),
                k = keys.recv() => match k {
                    Some(Msg::Key(k)) => {
                        if let Some(v) = view.key(k) { let _ = send_tx.send(v); }
                    }
                    Some(_) => {}
                    None => break,
                },
            }
        }
        task.abort();
        anyhow::Ok(())
    })?;
    rt.shutdown_timeout(Duration::from_millis(300));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;

    fn frame() -> Value {
        json!({"type": "city", "centres": [
            {"centre": "440114", "name": "广州市花都区政务服务中心", "last_seq": 9,
             "last_at": null, "shipped_at": null, "waiting": 12, "longest_wait_s": 754,
             "open_windows": 5, "windows": 16, "open_alerts": 1, "cases_in_progress": 3,
             "mean_rating": 4.5},
            {"centre": "440106", "name": "天河区政务服务中心", "last_seq": 2,
             "last_at": null, "shipped_at": null, "waiting": 0, "longest_wait_s": null,
             "open_windows": 0, "windows": 0, "open_alerts": 0, "cases_in_progress": 0,
             "mean_rating": null}]})
    }

    fn screen(v: &CityWatchView) -> String {
        let mut term = ratatui::Terminal::new(TestBackend::new(100, 12)).expect("terminal");
        term.draw(|f| v.draw(f)).expect("draw");
        let buf = term.backend().buffer().clone();
        let mut s = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn lists_every_centre_and_drills_into_the_selected_one() {
        let mut v = CityWatchView::new(Lang::Zh);
        v.apply(&frame());
        let s = screen(&v);
        // A CJK character takes two cells; the second is drawn as a blank.
        let packed = s.replace(' ', "");
        assert!(packed.contains("广州市花都区政务服务中心"), "{s}");
        assert!(packed.contains("天河区政务服务中心"), "{s}");
        assert!(s.contains("12:34"), "longest wait as m:ss: {s}");
        assert!(s.contains("5/16"), "{s}");
        let down = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(v.key(down), None);
        let sent = v.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(sent, Some(json!({"type": "drill", "centre": "440106"})));
        let back = v.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert_eq!(back, Some(json!({"type": "drill", "centre": null})));
        v.key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::NONE));
        assert!(screen(&v).contains("Waiting"));
    }
}

//! `update`: the one place the view state changes — hall messages, keys and the clock.

use std::time::Instant;

use crossterm::event::{KeyEventKind, KeyModifiers};

use super::*;
use crate::client::Incoming;

/// The one place state changes.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => on_key(app, k),
        Msg::Hall(m, real) => on_hall(app, m, real),
        Msg::Redraw => Vec::new(),
        Msg::Tick(real) => {
            app.advance(real);
            match app.last_resync {
                Some(t)
                    if real.saturating_duration_since(t) >= RESYNC_EVERY
                        && app.link == Link::Online =>
                {
                    app.last_resync = Some(real);
                    vec![Effect::Resync]
                }
                _ => Vec::new(),
            }
        }
    }
}

fn on_hall(app: &mut App, m: Incoming, real: Instant) -> Vec<Effect> {
    let t = app.lang.text();
    match crate::printable::incoming(m) {
        Incoming::Link(l) => app.link = l,
        Incoming::Welcome {
            role, departments, ..
        } => {
            app.role = Role::parse(&role);
            app.departments = departments;
        }
        Incoming::Snapshot { state, .. } => match HallView::from_snapshot(&state) {
            Ok(h) => {
                app.clock.set(h.now, real);
                app.hall = Some(h);
                app.last_resync = Some(real);
                app.advance(real);
            }
            Err(e) => {
                tracing::warn!(error = %e, "unreadable snapshot");
                app.set_status(StatusKind::Error, format!("{}: {e}", t.hall_error));
            }
        },
        Incoming::Summary { queues, .. } => {
            if let Some(hall) = app.hall.as_mut() {
                hall.apply_summary(&queues);
            }
        }
        Incoming::Event { at, event, .. } => {
            let Some(hall) = app.hall.as_mut() else {
                return Vec::new();
            };
            let at = DateTime::parse_from_rfc3339(&at).unwrap_or(hall.now);
            if let Err(e) = hall.apply(at, &event) {
                tracing::warn!(error = %e, %event, "unreadable event: resyncing");
                app.last_resync = Some(real);
                return vec![Effect::Resync];
            }
            app.clock.nudge(at, real);
            app.advance(real);
        }
        Incoming::Reply { id, ok, error, .. } => {
            let what = app.pending.remove(&id).map(|p| p.what);
            match (what, ok) {
                (Some(what), true) => app.set_status(StatusKind::Ok, format!("{what}：{}", t.done)),
                (what, false) => {
                    // A refusal is shown even for an id this run did not send (the client
                    // re-sends what an earlier connection left unanswered).
                    let (code, message) = error.unwrap_or_default();
                    let what = what.unwrap_or_else(|| id.clone());
                    app.set_status(
                        StatusKind::Error,
                        format!("{what}：{} [{code}] {message}", t.failed),
                    );
                }
                (None, true) => {}
            }
        }
        Incoming::Error { code, message } => {
            app.set_status(
                StatusKind::Error,
                format!("{} [{code}] {message}", t.hall_error),
            );
        }
    }
    Vec::new()
}

fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if k.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) && matches!(k.code, KeyCode::Char('c' | 'C')) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    if let Some(Popup::ConfirmOpen(plan)) = app.popup.clone() {
        return on_popup_key(app, &plan, k.code);
    }
    if app.help {
        // Any key closes help; q still quits.
        app.help = false;
        if !matches!(k.code, KeyCode::Char('q')) {
            return Vec::new();
        }
    }
    let t = app.lang.text();
    match k.code {
        KeyCode::Char('q') | KeyCode::Esc => {
            app.quit = true;
            return vec![Effect::Quit];
        }
        KeyCode::Char('?') | KeyCode::F(1) => app.help = true,
        KeyCode::Tab => app.focus = app.focus.step(true),
        KeyCode::BackTab => app.focus = app.focus.step(false),
        KeyCode::Down | KeyCode::Char('j') => move_selection(app, true),
        KeyCode::Up | KeyCode::Char('k') => move_selection(app, false),
        KeyCode::Char('r') => {
            app.set_status(StatusKind::Info, t.resync);
            return vec![Effect::Resync];
        }
        KeyCode::Char('a') => return ack_selected(app),
        KeyCode::Char('o') => open_selected(app),
        _ => {}
    }
    Vec::new()
}

fn on_popup_key(app: &mut App, plan: &OpenPlan, code: KeyCode) -> Vec<Effect> {
    match code {
        KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
            app.popup = None;
            // Checked again: the role is known by now, but never send what the hall forbids.
            if !app.may_open_windows() {
                app.set_status(StatusKind::Error, app.lang.text().only_manager);
                return Vec::new();
            }
            let what = app.lang.describe_open(plan.window, &plan.queue);
            vec![app.send(
                Command::SetWindow {
                    window: plan.window,
                    state: WindowState::Open,
                    queues: vec![plan.queue.clone()],
                },
                what,
            )]
        }
        KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => {
            app.popup = None;
            app.set_status(StatusKind::Info, app.lang.text().cancelled);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn ack_selected(app: &mut App) -> Vec<Effect> {
    let t = app.lang.text();
    let Some(alert) = app.current_alert().cloned() else {
        app.set_status(StatusKind::Info, t.no_alert_selected);
        return Vec::new();
    };
    if alert.acknowledged {
        app.set_status(StatusKind::Info, t.already_acked);
        return Vec::new();
    }
    let what = app.lang.describe_ack(&alert.id);
    vec![app.send(Command::AckAlert { alert: alert.id }, what)]
}

fn open_selected(app: &mut App) {
    let t = app.lang.text();
    if !app.may_open_windows() {
        app.set_status(StatusKind::Error, t.only_manager);
        return;
    }
    let Some(rec) = app.current_recommendation().cloned() else {
        app.set_status(StatusKind::Info, t.no_selection);
        return;
    };
    match app.plan_for(&rec) {
        Some(plan) => app.popup = Some(Popup::ConfirmOpen(plan)),
        None => app.set_status(StatusKind::Info, t.no_candidate),
    }
}

fn step_id<'a>(ids: &[&'a str], current: Option<&str>, forward: bool) -> Option<&'a str> {
    if ids.is_empty() {
        return None;
    }
    let i = current.and_then(|c| ids.iter().position(|x| *x == c));
    let j = match (i, forward) {
        (None, _) => 0,
        (Some(i), true) => (i + 1).min(ids.len() - 1),
        (Some(i), false) => i.saturating_sub(1),
    };
    ids.get(j).copied()
}

fn move_selection(app: &mut App, forward: bool) {
    let step = |row: usize, len: usize| {
        if forward {
            (row + 1).min(len.saturating_sub(1))
        } else {
            row.saturating_sub(1)
        }
    };
    match app.focus {
        Panel::Queues => {
            let len = app.hall.as_ref().map_or(0, |h| h.queues.len());
            app.queue_row = step(app.queue_row, len);
        }
        Panel::Windows => {
            let len = app.hall.as_ref().map_or(0, |h| h.windows.len());
            app.window_row = step(app.window_row, len);
        }
        Panel::Alerts => {
            let current = app.current_alert().map(|a| a.id.clone());
            let list = app.alerts();
            let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
            let next = step_id(&ids, current.as_deref(), forward).map(str::to_string);
            app.selected_alert = next;
        }
        Panel::Recommendations => {
            let current = app.current_recommendation().map(|r| r.queue.clone());
            let list = app.recommendations();
            let ids: Vec<&str> = list.iter().map(|r| r.queue.as_str()).collect();
            let next = step_id(&ids, current.as_deref(), forward).map(str::to_string);
            app.selected_rec = next;
        }
        Panel::Records => {}
    }
}

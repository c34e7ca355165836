//! `--demo`: a realistic day fed into the hall, so a newcomer sees a living hall.
//!
//! Arrivals follow a morning peak per queue; every open window calls, serves for a realistic
//! time and finishes; a few applicants do not show up, a few come by the green channel or
//! with urgent matters. Everything goes through the same writer as real clients.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Timelike};
use queue_core::auth::{Actor, Role};
use queue_core::hall::Command;
use queue_core::queue::{TicketState, WindowState};
use queue_core::service::Outcome;
use rand::Rng;
use serde_json::{json, Value};

use crate::server::AppState;

/// Arrivals per hour at the peak, per queue code. Queue A is set to outgrow its windows in
/// the morning so alerts and staffing advice show up.
fn peak_rate(queue: &str) -> f64 {
    match queue {
        "A" => 24.0,
        "B" => 26.0,
        "C" => 8.0,
        "D" => 6.0,
        "E" => 12.0,
        "F" => 14.0,
        _ => 6.0,
    }
}

/// Share of the peak rate by local time of day: a strong morning peak, closed at lunch.
fn profile(t: DateTime<FixedOffset>) -> f64 {
    let h = f64::from(t.hour()) + f64::from(t.minute()) / 60.0;
    match h {
        h if (9.0..10.0).contains(&h) => 0.9,
        h if (10.0..11.0).contains(&h) => 1.0,
        h if (11.0..12.0).contains(&h) => 0.7,
        h if (13.0..14.0).contains(&h) => 0.45,
        h if (14.0..16.0).contains(&h) => 0.6,
        h if (16.0..17.0).contains(&h) => 0.35,
        _ => 0.0,
    }
}

/// A window as the demo reads it: number, state, and the state of its ticket if any.
type WindowView = (u32, WindowState, Option<TicketState>);

#[derive(Debug, Clone, Copy)]
enum Desk {
    Idle,
    Called { at: DateTime<FixedOffset> },
    Serving { until: DateTime<FixedOffset> },
}

pub fn spawn(state: Arc<AppState>) {
    let tracker = state.tracker.clone();
    tracker.spawn(run(state));
}

async fn submit(state: &AppState, actor: Actor, cmd: Value) -> Option<Outcome> {
    let command = Command::from_json(&cmd).ok()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    state.service.submit(actor, command, None, move |o| {
        let _ = tx.send(o);
    });
    rx.await.ok()
}

async fn run(state: Arc<AppState>) {
    let mut desks: BTreeMap<u32, Desk> = BTreeMap::new();
    let mut last = state.clock.now();
    let kiosk = Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    tracing::info!("demo feed started");
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
        let now = state.clock.now();
        let hours = (now - last).num_milliseconds().max(0) as f64 / 3_600_000.0;
        last = now;
        let (queues, windows, service): (Vec<String>, Vec<WindowView>, BTreeMap<String, f64>) = {
            let g = state.service.read();
            let q = &g.hall.queue;
            (
                q.queues.keys().cloned().collect(),
                q.windows
                    .values()
                    .map(|w| (w.number, w.state, q.ticket_at(w.number).map(|t| t.state)))
                    .collect(),
                q.queues
                    .values()
                    .map(|c| (c.code.clone(), c.service_minutes * 60.0))
                    .collect(),
            )
        };
        // Arrivals: Poisson per queue over the hall time that passed.
        let arrivals: Vec<(String, &'static str)> = {
            let mut rng = rand::thread_rng();
            let mut out = Vec::new();
            for q in &queues {
                let expected = peak_rate(q) * profile(now) * hours;
                for _ in 0..poisson(&mut rng, expected) {
                    let r: f64 = rng.gen();
                    let channel = if r < 0.05 {
                        "green"
                    } else if r < 0.07 {
                        "urgent"
                    } else {
                        "walk_in"
                    };
                    out.push((q.clone(), channel));
                }
            }
            out
        };
        for (q, channel) in arrivals {
            let _ = submit(
                &state,
                kiosk,
                json!({"kind":"issue_ticket","queue":q,"channel":channel}),
            )
            .await;
        }
        let staffed: Vec<u32> = state
            .staffed
            .lock()
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default();
        for (number, wstate, ticket) in windows {
            // A person is at this counter: the demo keeps its hands off.
            if staffed.contains(&number) {
                desks.remove(&number);
                continue;
            }
            let actor = Actor {
                role: Role::Counter,
                window: Some(number),
                token: None,
                departments: queue_core::auth::DepartmentScope::ALL,
            };
            let desk = desks.get(&number).copied().unwrap_or(Desk::Idle);
            let next = match (desk, ticket) {
                (_, None) if wstate == WindowState::Open => {
                    match submit(&state, actor, json!({"kind":"call_next"})).await {
                        Some(o) if o.ok => Desk::Called { at: now },
                        _ => Desk::Idle,
                    }
                }
                (_, None) => Desk::Idle,
                (Desk::Called { at }, Some(TicketState::Called)) => {
                    let waited = (now - at).num_seconds();
                    let (no_show, start) = {
                        let mut rng = rand::thread_rng();
                        (rng.gen_bool(0.03), waited >= rng.gen_range(15..45))
                    };
                    if waited > 60 && no_show {
                        let _ = submit(&state, actor, json!({"kind":"no_show"})).await;
                        Desk::Idle
                    } else if start {
                        let queue = {
                            let g = state.service.read();
                            g.hall.queue.ticket_at(number).map(|t| t.queue.clone())
                        };
                        let mean = queue
                            .and_then(|q| service.get(&q).copied())
                            .unwrap_or(600.0);
                        let secs = mean * rand::thread_rng().gen_range(0.6..1.4);
                        let _ = submit(&state, actor, json!({"kind":"start_service"})).await;
                        Desk::Serving {
                            until: now + chrono::Duration::seconds(secs as i64),
                        }
                    } else {
                        desk
                    }
                }
                (Desk::Serving { until }, Some(TicketState::Serving)) => {
                    if now >= until {
                        let _ =
                            submit(&state, actor, json!({"kind":"finish","outcome":"办结"})).await;
                        Desk::Idle
                    } else {
                        desk
                    }
                }
                // A person at the counter drove this window (or a restart): pick it up from here.
                (_, Some(TicketState::Called)) => Desk::Called { at: now },
                (_, Some(_)) => {
                    let secs = rand::thread_rng().gen_range(120..600);
                    Desk::Serving {
                        until: now + chrono::Duration::seconds(secs),
                    }
                }
            };
            desks.insert(number, next);
        }
    }
}

/// Knuth's method; `lambda` is small here (arrivals within a fraction of a minute).
fn poisson(rng: &mut impl Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let l = (-lambda).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.gen::<f64>();
        if p <= l || k > 1000 {
            return k;
        }
        k += 1;
    }
}

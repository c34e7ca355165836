//! The run loop, generic over the terminal backend, and the real terminal around it.

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::Event as TermEvent;
use ratatui::backend::Backend;
use ratatui::Terminal;
use serde_json::Value;
use tokio::sync::mpsc;

use super::app::{update, App, Effect, Msg};
use super::view::draw;
use crate::client::{Client, Incoming};

/// How often the clock and sparkline advance without any other input.
const TICK: Duration = Duration::from_millis(500);

/// Where effects go: the real client, or a recorder in tests.
pub trait Outbox {
    fn command(&self, id: &str, command: Value);
    fn resync(&self);
}

impl Outbox for Client {
    fn command(&self, id: &str, command: Value) {
        Client::command(self, id, command);
    }

    fn resync(&self) {
        Client::resync(self);
    }
}

/// Carries out effects; never blocks (the client queues them).
pub fn perform(effects: Vec<Effect>, out: &impl Outbox) {
    for e in effects {
        match e {
            Effect::Send { id, command } => {
                tracing::info!(%id, command = %command.to_json(), "sending");
                out.command(&id, command.to_json());
            }
            Effect::Resync => out.resync(),
            Effect::Quit => {}
        }
    }
}

/// Runs the view until it quits or both input channels close: every message goes through
/// `update`, every change is drawn.
///
/// # Errors
/// When the terminal cannot be drawn on.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    hall: &mut mpsc::UnboundedReceiver<Incoming>,
    terminal_input: &mut mpsc::UnboundedReceiver<Msg>,
    out: &impl Outbox,
) -> io::Result<()> {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut hall_open = true;
    let mut keys_open = true;
    terminal.draw(|f| draw(app, f))?;
    while !app.quit && (hall_open || keys_open) {
        let msg = tokio::select! {
            m = hall.recv(), if hall_open => match m {
                Some(m) => Msg::Hall(m, Instant::now()),
                None => { hall_open = false; continue; }
            },
            k = terminal_input.recv(), if keys_open => match k {
                Some(k) => k,
                None => { keys_open = false; continue; }
            },
            _ = tick.tick() => Msg::Tick(Instant::now()),
        };
        perform(update(app, msg), out);
        // Drain what else is queued before drawing: a burst of events costs one frame.
        while let Ok(m) = hall.try_recv() {
            perform(update(app, Msg::Hall(m, Instant::now())), out);
        }
        terminal.draw(|f| draw(app, f))?;
    }
    Ok(())
}

/// Feeds hall messages into `app` without a terminal until `done(app)` holds or `timeout`
/// passes; returns whether it held. For tests and tools that drive the real update loop.
pub async fn drive_until(
    app: &mut App,
    hall: &mut mpsc::UnboundedReceiver<Incoming>,
    out: &impl Outbox,
    timeout: Duration,
    done: impl Fn(&App) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if done(app) {
            return true;
        }
        let msg = tokio::select! {
            m = hall.recv() => match m {
                Some(m) => Msg::Hall(m, Instant::now()),
                None => return done(app),
            },
            () = tokio::time::sleep(Duration::from_millis(200)) => Msg::Tick(Instant::now()),
            () = tokio::time::sleep_until(deadline) => return done(app),
        };
        perform(update(app, msg), out);
    }
}

/// Raw mode and the alternate screen for as long as it lives; restored on drop, and by the
/// panic hook installed with it, so a panic never leaves the terminal unusable.
pub struct TerminalGuard;

impl TerminalGuard {
    /// # Errors
    /// When the terminal refuses raw mode or the alternate screen.
    pub fn enter() -> io::Result<Self> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
        Ok(Self)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = crossterm::terminal::disable_raw_mode();
}

/// Reads keys (and resizes) on a plain thread, since crossterm's reads block, and hands them
/// over as messages; the thread ends when the receiver is gone.
#[must_use]
pub fn spawn_terminal_reader() -> mpsc::UnboundedReceiver<Msg> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || loop {
        match crossterm::event::poll(Duration::from_millis(200)) {
            Ok(true) => match crossterm::event::read() {
                Ok(TermEvent::Key(k)) => {
                    if tx.send(Msg::Key(k)).is_err() {
                        return;
                    }
                }
                Ok(TermEvent::Resize(..)) => {
                    if tx.send(Msg::Redraw).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "reading the terminal failed");
                    return;
                }
            },
            Ok(false) => {
                if tx.is_closed() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "polling the terminal failed");
                return;
            }
        }
    });
    rx
}

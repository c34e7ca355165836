//! The run loop, generic over the terminal backend (tests drive it on `TestBackend`): draw,
//! wait for a message, `update()`, carry out the effects. Keys come from a std thread, so a
//! key handler never waits on I/O and the loop never blocks on the terminal.

use std::sync::mpsc::Sender;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use dashboard::client::{Client, Incoming};
use device::idcard::{SimCard, SimIdReader};
use device::printer::{SimPrinter, SimPrinterState};
use device::scanner::SimScanner;
use ratatui::backend::Backend;
use ratatui::{Frame, Terminal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::app::App;
use crate::kiosk::Kiosk;
use crate::msg::{Effect, Msg};
use crate::printing::PrintCmd;

/// A screen in the Elm style.
pub trait Screen {
    fn update(&mut self, msg: Msg) -> Vec<Effect>;
    fn draw(&self, f: &mut Frame);
}

impl Screen for App {
    fn update(&mut self, msg: Msg) -> Vec<Effect> {
        App::update(self, msg)
    }
    fn draw(&self, f: &mut Frame) {
        crate::view::draw(self, f);
    }
}

impl Screen for Kiosk {
    fn update(&mut self, msg: Msg) -> Vec<Effect> {
        Kiosk::update(self, msg)
    }
    fn draw(&self, f: &mut Frame) {
        crate::view::kiosk::draw(self, f);
    }
}

/// Where effects go.
pub struct Devices {
    pub client: Client,
    pub printer: Sender<PrintCmd>,
    pub sim_printer: Option<SimPrinter>,
    pub sim_scanner: Option<SimScanner>,
    /// The in-process ID card reader and the sample cards it cycles through.
    pub sim_idreader: Option<(SimIdReader, Vec<SimCard>)>,
}

/// Hall time: the system clock shifted by what the hall last said its time was (the hall
/// may run a scaled demo clock).
#[derive(Debug, Clone, Copy)]
pub struct HallClock {
    offset: chrono::Duration,
    tz: FixedOffset,
}

impl Default for HallClock {
    fn default() -> Self {
        Self {
            offset: chrono::Duration::zero(),
            tz: FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix()),
        }
    }
}

use chrono::Offset as _;

impl HallClock {
    #[must_use]
    pub fn now(&self) -> DateTime<FixedOffset> {
        (Utc::now() + self.offset).with_timezone(&self.tz)
    }

    fn set(&mut self, t: DateTime<FixedOffset>) {
        self.offset = t.with_timezone(&Utc) - Utc::now();
        self.tz = *t.offset();
    }

    pub fn observe(&mut self, m: &Msg) {
        match m {
            Msg::Hall(Incoming::Snapshot { state, .. }) => {
                if let Some(t) = state["now"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                {
                    self.set(t);
                }
            }
            Msg::Hall(Incoming::Event { at, .. }) => {
                if let Ok(t) = DateTime::parse_from_rfc3339(at) {
                    self.set(t);
                }
            }
            _ => {}
        }
    }
}

/// Forwards the client's messages and the terminal's keys into one channel.
pub fn feed(mut incoming: UnboundedReceiver<Incoming>, tx: &UnboundedSender<Msg>) {
    let hall_tx = tx.clone();
    tokio::spawn(async move {
        while let Some(i) = incoming.recv().await {
            if hall_tx.send(Msg::Hall(i)).is_err() {
                return;
            }
        }
    });
    let key_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("keys".into())
        .spawn(move || loop {
            match crossterm::event::read() {
                Ok(crossterm::event::Event::Key(k)) => {
                    if key_tx.send(Msg::Key(k)).is_err() {
                        return;
                    }
                }
                Ok(crossterm::event::Event::Resize(..)) => {
                    if key_tx.send(Msg::Redraw).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "terminal input failed");
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the key reader");
    }
}

/// Runs until an effect says quit or every sender is gone.
///
/// # Errors
/// Terminal drawing errors.
pub async fn run<B: Backend, S: Screen>(
    terminal: &mut Terminal<B>,
    screen: &mut S,
    rx: &mut UnboundedReceiver<Msg>,
    dev: &Devices,
) -> std::io::Result<()> {
    let mut clock = HallClock::default();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        terminal.draw(|f| screen.draw(f))?;
        let first = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => m,
                None => return Ok(()),
            },
            _ = tick.tick() => Msg::Tick(clock.now()),
        };
        // Take everything already waiting before drawing again (bursts of events).
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        for m in batch {
            clock.observe(&m);
            for e in screen.update(m) {
                if apply(e, dev, clock.now().offset().fix()) {
                    return Ok(());
                }
            }
        }
    }
}

/// Carries out one effect; true means quit.
fn apply(e: Effect, dev: &Devices, tz: FixedOffset) -> bool {
    match e {
        Effect::Send { id, command } => {
            tracing::info!(%id, kind = command["kind"].as_str().unwrap_or(""), "command");
            dev.client.command(id, command);
        }
        Effect::Print { label, bytes } => {
            let _ = dev.printer.send(PrintCmd::Submit { label, bytes, tz });
        }
        Effect::RetryPrint => {
            let _ = dev.printer.send(PrintCmd::Retry);
        }
        Effect::SimPaperOut(out) => {
            if let Some(p) = &dev.sim_printer {
                p.set_state(if out {
                    SimPrinterState::PaperOut
                } else {
                    SimPrinterState::Normal
                });
            }
        }
        Effect::SimScan(text) => {
            if let Some(s) = &dev.sim_scanner {
                s.scan(text.as_bytes());
            }
        }
        Effect::SimCard(n) => {
            if let Some((sim, cards)) = &dev.sim_idreader {
                if !cards.is_empty() {
                    sim.remove();
                    sim.place(&cards[n % cards.len()]);
                }
            }
        }
        Effect::Resync => dev.client.resync(),
        Effect::Quit => return true,
    }
    false
}

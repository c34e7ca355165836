//! The supervisor view's state and its one `update`: messages in, effects out.
//!
//! Nothing here does I/O or reads a clock: real time arrives inside messages, so tests drive
//! the very same code with made-up instants, and key handlers can never block on the network.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use queue_core::auth::Role;
use queue_core::queue::WindowState;
use queue_core::supervision::{Alert, Recommendation};
use serde_json::{json, Value};

use super::i18n::Lang;
use super::model::HallView;
use crate::client::{Incoming, Link};

mod update;
pub use update::update;

/// Samples kept per queue for the sparkline: one per hall minute, an hour.
pub const HISTORY_LEN: usize = 60;
/// Real time between safety-net resyncs (figures arrive in `summary` frames; this only
/// bounds how long an unnoticed divergence could last).
pub const RESYNC_EVERY: Duration = Duration::from_secs(300);

/// Input to [`update`].
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Something from the hall client, received at the given real instant.
    Hall(Incoming, Instant),
    /// Real time passes (clock, sparkline, resync).
    Tick(Instant),
    /// The terminal changed size: nothing to update, only to draw.
    Redraw,
}

impl Msg {
    /// A plain key press, e.g. `Msg::char('o')`.
    #[must_use]
    pub fn char(c: char) -> Self {
        Self::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }
}

/// A command the view may send.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    SetWindow {
        window: u32,
        state: WindowState,
        queues: Vec<String>,
    },
    AckAlert {
        alert: String,
    },
}

impl Command {
    /// The protocol form, `{"kind": …}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Self::SetWindow {
                window,
                state,
                queues,
            } => json!({"kind": "set_window", "window": window, "state": state, "queues": queues}),
            Self::AckAlert { alert } => json!({"kind": "ack_alert", "alert": alert}),
        }
    }
}

/// What the run loop does on the view's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send { id: String, command: Command },
    Resync,
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    Queues,
    Windows,
    Alerts,
    Recommendations,
    /// Follow-ups and requests: shown, not focused (they are acted on from the web page).
    Records,
}

impl Panel {
    const ALL: [Self; 4] = [
        Self::Queues,
        Self::Windows,
        Self::Alerts,
        Self::Recommendations,
    ];

    fn step(self, forward: bool) -> Self {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        let n = Self::ALL.len();
        Self::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// How the chosen window comes to serve the queue.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenMode {
    /// A closed window is opened.
    Open,
    /// An open window of quieter queues is switched; it then serves only the new queue.
    Switch { from: Vec<String> },
}

/// The open-window action waiting for y/n.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenPlan {
    pub window: u32,
    pub queue: String,
    pub queue_name: String,
    pub mode: OpenMode,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    ConfirmOpen(OpenPlan),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// Estimates hall time between messages: the hall may run faster than real time (demos), so
/// the rate is learnt from successive snapshots.
#[derive(Debug, Clone, Default)]
struct HallClock {
    anchor: Option<(DateTime<FixedOffset>, Instant)>,
    rate: Option<f64>,
}

impl HallClock {
    fn now(&self, real: Instant) -> Option<DateTime<FixedOffset>> {
        let (hall, at) = self.anchor?;
        let elapsed = real.saturating_duration_since(at).as_secs_f64() * self.rate.unwrap_or(1.0);
        #[allow(clippy::cast_possible_truncation)]
        let ms = (elapsed * 1000.0) as i64;
        Some(hall + chrono::Duration::milliseconds(ms))
    }

    /// Authoritative hall time (a snapshot's `now`).
    fn set(&mut self, hall: DateTime<FixedOffset>, real: Instant) {
        if let Some((h0, r0)) = self.anchor {
            let real_s = real.saturating_duration_since(r0).as_secs_f64();
            #[allow(clippy::cast_precision_loss)]
            let hall_s = (hall - h0).num_milliseconds() as f64 / 1000.0;
            // Short gaps say more about jitter than about the rate.
            if real_s >= 2.0 && hall_s > 0.0 {
                self.rate = Some((hall_s / real_s).clamp(0.05, 10_000.0));
            }
        }
        self.anchor = Some((hall, real));
    }

    /// An event's commit time: only moves the clock forward.
    fn nudge(&mut self, hall: DateTime<FixedOffset>, real: Instant) {
        if self.now(real).is_none_or(|n| hall > n) {
            let rate = self.rate;
            self.anchor = Some((hall, real));
            self.rate = rate;
        }
    }
}

/// A command sent and not yet answered.
#[derive(Debug, Clone)]
struct Pending {
    what: String,
}

/// The whole view state. Pure data: `draw` reads it, only `update` changes it.
#[derive(Debug, Clone)]
pub struct App {
    pub lang: Lang,
    pub link: Link,
    pub role: Option<Role>,
    /// The departments a scoped supervisor sees (from the welcome); empty: the whole hall.
    pub departments: Vec<String>,
    pub hall: Option<HallView>,
    /// Hall time shown (estimated between messages).
    pub hall_now: Option<DateTime<FixedOffset>>,
    /// Waiting per queue, one sample per hall minute, oldest first.
    pub history: BTreeMap<String, VecDeque<u32>>,
    pub focus: Panel,
    /// First row shown in the queue and window tables.
    pub queue_row: usize,
    pub window_row: usize,
    /// Selected alert id and recommendation queue: ids, not indexes, so a list changing
    /// under the cursor never makes `a` or `o` act on another row.
    pub selected_alert: Option<String>,
    pub selected_rec: Option<String>,
    pub popup: Option<Popup>,
    pub help: bool,
    pub status: Option<Status>,
    pub quit: bool,
    clock: HallClock,
    last_sample_minute: Option<i64>,
    last_resync: Option<Instant>,
    pending: BTreeMap<String, Pending>,
    id_prefix: String,
    next_id: u64,
}

impl App {
    /// `id_prefix` makes command ids unique across runs (see [`crate::client::id_prefix`]).
    #[must_use]
    pub fn new(lang: Lang, id_prefix: impl Into<String>) -> Self {
        Self {
            lang,
            link: Link::Connecting,
            role: None,
            departments: Vec::new(),
            hall: None,
            hall_now: None,
            history: BTreeMap::new(),
            focus: Panel::default(),
            queue_row: 0,
            window_row: 0,
            selected_alert: None,
            selected_rec: None,
            popup: None,
            help: false,
            status: None,
            quit: false,
            clock: HallClock::default(),
            last_sample_minute: None,
            last_resync: None,
            pending: BTreeMap::new(),
            id_prefix: id_prefix.into(),
            next_id: 0,
        }
    }

    /// Only managers may open windows; the key and its hint are hidden for everyone else.
    #[must_use]
    pub fn may_open_windows(&self) -> bool {
        self.role.is_some_and(|r| r.may_send("set_window"))
    }

    #[must_use]
    pub fn may_ack(&self) -> bool {
        self.role.is_some_and(|r| r.may_send("ack_alert"))
    }

    /// Alerts in display order: unacknowledged first, newest first.
    #[must_use]
    pub fn alerts(&self) -> Vec<&Alert> {
        let mut v: Vec<&Alert> = self.hall.iter().flat_map(|h| h.alerts.values()).collect();
        v.sort_by(|a, b| {
            a.acknowledged
                .cmp(&b.acknowledged)
                .then(b.raised_at.cmp(&a.raised_at))
                .then(a.id.cmp(&b.id))
        });
        v
    }

    /// Recommendations in display order: the largest shortfall of windows first.
    #[must_use]
    pub fn recommendations(&self) -> Vec<&Recommendation> {
        let mut v: Vec<&Recommendation> = self
            .hall
            .iter()
            .flat_map(|h| h.recommendations.values())
            .collect();
        let short =
            |r: &Recommendation| i64::from(r.recommended_windows) - i64::from(r.open_windows);
        v.sort_by(|a, b| short(b).cmp(&short(a)).then(a.queue.cmp(&b.queue)));
        v
    }

    /// The alert `a` acts on: the selected one if still there, else the first.
    #[must_use]
    pub fn current_alert(&self) -> Option<&Alert> {
        let list = self.alerts();
        self.selected_alert
            .as_ref()
            .and_then(|id| list.iter().find(|a| &a.id == id).copied())
            .or_else(|| list.first().copied())
    }

    #[must_use]
    pub fn current_recommendation(&self) -> Option<&Recommendation> {
        let list = self.recommendations();
        self.selected_rec
            .as_ref()
            .and_then(|q| list.iter().find(|r| &r.queue == q).copied())
            .or_else(|| list.first().copied())
    }

    /// Selects the recommendation for `queue` (and focuses that panel).
    pub fn select_recommendation(&mut self, queue: &str) {
        self.focus = Panel::Recommendations;
        self.selected_rec = Some(queue.to_string());
    }

    /// Queue name in the view's language.
    #[must_use]
    pub fn queue_name(&self, code: &str) -> String {
        self.hall
            .as_ref()
            .and_then(|h| h.queue(code))
            .map(|q| match self.lang {
                Lang::En if !q.name_en.is_empty() => q.name_en.clone(),
                _ => q.name.clone(),
            })
            .unwrap_or_default()
    }

    /// The window the recommendation for `rec` would use: a closed one first (as the hall
    /// lists them), else an open window of quieter queues. Checked against the live window
    /// states, since the recommendation may predate a change.
    #[must_use]
    pub fn plan_for(&self, rec: &Recommendation) -> Option<OpenPlan> {
        let hall = self.hall.as_ref()?;
        let queue_name = self.queue_name(&rec.queue);
        let closed = rec.closed_windows.iter().find(|n| {
            hall.windows
                .get(n)
                .is_none_or(|w| w.state == WindowState::Closed)
        });
        if let Some(&window) = closed {
            return Some(OpenPlan {
                window,
                queue: rec.queue.clone(),
                queue_name,
                mode: OpenMode::Open,
            });
        }
        rec.switch_windows.iter().find_map(|n| {
            let w = hall.windows.get(n)?;
            (w.state == WindowState::Open && !w.serves(&rec.queue)).then(|| OpenPlan {
                window: *n,
                queue: rec.queue.clone(),
                queue_name: queue_name.clone(),
                mode: OpenMode::Switch {
                    from: w.queues.clone(),
                },
            })
        })
    }

    fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some(Status {
            kind,
            text: text.into(),
        });
    }

    fn send(&mut self, command: Command, what: String) -> Effect {
        self.next_id += 1;
        let id = format!("{}-{}", self.id_prefix, self.next_id);
        let t = self.lang.text();
        self.set_status(StatusKind::Info, format!("{what}：{}…", t.sending));
        self.pending.insert(id.clone(), Pending { what });
        Effect::Send { id, command }
    }

    /// Advances the shown clock and takes a sparkline sample for each new hall minute.
    fn advance(&mut self, real: Instant) {
        self.hall_now = self.clock.now(real);
        let (Some(now), Some(hall)) = (self.hall_now, self.hall.as_ref()) else {
            return;
        };
        let minute = now.timestamp().div_euclid(60);
        let steps = match self.last_sample_minute {
            None => 1,
            Some(last) if minute > last => usize::try_from(minute - last).unwrap_or(HISTORY_LEN),
            Some(_) => 0,
        }
        .min(HISTORY_LEN);
        if steps == 0 {
            return;
        }
        self.last_sample_minute = Some(minute);
        for q in &hall.queues {
            let n = hall.waiting(&q.code);
            let h = self.history.entry(q.code.clone()).or_default();
            // Minutes skipped (fast clock, no events) held the same count.
            for _ in 0..steps {
                h.push_back(n);
            }
            while h.len() > HISTORY_LEN {
                h.pop_front();
            }
        }
    }
}

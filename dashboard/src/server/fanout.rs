//! Fan-out: what each client receives of the committed events, serialised once per view.
//!
//! Every committed event is turned into at most three ready-made frames when it is
//! published (staff, public display, and the handling counter's unmasked view of a case),
//! plus a [`Scope`] saying who needs it and the departments it concerns (a bit set, so a
//! department-scoped supervisor takes the staff frame or a `redacted` run by one AND). A session then only chooses and concatenates shared
//! bytes: its batch frame costs a copy, never a serialisation. Events a client does not need
//! become one `redacted` marker per run (`{"kind":"redacted","from":N}` at seq M covers
//! N..=M), so each client's `seq` stays contiguous.

use std::collections::BTreeSet;

use axum::extract::ws::Utf8Bytes;
use queue_core::auth::{DepartmentScope, Role};
use queue_core::config::HallConfig;
use queue_core::hall::{scope, Event};
use queue_core::intake::CaseEvent;
use queue_core::queue::QueueEvent;
use queue_core::store::EventRecord;
use queue_core::supervision::SupervisionEvent;

/// Who needs an event, besides supervisors and managers (who get every event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Ticket events: the counters at these windows or serving these queues.
    Tickets {
        queues: Vec<String>,
        windows: Vec<u32>,
    },
    /// A case: the counter of the window handling it (unmasked) and, when the case was
    /// taken over, the window that had it (masked: it must learn the case has left it).
    Case {
        window: Option<u32>,
        from: Option<u32>,
    },
    /// A window's change: its own counter and pad (the display gets every window).
    Window(u32),
    /// Hall-wide staff news every counter shows (alerts, thresholds, devices).
    Staff,
    /// Supervision detail: recommendations, bookings, ratings, refusals, follow-ups.
    Supervisors,
    /// A 办不成事 request or complaint: the first-responder window's counter (masked).
    Request { window: u32 },
}

impl Scope {
    #[must_use]
    pub fn of(event: &Event) -> Self {
        match event {
            Event::Queue(q) => match q {
                QueueEvent::WindowChanged { window } => Self::Window(window.number),
                QueueEvent::ThresholdChanged { .. } | QueueEvent::DeviceReported { .. } => {
                    Self::Staff
                }
                QueueEvent::AppointmentBooked { .. }
                | QueueEvent::UrgentRefused { .. }
                | QueueEvent::EvaluationRecorded { .. } => Self::Supervisors,
                _ => {
                    let tickets = event.tickets();
                    let mut queues: Vec<String> = tickets.iter().map(|t| t.queue.clone()).collect();
                    queues.dedup();
                    let mut windows: Vec<u32> = tickets.iter().filter_map(|t| t.window).collect();
                    windows.dedup();
                    Self::Tickets { queues, windows }
                }
            },
            Event::Case(c) => Self::Case {
                window: c.case().window,
                from: match c {
                    CaseEvent::CaseTakenOver { from, .. } => *from,
                    _ => None,
                },
            },
            Event::Supervision(SupervisionEvent::Recommendation(_)) => Self::Supervisors,
            Event::Supervision(_) => Self::Staff,
            Event::Redress(e) => match e.request() {
                Some(r) => Self::Request {
                    window: r.first_window,
                },
                None => Self::Supervisors,
            },
        }
    }
}

/// The client an assembled batch is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub role: Role,
    pub window: Option<u32>,
    /// The queues the viewer's window serves now (counters only).
    pub queues: BTreeSet<String>,
    /// A chief representative's departments (supervisors only).
    pub departments: DepartmentScope,
}

impl Subscriber {
    #[must_use]
    pub fn new(role: Role, window: Option<u32>) -> Self {
        Self {
            role,
            window,
            queues: BTreeSet::new(),
            departments: DepartmentScope::ALL,
        }
    }

    /// Narrowed to `departments` (a department-scoped supervisor).
    #[must_use]
    pub fn scoped(mut self, departments: DepartmentScope) -> Self {
        if self.role == Role::Supervisor {
            self.departments = departments;
        }
        self
    }

    /// Follows the viewer's own window when an event changes its queues.
    pub fn observe(&mut self, o: &Outgoing) {
        if let (Some((w, queues)), Some(mine)) = (&o.window_queues, self.window) {
            if *w == mine {
                self.queues = queues.iter().cloned().collect();
            }
        }
    }
}

/// One committed event, ready to send to any viewer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub seq: u64,
    /// `at` as JSON (a quoted RFC 3339 string), for redaction markers.
    pub at: String,
    /// The event frame for staff (ID numbers masked).
    staff: Utf8Bytes,
    /// The event frame for the public display; `None` when it sees nothing of it.
    display: Option<Utf8Bytes>,
    /// For a case event: the handling window and its counter's unmasked frame.
    own: Option<(u32, Utf8Bytes)>,
    scope: Scope,
    /// The departments this event concerns (`None`: hall-wide), for scoped supervisors.
    departments: Option<u128>,
    /// A window's new queue list, when this event changes a window.
    window_queues: Option<(u32, Vec<String>)>,
}

impl Outgoing {
    #[must_use]
    pub fn new(r: &EventRecord, config: &HallConfig) -> Self {
        let at = serde_json::to_string(&r.at).unwrap_or_else(|_| "null".into());
        let staff = event_frame(
            r.seq,
            &at,
            r.event.for_role(Role::Supervisor, None).as_ref(),
        );
        let display = r
            .event
            .for_role(Role::Display, None)
            .map(|e| event_frame(r.seq, &at, Some(&e)).into());
        let scope = Scope::of(&r.event);
        let own = match (&scope, &r.event) {
            (
                Scope::Case {
                    window: Some(w), ..
                },
                Event::Case(_),
            ) => r
                .event
                .for_role(Role::Counter, Some(*w))
                .map(|e| (*w, event_frame(r.seq, &at, Some(&e)).into())),
            _ => None,
        };
        let window_queues = match &r.event {
            Event::Queue(QueueEvent::WindowChanged { window }) => {
                Some((window.number, window.queues.clone()))
            }
            _ => None,
        };
        Self {
            seq: r.seq,
            at,
            staff: staff.into(),
            display,
            own,
            scope,
            departments: scope::event_bits(config, &r.event),
            window_queues,
        }
    }

    /// The frame `sub` receives for this event, or `None` when it is not for it.
    #[must_use]
    pub fn frame_for(&self, sub: &Subscriber) -> Option<&Utf8Bytes> {
        match sub.role {
            Role::Manager => Some(&self.staff),
            // A chief representative: its departments' cases, records and alerts; the rest
            // of the staff frame is the shared hall's.
            Role::Supervisor => sub
                .departments
                .sees(self.departments)
                .then_some(&self.staff),
            Role::Display => self.display.as_ref(),
            // The kiosk needs the queue figures (summary frames) and its own replies only.
            Role::Kiosk => None,
            // The rating pad follows its own window, in the public form (no personal data).
            Role::Pad => match &self.scope {
                Scope::Tickets { windows, .. }
                    if sub.window.is_some_and(|w| windows.contains(&w)) =>
                {
                    self.display.as_ref()
                }
                Scope::Staff => self.display.as_ref(),
                Scope::Window(w) if sub.window == Some(*w) => self.display.as_ref(),
                _ => None,
            },
            Role::Counter => match &self.scope {
                Scope::Staff => Some(&self.staff),
                Scope::Window(w) => (sub.window == Some(*w)).then_some(&self.staff),
                Scope::Supervisors => None,
                // The staff frame: the applicant is masked for everyone, its recorder too.
                Scope::Request { window } => (sub.window == Some(*window)).then_some(&self.staff),
                Scope::Case { from, .. } => match (&self.own, sub.window) {
                    (Some((w, frame)), Some(mine)) if *w == mine => Some(frame),
                    (_, Some(mine)) if *from == Some(mine) => Some(&self.staff),
                    _ => None,
                },
                Scope::Tickets { queues, windows } => {
                    let at_mine = sub.window.is_some_and(|w| windows.contains(&w));
                    let served = queues.iter().any(|q| sub.queues.contains(q));
                    (at_mine || served).then_some(&self.staff)
                }
            },
        }
    }
}

/// `{"type":"event","seq":N,"at":"…","event":{…}}` with the keys in that order, so a client
/// can read the seq without parsing the event. `None` gives a one-event `redacted` filler.
#[must_use]
pub fn event_frame(seq: u64, at: &str, visible: Option<&Event>) -> String {
    let event = visible
        .and_then(|e| serde_json::to_string(e).ok())
        .unwrap_or_else(|| r#"{"kind":"redacted"}"#.to_string());
    format!(r#"{{"type":"event","seq":{seq},"at":{at},"event":{event}}}"#)
}

/// A marker for the events `from..=to` a client does not receive.
fn redacted_run(from: u64, to: u64, at: &str) -> String {
    format!(
        r#"{{"type":"event","seq":{to},"at":{at},"event":{{"kind":"redacted","from":{from}}}}}"#
    )
}

/// Builds what one viewer receives of a run of events.
///
/// Visible events are appended as shared frames; runs of invisible ones become one marker.
/// A trailing invisible run is kept in `pending_gap` (not sent) so that a client that needs
/// nothing of a busy hall is not woken for every commit; it goes out before the next visible
/// event or when the session flushes it (`flush_gap`).
#[derive(Debug, Default)]
pub struct Assembler {
    parts: Vec<Part>,
    /// `(from, to, at)` of invisible events not yet covered by a marker.
    pending_gap: Option<(u64, u64, String)>,
}

#[derive(Debug)]
enum Part {
    Shared(Utf8Bytes),
    Owned(String),
}

impl Part {
    fn as_str(&self) -> &str {
        match self {
            Self::Shared(b) => b.as_str(),
            Self::Owned(s) => s,
        }
    }

    fn into_bytes(self) -> Utf8Bytes {
        match self {
            Self::Shared(b) => b,
            Self::Owned(s) => s.into(),
        }
    }
}

impl Assembler {
    /// Takes one event (already known to be after what the client has).
    pub fn push(&mut self, sub: &mut Subscriber, o: &Outgoing) {
        sub.observe(o);
        match o.frame_for(sub) {
            Some(frame) => {
                self.close_gap();
                self.parts.push(Part::Shared(frame.clone()));
            }
            None => match &mut self.pending_gap {
                Some((_, to, at)) => {
                    *to = o.seq;
                    at.clone_from(&o.at);
                }
                None => self.pending_gap = Some((o.seq, o.seq, o.at.clone())),
            },
        }
    }

    fn close_gap(&mut self) {
        if let Some((from, to, at)) = self.pending_gap.take() {
            self.parts.push(Part::Owned(redacted_run(from, to, &at)));
        }
    }

    /// Covers the trailing invisible run with a marker too.
    pub fn flush_gap(&mut self) {
        self.close_gap();
    }

    /// The frames to send for what was pushed (one event alone, or `batch` frames of at most
    /// about `BATCH_BYTES`), and resets.
    pub fn take_frames(&mut self) -> Vec<Utf8Bytes> {
        let mut frames = Vec::new();
        if self.parts.len() == 1 {
            if let Some(p) = self.parts.pop() {
                frames.push(p.into_bytes());
            }
            return frames;
        }
        const HEAD: &str = r#"{"type":"batch","events":["#;
        // Each frame is allocated at its exact size: a frame waits in every slow client's
        // queue, so spare capacity there is memory times clients (docs/benchmarks.md).
        let parts: Vec<Part> = self.parts.drain(..).collect();
        let mut start = 0;
        while start < parts.len() {
            let mut end = start;
            let mut len = HEAD.len() + 2;
            while end < parts.len() {
                let add = parts[end].as_str().len() + usize::from(end > start);
                if end > start && len + add > BATCH_BYTES {
                    break;
                }
                len += add;
                end += 1;
            }
            let mut s = String::with_capacity(len);
            s.push_str(HEAD);
            for (i, p) in parts[start..end].iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(p.as_str());
            }
            s.push_str("]}");
            frames.push(s.into());
            start = end;
        }
        frames
    }
}

/// A batch frame is closed once it holds this many bytes (one event may exceed it alone).
const BATCH_BYTES: usize = 48 * 1024;

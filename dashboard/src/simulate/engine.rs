//! One simulated day through the real engine: `Hall::decide`/`apply`/`tick` with a manual
//! clock, applicants generated from the scenario with a fixed seed, windows that call, serve
//! and finish, no-shows, and an optional schedule of open windows per interval.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::SigningKey;
use queue_core::estimate::{predict::SplitMix, service_times::normal_inv};
use queue_core::hall::{Command, Event, Hall};
use queue_core::queue::{Channel, QueueCommand, QueueEvent, WindowSetting, WindowState};
use queue_core::store::{EventRecord, Store};

use super::quality::Observation;
use super::scenario::Scenario;

/// Someone who will come to the hall, with what they will need (common random numbers: the
/// same applicants face every schedule compared).
#[derive(Debug, Clone)]
pub struct Applicant {
    pub at: DateTime<FixedOffset>,
    pub queue: String,
    pub channel: Channel,
    pub service_seconds: f64,
    pub no_show: bool,
}

/// A stream per (seed, day, queue), so adding a queue does not change the others' arrivals.
fn stream(seed: u64, day: NaiveDate, queue: &str) -> SplitMix {
    let mut h: u64 = seed ^ 0x5bd1_e995;
    for b in day.to_string().bytes().chain(queue.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    SplitMix::new(h)
}

/// The day's applicants, in arrival order.
pub fn applicants(sc: &Scenario, day: NaiveDate, seed: u64) -> anyhow::Result<Vec<Applicant>> {
    let open = sc.opening(day)?;
    let len = f64::from(sc.interval_minutes) * 60.0;
    let mut out = Vec::new();
    for q in &sc.queues {
        let mut rng = stream(seed, day, &q.code);
        let s2 = (1.0 + q.service_cv * q.service_cv).ln();
        let mu = (q.service_minutes * 60.0).ln() - s2 / 2.0;
        for (i, rate) in q.arrivals_per_hour.iter().enumerate() {
            if *rate <= 0.0 {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let start = i as f64 * len;
            let mut t = start + rng.exponential(rate / 3600.0);
            while t < start + len {
                let u = rng.uniform();
                let channel = if u < sc.channels.green {
                    Channel::Green
                } else if u < sc.channels.green + sc.channels.urgent {
                    Channel::Urgent
                } else {
                    Channel::WalkIn
                };
                #[allow(clippy::cast_possible_truncation)]
                out.push(Applicant {
                    at: open + Duration::milliseconds((t * 1000.0) as i64),
                    queue: q.code.clone(),
                    channel,
                    service_seconds: (mu + s2.sqrt() * normal_inv(rng.uniform())).exp(),
                    no_show: rng.uniform() < sc.no_show,
                });
                t += rng.exponential(rate / 3600.0);
            }
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.queue.cmp(&b.queue)));
    Ok(out)
}

/// Open windows per queue per interval (the first `n` of the queue's pool are open).
pub type Schedule = BTreeMap<String, Vec<u32>>;

#[derive(Debug, Clone, Copy)]
enum Desk {
    Idle,
    /// Called someone who will not come: marked no-show at `until`.
    Calling {
        until: DateTime<FixedOffset>,
    },
    Serving {
        until: DateTime<FixedOffset>,
    },
}

/// What a simulated day produced.
#[derive(Debug, Clone, Default)]
pub struct DayResult {
    pub observations: Vec<Observation>,
    /// Seconds windows were open, summed.
    pub window_seconds: f64,
}

/// The engine with its log (kept in memory, or also written to a database for `backtest`).
pub struct Engine<'a> {
    pub hall: Hall,
    seq: u64,
    head: Vec<u8>,
    store: Option<&'a mut Store>,
    pending: Vec<EventRecord>,
    /// Score the estimator at each issue (`false` for staffing runs, which need only waits:
    /// the Monte-Carlo per ticket is most of a simulated day's time).
    pub estimates: bool,
}

impl<'a> Engine<'a> {
    pub fn new(
        config: HallConfig,
        calendar: Calendar,
        store: Option<&'a mut Store>,
    ) -> anyhow::Result<Self> {
        let (seq, head) = match &store {
            Some(s) => s.head().context("database head")?,
            None => (0, Vec::new()),
        };
        Ok(Self {
            hall: Hall::new(config, calendar, SigningKey::from_bytes(&[7; 32])),
            seq,
            head,
            store,
            pending: Vec::new(),
            estimates: true,
        })
    }

    fn record(&mut self, ev: Event, at: DateTime<FixedOffset>) {
        self.hall.apply(&ev, at);
        self.seq += 1;
        if self.store.is_some() {
            self.pending.push(EventRecord {
                seq: self.seq,
                at,
                event: ev,
            });
        }
    }

    /// Decides and applies one command; `None` when refused (e.g. nobody to call).
    pub fn submit(
        &mut self,
        role: Role,
        window: Option<u32>,
        cmd: QueueCommand,
        at: DateTime<FixedOffset>,
    ) -> Option<Vec<Event>> {
        let d = self
            .hall
            .decide(
                &Command::Queue(cmd),
                Actor {
                    role,
                    window,
                    token: None,
                    departments: queue_core::auth::DepartmentScope::ALL,
                },
                at,
            )
            .ok()?;
        for ev in &d.events {
            self.record(ev.clone(), at);
        }
        Some(d.events)
    }

    pub fn tick(&mut self, at: DateTime<FixedOffset>) {
        for _ in 0..3 {
            let evs = self.hall.tick(at);
            if evs.is_empty() {
                break;
            }
            for ev in evs {
                self.record(ev, at);
            }
        }
    }

    /// Writes what was recorded since the last flush in one transaction.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        let Some(store) = self.store.as_deref_mut() else {
            return Ok(());
        };
        let mut b = store.begin()?;
        for rec in self.pending.drain(..) {
            self.head = b.append(&rec, &self.head, None)?;
        }
        b.commit()?;
        Ok(())
    }
}

/// Runs one day. `schedule`: open windows per interval (all windows open all day if `None`).
pub fn run_day(
    sc: &Scenario,
    engine: &mut Engine<'_>,
    day: NaiveDate,
    people: &[Applicant],
    schedule: Option<&Schedule>,
) -> anyhow::Result<DayResult> {
    let open = sc.opening(day)?;
    let interval = Duration::minutes(i64::from(sc.interval_minutes));
    let intervals = sc.intervals();
    let pools = sc.pools();
    let close = open + interval * i32::try_from(intervals).unwrap_or(i32::MAX);
    let mut desks: BTreeMap<u32, Desk> =
        sc.windows.iter().map(|w| (w.number, Desk::Idle)).collect();
    let mut by_ticket: HashMap<String, usize> = HashMap::new();
    let mut result = DayResult::default();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut next = 0usize;
    let mut now = open;
    let mut last_tick = open - Duration::minutes(1);
    let mut last_slot = usize::MAX;
    // A window closes when its ticket is finished if the schedule wants it closed.
    let mut want_open: BTreeMap<u32, bool> =
        sc.windows.iter().map(|w| (w.number, !w.standby)).collect();
    let mut open_since: BTreeMap<u32, DateTime<FixedOffset>> = BTreeMap::new();
    let set_window = |engine: &mut Engine<'_>,
                      open_since: &mut BTreeMap<u32, DateTime<FixedOffset>>,
                      result: &mut DayResult,
                      w: u32,
                      open: bool,
                      at: DateTime<FixedOffset>| {
        let cur = engine
            .hall
            .queue
            .windows
            .get(&w)
            .map(|x| x.state == WindowState::Open);
        if cur == Some(open) {
            return;
        }
        let state = if open {
            WindowSetting::Open
        } else {
            WindowSetting::Closed
        };
        let cmd = QueueCommand::SetWindow {
            window: w,
            state,
            queues: None,
        };
        if engine.submit(Role::Manager, None, cmd, at).is_some() {
            if open {
                open_since.insert(w, at);
            } else if let Some(s) = open_since.remove(&w) {
                #[allow(clippy::cast_precision_loss)]
                let secs = (at - s).num_milliseconds() as f64 / 1000.0;
                result.window_seconds += secs;
            }
        }
    };
    for w in sc.windows.iter().filter(|w| !w.standby) {
        open_since.insert(w.number, open);
    }
    loop {
        // 1. The schedule for this interval.
        let slot = usize::try_from((now - open).num_seconds() / interval.num_seconds().max(1))
            .unwrap_or(0)
            .min(intervals.saturating_sub(1));
        if slot != last_slot {
            last_slot = slot;
            for (q, pool) in &pools {
                let n = schedule
                    .and_then(|s| s.get(q))
                    .and_then(|v| v.get(slot).copied())
                    .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
                for (i, w) in pool.iter().enumerate() {
                    let standby = sc.windows.iter().any(|x| x.number == *w && x.standby);
                    let open = n.map_or(!standby, |n| i < n.max(1));
                    want_open.insert(*w, open);
                }
            }
        }
        // 2. Desks whose time has come.
        for (w, d) in &mut desks {
            match *d {
                Desk::Serving { until } if until <= now => {
                    engine.submit(
                        Role::Counter,
                        Some(*w),
                        QueueCommand::Finish { outcome: None },
                        now,
                    );
                    *d = Desk::Idle;
                }
                Desk::Calling { until } if until <= now => {
                    engine.submit(Role::Counter, Some(*w), QueueCommand::NoShow {}, now);
                    *d = Desk::Idle;
                }
                _ => {}
            }
        }
        for (w, d) in &desks {
            if matches!(d, Desk::Idle) {
                let want = want_open.get(w).copied().unwrap_or(true);
                set_window(engine, &mut open_since, &mut result, *w, want, now);
            }
        }
        // 3. Arrivals.
        while next < people.len() && people[next].at <= now {
            let p = &people[next];
            // The state before the issue, for the estimate (a clone of the whole queue state:
            // only when the estimator is scored).
            let before = engine.estimates.then(|| engine.hall.queue.clone());
            let cmd = QueueCommand::IssueTicket {
                queue: p.queue.clone(),
                channel: p.channel,
                id_number: None,
                returning: false,
                mobile: None,
            };
            if let Some(evs) = engine.submit(Role::Kiosk, None, cmd, now) {
                for ev in evs {
                    if let Event::Queue(QueueEvent::TicketIssued { ticket }) = ev {
                        let obs = match &before {
                            Some(before) => Observation::at_issue(
                                before,
                                &ticket,
                                now,
                                &engine.hall.config.rules,
                                sc.queue(&p.queue).map(|q| q.service_minutes * 60.0),
                            ),
                            None => Observation::wait_only(&engine.hall.queue, &ticket),
                        };
                        index_of.insert(ticket.id.clone(), result.observations.len());
                        by_ticket.insert(ticket.id.clone(), next);
                        result.observations.push(obs);
                    }
                }
            }
            next += 1;
        }
        // 4. Idle open windows call.
        for (w, d) in &mut desks {
            if !matches!(d, Desk::Idle) {
                continue;
            }
            let open_now = engine
                .hall
                .queue
                .windows
                .get(w)
                .is_some_and(|x| x.state == WindowState::Open);
            if !open_now {
                continue;
            }
            let cmd = QueueCommand::CallNext {
                ticket: None,
                reason: None,
            };
            let Some(evs) = engine.submit(Role::Counter, Some(*w), cmd, now) else {
                continue;
            };
            for ev in evs {
                if let Event::Queue(QueueEvent::TicketCalled { ticket, .. }) = ev {
                    if let Some(i) = index_of.get(&ticket.id) {
                        result.observations[*i].called(now);
                    }
                    let p = by_ticket.get(&ticket.id).and_then(|i| people.get(*i));
                    match p {
                        Some(p) if p.no_show => {
                            *d = Desk::Calling {
                                until: now + Duration::minutes(2),
                            };
                        }
                        Some(p) => {
                            engine.submit(
                                Role::Counter,
                                Some(*w),
                                QueueCommand::StartService {},
                                now,
                            );
                            #[allow(clippy::cast_possible_truncation)]
                            let ms = (p.service_seconds * 1000.0) as i64;
                            *d = Desk::Serving {
                                until: now + Duration::milliseconds(ms.max(1000)),
                            };
                        }
                        None => *d = Desk::Serving { until: now },
                    }
                }
            }
        }
        // 5. Time-driven events once a minute, as the server's ticks would.
        if now - last_tick >= Duration::minutes(1) {
            engine.tick(now);
            last_tick = now;
        }
        // Next instant: an arrival, a desk, the next interval or tick.
        let mut t = last_tick + Duration::minutes(1);
        if let Some(p) = people.get(next) {
            t = t.min(p.at);
        }
        for d in desks.values() {
            match d {
                Desk::Serving { until } | Desk::Calling { until } => t = t.min(*until),
                Desk::Idle => {}
            }
        }
        let busy = desks.values().any(|d| !matches!(d, Desk::Idle));
        let waiting = engine
            .hall
            .queue
            .queues
            .keys()
            .any(|q| engine.hall.queue.waiting_count(q) > 0);
        if next >= people.len() && !busy && (!waiting || now > close + Duration::hours(6)) {
            break;
        }
        now = t.max(now + Duration::milliseconds(1));
        engine.flush()?;
    }
    // Close the day: every window's open time counts until the last service ended.
    for (w, since) in std::mem::take(&mut open_since) {
        let _ = w;
        #[allow(clippy::cast_precision_loss)]
        let secs = (now.max(close) - since).num_milliseconds().max(0) as f64 / 1000.0;
        result.window_seconds += secs;
    }
    engine.flush()?;
    Ok(result)
}

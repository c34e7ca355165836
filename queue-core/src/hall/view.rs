//! The one per-role view of hall data. Every frame a client receives — events, snapshots,
//! command replies and `query_case` answers — is built through a [`Viewer`], keyed by the
//! client's role and window, so masking cannot differ between senders.
//!
//! - Public terminals (kiosk, display): no names, no full ID numbers, no staff free text
//!   (reasons, notes, outcomes), no case data beyond the display-level fields.
//! - Staff: ID numbers masked, except a counter sees a case whole while its window handles it.
//!   Tickets are always masked: the ID number is on the card in front of the clerk.
//! - Mobile numbers (left for notices) are masked for everyone (`138****5678`) and absent on
//!   public terminals; only the notification sender reads them whole, from the store.

use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::{case_closed, scope, Event, Hall};
use crate::auth::{DepartmentScope, Role};
use crate::estimate::board::Board;
use crate::ids;
use crate::intake::{Case, CaseEvent};
use crate::queue::{Appointment, Evaluation, QueueEvent, Ticket, Window};
use crate::redress::{RedressEvent, Request};

/// Who a frame is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub role: Role,
    pub window: Option<u32>,
    /// A chief representative's departments: cases, records and their alerts of those only
    /// (queues, windows and tickets are the shared hall's and stay).
    pub departments: DepartmentScope,
}

impl Viewer {
    #[must_use]
    pub fn new(role: Role, window: Option<u32>) -> Self {
        Self {
            role,
            window,
            departments: DepartmentScope::ALL,
        }
    }

    /// The same viewer narrowed to `departments` (supervisors only; others see by role).
    #[must_use]
    pub fn scoped(mut self, departments: DepartmentScope) -> Self {
        if self.role == Role::Supervisor {
            self.departments = departments;
        }
        self
    }

    /// Kiosks and displays stand in the public hall.
    #[must_use]
    pub fn is_public(self) -> bool {
        !self.role.sees_personal_data()
    }

    /// The counter whose window handles this case.
    #[must_use]
    pub fn handles(self, c: &Case) -> bool {
        self.role == Role::Counter && self.window.is_some() && c.window == self.window
    }

    // ------------------------------------------------------------------ objects

    #[must_use]
    pub fn ticket(self, t: &Ticket) -> Ticket {
        if self.is_public() {
            t.redacted()
        } else {
            mask_ticket(t)
        }
    }

    /// A case as this viewer may see it: whole, masked, or display-level fields only.
    #[must_use]
    pub fn case(self, c: &Case) -> Value {
        if self.is_public() {
            public_case(c)
        } else if self.handles(c) {
            json!(with_masked_mobile(c))
        } else {
            json!(masked_case(c))
        }
    }

    #[must_use]
    pub fn appointment(self, a: &Appointment) -> Appointment {
        let mut a = a.clone();
        a.id_number = if self.is_public() {
            None
        } else {
            a.id_number.as_deref().map(ids::mask)
        };
        a
    }

    #[must_use]
    pub fn evaluation(self, e: &Evaluation) -> Evaluation {
        let mut e = e.clone();
        if self.is_public() {
            e.reason = None;
            e.staff = None;
        }
        e
    }

    // ------------------------------------------------------------------ frames

    /// An event as this viewer may see it, or `None` (sent as a `redacted` filler).
    #[must_use]
    pub fn event(self, ev: &Event) -> Option<Event> {
        match ev {
            Event::Queue(e) => {
                if self.is_public() {
                    e.redacted().map(Event::Queue)
                } else {
                    Some(Event::Queue(mask_queue_event(e)))
                }
            }
            // A public terminal has no business with applications.
            Event::Case(_) if self.is_public() => None,
            Event::Case(e) => {
                if self.handles(e.case()) {
                    Some(Event::Case(map_case(e, with_masked_mobile)))
                } else {
                    Some(Event::Case(map_case(e, masked_case)))
                }
            }
            Event::Supervision(e) => {
                if self.is_public() {
                    e.public().map(Event::Supervision)
                } else {
                    Some(ev.clone())
                }
            }
            Event::Redress(e) => self.redress_event(e).map(Event::Redress),
        }
    }

    /// Whether this viewer sees bad-rating follow-ups: supervision of staff, so supervisors
    /// and managers only.
    #[must_use]
    pub fn sees_follow_ups(self) -> bool {
        matches!(self.role, Role::Supervisor | Role::Manager)
    }

    /// Whether this viewer sees request `r`: supervisors and managers all, a counter those its
    /// window received first (首问), public terminals none.
    #[must_use]
    pub fn sees_request(self, r: &Request) -> bool {
        match self.role {
            Role::Supervisor | Role::Manager => true,
            Role::Counter => self.window == Some(r.first_window),
            _ => false,
        }
    }

    fn redress_event(self, e: &RedressEvent) -> Option<RedressEvent> {
        if let Some(r) = e.request() {
            if !self.sees_request(r) {
                return None;
            }
            let mut e = e.clone();
            e.set_request(r.masked());
            return Some(e);
        }
        self.sees_follow_ups().then(|| e.clone())
    }

    /// A command reply's `result` as this viewer may see it. Known objects are shown through
    /// the views above; anything a public terminal has no use for is left out.
    #[must_use]
    pub fn reply(self, result: &Value) -> Value {
        let Some(obj) = result.as_object() else {
            return if self.is_public() && !result.is_null() {
                Value::Null
            } else {
                result.clone()
            };
        };
        let mut out = Map::new();
        for (k, v) in obj {
            if v.is_null() {
                out.insert(k.clone(), Value::Null);
                continue;
            }
            let shown = match k.as_str() {
                "ticket" | "from" => typed::<Ticket>(v).map(|t| json!(self.ticket(&t))),
                "case" => typed::<Case>(v).map(|c| self.case(&c)),
                "cases" => v.as_array().map(|cs| {
                    Value::Array(
                        cs.iter()
                            .filter_map(|c| typed::<Case>(c).map(|c| self.case(&c)))
                            .collect(),
                    )
                }),
                "appointment" => typed::<Appointment>(v).map(|a| json!(self.appointment(&a))),
                "evaluation" => typed::<Evaluation>(v).map(|e| json!(self.evaluation(&e))),
                // The applicant of a request is masked in every view, its recorder's included.
                "request" if !self.is_public() => typed::<Request>(v).map(|r| json!(r.masked())),
                "follow_up" | "follow_up_id" if !self.sees_follow_ups() => None,
                // Documents carry masked IDs but names and reasons: staff only.
                "document" | "alert" | "window" | "queue" if !self.is_public() => Some(v.clone()),
                "window" => typed::<Window>(v).map(|w| json!(w)),
                // The slip's rating link names no one: printed on every slip.
                "recorded" | "rating_link" | "rating_url" => Some(v.clone()),
                _ if !self.is_public() => Some(v.clone()),
                _ => None,
            };
            if let Some(s) = shown {
                out.insert(k.clone(), s);
            }
        }
        Value::Object(out)
    }

    /// The state this viewer may see, as of `now`, with the estimates of `board`.
    #[must_use]
    pub fn snapshot(self, hall: &Hall, now: DateTime<FixedOffset>, board: &Board) -> Value {
        let role = self.role;
        let rules = &hall.config.rules;
        let q = &hall.queue;
        let mine = match (role, self.window) {
            (Role::Counter, Some(n)) => q.windows.get(&n),
            _ => None,
        };
        let queues: Vec<Value> = q
            .queues
            .values()
            .map(|qc| {
                let waiting = q.waiting_count(&qc.code);
                let estimate = board.walk_in_range(&qc.code);
                let mut v = json!({
                    "code": qc.code,
                    "name": qc.name,
                    "name_en": qc.name_en,
                    "waiting": waiting,
                    "longest_wait_seconds": q.longest_wait_seconds(&qc.code, now),
                    "open_windows": q.open_windows_for(&qc.code),
                    "estimated_wait": estimate,
                    "target_wait_minutes": qc.target_wait_minutes,
                    "max_wait_minutes": qc.max_wait_minutes,
                    "max_waiting": qc.max_waiting,
                    "mean_service_seconds": q.mean_service_seconds(&qc.code).round(),
                    "arrivals_last_hour": q.arrivals.get(&qc.code).map_or(0, std::collections::VecDeque::len),
                });
                let wants_line = match role {
                    Role::Display => false,
                    Role::Counter => mine.is_some_and(|w| w.serves(&qc.code)),
                    _ => true,
                };
                if wants_line {
                    // Each waiting ticket's current figure, by its place (the one printed was
                    // at issue).
                    let line: Vec<Value> = q
                        .waiting_in(&qc.code, rules)
                        .into_iter()
                        .enumerate()
                        .map(|(place, t)| {
                            json!({
                                "id": t.id, "number": t.number, "channel": t.channel,
                                "issued_at": t.issued_at, "returning": t.returning,
                                "estimated_wait": board.range_at(&qc.code, place),
                            })
                        })
                        .collect();
                    v["line"] = Value::Array(line);
                }
                v
            })
            .collect();
        // The same object as in `window_changed`: `ticket` is the number, `ticket_id` the id.
        // A counter gets its own window only, as its event stream does: a thousand windows
        // in every counter's snapshot was most of the hall's memory (docs/benchmarks.md).
        let windows: Vec<&Window> = match (role, mine) {
            (Role::Counter, Some(w)) => vec![w],
            (Role::Counter, None) => Vec::new(),
            _ => q.windows.values().collect(),
        };
        let recent: Vec<Value> = q
            .recently_called(10)
            .into_iter()
            .map(|t| json!({"number": t.number, "queue": t.queue, "window": t.window, "called_at": t.called_at, "state": t.state}))
            .collect();
        let mut state = json!({
            "now": now,
            "centre": { "code": hall.config.centre.code, "name": hall.config.centre.name },
            "queues": queues,
            "windows": windows,
            "recent_calls": recent,
            "alerts": hall
                .supervision
                .alerts_for(role)
                .into_iter()
                .filter(|a| self.departments.sees(scope::alert_bits(&hall.config, a)))
                .collect::<Vec<_>>(),
        });
        if !self.is_public() {
            state["recommendations"] = json!(hall.supervision.recommendations());
        }
        if role != Role::Display {
            state["catalogue"] = catalogue(hall);
        }
        if !self.is_public() {
            // A counter: the tickets of the queues its window serves and at its window, the
            // same scope as its stream.
            let for_me = |t: &Ticket| match (role, mine) {
                (Role::Counter, Some(w)) => t.window == Some(w.number) || w.serves(&t.queue),
                (Role::Counter, None) => false,
                _ => true,
            };
            let tickets: Vec<Value> = q
                .tickets
                .values()
                .filter(|t| t.state.is_live() || t.issued_at.date_naive() == now.date_naive())
                .filter(|t| for_me(t))
                .map(|t| json!(self.ticket(t)))
                .collect();
            state["tickets"] = Value::Array(tickets);
            let cases: Vec<Value> = hall
                .cases
                .iter()
                .filter(|c| !case_closed(c.state) || c.received_on == now.date_naive())
                .filter(|c| {
                    self.departments
                        .sees(Some(scope::case_bits(&hall.config, c)))
                })
                .map(|c| self.case(c))
                .collect();
            state["cases"] = Value::Array(cases);
        }
        if !self.is_public() {
            self.redress_snapshot(hall, now, &mut state);
        }
        if let (Role::Pad, Some(n)) = (role, self.window) {
            state["pad"] = hall.pad_state(n);
        }
        if let (Role::Counter, Some(n)) = (role, self.window) {
            state["window"] = json!(n);
            state["current_ticket"] = json!(q.ticket_at(n).map(|t| self.ticket(t)));
        }
        state
    }
}

impl Viewer {
    /// `follow_ups` and `requests` of the snapshot: open ones and those closed today, masked,
    /// each with its `urgency` today.
    fn redress_snapshot(self, hall: &Hall, now: DateTime<FixedOffset>, state: &mut Value) {
        let today = now.date_naive();
        let current =
            |closed: Option<DateTime<FixedOffset>>| closed.is_none_or(|c| c.date_naive() == today);
        if self.sees_follow_ups() {
            let f: Vec<Value> = hall
                .redress
                .follow_ups
                .values()
                .filter(|f| current(f.closed_at))
                .filter(|f| {
                    self.departments
                        .sees(Some(scope::follow_up_bits(&hall.config, f)))
                })
                .map(|f| {
                    let mut v = json!(f);
                    v["urgency"] = json!(f.closed_at.is_none().then(|| f.deadline.urgency(today)));
                    v
                })
                .collect();
            state["follow_ups"] = Value::Array(f);
        }
        let r: Vec<Value> = hall
            .redress
            .requests
            .values()
            .filter(|r| current(r.closed_at) && self.sees_request(r))
            .filter(|r| {
                self.departments
                    .sees(Some(scope::request_bits(&hall.config, r)))
            })
            .map(|r| {
                let mut v = json!(r.masked());
                v["urgency"] = json!(r.closed_at.is_none().then(|| r.deadline.urgency(today)));
                v
            })
            .collect();
        state["requests"] = Value::Array(r);
    }
}

fn catalogue(hall: &Hall) -> Value {
    Value::Array(
        hall.config
            .items
            .iter()
            .map(|i| {
                json!({
                    "code": i.code, "name": i.name, "queue": i.queue,
                    "department": i.department, "kind": i.kind,
                    "legal_days": i.legal_days, "committed_days": i.committed_days,
                    "on_the_spot": i.on_the_spot, "personal_attendance": i.personal_attendance,
                    "fee": i.fee,
                    "materials": i.materials.iter().map(|m| json!({
                        "id": m.id, "name": m.name, "required": m.required,
                        "tolerable": m.tolerable, "commitment": m.commitment,
                        "shared_data": m.shared_data, "form": m.form, "copies": m.copies,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn typed<T: DeserializeOwned>(v: &Value) -> Option<T> {
    serde_json::from_value(v.clone()).ok()
}

/// The fields a public terminal may show of a case: where it stands, nothing about who.
#[must_use]
pub fn public_case(c: &Case) -> Value {
    json!({
        "serial": c.serial, "item": c.item, "item_name": c.item_name,
        "state": c.state, "received_on": c.received_on,
        "accepted_on": c.accepted_on, "due_on": c.due_on, "completed_on": c.completed_on,
    })
}

/// A name as a public page may show it: the first character, the rest as `*`
/// (`张三` → `张*`; `广州市某某公司` → `广******`).
#[must_use]
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

fn mask_ticket(t: &Ticket) -> Ticket {
    let mut t = t.clone();
    t.id_number = t.id_number.as_deref().map(ids::mask);
    t.mobile = t.mobile.as_deref().map(ids::mask_mobile);
    t
}

/// The case whole but for its mobile number, masked (the counter handling it sees the rest).
fn with_masked_mobile(c: &Case) -> Case {
    let mut c = c.clone();
    c.mobile = c.mobile.as_deref().map(ids::mask_mobile);
    c
}

/// Masks every `mobile` string anywhere in `v` (command results are stored as replies and
/// sent back: no number leaves the writer whole that way).
pub fn mask_mobiles(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "mobile" => *s = ids::mask_mobile(s),
                    _ => mask_mobiles(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_mobiles),
        _ => {}
    }
}

fn mask_queue_event(e: &QueueEvent) -> QueueEvent {
    let mut e = e.clone();
    match &mut e {
        QueueEvent::TicketIssued { ticket }
        | QueueEvent::TicketCalled { ticket, .. }
        | QueueEvent::TicketRecalled { ticket }
        | QueueEvent::TicketNoShow { ticket }
        | QueueEvent::TicketReinstated { ticket }
        | QueueEvent::ServiceStarted { ticket }
        | QueueEvent::ServiceFinished { ticket }
        | QueueEvent::TicketCancelled { ticket, .. } => *ticket = mask_ticket(ticket),
        QueueEvent::TicketTransferred { ticket, from } => {
            *ticket = mask_ticket(ticket);
            *from = mask_ticket(from);
        }
        QueueEvent::AppointmentBooked { appointment } => {
            appointment.id_number = appointment.id_number.as_deref().map(ids::mask);
        }
        _ => {}
    }
    e
}

/// A case with ID numbers masked, for staff screens that do not handle it.
#[must_use]
pub fn masked_case(c: &Case) -> Case {
    let mut c = with_masked_mobile(c);
    c.applicant.id_number = ids::mask(&c.applicant.id_number);
    if let Some(a) = c.agent.as_mut() {
        a.id_number = ids::mask(&a.id_number);
    }
    c
}

/// The same case event carrying a different version of its case (e.g. masked).
fn map_case(e: &CaseEvent, f: impl Fn(&Case) -> Case) -> CaseEvent {
    let mut e = e.clone();
    e.set_case(f(e.case()));
    e
}

//! The hall as this screen knows it: the last snapshot, with events folded in.
//!
//! Events carry the whole post-change object (ticket, window, case), so folding is a plain
//! replace. Queue counts are recounted from the tickets after each event; the estimated wait
//! comes from the hall only (it is refreshed by the periodic resync).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use queue_core::intake::Case;
use queue_core::queue::{Ticket, TicketState, Window, WindowState};
use queue_core::staffing::WaitRange;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct QueueInfo {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub waiting: u32,
    #[serde(default)]
    pub longest_wait_seconds: i64,
    #[serde(default)]
    pub open_windows: u32,
    #[serde(default)]
    pub estimated_wait: Option<WaitRange>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WindowInfo {
    pub number: u32,
    pub state: WindowState,
    #[serde(default)]
    pub queues: Vec<String>,
    #[serde(default)]
    pub ticket_id: Option<String>,
}

impl From<&Window> for WindowInfo {
    fn from(w: &Window) -> Self {
        Self {
            number: w.number,
            state: w.state,
            queues: w.queues.clone(),
            ticket_id: w.ticket.clone(),
        }
    }
}

#[allow(clippy::struct_excessive_bools)] // the catalogue's own flags
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ItemMaterial {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub tolerable: bool,
    #[serde(default)]
    pub commitment: bool,
    #[serde(default)]
    pub shared_data: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Item {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub queue: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub legal_days: u32,
    #[serde(default)]
    pub committed_days: u32,
    #[serde(default)]
    pub on_the_spot: bool,
    #[serde(default)]
    pub personal_attendance: bool,
    #[serde(default)]
    pub materials: Vec<ItemMaterial>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HallView {
    /// A snapshot has arrived.
    pub loaded: bool,
    pub now: Option<DateTime<FixedOffset>>,
    pub centre_code: String,
    pub centre_name: String,
    pub queues: Vec<QueueInfo>,
    pub windows: BTreeMap<u32, WindowInfo>,
    pub catalogue: Vec<Item>,
    pub tickets: BTreeMap<String, Ticket>,
    pub cases: BTreeMap<String, Case>,
    /// Alert messages by alert id.
    pub alerts: BTreeMap<String, String>,
    /// The hall's storage trouble, when it has some (snapshot `storage`).
    pub storage: Option<StorageTrouble>,
}

/// The hall cannot save (`failing`) or soon will not (`low_space`), with its own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageTrouble {
    pub failing: bool,
    pub message: String,
    pub message_en: String,
}

fn storage_trouble(v: &Value) -> Option<StorageTrouble> {
    let status = v["status"].as_str()?;
    if status == "ok" {
        return None;
    }
    Some(StorageTrouble {
        failing: status == "failing",
        message: v["message"].as_str().unwrap_or("").to_string(),
        message_en: v["message_en"].as_str().unwrap_or("").to_string(),
    })
}

/// Parses one field, keeping a default (and a log line) when the hall sent something odd:
/// a screen with one bad field is better than no screen.
fn field<T: serde::de::DeserializeOwned + Default>(v: &Value, name: &str) -> T {
    match v.get(name) {
        None | Some(Value::Null) => T::default(),
        Some(x) => serde_json::from_value(x.clone()).unwrap_or_else(|e| {
            tracing::warn!(field = name, error = %e, "snapshot field not understood");
            T::default()
        }),
    }
}

impl HallView {
    #[must_use]
    pub fn from_snapshot(state: &Value) -> Self {
        let windows: Vec<WindowInfo> = field(state, "windows");
        let tickets: Vec<Ticket> = field(state, "tickets");
        let cases: Vec<Case> = field(state, "cases");
        let alerts: Vec<Value> = field(state, "alerts");
        Self {
            loaded: true,
            now: state
                .get("now")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok()),
            centre_code: state["centre"]["code"].as_str().unwrap_or("").to_string(),
            centre_name: state["centre"]["name"].as_str().unwrap_or("").to_string(),
            queues: field(state, "queues"),
            windows: windows.into_iter().map(|w| (w.number, w)).collect(),
            catalogue: field(state, "catalogue"),
            tickets: tickets.into_iter().map(|t| (t.id.clone(), t)).collect(),
            cases: cases.into_iter().map(|c| (c.id.clone(), c)).collect(),
            alerts: alerts.iter().filter_map(alert_entry).collect(),
            storage: storage_trouble(&state["storage"]),
        }
    }

    /// Folds one event in. Unknown kinds are ignored (the hall may grow new ones).
    pub fn apply(&mut self, event: &Value, at: Option<DateTime<FixedOffset>>) {
        let kind = event["kind"].as_str().unwrap_or("");
        for key in ["from", "ticket"] {
            if kind.starts_with("ticket_") || kind.starts_with("service_") {
                if let Ok(t) = serde_json::from_value::<Ticket>(event[key].clone()) {
                    self.tickets.insert(t.id.clone(), t);
                }
            }
        }
        match kind {
            "window_changed" => {
                if let Ok(w) = serde_json::from_value::<Window>(event["window"].clone()) {
                    self.windows.insert(w.number, WindowInfo::from(&w));
                }
            }
            "alert_raised" => {
                if let Some((id, msg)) = alert_entry(&event["alert"]) {
                    self.alerts.insert(id, msg);
                }
            }
            "alert_cleared" => {
                if let Some(id) = event["alert"]["id"].as_str() {
                    self.alerts.remove(id);
                }
            }
            _ => {}
        }
        if event.get("case").is_some() {
            if let Ok(c) = serde_json::from_value::<Case>(event["case"].clone()) {
                self.cases.insert(c.id.clone(), c);
            }
        }
        if let Some(at) = at {
            self.now = Some(at);
            self.recount(at);
        }
    }

    /// Waiting counts and longest waits from the tickets we hold.
    pub fn recount(&mut self, now: DateTime<FixedOffset>) {
        for q in &mut self.queues {
            let waiting: Vec<&Ticket> = self
                .tickets
                .values()
                .filter(|t| t.queue == q.code && t.state == TicketState::Waiting)
                .collect();
            q.waiting = u32::try_from(waiting.len()).unwrap_or(u32::MAX);
            q.longest_wait_seconds = waiting
                .iter()
                .map(|t| t.waited_seconds(now))
                .max()
                .unwrap_or(0);
        }
    }

    /// The ticket called to or served at `window`.
    #[must_use]
    pub fn current_ticket(&self, window: u32) -> Option<&Ticket> {
        self.tickets.values().find(|t| {
            t.window == Some(window)
                && matches!(t.state, TicketState::Called | TicketState::Serving)
        })
    }

    #[must_use]
    pub fn queue(&self, code: &str) -> Option<&QueueInfo> {
        self.queues.iter().find(|q| q.code == code)
    }

    #[must_use]
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.catalogue.iter().find(|i| i.code == code)
    }

    /// A ticket by id, `TK:` code or today's number (e.g. `A003`, case-insensitive).
    #[must_use]
    pub fn find_ticket(&self, text: &str) -> Option<&Ticket> {
        let t = text.trim();
        let t = t.strip_prefix("TK:").unwrap_or(t);
        self.tickets.get(t).or_else(|| {
            self.tickets
                .values()
                .filter(|x| x.number.eq_ignore_ascii_case(t))
                .max_by_key(|x| x.issued_at)
        })
    }
}

fn alert_entry(a: &Value) -> Option<(String, String)> {
    let id = match &a["id"] {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        other => other.to_string(),
    };
    Some((id, a["message"].as_str().unwrap_or("").to_string()))
}

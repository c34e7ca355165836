//! Windows (窗口) as the hall sees them at run time.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::config::WindowKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    Open,
    Paused,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub number: u32,
    pub kind: WindowKind,
    pub state: WindowState,
    pub queues: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weights: BTreeMap<String, f64>,
    /// Id of the ticket at this window (called or serving); `ticket_id` on the wire.
    #[serde(rename = "ticket_id", default)]
    pub ticket: Option<String>,
    /// Its number, for displays; `ticket` on the wire, as in the snapshot.
    #[serde(rename = "ticket", default)]
    pub ticket_number: Option<String>,
    /// Since when the window has been in its current state with its current ticket (idle alerts).
    pub since: Option<DateTime<FixedOffset>>,
}

impl Window {
    #[must_use]
    pub fn serves(&self, queue: &str) -> bool {
        self.queues.iter().any(|q| q == queue)
    }

    #[must_use]
    pub fn weight(&self, queue: &str) -> f64 {
        self.weights.get(queue).copied().unwrap_or(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_the_wire_ticket_is_the_number_and_ticket_id_the_id() {
        let w = Window {
            number: 3,
            kind: WindowKind::Comprehensive,
            state: WindowState::Open,
            queues: vec!["A".into()],
            weights: BTreeMap::new(),
            ticket: Some("20261123-A023".into()),
            ticket_number: Some("A023".into()),
            since: None,
        };
        let v = serde_json::to_value(&w).unwrap();
        assert_eq!(v["ticket"], "A023");
        assert_eq!(v["ticket_id"], "20261123-A023");
        let back: Window = serde_json::from_value(v).unwrap();
        assert_eq!(back, w);
    }
}

//! Outgoing frames. Events are serialised once per view when published (staff, display),
//! not once per subscriber.

use std::sync::Arc;

use queue_core::auth::Role;
use queue_core::hall::Event;
use queue_core::service::Outcome;
use queue_core::store::EventRecord;
use serde_json::{json, Value};

/// One committed event, ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub record: EventRecord,
    /// The frame for staff roles (ID numbers masked).
    pub staff: Arc<str>,
    /// The frame for the public display (no personal data; a filler when hidden).
    pub display: Arc<str>,
    /// The window whose counter sees this case event unmasked.
    pub case_window: Option<u32>,
}

impl Outgoing {
    #[must_use]
    pub fn new(r: &EventRecord) -> Self {
        let staff = event_frame(r, r.event.for_role(Role::Supervisor, None));
        let display = event_frame(r, r.event.for_role(Role::Display, None));
        let case_window = match &r.event {
            Event::Case(e) => e.case().window,
            _ => None,
        };
        Self {
            record: r.clone(),
            staff: staff.into(),
            display: display.into(),
            case_window,
        }
    }

    /// The frame `role` at `window` receives.
    #[must_use]
    pub fn frame_for(&self, role: Role, window: Option<u32>) -> Arc<str> {
        match role {
            Role::Display => Arc::clone(&self.display),
            Role::Counter if window.is_some() && self.case_window == window => {
                event_frame(&self.record, self.record.event.for_role(role, window)).into()
            }
            _ => Arc::clone(&self.staff),
        }
    }
}

/// `{"type":"event",…}`; an event the role may not see becomes `{"kind":"redacted"}` so the
/// sequence stays contiguous and a real gap is still detectable.
#[must_use]
pub fn event_frame(r: &EventRecord, visible: Option<Event>) -> String {
    let event = visible.map_or_else(
        || json!({"kind": "redacted"}),
        |e| serde_json::to_value(e).unwrap_or_else(|_| json!({"kind": "redacted"})),
    );
    json!({"type": "event", "seq": r.seq, "at": r.at, "event": event}).to_string()
}

#[must_use]
pub fn error_frame(code: &str, message: &str) -> String {
    json!({"type": "error", "code": code, "message": message}).to_string()
}

#[must_use]
pub fn reply_frame(id: &Value, o: &Outcome) -> String {
    let mut v = serde_json::to_value(o).unwrap_or_else(|_| json!({"ok": false}));
    if let Some(m) = v.as_object_mut() {
        m.insert("type".into(), json!("reply"));
        m.insert("id".into(), id.clone());
    }
    v.to_string()
}

#[must_use]
pub fn reply_error(id: &Value, code: &str, message: &str) -> String {
    json!({"type": "reply", "id": id, "ok": false, "error": {"code": code, "message": message}})
        .to_string()
}

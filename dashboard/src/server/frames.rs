//! Outgoing frames. Events are serialised once per view when published (staff, display),
//! not once per subscriber.

use axum::extract::ws::Utf8Bytes;
use queue_core::auth::Role;
use queue_core::hall::{Event, Viewer};
use queue_core::service::Outcome;
use queue_core::store::EventRecord;
use serde_json::{json, Value};

/// One committed event, ready to send. The frames are shared buffers: every subscriber sends
/// the same bytes without copying them. Each is built by the hall's one view
/// ([`Viewer::event`]); pre-serialising per audience only saves work.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub seq: u64,
    /// The frame for staff roles (ID numbers masked).
    pub staff: Utf8Bytes,
    /// The frame for public terminals, kiosk and display (no personal data or staff text; a
    /// filler when hidden).
    pub public: Utf8Bytes,
    /// For a case event: the window whose counter sees it unmasked, and the record to build
    /// that view from.
    pub case: Option<(Option<u32>, EventRecord)>,
}

impl Outgoing {
    #[must_use]
    pub fn new(r: &EventRecord) -> Self {
        let staff = event_frame(r, Viewer::new(Role::Supervisor, None).event(&r.event));
        let public = event_frame(r, Viewer::new(Role::Display, None).event(&r.event));
        let case = match &r.event {
            Event::Case(e) => Some((e.case().window, r.clone())),
            _ => None,
        };
        Self {
            seq: r.seq,
            staff: staff.into(),
            public: public.into(),
            case,
        }
    }

    /// The frame `role` at `window` receives.
    #[must_use]
    pub fn frame_for(&self, role: Role, window: Option<u32>) -> Utf8Bytes {
        let viewer = Viewer::new(role, window);
        if viewer.is_public() {
            return self.public.clone();
        }
        match &self.case {
            Some((case_window, record))
                if role == Role::Counter && window.is_some() && *case_window == window =>
            {
                event_frame(record, viewer.event(&record.event)).into()
            }
            _ => self.staff.clone(),
        }
    }
}

/// `{"type":"event","seq":N,"at":"…","event":{…}}` with the keys in that order, so a client
/// can read the seq without parsing the event. An event the role may not see becomes
/// `{"kind":"redacted"}`: the sequence stays contiguous and a real gap is still detectable.
#[must_use]
pub fn event_frame(r: &EventRecord, visible: Option<Event>) -> String {
    let event = visible
        .and_then(|e| serde_json::to_string(&e).ok())
        .unwrap_or_else(|| r#"{"kind":"redacted"}"#.to_string());
    let at = serde_json::to_string(&r.at).unwrap_or_else(|_| "null".into());
    format!(
        r#"{{"type":"event","seq":{},"at":{at},"event":{event}}}"#,
        r.seq
    )
}

#[must_use]
pub fn error_frame(code: &str, message: &str) -> String {
    json!({"type": "error", "code": code, "message": message}).to_string()
}

/// A reply, its `result` shown as `viewer` may see it: the only way a reply is serialised.
#[must_use]
pub fn reply_frame(id: &Value, o: &Outcome, viewer: Viewer) -> String {
    let mut o = o.clone();
    o.result = o.result.map(|r| viewer.reply(&r));
    let mut v = serde_json::to_value(&o).unwrap_or_else(|_| json!({"ok": false}));
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
